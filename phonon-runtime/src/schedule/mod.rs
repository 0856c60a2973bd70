//! The stage scheduler: an [`Engine`] that runs a staged program's stages in
//! order and the units inside a stage concurrently on a pool of persistent
//! workers, with the same output, bit for bit, on any number of threads. A
//! unit is an interpreted kernel ([`Interpreted`]) or a compiled function,
//! one kernel or a packed group of them ([`Compiled`]). Not the DSP; the
//! mix only as the renderer's fixed order asks ([`Engine::process_and_mix`],
//! which compiled functions serve from their own buffers, without copies).
//!
//! # How units meet threads
//!
//! A new scheduler runs on the caller's thread only. Its first
//! [`MEASURE_BLOCKS`] blocks time every unit; then the cost model ([`plan`])
//! packs each stage's units onto the threads (longest first, each to the
//! least loaded thread) and splits only the stages that gain more than a
//! hand-off costs, and only if the whole block gains more than waking a
//! parked worker costs. The next [`TRIAL_BLOCKS`] blocks run that plan; it
//! is kept only if they beat the measured one-thread blocks.
//!
//! The choice is never final: once settled, one block in
//! [`PROBE_EVERY`] (at first; the interval doubles, up to
//! [`MAX_PROBE_EVERY`], each time the choice holds) runs the other way (on
//! one thread when the plan is split, split when it runs on one thread), and
//! every [`PROBES_PER_REVIEW`] probes the fastest block of each way decides
//! again, and the plan is packed afresh from the units' times on those
//! blocks. So a busy moment during the first trial does not keep a program
//! on one thread for good, and a program whose split stops paying goes back
//! to one thread. Probes cost a block in [`PROBE_EVERY`] at most, and one
//! in [`MAX_PROBE_EVERY`] once a probe took twice the chosen way's time.
//!
//! Rayon is not used: a scope per block costs more than the split work
//! gains (110 µs of work ran at 0.93x on 2 threads), while a worker spinning
//! on an atomic during the block gave 1.82x. Workers park once idle for
//! [`pool::SPIN_FOR`], so between blocks they cost nothing.
//!
//! # Allocation
//!
//! Everything is allocated when the scheduler is built; `process_block`, the
//! re-planning and `reset` allocate nothing and take only uncontended locks
//! (the interpreter's kernels) or none (compiled functions).

mod compiled;
mod interpreted;
pub mod plan;
mod pool;

use crate::engine::{mix_outputs, Engine};
pub use compiled::Compiled;
pub use interpreted::Interpreted;
use phonon_ir::graph::{KernelId, NodeId, StagedProgram};
use phonon_ir::interpret::{BlockInputs, OutputBuffers};
use phonon_jit::JitError;
use pool::{Pool, Shared};
pub use pool::{Share, WorkerHook};
use std::ops::Range;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// Blocks timed unit by unit before the first plan (the first few of them
/// warm caches and are not counted).
pub const MEASURE_BLOCKS: u32 = 24;
const WARM_BLOCKS: u32 = 4;
/// Blocks run with the plan to check that it beats one thread.
pub const TRIAL_BLOCKS: u32 = 24;
/// A plan must make the block at least this much faster (as a fraction of
/// the one-thread time) to be kept, or to replace one thread on review.
const TRIAL_MARGIN: f64 = 0.03;
/// Once settled, one block in this many runs the other way (at first).
pub const PROBE_EVERY: u32 = 32;
/// The longest interval between probes, reached by doubling while the
/// choice holds: about 6 s at 512 samples and 44.1 kHz.
pub const MAX_PROBE_EVERY: u32 = 512;
/// Probes compared before the choice is reviewed.
pub const PROBES_PER_REVIEW: u32 = 4;

/// What a [`Scheduler`] runs: the units of each stage (interpreted kernels
/// or compiled functions) and the block's inputs and outputs around them.
/// The scheduler calls `begin_block`, then `run_share` for each stage (on
/// one or several threads at once, each with its own units), then
/// `end_block`, all without allocating.
pub trait StageWork: Send + Sync + 'static {
    /// Takes in the block's inputs, on the caller's thread.
    fn begin_block(&self, inputs: &BlockInputs);
    /// Runs the units of stage `stage` that `share` names, on the calling
    /// thread; other threads may run other units of the same stage.
    fn run_share(&self, stage: usize, share: &Share<'_>);
    /// Writes the block's outputs, on the caller's thread.
    fn end_block(&self, inputs: &BlockInputs, out: &mut OutputBuffers);
    /// Sums the block's outputs into `left` and `right` as
    /// [`mix_outputs`] does, on the caller's thread; may leave `out` stale.
    fn end_block_mixed(
        &self,
        inputs: &BlockInputs,
        out: &mut OutputBuffers,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        self.end_block(inputs, out);
        mix_outputs(out, left, right);
    }
    /// Back to the initial state.
    fn reset(&self);
}

