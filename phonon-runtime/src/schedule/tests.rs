//! The scheduler against the reference interpreter (and, for compiled
//! functions, against the one-thread JIT engine): the same samples, bit for
//! bit, on any number of threads and under any plan; and the choice of plan
//! under made-up timings.

use super::*;
use crate::jit_engine::JitEngine;
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
    render_filling(engine, program, blocks, |_, _| {})
}

/// Renders like [`render`], letting `fill` set block `b`'s other inputs.
fn render_filling(
    engine: &mut impl Engine,
    program: &StagedProgram,
    blocks: usize,
    mut fill: impl FnMut(&mut BlockInputs, usize),
) -> Vec<Vec<f32>> {
    let mut inputs = BlockInputs::new(&program.graph, BLOCK);
    let mut out = OutputBuffers::new(&program.graph, BLOCK);
    let mut channels = vec![Vec::new(); program.graph.outputs.len() * 2];
    for b in 0..blocks {
        // Odd block lengths now and then, as a device may ask for.
        inputs.set_frames(if b % 7 == 3 { 100 } else { BLOCK });
        inputs.cycle_gate_mut().fill((b / 8 + 1) as f32);
        fill(&mut inputs, b);
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
    let timed = (0..scheduler.units())
        .filter(|&k| scheduler.last_unit_nanos(k) > 0)
        .count();
    assert_eq!(timed, scheduler.units());
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

/// What the JIT compiles today, synth16 and stress16 style: a shared LFO,
/// packable saws and squares, chains that pack with nothing, noise, voices
/// and a feedback bus.
fn compiled_wide_program() -> StagedProgram {
    let mut source = String::from("tempo: 0.5\n~lfo: sine 0.25\n~lfo2: sine 0.13\n");
    for n in 1..=8 {
        source.push_str(&format!(
            "o{n}: saw \"{} {}\" # lpf (~lfo * 900 + {}) 0.6 * 0.05\n",
            55.0 * n as f32,
            82.5 * n as f32,
            400 + 50 * n
        ));
    }
    for n in 9..=12 {
        source.push_str(&format!(
            "o{n}: square {} # hpf (~lfo2 * 300 + {}) 0.5 # tanh * 0.04\n",
            30 * n,
            200 + 20 * n
        ));
    }
    source.push_str(
        "o13: noise # bpf (~lfo * 2000 + 2500) 4 * 0.02\n\
         o14: tri \"<220 330>\" # bitcrush 8 4 # notch 900 2 * 0.05\n\
         o15: s \"bd*4\" # lpf 2000 0.5\n\
         ~echo: (~lfo * 0.1 + ~echo * 0.5) # hpf 300 0.5\n\
         o16: ~echo * 0.2 + pulse 110 0.3 # lpf 800 0.6 # distortion 3 0.4 * 0.03\n",
    );
    compile(&source)
}

/// Fills the numeric controls and the voices of `program` with values that
/// change from block to block (controls every ten blocks, through five
/// values and back), then renders like [`render`].
fn render_with_inputs(
    engine: &mut impl Engine,
    program: &StagedProgram,
    blocks: usize,
) -> Vec<Vec<f32>> {
    use phonon_ir::graph::{PatternId, PatternKind};
    render_filling(engine, program, blocks, |inputs, b| {
        for (index, pattern) in program.graph.patterns.iter().enumerate() {
            let id = PatternId::new(index);
            if pattern.kind == PatternKind::Events {
                let (left, right) = inputs.voices_mut(id);
                for (i, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
                    *l = ((i + b) as f32 * 0.05).sin() * 0.3;
                    *r = -*l;
                }
            } else {
                let value = 60.0 + 7.0 * ((b / 10 + index) % 5) as f32;
                inputs.control_mut(id).fill(value);
                // Half the controls say they hold still, as the renderer's
                // tracks do: a compiled engine then refills their buffers
                // only when the value or the block length changes.
                if index % 2 == 0 {
                    inputs.set_control_constant(id, Some(value));
                }
            }
        }
    })
}

#[test]
fn compiled_functions_give_the_same_samples_on_every_thread_count() {
    let program = compiled_wide_program();
    let blocks = (MEASURE_BLOCKS + TRIAL_BLOCKS + PROBE_EVERY * 2) as usize;
    let mut reference = JitEngine::new(&program, RATE, BLOCK).expect("the program compiles");
    assert!(reference.packing_summary().contains("f32x4"));
    let expected = render_with_inputs(&mut reference, &program, blocks);
    assert!(expected
        .iter()
        .all(|channel| channel.iter().any(|&x| x != 0.0)));
    for threads in 1..=4 {
        let mut planned = Scheduler::compiled(&program, RATE, BLOCK, threads).unwrap();
        assert_eq!(planned.threads(), threads);
        assert!(
            render_with_inputs(&mut planned, &program, blocks) == expected,
            "{threads} threads, planned"
        );
        assert!(matches!(planned.phase(), Phase::Settled { .. }));
        let mut split = Scheduler::compiled(&program, RATE, BLOCK, threads).unwrap();
        split.split_every_stage();
        assert!(
            render_with_inputs(&mut split, &program, blocks) == expected,
            "{threads} threads, every stage split"
        );
    }
}

#[test]
fn compiled_units_are_functions_and_cover_every_kernel() {
    let program = compiled_wide_program();
    let scheduler = Scheduler::compiled(&program, RATE, BLOCK, 2).unwrap();
    let mut kernels: Vec<KernelId> = (0..scheduler.units())
        .flat_map(|u| scheduler.unit_kernels(u).to_vec())
        .collect();
    kernels.sort();
    let mut expected: Vec<KernelId> = program
        .stages
        .iter()
        .flat_map(|s| s.kernels.clone())
        .collect();
    expected.sort();
    assert_eq!(kernels, expected);
    assert!(
        scheduler.units() < expected.len(),
        "packed functions hold several kernels"
    );
    assert_eq!(scheduler.stages().len(), program.stages.len());
}

#[test]
fn reset_reproduces_compiled_output_on_several_threads() {
    let program = compiled_wide_program();
    let mut scheduler = Scheduler::compiled(&program, RATE, BLOCK, 3).unwrap();
    scheduler.split_every_stage();
    let first = render_with_inputs(&mut scheduler, &program, 12);
    scheduler.reset();
    assert!(render_with_inputs(&mut scheduler, &program, 12) == first);
}

/// Feeds the scheduler's choice one made-up block: every unit took
/// `unit_nanos`; the block took `serial` on one thread, `split` when split.
fn fake_block<W: StageWork>(
    scheduler: &mut Scheduler<W>,
    unit_nanos: u64,
    serial: u64,
    split: u64,
) {
    for nanos in scheduler.shared.unit_nanos.iter() {
        nanos.store(unit_nanos, Ordering::Relaxed);
    }
    let block = scheduler.block_plan();
    scheduler.learn(block, if block.parallel { split } else { serial });
}

#[test]
fn a_busy_first_trial_is_undone_by_a_later_review_and_back() {
    let program = wide_program();
    let mut scheduler = Scheduler::new(&program, RATE, BLOCK, 2);
    // 16 units of 20 µs: splitting the wide stage gains about 160 µs. The
    // trial happens at a busy moment: the split blocks look slow.
    for _ in 0..MEASURE_BLOCKS + TRIAL_BLOCKS {
        fake_block(&mut scheduler, 20_000, 400_000, 500_000);
    }
    assert_eq!(scheduler.phase(), Phase::Settled { split_stages: 0 });
    // Later the machine is quiet: the split probes win the next review.
    for _ in 0..PROBE_EVERY * PROBES_PER_REVIEW {
        fake_block(&mut scheduler, 20_000, 400_000, 220_000);
    }
    assert!(
        matches!(scheduler.phase(), Phase::Settled { split_stages } if split_stages > 0),
        "{:?}",
        scheduler.phase()
    );
    // Then splitting stops paying: the one-thread probes win.
    for _ in 0..PROBE_EVERY * PROBES_PER_REVIEW {
        fake_block(&mut scheduler, 20_000, 300_000, 350_000);
    }
    assert_eq!(scheduler.phase(), Phase::Settled { split_stages: 0 });
}

#[test]
fn a_choice_that_holds_is_probed_less_and_less_often() {
    let program = wide_program();
    let mut scheduler = Scheduler::new(&program, RATE, BLOCK, 2);
    for _ in 0..MEASURE_BLOCKS + TRIAL_BLOCKS {
        fake_block(&mut scheduler, 20_000, 400_000, 220_000);
    }
    assert!(matches!(scheduler.phase(), Phase::Settled { split_stages } if split_stages > 0));
    let mut probes = 0;
    let blocks = PROBE_EVERY * PROBES_PER_REVIEW * 3;
    for _ in 0..blocks {
        probes += u32::from(scheduler.block_plan().probe);
        fake_block(&mut scheduler, 20_000, 400_000, 220_000);
        assert!(matches!(scheduler.phase(), Phase::Settled { split_stages } if split_stages > 0));
    }
    // 4 probes 32 blocks apart, then 4 probes 64 apart.
    assert!(
        probes < blocks / PROBE_EVERY,
        "{probes} probes in {blocks} blocks"
    );
    assert!(probes >= PROBES_PER_REVIEW * 2);
}

#[test]
fn a_program_too_small_to_split_only_measures_when_probing() {
    let program = compile("out: sine 440 * 0.2\no2: saw 110 * 0.1");
    let mut scheduler = Scheduler::new(&program, RATE, BLOCK, 2);
    for _ in 0..(MEASURE_BLOCKS + PROBE_EVERY * PROBES_PER_REVIEW * 2) {
        let block = scheduler.block_plan();
        assert!(!block.parallel, "nothing worth splitting never runs split");
        fake_block(&mut scheduler, 1_000, 10_000, 5_000);
    }
    assert_eq!(scheduler.phase(), Phase::Settled { split_stages: 0 });
}

#[test]
fn a_probe_far_slower_than_the_choice_backs_off_at_once() {
    let program = wide_program();
    let mut scheduler = Scheduler::new(&program, RATE, BLOCK, 2);
    // Split blocks wait for a loaded machine's cores: three times slower.
    for _ in 0..MEASURE_BLOCKS + TRIAL_BLOCKS {
        fake_block(&mut scheduler, 20_000, 400_000, 1_200_000);
    }
    assert_eq!(scheduler.phase(), Phase::Settled { split_stages: 0 });
    let mut probes = 0;
    for _ in 0..MAX_PROBE_EVERY - 1 {
        probes += u32::from(scheduler.block_plan().probe);
        fake_block(&mut scheduler, 20_000, 400_000, 1_200_000);
    }
    assert_eq!(probes, 1, "the first probe, then none for a long while");
}

#[test]
fn compiled_mixing_from_the_programs_buffers_gives_the_bits_of_the_copied_outputs() {
    // The second program has an output no compiled code computes, which
    // takes the copying path.
    let direct = compile("o1: saw 110 # lpf 900 0.6 * 0.2\no2: s \"bd*4\"\n");
    for program in [compiled_wide_program(), direct] {
        let mut copied = Scheduler::compiled(&program, RATE, BLOCK, 1).unwrap();
        let mut mixed = Scheduler::compiled(&program, RATE, BLOCK, 1).unwrap();
        let mut inputs = BlockInputs::new(&program.graph, BLOCK);
        let mut out = OutputBuffers::new(&program.graph, BLOCK);
        let mut heard = 0;
        for b in 0..40 {
            let frames = if b % 7 == 3 { 100 } else { BLOCK };
            inputs.set_frames(frames);
            inputs.cycle_gate_mut().fill((b / 8 + 1) as f32);
            let (mut left, mut right) = (vec![0.0; frames], vec![0.0; frames]);
            copied.process_block(&inputs, &mut out);
            mix_outputs(&out, &mut left, &mut right);
            let (mut got_left, mut got_right) = (vec![9.0; frames], vec![9.0; frames]);
            mixed.process_and_mix(&inputs, &mut out, &mut got_left, &mut got_right);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got_left), bits(&left), "block {b}");
            assert_eq!(bits(&got_right), bits(&right), "block {b}");
            heard += left.iter().filter(|&&x| x != 0.0).count();
        }
        assert!(heard > 0);
    }
}
