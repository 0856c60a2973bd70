//! The only module with `unsafe`: it turns finished machine code into a
//! callable function and calls it with raw pointers to caller-checked
//! buffers. Everything else in the crate builds that code or checks the
//! arguments; nothing here starts threads or touches devices.
//! [`StageRunner`] lets the caller's threads run different functions of one
//! program at once; its docs give the invariants that make that sound.
//!
//! # The ABI of a block function
//!
//! ```text
//! extern "C" fn(ctx: *const BlockCtx, state: *mut f32,
//!               inputs: *const *const f32, outputs: *const *mut f32)
//! ```
//!
//! - `ctx`: [`BlockCtx`] (`frames`, the block length, and `clock`, the
//!   absolute index of the block's first sample since `new`/`reset`).
//! - `state`: the kernel's state slots, `slot * width + lane` (so a packed
//!   slot is one contiguous `f32x4`), read at entry and written back at exit.
//! - `inputs`: one pointer per input slot and real lane, `slot * lanes +
//!   lane`, each to at least `frames` readable `f32`s.
//! - `outputs`: likewise, each to at least `frames` writable `f32`s.
//!
//! The function reads and writes nothing else: no globals, no calls.

use cranelift_jit::JITModule;
use cranelift_module::{FuncId, ModuleError};
use std::cell::UnsafeCell;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What a block function is told about the block.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockCtx {
    /// Samples to produce.
    pub frames: u64,
    /// The absolute index of the first sample (drives control-rate work).
    pub clock: u64,
}

/// Byte offsets of [`BlockCtx`]'s fields, as the generated code reads them.
pub const CTX_FRAMES_OFFSET: i32 = 0;
pub const CTX_CLOCK_OFFSET: i32 = 8;

type BlockFn = unsafe extern "C" fn(*const BlockCtx, *mut f32, *const *const f32, *const *mut f32);

/// How many state slots and buffers a block function expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub state_len: usize,
    pub inputs: usize,
    pub outputs: usize,
}

/// Why a call was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    StateLength { expected: usize, got: usize },
    InputCount { expected: usize, got: usize },
    OutputCount { expected: usize, got: usize },
    ShortBuffer { frames: usize, len: usize },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::StateLength { expected, got } => {
                write!(f, "state has {got} slots, the kernel needs {expected}")
            }
            CallError::InputCount { expected, got } => {
                write!(f, "{got} input buffers given, the kernel reads {expected}")
            }
            CallError::OutputCount { expected, got } => {
                write!(
                    f,
                    "{got} output buffers given, the kernel writes {expected}"
                )
            }
            CallError::ShortBuffer { frames, len } => {
                write!(
                    f,
                    "a buffer of {len} samples is shorter than the block of {frames}"
                )
            }
        }
    }
}

impl std::error::Error for CallError {}

/// A finished block function and the code memory it lives in (freed on
/// drop, which is why the function pointer never leaves this struct).
pub struct NativeCode {
    module: Option<JITModule>,
    entry: BlockFn,
    layout: Layout,
    /// Pointer tables, filled on each call; kept here so that a call does
    /// not allocate. Addresses, not pointers, so the struct stays `Send`.
    input_table: Vec<usize>,
    output_table: Vec<usize>,
}

impl fmt::Debug for NativeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeCode")
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

