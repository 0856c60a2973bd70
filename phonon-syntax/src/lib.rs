//! Phonon source text to syntax trees: the statement grammar, the mini-notation
//! grammar, byte spans and diagnostics as plain data.
//!
//! This crate does no IO and knows nothing about audio or pattern semantics:
//! it turns text into trees plus every diagnostic it can find, and never panics.

pub mod ast;
pub mod codes;
pub mod diagnostic;
pub mod mini;
pub mod parse;
pub mod pretty;
mod scan;
pub mod span;
mod split;
mod syntax_error;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use parse::{parse, parse_expression, Parsed};
pub use pretty::{ast_to_text, expr_to_text};
pub use span::Span;
