//! Differential tests of the delay-line nodes (`delay`, `reverb`,
//! `chorus`): each compiled node against its reference in `phonon_ir::dsp`
//! alone (scalar, and packed four lanes with different parameters per lane,
//! so that a lane meeting a non-finite value clears only its own line), at
//! two sample rates (the low one wraps the longest lines inside the test),
//! in uneven blocks, and after a reset; then chains and whole programs
//! against the reference evaluator.
//!
//! Tolerance: 1e-4 absolute everywhere. The delay and the reverb restate
//! the reference's arithmetic operation for operation and measure exact;
//! the chorus computes its LFO with the inlined sine polynomial (within
//! 2.5e-7 of `f32::sin`), which moves a voice's read position by at most
//! `0.005 s * rate * 2.5e-7` samples.

mod support;

use phonon_ir::dsp::{self, spec, NodeKind};
use phonon_ir::graph::{Graph, NodeId, Op, PatternId, StagedProgram};
use phonon_jit::{JitModule, JitProgram, KernelOptions, LaneForm};
use phonon_syntax::Span;
use support::reference::Reference;

const LEN: usize = 6000;
const TOLERANCE: f32 = 1e-4;
const BLOCKS: [usize; 7] = [512, 1, 37, 256, 1000, 3, 64];
const RATES: [f32; 2] = [44_100.0, 1_000.0];

/// One node reading its input and parameters from control buffers, one copy
/// per lane; returns the graph and each copy's nodes (controls, then node).
fn graph_of(kind: NodeKind, copies: usize) -> (Graph, Vec<Vec<NodeId>>) {
    let arity = spec::of(kind).params.len() + 1;
    let mut graph = Graph::default();
    let kernels = (0..copies)
        .map(|copy| {
            let mut nodes: Vec<NodeId> = (0..arity)
                .map(|i| {
                    let pattern = PatternId::new(copy * arity + i);
                    graph.add_node(Op::Control(pattern), vec![], Span::default(), None)
                })
                .collect();
            let node = graph.add_node(Op::Dsp(kind), nodes.clone(), Span::default(), None);
            nodes.push(node);
            nodes
        })
        .collect();
    (graph, kernels)
}

/// Calls `run(start, end)` for consecutive uneven blocks covering `0..LEN`.
fn in_blocks(mut run: impl FnMut(usize, usize)) {
    let mut start = 0;
    for &block in BLOCKS.iter().cycle() {
        if start >= LEN {
            break;
        }
        let end = (start + block).min(LEN);
        run(start, end);
        start = end;
    }
}

/// The reference node's output for `signals` (input, then parameters).
fn reference(kind: NodeKind, rate: f32, signals: &[Vec<f32>]) -> Vec<f32> {
    let mut node = dsp::build(kind, rate, 0).expect("a mono node");
    let mut out = vec![0.0; LEN];
    in_blocks(|start, end| {
        let params: Vec<&[f32]> = signals[1..].iter().map(|p| &p[start..end]).collect();
        node.process(&signals[0][start..end], &params, &mut out[start..end]);
    });
    out
}

/// The compiled output, one lane per case, run twice: from the initial
/// state, then again after the state is reset in place. Asserts the two
/// runs agree bit for bit.
fn compiled(kind: NodeKind, rate: f32, lanes: &[Vec<Vec<f32>>], packed: bool) -> Vec<Vec<f32>> {
    let (graph, kernels) = graph_of(kind, lanes.len());
    let forms: Vec<LaneForm> = kernels
        .iter()
        .map(|nodes| {
            let last = *nodes.last().unwrap();
            LaneForm::analyse(&graph, nodes, &|id| id == last)
        })
        .collect();
    let jit = JitModule::host().expect("host ISA");
    let mut kernel = jit
        .compile(&forms, packed, KernelOptions { rate })
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    let initial = kernel.initial_state();
    let mut state = initial.clone();
    let mut run = |state: &mut Vec<f32>| {
        let mut outs = vec![vec![0.0f32; LEN]; lanes.len()];
        in_blocks(|start, end| {
            let inputs: Vec<&[f32]> = (0..lanes[0].len())
                .flat_map(|slot| lanes.iter().map(move |lane| &lane[slot][start..end]))
                .collect();
            let mut outputs: Vec<&mut [f32]> =
                outs.iter_mut().map(|o| &mut o[start..end]).collect();
            kernel
                .process(start as u64, end - start, state, &inputs, &mut outputs)
                .unwrap();
        });
        outs
    };
    let first = run(&mut state);
    state.copy_from_slice(&initial);
    let again = run(&mut state);
    for (a, b) in first.iter().zip(&again) {
        assert!(
            a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{kind:?}: reset does not reproduce the output"
        );
    }
    first
}

