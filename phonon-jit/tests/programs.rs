//! Whole programs compiled from `.ph` source: scalar and packed native code
//! against the reference nodes, block after block, and the packing and IR
//! text they show.

mod support;

use phonon_ir::graph::{NodeId, Op, StagedProgram};
use phonon_jit::{JitModule, JitProgram, KernelOptions};
use support::reference::Reference;

const RATE: f32 = 44_100.0;
const BLOCK: usize = 512;

fn staged(path: &str) -> StagedProgram {
    let source = std::fs::read_to_string(path).expect("workload");
    let parsed = phonon_syntax::parse(&source);
    let compiled = phonon_ir::compile(&parsed.program);
    compiled.staged.expect("the workload compiles")
}

/// A stand-in for rendered patterns: each control node holds a value that
/// changes every 700 samples, different per node.
fn control_value(node: NodeId, sample: usize) -> f32 {
    let step = (sample / 700) as f32;
    55.0 + (node.0 % 13) as f32 * 20.0 + step * 5.0
}

fn options() -> KernelOptions {
    KernelOptions { rate: RATE }
}

/// Runs `blocks` blocks of the program through the JIT (packed or not) and
/// the reference, returning the largest difference on any output.
fn largest_output_difference(staged: &StagedProgram, pack: bool, blocks: usize) -> f32 {
    let jit = JitModule::host().unwrap();
    let mut program = JitProgram::compile(&jit, staged, options(), pack, BLOCK).unwrap();
    let mut reference = Reference::new(staged, RATE, BLOCK);
    let externals = program.external_inputs().to_vec();
    let mut worst = 0.0f32;
    for block in 0..blocks {
        for &id in &externals {
            assert!(matches!(staged.graph.node(id).op, Op::Control(_)));
            let values: Vec<f32> = (0..BLOCK)
                .map(|k| control_value(id, block * BLOCK + k))
                .collect();
            program.buffer_mut(id).unwrap().copy_from_slice(&values);
            reference.buffers[id.index()].copy_from_slice(&values);
        }
        program.process(BLOCK).unwrap();
        reference.process(BLOCK);
        for output in &staged.graph.outputs {
            let jit_out = program.buffer(output.left).unwrap();
            let ref_out = &reference.buffers[output.left.index()];
            for (a, b) in jit_out.iter().zip(ref_out) {
                assert!(a.is_finite());
                worst = worst.max((a - b).abs());
            }
        }
    }
    worst
}

/// A kernel with several stateful nodes runs as several phase loops per
/// chunk of 64 samples (the values between them through scratch slots):
/// four lanes of a four-phase chain, packed and not, against the
/// reference.
#[test]
fn chains_split_into_phases_match_reference() {
    let source = (1..=4)
        .map(|i| {
            format!(
                "o{i}: saw \"{} {}\" # lpf (sine 2 * 900 + 1200) 3 # hpf {} 0.7 # lag 0.001 * 0.1\n",
                50 * i,
                75 * i,
                100 * i
            )
        })
        .collect::<String>();
    let parsed = phonon_syntax::parse(&source);
    let staged = phonon_ir::compile(&parsed.program)
        .staged
        .expect("compiles");
    for pack in [false, true] {
        let worst = largest_output_difference(&staged, pack, 12);
        assert!(worst <= 1e-4, "packed {pack}: largest difference {worst}");
    }
}

#[test]
fn synth16_scalar_matches_reference() {
    let staged = staged("../../shared/workloads/synth16.ph");
    let worst = largest_output_difference(&staged, false, 40);
    assert!(worst <= 1e-4, "largest difference {worst}");
}

#[test]
fn synth16_packed_matches_reference() {
    let staged = staged("../../shared/workloads/synth16.ph");
    let worst = largest_output_difference(&staged, true, 40);
    assert!(worst <= 1e-4, "largest difference {worst}");
}

#[test]
fn synth16_packs_its_chains_four_to_a_function() {
    let staged = staged("../../shared/workloads/synth16.ph");
    let jit = JitModule::host().unwrap();
    let program = JitProgram::compile(&jit, &staged, options(), true, BLOCK).unwrap();
    let summary = program.packing_summary();
    // ~lfo alone; 8 saw chains in 2 groups, 4 squares in 1, 4 sines in 1;
    // packed groups fused two to a function.
    assert!(
        summary.starts_with("17 kernels in 5 groups (4 packed f32x4, 1 scalar) in 3 functions"),
        "{summary}"
    );
    assert!(
        summary.contains("[k1 k2 k3 k4]: saw mul add lpf mul + [k5 k6 k7 k8]: saw mul add lpf mul"),
        "{summary}"
    );
    assert!(
        summary.contains("[k9 k10 k11 k12]: square mul add lpf mul"),
        "{summary}"
    );
    let clif = program.clif_text();
    assert!(clif.contains("f32x4"), "packed code uses vectors");
    assert_eq!(clif.matches("\nfunction ").count(), 3, "{clif}");
}

#[test]
fn reset_reproduces_the_output() {
    let staged = staged("../../shared/workloads/synth16.ph");
    let jit = JitModule::host().unwrap();
    let mut program = JitProgram::compile(&jit, &staged, options(), true, BLOCK).unwrap();
    let out = staged.graph.outputs[0].left;
    let run = |program: &mut JitProgram| -> Vec<f32> {
        let mut all = Vec::new();
        for block in 0..4 {
            for id in program.external_inputs().to_vec() {
                let values: Vec<f32> = (0..BLOCK)
                    .map(|k| control_value(id, block * BLOCK + k))
                    .collect();
                program.buffer_mut(id).unwrap().copy_from_slice(&values);
            }
            program.process(BLOCK).unwrap();
            all.extend_from_slice(program.buffer(out).unwrap());
        }
        all
    };
    let first = run(&mut program);
    program.reset();
    assert_eq!(first, run(&mut program));
}

