//! `phonon emit-ir FILE.ph`: the text form of every compiler stage (the
//! syntax tree, the signal graph, the staged dataflow, the lane packing and
//! Cranelift IR) and the time each pass and Cranelift took.

use crate::commands::render::load;
use crate::output::print_stdout;
use phonon_ir::text::{dataflow_to_text, graph_to_text};
use phonon_jit::{JitModule, JitProgram, KernelOptions};
use phonon_runtime::audio::{DEFAULT_BLOCK_FRAMES, DEFAULT_SAMPLE_RATE};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The program to compile.
    file: PathBuf,
    /// Print only this stage: `ast` (the syntax tree), `ir` (the signal
    /// graph after the graph passes), `dataflow` (stages and kernels: which
    /// nodes run together, which may run in parallel), `clif` (how kernels
    /// are packed into f32x4 lanes, then the Cranelift IR of every function)
    /// or `timings` (the time each pass and Cranelift took). Without it, all
    /// of them in that order.
    #[arg(long, value_enum)]
    stage: Option<Stage>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Ast,
    Ir,
    Dataflow,
    Clif,
    Timings,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(loaded) = load(&args.file)? else {
        return Ok(ExitCode::from(1));
    };
    let Some(staged) = &loaded.compiled.staged else {
        anyhow::bail!("{}: the compiler gave no program", loaded.name);
    };
    let stages = match args.stage {
        Some(stage) => vec![stage],
        None => vec![
            Stage::Ast,
            Stage::Ir,
            Stage::Dataflow,
            Stage::Clif,
            Stage::Timings,
        ],
    };
    let jit = JitModule::host().and_then(|jit| {
        let options = KernelOptions {
            rate: DEFAULT_SAMPLE_RATE as f32,
        };
        JitProgram::compile(&jit, staged, options, true, DEFAULT_BLOCK_FRAMES)
    });
    let headed = stages.len() > 1;
    let mut out = String::new();
    for stage in stages {
        let (title, text) = match stage {
            Stage::Ast => ("ast", phonon_syntax::ast_to_text(&loaded.parsed.program)),
            Stage::Ir => ("ir", graph_to_text(&staged.graph, &loaded.source)),
            Stage::Dataflow => ("dataflow", dataflow_to_text(staged)),
            Stage::Clif => match &jit {
                Ok(program) => ("clif", program.clif_text()),
                Err(error) => (
                    "clif",
                    format!("; the JIT does not compile this program yet: {error}\n"),
                ),
            },
            Stage::Timings => {
                let mut passes = vec![("parse", loaded.parse_time)];
                passes.extend(loaded.compiled.timings.iter().copied());
                if let Ok(program) = &jit {
                    passes.push(("cranelift", program.compile_time()));
                }
                ("timings", timing_table(&passes))
            }
        };
        if headed {
            let _ = writeln!(out, "== {title}");
        }
        out.push_str(&text);
        if headed && !text.ends_with("\n\n") {
            out.push('\n');
        }
    }
    print_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// One line per pass with its time in milliseconds, then the total.
fn timing_table(passes: &[(&str, Duration)]) -> String {
    let width = passes.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let mut out = String::new();
    let mut total = Duration::ZERO;
    for (name, time) in passes {
        total += *time;
        let _ = writeln!(out, "{name:<width$}  {:>9.3} ms", millis(*time));
    }
    let _ = writeln!(out, "{:<width$}  {:>9.3} ms", "total", millis(total));
    out
}

fn millis(time: Duration) -> f64 {
    time.as_secs_f64() * 1000.0
}