/// The largest absolute difference and where.
fn max_difference(a: &[f32], b: &[f32]) -> (f32, usize) {
    a.iter()
        .zip(b)
        .enumerate()
        .map(|(i, (x, y))| ((x - y).abs(), i))
        .fold((0.0, 0), |best, d| {
            if d.0 > best.0 || d.0.is_nan() {
                d
            } else {
                best
            }
        })
}

/// Scalar code per case and packed code four cases at a time, at every
/// rate, against the reference within [`TOLERANCE`].
fn check(kind: NodeKind, cases: &[Vec<Vec<f32>>]) {
    for rate in RATES {
        let scalar: Vec<Vec<f32>> = cases
            .iter()
            .flat_map(|case| compiled(kind, rate, std::slice::from_ref(case), false))
            .collect();
        let packed: Vec<Vec<f32>> = cases
            .chunks(4)
            .flat_map(|chunk| compiled(kind, rate, chunk, true))
            .collect();
        for (c, case) in cases.iter().enumerate() {
            let expected = reference(kind, rate, case);
            for (code, got) in [("scalar", &scalar[c]), ("packed", &packed[c])] {
                let (d, at) = max_difference(got, &expected);
                assert!(
                    d <= TOLERANCE,
                    "{kind:?} at {rate} Hz case {c} {code}: diff {d} at {at}: jit {} vs ref {}",
                    got[at],
                    expected[at]
                );
                assert!(
                    got.iter().all(|y| y.is_finite()),
                    "{kind:?} case {c} {code}: a non-finite output"
                );
            }
        }
    }
}

fn constant(x: f32) -> Vec<f32> {
    vec![x; LEN]
}

/// `centre * (1 + depth sin)`, `hz` cycles per 1000 samples.
fn wobble(centre: f32, depth: f32, hz: f32) -> Vec<f32> {
    (0..LEN)
        .map(|i| centre * (1.0 + depth * (std::f32::consts::TAU * hz * i as f32 / 1000.0).sin()))
        .collect()
}

/// Jumps, silence, a NaN burst and an infinity.
fn rough_input() -> Vec<f32> {
    (0..LEN)
        .map(|i| match i {
            1000..=1003 => f32::NAN,
            2000..=2100 => 0.0,
            3000 => f32::INFINITY,
            _ => ((i * 7919) % 200) as f32 / 100.0 - 1.0 + (i as f32 * 0.01).sin() * 0.5,
        })
        .collect()
}

fn smooth_input() -> Vec<f32> {
    (0..LEN)
        .map(|i| (i as f32 * 0.031).sin() * 0.8 + (i as f32 * 0.17).sin() * 0.3)
        .collect()
}

/// A saw: a jump every 97 samples, where interpolation errors show most.
fn saw_input() -> Vec<f32> {
    (0..LEN).map(|i| (i % 97) as f32 / 48.5 - 1.0).collect()
}

#[test]
fn delay_matches_reference() {
    check(
        NodeKind::Delay,
        &[
            vec![smooth_input(), constant(0.01), constant(0.5), constant(0.5)],
            // Non-finite input in one lane of the packed group.
            vec![
                rough_input(),
                wobble(0.2, 0.9, 0.3),
                constant(0.9),
                constant(1.0),
            ],
            // Shortest delay (one sample) at the largest feedback.
            vec![saw_input(), constant(0.0), constant(0.99), constant(1.0)],
            // Longest delay (4 s), feedback past its bound.
            vec![smooth_input(), constant(10.0), constant(2.0), constant(1.0)],
            // Audio-rate time, feedback and mix crossing their bounds.
            vec![
                saw_input(),
                wobble(0.5, 0.99, 5.0),
                wobble(0.5, 1.2, 2.0),
                wobble(0.5, 1.5, 0.7),
            ],
            vec![
                smooth_input(),
                constant(f32::NAN),
                constant(f32::NAN),
                constant(f32::NAN),
            ],
            vec![saw_input(), constant(-1.0), constant(-1.0), constant(2.0)],
            // A fractional delay just under the longest.
            vec![saw_input(), constant(3.9995), constant(0.99), constant(0.5)],
        ],
    );
}

