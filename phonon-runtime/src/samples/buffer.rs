//! Decoded audio ready to play: [`SampleBuffer`], shared with the audio
//! thread through an `Arc` so that handing it over never copies or allocates.

use std::sync::Arc;

/// A decoded sample at a known rate: mono or stereo, `f32` in -1..1,
/// interleaved (`[l0, r0, l1, r1, ...]` for stereo). Files with more than two
/// channels keep their first two (front left and right).
#[derive(Debug, Clone, PartialEq)]
pub struct SampleBuffer {
    rate: u32,
    channels: u16,
    samples: Vec<f32>,
}

/// A buffer as the audio side holds it: shared, never copied.
pub type SharedSample = Arc<SampleBuffer>;

impl SampleBuffer {
    /// Wraps interleaved samples. `None` when `channels` is not 1 or 2, the
    /// rate is zero, or the length is not a whole number of frames.
    pub fn new(rate: u32, channels: u16, samples: Vec<f32>) -> Option<Self> {
        let whole_frames = samples.len().is_multiple_of(usize::from(channels.max(1)));
        ((1..=2).contains(&channels) && rate > 0 && whole_frames).then_some(SampleBuffer {
            rate,
            channels,
            samples,
        })
    }

    /// A buffer with no frames: what a missing or unreadable sample plays.
    pub fn silence(rate: u32) -> Self {
        SampleBuffer {
            rate: rate.max(1),
            channels: 1,
            samples: Vec::new(),
        }
    }

    /// Frames per second, in Hz.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// 1 (mono) or 2 (stereo).
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// The interleaved samples.
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// Number of frames (samples per channel).
    pub fn frame_count(&self) -> usize {
        self.samples.len() / usize::from(self.channels)
    }

    /// One frame: a slice of `channels()` samples, or `None` past the end.
    pub fn frame(&self, index: usize) -> Option<&[f32]> {
        let channels = usize::from(self.channels);
        self.samples
            .get(index * channels..index * channels + channels)
    }

    /// Length in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.frame_count() as f64 / f64::from(self.rate)
    }

    /// Whether the buffer has no frames.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}
