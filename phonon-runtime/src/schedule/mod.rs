//! The stage scheduler: an [`Engine`] that runs a staged program's stages in
//! order and the kernels inside a stage concurrently on a pool of
//! persistent workers, with the same output, bit for bit, on any number of
//! threads. Not the DSP (each kernel is a [`KernelInterpreter`]) and not the
//! mixing (the renderer sums the outputs in a fixed order).
//!
//! # How kernels meet threads
//!
//! A new scheduler runs on the caller's thread only. Its first
//! [`MEASURE_BLOCKS`] blocks time every kernel; then the cost model
//! ([`plan`]) packs each stage's kernels onto the threads (longest first,
//! each to the least loaded thread) and splits only the stages that gain more
//! than a hand-off costs, and only if the whole block gains more than waking
//! a parked worker costs. The next [`TRIAL_BLOCKS`] blocks run that plan; if
//! they are not faster than the measured one-thread blocks, the scheduler
//! settles on one thread. So more threads are never slower than one by more
//! than the noise of the measurement.
//!
//! Rayon is not used: a scope per block costs more than the split work
//! gains (110 µs of work ran at 0.93x on 2 threads), while a worker spinning
//! on an atomic during the block gave 1.82x. Workers park once idle for
//! [`pool::SPIN_FOR`], so between blocks they cost nothing.
//!
//! # Allocation
//!
//! Everything is allocated by [`Scheduler::new`]; `process_block`, the
//! re-planning after measurement and `reset` allocate nothing and take only
//! uncontended locks.

pub mod plan;
mod pool;

use crate::engine::Engine;
use phonon_ir::graph::{KernelId, NodeId, StagedProgram};
use phonon_ir::interpret::{BlockInputs, OutputBuffers};
use phonon_ir::interpret_kernel::KernelInterpreter;
pub use pool::WorkerHook;
use pool::{lock, Import, Pool, Shared};
use std::ops::Range;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

/// Blocks timed kernel by kernel before the first plan (the first few of
/// them warm caches and are not counted).
pub const MEASURE_BLOCKS: u32 = 24;
const WARM_BLOCKS: u32 = 4;
/// Blocks run with the plan to check that it beats one thread.
pub const TRIAL_BLOCKS: u32 = 24;
/// A plan must make the block at least this much faster (as a fraction of
/// the one-thread time) to be kept.
const TRIAL_MARGIN: f64 = 0.03;

/// Where the scheduler stands in choosing its plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Timing kernels on one thread; `done` blocks so far.
    Measuring { done: u32 },
    /// Running the packed plan to compare it with one thread.
    Trying { done: u32 },
    /// The plan is chosen; `split_stages` stages run on several threads.
    Settled { split_stages: usize },
}

/// Runs a staged program on `threads` threads; see the module docs.
pub struct Scheduler {
    shared: Arc<Shared>,
    /// `None` with one thread, or when no worker could be started.
    pool: Option<Pool>,
    /// Per stage: whether it runs split across the threads.
    split: Vec<bool>,
    /// Scheduler position -> kernel of the program.
    kernel_ids: Vec<KernelId>,
    /// Per graph node: `(kernel position, slot)` of the kernel computing it.
    node_slots: Vec<Option<(usize, usize)>>,
    /// Per output: the `(kernel position, slot)` of its left and right.
    outputs: Vec<[Option<(usize, usize)>; 2]>,
    phase: Phase,
    /// The user's timing switch (the bench); measuring times regardless.
    timing_requested: bool,
    /// Per kernel: the least time seen while measuring, ns.
    costs: Vec<u64>,
    /// The least one-thread and planned block times, ns.
    serial_block: u64,
    planned_block: u64,
    // Scratch for the planner, sized once.
    order: Vec<usize>,
    loads: Vec<u64>,
    owners: Vec<usize>,
}

impl Scheduler {
    /// Prepares `program` to run at `rate` Hz in blocks of at most
    /// `max_block` samples on `threads` threads (at least 1; the caller's
    /// thread is one of them). If the workers cannot be started it runs on
    /// the caller's thread alone.
    pub fn new(program: &StagedProgram, rate: u32, max_block: usize, threads: usize) -> Scheduler {
        Scheduler::with_worker_hook(program, rate, max_block, threads, |job| job())
    }

