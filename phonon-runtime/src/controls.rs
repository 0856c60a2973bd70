//! Patterns as control signals: each block, a numeric pattern is queried once
//! for the block's span and its events become a buffer of held values that
//! change on the exact sample where each event starts.
//!
//! Before the first event the value is 0; in a rest the last value holds.
//! Continuous patterns (`sine`, `perlin` with no structure) are sampled at
//! the start of every [`CONTINUOUS_STEP`] samples.

use crate::clock::SampleClock;
use phonon_ir::pattern::note::{midi_to_hz, note_to_midi};
use phonon_ir::pattern::{Hap, Pattern, Value};

/// How often a continuous (whole-less) pattern is sampled, in samples.
pub const CONTINUOUS_STEP: usize = 32;

/// How pattern values become numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// Numbers as they are.
    Number,
    /// A frequency position: numbers are Hz, note names become Hz (`c4` = 261.6).
    NoteToHz,
}

impl Conversion {
    pub fn convert(self, value: &Value) -> Option<f32> {
        let number = match value {
            Value::Num(n) => Some(*n),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Value::Str(name) => match self {
                Conversion::NoteToHz => note_to_midi(name).map(midi_to_hz),
                Conversion::Number => None,
            },
            // `bd:3`-style lists and control maps carry no single number.
            Value::List(_) | Value::Map(_) => None,
        }?;
        let number = number as f32;
        number.is_finite().then_some(number)
    }
}

/// One numeric pattern's control signal, with the value it holds between blocks.
pub struct ControlTrack {
    pattern: Pattern<Value>,
    conversion: Conversion,
    held: f32,
    /// False until the first block: a track that starts mid-event (a late
    /// start, a reload mid-cycle) takes the value already sounding.
    primed: bool,
    /// Onsets found in the current block: (offset in block, value). Reused.
    changes: Vec<(usize, f32)>,
}

impl ControlTrack {
    pub fn new(pattern: Pattern<Value>, conversion: Conversion) -> ControlTrack {
        ControlTrack {
            pattern,
            conversion,
            held: 0.0,
            primed: false,
            changes: Vec::with_capacity(64),
        }
    }

    /// The value held now (the last value written).
    pub fn held(&self) -> f32 {
        self.held
    }

    /// Fills `out` with the control values of samples `[start, start + out.len())`.
    pub fn render(&mut self, clock: &SampleClock, start: u64, out: &mut [f32]) {
        let haps = self.pattern.query(clock.onset_span(start, out.len()));
        let continuous = haps.iter().any(|h| h.whole.is_none());
        self.changes.clear();
        if !self.primed {
            self.primed = true;
            let now = clock.cycle_at(start);
            let sounding = haps.iter().filter(|h| {
                h.whole
                    .is_some_and(|w| clock.sample_at_or_after(w.begin) < start && w.end > now)
            });
            if let Some(value) = sounding
                .filter_map(|h| self.conversion.convert(&h.value))
                .last()
            {
                self.held = value;
            }
        }
        for hap in haps.iter().filter(|h| h.has_onset()) {
            self.push_onset(clock, start, out.len(), hap);
        }
        if continuous {
            self.push_continuous_samples(clock, start, out.len());
        }
        // Stable sort: at equal offsets the later event (query order) wins.
        self.changes.sort_by_key(|&(offset, _)| offset);
        let mut next = 0;
        for (i, sample) in out.iter_mut().enumerate() {
            while next < self.changes.len() && self.changes[next].0 <= i {
                self.held = self.changes[next].1;
                next += 1;
            }
            *sample = self.held;
        }
    }

    fn push_onset(&mut self, clock: &SampleClock, start: u64, len: usize, hap: &Hap<Value>) {
        let Some(value) = self.conversion.convert(&hap.value) else {
            return;
        };
        let Some(whole) = hap.whole else { return };
        let at = clock.sample_at_or_after(whole.begin);
        if at >= start && at < start + len as u64 {
            self.changes.push(((at - start) as usize, value));
        }
    }

