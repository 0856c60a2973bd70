//! The contract every reference node in `phonon_ir::dsp` keeps, checked for
//! every kind in the node table: block size does not change the output,
//! `reset` reproduces it, and a NaN is contained to one sample of silence.

use phonon_ir::dsp::{self, master::Pan, spec, MonoNode, NodeKind, NodeSpec};

const RATE: f32 = 44_100.0;
const LEN: usize = 6000;

/// A deterministic test input: a chirp plus a square-ish wobble, within ±1.
fn test_input() -> Vec<f32> {
    (0..LEN)
        .map(|i| {
            let t = i as f32 / RATE;
            0.6 * (std::f32::consts::TAU * (200.0 + 2000.0 * t) * t).sin()
                + 0.3 * ((i / 37) % 2) as f32
                - 0.15
        })
        .collect()
}

/// A gate that opens, changes value (a retrigger), closes and reopens.
fn test_gate() -> Vec<f32> {
    (0..LEN)
        .map(|i| match i {
            0..=999 => 1.0,
            1000..=2499 => 2.0,
            2500..=3499 => 0.0,
            _ => 1.0,
        })
        .collect()
}

/// A representative base value for a parameter, moved per sample so that
/// block boundaries matter.
fn test_param(p: &spec::ParamSpec, index: usize) -> Vec<f32> {
    let base = match (p.default, p.unit) {
        (_, "Hz") if p.name != "rate" => 440.0 * (index as f32 + 1.0),
        (_, "s") => 0.01 + 0.01 * index as f32,
        (Some(d), _) => d,
        (None, _) => index as f32 + 0.5,
    };
    (0..LEN)
        .map(|i| {
            let wobble = 1.0 + 0.3 * (i as f32 * 0.0021 + index as f32).sin();
            let v = if base == 0.0 {
                0.3 * (wobble - 1.0)
            } else {
                base * wobble
            };
            v.min(p.max).max(p.min)
        })
        .collect()
}

fn params_for(spec: &NodeSpec) -> Vec<Vec<f32>> {
    spec.params
        .iter()
        .enumerate()
        .map(|(i, p)| test_param(p, i))
        .collect()
}

fn input_for(spec: &NodeSpec) -> Vec<f32> {
    if spec.gated {
        test_gate()
    } else if spec.has_input {
        test_input()
    } else {
        Vec::new()
    }
}

/// Renders `LEN` samples in blocks whose sizes cycle through `blocks`.
fn render(
    node: &mut dyn MonoNode,
    input: &[f32],
    params: &[Vec<f32>],
    blocks: &[usize],
) -> Vec<f32> {
    let mut out = vec![0.0; LEN];
    let mut start = 0;
    for &size in blocks.iter().cycle() {
        if start >= LEN {
            break;
        }
        let end = (start + size).min(LEN);
        let slice = |buf: &[f32]| -> Vec<f32> {
            buf.get(start..end).map(<[f32]>::to_vec).unwrap_or_default()
        };
        let block_params: Vec<Vec<f32>> = params.iter().map(|p| slice(p)).collect();
        let refs: Vec<&[f32]> = block_params.iter().map(Vec::as_slice).collect();
        node.process(&slice(input), &refs, &mut out[start..end]);
        start = end;
    }
    out
}

fn mono_kinds() -> impl Iterator<Item = &'static NodeSpec> {
    spec::all()
        .iter()
        .filter(|s| s.output == spec::Channels::Mono)
}

fn build(kind: NodeKind) -> Box<dyn MonoNode> {
    dsp::build(kind, RATE, 1234).unwrap_or_else(|| panic!("{kind:?} builds"))
}

#[test]
fn every_mono_kind_builds_and_pan_is_stereo() {
    for spec in mono_kinds() {
        assert!(dsp::build(spec.kind, RATE, 0).is_some(), "{}", spec.name);
    }
    assert!(dsp::build(NodeKind::Pan, RATE, 0).is_none());
}

#[test]
fn block_size_does_not_change_the_output() {
    for spec in mono_kinds() {
        let (input, params) = (input_for(spec), params_for(spec));
        let whole = render(build(spec.kind).as_mut(), &input, &params, &[512]);
        let single = render(build(spec.kind).as_mut(), &input, &params, &[1]);
        let odd = render(
            build(spec.kind).as_mut(),
            &input,
            &params,
            &[7, 1, 300, 13, 31, 33, 4096],
        );
        assert!(whole.iter().any(|&y| y != 0.0), "{} is silent", spec.name);
        assert_eq!(whole, single, "{}: blocks of 512 vs 1", spec.name);
        assert_eq!(whole, odd, "{}: blocks of 512 vs odd sizes", spec.name);
    }
}

#[test]
fn reset_reproduces_the_output() {
    for spec in mono_kinds() {
        let (input, params) = (input_for(spec), params_for(spec));
        let mut node = build(spec.kind);
        let first = render(node.as_mut(), &input, &params, &[512]);
        node.reset();
        let again = render(node.as_mut(), &input, &params, &[512]);
        assert_eq!(first, again, "{}", spec.name);
    }
}

#[test]
fn a_nan_input_gives_zero_for_that_sample_and_the_node_recovers() {
    const AT: usize = 3000;
    for spec in mono_kinds().filter(|s| s.has_input) {
        let mut input = input_for(spec);
        input[AT] = f32::NAN;
        // Defaults, so that bitcrush reads every sample.
        let out = render(build(spec.kind).as_mut(), &input, &[], &[512]);
        assert!(out.iter().all(|y| y.is_finite()), "{}", spec.name);
        assert_eq!(out[AT], 0.0, "{}", spec.name);
        assert!(
            out[AT + 1..].iter().any(|&y| y != 0.0),
            "{} recovers",
            spec.name
        );
    }
    let mut left = vec![0.0; 3];
    let mut right = vec![0.0; 3];
    Pan::new(RATE).process(&[0.5, f32::NAN, 0.5], &[], &mut left, &mut right);
    assert_eq!(
        (left.as_slice(), right.as_slice()),
        ([0.5, 0.0, 0.5].as_slice(), [0.5, 0.0, 0.5].as_slice())
    );
}

#[test]
fn non_finite_parameters_and_gates_never_escape() {
    for spec in mono_kinds() {
        let mut input = input_for(spec);
        if let Some(x) = input.get_mut(100) {
            *x = f32::NAN;
        }
        let mut params = params_for(spec);
        for p in params.iter_mut() {
            p[200] = f32::NAN;
            p[300] = f32::INFINITY;
            p[400] = f32::NEG_INFINITY;
        }
        let out = render(build(spec.kind).as_mut(), &input, &params, &[64]);
        assert!(out.iter().all(|y| y.is_finite()), "{}", spec.name);
    }
}

#[test]
fn missing_and_short_buffers_read_as_defaults_and_constants() {
    // One-element buffers are constants; an empty parameter list means defaults.
    let mut a = dsp::build(NodeKind::Lpf, RATE, 0).unwrap();
    let mut b = dsp::build(NodeKind::Lpf, RATE, 0).unwrap();
    let input = test_input();
    let mut out_a = vec![0.0; LEN];
    let mut out_b = vec![0.0; LEN];
    a.process(&input, &[&[800.0], &[]], &mut out_a);
    b.process(&input, &[&vec![800.0; LEN], &vec![0.707; LEN]], &mut out_b);
    assert_eq!(out_a, out_b);
    // A short input reads as silence past its end, without panicking.
    let mut short = vec![0.0; 10];
    a.process(&[1.0], &[&[800.0]], &mut short);
    assert!(short.iter().all(|y| y.is_finite()));
}