impl NativeCode {
    /// Finalises `module`, whose function `id` was defined with the block
    /// function signature and body that honours `layout` (see the module
    /// docs); `kernel::build_function` is the only producer.
    pub(crate) fn finish(
        mut module: JITModule,
        id: FuncId,
        layout: Layout,
    ) -> Result<NativeCode, Box<ModuleError>> {
        module.finalize_definitions().map_err(Box::new)?;
        let address = module.get_finalized_function(id);
        // SAFETY: `address` is the entry of function `id`, finalised (made
        // executable) just above, and compiled from a Cranelift signature of
        // four pointer-sized parameters, no returns, in the target's default
        // calling convention, which is the C convention `BlockFn` names. The
        // memory stays mapped until `Drop` frees it, and `entry` is private
        // to this struct, so the pointer cannot outlive the code.
        let entry = unsafe { std::mem::transmute::<*const u8, BlockFn>(address) };
        Ok(NativeCode {
            module: Some(module),
            entry,
            layout,
            input_table: vec![0; layout.inputs],
            output_table: vec![0; layout.outputs],
        })
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Runs one block of `frames` samples starting at absolute sample
    /// `clock`. Checks every length the code relies on and refuses the call
    /// otherwise; never allocates.
    pub fn run(
        &mut self,
        clock: u64,
        frames: usize,
        state: &mut [f32],
        inputs: &[&[f32]],
        outputs: &mut [&mut [f32]],
    ) -> Result<(), CallError> {
        let layout = self.layout;
        if state.len() != layout.state_len {
            return Err(CallError::StateLength {
                expected: layout.state_len,
                got: state.len(),
            });
        }
        if inputs.len() != layout.inputs {
            return Err(CallError::InputCount {
                expected: layout.inputs,
                got: inputs.len(),
            });
        }
        if outputs.len() != layout.outputs {
            return Err(CallError::OutputCount {
                expected: layout.outputs,
                got: outputs.len(),
            });
        }
        let short = inputs
            .iter()
            .map(|b| b.len())
            .chain(outputs.iter().map(|b| b.len()))
            .find(|&len| len < frames);
        if let Some(len) = short {
            return Err(CallError::ShortBuffer { frames, len });
        }
        for (slot, buffer) in self.input_table.iter_mut().zip(inputs) {
            *slot = buffer.as_ptr() as usize;
        }
        for (slot, buffer) in self.output_table.iter_mut().zip(outputs.iter_mut()) {
            *slot = buffer.as_mut_ptr() as usize;
        }
        let ctx = BlockCtx {
            frames: frames as u64,
            clock,
        };
        // SAFETY: the function's contract (module docs) needs a valid
        // `BlockCtx`, `layout.state_len` writable state slots, and tables of
        // `layout.inputs` / `layout.outputs` pointers to buffers of at least
        // `frames` samples; all were checked above, the tables hold the
        // addresses of the borrowed slices, and those borrows (shared for
        // inputs, exclusive for outputs and state) last for the whole call,
        // so nothing else reads or writes them meanwhile. An output may not
        // alias an input: the borrow checker forbids it for these slices.
        unsafe {
            (self.entry)(
                &ctx,
                state.as_mut_ptr(),
                self.input_table.as_ptr() as *const *const f32,
                self.output_table.as_ptr() as *const *mut f32,
            );
        }
        Ok(())
    }
}

impl NativeCode {
    /// Runs one block whose buffers all live in one `arena`: input and
    /// output slot `j` start at `inputs[j]` / `outputs[j]` (in samples).
    /// Checks that every buffer lies inside the arena; never allocates.
    /// Buffers may overlap (the code reads and writes through raw pointers
    /// derived from the one exclusive borrow of `arena`).
    pub fn run_in_arena(
        &mut self,
        clock: u64,
        frames: usize,
        state: &mut [f32],
        arena: &mut [f32],
        inputs: &[usize],
        outputs: &[usize],
    ) -> Result<(), CallError> {
        let layout = self.layout;
        if state.len() != layout.state_len {
            return Err(CallError::StateLength {
                expected: layout.state_len,
                got: state.len(),
            });
        }
        if inputs.len() != layout.inputs {
            return Err(CallError::InputCount {
                expected: layout.inputs,
                got: inputs.len(),
            });
        }
        if outputs.len() != layout.outputs {
            return Err(CallError::OutputCount {
                expected: layout.outputs,
                got: outputs.len(),
            });
        }
        let fits = |start: usize| {
            start
                .checked_add(frames)
                .is_some_and(|end| end <= arena.len())
        };
        if let Some(&start) = inputs.iter().chain(outputs).find(|&&start| !fits(start)) {
            return Err(CallError::ShortBuffer {
                frames,
                len: arena.len().saturating_sub(start),
            });
        }
        let base = arena.as_mut_ptr();
        for (slot, &start) in self.input_table.iter_mut().zip(inputs) {
            *slot = base.wrapping_add(start) as usize;
        }
        for (slot, &start) in self.output_table.iter_mut().zip(outputs) {
            *slot = base.wrapping_add(start) as usize;
        }
        let ctx = BlockCtx {
            frames: frames as u64,
            clock,
        };
        // SAFETY: as in `run`, with every buffer checked to lie inside
        // `arena` (start + frames <= len), whose exclusive borrow lasts for
        // the call; all table pointers derive from that one borrow, so
        // overlapping reads and writes through them are plain memory
        // accesses with no Rust reference alive to alias.
        unsafe {
            (self.entry)(
                &ctx,
                state.as_mut_ptr(),
                self.input_table.as_ptr() as *const *const f32,
                self.output_table.as_ptr() as *const *mut f32,
            );
        }
        Ok(())
    }
}

impl Drop for NativeCode {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the only pointer into this module's code is `entry`,
            // which is private, never copied out, and dies with `self`; no
            // call can be running, since `run` borrows `self` mutably.
            unsafe { module.free_memory() };
        }
    }
}

