//! Differential tests of the level-shaping nodes (`adsr`, `ad`, `ar`,
//! `compressor`) against their references in `phonon_ir::dsp`: gates that
//! open, close, retrigger and hold non-finite values, parameters at their
//! bounds and modulated at audio rate, huge and silent inputs, blocks of 1,
//! 37, 512 and 2286 samples and mixtures of them, `reset` reproducing the
//! output, as scalar code and as lanes of packed code.
//!
//! Tolerances: the envelopes perform the reference's `f32` operations in
//! its order, so they must match exactly (0). The compressor goes through
//! the `ln`/`exp` approximations: 1e-4 absolute, and relative to `|y|` where
//! the output exceeds 1, because `makeup` reaches +60 dB (x1000) and an
//! `f32` output of 1000 is itself only resolved to 6e-5.

use phonon_ir::dsp::{self, spec, NodeKind};
use phonon_ir::graph::{Graph, NodeId, Op, PatternId};
use phonon_jit::{JitModule, KernelOptions, LaneForm};
use phonon_syntax::Span;

const RATE: f32 = 44_100.0;
const LEN: usize = 12_000;

/// The block schedules every case runs under (cycled until `LEN`).
const SCHEDULES: [&[usize]; 5] = [&[1], &[37], &[512], &[2286], &[512, 1, 2286, 37, 100]];

/// One node of `kind` per lane, each reading its gate or input and its
/// parameters from its own control buffers.
fn forms(kind: NodeKind, lanes: usize) -> Vec<LaneForm> {
    let spec = spec::of(kind);
    let arity = spec.params.len() + usize::from(spec.has_input || spec.gated);
    let mut graph = Graph::default();
    let kernels: Vec<Vec<NodeId>> = (0..lanes)
        .map(|lane| {
            let mut nodes: Vec<NodeId> = (0..arity)
                .map(|i| {
                    let pattern = PatternId::new(lane * arity + i);
                    graph.add_node(Op::Control(pattern), vec![], Span::default(), None)
                })
                .collect();
            let node = graph.add_node(Op::Dsp(kind), nodes.clone(), Span::default(), None);
            nodes.push(node);
            nodes
        })
        .collect();
    kernels
        .iter()
        .map(|nodes| {
            let last = *nodes.last().unwrap();
            LaneForm::analyse(&graph, nodes, &|id| id == last)
        })
        .collect()
}

/// Calls `run(start, end)` for consecutive blocks of `schedule` up to `LEN`.
fn in_blocks(schedule: &[usize], mut run: impl FnMut(usize, usize)) {
    let mut start = 0;
    for &block in schedule.iter().cycle() {
        if start >= LEN {
            break;
        }
        let end = (start + block).min(LEN);
        run(start, end);
        start = end;
    }
}

/// The reference output for one case (signals: gate or input first).
fn reference(kind: NodeKind, signals: &[Vec<f32>], schedule: &[usize]) -> Vec<f32> {
    let mut node = dsp::build(kind, RATE, 0).expect("mono node");
    let mut out = vec![0.0; LEN];
    in_blocks(schedule, |start, end| {
        let params: Vec<&[f32]> = signals[1..].iter().map(|p| &p[start..end]).collect();
        node.process(&signals[0][start..end], &params, &mut out[start..end]);
    });
    out
}

/// The compiled output of each lane, run twice with a reset in between;
/// the second run must repeat the first exactly.
fn compiled(
    kind: NodeKind,
    lanes: &[Vec<Vec<f32>>],
    packed: bool,
    schedule: &[usize],
) -> Vec<Vec<f32>> {
    let jit = JitModule::host().expect("host ISA");
    let mut kernel = jit
        .compile(
            &forms(kind, lanes.len()),
            packed,
            KernelOptions { rate: RATE },
        )
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    let slots = lanes[0].len();
    let mut runs = Vec::new();
    for _ in 0..2 {
        let mut state = kernel.initial_state();
        let mut outs = vec![vec![0.0f32; LEN]; lanes.len()];
        in_blocks(schedule, |start, end| {
            let inputs: Vec<&[f32]> = (0..slots)
                .flat_map(|slot| lanes.iter().map(move |lane| &lane[slot][start..end]))
                .collect();
            let mut outputs: Vec<&mut [f32]> =
                outs.iter_mut().map(|o| &mut o[start..end]).collect();
            kernel
                .process(start as u64, end - start, &mut state, &inputs, &mut outputs)
                .unwrap();
        });
        runs.push(outs);
    }
    let second = runs.pop().unwrap();
    let first = runs.pop().unwrap();
    for (lane, (a, b)) in first.iter().zip(&second).enumerate() {
        let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
        assert!(
            same,
            "{kind:?} lane {lane}: reset did not reproduce the output"
        );
    }
    first
}

