//! `--record`: writes exactly what is played to a WAV file. The audio thread
//! copies each block into a lock-free ring buffer ([`RecordTap`]); a writer
//! thread drains it into a 32-bit float WAV with the source's channels
//! (stereo, or two per output with `--outputs split`), so the file holds the
//! very samples that went to the output.

use super::BlockSource;
use hound::{SampleFormat, WavSpec, WavWriter};
use rtrb::{Consumer, Producer, RingBuffer};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How much audio the ring buffer holds before the tap has to drop frames:
/// generous, since the writer thread may be slowed by the disk.
const RING_SECONDS: usize = 4;
/// How often the writer thread wakes to drain the ring buffer.
const WRITER_POLL: Duration = Duration::from_millis(10);

/// A [`BlockSource`] that passes its inner source's blocks on and copies them
/// into the recording.
pub struct RecordTap<S> {
    source: S,
    ring: Producer<f32>,
    dropped_frames: Arc<AtomicU64>,
}

impl<S: BlockSource> BlockSource for RecordTap<S> {
    fn channels(&self) -> usize {
        self.source.channels()
    }

    fn render_block(&mut self, block: &mut [f32]) {
        self.source.render_block(block);
        match self.ring.write_chunk_uninit(block.len()) {
            Ok(chunk) => {
                chunk.fill_from_iter(block.iter().copied());
            }
            Err(_) => {
                let frames = block.len() / self.source.channels().max(1);
                self.dropped_frames
                    .fetch_add(frames as u64, Ordering::Relaxed);
            }
        }
    }
}

/// What a finished recording holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordSummary {
    pub frames: u64,
    /// Frames the writer could not keep up with (never expected: the ring
    /// holds several seconds).
    pub dropped_frames: u64,
}

/// The writer side of a recording.
pub struct Recorder {
    thread: JoinHandle<hound::Result<u64>>,
    dropped_frames: Arc<AtomicU64>,
}

/// Wraps `source` so that everything it renders is also written to `path`
/// (its channels, 32-bit float at `rate`). The file is complete once the
/// returned tap has been dropped and [`Recorder::finish`] has returned.
pub fn record<S: BlockSource>(
    source: S,
    path: &Path,
    rate: u32,
) -> hound::Result<(RecordTap<S>, Recorder)> {
    let channels = source.channels().max(1);
    let spec = WavSpec {
        channels: u16::try_from(channels).unwrap_or(u16::MAX),
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: SampleFormat::Float,
    };
    let writer = WavWriter::create(path, spec)?;
    let capacity = rate as usize * channels * RING_SECONDS;
    let (ring, consumer) = RingBuffer::new(capacity);
    let dropped_frames = Arc::new(AtomicU64::new(0));
    let thread = std::thread::Builder::new()
        .name("phonon-recorder".into())
        .spawn(move || write_until_abandoned(consumer, writer, channels))?;
    Ok((
        RecordTap {
            source,
            ring,
            dropped_frames: Arc::clone(&dropped_frames),
        },
        Recorder {
            thread,
            dropped_frames,
        },
    ))
}

impl Recorder {
    /// Waits until the tap is gone and everything it copied is on disk.
    pub fn finish(self) -> hound::Result<RecordSummary> {
        let frames = match self.thread.join() {
            Ok(result) => result?,
            Err(_) => {
                return Err(hound::Error::IoError(std::io::Error::other(
                    "the recording thread panicked",
                )))
            }
        };
        Ok(RecordSummary {
            frames,
            dropped_frames: self.dropped_frames.load(Ordering::Relaxed),
        })
    }
}

fn write_until_abandoned(
    mut ring: Consumer<f32>,
    mut writer: WavWriter<BufWriter<File>>,
    channels: usize,
) -> hound::Result<u64> {
    let mut frames = 0u64;
    loop {
        // Read `is_abandoned` before draining, so nothing written between
        // the drain and the check is lost.
        let abandoned = ring.is_abandoned();
        let available = ring.slots() / channels * channels;
        if available > 0 {
            let chunk = ring
                .read_chunk(available)
                .map_err(|e| hound::Error::IoError(std::io::Error::other(e.to_string())))?;
            let (first, second) = chunk.as_slices();
            for &sample in first.iter().chain(second) {
                writer.write_sample(sample)?;
            }
            chunk.commit_all();
            frames += (available / channels) as u64;
        } else if abandoned {
            break;
        } else {
            std::thread::sleep(WRITER_POLL);
        }
    }
    writer.finalize()?;
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ramp {
        next: f32,
    }

    impl BlockSource for Ramp {
        fn channels(&self) -> usize {
            3
        }

        fn render_block(&mut self, block: &mut [f32]) {
            for frame in block.chunks_exact_mut(3) {
                frame[0] = self.next;
                frame[1] = -self.next;
                frame[2] = 0.5 * self.next;
                self.next += 1e-4;
            }
        }
    }

    #[test]
    fn the_file_holds_exactly_the_blocks_played_with_their_channels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("take.wav");
        let (mut tap, recorder) = record(Ramp { next: 0.0 }, &path, 8_000).unwrap();
        let mut played = Vec::new();
        let mut block = vec![0.0; 300];
        for len in [100, 37, 100, 1] {
            tap.render_block(&mut block[..len * 3]);
            played.extend_from_slice(&block[..len * 3]);
        }
        drop(tap);
        let summary = recorder.finish().unwrap();
        assert_eq!(summary.frames, 238);
        assert_eq!(summary.dropped_frames, 0);
        let reader = hound::WavReader::open(&path).unwrap();
        assert_eq!(reader.spec().channels, 3);
        let samples: Vec<f32> = reader.into_samples::<f32>().map(Result::unwrap).collect();
        assert_eq!(samples, played);
    }
}