/// One function of a [`StageRunner`]: its code, its own state, and where
/// its buffers lie in the runner's shared arena (in samples).
#[derive(Debug)]
pub struct StagedFunction {
    pub code: NativeCode,
    pub state: Vec<f32>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    /// The stage it belongs to: it runs only while that stage is open.
    pub stage: usize,
}

/// Why a [`StageRunner`] refused its functions or a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    #[error("function {function}: {error}")]
    Layout { function: usize, error: CallError },
    #[error("function {function} has a buffer outside the arena")]
    OutsideArena { function: usize },
    #[error("functions {writer} and {other} of one stage share a buffer that {writer} writes")]
    Overlap { writer: usize, other: usize },
    #[error("function {0} does not exist")]
    NoFunction(usize),
    #[error("function {function} belongs to another stage than the open one")]
    WrongStage { function: usize },
    #[error("function {0} is already running")]
    Busy(usize),
    #[error("a block of {frames} samples is longer than the buffers ({max_frames})")]
    LongBlock { frames: usize, max_frames: usize },
}

/// What a function slot holds besides the parts only its runner touches.
#[repr(align(64))]
struct FunctionSlot {
    /// Set while one thread runs the function: the claim that makes its
    /// code tables and state exclusive. Padded to a cache line so that
    /// threads claiming neighbouring functions do not contend.
    busy: AtomicBool,
    stage: usize,
    inputs: Box<[usize]>,
    outputs: Box<[usize]>,
    /// Touched only by the claim holder or by the one [`HostAccess`].
    exclusive: UnsafeCell<(NativeCode, Vec<f32>)>,
}

/// The gate's stage field while the host (not a stage) holds the memory.
const HOST: u64 = u32::MAX as u64;

/// The functions of a staged program, runnable from several threads at
/// once, the functions of one stage side by side; stage order and the
/// block's inputs and outputs are the caller's.
///
/// # Why concurrent calls are sound
///
/// All memory lives in one arena of buffers and in each function's own
/// state. Three invariants keep threads apart:
///
/// 1. **Disjoint writes within a stage** (checked by [`StageRunner::new`]):
///    a buffer a function writes is neither read nor written by any other
///    function of its stage, and every buffer lies inside the arena, at
///    least `max_frames` long.
/// 2. **One open stage** (the gate, one atomic word: the open stage and how
///    many [`StageTicket`]s hold it): functions run only through a ticket,
///    and only functions of the ticket's stage; the stage changes only when
///    no ticket is held, so functions of different stages never overlap.
///    Reads of a buffer an earlier stage wrote are ordered after those
///    writes by the gate (release on leaving, acquire on entering).
/// 3. **One runner per function**: a function's code (with its pointer
///    tables) and state are touched only by the thread that claimed it
///    (an atomic flag per function, acquire/release).
///
/// The host (the engine filling inputs and reading outputs, or resetting)
/// gets the whole memory through [`StageRunner::host`], which holds the
/// gate alone, so no function runs meanwhile.
pub struct StageRunner {
    functions: Box<[FunctionSlot]>,
    /// Block buffers; written through raw pointers under the invariants.
    arena: Box<[UnsafeCell<f32>]>,
    max_frames: usize,
    /// `open stage << 32 | tickets held`.
    gate: AtomicU64,
}

// SAFETY: the interior mutability of `StageRunner` (function slots and
// arena) is only reached under the invariants in its docs: a function's
// code and state by the one thread holding its `busy` claim, buffers a
// function writes by that thread alone within an open stage whose other
// functions do not touch them, and everything by the one `HostAccess` while
// the gate shuts out every stage. `NativeCode` is `Send`, and the generated
// code touches nothing but the memory it is handed (module docs).
unsafe impl Sync for StageRunner {}

impl fmt::Debug for StageRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StageRunner")
            .field("functions", &self.functions.len())
            .field("arena", &self.arena.len())
            .field("max_frames", &self.max_frames)
            .finish_non_exhaustive()
    }
}