#[test]
fn reverb_matches_reference() {
    check(
        NodeKind::Reverb,
        &[
            vec![rough_input(), constant(0.5), constant(0.5), constant(0.3)],
            vec![saw_input(), constant(0.0), constant(0.0), constant(1.0)],
            vec![saw_input(), constant(1.0), constant(1.0), constant(1.0)],
            vec![smooth_input(), constant(1.0), constant(0.0), constant(1.0)],
            // Audio-rate room, damp and mix, past their bounds.
            vec![
                saw_input(),
                wobble(0.5, 1.5, 9.0),
                wobble(0.5, 1.5, 13.0),
                wobble(0.5, 1.5, 1.0),
            ],
            vec![
                smooth_input(),
                constant(f32::NAN),
                constant(f32::NAN),
                constant(f32::NAN),
            ],
            vec![
                rough_input(),
                constant(0.9),
                constant(0.1),
                constant(f32::INFINITY),
            ],
        ],
    );
}

#[test]
fn chorus_matches_reference() {
    check(
        NodeKind::Chorus,
        &[
            vec![smooth_input(), constant(1.0), constant(0.5), constant(0.3)],
            vec![rough_input(), constant(5.0), constant(1.0), constant(1.0)],
            // No modulation: every voice at the centre delay.
            vec![saw_input(), constant(0.0), constant(0.0), constant(1.0)],
            // Fastest LFO (and past it), full depth.
            vec![saw_input(), constant(20.0), constant(1.0), constant(1.0)],
            vec![saw_input(), constant(1e6), constant(5.0), constant(1.0)],
            // Audio-rate rate, depth and mix crossing their bounds.
            vec![
                saw_input(),
                wobble(10.0, 1.5, 7.0),
                wobble(0.5, 1.5, 3.0),
                wobble(0.5, 1.5, 0.4),
            ],
            vec![
                smooth_input(),
                constant(f32::NAN),
                constant(f32::NAN),
                constant(f32::NAN),
            ],
            vec![saw_input(), constant(-3.0), constant(-1.0), constant(0.5)],
        ],
    );
}

#[test]
fn a_non_finite_input_is_contained() {
    // After the NaN burst and the infinity the output is 0 on those
    // samples only, then the lines refill from finite input.
    let input = rough_input();
    for (kind, params) in [
        (NodeKind::Delay, [0.01, 0.5, 1.0]),
        (NodeKind::Reverb, [0.5, 0.5, 1.0]),
        (NodeKind::Chorus, [1.0, 0.5, 1.0]),
    ] {
        let mut case = vec![input.clone()];
        case.extend(params.map(constant));
        let out = compiled(kind, 44_100.0, &[case], false).remove(0);
        assert!(out[1000..=1003].iter().all(|&y| y == 0.0), "{kind:?}");
        assert_eq!(out[3000], 0.0, "{kind:?}");
        assert!(
            out[1004..3000].iter().any(|&y| y != 0.0),
            "{kind:?} recovers"
        );
        assert!(out.iter().all(|y| y.is_finite()), "{kind:?}");
    }
}

/// Compiles `source` (controls only, no voices or feedback).
fn staged_from(source: &str) -> StagedProgram {
    let parsed = phonon_syntax::parse(source);
    let compiled = phonon_ir::compile(&parsed.program);
    compiled
        .staged
        .unwrap_or_else(|| panic!("{source} compiles: {:?}", compiled.diagnostics))
}

/// A stand-in for rendered patterns: each control node's value changes
/// every 700 samples, differently per node.
fn control_value(node: NodeId, sample: usize) -> f32 {
    let step = (sample / 700) as f32;
    55.0 + (node.0 % 13) as f32 * 20.0 + step * 5.0
}

