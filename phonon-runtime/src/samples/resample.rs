//! Converts a [`SampleBuffer`] to another sample rate with rubato's FFT
//! resampler (band-limited, Blackman-Harris windowed; the rubato README's
//! choice for fixed-ratio, whole-file conversion). Runs off the audio thread.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use super::buffer::SampleBuffer;

/// Input frames per FFT chunk: a hint, rubato rounds it to fit the ratio.
const CHUNK_FRAMES: usize = 1024;

/// Why a conversion failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot resample {from} Hz to {to} Hz: {reason}")]
pub struct ResampleError {
    /// The buffer's rate, in Hz.
    pub from: u32,
    /// The requested rate, in Hz.
    pub to: u32,
    /// What rubato reported.
    pub reason: String,
}

/// Returns `buffer` at `to_rate`. The output has `ceil(frames * to / from)`
/// frames, aligned with the input (rubato trims its filter delay), so the
/// duration and the pitch are kept.
pub fn resample(buffer: &SampleBuffer, to_rate: u32) -> Result<SampleBuffer, ResampleError> {
    let from_rate = buffer.rate();
    let failure = |reason: String| ResampleError {
        from: from_rate,
        to: to_rate,
        reason,
    };
    if to_rate == 0 {
        return Err(failure("the target rate is zero".to_string()));
    }
    if from_rate == to_rate {
        return Ok(buffer.clone());
    }
    let channels = usize::from(buffer.channels());
    let frames = buffer.frame_count();
    if frames == 0 {
        return Ok(SampleBuffer::silence(to_rate));
    }
    let mut resampler = Fft::<f32>::new(
        from_rate as usize,
        to_rate as usize,
        CHUNK_FRAMES,
        channels,
        FixedSync::Input,
    )
    .map_err(|e| failure(e.to_string()))?;
    let input = InterleavedSlice::new(buffer.samples(), channels, frames)
        .map_err(|e| failure(e.to_string()))?;
    let output = resampler
        .process_all(&input, frames, None)
        .map_err(|e| failure(e.to_string()))?;
    // rubato sizes the output with a floating-point ceil that can overshoot
    // by one frame; the exact length is ceil(frames * to / from).
    let exact_frames = (frames as u64 * u64::from(to_rate)).div_ceil(u64::from(from_rate));
    let mut samples = output.take_data();
    samples.truncate(exact_frames as usize * channels);
    SampleBuffer::new(to_rate, buffer.channels(), samples)
        .ok_or_else(|| failure("the output is not a whole number of frames".to_string()))
}