impl StageRunner {
    /// Takes `functions` over with a zeroed arena of `arena_len` samples and
    /// blocks of up to `max_frames`; refuses functions that break the first
    /// invariant or their code's layout.
    pub fn new(
        functions: Vec<StagedFunction>,
        arena_len: usize,
        max_frames: usize,
    ) -> Result<StageRunner, StageError> {
        let fits = |start: usize| {
            start
                .checked_add(max_frames)
                .is_some_and(|end| end <= arena_len)
        };
        for (index, function) in functions.iter().enumerate() {
            let layout = function.code.layout;
            let mismatch = if function.state.len() != layout.state_len {
                Some(CallError::StateLength {
                    expected: layout.state_len,
                    got: function.state.len(),
                })
            } else if function.inputs.len() != layout.inputs {
                Some(CallError::InputCount {
                    expected: layout.inputs,
                    got: function.inputs.len(),
                })
            } else if function.outputs.len() != layout.outputs {
                Some(CallError::OutputCount {
                    expected: layout.outputs,
                    got: function.outputs.len(),
                })
            } else {
                None
            };
            if let Some(error) = mismatch {
                return Err(StageError::Layout {
                    function: index,
                    error,
                });
            }
            if !function
                .inputs
                .iter()
                .chain(&function.outputs)
                .all(|&s| fits(s))
            {
                return Err(StageError::OutsideArena { function: index });
            }
        }
        let overlaps = |a: usize, b: usize| a < b + max_frames && b < a + max_frames;
        for (w, writer) in functions.iter().enumerate() {
            for (o, other) in functions.iter().enumerate() {
                if w == o || writer.stage != other.stage {
                    continue;
                }
                let touched = other.inputs.iter().chain(&other.outputs);
                let shared = touched
                    .clone()
                    .any(|&b| writer.outputs.iter().any(|&a| overlaps(a, b)));
                if shared {
                    return Err(StageError::Overlap {
                        writer: w,
                        other: o,
                    });
                }
            }
        }
        Ok(StageRunner {
            functions: functions
                .into_iter()
                .map(|f| FunctionSlot {
                    busy: AtomicBool::new(false),
                    stage: f.stage,
                    inputs: f.inputs.into_boxed_slice(),
                    outputs: f.outputs.into_boxed_slice(),
                    exclusive: UnsafeCell::new((f.code, f.state)),
                })
                .collect(),
            arena: (0..arena_len).map(|_| UnsafeCell::new(0.0)).collect(),
            max_frames,
            gate: AtomicU64::new(HOST << 32),
        })
    }

    pub fn functions(&self) -> usize {
        self.functions.len()
    }

    /// The stage of function `function`.
    pub fn stage_of(&self, function: usize) -> Option<usize> {
        self.functions.get(function).map(|f| f.stage)
    }

    pub fn max_frames(&self) -> usize {
        self.max_frames
    }

    /// Joins stage `stage`, opening it if no ticket is held; `None` while
    /// another stage is open or the host holds the memory.
    pub fn enter(&self, stage: usize) -> Option<StageTicket<'_>> {
        let stage_field = u64::try_from(stage).ok().filter(|&s| s < HOST)?;
        let mut gate = self.gate.load(Ordering::Relaxed);
        loop {
            let (open, held) = (gate >> 32, gate & u64::from(u32::MAX));
            let next = if open == stage_field && held < u64::from(u32::MAX) {
                gate + 1
            } else if held == 0 {
                stage_field << 32 | 1
            } else {
                return None;
            };
            match self
                .gate
                .compare_exchange_weak(gate, next, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => {
                    return Some(StageTicket {
                        runner: self,
                        stage,
                    })
                }
                Err(now) => gate = now,
            }
        }
    }

    /// The whole memory for the caller alone (filling inputs, reading
    /// outputs, resetting); `None` while any stage ticket is held.
    pub fn host(&self) -> Option<HostAccess<'_>> {
        let mut gate = self.gate.load(Ordering::Relaxed);
        loop {
            if gate & u64::from(u32::MAX) != 0 {
                return None;
            }
            match self.gate.compare_exchange_weak(
                gate,
                HOST << 32 | 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => gate = now,
            }
        }
        // SAFETY: the gate now says "host, one holder", so no ticket exists
        // and none can be made (`enter` refuses while it is held), hence no
        // function runs and no claim is held (claims live inside `run`,
        // under a ticket); nothing else reaches the arena. `UnsafeCell<f32>`
        // has the layout of `f32`, and the pointer comes from the whole
        // boxed slice, so it covers all `len` samples. The slice lives as
        // long as the `HostAccess`, whose drop reopens the gate.
        let arena = unsafe {
            std::slice::from_raw_parts_mut(
                UnsafeCell::raw_get(self.arena.as_ptr()),
                self.arena.len(),
            )
        };
        Some(HostAccess {
            runner: self,
            arena,
        })
    }
}

