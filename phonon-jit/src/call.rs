//! The only module with `unsafe`: it turns finished machine code into a
//! callable function and calls it with raw pointers to caller-checked
//! buffers. Everything else in the crate builds that code or checks the
//! arguments; nothing here touches threads or devices.
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
use std::fmt;

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