/// The largest of `|a - b| / max(1, |b|)` when `relative`, else `|a - b|`.
fn max_difference(a: &[f32], b: &[f32], relative: bool) -> (f32, usize) {
    a.iter()
        .zip(b)
        .enumerate()
        .map(|(i, (x, y))| {
            let scale = if relative { y.abs().max(1.0) } else { 1.0 };
            ((x - y).abs() / scale, i)
        })
        .fold((0.0, 0), |best, d| {
            if d.0 > best.0 || d.0.is_nan() {
                d
            } else {
                best
            }
        })
}

/// The one funnel: every case under every schedule, scalar and packed
/// (cases four to a function), against the reference within `tolerance`.
fn check(kind: NodeKind, cases: &[Vec<Vec<f32>>], tolerance: f32, relative: bool) {
    for schedule in SCHEDULES {
        let scalar: Vec<Vec<f32>> = cases
            .iter()
            .flat_map(|case| compiled(kind, std::slice::from_ref(case), false, schedule))
            .collect();
        let packed: Vec<Vec<f32>> = cases
            .chunks(4)
            .flat_map(|group| compiled(kind, group, true, schedule))
            .collect();
        for (c, case) in cases.iter().enumerate() {
            let expected = reference(kind, case, schedule);
            for (code, out) in [("scalar", &scalar[c]), ("packed", &packed[c])] {
                let (d, at) = max_difference(out, &expected, relative);
                assert!(
                    d <= tolerance,
                    "{kind:?} case {c} {code} blocks {schedule:?}: diff {d} at {at}: \
                     jit {} vs ref {}",
                    out[at],
                    expected[at]
                );
                assert!(out.iter().all(|x| x.is_finite()), "{kind:?} case {c}");
            }
        }
    }
}

fn constant(x: f32) -> Vec<f32> {
    vec![x; LEN]
}

/// `centre * (1 + depth sin)`: audio-rate modulation.
fn wobble(centre: f32, depth: f32, hz: f32) -> Vec<f32> {
    (0..LEN)
        .map(|i| centre * (1.0 + depth * (std::f32::consts::TAU * hz * i as f32 / RATE).sin()))
        .collect()
}

/// The cycle gate outside a voice: `floor(cycle) + 1` for cycles of
/// `samples` samples (never closes, steps up at each cycle start).
fn cycle_gate(samples: usize) -> Vec<f32> {
    (0..LEN).map(|i| (i / samples + 1) as f32).collect()
}

/// A voice-like gate: open for `on` samples, closed for `off`, repeated,
/// with a one-sample blip and a one-sample gap thrown in.
fn note_gate(on: usize, off: usize) -> Vec<f32> {
    (0..LEN)
        .map(|i| match i {
            5000 => 1.0,
            5001 => 0.0,
            7000 => 0.0,
            _ if i % (on + off) < on => 1.0,
            _ => 0.0,
        })
        .collect()
}

/// A gate that holds non-finite and negative values, and changes its open
/// value without closing.
fn rough_gate() -> Vec<f32> {
    (0..LEN)
        .map(|i| match i {
            0..=999 => 1.0,
            1000..=1499 => 0.5,
            1500..=1502 => f32::NAN,
            1503..=2999 => 1.0,
            3000..=3999 => -1.0,
            4000..=4010 => f32::INFINITY,
            4011..=4999 => f32::NEG_INFINITY,
            5000..=7999 => 2.0,
            _ => 0.0,
        })
        .collect()
}

fn envelope_gates() -> Vec<Vec<f32>> {
    vec![
        cycle_gate(2000),
        note_gate(1500, 700),
        rough_gate(),
        note_gate(3, 2),
    ]
}

/// Per gate, a set of parameter rows.
fn envelope_cases(params: &[Vec<Vec<f32>>]) -> Vec<Vec<Vec<f32>>> {
    let mut cases = Vec::new();
    for gate in envelope_gates() {
        for row in params {
            let mut case = vec![gate.clone()];
            case.extend(row.iter().cloned());
            cases.push(case);
        }
    }
    cases
}

