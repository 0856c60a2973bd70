//! One module per subcommand; each has its clap `Args` and a `run`.

pub mod check;
pub mod query;
pub mod run;
