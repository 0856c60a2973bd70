//! Criterion benches: one 512-sample block of every shared workload
//! (`../shared/workloads/*.ph`) and of the heavier programs beside this file
//! (`benches/programs/*.ph`), rendered by each engine (the interpreter, and
//! compiled functions where the JIT compiles the program) on 1 and 2 threads.
//! Each block goes through the whole renderer: control queries, the engine,
//! mixing and the limiter. `2t` is the scheduler's own plan (which may
//! settle on one thread); `2t-split` forces every stage onto both threads,
//! to show what the cost model turned down.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use phonon_ir::graph::StagedProgram;
use phonon_runtime::engine::{NoVoices, Renderer};
use phonon_runtime::schedule::{Phase, Scheduler, StageWork};
use std::path::{Path, PathBuf};

const RATE: u32 = 44_100;
const BLOCK: usize = 512;

fn ph_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "ph"));
    files.sort();
    files
}

/// Every program to measure, by file stem; a folder that is missing (no
/// `../shared` beside the checkout) just contributes nothing.
fn programs() -> Vec<(String, StagedProgram)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../../shared/workloads");
    let own = root.join("benches/programs");
    ph_files(&shared)
        .into_iter()
        .chain(ph_files(&own))
        .filter_map(|path| {
            let source = std::fs::read_to_string(&path).ok()?;
            let compiled = phonon_ir::compile(&phonon_syntax::parse(&source).program);
            let name = path.file_stem()?.to_string_lossy().into_owned();
            Some((name, compiled.staged?))
        })
        .collect()
}

/// A renderer whose scheduler has settled its plan (or splits every stage,
/// with `split`).
fn settled_renderer<W: StageWork>(
    program: &StagedProgram,
    mut scheduler: Scheduler<W>,
    split: bool,
) -> Renderer<Scheduler<W>, NoVoices> {
    if split {
        scheduler.split_every_stage();
    }
    let mut renderer = Renderer::new(program.clone(), scheduler, NoVoices, RATE, BLOCK);
    let (mut left, mut right) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
    while !matches!(renderer.engine().phase(), Phase::Settled { .. }) {
        renderer.render_block(&mut left, &mut right);
    }
    renderer
}

fn blocks(c: &mut Criterion) {
    for (name, program) in programs() {
        let mut group = c.benchmark_group(name);
        for (threads, split, label) in [(1, false, "1t"), (2, false, "2t"), (2, true, "2t-split")] {
            let (mut left, mut right) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
            let scheduler = Scheduler::new(&program, RATE, BLOCK, threads);
            let mut renderer = settled_renderer(&program, scheduler, split);
            group.bench_function(BenchmarkId::new("interp", label), |b| {
                b.iter(|| renderer.render_block(&mut left, &mut right))
            });
            if let Ok(scheduler) = Scheduler::compiled(&program, RATE, BLOCK, threads) {
                let mut renderer = settled_renderer(&program, scheduler, split);
                group.bench_function(BenchmarkId::new("jit", label), |b| {
                    b.iter(|| renderer.render_block(&mut left, &mut right))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, blocks);
criterion_main!(benches);
