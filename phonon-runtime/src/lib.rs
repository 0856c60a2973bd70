//! Phonon's runtime: per-block pattern queries, voices and samples, the stage
//! scheduler, hot swap and audio I/O. Only this crate and the CLI touch devices.

pub mod audio;
pub mod clock;
pub mod controls;
pub mod engine;
pub mod jit_engine;
pub mod live;
pub mod render;
pub mod samples;
pub mod schedule;
pub mod voices;
pub mod wav;