#[test]
fn adsr_matches_reference_exactly() {
    let params = vec![
        vec![constant(0.01), constant(0.1), constant(0.5), constant(0.2)],
        vec![constant(0.0), constant(0.0), constant(0.0), constant(0.0)],
        vec![constant(0.0), constant(0.0), constant(1.0), constant(0.0)],
        vec![
            constant(10.0),
            constant(10.0),
            constant(1.0),
            constant(10.0),
        ],
        vec![
            constant(0.001),
            constant(0.002),
            constant(0.0),
            constant(1e9),
        ],
        vec![
            wobble(0.01, 0.9, 300.0),
            wobble(0.02, 0.9, 170.0),
            wobble(0.5, 0.9, 50.0),
            wobble(0.01, 0.9, 230.0),
        ],
        vec![
            constant(f32::NAN),
            constant(f32::INFINITY),
            constant(f32::NAN),
            constant(-1.0),
        ],
        vec![
            constant(-5.0),
            constant(f32::NAN),
            constant(2.0),
            constant(f32::INFINITY),
        ],
    ];
    check(NodeKind::Adsr, &envelope_cases(&params), 0.0, false);
}

#[test]
fn ad_matches_reference_exactly() {
    let params = vec![
        vec![constant(0.01), constant(0.03)],
        vec![constant(0.0), constant(0.0)],
        vec![constant(10.0), constant(10.0)],
        vec![wobble(0.005, 0.9, 300.0), wobble(0.01, 0.9, 70.0)],
        vec![constant(f32::NAN), constant(f32::INFINITY)],
    ];
    check(NodeKind::Ad, &envelope_cases(&params), 0.0, false);
}

#[test]
fn ar_matches_reference_exactly() {
    let params = vec![
        vec![constant(0.01), constant(0.03)],
        vec![constant(0.0), constant(0.0)],
        vec![constant(10.0), constant(10.0)],
        vec![wobble(0.005, 0.9, 300.0), wobble(0.01, 0.9, 70.0)],
        vec![constant(f32::INFINITY), constant(f32::NAN)],
    ];
    check(NodeKind::Ar, &envelope_cases(&params), 0.0, false);
}

/// Bursts of tone at different levels with silence, jumps and non-finite
/// samples between them.
fn program_material(amplitude: f32) -> Vec<f32> {
    (0..LEN)
        .map(|i| {
            let tone = (i as f32 * 0.0627).sin() * 0.8 + (i as f32 * 0.191).sin() * 0.2;
            let level = match i {
                0..=1999 => 1.0,
                2000..=2999 => 0.0,
                3000..=4999 => 0.05,
                5000 => f32::NAN,
                6000 => f32::INFINITY,
                7000..=7004 => f32::NEG_INFINITY,
                8000..=9999 => 1.0 + (i % 3) as f32,
                _ => 0.3,
            };
            tone * level * amplitude
        })
        .collect()
}

fn compressor_case(input: Vec<f32>, params: [Vec<f32>; 5]) -> Vec<Vec<f32>> {
    let mut case = vec![input];
    case.extend(params);
    case
}

#[test]
fn compressor_matches_reference() {
    let normal = || program_material(1.0);
    let cases = vec![
        compressor_case(
            normal(),
            [
                constant(-20.0),
                constant(4.0),
                constant(0.01),
                constant(0.1),
                constant(0.0),
            ],
        ),
        // Every bound: lowest threshold, hardest ratio, instant times.
        compressor_case(
            normal(),
            [
                constant(-120.0),
                constant(100.0),
                constant(0.0),
                constant(0.0),
                constant(60.0),
            ],
        ),
        compressor_case(
            normal(),
            [
                constant(24.0),
                constant(1.0),
                constant(10.0),
                constant(10.0),
                constant(-60.0),
            ],
        ),
        compressor_case(
            normal(),
            [
                constant(-40.0),
                constant(20.0),
                constant(10.0),
                constant(0.0),
                constant(12.0),
            ],
        ),
        // Beyond the bounds and non-finite parameters.
        compressor_case(
            normal(),
            [
                constant(-500.0),
                constant(0.1),
                constant(-1.0),
                constant(99.0),
                constant(200.0),
            ],
        ),
        compressor_case(
            normal(),
            [
                constant(f32::NAN),
                constant(f32::NAN),
                constant(f32::NAN),
                constant(f32::INFINITY),
                constant(f32::NAN),
            ],
        ),
        // Audio-rate modulation of every parameter.
        compressor_case(
            normal(),
            [
                wobble(-30.0, 0.9, 200.0),
                wobble(8.0, 0.9, 310.0),
                wobble(0.005, 0.99, 90.0),
                wobble(0.05, 0.99, 130.0),
                wobble(6.0, 1.0, 400.0),
            ],
        ),
        // Huge and silent inputs.
        compressor_case(
            program_material(1e6),
            [
                constant(-20.0),
                constant(4.0),
                constant(0.001),
                constant(0.1),
                constant(0.0),
            ],
        ),
        compressor_case(
            program_material(1e30),
            [
                constant(-120.0),
                constant(100.0),
                constant(0.0),
                constant(1.0),
                constant(0.0),
            ],
        ),
        compressor_case(
            program_material(1e30),
            [
                constant(-120.0),
                constant(100.0),
                constant(0.01),
                constant(0.5),
                constant(0.0),
            ],
        ),
        compressor_case(
            program_material(1e6),
            [
                constant(-20.0),
                constant(4.0),
                constant(0.0),
                constant(0.1),
                constant(0.0),
            ],
        ),
        compressor_case(
            constant(0.0),
            [
                constant(-120.0),
                constant(2.0),
                constant(0.01),
                constant(0.1),
                constant(60.0),
            ],
        ),
        compressor_case(
            program_material(1e-7),
            [
                constant(-120.0),
                constant(2.0),
                constant(0.01),
                constant(0.1),
                constant(60.0),
            ],
        ),
    ];
    check(NodeKind::Compressor, &cases, 1e-4, true);
}

