//! Phonon semantics: the exact pattern engine, the reference signal nodes
//! (`dsp`), name resolution, types, the signal graph, its passes and the
//! per-stage dataflow.
//!
//! This crate does no IO: it takes syntax trees and returns data.

pub mod codes;
pub mod dsp;
pub mod pattern;
