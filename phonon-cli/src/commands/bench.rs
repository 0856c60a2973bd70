//! `phonon bench FILE.ph`: how much of the real-time budget a program takes,
//! per thread count, per stage and per output, as a table or as JSON. It
//! renders blocks back to back through the same renderer playback uses
//! (control queries, engine, mixing, limiter) and times each one.

use crate::commands::render::load;
use crate::engine::{self, EngineChoice};
use crate::output::print_stdout;
use anyhow::Context;
use phonon_ir::graph::{KernelKind, OutputId, StagedProgram};
use phonon_runtime::engine::{NoVoices, Renderer};
use phonon_runtime::schedule::{Phase, Scheduler, StageWork};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const RATE: u32 = 44_100;
const BLOCK: usize = 512;
/// The time one block of audio lasts: 512 samples at 44.1 kHz.
const BUDGET_US: f64 = 11_610.0;
/// Blocks rendered before timing starts, beyond those the scheduler needs
/// to settle its plan.
const WARM_UP_BLOCKS: usize = 100;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The program to measure.
    file: PathBuf,
    /// Thread counts to measure, comma-separated; each gets its own run.
    #[arg(long, value_delimiter = ',', default_value = "1", value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Vec<u16>,
    /// Blocks of 512 samples timed per thread count (after a warm-up).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..))]
    blocks: u32,
    /// The engine: `jit` (compiled functions on the stage scheduler) or
    /// `interp` (the reference interpreter, on the stage scheduler).
    #[arg(long, value_enum, default_value_t = EngineChoice::Jit)]
    engine: EngineChoice,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// The timings of one thread count.
struct RunReport {
    threads: usize,
    median_us: f64,
    p99_us: f64,
    rt_factor: f64,
    budget_share: f64,
    /// Stages the scheduler's plan runs on several threads.
    split_stages: usize,
}

impl RunReport {
    /// The figures of one run from its per-block times and total wall time.
    fn from_blocks(
        threads: usize,
        mut block_us: Vec<f64>,
        wall: std::time::Duration,
        split_stages: usize,
    ) -> RunReport {
        let wall = wall.as_secs_f64();
        let audio = (block_us.len() * BLOCK) as f64 / f64::from(RATE);
        let median_us = percentile(&mut block_us, 0.5);
        RunReport {
            threads,
            median_us,
            p99_us: percentile(&mut block_us, 0.99),
            rt_factor: if wall > 0.0 { audio / wall } else { 0.0 },
            budget_share: median_us / BUDGET_US,
            split_stages,
        }
    }
}

/// What the one-thread run measured inside the block.
struct Breakdown {
    /// `(stage, kernels, median µs)`.
    stages: Vec<(usize, usize, f64)>,
    /// `(output name, median µs of its own kernels)`.
    outputs: Vec<(String, f64)>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(loaded) = load(&args.file)? else {
        return Ok(ExitCode::from(1));
    };
    let front_end = loaded.parse_time + loaded.compiled.timings.iter().map(|(_, t)| *t).sum();
    let program = loaded
        .compiled
        .staged
        .with_context(|| format!("{}: the compiler gave no program", loaded.name))?;
    let blocks = args.blocks as usize;
    let jit = match args.engine {
        EngineChoice::Interp => None,
        EngineChoice::Jit => engine::compile_scheduled(&program, RATE, BLOCK, 1),
    };
    let (engine_name, codegen, (runs, breakdown)) = match jit {
        Some(compiled) => {
            // Each thread count gets its own scheduler, compiled the same
            // way; Cranelift's time is the first compilation's.
            let codegen = compiled.work().compile_time();
            let mut first = Some(compiled);
            let measured = measure_threads(&program, &args.threads, blocks, |threads| match first
                .take()
                .filter(|_| threads == 1)
            {
                Some(scheduler) => Some(scheduler),
                None => Scheduler::compiled(&program, RATE, BLOCK, threads).ok(),
            });
            ("jit", codegen, measured)
        }
        None => {
            let measured = measure_threads(&program, &args.threads, blocks, |threads| {
                Some(Scheduler::new(&program, RATE, BLOCK, threads))
            });
            ("interp", Duration::ZERO, measured)
        }
    };
    let compile_ms = (front_end + codegen).as_secs_f64() * 1000.0;
    if args.json {
        let program_name = args.file.display().to_string();
        let json = to_json(&program_name, compile_ms, engine_name, &runs, &breakdown);
        print_stdout(&format!("{json}\n"))?;
    } else {
        let engine_title = if engine_name == "jit" {
            "jit"
        } else {
            "interpreter"
        };
        print_table(&loaded.name, engine_title, compile_ms, &runs, &breakdown);
    }
    Ok(ExitCode::SUCCESS)
}