    /// [`Scheduler::new`] with `hook` run around each worker's share of a
    /// stage, on the worker's thread.
    pub fn with_worker_hook(
        program: &StagedProgram,
        rate: u32,
        max_block: usize,
        threads: usize,
        hook: WorkerHook,
    ) -> Scheduler {
        let max_block = max_block.max(1);
        let mut kernel_ids = Vec::new();
        let mut stages = Vec::new();
        for stage in &program.stages {
            let start = kernel_ids.len();
            kernel_ids.extend(stage.kernels.iter().copied());
            stages.push(start..kernel_ids.len());
        }
        let mut kernels = Vec::new();
        let mut stage_ranges: Vec<Range<usize>> = Vec::new();
        let mut kept_ids = Vec::new();
        for range in stages {
            let start = kernels.len();
            for &id in &kernel_ids[range] {
                if let Some(kernel) = KernelInterpreter::new(program, id, rate, max_block) {
                    kernels.push(kernel);
                    kept_ids.push(id);
                }
            }
            stage_ranges.push(start..kernels.len());
        }
        let mut node_slots = vec![None; program.graph.nodes.len()];
        for (position, kernel) in kernels.iter().enumerate() {
            for &node in &program.kernel(kernel.kernel()).nodes {
                if let (Some(slot), Some(entry)) =
                    (kernel.slot_of_own(node), node_slots.get_mut(node.index()))
                {
                    *entry = Some((position, slot));
                }
            }
        }
        let imports = kernels
            .iter()
            .map(|kernel| {
                kernel
                    .imports()
                    .iter()
                    .enumerate()
                    .filter_map(|(slot, node)| {
                        let (source, source_slot) = node_slots.get(node.index()).copied()??;
                        Some(Import {
                            source,
                            source_slot,
                            slot,
                        })
                    })
                    .collect()
            })
            .collect();
        let slot_of = |node: NodeId| node_slots.get(node.index()).copied().flatten();
        let outputs = program
            .graph
            .outputs
            .iter()
            .map(|o| [slot_of(o.left), slot_of(o.right)])
            .collect();
        let threads = threads.max(1);
        let kernel_count = kernels.len();
        let stage_count = stage_ranges.len();
        let shared = Arc::new(Shared::new(
            kernels,
            imports,
            stage_ranges,
            BlockInputs::new(&program.graph, max_block),
            threads - 1,
            hook,
        ));
        let pool = if threads > 1 {
            Pool::start(Arc::clone(&shared)).ok()
        } else {
            None
        };
        let phase = if pool.is_some() {
            shared.timing.store(true, Ordering::Relaxed);
            Phase::Measuring { done: 0 }
        } else {
            Phase::Settled { split_stages: 0 }
        };
        Scheduler {
            shared,
            pool,
            split: vec![false; stage_count],
            kernel_ids: kept_ids,
            node_slots,
            outputs,
            phase,
            timing_requested: false,
            costs: vec![u64::MAX; kernel_count],
            serial_block: u64::MAX,
            planned_block: u64::MAX,
            order: Vec::with_capacity(kernel_count),
            loads: vec![0; threads],
            owners: vec![0; kernel_count],
        }
    }

