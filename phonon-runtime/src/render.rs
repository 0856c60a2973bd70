//! Offline rendering: a program to a WAV file (a stereo mix, or a channel
//! pair per output), as fast as the engine goes, with the length counted
//! exactly on the sample clock. Not playback
//! (the audio driver's) and no printing (the CLI reports the summary).

use crate::clock::SampleClock;
use crate::engine::{Engine, Renderer, VoiceSource};
use crate::wav::{WavFileWriter, WavFormat};
use phonon_ir::dsp::master::Limiter;
use phonon_ir::graph::{OutputId, StagedProgram};
use phonon_ir::pattern::Fraction;
use std::path::Path;
use std::time::Instant;

/// How much to render.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Length {
    /// Seconds, rounded to the nearest sample.
    Seconds(f64),
    /// Cycles at the program's tempo, rounded up to a whole sample.
    Cycles(Fraction),
}

impl Length {
    /// The number of frames this length is at `clock`'s rate and tempo. A
    /// negative or non-finite number of seconds is 0 frames.
    pub fn frames(self, clock: &SampleClock) -> u64 {
        match self {
            Length::Seconds(seconds) => {
                let frames = (seconds * f64::from(clock.rate)).round();
                if frames.is_finite() && frames > 0.0 {
                    frames as u64
                } else {
                    0
                }
            }
            Length::Cycles(cycles) => clock.samples_in_cycles(cycles),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RenderOptions {
    pub length: Length,
    /// Sample rate, Hz.
    pub rate: u32,
    pub format: WavFormat,
    /// Samples per engine block.
    pub block: usize,
    pub outputs: OutputRouting,
}

/// Where a render's outputs go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputRouting {
    /// Every output summed into one stereo master, limited.
    Mix,
    /// Output N on channels 2N-1 and 2N (`out` with `o1`), each pair limited
    /// on its own: a multichannel file for mixing elsewhere.
    Split,
}

impl Default for RenderOptions {
    /// The documented defaults: 8 cycles, 44.1 kHz, 16-bit, 512-sample blocks.
    fn default() -> RenderOptions {
        RenderOptions {
            length: Length::Cycles(Fraction::from_int(8)),
            rate: crate::audio::DEFAULT_SAMPLE_RATE,
            format: WavFormat::Pcm16,
            block: 512,
            outputs: OutputRouting::Mix,
        }
    }
}

/// What a render did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RenderSummary {
    /// Frames written.
    pub frames: u64,
    /// Channels in the file: 2, or 2 per channel pair when split.
    pub channels: usize,
    /// Length of the audio.
    pub seconds: f64,
    /// The highest sample magnitude on any channel, in dB relative to
    /// full scale (negative infinity for silence).
    pub peak_dbfs: f64,
    /// Samples the master limiter reduced.
    pub limited_samples: u64,
    /// Time the render took.
    pub wall_seconds: f64,
    /// Seconds of audio per second of rendering.
    pub realtime_factor: f64,
}

/// Renders `program` on the reference interpreter (event patterns silent:
/// no voice source is attached) to a WAV file at `path`. `progress` is
/// called after every block with the frames done and the total.
pub fn render_to_wav(
    program: StagedProgram,
    path: &Path,
    options: &RenderOptions,
    progress: impl FnMut(u64, u64),
) -> hound::Result<RenderSummary> {
    let mut renderer = Renderer::interpreted(program, options.rate, options.block);
    render_with(&mut renderer, path, options, progress)
}

/// Renders from `renderer`'s current position onward: any engine, any
/// voice source. The renderer must have been built for `options.rate` and
/// blocks of at least `options.block` samples.
pub fn render_with<E: Engine, V: VoiceSource>(
    renderer: &mut Renderer<E, V>,
    path: &Path,
    options: &RenderOptions,
    mut progress: impl FnMut(u64, u64),
) -> hound::Result<RenderSummary> {
    let started = Instant::now();
    let total = options.length.frames(renderer.clock());
    let limited_before = renderer.limited_samples();
    let block = options.block.max(1);
    let pairs = match options.outputs {
        OutputRouting::Mix => 1,
        OutputRouting::Split => channel_pairs(renderer.program()),
    };
    let channel_count = u16::try_from(2 * pairs).map_err(|_| hound::Error::Unsupported)?;
    let mut writer = WavFileWriter::create(path, options.rate, options.format, channel_count)?;
    let mut channels = vec![vec![0.0f32; block]; 2 * pairs];
    let mut limiters: Vec<Limiter> = (0..pairs)
        .map(|_| Limiter::new(options.rate as f32))
        .collect();
    let mut split_limited = 0u64;
    let mut peak = 0.0f32;
    let mut done = 0u64;
    while done < total {
        let len = usize::try_from(total - done).map_or(block, |rest| rest.min(block));
        match options.outputs {
            OutputRouting::Mix => {
                let (left, right) = channels.split_at_mut(1);
                renderer.render_block(&mut left[0][..len], &mut right[0][..len]);
            }
            OutputRouting::Split => {
                split_limited += render_split(renderer, len, &mut channels, &mut limiters);
            }
        }
        peak = channels
            .iter()
            .flat_map(|c| &c[..len])
            .fold(peak, |p, x| p.max(x.abs()));
        writer.write_channels(&channels, len)?;
        done += len as u64;
        progress(done, total);
    }
    writer.finish()?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let seconds = total as f64 / f64::from(options.rate.max(1));
    Ok(RenderSummary {
        frames: total,
        channels: 2 * pairs,
        seconds,
        peak_dbfs: 20.0 * f64::from(peak).log10(),
        limited_samples: renderer.limited_samples() - limited_before + split_limited,
        wall_seconds,
        realtime_factor: if wall_seconds > 0.0 {
            seconds / wall_seconds
        } else {
            f64::INFINITY
        },
    })
}

/// How many channel pairs splitting `program`'s outputs takes: up to the
/// highest-numbered output's pair.
pub fn channel_pairs(program: &StagedProgram) -> usize {
    program
        .graph
        .outputs
        .iter()
        .map(|o| o.channel_pair().saturating_add(1))
        .max()
        .unwrap_or(1)
}

/// Renders `len` frames with every output on its own channel pair (outputs
/// sharing a pair, `out` and `o1`, are summed), each pair limited; returns
/// how many samples the limiters reduced.
fn render_split<E: Engine, V: VoiceSource>(
    renderer: &mut Renderer<E, V>,
    len: usize,
    channels: &mut [Vec<f32>],
    limiters: &mut [Limiter],
) -> u64 {
    for channel in channels.iter_mut() {
        channel[..len].fill(0.0);
    }
    renderer.render_outputs(len);
    let outputs = renderer.outputs();
    for (index, output) in renderer.program().graph.outputs.iter().enumerate() {
        let (left, right) = outputs.output(OutputId::new(index));
        let first = 2 * output.channel_pair();
        for (channel, signal) in [(first, left), (first + 1, right)] {
            for (y, x) in channels[channel][..len].iter_mut().zip(signal) {
                *y += x;
            }
        }
    }
    limiters
        .iter_mut()
        .zip(channels.chunks_exact_mut(2))
        .map(|(limiter, pair)| {
            let (left, right) = pair.split_at_mut(1);
            limiter.process(&mut left[0][..len], &mut right[0][..len])
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_count_exactly_on_the_clock() {
        let clock = SampleClock::new(44_100, Fraction::new(1, 2));
        assert_eq!(
            Length::Cycles(Fraction::from_int(3)).frames(&clock),
            264_600
        );
        assert_eq!(Length::Cycles(Fraction::new(1, 3)).frames(&clock), 29_400);
        let odd = SampleClock::new(48_000, Fraction::new(2, 3));
        // One cycle is 72 000 samples.
        assert_eq!(Length::Cycles(Fraction::from_int(5)).frames(&odd), 360_000);
    }

    #[test]
    fn seconds_round_to_the_nearest_sample_and_never_go_negative() {
        let clock = SampleClock::new(48_000, Fraction::new(1, 2));
        assert_eq!(Length::Seconds(1.5).frames(&clock), 72_000);
        assert_eq!(Length::Seconds(-2.0).frames(&clock), 0);
        assert_eq!(Length::Seconds(f64::NAN).frames(&clock), 0);
    }
}
