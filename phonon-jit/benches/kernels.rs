//! Block cost of synth16 (16 outputs: 8 `saw # lpf`, 4 `square # lpf`, 4
//! sines, one shared LFO) as JIT scalar functions, JIT packed `f32x4`
//! functions, and the reference nodes; plus the time to compile each form.
//! `cargo bench -p phonon-jit --bench kernels`.

#[path = "../tests/support/reference.rs"]
mod reference;

use criterion::{criterion_group, criterion_main, Criterion};
use phonon_ir::graph::StagedProgram;
use phonon_jit::{JitModule, JitProgram, KernelOptions};
use reference::Reference;
use std::hint::black_box;

const RATE: f32 = 44_100.0;
const BLOCK: usize = 512;

fn synth16() -> StagedProgram {
    // `../shared` lies beside the checkout, as the test suite expects.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/workloads/synth16.ph"
    );
    let source = std::fs::read_to_string(path).expect("../shared/workloads/synth16.ph");
    let parsed = phonon_syntax::parse(&source);
    phonon_ir::compile(&parsed.program)
        .staged
        .expect("synth16 compiles")
}

/// Control buffers: a frequency per control node, as a pattern would give.
fn fill_controls(program: &mut JitProgram) {
    for id in program.external_inputs().to_vec() {
        let value = 55.0 + (id.0 % 13) as f32 * 20.0;
        if let Some(buffer) = program.buffer_mut(id) {
            buffer.fill(value);
        }
    }
}

fn bench(c: &mut Criterion) {
    let staged = synth16();
    let jit = JitModule::host().expect("host ISA");
    let options = KernelOptions { rate: RATE };

    let mut group = c.benchmark_group("synth16_block_512");
    for (name, pack) in [("jit_scalar", false), ("jit_packed", true)] {
        let mut program = JitProgram::compile(&jit, &staged, options, pack, BLOCK).unwrap();
        fill_controls(&mut program);
        group.bench_function(name, |b| {
            b.iter(|| program.process(black_box(BLOCK)).unwrap());
        });
    }
    let mut reference = Reference::new(&staged, RATE, BLOCK);
    let controls = JitProgram::compile(&jit, &staged, options, false, 1)
        .unwrap()
        .external_inputs()
        .to_vec();
    for id in controls {
        reference.buffers[id.index()].fill(55.0 + (id.0 % 13) as f32 * 20.0);
    }
    group.bench_function("reference_nodes", |b| {
        b.iter(|| reference.process(black_box(BLOCK)));
    });
    group.finish();

    let mut group = c.benchmark_group("synth16_compile");
    group.sample_size(10);
    for (name, pack) in [("jit_scalar", false), ("jit_packed", true)] {
        group.bench_function(name, |b| {
            b.iter(|| JitProgram::compile(&jit, black_box(&staged), options, pack, BLOCK).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