/// Runs one compressor over `input` with per-sample `params`, in one block.
fn run_compressor(input: &[f32], params: [Vec<f32>; 5]) -> Vec<f32> {
    let jit = JitModule::host().unwrap();
    let mut kernel = jit
        .compile(
            &forms(NodeKind::Compressor, 1),
            false,
            KernelOptions { rate: RATE },
        )
        .unwrap();
    let mut state = kernel.initial_state();
    let mut out = vec![0.0; input.len()];
    let mut inputs = vec![input];
    inputs.extend(params.iter().map(Vec::as_slice));
    kernel
        .process(0, input.len(), &mut state, &inputs, &mut [&mut out])
        .unwrap();
    out
}

#[test]
fn exp_stays_within_its_documented_bound() {
    // Unit input under the threshold: the output is exactly the makeup
    // gain, e^t with t = makeup / 20 * ln 10 rounded as the node rounds it.
    let makeup: Vec<f32> = (0..120_001)
        .map(|i| (-60.0 + i as f32 * 0.001).min(60.0))
        .collect();
    let n = makeup.len();
    let held = |x: f32| vec![x; n];
    let out = run_compressor(
        &held(1.0),
        [held(24.0), held(1.0), held(0.0), held(0.0), makeup.clone()],
    );
    let worst = makeup
        .iter()
        .zip(&out)
        .map(|(&m, &y)| {
            let t = m / 20.0 * std::f32::consts::LN_10;
            let exact = f64::from(t).exp();
            (f64::from(y) - exact).abs() / exact
        })
        .fold(0.0, f64::max);
    assert!(worst < 3e-7, "exp relative error {worst}");
}

#[test]
fn ln_stays_within_its_documented_bound() {
    // Instant times, ratio 100, and a threshold 10 dB under the exact
    // level (inside its range): the reduction is 0.99 (level - threshold),
    // so the level the node measured can be read back from the output's
    // gain and compared with the exact 20 log10 |x|. The read-back itself
    // goes through `f32` levels near ±120 dB (ulp 7.6e-6), so the
    // reference's libm `log10` is measured the same way for comparison.
    let input: Vec<f32> = (0..120_001)
        .map(|i| 1e-6 * 10f32.powf(i as f32 * 1e-4))
        .collect();
    let n = input.len();
    let exact: Vec<f64> = input.iter().map(|&x| 20.0 * f64::from(x).log10()).collect();
    let threshold: Vec<f32> = exact
        .iter()
        .map(|&level| (level as f32 - 10.0).clamp(-120.0, 24.0))
        .collect();
    let held = |x: f32| vec![x; n];
    let out = run_compressor(
        &input,
        [
            threshold.clone(),
            held(100.0),
            held(0.0),
            held(0.0),
            held(0.0),
        ],
    );
    let mut reference = dsp::compressor::Compressor::new(RATE);
    let expected: Vec<f32> = (0..n)
        .map(|i| reference.tick(input[i], threshold[i], 100.0, 0.0, 0.0, 0.0))
        .collect();
    let level_error = |outputs: &[f32]| {
        (0..n)
            .map(|i| {
                let reduction = -20.0 * (f64::from(outputs[i]) / f64::from(input[i])).log10();
                let measured = reduction / (1.0 - 1.0 / 100.0) + f64::from(threshold[i]);
                (measured - exact[i]).abs()
            })
            .fold(0.0, f64::max)
    };
    let (worst, libm) = (level_error(&out), level_error(&expected));
    assert!(worst < 2.5e-5, "level error {worst} dB");
    assert!(
        worst < 1.5 * libm,
        "level error {worst} dB, libm's {libm} dB"
    );
}
