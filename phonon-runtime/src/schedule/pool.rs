//! The persistent workers of a [`super::Scheduler`] and the state they share
//! with it. A worker spins on a generation counter while blocks are in
//! flight (a hand-off then costs a fraction of a microsecond), parks after
//! [`SPIN_FOR`] without work (a parked worker costs no CPU but about 51 µs to
//! wake), and runs the units of the posted stage that the plan gave it.
//! What a unit is, and how threads share its memory, is the
//! [`StageWork`]'s business.

use super::StageWork;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

/// How long an idle worker spins before it parks: longer than the gap
/// between back-to-back blocks, far shorter than a block's period.
pub const SPIN_FOR: Duration = Duration::from_micros(200);

/// How many times the caller spins on the workers of a stage before it
/// yields its core instead: about 40 µs. On a loaded machine a worker may
/// be waiting for the very core the caller spins on; 16 times as many
/// spins made split blocks of chains16 twice as slow as one thread.
const CALLER_SPINS: u32 = 1 << 10;

/// Runs around each share of a stage a worker runs: for allocation checks
/// and profilers, which must be armed on the worker's own thread.
pub type WorkerHook = fn(&mut dyn FnMut());

/// The units of one stage that one thread runs, and where their times go.
#[derive(Debug)]
pub struct Share<'a> {
    units: Range<usize>,
    /// The thread whose units these are; `None` for all of them.
    thread: Option<usize>,
    owner: &'a [AtomicUsize],
    /// Per unit, where its time goes, when units are timed.
    nanos: Option<&'a [AtomicU64]>,
}

impl Share<'_> {
    /// Calls `run` with each unit of the share, in program order, timing
    /// each when asked to.
    pub fn run_each(&self, mut run: impl FnMut(usize)) {
        for unit in self.units.clone() {
            let mine = self
                .thread
                .is_none_or(|thread| self.owner[unit].load(Ordering::Relaxed) == thread);
            if !mine {
                continue;
            }
            match self.nanos {
                Some(nanos) => {
                    let started = Instant::now();
                    run(unit);
                    let elapsed = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    nanos[unit].store(elapsed, Ordering::Relaxed);
                }
                None => run(unit),
            }
        }
    }
}

/// Everything the caller and the workers share.
pub(super) struct Shared<W> {
    pub work: W,
    /// The units of stage `s` are `stages[s]`.
    pub stages: Box<[Range<usize>]>,
    /// Per unit: the thread that runs it when its stage is split
    /// (0 is the caller).
    pub owner: Box<[AtomicUsize]>,
    /// Per unit: nanoseconds its last run took, written while `timing`.
    pub unit_nanos: Box<[AtomicU64]>,
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

impl<W: StageWork> Shared<W> {
    pub fn new(work: W, stages: Vec<Range<usize>>, workers: usize, hook: WorkerHook) -> Shared<W> {
        let count = stages.iter().map(|range| range.end).max().unwrap_or(0);
        Shared {
            work,
            stages: stages.into_boxed_slice(),
            owner: (0..count).map(|_| AtomicUsize::new(0)).collect(),
            unit_nanos: (0..count).map(|_| AtomicU64::new(0)).collect(),
            timing: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            stage: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
            parked: (0..workers).map(|_| AtomicBool::new(false)).collect(),
            hook,
        }
    }

    /// Runs the units of stage `stage` that the plan gives `thread`, or all
    /// of them (`None`), on the calling thread.
    pub fn run_share(&self, stage: usize, thread: Option<usize>) {
        let Some(range) = self.stages.get(stage) else {
            return;
        };
        let share = Share {
            units: range.clone(),
            thread,
            owner: &self.owner,
            nanos: self
                .timing
                .load(Ordering::Relaxed)
                .then_some(&self.unit_nanos[..]),
        };
        self.work.run_share(stage, &share);
    }
}

/// Locks a unit; a lock poisoned by a panicking worker still holds a
/// usable unit (the worst case is one odd block).
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The worker threads of one scheduler.
pub(super) struct Pool<W: StageWork> {
    shared: Arc<Shared<W>>,
    workers: Vec<(Thread, JoinHandle<()>)>,
}

impl<W: StageWork> Pool<W> {
    /// Starts one worker per entry of `shared.parked`. A worker that cannot
    /// be spawned is an error: the caller falls back to fewer threads.
    pub fn start(shared: Arc<Shared<W>>) -> std::io::Result<Pool<W>> {
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
    pub fn run_stage(&self, stage: usize) {
        let shared = &self.shared;
        shared.stage.store(stage, Ordering::Relaxed);
        shared.done.store(0, Ordering::Relaxed);
        shared.generation.fetch_add(1, Ordering::SeqCst);
        for (index, (thread, _)) in self.workers.iter().enumerate() {
            if shared.parked[index].load(Ordering::SeqCst) {
                thread.unpark();
            }
        }
        shared.run_share(stage, Some(0));
        let mut spins = 0u32;
        while shared.done.load(Ordering::Acquire) < self.workers.len() {
            spins = spins.saturating_add(1);
            if spins < CALLER_SPINS {
                std::hint::spin_loop();
            } else {
                // A worker lost its core: give it ours.
                thread::yield_now();
            }
        }
    }
}

impl<W: StageWork> Drop for Pool<W> {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        for (thread, handle) in self.workers.drain(..) {
            thread.unpark();
            // A worker that panicked outside a unit has nothing to clean up.
            let _ = handle.join();
        }
    }
}

/// A worker's life: wait for a stage, run its share, report, repeat.
fn work<W: StageWork>(shared: &Shared<W>, index: usize) {
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
        // A panicking unit must still report, or the caller would wait
        // forever; its block is lost, the audio goes on.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            (shared.hook)(&mut || shared.run_share(stage, Some(thread)));
        }));
        shared.done.fetch_add(1, Ordering::Release);
    }
}