    fn push_continuous_samples(&mut self, clock: &SampleClock, start: u64, len: usize) {
        for offset in (0..len).step_by(CONTINUOUS_STEP) {
            let step = CONTINUOUS_STEP.min(len - offset);
            let span = clock.span(start + offset as u64, step);
            for hap in self.pattern.query(span) {
                if hap.whole.is_none() {
                    if let Some(value) = self.conversion.convert(&hap.value) {
                        self.changes.push((offset, value));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonon_ir::pattern::{fastcat, pure, signal, Fraction};

    fn num(n: f64) -> Pattern<Value> {
        pure(Value::Num(n))
    }

    #[test]
    fn values_change_on_the_exact_onset_sample() {
        // Two events per cycle at 0.5 cps and 44.1 kHz: the second starts at 44100.
        let clock = SampleClock::new(44_100, Fraction::new(1, 2));
        let mut track =
            ControlTrack::new(fastcat(vec![num(110.0), num(220.0)]), Conversion::Number);
        let mut block = vec![0.0; 512];
        let start = 44_100 - 100;
        track.render(&clock, start, &mut block);
        assert_eq!(block[99], 110.0);
        assert_eq!(block[100], 220.0);
    }

    #[test]
    fn onset_between_the_last_sample_and_the_block_end_lands_on_the_next_block() {
        // At 48 kHz and 1/2 cps, the event at cycle 1/3 starts at sample
        // 32000 exactly; at 7 cps, 1/3 cycle is 2285.71 samples, so the onset
        // falls after sample 2285 and lands on 2286: a block ending at 2286
        // must leave it to the next block, and the next must find it.
        let clock = SampleClock::new(48_000, Fraction::from_int(7));
        let pat = fastcat(vec![num(1.0), num(2.0), num(3.0)]);
        let mut blocked = ControlTrack::new(pat.clone(), Conversion::Number);
        let mut whole = ControlTrack::new(pat, Conversion::Number);
        let mut expected = vec![0.0; 4096];
        whole.render(&clock, 0, &mut expected);
        let mut got = Vec::new();
        let mut start = 0u64;
        for len in [2286usize, 1, 37, 512, 1260] {
            let mut block = vec![0.0; len];
            blocked.render(&clock, start, &mut block);
            got.extend(block);
            start += len as u64;
        }
        assert_eq!(
            got[..],
            expected[..],
            "block boundaries must not move or drop onsets"
        );
        assert_eq!(expected[2285], 1.0);
        assert_eq!(expected[2286], 2.0);
    }

    #[test]
    fn a_late_start_takes_the_value_already_sounding() {
        let clock = SampleClock::new(1000, Fraction::ONE);
        let mut track = ControlTrack::new(fastcat(vec![num(3.0), num(4.0)]), Conversion::Number);
        let mut block = vec![0.0; 100];
        track.render(&clock, 200, &mut block);
        assert!(block.iter().all(|&v| v == 3.0));
    }

    #[test]
    fn rests_hold_the_last_value_and_silence_starts_at_zero() {
        let clock = SampleClock::new(1000, Fraction::ONE);
        let rest = Pattern::new(|_| Vec::new());
        let pat = fastcat(vec![rest, num(5.0)]);
        let mut track = ControlTrack::new(pat, Conversion::Number);
        let mut block = vec![0.0; 1000];
        track.render(&clock, 0, &mut block);
        assert_eq!(block[499], 0.0);
        assert_eq!(block[500], 5.0);
        let mut next = vec![0.0; 400];
        track.render(&clock, 1000, &mut next);
        assert!(
            next.iter().take(400).all(|&v| v == 5.0),
            "held through the rest"
        );
    }

    #[test]
    fn note_names_become_hz_in_frequency_positions() {
        assert_eq!(
            Conversion::NoteToHz.convert(&Value::from("a4")),
            Some(440.0)
        );
        assert_eq!(Conversion::Number.convert(&Value::from("a4")), None);
    }

    #[test]
    fn continuous_patterns_are_sampled_every_step() {
        let clock = SampleClock::new(1000, Fraction::ONE);
        let ramp = signal(|t: Fraction| Value::Num(t.cycle_pos().to_f64()));
        let mut track = ControlTrack::new(ramp, Conversion::Number);
        let mut block = vec![0.0; 100];
        track.render(&clock, 0, &mut block);
        assert_eq!(block[0], 0.0);
        assert_eq!(block[CONTINUOUS_STEP], CONTINUOUS_STEP as f32 / 1000.0);
        assert_eq!(block[CONTINUOUS_STEP - 1], 0.0);
    }
}
