//! Preparation for an event pattern: one query per span of samples (a
//! query-ahead window of many blocks), the haps that start inside it turned
//! into [`Onset`]s (sample offset, length, parameters
//! parsed into the plain [`EventParams`]). Not the mixing loop: the query and
//! the parsing allocate, and run before it, so that the loop that starts and
//! mixes voices reads no strings and allocates nothing.
//!
//! # Controls read from each event's value
//!
//! A value is a control map (`{"s": "bd", "gain": 0.5}`); a bare word or a
//! `bd:3` list stands for `{"s": ...}`. Keys (Strudel's aliases in brackets):
//!
//! - `s` (`sound`, or a map's plain `value`): the instrument. An oscillator
//!   name (`sine`, `saw`/`sawtooth`, `square`, `tri`/`triangle`, `pulse`)
//!   starts a synth voice, whatever sample banks exist; any other name is a
//!   sample bank, `bd:3` naming its fourth file. With no instrument the event
//!   plays Strudel's default synth, `triangle`.
//! - `n`: for samples the file index, replacing a `:3` in the name (Strudel's
//!   `s("bd:3").n(1)` plays `bd:1`), floored; for synths semitones added to
//!   the note.
//! - `note`: for samples, semitones from the sample's own pitch (numbers as
//!   they are; note names count from `c5` = 0, as in Tidal, so `c6` is +12);
//!   for synths a MIDI number or a note name (`c4` = 60), MIDI 36 when absent
//!   (Strudel's default). `freq` in Hz, when present, wins over both.
//! - `gain` (linear) times `velocity` and `amp`; `pan` -1..1 (equal power, full level
//!   on both channels at the centre).
//! - `speed` (samples): playback rate factor, negative plays backwards from
//!   `end`; 0 plays nothing.
//! - `begin`, `end` (samples): the part of the file played, fractions 0..1.
//! - `cut`: a nonzero integer cut group; a new voice in a group stops the
//!   group's sounding voices with the short fade.
//! - `legato` (`clip`): the sounding length in event durations. A sample
//!   without it plays to its end; a synth's gate stays open for
//!   `duration * legato` (legato 1 when absent).
//! - `attack` `decay` `sustain` `release` (`att` `dec` `sus` `rel`, or an
//!   `adsr` list of up to four numbers), seconds and a level. Synths follow
//!   Strudel's rules for missing values (see [`synth_envelope`]). Samples use
//!   `attack` as a linear fade-in (0 when absent) and `release` as the linear
//!   fade after their legato length ends (the short 5 ms fade when absent).

use std::collections::BTreeMap;

use phonon_ir::pattern::note::{midi_to_hz, note_to_midi};
use phonon_ir::pattern::{Fraction, Pattern, Value};

use super::cache::SampleCache;
use crate::clock::SampleClock;
use crate::samples::SharedSample;

/// The length of the fade that stops a stolen or cut voice, in seconds; also
/// a sample's release after its legato length when no `release` is given.
pub const SHORT_FADE_SECONDS: f32 = 0.005;

/// The MIDI note a synth plays when its event has no `note` (Strudel's).
pub const DEFAULT_SYNTH_MIDI: f64 = 36.0;

/// Synth envelope when none of `attack decay sustain release` is given,
/// as in Strudel's synths.
pub const DEFAULT_SYNTH_ENVELOPE: Envelope = Envelope {
    attack: 0.001,
    decay: 0.05,
    sustain: 0.6,
    release: 0.01,
};

/// The MIDI number that sample `note` names count from (`c5` = 0).
const SAMPLE_NOTE_ORIGIN_MIDI: f64 = 72.0;

/// A synth voice's oscillator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waveform {
    Sine,
    Saw,
    Square,
    Tri,
    Pulse,
}

impl Waveform {
    /// The oscillator an instrument name stands for, with Strudel's long
    /// names (`sawtooth`, `triangle`) as aliases.
    pub fn from_name(name: &str) -> Option<Waveform> {
        match name {
            "sine" => Some(Waveform::Sine),
            "saw" | "sawtooth" => Some(Waveform::Saw),
            "square" => Some(Waveform::Square),
            "tri" | "triangle" => Some(Waveform::Tri),
            "pulse" => Some(Waveform::Pulse),
            _ => None,
        }
    }
}

