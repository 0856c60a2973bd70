//! Phonon semantics: the exact pattern engine, the reference signal nodes
//! (`dsp`), name resolution, types, the signal graph, its passes and the
//! per-stage dataflow.
//!
//! This crate does no IO: it takes syntax trees and returns data. The passes
//! run in the order `compile` lists them, one file each.

pub mod build_stages;
pub mod check_types;
pub mod close_feedback;
pub mod codes;
pub mod compile;
pub mod dsp;
pub mod eliminate_dead_nodes;
pub mod eval_pattern;
pub mod fold_constants;
pub mod graph;
pub mod interpret;
pub mod interpret_kernel;
pub mod lower;
pub mod pattern;
pub mod resolve_names;
pub mod share_buses;
pub mod text;

pub use compile::{check, compile, Compiled};