/// Where the scheduler stands in choosing its plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Timing units on one thread; `done` blocks so far.
    Measuring { done: u32 },
    /// Running the packed plan to compare it with one thread.
    Trying { done: u32 },
    /// The plan is chosen (and reviewed now and then); `split_stages`
    /// stages run on several threads.
    Settled { split_stages: usize },
}

/// How one block runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BlockPlan {
    parallel: bool,
    /// A settled scheduler's probe of the other way.
    probe: bool,
    timed: bool,
}

/// The settled choice's running review; see the module docs.
#[derive(Clone, Copy, Debug)]
struct Review {
    /// Blocks since the review began.
    block: u32,
    every: u32,
    probes: u32,
    /// The fastest block of the chosen way and of the probes, ns.
    chosen_best: u64,
    probe_best: u64,
}

impl Review {
    fn new(every: u32) -> Review {
        Review {
            block: 0,
            every,
            probes: 0,
            chosen_best: u64::MAX,
            probe_best: u64::MAX,
        }
    }
}

/// Runs a staged program on `threads` threads; see the module docs.
pub struct Scheduler<W: StageWork = Interpreted> {
    shared: Arc<Shared<W>>,
    /// `None` with one thread, or when no worker could be started.
    pool: Option<Pool<W>>,
    /// Per stage: whether the plan splits it across the threads.
    split: Vec<bool>,
    /// Per unit, the kernels it computes.
    unit_kernels: Vec<Vec<KernelId>>,
    phase: Phase,
    /// Whether the settled choice is the split plan.
    parallel: bool,
    /// Set by [`Scheduler::split_every_stage`]: no measuring, no review.
    fixed: bool,
    review: Review,
    /// The user's timing switch (the bench); measuring times regardless.
    timing_requested: bool,
    /// Per unit: the least time seen while measuring, ns.
    costs: Vec<u64>,
    /// The least one-thread and planned block times of the first trial, ns.
    serial_block: u64,
    planned_block: u64,
    // Scratch for the planner, sized once.
    order: Vec<usize>,
    loads: Vec<u64>,
    owners: Vec<usize>,
}

impl Scheduler<Interpreted> {
    /// Prepares `program` to run on the reference interpreter at `rate` Hz
    /// in blocks of at most `max_block` samples on `threads` threads (at
    /// least 1; the caller's thread is one of them). If the workers cannot
    /// be started it runs on the caller's thread alone.
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
        let (work, stages, kernels) = Interpreted::new(program, rate, max_block.max(1));
        let unit_kernels = kernels.into_iter().map(|k| vec![k]).collect();
        Scheduler::start(work, stages, unit_kernels, threads, hook)
    }

    /// Hot swap: takes over the running state of `old`'s nodes, as
    /// [`phonon_ir::interpret::Interpreter::adopt_state`] does. Pairs name
    /// `(node here, node in old)`. Allocates nothing.
    pub fn adopt_state(&mut self, old: &mut Scheduler, pairs: &[(NodeId, NodeId)]) {
        self.shared.work.adopt_state(&old.shared.work, pairs);
    }

    /// Hot swap while `old` plays on (fading out): copies the running state
    /// of `old`'s nodes into this program's, leaving `old`'s as it is.
    /// Pairs name `(node here, node in old)` of the same operation.
    /// Allocates nothing.
    pub fn copy_state(&mut self, old: &Scheduler, pairs: &[(NodeId, NodeId)]) {
        self.shared.work.copy_state(&old.shared.work, pairs);
    }
}

impl Scheduler<Compiled> {
    /// Compiles `program` to native code (as
    /// [`crate::jit_engine::JitEngine`] does) and prepares it to run as
    /// [`Scheduler::new`] does, one compiled function a unit. Fails when a
    /// node has no code generation yet.
    pub fn compiled(
        program: &StagedProgram,
        rate: u32,
        max_block: usize,
        threads: usize,
    ) -> Result<Scheduler<Compiled>, JitError> {
        Scheduler::compiled_with_worker_hook(program, rate, max_block, threads, |job| job())
    }

    /// [`Scheduler::compiled`] with a worker hook, as in
    /// [`Scheduler::with_worker_hook`].
    pub fn compiled_with_worker_hook(
        program: &StagedProgram,
        rate: u32,
        max_block: usize,
        threads: usize,
        hook: WorkerHook,
    ) -> Result<Scheduler<Compiled>, JitError> {
        let (work, stages, unit_kernels) = Compiled::new(program, rate, max_block.max(1))?;
        Ok(Scheduler::start(work, stages, unit_kernels, threads, hook))
    }