/// What an event plays, resolved before mixing.
#[derive(Clone, Debug)]
pub enum Instrument {
    /// A sample file, read `rate` frames per output sample (negative:
    /// backwards); `speed`, `note` and the file's own rate folded in.
    Sample { buffer: SharedSample, rate: f64 },
    /// An oscillator at `freq` Hz.
    Synth { waveform: Waveform, freq: f32 },
    /// Nothing: a missing sample, or an event that cannot sound.
    Silent,
}

/// Envelope times in seconds and the sustain level (0..1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Envelope {
    pub attack: f32,
    pub decay: f32,
    pub sustain: f32,
    pub release: f32,
}

/// One event's parameters as the voices read them: numbers only.
#[derive(Clone, Debug)]
pub struct EventParams {
    pub instrument: Instrument,
    /// Linear gain (`gain * velocity * amp`), at least 0.
    pub gain: f32,
    /// -1 (left) .. 1 (right).
    pub pan: f32,
    /// Start of the played part of a sample, 0..1.
    pub begin: f32,
    /// End of the played part of a sample, 0..1.
    pub end: f32,
    /// Cut group; `None` for no group (absent or 0).
    pub cut: Option<i64>,
    /// Sounding length in event durations.
    pub legato: Option<f32>,
    pub envelope: Envelope,
}

impl EventParams {
    /// An event that plays nothing.
    pub fn silent() -> EventParams {
        EventParams {
            instrument: Instrument::Silent,
            gain: 1.0,
            pan: 0.0,
            begin: 0.0,
            end: 1.0,
            cut: None,
            legato: None,
            envelope: sample_envelope(None, None),
        }
    }
}

/// An event that starts inside a block.
#[derive(Clone, Debug)]
pub struct Onset {
    /// Samples from the block start to the onset's first sample.
    pub offset: usize,
    /// The event's whole length, in samples (at least 1).
    pub duration: u64,
    pub params: EventParams,
}

/// Fills `onsets` with the events of `pattern` whose first sample (the first
/// at or after `whole.begin`) lies in `[start, start + len)`, in offset
/// order (events at the same offset keep the pattern's order). Allocates.
pub fn collect_onsets(
    pattern: &Pattern<Value>,
    clock: &SampleClock,
    start: u64,
    len: usize,
    samples: &mut SampleCache,
    onsets: &mut Vec<Onset>,
) {
    onsets.clear();
    if len == 0 {
        return;
    }
    let end = start + len as u64;
    for hap in pattern.query(clock.onset_span(start, len)) {
        let Some(whole) = hap.whole else { continue };
        if !hap.has_onset() {
            continue;
        }
        let at = clock.sample_at_or_after(whole.begin);
        if at < start || at >= end || whole.begin < Fraction::ZERO {
            continue;
        }
        let duration = clock
            .sample_at_or_after(whole.end)
            .saturating_sub(at)
            .max(1);
        onsets.push(Onset {
            offset: (at - start) as usize,
            duration,
            params: parse_event(&hap.value, samples),
        });
    }
    onsets.sort_by_key(|onset| onset.offset);
}

