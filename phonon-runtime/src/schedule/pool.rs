//! The persistent workers of a [`super::Scheduler`] and the state they share
//! with it. A worker spins on a generation counter while blocks are in
//! flight (a hand-off then costs a fraction of a microsecond), parks after
//! [`SPIN_FOR`] without work (a parked worker costs no CPU but about 51 µs to
//! wake), and runs the kernels of the posted stage that the plan gave it.
//!
//! No `unsafe`: every kernel sits in its own `Mutex`, taken by the one
//! thread that runs it (uncontended, so an atomic swap and no allocation);
//! a stage's kernels read earlier stages only by copying their buffers under
//! that kernel's lock; the block's inputs are a copy behind an `RwLock`
//! that the workers only read while the caller waits.

use phonon_ir::interpret::BlockInputs;
use phonon_ir::interpret_kernel::KernelInterpreter;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

/// How long an idle worker spins before it parks: longer than the gap
/// between back-to-back blocks, far shorter than a block's period.
pub const SPIN_FOR: Duration = Duration::from_micros(200);

/// Runs around each share of a stage a worker runs: for allocation checks
/// and profilers, which must be armed on the worker's own thread.
pub type WorkerHook = fn(&mut dyn FnMut());

/// One buffer a kernel copies from an earlier stage before it runs.
#[derive(Clone, Copy, Debug)]
pub(super) struct Import {
    pub source: usize,
    pub source_slot: usize,
    pub slot: usize,
}

/// Everything the caller and the workers share.
pub(super) struct Shared {
    /// In stage order: the kernels of stage `s` are `stages[s]`.
    pub kernels: Box<[Mutex<KernelInterpreter>]>,
    pub imports: Box<[Box<[Import]>]>,
    pub stages: Box<[Range<usize>]>,
    /// The current block's inputs, copied in by the caller.
    pub inputs: RwLock<BlockInputs>,
    /// Per kernel: the thread that runs it when its stage is split
    /// (0 is the caller).
    pub owner: Box<[AtomicUsize]>,
    /// Per kernel: nanoseconds its last run took, written while `timing`.
    pub kernel_nanos: Box<[AtomicU64]>,
    pub timing: AtomicBool,
    /// Bumped once per posted stage; workers run when it changes.
    generation: AtomicU64,
    stage: AtomicUsize,
    /// Workers finished with the posted stage.
    done: AtomicUsize,
    shutdown: AtomicBool,
    /// Per worker: whether it is parked (and needs an unpark).
    parked: Box<[AtomicBool]>,
    hook: WorkerHook,
}

impl Shared {
    pub fn new(
        kernels: Vec<KernelInterpreter>,
        imports: Vec<Box<[Import]>>,
        stages: Vec<Range<usize>>,
        inputs: BlockInputs,
        workers: usize,
        hook: WorkerHook,
    ) -> Shared {
        let count = kernels.len();
        Shared {
            kernels: kernels.into_iter().map(Mutex::new).collect(),
            imports: imports.into_boxed_slice(),
            stages: stages.into_boxed_slice(),
            inputs: RwLock::new(inputs),
            owner: (0..count).map(|_| AtomicUsize::new(0)).collect(),
            kernel_nanos: (0..count).map(|_| AtomicU64::new(0)).collect(),
            timing: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            stage: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
            parked: (0..workers).map(|_| AtomicBool::new(false)).collect(),
            hook,
        }
    }

    /// Runs kernel `k`: copies its imports, then computes it.
    pub fn run_kernel(&self, k: usize, inputs: &BlockInputs) {
        let frames = inputs.frames();
        let mut kernel = lock(&self.kernels[k]);
        for import in self.imports[k].iter() {
            let source = lock(&self.kernels[import.source]);
            let samples = source.buffer(import.source_slot, frames);
            let target = kernel.import_mut(import.slot);
            let len = samples.len().min(target.len());
            target[..len].copy_from_slice(&samples[..len]);
        }
        if self.timing.load(Ordering::Relaxed) {
            let started = Instant::now();
            kernel.process(inputs);
            let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.kernel_nanos[k].store(nanos, Ordering::Relaxed);
        } else {
            kernel.process(inputs);
        }
    }