/// One run per thread count on the stage scheduler that `make` builds for
/// that count, and the per-stage and per-output breakdown of the one-thread
/// run.
fn measure_threads<W: StageWork>(
    program: &StagedProgram,
    threads: &[u16],
    blocks: usize,
    mut make: impl FnMut(usize) -> Option<Scheduler<W>>,
) -> (Vec<RunReport>, Breakdown) {
    let mut runs = Vec::new();
    let mut breakdown = None;
    for &count in threads {
        let Some(scheduler) = make(usize::from(count)) else {
            eprintln!("note: no engine for {count} threads");
            continue;
        };
        let (run, measured) = measure(program, scheduler, blocks, breakdown.is_none());
        breakdown = breakdown.or(measured);
        runs.push(run);
    }
    let breakdown = breakdown
        .or_else(|| measure(program, make(1)?, blocks, true).1)
        .unwrap_or(Breakdown {
            stages: Vec::new(),
            outputs: Vec::new(),
        });
    (runs, breakdown)
}

/// Renders `blocks` timed blocks with `scheduler`; with `break_down` and
/// one thread, then as many more with every unit (kernel or compiled
/// function) timed. The timed blocks run without the per-unit clocks, as
/// playback does, so the breakdown's reads of the clock do not count in
/// the run's figures.
fn measure<W: StageWork>(
    program: &StagedProgram,
    scheduler: Scheduler<W>,
    blocks: usize,
    break_down: bool,
) -> (RunReport, Option<Breakdown>) {
    let break_down = break_down && scheduler.threads() == 1;
    let mut renderer = Renderer::new(program.clone(), scheduler, NoVoices, RATE, BLOCK);
    let (mut left, mut right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let mut warmed = 0;
    while warmed < WARM_UP_BLOCKS || !matches!(renderer.engine().phase(), Phase::Settled { .. }) {
        renderer.render_block(&mut left, &mut right);
        warmed += 1;
    }
    let mut block_us = Vec::with_capacity(blocks);
    let started = Instant::now();
    for _ in 0..blocks {
        let t = Instant::now();
        renderer.render_block(&mut left, &mut right);
        block_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let split_stages = match renderer.engine().phase() {
        Phase::Settled { split_stages } => split_stages,
        _ => 0,
    };
    let report = RunReport::from_blocks(
        renderer.engine().threads(),
        block_us,
        started.elapsed(),
        split_stages,
    );
    let unit_count = renderer.engine().units();
    let mut unit_nanos = vec![0u64; if break_down { unit_count * blocks } else { 0 }];
    if break_down {
        renderer.engine_mut().set_timing(true);
        for block in 0..blocks {
            renderer.render_block(&mut left, &mut right);
            for unit in 0..unit_count {
                unit_nanos[unit * blocks + block] = renderer.engine().last_unit_nanos(unit);
            }
        }
    }
    let breakdown = break_down.then(|| {
        let scheduler = renderer.engine();
        // Per block, the time of the units weighted by `share` (the part of
        // a unit's time that counts: a packed function's time is shared
        // evenly by its kernels), summed; the median over blocks.
        let median_of = |share: &dyn Fn(usize) -> f64| {
            let mut sums: Vec<f64> = (0..blocks)
                .map(|b| {
                    (0..unit_count)
                        .map(|u| share(u) * unit_nanos[u * blocks + b] as f64 / 1000.0)
                        .sum()
                })
                .collect();
            percentile(&mut sums, 0.5)
        };
        let stages = scheduler
            .stages()
            .iter()
            .enumerate()
            .map(|(s, range)| {
                let kernels = range.clone().map(|u| scheduler.unit_kernels(u).len()).sum();
                let whole = |u: usize| if range.contains(&u) { 1.0 } else { 0.0 };
                (s, kernels, median_of(&whole))
            })
            .collect();
        let outputs = program
            .graph
            .outputs
            .iter()
            .enumerate()
            .map(|(o, output)| {
                let own = KernelKind::Output(OutputId::new(o));
                let mine = |u: usize| {
                    let kernels = scheduler.unit_kernels(u);
                    let owned = kernels
                        .iter()
                        .filter(|&&k| program.kernel(k).kind == own)
                        .count();
                    owned as f64 / kernels.len().max(1) as f64
                };
                (output.name.clone(), median_of(&mine))
            })
            .collect();
        Breakdown { stages, outputs }
    });
    (report, breakdown)
}

/// The `q` quantile (0..1) of `values`, nearest rank; 0 for none.
fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

/// A JSON number (non-finite values, which JSON cannot hold, as 0).
fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "0".into()
    }
}

