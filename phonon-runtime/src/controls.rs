//! Patterns as control signals: a numeric pattern becomes a buffer of held
//! values per block, changing on the exact sample where each event starts.
//!
//! Before the first event the value is 0; in a rest the last value holds.
//! Continuous patterns (`sine`, `perlin` with no structure) are sampled at
//! the start of every [`CONTINUOUS_STEP`] samples of the absolute sample
//! count (a track that starts between two steps samples its start too).
//!
//! Patterns are deterministic, so a track queries ahead: one query covers a
//! window of up to a cycle ([`CONTROL_LOOKAHEAD_SAMPLES`] at most), its
//! events become a sorted list of (sample, value) changes, and each block
//! walks a cursor through it. Per block, with the window warm, nothing is
//! queried or allocated. The tracks of a program stagger their windows (see
//! [`ControlTrack::staggered`]), so no block queries them all.

use crate::clock::SampleClock;
use phonon_ir::pattern::note::{midi_to_hz, note_to_midi};
use phonon_ir::pattern::{Pattern, Value};

/// How often a continuous (whole-less) pattern is sampled, in samples.
pub const CONTINUOUS_STEP: usize = 32;

/// The longest query-ahead window of event voices, in samples (0.37 s at
/// 44.1 kHz, 32 blocks of 512): long enough that querying costs little per
/// block, short enough that when every pattern refills in the same block
/// the render-ahead thread (two blocks of slack in `phonon run`) absorbs it.
pub const LOOKAHEAD_SAMPLES: u64 = 16_384;

/// The longest query-ahead window of a control track, in samples (1.5 s at
/// 44.1 kHz, 128 blocks of 512). Staggered tracks refill one per block, so
/// the window can be long: a program's sixteen tracks then query in one
/// block in eight (where 16,384 made every block a track's refill block or
/// left one block in 32 with all sixteen).
pub const CONTROL_LOOKAHEAD_SAMPLES: u64 = 65_536;

/// The window of a pattern with continuous parts, in samples: each of its
/// [`CONTINUOUS_STEP`]s is a query, so a refill stays at 32 queries.
pub const CONTINUOUS_LOOKAHEAD_SAMPLES: u64 = 1024;

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
    /// The value changes of the window: (absolute sample, value) in sample
    /// order; at one sample they apply in turn, so the last wins. Reused.
    changes: Vec<(u64, f32)>,
    /// The next change to apply.
    next: usize,
    /// The window covers samples up to here (exclusive).
    window_end: u64,
    /// Where the next block should start; a block elsewhere (a jump) drops
    /// the window and queries again from its own start.
    position: u64,
    /// This track's share of a window by which its first window is cut
    /// short, `(index, count)`: see [`ControlTrack::staggered`].
    stagger: (u64, u64),
    /// Set until the first window after a start or a jump is queried.
    first_window: bool,
}

impl ControlTrack {
    pub fn new(pattern: Pattern<Value>, conversion: Conversion) -> ControlTrack {
        ControlTrack {
            pattern,
            conversion,
            held: 0.0,
            primed: false,
            changes: Vec::with_capacity(64),
            next: 0,
            window_end: 0,
            position: 0,
            stagger: (0, 1),
            first_window: true,
        }
    }

    /// Track `index` of `count` in one program: its first window (after a
    /// start or a jump) is cut short by `index / count` of its length, so
    /// the tracks' windows end, and the next ones are queried, in different
    /// blocks rather than all in one (which made one block in 32 several
    /// times slower). The values are the same either way.
    pub fn staggered(mut self, index: usize, count: usize) -> ControlTrack {
        self.stagger = (index as u64, count.max(1) as u64);
        self
    }

    /// The value held now (the last value written).
    pub fn held(&self) -> f32 {
        self.held
    }

    /// Back to the state of a new track, keeping the storage.
    pub fn reset(&mut self) {
        self.held = 0.0;
        self.primed = false;
        self.changes.clear();
        self.next = 0;
        self.window_end = 0;
        self.position = 0;
        self.first_window = true;
    }