    /// Hot swap: continues `old`'s sample clock and copies the running
    /// state of `old`'s nodes into this program's (`old` may play on, fading
    /// out). Pairs name `(node here, node in old)` of the same operation; a
    /// node whose state is laid out differently starts fresh. Allocates
    /// nothing.
    pub fn copy_state(&mut self, old: &Scheduler<Compiled>, pairs: &[(NodeId, NodeId)]) {
        self.shared.work.copy_state(&old.shared.work, pairs);
    }
}

impl<W: StageWork> Scheduler<W> {
    fn start(
        work: W,
        stages: Vec<Range<usize>>,
        unit_kernels: Vec<Vec<KernelId>>,
        threads: usize,
        hook: WorkerHook,
    ) -> Scheduler<W> {
        let threads = threads.max(1);
        let unit_count = unit_kernels.len();
        let stage_count = stages.len();
        let shared = Arc::new(Shared::new(work, stages, threads - 1, hook));
        let pool = if threads > 1 {
            Pool::start(Arc::clone(&shared)).ok()
        } else {
            None
        };
        let phase = if pool.is_some() {
            Phase::Measuring { done: 0 }
        } else {
            Phase::Settled { split_stages: 0 }
        };
        Scheduler {
            shared,
            pool,
            split: vec![false; stage_count],
            unit_kernels,
            phase,
            parallel: false,
            fixed: false,
            review: Review::new(PROBE_EVERY),
            timing_requested: false,
            costs: vec![u64::MAX; unit_count],
            serial_block: u64::MAX,
            planned_block: u64::MAX,
            order: Vec::with_capacity(unit_count),
            loads: vec![0; threads],
            owners: vec![0; unit_count],
        }
    }

