//! The `phonon` command. Thin: parses flags (defined once here, feeding
//! `--help`), calls the library crates, prints. Exit codes: 0 success,
//! 1 the program has errors, 2 the command could not run (bad flags, IO).

mod commands;
mod diagnostics;
mod engine;
mod haps;
mod output;
mod routing;
mod voices;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Phonon: a live-coding language for music, compiled to native code.
#[derive(Parser, Debug)]
#[command(name = "phonon", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and check a program without playing it; lists every problem.
    ///
    /// Exit status 0 when the program is clean (warnings allowed), 1 when it
    /// has errors. `--json` prints diagnostics for editors.
    Check(commands::check::Args),
    /// Print the events of a pattern expression over a span of cycles.
    ///
    /// Example: phonon query '"bd(3,8)" $ fast "<1 2>" $ every 3 (fast 2)' --to 4
    Query(commands::query::Args),
    /// Render a program offline to a stereo WAV file, far faster than real
    /// time.
    ///
    /// The length is `--cycles` (default 8) or `--seconds`. Prints the
    /// length, the peak level, the render speed and, when the master
    /// limiter acted, how many samples it limited. A program with errors
    /// prints them as `check` does, writes nothing and exits with 1.
    ///
    /// Example: phonon render examples/first.ph -o first.wav --cycles 4 --format 24
    Render(commands::render::Args),
    /// Print every compiler stage of a program: the syntax tree, the signal
    /// graph, the staged dataflow and the time each pass took.
    ///
    /// Example: phonon emit-ir examples/first.ph --stage dataflow
    EmitIr(commands::emit_ir::Args),
    /// Play a program live: every save is heard within a block of compiling
    /// (to native code by default, `--engine interp` for the interpreter);
    /// unchanged nodes keep their state across a save. A broken save prints
    /// its errors and the last good program keeps playing. `--device null` plays with no sound card (a software clock
    /// paces the blocks); `--record take.wav` writes exactly what is played;
    /// `--seconds N` stops after N seconds, as Ctrl-C does.
    /// Example: phonon run song.ph --device null --record take.wav --seconds 30
    Run(commands::run::Args),
    /// Measure how much of the real-time budget a program takes: median and
    /// 99th-percentile block time, real-time factor and budget share per
    /// thread count, then per stage and per output (one thread). Warms up
    /// first, and lets the scheduler settle which stages run split across
    /// threads. Compiled code by default; `--engine interp` measures the
    /// reference interpreter. `--json` prints one object for scripts.
    ///
    /// Example: phonon bench song.ph --threads 1,2,4 --blocks 2000
    Bench(commands::bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Query(args) => commands::query::run(args),
        Command::Render(args) => commands::render::run(args),
        Command::EmitIr(args) => commands::emit_ir::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Bench(args) => commands::bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