    /// Fills `out` with the control values of samples `[start, start +
    /// out.len())`; returns the value, when one holds through all of them.
    pub fn render(&mut self, clock: &SampleClock, start: u64, out: &mut [f32]) -> Option<f32> {
        self.render_reusing(clock, start, out, &mut None)
    }

    /// [`ControlTrack::render`] into a buffer that `filled` describes: what
    /// the previous call left in it (`(value bits, samples)`, or `None` when
    /// unknown), which it updates. A block that holds the value the buffer
    /// already holds is not written again. The caller must pass the same
    /// buffer every time, written by nothing else.
    pub fn render_reusing(
        &mut self,
        clock: &SampleClock,
        start: u64,
        out: &mut [f32],
        filled: &mut Option<(u32, usize)>,
    ) -> Option<f32> {
        let end = start + out.len() as u64;
        if !self.primed {
            self.primed = true;
            self.take_sounding_value(clock, start, out.len());
            self.drop_window(start);
        } else if start != self.position {
            self.drop_window(start);
        }
        // Each run of one value is written when the next change ends it;
        // the last one after the walk, unless the buffer already holds it.
        let mut run_start = start;
        let mut written = start;
        while written < end {
            if written >= self.window_end {
                self.refill(clock, written);
            }
            let stop = end.min(self.window_end);
            while let Some(&(at, value)) = self.changes.get(self.next) {
                if at >= stop {
                    break;
                }
                let at = at.max(written);
                if at > run_start {
                    out[(run_start - start) as usize..(at - start) as usize].fill(self.held);
                    run_start = at;
                }
                self.held = value;
                written = at;
                self.next += 1;
            }
            written = stop;
        }
        self.position = end;
        let whole_block = run_start == start;
        let bits = self.held.to_bits();
        let held_already = whole_block
            && filled.is_some_and(|(value, samples)| value == bits && samples >= out.len());
        if !held_already {
            out[(run_start - start) as usize..].fill(self.held);
            *filled = whole_block.then_some((bits, out.len()));
        }
        whole_block.then_some(self.held)
    }

    /// The value of the events already sounding at `start`, found among
    /// the haps of the first block's onset span (`len` samples long).
    fn take_sounding_value(&mut self, clock: &SampleClock, start: u64, len: usize) {
        let haps = self.pattern.query(clock.onset_span(start, len));
        let now = clock.cycle_at(start);
        let sounding = haps.iter().filter(|h| {
            h.whole
                .is_some_and(|w| clock.sample_at_or_after(w.begin) < start && w.end > now)
        });
        if let Some(value) = sounding
            .filter_map(|h| self.conversion.convert(&h.value))
            .next_back()
        {
            self.held = value;
        }
    }

    /// Forgets the window, so that the next one starts at `start`.
    fn drop_window(&mut self, start: u64) {
        self.changes.clear();
        self.next = 0;
        self.window_end = start;
        self.first_window = true;
    }

    /// Queries the window that starts at `from` (the previous one's end)
    /// into `changes`: the onsets whose first sample falls in it, then, if
    /// the pattern has continuous parts there, one sample of them at every
    /// step. At one sample a continuous value comes after the onsets.
    fn refill(&mut self, clock: &SampleClock, from: u64) {
        let grid = CONTINUOUS_STEP as u64;
        let mut end = clock.lookahead_end(from, CONTROL_LOOKAHEAD_SAMPLES, grid);
        let haps = self
            .pattern
            .query(clock.onset_span(from, (end - from) as usize));
        let continuous = haps.iter().any(|h| h.whole.is_none());
        if continuous {
            end = end.min(clock.lookahead_end(from, CONTINUOUS_LOOKAHEAD_SAMPLES, grid));
        }
        if std::mem::take(&mut self.first_window) {
            let (index, count) = self.stagger;
            let cut = (end - from) * index / count / grid * grid;
            if end - cut > from {
                end -= cut;
            }
        }
        self.changes.clear();
        self.next = 0;
        self.window_end = end;
        for hap in haps.iter().filter(|h| h.has_onset()) {
            let (Some(whole), Some(value)) = (hap.whole, self.conversion.convert(&hap.value))
            else {
                continue;
            };
            let at = clock.sample_at_or_after(whole.begin);
            if (from..end).contains(&at) {
                self.changes.push((at, value));
            }
        }
        if continuous {
            self.push_continuous_samples(clock, from, end);
        }
        // Stable: at one sample the later event (query order) wins, and a
        // continuous sample wins over the onsets.
        self.changes.sort_by_key(|&(at, _)| at);
    }

