//! The exact cycle clock: sample counts and cycle positions convert through
//! rationals, so block boundaries never drift, however long a piece plays.
//! A clock counts from an origin (sample 0 at cycle 0, unless a live reload
//! changed the tempo: then the new tempo counts from the swap's sample and
//! cycle, so the cycle position never jumps).

use phonon_ir::pattern::{Fraction, TimeSpan};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleClock {
    pub rate: u32,
    /// Cycles per second.
    pub cps: Fraction,
    /// The sample where `origin_cycle` falls; the tempo counts from here.
    origin_sample: u64,
    origin_cycle: Fraction,
}

impl SampleClock {
    pub fn new(rate: u32, cps: Fraction) -> SampleClock {
        SampleClock {
            rate,
            cps,
            origin_sample: 0,
            origin_cycle: Fraction::ZERO,
        }
    }

    /// This clock's tempo from sample `sample` on, where the cycle position
    /// is `cycle` (a tempo change that keeps the position continuous).
    pub fn continuing_at(self, sample: u64, cycle: Fraction) -> SampleClock {
        SampleClock {
            origin_sample: sample,
            origin_cycle: cycle,
            ..self
        }
    }

    /// The cycle position at the start of sample `n`.
    pub fn cycle_at(&self, sample: u64) -> Fraction {
        let since = sample as i128 - self.origin_sample as i128;
        self.origin_cycle
            + Fraction::new(since, 1) * self.cps / Fraction::new(i128::from(self.rate), 1)
    }

    /// The span of cycles that samples `[start, start + len)` cover.
    pub fn span(&self, start: u64, len: usize) -> TimeSpan {
        TimeSpan::new(self.cycle_at(start), self.cycle_at(start + len as u64))
    }

    /// The span to query for the onsets that land in samples
    /// `[start, start + len)`. An onset at `t` lands on the first sample at
    /// or after `t`, so one that falls after the previous block's last
    /// sample starts belongs to this block: the span begins at sample
    /// `start - 1`. Callers keep the onsets whose `sample_at_or_after` lies
    /// in the block.
    pub fn onset_span(&self, start: u64, len: usize) -> TimeSpan {
        TimeSpan::new(
            self.cycle_at(start.saturating_sub(1)),
            self.cycle_at(start + len as u64),
        )
    }

    /// The first sample at or after cycle position `t` (an onset at `t` starts
    /// there); 0 for times before the start.
    pub fn sample_at_or_after(&self, t: Fraction) -> u64 {
        if t <= Fraction::ZERO || self.cps <= Fraction::ZERO {
            return 0;
        }
        let samples = Fraction::new(self.origin_sample as i128, 1)
            + (t - self.origin_cycle) * Fraction::new(i128::from(self.rate), 1) / self.cps;
        let ceil = samples.ceil();
        u64::try_from(ceil.numer().max(0)).unwrap_or(u64::MAX)
    }

    /// Samples in `cycles` cycles, rounded up to a whole sample.
    /// A length, so it does not depend on where the clock's origin is.
    pub fn samples_in_cycles(&self, cycles: Fraction) -> u64 {
        if cycles <= Fraction::ZERO || self.cps <= Fraction::ZERO {
            return 0;
        }
        let samples = cycles * Fraction::new(i128::from(self.rate), 1) / self.cps;
        u64::try_from(samples.ceil().numer()).unwrap_or(u64::MAX)
    }

    /// Where a query-ahead window that begins at sample `start` ends: one
    /// cycle later, or `max` samples later if sooner (a stopped clock's
    /// cycle never ends), rounded down to a multiple of `grid` so that
    /// consecutive windows meet on the grid, and always past `start`.
    pub fn lookahead_end(&self, start: u64, max: u64, grid: u64) -> u64 {
        let grid = grid.max(1);
        let cycle = self.samples_in_cycles(Fraction::ONE);
        let length = if cycle == 0 { max } else { cycle.min(max) };
        let end = start.saturating_add(length) / grid * grid;
        if end > start {
            end
        } else {
            (start / grid).saturating_add(1).saturating_mul(grid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_a_cycle_per_second_is_88200_samples_a_cycle() {
        let clock = SampleClock::new(44_100, Fraction::new(1, 2));
        assert_eq!(clock.sample_at_or_after(Fraction::ONE), 88_200);
        assert_eq!(clock.sample_at_or_after(Fraction::new(1, 4)), 22_050);
        assert_eq!(clock.cycle_at(88_200), Fraction::ONE);
    }

    #[test]
    fn lookahead_windows_last_a_cycle_at_most_and_end_on_the_grid() {
        // 1/2 cps at 1000 Hz: a cycle is 2000 samples.
        let clock = SampleClock::new(1000, Fraction::new(1, 2));
        assert_eq!(clock.lookahead_end(0, 16_384, 32), 1984);
        assert_eq!(clock.lookahead_end(0, 100, 32), 96);
        assert_eq!(clock.lookahead_end(1990, 16_384, 32), 3968);
        assert_eq!(clock.lookahead_end(33, 10, 32), 64);
        let stopped = SampleClock::new(1000, Fraction::ZERO);
        assert_eq!(stopped.lookahead_end(5, 512, 32), 512);
    }

    #[test]
    fn a_continued_clock_keeps_the_position_and_counts_the_new_tempo_from_there() {
        let slow = SampleClock::new(1_000, Fraction::new(1, 2));
        let at = slow.cycle_at(3_000);
        let fast = SampleClock::new(1_000, Fraction::new(2, 1)).continuing_at(3_000, at);
        assert_eq!(fast.cycle_at(3_000), Fraction::new(3, 2));
        assert_eq!(fast.cycle_at(3_250), Fraction::new(2, 1));
        assert_eq!(fast.sample_at_or_after(Fraction::new(5, 2)), 3_500);
        assert_eq!(fast.sample_at_or_after(Fraction::new(-1, 1)), 0);
        // A length stays a length wherever the origin moved.
        assert_eq!(fast.samples_in_cycles(Fraction::ONE), 500);
        assert_eq!(fast.lookahead_end(3_000, 16_384, 32), 3_488);
    }

    #[test]
    fn onsets_between_samples_round_up() {
        let clock = SampleClock::new(48_000, Fraction::new(3, 7));
        let t = Fraction::new(1, 3);
        let n = clock.sample_at_or_after(t);
        assert!(clock.cycle_at(n) >= t);
        assert!(clock.cycle_at(n - 1) < t);
    }
}
