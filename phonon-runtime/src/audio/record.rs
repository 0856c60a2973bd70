//! `--record`: writes exactly what is played to a WAV file. The audio thread
//! copies each block into a lock-free ring buffer ([`RecordTap`]); a writer
//! thread drains it into a 32-bit float WAV, so the file holds the very
//! samples that went to the output.

use super::BlockSource;
use crate::wav::{StereoWavWriter, WavFormat};
use rtrb::{Consumer, Producer, RingBuffer};
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
    fn render_block(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.source.render_block(left, right);
        let samples = left.len() * 2;
        match self.ring.write_chunk_uninit(samples) {
            Ok(chunk) => {
                let interleaved = left.iter().zip(right.iter()).flat_map(|(&l, &r)| [l, r]);
                chunk.fill_from_iter(interleaved);
            }
            Err(_) => {
                self.dropped_frames
                    .fetch_add(left.len() as u64, Ordering::Relaxed);
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
/// (stereo, 32-bit float at `rate`). The file is complete once the returned
/// tap has been dropped and [`Recorder::finish`] has returned.
pub fn record<S: BlockSource>(
    source: S,
    path: &Path,
    rate: u32,
) -> hound::Result<(RecordTap<S>, Recorder)> {
    let writer = StereoWavWriter::create(path, rate, WavFormat::Float32)?;
    let capacity = rate as usize * 2 * RING_SECONDS;
    let (ring, consumer) = RingBuffer::new(capacity);
    let dropped_frames = Arc::new(AtomicU64::new(0));
    let thread = std::thread::Builder::new()
        .name("phonon-recorder".into())
        .spawn(move || write_until_abandoned(consumer, writer))?;
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
    mut writer: StereoWavWriter,
) -> hound::Result<u64> {
    let mut frames = 0u64;
    let mut left = Vec::new();
    let mut right = Vec::new();
    loop {
        // Read `is_abandoned` before draining, so nothing written between
        // the drain and the check is lost.
        let abandoned = ring.is_abandoned();
        let available = ring.slots() & !1;
        if available > 0 {
            let chunk = ring
                .read_chunk(available)
                .map_err(|e| hound::Error::IoError(std::io::Error::other(e.to_string())))?;
            left.clear();
            right.clear();
            let (first, second) = chunk.as_slices();
            let mut samples = first.iter().chain(second);
            while let (Some(&l), Some(&r)) = (samples.next(), samples.next()) {
                left.push(l);
                right.push(r);
            }
            chunk.commit_all();
            writer.write(&left, &right)?;
            frames += left.len() as u64;
        } else if abandoned {
            break;
        } else {
            std::thread::sleep(WRITER_POLL);
        }
    }
    writer.finish()?;
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ramp {
        next: f32,
    }

    impl BlockSource for Ramp {
        fn render_block(&mut self, left: &mut [f32], right: &mut [f32]) {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                *l = self.next;
                *r = -self.next;
                self.next += 1e-4;
            }
        }
    }

    #[test]
    fn the_file_holds_exactly_the_blocks_played() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("take.wav");
        let (mut tap, recorder) = record(Ramp { next: 0.0 }, &path, 8_000).unwrap();
        let mut played = Vec::new();
        let (mut left, mut right) = (vec![0.0; 100], vec![0.0; 100]);
        for len in [100, 37, 100, 1] {
            tap.render_block(&mut left[..len], &mut right[..len]);
            for i in 0..len {
                played.push(left[i]);
                played.push(right[i]);
            }
        }
        drop(tap);
        let summary = recorder.finish().unwrap();
        assert_eq!(summary.frames, 238);
        assert_eq!(summary.dropped_frames, 0);
        let samples: Vec<f32> = hound::WavReader::open(&path)
            .unwrap()
            .into_samples::<f32>()
            .map(Result::unwrap)
            .collect();
        assert_eq!(samples, played);
    }
}