/// A hold on one open stage; see [`StageRunner`]. Dropping it leaves the
/// stage.
#[derive(Debug)]
pub struct StageTicket<'a> {
    runner: &'a StageRunner,
    stage: usize,
}

impl StageTicket<'_> {
    /// Runs function `function` (of this ticket's stage) for one block of
    /// `frames` samples starting at absolute sample `clock`. Never
    /// allocates; refuses a function of another stage, one another thread
    /// is running, and a block longer than the buffers.
    pub fn run(&self, function: usize, clock: u64, frames: usize) -> Result<(), StageError> {
        let runner = self.runner;
        let slot = runner
            .functions
            .get(function)
            .ok_or(StageError::NoFunction(function))?;
        if slot.stage != self.stage {
            return Err(StageError::WrongStage { function });
        }
        if frames > runner.max_frames {
            return Err(StageError::LongBlock {
                frames,
                max_frames: runner.max_frames,
            });
        }
        if slot.busy.swap(true, Ordering::Acquire) {
            return Err(StageError::Busy(function));
        }
        // SAFETY: the claim just taken (`busy` was false) makes this thread
        // the only one touching the slot's code and state until it is
        // released below (invariant 3); the host cannot hold the memory
        // while this ticket exists.
        let (code, state) = unsafe { &mut *slot.exclusive.get() };
        let base = UnsafeCell::raw_get(runner.arena.as_ptr());
        for (entry, &start) in code.input_table.iter_mut().zip(slot.inputs.iter()) {
            *entry = base.wrapping_add(start) as usize;
        }
        for (entry, &start) in code.output_table.iter_mut().zip(slot.outputs.iter()) {
            *entry = base.wrapping_add(start) as usize;
        }
        let ctx = BlockCtx {
            frames: frames as u64,
            clock,
        };
        // SAFETY: the layout was checked by `StageRunner::new` (state
        // length, buffer counts) and every buffer holds `max_frames >=
        // frames` samples inside the arena, so the function's contract
        // (module docs) holds. The buffers it writes are touched by no other
        // function of this stage, and no function of another stage runs
        // while this ticket is held (invariants 1 and 2); the buffers it only
        // reads are written by no one during the stage. No Rust reference to
        // the arena exists meanwhile (only `HostAccess` makes one, and it
        // cannot coexist with a ticket), so the raw accesses alias nothing.
        unsafe {
            (code.entry)(
                &ctx,
                state.as_mut_ptr(),
                code.input_table.as_ptr() as *const *const f32,
                code.output_table.as_ptr() as *const *mut f32,
            );
        }
        slot.busy.store(false, Ordering::Release);
        Ok(())
    }

    pub fn stage(&self) -> usize {
        self.stage
    }
}

impl Drop for StageTicket<'_> {
    fn drop(&mut self) {
        self.runner.gate.fetch_sub(1, Ordering::Release);
    }
}

/// The caller's exclusive hold on a [`StageRunner`]'s memory: every
/// buffer and every state, while no function runs.
pub struct HostAccess<'a> {
    runner: &'a StageRunner,
    arena: &'a mut [f32],
}

impl HostAccess<'_> {
    /// The `max_frames` samples starting at arena offset `start`.
    pub fn buffer(&self, start: usize) -> Option<&[f32]> {
        self.arena
            .get(start..start.checked_add(self.runner.max_frames)?)
    }

    pub fn buffer_mut(&mut self, start: usize) -> Option<&mut [f32]> {
        let end = start.checked_add(self.runner.max_frames)?;
        self.arena.get_mut(start..end)
    }

    /// Every sample of the arena.
    pub fn arena_mut(&mut self) -> &mut [f32] {
        self.arena
    }

    /// Function `function`'s state.
    pub fn state_mut(&mut self, function: usize) -> Option<&mut [f32]> {
        let slot = self.runner.functions.get(function)?;
        // SAFETY: the host holds the gate alone, so no function runs and no
        // claim is held (see `StageRunner::host`); `&mut self` keeps this
        // borrow the only one into the slot for its lifetime.
        let (_, state) = unsafe { &mut *slot.exclusive.get() };
        Some(state)
    }
}

impl Drop for HostAccess<'_> {
    fn drop(&mut self) {
        self.runner.gate.store(HOST << 32, Ordering::Release);
    }
}
