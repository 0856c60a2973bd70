//! The stage scheduler never allocates once built, on the interpreter or
//! running compiled functions: not on the caller's thread (measuring,
//! planning, reviewing, running, mixing the outputs out) and not on its
//! workers. `assert_no_alloc` counts per thread, so the check is armed
//! around the caller's block loop and, through the scheduler's worker hook,
//! around every share of a stage a worker runs.
//!
//! One test function: the harness's own threads stay idle while it runs.

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use phonon_ir::graph::StagedProgram;
use phonon_ir::interpret::{BlockInputs, OutputBuffers};
use phonon_runtime::engine::{Engine, NoVoices, Renderer};
use phonon_runtime::schedule::{
    Phase, Scheduler, StageWork, MEASURE_BLOCKS, PROBES_PER_REVIEW, PROBE_EVERY, TRIAL_BLOCKS,
};
use std::sync::atomic::{AtomicU64, Ordering};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

/// Allocations seen on worker threads.
static WORKER_VIOLATIONS: AtomicU64 = AtomicU64::new(0);
/// Shares of stages the workers ran under the check.
static WORKER_SHARES: AtomicU64 = AtomicU64::new(0);

fn checked_share(job: &mut dyn FnMut()) {
    reset_violation_count();
    assert_no_alloc(job);
    WORKER_VIOLATIONS.fetch_add(u64::from(violation_count()), Ordering::Relaxed);
    WORKER_SHARES.fetch_add(1, Ordering::Relaxed);
}

fn compile(source: &str) -> StagedProgram {
    let parsed = phonon_syntax::parse(source);
    let compiled = phonon_ir::compile(&parsed.program);
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    compiled.staged.expect("a staged program")
}

/// Sixteen filtered oscillators on a shared LFO, one with a feedback bus:
/// heavy enough that the cost model splits the last stage.
fn wide_source() -> String {
    let mut source = String::from("~lfo: sine 0.25\n");
    for n in 1..=15 {
        source.push_str(&format!(
            "o{n}: saw {} # lpf (~lfo * 900 + 700) 0.6 # reverb 0.5 0.5 0.3 * 0.05\n",
            55 * n
        ));
    }
    source.push_str("~echo: (~lfo * 0.1 + ~echo * 0.5) # hpf 300 0.5\no16: ~echo * 0.2\n");
    source
}

/// The same shape with what the JIT compiles today (no reverb).
fn compiled_source() -> String {
    let mut source = String::from("~lfo: sine 0.25\n");
    for n in 1..=15 {
        let osc = ["saw", "square", "tri"][n % 3];
        source.push_str(&format!(
            "o{n}: {osc} {} # lpf (~lfo * 900 + 700) 0.6 # hpf {} 0.5 * 0.05\n",
            55 * n,
            40 + 10 * n
        ));
    }
    source.push_str("~echo: (~lfo * 0.1 + ~echo * 0.5) # hpf 300 0.5\no16: ~echo * 0.2\n");
    source
}

/// Caller-thread allocations over `blocks` blocks of the engine alone.
fn engine_violations<W: StageWork>(
    scheduler: &mut Scheduler<W>,
    program: &StagedProgram,
    blocks: usize,
) -> u32 {
    let mut inputs = BlockInputs::new(&program.graph, 512);
    let mut out = OutputBuffers::new(&program.graph, 512);
    reset_violation_count();
    assert_no_alloc(|| {
        for block in 0..blocks {
            inputs.cycle_gate_mut().fill((block / 8 + 1) as f32);
            scheduler.process_block(&inputs, &mut out);
        }
    });
    violation_count()
}

#[test]
fn the_scheduler_renders_blocks_without_allocating_on_any_thread() {
    let program = compile(&wide_source());
    // Settling, then a whole review of the choice.
    let settle = (MEASURE_BLOCKS + TRIAL_BLOCKS + PROBE_EVERY * PROBES_PER_REVIEW) as usize + 40;
    for threads in [1, 2] {
        // The cost model's own choice, measured and planned under the check.
        let mut planned =
            Scheduler::with_worker_hook(&program, 44_100, 512, threads, checked_share);
        assert_eq!(
            engine_violations(&mut planned, &program, settle),
            0,
            "{threads} threads, planned"
        );
        assert!(matches!(planned.phase(), Phase::Settled { .. }));
        // Every stage split, so the workers surely run kernels.
        let mut split = Scheduler::with_worker_hook(&program, 44_100, 512, threads, checked_share);
        split.split_every_stage();
        assert_eq!(
            engine_violations(&mut split, &program, 60),
            0,
            "{threads} threads, split"
        );
    }
    assert!(
        WORKER_SHARES.load(Ordering::Relaxed) >= 60,
        "the workers ran under the check"
    );
    assert_eq!(WORKER_VIOLATIONS.load(Ordering::Relaxed), 0);

    // Compiled functions: the stage gate, the function claims and the host
    // access take no lock and allocate nothing.
    let compiled = compile(&compiled_source());
    let shares_before = WORKER_SHARES.load(Ordering::Relaxed);
    for threads in [1, 2] {
        let mut planned =
            Scheduler::compiled_with_worker_hook(&compiled, 44_100, 512, threads, checked_share)
                .expect("the program compiles");
        assert_eq!(
            engine_violations(&mut planned, &compiled, settle),
            0,
            "compiled, {threads} threads, planned"
        );
        assert!(matches!(planned.phase(), Phase::Settled { .. }));
        let mut split =
            Scheduler::compiled_with_worker_hook(&compiled, 44_100, 512, threads, checked_share)
                .expect("the program compiles");
        split.split_every_stage();
        assert_eq!(
            engine_violations(&mut split, &compiled, 60),
            0,
            "compiled, {threads} threads, split"
        );
    }
    assert!(
        WORKER_SHARES.load(Ordering::Relaxed) >= shares_before + 60,
        "the workers ran compiled functions under the check"
    );
    assert_eq!(WORKER_VIOLATIONS.load(Ordering::Relaxed), 0);

    // The whole renderer (cycle gate, engine, mixing, limiter) on a program
    // without patterns: pattern queries allocate, so a program that has
    // them is rendered ahead of the audio thread (see `audio::ahead`).
    let constant =
        compile("~lfo: sine 0.5\no1: saw 110 # lpf 900 0.7 * ~lfo\no2: sine 330 * 0.1\n");
    assert!(constant.graph.patterns.is_empty(), "no pattern to query");
    for threads in [1, 2] {
        let mut scheduler =
            Scheduler::with_worker_hook(&constant, 44_100, 512, threads, checked_share);
        scheduler.split_every_stage();
        let mut renderer = Renderer::new(constant.clone(), scheduler, NoVoices, 44_100, 512);
        let (mut left, mut right) = (vec![0.0; 512], vec![0.0; 512]);
        reset_violation_count();
        assert_no_alloc(|| {
            for _ in 0..50 {
                renderer.render_block(&mut left, &mut right);
            }
        });
        assert_eq!(violation_count(), 0, "renderer on {threads} threads");
        assert!(left.iter().any(|&x| x != 0.0));
    }
    assert_eq!(WORKER_VIOLATIONS.load(Ordering::Relaxed), 0);
}
