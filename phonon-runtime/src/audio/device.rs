//! Sound-card output through cpal. Opening happens in two steps, so the
//! program can be built for the device's sample rate before audio starts:
//! [`open_output`] finds the device and its configuration, and
//! [`OpenedDevice::start`] builds the stream around a [`BlockSource`]. The
//! callback renders fixed-size blocks into buffers allocated before it
//! starts and copies them out frame by frame, whatever size the device asks
//! for, so at most one rendered block waits between callbacks.

use super::stats::AudioStats;
use super::BlockSource;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use std::sync::Arc;

/// Why a sound card could not be used. Every message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("no audio output device is available; use `--device null` to run without a sound card, or `phonon render` to write a file")]
    NoDevice,
    #[error("no output device is called `{name}`; the devices are: {} (see `--list-devices`; `--device null` runs without a sound card, `phonon render` writes a file)", available.join(", "))]
    NotFound {
        name: String,
        available: Vec<String>,
    },
    #[error("the audio device `{device}` failed: {message}; use `--device null` to run without a sound card, or `phonon render` to write a file")]
    Failed { device: String, message: String },
}

/// One output device, as `--list-devices` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    pub name: String,
    pub is_default: bool,
    pub channels: u16,
    pub rate: u32,
}

fn device_name(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| device.to_string())
}

/// Every output device of the default host.
pub fn list_output_devices() -> Result<Vec<DeviceInfo>, DeviceError> {
    let host = cpal::default_host();
    let default_name = host.default_output_device().map(|d| device_name(&d));
    let devices = host.output_devices().map_err(|e| DeviceError::Failed {
        device: "(host)".into(),
        message: e.to_string(),
    })?;
    Ok(devices
        .filter_map(|device| {
            let config = device.default_output_config().ok()?;
            let name = device_name(&device);
            Some(DeviceInfo {
                is_default: default_name.as_deref() == Some(name.as_str()),
                name,
                channels: config.channels(),
                rate: config.sample_rate(),
            })
        })
        .collect())
}

/// A device chosen and configured, not yet playing.
pub struct OpenedDevice {
    device: cpal::Device,
    name: String,
    config: cpal::StreamConfig,
    format: SampleFormat,
}

/// Finds the output device called `name` (the default device for `None`)
/// and asks for `buffer_frames` per callback when given.
pub fn open_output(
    name: Option<&str>,
    buffer_frames: Option<u32>,
) -> Result<OpenedDevice, DeviceError> {
    let host = cpal::default_host();
    let device = match name {
        None => host.default_output_device().ok_or(DeviceError::NoDevice)?,
        Some(wanted) => {
            let devices: Vec<cpal::Device> = host
                .output_devices()
                .map_err(|_| DeviceError::NoDevice)?
                .collect();
            let names: Vec<String> = devices.iter().map(device_name).collect();
            if names.is_empty() {
                return Err(DeviceError::NoDevice);
            }
            match names.iter().position(|n| n == wanted) {
                Some(index) => devices
                    .into_iter()
                    .nth(index)
                    .ok_or(DeviceError::NoDevice)?,
                None => {
                    return Err(DeviceError::NotFound {
                        name: wanted.to_string(),
                        available: names,
                    })
                }
            }
        }
    };
    let name = device_name(&device);
    let supported = device
        .default_output_config()
        .map_err(|e| DeviceError::Failed {
            device: name.clone(),
            message: e.to_string(),
        })?;
    let mut config = supported.config();
    if let Some(frames) = buffer_frames {
        config.buffer_size = cpal::BufferSize::Fixed(frames);
    }
    Ok(OpenedDevice {
        device,
        name,
        config,
        format: supported.sample_format(),
    })
}

/// A playing stream; dropping it stops the sound.
pub struct DeviceOutput {
    _stream: cpal::Stream,
}

impl OpenedDevice {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn rate(&self) -> u32 {
        self.config.sample_rate
    }

    pub fn channels(&self) -> u16 {
        self.config.channels
    }

