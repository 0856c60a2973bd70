//! Counters the audio thread updates and the status line reads: frames
//! played, blocks, underruns, and the load (time spent rendering a block over
//! the block's duration). Plain atomics, so the audio thread never waits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Shared between the audio thread (writer) and the control thread (reader).
#[derive(Debug, Default)]
pub struct AudioStats {
    frames: AtomicU64,
    blocks: AtomicU64,
    underruns: AtomicU64,
    busy_nanos: AtomicU64,
    budget_nanos: AtomicU64,
    /// The last block's load in millionths.
    last_load_ppm: AtomicU64,
    /// The highest block load since the start, in millionths.
    peak_load_ppm: AtomicU64,
}

/// A consistent-enough copy of the counters for printing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StatsSnapshot {
    pub frames: u64,
    pub blocks: u64,
    pub underruns: u64,
    /// Mean load since the start: 1.0 means rendering takes all the time.
    pub mean_load: f64,
    pub last_load: f64,
    pub peak_load: f64,
}

impl AudioStats {
    /// Records one block of `frames` frames sent to the output.
    pub fn record_played(&self, frames: usize) {
        self.frames.fetch_add(frames as u64, Ordering::Relaxed);
        self.blocks.fetch_add(1, Ordering::Relaxed);
    }

    /// Records that rendering a block took `busy` of its `budget` (the
    /// block's duration at the sample rate).
    pub fn record_render(&self, busy: Duration, budget: Duration) {
        let busy = busy.as_nanos().min(u128::from(u64::MAX)) as u64;
        let budget = budget.as_nanos().clamp(1, u128::from(u64::MAX)) as u64;
        self.busy_nanos.fetch_add(busy, Ordering::Relaxed);
        self.budget_nanos.fetch_add(budget, Ordering::Relaxed);
        let ppm = busy.saturating_mul(1_000_000) / budget;
        self.last_load_ppm.store(ppm, Ordering::Relaxed);
        self.peak_load_ppm.fetch_max(ppm, Ordering::Relaxed);
    }

    pub fn record_underrun(&self) {
        self.underruns.fetch_add(1, Ordering::Relaxed);
    }

    /// Frames played so far (the position of the next block).
    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let busy = self.busy_nanos.load(Ordering::Relaxed) as f64;
        let budget = self.budget_nanos.load(Ordering::Relaxed).max(1) as f64;
        StatsSnapshot {
            frames: self.frames.load(Ordering::Relaxed),
            blocks: self.blocks.load(Ordering::Relaxed),
            underruns: self.underruns.load(Ordering::Relaxed),
            mean_load: busy / budget,
            last_load: self.last_load_ppm.load(Ordering::Relaxed) as f64 / 1e6,
            peak_load: self.peak_load_ppm.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }
}

/// The duration of `frames` frames at `rate` Hz.
pub fn block_duration(frames: usize, rate: u32) -> Duration {
    Duration::from_nanos(frames as u64 * 1_000_000_000 / u64::from(rate.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_is_busy_time_over_budget() {
        let stats = AudioStats::default();
        for busy in [5, 1] {
            stats.record_played(480);
            stats.record_render(Duration::from_millis(busy), Duration::from_millis(10));
        }
        let snapshot = stats.snapshot();
        assert_eq!(snapshot.frames, 960);
        assert_eq!(snapshot.blocks, 2);
        assert!((snapshot.mean_load - 0.3).abs() < 1e-9);
        assert!((snapshot.peak_load - 0.5).abs() < 1e-9);
        assert!((snapshot.last_load - 0.1).abs() < 1e-9);
    }

    #[test]
    fn a_block_lasts_its_frames_over_the_rate() {
        assert_eq!(block_duration(480, 48_000), Duration::from_millis(10));
    }
}