/// Reads an event's value into [`EventParams`], loading its sample through
/// `samples` (a missing one is a warning there and [`Instrument::Silent`]).
pub fn parse_event(value: &Value, samples: &mut SampleCache) -> EventParams {
    let controls = Controls::of(value);
    let gain =
        controls.number(&["gain"]).unwrap_or(1.0) * controls.number(&["velocity"]).unwrap_or(1.0);
    let attack = controls.number(&["attack", "att"]);
    let decay = controls.number(&["decay", "dec"]);
    let sustain = controls.number(&["sustain", "sus"]);
    let release = controls.number(&["release", "rel"]);
    let adsr = controls.adsr();
    let [attack, decay, sustain, release] = [
        attack.or(adsr[0]),
        decay.or(adsr[1]),
        sustain.or(adsr[2]),
        release.or(adsr[3]),
    ];
    let mut params = EventParams {
        instrument: Instrument::Silent,
        gain: finite_or(gain as f32, 1.0).max(0.0),
        pan: finite_or(controls.number(&["pan"]).unwrap_or(0.0) as f32, 0.0).clamp(-1.0, 1.0),
        begin: unit_fraction(controls.number(&["begin"]), 0.0),
        end: unit_fraction(controls.number(&["end"]), 1.0),
        cut: controls
            .number(&["cut"])
            .map(|g| g.round() as i64)
            .filter(|&g| g != 0),
        legato: controls
            .number(&["legato", "clip"])
            .map(|l| l as f32)
            .filter(|l| l.is_finite() && *l > 0.0),
        envelope: sample_envelope(attack, release),
    };
    params.instrument = match controls.instrument() {
        InstrumentName::Synth(waveform) => {
            params.envelope = synth_envelope([attack, decay, sustain, release]);
            synth(waveform, &controls)
        }
        InstrumentName::Sample(text, index) => sample(text, index, &controls, samples),
        InstrumentName::Invalid => Instrument::Silent,
    };
    params
}

/// Strudel's envelope rule for synths: all four missing gives
/// [`DEFAULT_SYNTH_ENVELOPE`]; otherwise attack and decay at least 1 ms,
/// release at least 10 ms, and a missing sustain is full when the decay is
/// not given (so `attack` alone holds the note), else silent.
pub fn synth_envelope(given: [Option<f64>; 4]) -> Envelope {
    const ENV_MIN: f32 = 0.001;
    const RELEASE_MIN: f32 = 0.01;
    let [attack, decay, sustain, release] = given.map(|v| v.map(|v| finite_or(v as f32, 0.0)));
    if given.iter().all(Option::is_none) {
        return DEFAULT_SYNTH_ENVELOPE;
    }
    let sustain = sustain.unwrap_or(if decay.is_none() { 1.0 } else { ENV_MIN });
    Envelope {
        attack: attack.unwrap_or(0.0).max(ENV_MIN),
        decay: decay.unwrap_or(0.0).max(ENV_MIN),
        sustain: sustain.clamp(0.0, 1.0),
        release: release.unwrap_or(0.0).max(RELEASE_MIN),
    }
}

/// A sample's fades: `attack` in (0 when absent) and `release` after the
/// legato length ([`SHORT_FADE_SECONDS`] when absent).
fn sample_envelope(attack: Option<f64>, release: Option<f64>) -> Envelope {
    Envelope {
        attack: finite_or(attack.unwrap_or(0.0) as f32, 0.0).max(0.0),
        decay: 0.0,
        sustain: 1.0,
        release: finite_or(release.map_or(SHORT_FADE_SECONDS, |r| r as f32), 0.0).max(0.0),
    }
}

fn synth(waveform: Waveform, controls: &Controls<'_>) -> Instrument {
    let freq = match controls.number(&["freq"]) {
        Some(hz) => hz,
        None => {
            let midi = controls.note_midi().unwrap_or(DEFAULT_SYNTH_MIDI);
            midi_to_hz(midi + controls.number(&["n"]).unwrap_or(0.0))
        }
    };
    let freq = freq as f32;
    if freq.is_finite() && freq > 0.0 {
        Instrument::Synth { waveform, freq }
    } else {
        Instrument::Silent
    }
}

fn sample(
    text: &str,
    index: Option<i64>,
    controls: &Controls<'_>,
    samples: &mut SampleCache,
) -> Instrument {
    let index = controls.number(&["n"]).map(|n| n.floor() as i64).or(index);
    let Some(buffer) = samples.get(text, index) else {
        return Instrument::Silent;
    };
    let semitones = match controls.get(&["note"]) {
        Some(Value::Str(name)) => note_to_midi(name).map(|m| m - SAMPLE_NOTE_ORIGIN_MIDI),
        Some(other) => other.as_f64(),
        None => None,
    }
    .unwrap_or(0.0);
    let speed = controls.number(&["speed"]).unwrap_or(1.0);
    let rate =
        speed * (semitones / 12.0).exp2() * f64::from(buffer.rate()) / f64::from(samples.rate());
    if rate.is_finite() && rate != 0.0 && !buffer.is_empty() {
        Instrument::Sample { buffer, rate }
    } else {
        Instrument::Silent
    }
}

