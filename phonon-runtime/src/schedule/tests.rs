//! The scheduler against the reference interpreter: the same samples, bit for
//! bit, on any number of threads and under any plan.

use super::*;
use phonon_ir::graph::OutputId;
use phonon_ir::interpret::Interpreter;

const RATE: u32 = 44_100;
const BLOCK: usize = 256;

fn compile(source: &str) -> StagedProgram {
    let parsed = phonon_syntax::parse(source);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let compiled = phonon_ir::compile(&parsed.program);
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    compiled.staged.expect("a staged program")
}

/// Sixteen outputs on a shared LFO, one with feedback: two stages, the last
/// wide.
fn wide_program() -> StagedProgram {
    let mut source = String::from("~lfo: sine 0.25\n");
    for n in 1..=15 {
        let osc = ["saw", "square", "tri"][n % 3];
        source.push_str(&format!(
            "o{n}: {osc} {} # lpf (~lfo * 900 + {}) 0.6 # delay 0.01 0.3 0.2 * 0.05\n",
            55.0 * n as f32,
            400 + 50 * n
        ));
    }
    source.push_str(
        "~echo: (~lfo * 0.1 + ~echo * 0.5) # hpf 300 0.5\no16: ~echo # reverb 0.5 0.5 0.3\n",
    );
    compile(&source)
}

/// Every output's left and right over `blocks` blocks, with the cycle gate
/// stepping so envelopes retrigger.
fn render(engine: &mut impl Engine, program: &StagedProgram, blocks: usize) -> Vec<Vec<f32>> {
    let mut inputs = BlockInputs::new(&program.graph, BLOCK);
    let mut out = OutputBuffers::new(&program.graph, BLOCK);
    let mut channels = vec![Vec::new(); program.graph.outputs.len() * 2];
    for b in 0..blocks {
        // Odd block lengths now and then, as a device may ask for.
        inputs.set_frames(if b % 7 == 3 { 100 } else { BLOCK });
        inputs.cycle_gate_mut().fill((b / 8 + 1) as f32);
        engine.process_block(&inputs, &mut out);
        for o in 0..program.graph.outputs.len() {
            let (left, right) = out.output(OutputId::new(o));
            channels[o * 2].extend_from_slice(left);
            channels[o * 2 + 1].extend_from_slice(right);
        }
    }
    channels
}

#[test]
fn every_thread_count_gives_the_interpreters_samples() {
    let program = wide_program();
    assert!(program.stages.last().unwrap().kernels.len() >= 16);
    let blocks = (MEASURE_BLOCKS + TRIAL_BLOCKS) as usize + 20;
    let expected = render(
        &mut Interpreter::new(&program, RATE, BLOCK),
        &program,
        blocks,
    );
    assert!(expected.iter().flatten().any(|&x| x != 0.0));
    for threads in [1, 2, 3, 4] {
        let mut scheduler = Scheduler::new(&program, RATE, BLOCK, threads);
        assert_eq!(scheduler.threads(), threads);
        let got = render(&mut scheduler, &program, blocks);
        assert!(
            got == expected,
            "{threads} threads differ from the interpreter"
        );
        assert!(matches!(scheduler.phase(), Phase::Settled { .. }));
    }
}

#[test]
fn every_stage_split_gives_the_same_samples() {
    let program = wide_program();
    let expected = render(&mut Scheduler::new(&program, RATE, BLOCK, 1), &program, 40);
    for threads in [2, 3] {
        let mut scheduler = Scheduler::new(&program, RATE, BLOCK, threads);
        scheduler.split_every_stage();
        assert_eq!(
            scheduler.phase(),
            Phase::Settled {
                split_stages: program.stages.len()
            }
        );
        assert!(
            render(&mut scheduler, &program, 40) == expected,
            "{threads} threads"
        );
    }
}

#[test]
fn reset_reproduces_the_output_on_several_threads() {
    let program = wide_program();
    let mut scheduler = Scheduler::new(&program, RATE, BLOCK, 2);
    scheduler.split_every_stage();
    let first = render(&mut scheduler, &program, 10);
    scheduler.reset();
    assert!(render(&mut scheduler, &program, 10) == first);
}

#[test]
fn one_thread_settles_at_once_and_times_kernels_on_request() {
    let program = wide_program();
    let mut scheduler = Scheduler::new(&program, RATE, BLOCK, 1);
    assert_eq!(scheduler.phase(), Phase::Settled { split_stages: 0 });
    scheduler.set_timing(true);
    render(&mut scheduler, &program, 2);
    let timed = (0..scheduler.kernels().len())
        .filter(|&k| scheduler.last_kernel_nanos(k) > 0)
        .count();
    assert_eq!(timed, scheduler.kernels().len());
}

#[test]
fn a_tiny_program_stays_on_one_thread() {
    let program = compile("out: sine 440 * 0.2\no2: saw 110 * 0.1");
    let mut scheduler = Scheduler::new(&program, RATE, BLOCK, 2);
    render(
        &mut scheduler,
        &program,
        (MEASURE_BLOCKS + TRIAL_BLOCKS) as usize,
    );
    assert_eq!(scheduler.phase(), Phase::Settled { split_stages: 0 });
}

#[test]
fn hot_swap_carries_state_between_schedulers() {
    let program = compile("out: saw 110 # lpf 800 0.7");
    let mut old = Scheduler::new(&program, RATE, BLOCK, 1);
    let reference = render(&mut Scheduler::new(&program, RATE, BLOCK, 1), &program, 8);
    let before = render(&mut old, &program, 4)[0].len();
    let mut new = Scheduler::new(&program, RATE, BLOCK, 1);
    let pairs: Vec<(NodeId, NodeId)> = program.graph.node_ids().map(|n| (n, n)).collect();
    new.adopt_state(&mut old, &pairs);
    let continued = render(&mut new, &program, 4);
    let after = &reference[0][before..before + continued[0].len()];
    assert!(
        continued[0] == after,
        "the swap continues where the old one was"
    );
}
