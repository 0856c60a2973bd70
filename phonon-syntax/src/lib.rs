//! Phonon source text to syntax trees: the statement grammar, the mini-notation
//! grammar, byte spans and diagnostics as plain data.
//!
//! This crate does no IO and knows nothing about audio or pattern semantics:
//! it turns text into trees plus every diagnostic it can find, and never panics.

pub mod ast;
pub mod diagnostic;
pub mod mini;
pub mod span;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use span::Span;