    /// Threads that run units, the caller's included.
    pub fn threads(&self) -> usize {
        self.pool.as_ref().map_or(1, |pool| pool.workers() + 1)
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// What the scheduler runs (the compiled program, the kernels).
    pub fn work(&self) -> &W {
        &self.shared.work
    }

    /// How many units the program has.
    pub fn units(&self) -> usize {
        self.unit_kernels.len()
    }

    /// The kernels unit `unit` computes (one for the interpreter, up to a
    /// packed function's lanes for compiled code).
    pub fn unit_kernels(&self, unit: usize) -> &[KernelId] {
        self.unit_kernels.get(unit).map_or(&[], Vec::as_slice)
    }

    /// The units of each stage.
    pub fn stages(&self) -> &[Range<usize>] {
        &self.shared.stages
    }

    /// Times every unit from now on (`true`), readable with
    /// [`last_unit_nanos`](Scheduler::last_unit_nanos).
    pub fn set_timing(&mut self, on: bool) {
        self.timing_requested = on;
    }

    /// Nanoseconds unit `unit` took in the last block (while timing is on).
    pub fn last_unit_nanos(&self, unit: usize) -> u64 {
        self.shared
            .unit_nanos
            .get(unit)
            .map_or(0, |n| n.load(Ordering::Relaxed))
    }

    /// Skips measurement and review and splits every stage, dealing its
    /// units to the threads in turn: for tests and for comparing against
    /// the cost model.
    pub fn split_every_stage(&mut self) {
        let threads = self.threads();
        for range in self.shared.stages.iter() {
            for (turn, unit) in range.clone().enumerate() {
                self.shared.owner[unit].store(turn % threads, Ordering::Relaxed);
            }
        }
        self.parallel = self.pool.is_some();
        self.split.fill(self.parallel);
        self.fixed = true;
        self.phase = Phase::Settled {
            split_stages: if self.parallel { self.split.len() } else { 0 },
        };
    }

    /// How the next block runs.
    fn block_plan(&self) -> BlockPlan {
        let requested = self.timing_requested;
        let settled = |parallel| BlockPlan {
            parallel,
            probe: false,
            timed: requested,
        };
        if self.pool.is_none() || self.fixed {
            return settled(self.parallel);
        }
        match self.phase {
            Phase::Measuring { .. } => BlockPlan {
                parallel: false,
                probe: false,
                timed: true,
            },
            Phase::Trying { .. } => settled(true),
            Phase::Settled { .. } => {
                let position = self.review.block % self.review.every;
                let probe = position == self.review.every - 1;
                let has_plan = self.split.iter().any(|&s| s);
                BlockPlan {
                    parallel: if probe {
                        !self.parallel && has_plan
                    } else {
                        self.parallel
                    },
                    probe,
                    // The probe and the block before it: both ways' units.
                    timed: requested || position + 2 >= self.review.every,
                }
            }
        }
    }

    fn run_stages(&self, parallel: bool) {
        for (stage, &split) in self.split.iter().enumerate() {
            match &self.pool {
                Some(pool) if parallel && split => pool.run_stage(stage),
                _ => self.shared.run_share(stage, None),
            }
        }
    }

    /// Folds the last block's unit times into `costs`.
    fn take_costs(&mut self) {
        for (unit, cost) in self.costs.iter_mut().enumerate() {
            *cost = (*cost).min(self.shared.unit_nanos[unit].load(Ordering::Relaxed));
        }
    }

    /// Advances the choice of plan by one block that ran as `block` and
    /// took `block_nanos`.
    fn learn(&mut self, block: BlockPlan, block_nanos: u64) {
        if self.pool.is_none() || self.fixed {
            return;
        }
        self.phase = match self.phase {
            Phase::Measuring { done } => {
                if done >= WARM_BLOCKS {
                    self.take_costs();
                    self.serial_block = self.serial_block.min(block_nanos);
                }
                if done + 1 < MEASURE_BLOCKS {
                    Phase::Measuring { done: done + 1 }
                } else {
                    match self.plan() {
                        0 => self.settle(false, 0),
                        _ => Phase::Trying { done: 0 },
                    }
                }
            }
            Phase::Trying { done } => {
                self.planned_block = self.planned_block.min(block_nanos);
                if done + 1 < TRIAL_BLOCKS {
                    Phase::Trying { done: done + 1 }
                } else {
                    let faster = (self.planned_block as f64)
                        < self.serial_block as f64 * (1.0 - TRIAL_MARGIN);
                    let splits = self.split.iter().filter(|&&s| s).count();
                    self.settle(faster, splits)
                }
            }
            Phase::Settled { split_stages } => {
                if block.timed {
                    self.take_costs();
                }
                let review = &mut self.review;
                if block.probe {
                    review.probe_best = review.probe_best.min(block_nanos);
                    review.probes += 1;
                    // Far slower than the chosen way (split on a loaded
                    // machine, whose workers wait for a core): the other
                    // way is not close, so probe it rarely for now.
                    if block_nanos / 2 > review.chosen_best {
                        review.every = MAX_PROBE_EVERY;
                    }
                } else {
                    review.chosen_best = review.chosen_best.min(block_nanos);
                }
                review.block += 1;
                if review.probes >= PROBES_PER_REVIEW {
                    self.review_choice()
                } else {
                    Phase::Settled { split_stages }
                }
            }
        };
    }

    /// Settles on the split plan (`parallel`, `splits` stages) or one
    /// thread, and starts reviewing that choice.
    fn settle(&mut self, parallel: bool, splits: usize) -> Phase {
        self.parallel = parallel && splits > 0;
        self.review = Review::new(PROBE_EVERY);
        self.costs.fill(u64::MAX);
        Phase::Settled {
            split_stages: if self.parallel { splits } else { 0 },
        }
    }

    /// Ends a review: switches ways when the probes were clearly faster,
    /// packs the plan afresh from this review's unit times, and starts the
    /// next review (sooner after a switch, later when the choice held).
    fn review_choice(&mut self) -> Phase {
        let review = self.review;
        let had_other_way = self.parallel || self.split.iter().any(|&s| s);
        let switch = had_other_way
            && (review.probe_best as f64) < review.chosen_best as f64 * (1.0 - TRIAL_MARGIN);
        let parallel = self.parallel != switch;
        let every = if switch {
            PROBE_EVERY
        } else {
            (review.every * 2).min(MAX_PROBE_EVERY)
        };
        let splits = self.plan();
        let phase = self.settle(parallel, splits);
        self.review = Review::new(every);
        phase
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

impl<W: StageWork> Scheduler<W> {
    /// Runs one block, `end` taking its outputs.
    fn run_block(&mut self, inputs: &BlockInputs, end: impl FnOnce(&W)) {
        let started = Instant::now();
        let block = self.block_plan();
        self.shared.timing.store(block.timed, Ordering::Relaxed);
        self.shared.work.begin_block(inputs);
        self.run_stages(block.parallel);
        end(&self.shared.work);
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.learn(block, nanos);
    }
}

impl<W: StageWork> Engine for Scheduler<W> {
    fn process_block(&mut self, inputs: &BlockInputs, out: &mut OutputBuffers) {
        self.run_block(inputs, |work| work.end_block(inputs, out));
    }

    fn process_and_mix(
        &mut self,
        inputs: &BlockInputs,
        out: &mut OutputBuffers,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        self.run_block(inputs, |work| {
            work.end_block_mixed(inputs, out, left, right)
        });
    }

    fn reset(&mut self) {
        self.shared.work.reset();
    }
}

#[cfg(test)]
mod tests;