    /// Runs the kernels of stage `stage` that the plan gives `thread`.
    pub fn run_share(&self, stage: usize, thread: usize, inputs: &BlockInputs) {
        let Some(range) = self.stages.get(stage) else {
            return;
        };
        for k in range.clone() {
            if self.owner[k].load(Ordering::Relaxed) == thread {
                self.run_kernel(k, inputs);
            }
        }
    }
}

/// Locks a kernel; a lock poisoned by a panicking worker still holds a
/// usable kernel (the worst case is one odd block).
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The worker threads of one scheduler.
pub(super) struct Pool {
    shared: Arc<Shared>,
    workers: Vec<(Thread, JoinHandle<()>)>,
}

impl Pool {
    /// Starts one worker per entry of `shared.parked`. A worker that cannot
    /// be spawned is an error: the caller falls back to fewer threads.
    pub fn start(shared: Arc<Shared>) -> std::io::Result<Pool> {
        let mut pool = Pool {
            workers: Vec::with_capacity(shared.parked.len()),
            shared,
        };
        for index in 0..pool.shared.parked.len() {
            let shared = Arc::clone(&pool.shared);
            let handle = thread::Builder::new()
                .name(format!("phonon-worker-{}", index + 1))
                .spawn(move || work(&shared, index))?;
            pool.workers.push((handle.thread().clone(), handle));
        }
        Ok(pool)
    }

    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Runs stage `stage` split across the caller (thread 0) and every
    /// worker, and returns once all are done. Allocates nothing.
    pub fn run_stage(&self, stage: usize, inputs: &BlockInputs) {
        let shared = &self.shared;
        shared.stage.store(stage, Ordering::Relaxed);
        shared.done.store(0, Ordering::Relaxed);
        shared.generation.fetch_add(1, Ordering::SeqCst);
        for (index, (thread, _)) in self.workers.iter().enumerate() {
            if shared.parked[index].load(Ordering::SeqCst) {
                thread.unpark();
            }
        }
        shared.run_share(stage, 0, inputs);
        let mut spins = 0u32;
        while shared.done.load(Ordering::Acquire) < self.workers.len() {
            spins = spins.saturating_add(1);
            if spins < 1 << 14 {
                std::hint::spin_loop();
            } else {
                // A worker lost its core: give it ours.
                thread::yield_now();
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        for (thread, handle) in self.workers.drain(..) {
            thread.unpark();
            // A worker that panicked outside a kernel has nothing to clean up.
            let _ = handle.join();
        }
    }
}

/// A worker's life: wait for a stage, run its share, report, repeat.
fn work(shared: &Shared, index: usize) {
    let thread = index + 1;
    // Not a fresh load: a stage posted before this thread got going must
    // still be seen as new. No stage is posted before the pool starts.
    let mut seen = 0;
    loop {
        let mut idle_since = Instant::now();
        let mut spins = 0u32;
        loop {
            let generation = shared.generation.load(Ordering::Acquire);
            if generation != seen {
                seen = generation;
                break;
            }
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(64) || idle_since.elapsed() < SPIN_FOR {
                std::hint::spin_loop();
                continue;
            }
            // Announce the park before the last look, so that a stage posted
            // in between either is seen here or unparks this thread.
            shared.parked[index].store(true, Ordering::SeqCst);
            if shared.generation.load(Ordering::SeqCst) == seen {
                thread::park();
            }
            shared.parked[index].store(false, Ordering::SeqCst);
            idle_since = Instant::now();
        }
        if shared.shutdown.load(Ordering::SeqCst) {
            return;
        }
        let stage = shared.stage.load(Ordering::Relaxed);
        // A panicking kernel must still report, or the caller would wait
        // forever; its block is lost, the audio goes on.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            let inputs = shared.inputs.read().unwrap_or_else(PoisonError::into_inner);
            (shared.hook)(&mut || shared.run_share(stage, thread, &inputs));
        }));
        shared.done.fetch_add(1, Ordering::Release);
    }
}
