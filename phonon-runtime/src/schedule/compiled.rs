//! The scheduler's work for native code: one unit per compiled function
//! (one kernel, or a packed group of isomorphic ones) of a
//! [`StagedFunctions`]. The functions of a stage run on any threads at once
//! through a stage ticket; the block's inputs go in and its outputs come out
//! through the program's host access, on the caller's thread, while no
//! stage is open. `phonon-jit` checks the memory layout that makes this
//! sound; this module holds no `unsafe`.

use super::pool::Share;
use super::StageWork;
use crate::engine::{mix_outputs, sum_channels};
use crate::jit_engine::{copy_into, wiring, OutputSource, Source};
use phonon_ir::graph::{KernelId, NodeId, OutputId, StagedProgram};
use phonon_ir::interpret::{BlockInputs, OutputBuffers};
use phonon_jit::{JitError, JitModule, JitProgram, KernelOptions, StagedFunctions};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// A compiled program as the scheduler takes it: the work, the functions of
/// each stage, and each function's kernels.
type Parts = (Compiled, Vec<Range<usize>>, Vec<Vec<KernelId>>);

/// A staged program's compiled functions as the scheduler's units.
#[derive(Debug)]
pub struct Compiled {
    program: StagedFunctions,
    sources: Vec<(NodeId, Source)>,
    /// Each output's left and right channel.
    outputs: Vec<(OutputSource, OutputSource)>,
    /// Each output's left and right node when every channel is compiled
    /// (the usual case), so the mix reads the program's buffers directly.
    compiled_outputs: Option<Vec<(NodeId, NodeId)>>,
    /// The absolute index of the block's first sample.
    clock: AtomicU64,
    frames: AtomicUsize,
    /// Set when a function refused to run this block: its outputs are
    /// silenced rather than stale.
    failed: AtomicBool,
    /// Per source, the constant its buffer holds from the previous block
    /// (see [`constant_key`]), or [`NOT_CONSTANT`]: a control that still
    /// holds that value is not copied again.
    filled_constants: Vec<AtomicU64>,
}

/// A [`Compiled::filled_constants`] entry for a buffer not known to hold
/// one value (no real key: it would need a block of `u32::MAX` samples).
const NOT_CONSTANT: u64 = u64::MAX;

/// The key of a buffer whose first `frames` samples hold `value`.
fn constant_key(value: f32, frames: usize) -> u64 {
    (u64::from(value.to_bits()) << 32) | (frames as u64 & 0xffff_ffff)
}

impl Compiled {
    /// Compiles `staged` as [`crate::jit_engine::JitEngine`] does; returns the
    /// work, the units of each stage, and each unit's kernels.
    pub(super) fn new(
        staged: &StagedProgram,
        rate: u32,
        max_block: usize,
    ) -> Result<Parts, JitError> {
        let jit = JitModule::host()?;
        let options = KernelOptions { rate: rate as f32 };
        let program = JitProgram::compile(&jit, staged, options, true, max_block)?.into_staged()?;
        let (sources, outputs) = wiring(staged, program.external_inputs());
        let compiled_outputs = outputs
            .iter()
            .map(|channels| match *channels {
                (OutputSource::Compiled(left), OutputSource::Compiled(right)) => {
                    Some((left, right))
                }
                _ => None,
            })
            .collect();
        let stages = program.stages().to_vec();
        let unit_kernels = program
            .groups()
            .iter()
            .map(|groups| {
                groups
                    .iter()
                    .flat_map(|g| g.kernels.iter().copied())
                    .collect()
            })
            .collect();
        let filled_constants = sources
            .iter()
            .map(|_| AtomicU64::new(NOT_CONSTANT))
            .collect();
        let work = Compiled {
            program,
            filled_constants,
            sources,
            outputs,
            compiled_outputs,
            clock: AtomicU64::new(0),
            frames: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
        };
        Ok((work, stages, unit_kernels))
    }

    /// Hot swap while `old` may play on: continues `old`'s sample clock
    /// (so control-rate work falls where it did) and copies the state of
    /// each pair's node; see [`super::Scheduler::copy_state`].
    pub(super) fn copy_state(&self, old: &Compiled, pairs: &[(NodeId, NodeId)]) {
        self.clock
            .store(old.clock.load(Ordering::Relaxed), Ordering::Relaxed);
        let (Some(mut host), Some(mut old_host)) = (self.program.host(), old.program.host()) else {
            return;
        };
        for &(here, there) in pairs {
            host.copy_node_state(here, &mut old_host, there);
        }
    }