/// The report as JSON, keys in the documented order.
fn to_json(
    program: &str,
    compile_ms: f64,
    engine: &str,
    runs: &[RunReport],
    breakdown: &Breakdown,
) -> String {
    let quote = |text: &str| serde_json::Value::from(text).to_string();
    let runs: Vec<String> = runs
        .iter()
        .map(|r| {
            format!(
                r#"{{"threads":{},"median_us":{},"p99_us":{},"rt_factor":{},"budget_share":{}}}"#,
                r.threads,
                number(r.median_us),
                number(r.p99_us),
                number(r.rt_factor),
                number(r.budget_share)
            )
        })
        .collect();
    let stages: Vec<String> = breakdown
        .stages
        .iter()
        .map(|(id, kernels, us)| {
            format!(
                r#"{{"id":{id},"kernels":{kernels},"median_us":{}}}"#,
                number(*us)
            )
        })
        .collect();
    let outputs: Vec<String> = breakdown
        .outputs
        .iter()
        .map(|(name, us)| format!(r#"{{"name":{},"median_us":{}}}"#, quote(name), number(*us)))
        .collect();
    format!(
        r#"{{"program":{},"compile_ms":{},"block_samples":{BLOCK},"rate":{RATE},"engine":{},"runs":[{}],"stages":[{}],"outputs":[{}]}}"#,
        quote(program),
        number(compile_ms),
        quote(engine),
        runs.join(","),
        stages.join(","),
        outputs.join(",")
    )
}

fn print_table(
    name: &str,
    engine: &str,
    compile_ms: f64,
    runs: &[RunReport],
    breakdown: &Breakdown,
) {
    println!(
        "{name}: {engine}, {BLOCK}-sample blocks at {RATE} Hz (budget {BUDGET_US:.0} µs a block), compiled in {compile_ms:.1} ms"
    );
    println!();
    println!("threads  median µs     p99 µs  real-time  budget  plan");
    let stage_count = breakdown.stages.len();
    for r in runs {
        let plan = match (r.threads, r.split_stages) {
            (1, _) => "one thread".to_string(),
            (_, 0) => "one thread (splitting did not pay when measured)".to_string(),
            (_, n) => format!("{n} of {stage_count} stages split"),
        };
        println!(
            "{:>7}  {:>9.1}  {:>9.1}  {:>8.1}x  {:>5.1}%  {plan}",
            r.threads,
            r.median_us,
            r.p99_us,
            r.rt_factor,
            r.budget_share * 100.0
        );
    }
    println!();
    if breakdown.stages.is_empty() {
        return;
    }
    println!("stage  kernels  median µs   (one thread)");
    for (id, kernels, us) in &breakdown.stages {
        println!("{:>5}  {kernels:>7}  {us:>9.1}", format!("s{id}"));
    }
    println!();
    println!("output  median µs   (its own kernels; shared buses count in their stage; a packed function's time is shared by its kernels)");
    for (name, us) in &breakdown.outputs {
        println!("{name:>6}  {us:>9.1}");
    }
}