    /// Samples the whole-less haps at the start of every step in
    /// `[from, end)`; `end` is on the grid, `from` may be between steps.
    fn push_continuous_samples(&mut self, clock: &SampleClock, from: u64, end: u64) {
        let grid = CONTINUOUS_STEP as u64;
        let mut step = from;
        while step < end {
            let step_end = (step / grid + 1) * grid;
            for hap in self
                .pattern
                .query(clock.span(step, (step_end - step) as usize))
            {
                if hap.whole.is_none() {
                    if let Some(value) = self.conversion.convert(&hap.value) {
                        self.changes.push((step, value));
                    }
                }
            }
            step = step_end;
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
    fn a_block_says_when_it_holds_one_value() {
        // 1000 Hz, one cycle a second: 3.0 on samples 0..500, 4.0 from 500.
        let clock = SampleClock::new(1000, Fraction::ONE);
        let mut track = ControlTrack::new(fastcat(vec![num(3.0), num(4.0)]), Conversion::Number);
        let mut block = vec![0.0; 100];
        let mut constants = Vec::new();
        for start in [0, 100, 400, 450, 500, 600] {
            let len = if start == 400 { 50 } else { 100 };
            constants.push(track.render(&clock, start, &mut block[..len]));
        }
        assert_eq!(
            constants,
            [Some(3.0), Some(3.0), Some(3.0), None, Some(4.0), Some(4.0)],
            "a change inside the block (at 500 in 450..550) makes it vary; one on its first sample does not"
        );
    }

    #[test]
    fn reusing_one_buffer_gives_what_fresh_buffers_get() {
        let clock = SampleClock::new(1000, Fraction::ONE);
        let pat = fastcat(vec![num(3.0), num(4.0), num(4.0), num(3.0)]);
        let mut reusing = ControlTrack::new(pat.clone(), Conversion::Number);
        let mut fresh = ControlTrack::new(pat, Conversion::Number);
        let (mut buffer, mut filled) = (vec![0.0; 100], None);
        let mut start = 0u64;
        for len in [
            100, 100, 37, 100, 63, 100, 100, 100, 100, 100, 100, 100, 100,
        ] {
            let mut expected = vec![f32::NAN; len];
            let constant = fresh.render(&clock, start, &mut expected);
            let got = reusing.render_reusing(&clock, start, &mut buffer[..len], &mut filled);
            assert_eq!(buffer[..len], expected[..], "block at {start}");
            assert_eq!(got, constant);
            start += len as u64;
        }
    }

    #[test]
    fn a_buffer_already_holding_the_value_is_not_written() {
        let clock = SampleClock::new(1000, Fraction::ONE);
        let mut track = ControlTrack::new(num(5.0), Conversion::Number);
        let (mut buffer, mut filled) = (vec![0.0; 64], None);
        track.render_reusing(&clock, 0, &mut buffer, &mut filled);
        assert_eq!(filled, Some((5.0f32.to_bits(), 64)));
        // Marks what a second write would overwrite.
        buffer[10] = -1.0;
        track.render_reusing(&clock, 64, &mut buffer[..32], &mut filled);
        assert_eq!(buffer[10], -1.0, "a shorter block of the same value skips");
        track.render_reusing(&clock, 96, &mut buffer, &mut None);
        assert_eq!(buffer[10], 5.0, "without the record it writes");
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
