//! One module per subcommand; each has its clap `Args` and a `run`.

pub mod bench;
pub mod check;
pub mod emit_ir;
pub mod query;
pub mod render;
pub mod run;