/// How an event names its instrument.
enum InstrumentName<'a> {
    Synth(Waveform),
    /// A sample name as written (`bd` or `bd:3`) and an index given apart
    /// from it (the `3` of a `[bd, 3]` list).
    Sample(&'a str, Option<i64>),
    /// Something that names nothing (a number, a map).
    Invalid,
}

/// A read-only view of an event's controls.
struct Controls<'a> {
    map: Option<&'a BTreeMap<String, Value>>,
    /// A bare value, standing for `{"s": value}`.
    bare: Option<&'a Value>,
}

impl<'a> Controls<'a> {
    fn of(value: &'a Value) -> Controls<'a> {
        match value {
            Value::Map(map) => Controls {
                map: Some(map),
                bare: None,
            },
            other => Controls {
                map: None,
                bare: Some(other),
            },
        }
    }

    /// The first of `keys` present.
    fn get(&self, keys: &[&str]) -> Option<&'a Value> {
        let map = self.map?;
        keys.iter().find_map(|key| map.get(*key))
    }

    /// A number: a number, a boolean, or a word that reads as a number.
    fn number(&self, keys: &[&str]) -> Option<f64> {
        match self.get(keys)? {
            Value::Str(text) => text.parse().ok(),
            other => other.as_f64(),
        }
        .filter(|n: &f64| n.is_finite())
    }

    /// `note` as a MIDI number (synths).
    fn note_midi(&self) -> Option<f64> {
        match self.get(&["note"])? {
            Value::Str(name) => note_to_midi(name).or_else(|| name.parse().ok()),
            other => other.as_f64(),
        }
        .filter(|n| n.is_finite())
    }

    /// An `adsr` list read into its four optional parts.
    fn adsr(&self) -> [Option<f64>; 4] {
        let mut parts = [None; 4];
        match self.get(&["adsr"]) {
            Some(Value::List(items)) => {
                for (part, item) in parts.iter_mut().zip(items) {
                    *part = item.as_f64().filter(|n| n.is_finite());
                }
            }
            Some(single) => parts[0] = single.as_f64().filter(|n| n.is_finite()),
            None => {}
        }
        parts
    }

    fn instrument(&self) -> InstrumentName<'a> {
        let named = self.bare.or_else(|| {
            self.get(&["s", "sound"]).or_else(|| {
                self.get(&["value"])
                    .filter(|v| matches!(v, Value::Str(_) | Value::List(_)))
            })
        });
        match named {
            None => InstrumentName::Synth(Waveform::Tri),
            Some(Value::Str(text)) => name_of(text, None),
            Some(Value::List(parts)) => match parts.as_slice() {
                [Value::Str(text), rest @ ..] => {
                    let index = rest
                        .first()
                        .and_then(Value::as_f64)
                        .map(|i| i.floor() as i64);
                    name_of(text, index)
                }
                _ => InstrumentName::Invalid,
            },
            Some(_) => InstrumentName::Invalid,
        }
    }
}

fn name_of(text: &str, index: Option<i64>) -> InstrumentName<'_> {
    let bank = text.split(':').next().unwrap_or(text);
    match Waveform::from_name(bank) {
        Some(waveform) => InstrumentName::Synth(waveform),
        None => InstrumentName::Sample(text, index),
    }
}

fn finite_or(x: f32, fallback: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        fallback
    }
}

fn unit_fraction(value: Option<f64>, fallback: f32) -> f32 {
    finite_or(value.map_or(fallback, |v| v as f32), fallback).clamp(0.0, 1.0)
}