/// The largest difference on any output between the JIT (packed or not)
/// and the reference evaluator over `blocks` blocks of uneven sizes, and
/// whether a reset reproduced the JIT's output.
fn program_difference(staged: &StagedProgram, pack: bool, blocks: usize) -> f32 {
    const MAX_BLOCK: usize = 512;
    let rate = 44_100.0;
    let jit = JitModule::host().unwrap();
    let mut program =
        JitProgram::compile(&jit, staged, KernelOptions { rate }, pack, MAX_BLOCK).unwrap();
    let externals = program.external_inputs().to_vec();
    let run = |program: &mut JitProgram, reference: Option<&mut Reference>| {
        let mut reference = reference;
        let (mut worst, mut outputs, mut clock) = (0.0f32, Vec::new(), 0);
        for block in 0..blocks {
            let frames = [MAX_BLOCK, 100, 1, 333][block % 4];
            for &id in &externals {
                let values: Vec<f32> = (0..frames).map(|k| control_value(id, clock + k)).collect();
                program.buffer_mut(id).unwrap()[..frames].copy_from_slice(&values);
                if let Some(reference) = reference.as_deref_mut() {
                    reference.buffers[id.index()][..frames].copy_from_slice(&values);
                }
            }
            program.process(frames).unwrap();
            if let Some(reference) = reference.as_deref_mut() {
                reference.process(frames);
            }
            for output in &staged.graph.outputs {
                let got = &program.buffer(output.left).unwrap()[..frames];
                outputs.extend_from_slice(got);
                if let Some(reference) = reference.as_deref() {
                    let expected = &reference.buffers[output.left.index()][..frames];
                    for (a, b) in got.iter().zip(expected) {
                        assert!(a.is_finite());
                        worst = worst.max((a - b).abs());
                    }
                }
            }
            clock += frames;
        }
        (worst, outputs)
    };
    let mut reference = Reference::new(staged, rate, MAX_BLOCK);
    let (worst, first) = run(&mut program, Some(&mut reference));
    program.reset();
    let (_, again) = run(&mut program, None);
    assert!(first == again, "reset reproduces the program's output");
    worst
}

#[test]
fn chains_of_delay_lines_match_reference() {
    for source in [
        "out: saw 110 # delay 0.01 0.7 0.5 # reverb 0.8 0.3 0.5 # chorus 2 0.8 0.5 * 0.5",
        "out: saw 220 # chorus (sine 30 * 10 + 10) (sine 7) 1 # delay (sine 3 * 0.004 + 0.005) 0.9 0.6",
        "out: square 330 # reverb (sine 50 * 0.5 + 0.5) (sine 40 * 0.6 + 0.5) (sine 2) # delay 0 0.99 1",
        "o1: saw 110 # delay 0.02 0.5 0.5\no2: saw 165 # delay 0.03 0.6 0.5\no3: saw 220 # delay 0.05 0.7 0.5\no4: saw 275 # delay 0.07 0.8 0.5",
    ] {
        let staged = staged_from(source);
        for pack in [false, true] {
            let worst = program_difference(&staged, pack, 60);
            assert!(
                worst <= TOLERANCE,
                "{source} (packed {pack}): largest difference {worst}"
            );
        }
    }
}

#[test]
fn workloads_with_delay_lines_match_reference() {
    for path in [
        "../../shared/workloads/chain4.ph",
        "../phonon-runtime/benches/programs/reverb16.ph",
    ] {
        let source = std::fs::read_to_string(path).expect("workload");
        let staged = staged_from(&source);
        for pack in [false, true] {
            let worst = program_difference(&staged, pack, 60);
            assert!(
                worst <= TOLERANCE,
                "{path} (packed {pack}): largest difference {worst}"
            );
        }
    }
}

#[test]
fn isomorphic_reverbs_pack_four_to_a_function() {
    let source = std::fs::read_to_string("../phonon-runtime/benches/programs/reverb16.ph")
        .expect("workload");
    let staged = staged_from(&source);
    let jit = JitModule::host().unwrap();
    let program =
        JitProgram::compile(&jit, &staged, KernelOptions { rate: 44_100.0 }, true, 64).unwrap();
    let summary = program.packing_summary();
    assert!(summary.contains("f32x4"), "{summary}");
    assert!(summary.contains("reverb"), "{summary}");
}