/// Four chains of one shape (so they pack into one `f32x4` group) of
/// envelopes on the cycle gate into compressors, plus an `ad` and an `ar`
/// chain, with patterned parameters.
const DYNAMICS: &str = "~env: adsr 0.01 \"0.05 0.1\" 0.5 0.02
o1: saw \"110 165\" * adsr 0.01 0.05 0.5 0.02 # compressor -18 6 0.002 0.05 6
o2: saw \"220 247.5\" * adsr 0.002 0.01 0 0.1 # compressor -30 2 0.01 0.1 0
o3: saw \"330 440\" * adsr 0 0 1 0 # compressor -120 100 0 0 -20
o4: saw \"55 82.5\" * adsr 0.1 0.2 0.7 0.3 # compressor 0 4 0.005 0.2 3
o5: square 82.5 # lpf 1200 0.7 * ad 0.005 \"0.05 0.12\" # compressor \"-30 -10\" 3 0.01 0.1 0
o6: tri \"220 330\" * ar \"0.001 0.03\" 0.02 * ~env
";

/// The cycle gate for cycles of `CYCLE` samples: `floor(cycle) + 1`.
fn cycle_gate(sample: usize) -> f32 {
    const CYCLE: usize = 3000;
    (sample / CYCLE + 1) as f32
}

/// Like `largest_output_difference`, with the cycle gate among the inputs
/// and uneven blocks (the gate steps inside them).
fn largest_dynamics_difference(staged: &StagedProgram, pack: bool) -> f32 {
    let jit = JitModule::host().unwrap();
    let mut program = JitProgram::compile(&jit, staged, options(), pack, 2286).unwrap();
    let mut reference = Reference::new(staged, RATE, 2286);
    let externals = program.external_inputs().to_vec();
    let (mut worst, mut start) = (0.0f32, 0);
    for &frames in [512, 1, 37, 2286, 300].iter().cycle().take(40) {
        for &id in &externals {
            let values: Vec<f32> = (start..start + frames)
                .map(|sample| match staged.graph.node(id).op {
                    Op::CycleGate => cycle_gate(sample),
                    _ => control_value(id, sample),
                })
                .collect();
            program.buffer_mut(id).unwrap()[..frames].copy_from_slice(&values);
            reference.buffers[id.index()][..frames].copy_from_slice(&values);
        }
        program.process(frames).unwrap();
        reference.process(frames);
        for output in &staged.graph.outputs {
            let jit_out = &program.buffer(output.left).unwrap()[..frames];
            let ref_out = &reference.buffers[output.left.index()][..frames];
            for (a, b) in jit_out.iter().zip(ref_out) {
                assert!(a.is_finite());
                worst = worst.max((a - b).abs());
            }
        }
        start += frames;
    }
    worst
}

fn dynamics_program() -> StagedProgram {
    let parsed = phonon_syntax::parse(DYNAMICS);
    let staged = phonon_ir::compile(&parsed.program)
        .staged
        .expect("the dynamics program compiles");
    assert!(staged.graph.nodes.iter().any(|n| n.op == Op::CycleGate));
    staged
}

#[test]
fn envelopes_and_compressors_match_reference_scalar_and_packed() {
    let staged = dynamics_program();
    for pack in [false, true] {
        let worst = largest_dynamics_difference(&staged, pack);
        assert!(worst <= 1e-4, "packed {pack}: largest difference {worst}");
    }
    let jit = JitModule::host().unwrap();
    let program = JitProgram::compile(&jit, &staged, options(), true, BLOCK).unwrap();
    assert!(
        program
            .packing_summary()
            .contains("f32x4 [k0 k1 k2 k3]: saw adsr mul compressor"),
        "{}",
        program.packing_summary()
    );
}

/// Filters whose signal input is an oscillator leave out their per-sample
/// finiteness test (see `bounds`): under cutoffs that jump across the whole
/// range at audio rate and the largest Q, they must stay finite and with
/// the reference, packed and not.
#[test]
fn filters_fed_by_oscillators_match_reference_under_extreme_modulation() {
    // Four saw -> lpf chains that pack into one f32x4 group, and one of
    // each other filter and oscillator.
    let mut source: String = [400, 1100, 2500, 5000]
        .iter()
        .enumerate()
        .map(|(i, rate)| {
            format!(
                "o{}: saw {} # lpf (square {rate} * 10000 + 10020) 20 * 0.1\n",
                i + 1,
                300 * (i + 1)
            )
        })
        .collect();
    source.push_str(
        "o5: square 50 # hpf (saw 1000 * 10000 + 10020) 20 * 0.1\n\
         o6: tri 8000 # bpf (sine 3000 * 10000 + 10020) 20 * 0.1\n\
         o7: pulse 220 0.1 # notch (square 5000 * 10000 + 10020) 20 * 0.1\n",
    );
    let parsed = phonon_syntax::parse(&source);
    let staged = phonon_ir::compile(&parsed.program)
        .staged
        .expect("compiles");
    for pack in [false, true] {
        let worst = largest_output_difference(&staged, pack, 40);
        assert!(worst <= 1e-4, "packed {pack}: largest difference {worst}");
    }
}