    /// Starts playing `source` in blocks of `block_frames`. A stereo source
    /// plays on the first two channels (their mean on a mono device); a
    /// source with more channels needs a device with at least as many.
    pub fn start<S: BlockSource>(
        self,
        source: S,
        block_frames: usize,
        stats: Arc<AudioStats>,
    ) -> Result<DeviceOutput, DeviceError> {
        if source.channels() > 2 && source.channels() > usize::from(self.config.channels) {
            return Err(DeviceError::Failed {
                device: self.name,
                message: format!(
                    "it has {} output channels and {} are needed",
                    self.config.channels,
                    source.channels()
                ),
            });
        }
        let feeder = Feeder::new(source, block_frames, stats);
        let stream = match self.format {
            SampleFormat::F32 => self.build::<f32, S>(feeder),
            SampleFormat::I16 => self.build::<i16, S>(feeder),
            SampleFormat::I32 => self.build::<i32, S>(feeder),
            SampleFormat::U16 => self.build::<u16, S>(feeder),
            SampleFormat::F64 => self.build::<f64, S>(feeder),
            other => {
                return Err(DeviceError::Failed {
                    device: self.name,
                    message: format!("its sample format {other} is not supported"),
                })
            }
        }?;
        stream.play().map_err(|e| DeviceError::Failed {
            device: self.name.clone(),
            message: e.to_string(),
        })?;
        Ok(DeviceOutput { _stream: stream })
    }

    fn build<T, S>(&self, mut feeder: Feeder<S>) -> Result<cpal::Stream, DeviceError>
    where
        T: SizedSample + FromSample<f32>,
        S: BlockSource,
    {
        let channels = usize::from(self.config.channels.max(1));
        let error_stats = Arc::clone(&feeder.stats);
        self.device
            .build_output_stream::<T, _, _>(
                self.config,
                move |data: &mut [T], _| feeder.fill(data, channels),
                move |error| {
                    if error.kind() == cpal::ErrorKind::Xrun {
                        error_stats.record_underrun();
                    }
                },
                None,
            )
            .map_err(|e| DeviceError::Failed {
                device: self.name.clone(),
                message: e.to_string(),
            })
    }
}

/// The callback's state: one rendered block (interleaved, the source's
/// channels) and how many of its frames are played.
struct Feeder<S> {
    source: S,
    block: Vec<f32>,
    channels: usize,
    frames: usize,
    played: usize,
    stats: Arc<AudioStats>,
}

impl<S: BlockSource> Feeder<S> {
    fn new(source: S, block_frames: usize, stats: Arc<AudioStats>) -> Feeder<S> {
        let frames = block_frames.max(1);
        let channels = source.channels().max(1);
        Feeder {
            source,
            block: vec![0.0; frames * channels],
            channels,
            frames,
            played: frames,
            stats,
        }
    }

    /// Fills an interleaved device buffer: the source's channels on the
    /// first ones, silence on the others; a stereo source on a mono device
    /// plays the mean of both sides.
    fn fill<T: SizedSample + FromSample<f32>>(&mut self, data: &mut [T], channels: usize) {
        for frame in data.chunks_mut(channels) {
            if self.played == self.frames {
                self.source.render_block(&mut self.block);
                self.stats.record_played(self.frames);
                self.played = 0;
            }
            let start = self.played * self.channels;
            let rendered = &self.block[start..start + self.channels];
            self.played += 1;
            match (frame, rendered) {
                ([mono], [l, r]) => *mono = T::from_sample((l + r) * 0.5),
                (frame, rendered) => {
                    for (slot, i) in frame.iter_mut().zip(0..) {
                        *slot = rendered
                            .get(i)
                            .map_or(T::EQUILIBRIUM, |&x| T::from_sample(x));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Steps {
        next: f32,
    }

    impl BlockSource for Steps {
        fn channels(&self) -> usize {
            2
        }

        fn render_block(&mut self, block: &mut [f32]) {
            for frame in block.chunks_exact_mut(2) {
                frame[0] = self.next;
                frame[1] = self.next + 0.5;
                self.next += 1.0;
            }
        }
    }

    #[test]
    fn callbacks_of_any_size_get_consecutive_frames() {
        let stats = Arc::new(AudioStats::default());
        let mut feeder = Feeder::new(Steps { next: 0.0 }, 4, Arc::clone(&stats));
        let mut first = [0.0f32; 3 * 3];
        let mut second = [0.0f32; 7 * 3];
        feeder.fill(&mut first, 3);
        feeder.fill(&mut second, 3);
        let lefts: Vec<f32> = first
            .chunks(3)
            .chain(second.chunks(3))
            .map(|f| f[0])
            .collect();
        assert_eq!(lefts, (0..10).map(|i| i as f32).collect::<Vec<_>>());
        assert!(second.chunks(3).all(|f| f[1] == f[0] + 0.5 && f[2] == 0.0));
        assert_eq!(stats.snapshot().blocks, 3);
    }

    #[test]
    fn a_mono_device_gets_the_mean_of_both_sides() {
        let stats = Arc::new(AudioStats::default());
        let mut feeder = Feeder::new(Steps { next: 0.0 }, 2, stats);
        let mut data = [0i16; 2];
        feeder.fill(&mut data, 1);
        assert_eq!(data[0], <i16 as FromSample<f32>>::from_sample_(0.25));
    }
}