    /// Threads that run kernels, the caller's included.
    pub fn threads(&self) -> usize {
        self.pool.as_ref().map_or(1, |pool| pool.workers() + 1)
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The program's kernels in the order the scheduler runs them.
    pub fn kernels(&self) -> &[KernelId] {
        &self.kernel_ids
    }

    /// The scheduler positions of each stage's kernels.
    pub fn stages(&self) -> &[Range<usize>] {
        &self.shared.stages
    }

    /// Times every kernel from now on (`true`), readable with
    /// [`last_kernel_nanos`](Scheduler::last_kernel_nanos).
    pub fn set_timing(&mut self, on: bool) {
        self.timing_requested = on;
        let measuring = matches!(self.phase, Phase::Measuring { .. });
        self.shared.timing.store(on || measuring, Ordering::Relaxed);
    }

    /// Nanoseconds the kernel at scheduler position `position` took in the
    /// last block (while timing is on).
    pub fn last_kernel_nanos(&self, position: usize) -> u64 {
        self.shared
            .kernel_nanos
            .get(position)
            .map_or(0, |n| n.load(Ordering::Relaxed))
    }

    /// Skips measurement and splits every stage, dealing its kernels to the
    /// threads in turn: for tests and for comparing against the cost model.
    pub fn split_every_stage(&mut self) {
        let threads = self.threads();
        for range in self.shared.stages.iter() {
            for (turn, k) in range.clone().enumerate() {
                self.shared.owner[k].store(turn % threads, Ordering::Relaxed);
            }
        }
        let split = self.pool.is_some();
        self.split.fill(split);
        self.shared
            .timing
            .store(self.timing_requested, Ordering::Relaxed);
        self.phase = Phase::Settled {
            split_stages: if split { self.split.len() } else { 0 },
        };
    }

    /// Hot swap: takes over the running state of `old`'s nodes, as
    /// [`phonon_ir::interpret::Interpreter::adopt_state`] does. Pairs name
    /// `(node here, node in old)`. Allocates nothing.
    pub fn adopt_state(&mut self, old: &mut Scheduler, pairs: &[(NodeId, NodeId)]) {
        for &(here, there) in pairs {
            let slot = |s: &Scheduler, node: NodeId| s.node_slots.get(node.index()).copied()?;
            let (Some((k_new, slot_new)), Some((k_old, slot_old))) =
                (slot(self, here), slot(old, there))
            else {
                continue;
            };
            let mut new_kernel = lock(&self.shared.kernels[k_new]);
            let mut old_kernel = lock(&old.shared.kernels[k_old]);
            new_kernel.swap_state(slot_new, &mut old_kernel, slot_old);
        }
    }

    fn run_stages(&self) {
        let inputs = self
            .shared
            .inputs
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        for (stage, range) in self.shared.stages.iter().enumerate() {
            match &self.pool {
                Some(pool) if self.split[stage] => pool.run_stage(stage, &inputs),
                _ => {
                    for k in range.clone() {
                        self.shared.run_kernel(k, &inputs);
                    }
                }
            }
        }
    }

    /// Advances the choice of plan by one block that took `block_nanos`.
    fn learn(&mut self, block_nanos: u64) {
        self.phase = match self.phase {
            Phase::Measuring { done } => {
                if done >= WARM_BLOCKS {
                    for (k, cost) in self.costs.iter_mut().enumerate() {
                        *cost = (*cost).min(self.shared.kernel_nanos[k].load(Ordering::Relaxed));
                    }
                    self.serial_block = self.serial_block.min(block_nanos);
                }
                if done + 1 < MEASURE_BLOCKS {
                    Phase::Measuring { done: done + 1 }
                } else {
                    self.shared
                        .timing
                        .store(self.timing_requested, Ordering::Relaxed);
                    match self.plan() {
                        0 => Phase::Settled { split_stages: 0 },
                        _ => Phase::Trying { done: 0 },
                    }
                }
            }
            Phase::Trying { done } => {
                self.planned_block = self.planned_block.min(block_nanos);
                if done + 1 < TRIAL_BLOCKS {
                    Phase::Trying { done: done + 1 }
                } else if (self.planned_block as f64)
                    < self.serial_block as f64 * (1.0 - TRIAL_MARGIN)
                {
                    Phase::Settled {
                        split_stages: self.split.iter().filter(|&&s| s).count(),
                    }
                } else {
                    self.split.fill(false);
                    Phase::Settled { split_stages: 0 }
                }
            }
            settled @ Phase::Settled { .. } => settled,
        };
    }

    /// Packs every stage from the measured costs; returns how many stages
    /// are split (0 when the block as a whole gains too little).
    fn plan(&mut self) -> usize {
        let mut total_gain = 0;
        for (stage, range) in self.shared.stages.iter().enumerate() {
            let range = range.clone();
            self.order.clear();
            self.order.resize(range.len(), 0);
            let (serial, makespan) = plan::pack_stage(
                &self.costs[range.clone()],
                &mut self.owners[range.clone()],
                &mut self.order,
                &mut self.loads,
            );
            self.split[stage] = plan::worth_splitting(serial, makespan);
            if self.split[stage] {
                total_gain += serial - makespan;
            }
        }
        if total_gain < plan::MIN_BLOCK_GAIN_NS {
            self.split.fill(false);
            return 0;
        }
        for (owner, &thread) in self.shared.owner.iter().zip(&self.owners) {
            owner.store(thread, Ordering::Relaxed);
        }
        self.split.iter().filter(|&&s| s).count()
    }
}

impl Engine for Scheduler {
    fn process_block(&mut self, inputs: &BlockInputs, out: &mut OutputBuffers) {
        let started = Instant::now();
        self.shared
            .inputs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .copy_from(inputs);
        self.run_stages();
        let frames = inputs.frames();
        out.set_frames(frames);
        for (index, sides) in self.outputs.iter().enumerate() {
            let (left, right) = out.output_mut(phonon_ir::graph::OutputId::new(index));
            for (target, side) in [left, right].into_iter().zip(sides) {
                match side {
                    Some((k, slot)) => {
                        let kernel = lock(&self.shared.kernels[*k]);
                        let samples = kernel.buffer(*slot, frames);
                        let len = samples.len().min(target.len());
                        target[..len].copy_from_slice(&samples[..len]);
                        target[len..].fill(0.0);
                    }
                    None => target.fill(0.0),
                }
            }
        }
        if !matches!(self.phase, Phase::Settled { .. }) {
            let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.learn(nanos);
        }
    }

    fn reset(&mut self) {
        for kernel in self.shared.kernels.iter() {
            lock(kernel).reset();
        }
    }
}

#[cfg(test)]
mod tests;
