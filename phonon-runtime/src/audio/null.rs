//! The null device: plays into nothing, in real time. Its own thread is the
//! audio thread: it renders a block, then sleeps until that block's
//! deadline, so blocks come at the pace a sound card would ask for them.
//! Sleeping between blocks is the pacing itself (a sound card's callback
//! waits on the hardware the same way); rendering never waits on anything.
//! With no sound card needed, it is what tests and headless machines run.

use super::stats::AudioStats;
use super::BlockSource;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NullConfig {
    pub rate: u32,
    pub block_frames: usize,
    /// Stop after exactly this many frames (`--seconds`); `None` plays on
    /// until stopped.
    pub total_frames: Option<u64>,
}

/// A running null device. Dropping it stops the thread and waits for it.
pub struct NullDevice {
    thread: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
}

impl NullDevice {
    /// Starts the pacing thread, which owns `source` from now on and drops
    /// it when it ends (a recording tap finishes then).
    pub fn start<S: BlockSource>(
        mut source: S,
        config: NullConfig,
        stats: Arc<AudioStats>,
    ) -> std::io::Result<NullDevice> {
        let stop = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicBool::new(false));
        let mut buffer = vec![0.0f32; config.block_frames.max(1) * source.channels().max(1)];
        let thread = {
            let stop = Arc::clone(&stop);
            let finished = Arc::clone(&finished);
            std::thread::Builder::new()
                .name("phonon-null-audio".into())
                .spawn(move || {
                    pace(&mut source, config, &stats, &stop, &mut buffer);
                    drop(source);
                    finished.store(true, Ordering::Release);
                })?
        };
        Ok(NullDevice {
            thread: Some(thread),
            stop,
            finished,
        })
    }

    /// Whether it has played all of `total_frames` (or was stopped).
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Stops after the block being rendered and waits for the thread.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            // A panic in the source has already been reported by the
            // panic hook; the device is stopping either way.
            let _ = thread.join();
        }
    }
}

impl Drop for NullDevice {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The null device's clock is ideal, like a sound card's crystal: block k is
/// due at `epoch + k` blocks, whatever happened before. When the pacing
/// thread itself wakes late (a busy machine), it plays the blocks that are
/// due at four times real time rather than shifting the schedule; that is not an underrun,
/// since a sound card would not have been late. Underruns are counted where
/// audio was missing when due: the render-ahead queue ([`super::ahead`]).
/// Only a thread stalled for longer than [`RESYNC_AFTER`] restarts the
/// schedule from now, counting one underrun for the gap.
fn pace(
    source: &mut dyn BlockSource,
    config: NullConfig,
    stats: &AudioStats,
    stop: &AtomicBool,
    buffer: &mut [f32],
) {
    let channels = source.channels().max(1);
    let block = buffer.len() / channels;
    let mut epoch = Instant::now();
    let mut frames_since_epoch: u64 = 0;
    let mut played: u64 = 0;
    while !stop.load(Ordering::Acquire) {
        let frames = match config.total_frames {
            Some(total) => (total.saturating_sub(played)).min(block as u64) as usize,
            None => block,
        };
        if frames == 0 {
            break;
        }
        source.render_block(&mut buffer[..frames * channels]);
        stats.record_played(frames);
        played += frames as u64;
        frames_since_epoch += frames as u64;
        let next_due = epoch + frames_duration(frames_since_epoch, config.rate);
        let now = Instant::now();
        if now < next_due {
            std::thread::sleep(next_due - now);
        } else if now - next_due > RESYNC_AFTER {
            stats.record_underrun();
            epoch = now;
            frames_since_epoch = 0;
        } else {
            // Catch up at four times real time, not in one burst, so a
            // render thread woken as late as this one can refill its queue.
            std::thread::sleep(frames_duration(frames as u64, config.rate) / 4);
        }
    }
}

/// How far behind its schedule the pacing thread may fall before it gives
/// up catching up.
pub const RESYNC_AFTER: Duration = Duration::from_secs(1);

fn frames_duration(frames: u64, rate: u32) -> Duration {
    Duration::from_nanos(frames.saturating_mul(1_000_000_000) / u64::from(rate.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter {
        next: f32,
    }

    impl BlockSource for Counter {
        fn channels(&self) -> usize {
            2
        }

        fn render_block(&mut self, block: &mut [f32]) {
            for frame in block.chunks_exact_mut(2) {
                frame[0] = self.next;
                frame[1] = -self.next;
                self.next += 1.0;
            }
        }
    }

    #[test]
    fn plays_exactly_the_frames_asked_for_in_real_time() {
        let stats = Arc::new(AudioStats::default());
        let config = NullConfig {
            rate: 8_000,
            block_frames: 80,
            total_frames: Some(1_630),
        };
        let started = Instant::now();
        let device = NullDevice::start(Counter { next: 0.0 }, config, Arc::clone(&stats)).unwrap();
        while !device.is_finished() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let elapsed = started.elapsed();
        device.stop();
        let snapshot = stats.snapshot();
        assert_eq!(snapshot.frames, 1_630);
        assert_eq!(snapshot.blocks, 21, "20 full blocks and a last one of 30");
        // 1630 frames at 8 kHz is 204 ms; pacing must not run ahead.
        assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
        assert_eq!(snapshot.underruns, 0);
    }

    struct Slow;

    impl BlockSource for Slow {
        fn channels(&self) -> usize {
            2
        }

        fn render_block(&mut self, _block: &mut [f32]) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_late_thread_catches_up_instead_of_shifting_the_schedule() {
        // Blocks of 5 ms that each take 10 ms: from the second block on the
        // thread is late and only pauses a quarter block between blocks.
        let stats = Arc::new(AudioStats::default());
        let config = NullConfig {
            rate: 8_000,
            block_frames: 40,
            total_frames: Some(400),
        };
        let started = Instant::now();
        let device = NullDevice::start(Slow, config, Arc::clone(&stats)).unwrap();
        while !device.is_finished() {
            std::thread::sleep(Duration::from_millis(2));
        }
        let elapsed = started.elapsed();
        device.stop();
        assert!(
            elapsed < Duration::from_millis(100 + 10 * 2 + 40),
            "{elapsed:?}"
        );
        assert_eq!(
            stats.snapshot().underruns,
            0,
            "a slow clock thread is not an underrun"
        );
    }
}
