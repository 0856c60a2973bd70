//! Reference implementations of Phonon's core signal nodes: the test oracle
//! that JIT-compiled code is checked against. Not the fast path, and no events
//! (sample playback and synth voices live elsewhere).
//!
//! # Conventions shared by every node
//!
//! - **Numbers** are `f32`; the sample rate is given once to `new` and every
//!   buffer a node needs (delay lines, reverb combs) is allocated there.
//!   `process` never allocates.
//! - **Blocks**: `process` handles one block of any length (`out.len()`,
//!   normally at most 4096). `input` holds the signal input of a processor
//!   (see [`spec::NodeSpec::has_input`]); `params` holds one buffer per
//!   parameter, in the order of [`spec::NodeSpec::params`]. A parameter buffer
//!   of length 1 is a constant for the block; a shorter buffer holds its last
//!   value; a missing or empty one reads as the parameter's default (0 for a
//!   required parameter). A short `input` reads as silence past its end. None
//!   of this can panic.
//! - **Time**: every node counts the samples it has produced since `new` or
//!   `reset`. Anything that happens at control rate (see [`CONTROL_PERIOD`])
//!   is scheduled on that absolute counter, never on the block start, so
//!   processing in blocks of 512, of 1, or of odd sizes gives bit-identical
//!   output.
//! - **Non-finite containment**: a node that would output NaN or an infinity
//!   outputs 0 for that sample and resets its state, then carries on.
//!   Parameters that are NaN read as the lower end of their range.
//! - **Denormals**: recursive state is passed through [`flush_denormal`]
//!   after every update, which sets magnitudes below [`DENORMAL_FLOOR`]
//!   (about -300 dBFS) to exactly zero, so decaying tails reach 0 instead of
//!   crawling through subnormal numbers.
//! - **Determinism**: random nodes take a seed in `new`; `reset` rewinds to
//!   it, so `reset` followed by the same input reproduces the output exactly.

pub mod chorus;
pub mod compressor;
pub mod delay;
pub mod env;
pub mod master;
pub mod osc;
pub mod reverb;
pub mod shape;
pub mod spec;
pub mod svf;

use std::any::Any;

pub use spec::{lookup, Channels, NodeKind, NodeSpec, ParamSpec};

/// Samples between two control points. Nodes that recompute expensive
/// coefficients do so on the samples whose absolute index (counted from `new`
/// or `reset`) is a multiple of this, and interpolate in between.
pub const CONTROL_PERIOD: u64 = 32;

/// Recursive state below this magnitude is flushed to zero.
pub const DENORMAL_FLOOR: f32 = 1e-15;

/// Copies a node's running state into another node of its type: the hot
/// swap gives an unchanged node of an edited chain the state of the one it
/// replaces, while the old chain, fading out, keeps playing its own.
/// Every `Clone` node has it; a node holding buffers overrides
/// `Clone::clone_from` to copy into its own, so copying between two nodes
/// built at the same rate allocates nothing.
pub trait CopyState {
    fn as_any(&self) -> &dyn Any;
    /// Copies `other`'s state into this node when `other` is a node of the
    /// same type; returns whether it did.
    fn copy_state_from(&mut self, other: &dyn Any) -> bool;
}

impl<T: Clone + Any> CopyState for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn copy_state_from(&mut self, other: &dyn Any) -> bool {
        match other.downcast_ref::<T>() {
            Some(other) => {
                self.clone_from(other);
                true
            }
            None => false,
        }
    }
}

/// A node with one output channel, as the interpreter drives it.
///
/// Generators ignore `input`; stereo nodes (only [`master::Pan`] so far)
/// have their own `process` with two outputs and do not implement this.
pub trait MonoNode: Send + CopyState {
    /// Returns the node to the state `new` left it in.
    fn reset(&mut self);
    /// Renders one block into `out`; see the module docs for the buffers.
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]);
}

/// Builds the reference implementation of a mono node. `seed` feeds random
/// nodes (others ignore it). Returns `None` for stereo nodes.
pub fn build(kind: NodeKind, rate: f32, seed: u64) -> Option<Box<dyn MonoNode>> {
    use NodeKind as K;
    let node: Box<dyn MonoNode> = match kind {
        K::Sine => Box::new(osc::Sine::new(rate)),
        K::Saw => Box::new(osc::Saw::new(rate)),
        K::Square => Box::new(osc::Square::new(rate)),
        K::Tri => Box::new(osc::Tri::new(rate)),
        K::Pulse => Box::new(osc::Pulse::new(rate)),
        K::Noise => Box::new(osc::Noise::new(rate, seed)),
        K::Pink => Box::new(osc::Pink::new(rate, seed)),
        K::Lpf => Box::new(svf::Svf::new(rate, svf::FilterMode::Lowpass)),
        K::Hpf => Box::new(svf::Svf::new(rate, svf::FilterMode::Highpass)),
        K::Bpf => Box::new(svf::Svf::new(rate, svf::FilterMode::Bandpass)),
        K::Notch => Box::new(svf::Svf::new(rate, svf::FilterMode::Notch)),
        K::Rlpf => Box::new(svf::Svf::new(rate, svf::FilterMode::Lowpass)),
        K::Rhpf => Box::new(svf::Svf::new(rate, svf::FilterMode::Highpass)),
        K::Adsr => Box::new(env::Adsr::new(rate)),
        K::Ad => Box::new(env::Ad::new(rate)),
        K::Ar => Box::new(env::Ar::new(rate)),
        K::Line => Box::new(env::Line::new(rate)),
        K::Lag => Box::new(env::Lag::new(rate)),
        K::Mtof => Box::new(env::Mtof::new(rate)),
        K::Clip => Box::new(shape::Clip::new(rate)),
        K::Tanh => Box::new(shape::Tanh::new(rate)),
        K::Distortion => Box::new(shape::Distortion::new(rate)),
        K::Bitcrush => Box::new(shape::Bitcrush::new(rate)),
        K::Delay => Box::new(delay::Delay::new(rate)),
        K::Reverb => Box::new(reverb::Reverb::new(rate)),
        K::Chorus => Box::new(chorus::Chorus::new(rate)),
        K::Compressor => Box::new(compressor::Compressor::new(rate)),
        K::Gain => Box::new(master::Gain::new(rate)),
        K::Pan => return None,
    };
    Some(node)
}

/// Reads parameter `index` at sample `i` of the block, following the buffer
/// rules of the module docs; `default` stands in for a missing buffer.
#[inline]
pub fn param(params: &[&[f32]], index: usize, i: usize, default: f32) -> f32 {
    params
        .get(index)
        .and_then(|buf| buf.get(i).or(buf.last()))
        .copied()
        .unwrap_or(default)
}

/// Reads the signal input at sample `i`; silence past its end.
#[inline]
pub fn input_at(input: &[f32], i: usize) -> f32 {
    input.get(i).copied().unwrap_or(0.0)
}

/// Clamps to `lo..=hi`, reading NaN as `lo` (`f32::clamp` would keep NaN,
/// and would panic if a rate-derived `hi` fell below `lo`; here `lo` wins).
#[inline]
pub fn clamp_finite(x: f32, lo: f32, hi: f32) -> f32 {
    if x.is_nan() {
        lo
    } else {
        x.min(hi).max(lo)
    }
}

/// Sets magnitudes below [`DENORMAL_FLOOR`] to zero (see the module docs).
#[inline]
pub fn flush_denormal(x: f32) -> f32 {
    if x.abs() < DENORMAL_FLOOR {
        0.0
    } else {
        x
    }
}
