//! Audio output: the real-time side of `phonon run`. A [`BlockSource`] is
//! what an output pulls blocks from; [`ahead`] renders it on its own thread
//! into a queue of two blocks (so pattern queries never run on the audio
//! thread); [`null`] paces an output with a software clock,
//! [`device`] feeds a sound card through cpal, [`record`] taps what is played
//! into a WAV file, and [`stats`] counts load and underruns for the status
//! line. Nothing here knows about programs or files.
//!
//! **Invariant:** the audio thread (the cpal callback, or the null device's
//! pacing thread) never allocates, locks or blocks on anything but its own
//! pacing: buffers are allocated before it starts, and everything it shares
//! with other threads goes through atomics or lock-free ring buffers.

pub mod ahead;
pub mod device;
pub mod null;
pub mod record;
pub mod stats;

/// Something that renders audio one block at a time, on the audio thread:
/// interleaved frames of [`channels`](BlockSource::channels) samples (two
/// for the stereo master; two per output with `--outputs split`). A block is
/// never longer than the block size the output was opened with.
/// Implementations must not allocate, lock or block.
pub trait BlockSource: Send + 'static {
    /// Samples per frame; fixed for the source's life.
    fn channels(&self) -> usize;
    /// Fills `block` (a whole number of frames) with the next frames.
    fn render_block(&mut self, block: &mut [f32]);
}

/// The default block size in frames: 11.61 ms at 44.1 kHz, the real-time budget.
pub const DEFAULT_BLOCK_FRAMES: usize = 512;
/// The language's default rate: renders and the null device use it (a sound
/// card brings its own).
pub const DEFAULT_SAMPLE_RATE: u32 = 44_100;

impl<S: BlockSource + ?Sized> BlockSource for Box<S> {
    fn channels(&self) -> usize {
        (**self).channels()
    }

    fn render_block(&mut self, block: &mut [f32]) {
        (**self).render_block(block);
    }
}
