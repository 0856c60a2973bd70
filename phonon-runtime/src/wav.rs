//! Writes audio to WAV files (stereo, or a channel pair per output for
//! `--outputs split`): 16- and 24-bit PCM with TPDF dither, or
//! 32-bit IEEE float. The dither is seeded, so every render of a program is
//! bit-identical.

use hound::{SampleFormat, WavSpec, WavWriter};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WavFormat {
    Pcm16,
    Pcm24,
    Float32,
}

impl WavFormat {
    /// `16`, `24` or `32f`, as the `--format` flag spells them.
    pub fn parse(text: &str) -> Option<WavFormat> {
        match text {
            "16" => Some(WavFormat::Pcm16),
            "24" => Some(WavFormat::Pcm24),
            "32f" => Some(WavFormat::Float32),
            _ => None,
        }
    }

    fn spec(self, rate: u32, channels: u16) -> WavSpec {
        let (bits_per_sample, sample_format) = match self {
            WavFormat::Pcm16 => (16, SampleFormat::Int),
            WavFormat::Pcm24 => (24, SampleFormat::Int),
            WavFormat::Float32 => (32, SampleFormat::Float),
        };
        WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample,
            sample_format,
        }
    }
}

/// Triangular-PDF dither from a small xorshift generator with a fixed seed.
struct Dither {
    state: u64,
}

impl Dither {
    fn new() -> Dither {
        Dither {
            state: 0x9E37_79B9_7F4A_7C15,
        }
    }

    fn uniform(&mut self) -> f64 {
        // xorshift64* (Vigna): fast, good enough for dither noise.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let bits = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        bits as f64 / (1u64 << 53) as f64
    }

    /// Noise in (-1, 1) LSB with a triangular distribution.
    fn next(&mut self) -> f64 {
        self.uniform() - self.uniform()
    }
}

/// A WAV file being written block by block, its channels interleaved.
pub struct WavFileWriter {
    writer: WavWriter<BufWriter<File>>,
    format: WavFormat,
    channels: usize,
    dither: Dither,
}

impl WavFileWriter {
    /// A file of `channels` channels (2 for stereo).
    pub fn create(
        path: &Path,
        rate: u32,
        format: WavFormat,
        channels: u16,
    ) -> hound::Result<WavFileWriter> {
        Ok(WavFileWriter {
            writer: WavWriter::create(path, format.spec(rate, channels))?,
            format,
            channels: usize::from(channels),
            dither: Dither::new(),
        })
    }

    /// Appends one block of stereo frames.
    pub fn write(&mut self, left: &[f32], right: &[f32]) -> hound::Result<()> {
        self.write_channels(&[left, right], left.len().min(right.len()))
    }

    /// Appends the first `frames` samples of each channel (as many channels
    /// as the file has). Samples outside -1..1 are clipped (the limiters
    /// keep them inside).
    pub fn write_channels<C: AsRef<[f32]>>(
        &mut self,
        channels: &[C],
        frames: usize,
    ) -> hound::Result<()> {
        if channels.len() != self.channels || channels.iter().any(|c| c.as_ref().len() < frames) {
            return Err(hound::Error::UnfinishedSample);
        }
        for frame in 0..frames {
            for channel in channels {
                let sample = channel.as_ref()[frame];
                match self.format {
                    WavFormat::Float32 => self.writer.write_sample(sample)?,
                    WavFormat::Pcm16 => {
                        let value = self.quantise(sample, 32_767.0);
                        self.writer.write_sample(value as i16)?;
                    }
                    WavFormat::Pcm24 => {
                        let value = self.quantise(sample, 8_388_607.0);
                        self.writer.write_sample(value)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn quantise(&mut self, sample: f32, full_scale: f64) -> i32 {
        let scaled = f64::from(sample) * full_scale + self.dither.next();
        scaled.round().clamp(-full_scale - 1.0, full_scale) as i32
    }

    pub fn finish(self) -> hound::Result<()> {
        self.writer.finalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_through_a_wav_reader() {
        let dir = tempfile::tempdir().unwrap();
        for (format, bits) in [
            (WavFormat::Pcm16, 16),
            (WavFormat::Pcm24, 24),
            (WavFormat::Float32, 32),
        ] {
            let path = dir.path().join(format!("{bits}.wav"));
            let mut writer = WavFileWriter::create(&path, 48_000, format, 2).unwrap();
            let left: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
            writer.write(&left, &left).unwrap();
            writer.finish().unwrap();
            let reader = hound::WavReader::open(&path).unwrap();
            let spec = reader.spec();
            assert_eq!(
                (spec.channels, spec.sample_rate, spec.bits_per_sample),
                (2, 48_000, bits)
            );
            assert_eq!(reader.duration(), 1000);
        }
    }

    #[test]
    fn dither_is_deterministic_and_small() {
        let mut a = Dither::new();
        let mut b = Dither::new();
        for _ in 0..1000 {
            let x = a.next();
            assert_eq!(x, b.next());
            assert!(x.abs() < 1.0);
        }
    }
}