    /// Which kernels were packed into which functions.
    pub fn packing_summary(&self) -> &str {
        self.program.packing_summary()
    }

    /// Time spent in Cranelift.
    pub fn compile_time(&self) -> Duration {
        self.program.compile_time()
    }
}

impl StageWork for Compiled {
    fn begin_block(&self, inputs: &BlockInputs) {
        let frames = inputs.frames().min(self.program.max_frames());
        self.frames.store(frames, Ordering::Relaxed);
        self.failed.store(false, Ordering::Relaxed);
        let Some(mut host) = self.program.host() else {
            self.failed.store(true, Ordering::Relaxed);
            return;
        };
        for (&(node, source), filled) in self.sources.iter().zip(&self.filled_constants) {
            let Some(buffer) = host.buffer_mut(node) else {
                continue;
            };
            // Controls mostly hold one value for many blocks: refill only
            // when the value (or the block length) changes.
            let constant = match source {
                Source::Control(p) => inputs.control_constant(p),
                _ => None,
            };
            let key = constant.map_or(NOT_CONSTANT, |value| constant_key(value, frames));
            if key == NOT_CONSTANT || filled.load(Ordering::Relaxed) != key {
                source.fill(&mut buffer[..frames], inputs);
            }
            filled.store(key, Ordering::Relaxed);
        }
    }

    fn run_share(&self, stage: usize, share: &Share<'_>) {
        // The caller opened no stage yet or holds the memory: only a broken
        // hand-off gets here, and the block is silenced.
        let Some(ticket) = self.program.enter(stage) else {
            self.failed.store(true, Ordering::Relaxed);
            return;
        };
        let clock = self.clock.load(Ordering::Relaxed);
        let frames = self.frames.load(Ordering::Relaxed);
        share.run_each(|function| {
            if ticket.run(function, clock, frames).is_err() {
                self.failed.store(true, Ordering::Relaxed);
            }
        });
    }

    fn end_block(&self, inputs: &BlockInputs, out: &mut OutputBuffers) {
        let frames = self.frames.load(Ordering::Relaxed);
        self.clock.fetch_add(frames as u64, Ordering::Relaxed);
        let host = self.program.host();
        let ran = host.is_some() && !self.failed.load(Ordering::Relaxed);
        out.set_frames(frames);
        for (index, &(left, right)) in self.outputs.iter().enumerate() {
            let (out_left, out_right) = out.output_mut(OutputId::new(index));
            for (target, channel) in [(out_left, left), (out_right, right)] {
                match channel {
                    OutputSource::Direct(source) => source.fill(target, inputs),
                    OutputSource::Compiled(node) => {
                        match host.as_ref().filter(|_| ran).and_then(|h| h.buffer(node)) {
                            Some(buffer) => copy_into(target, &buffer[..frames]),
                            None => target.fill(0.0),
                        }
                    }
                }
            }
        }
    }

    fn end_block_mixed(
        &self,
        inputs: &BlockInputs,
        out: &mut OutputBuffers,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let host = self.program.host();
        let (Some(host), Some(nodes)) = (host, &self.compiled_outputs) else {
            self.end_block(inputs, out);
            return mix_outputs(out, left, right);
        };
        let frames = self.frames.load(Ordering::Relaxed);
        self.clock.fetch_add(frames as u64, Ordering::Relaxed);
        // A function that refused to run leaves every output silent, as
        // `end_block` does; a missing buffer is silent too.
        let ran = !self.failed.load(Ordering::Relaxed);
        let channel = |node: NodeId| match host.buffer(node).filter(|_| ran) {
            Some(buffer) => &buffer[..frames.min(buffer.len())],
            None => &[],
        };
        sum_channels(left, nodes.iter().map(|&(node, _)| channel(node)));
        // Where every output is mono (one buffer for both channels) the
        // right sum is the left one, bit for bit.
        let mono = nodes
            .iter()
            .all(|(left_node, right_node)| left_node == right_node);
        if mono && left.len() == right.len() {
            right.copy_from_slice(left);
        } else {
            sum_channels(right, nodes.iter().map(|&(_, node)| channel(node)));
        }
    }

    fn reset(&self) {
        if let Some(mut host) = self.program.host() {
            host.reset();
        }
        for filled in &self.filled_constants {
            filled.store(NOT_CONSTANT, Ordering::Relaxed);
        }
        self.clock.store(0, Ordering::Relaxed);
    }
}
