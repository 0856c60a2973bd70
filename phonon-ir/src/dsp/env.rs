//! Envelopes and control shapers: `adsr`, `ad`, `ar` (driven by a gate),
//! `line`, `lag` and `mtof`. Not voice allocation: a voice owns one of these
//! and feeds it its gate.
//!
//! # The gate
//!
//! Envelopes take a gate signal in the `input` slot: the gate is open while
//! it is above 0. A **trigger** is a sample where the gate is open and either
//! was closed on the previous sample or holds a different value, so the
//! compiler can retrigger without closing the gate: a voice gate is 1 while
//! the note is held; the cycle gate used outside a voice is `floor(cycle) + 1`,
//! which changes at every cycle start. NaN reads as a closed gate.
//!
//! # Segments
//!
//! Segments are linear, as Csound's `linsegr`: a trigger starts the attack
//! from the current level (no click on retrigger), rising by
//! `1 / max(attack * rate, 1)` per sample to 1; the decay falls to the
//! sustain level by `(1 - sustain) / max(decay * rate, 1)` per sample; when
//! the gate closes the release falls from the level it had then to 0 in
//! `release` seconds. Each sample first reads the gate, then moves the level,
//! then outputs it, so the trigger sample already carries one attack step.
//! Times are read every sample and clamped to `0..`; sustain to `0..1`. A
//! segment ends on the first sample whose accumulated `f32` steps reach its
//! target, so rounding may lengthen it by one sample.

use super::{clamp_finite, flush_denormal, input_at, param, MonoNode};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Idle,
    Attack,
    Decay,
    Sustain,
    Release,
}

/// The linear segment engine shared by `adsr`, `ad` and `ar`.
#[derive(Clone, Debug)]
struct Segments {
    rate: f32,
    /// `ad` ignores the gate closing: its decay always runs to 0.
    one_shot: bool,
    stage: Stage,
    level: f32,
    last_gate: f32,
    release_from: f32,
}

impl Segments {
    fn new(rate: f32, one_shot: bool) -> Self {
        Segments {
            rate,
            one_shot,
            stage: Stage::Idle,
            level: 0.0,
            last_gate: 0.0,
            release_from: 0.0,
        }
    }

    fn reset(&mut self) {
        *self = Segments::new(self.rate, self.one_shot);
    }

    /// Per-sample increment covering `span` in `secs` (at least one sample).
    fn step(&self, span: f32, secs: f32) -> f32 {
        span / (clamp_finite(secs, 0.0, f32::INFINITY) * self.rate).max(1.0)
    }

    fn tick(&mut self, gate: f32, attack: f32, decay: f32, sustain: f32, release: f32) -> f32 {
        let gate = if gate > 0.0 { gate } else { 0.0 };
        let sustain = clamp_finite(sustain, 0.0, 1.0);
        if gate > 0.0 && gate != self.last_gate {
            self.stage = Stage::Attack;
        } else if gate == 0.0 && self.last_gate > 0.0 && !self.one_shot && self.stage != Stage::Idle
        {
            self.stage = Stage::Release;
            self.release_from = self.level;
        }
        self.last_gate = gate;

        match self.stage {
            Stage::Idle => self.level = 0.0,
            Stage::Attack => {
                self.level += self.step(1.0, attack);
                if self.level >= 1.0 {
                    self.level = 1.0;
                    self.stage = Stage::Decay;
                }
            }
            Stage::Decay => {
                self.level -= self.step(1.0 - sustain, decay);
                if self.level <= sustain {
                    self.level = sustain;
                    self.stage = if self.one_shot {
                        Stage::Idle
                    } else {
                        Stage::Sustain
                    };
                }
            }
            Stage::Sustain => self.level = sustain,
            Stage::Release => {
                self.level -= self.step(self.release_from, release);
                if self.level <= 0.0 {
                    self.level = 0.0;
                    self.stage = Stage::Idle;
                }
            }
        }
        self.level = flush_denormal(self.level);
        if self.level.is_finite() {
            self.level
        } else {
            self.reset();
            0.0
        }
    }
}

/// `adsr attack decay sustain release`: rises to 1, falls to `sustain`, holds
/// it while the gate is open, then falls to 0 over `release`.
#[derive(Clone, Debug)]
pub struct Adsr {
    segments: Segments,
}

impl Adsr {
    pub fn new(rate: f32) -> Self {
        Adsr {
            segments: Segments::new(rate, false),
        }
    }

    pub fn reset(&mut self) {
        self.segments.reset();
    }

    pub fn tick(&mut self, gate: f32, attack: f32, decay: f32, sustain: f32, release: f32) -> f32 {
        self.segments.tick(gate, attack, decay, sustain, release)
    }

    /// `gate` as in the module docs; `params`: `[attack, decay, sustain, release]`.
    pub fn process(&mut self, gate: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(
                input_at(gate, i),
                param(params, 0, i, 0.01),
                param(params, 1, i, 0.1),
                param(params, 2, i, 0.7),
                param(params, 3, i, 0.3),
            );
        }
    }
}

/// `ad attack decay`: one shot; a trigger rises to 1 then falls to 0,
/// whatever the gate does afterwards.
#[derive(Clone, Debug)]
pub struct Ad {
    segments: Segments,
}

impl Ad {
    pub fn new(rate: f32) -> Self {
        Ad {
            segments: Segments::new(rate, true),
        }
    }

    pub fn reset(&mut self) {
        self.segments.reset();
    }

    pub fn tick(&mut self, gate: f32, attack: f32, decay: f32) -> f32 {
        self.segments.tick(gate, attack, decay, 0.0, 0.0)
    }

    /// `gate` as in the module docs; `params`: `[attack, decay]`.
    pub fn process(&mut self, gate: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(
                input_at(gate, i),
                param(params, 0, i, 0.01),
                param(params, 1, i, 0.3),
            );
        }
    }
}

/// `ar attack release`: rises to 1, holds while the gate is open, falls to 0
/// over `release` once it closes (an `adsr` with no decay and full sustain).
#[derive(Clone, Debug)]
pub struct Ar {
    segments: Segments,
}

impl Ar {
    pub fn new(rate: f32) -> Self {
        Ar {
            segments: Segments::new(rate, false),
        }
    }

    pub fn reset(&mut self) {
        self.segments.reset();
    }

    pub fn tick(&mut self, gate: f32, attack: f32, release: f32) -> f32 {
        self.segments.tick(gate, attack, 0.0, 1.0, release)
    }

    /// `gate` as in the module docs; `params`: `[attack, release]`.
    pub fn process(&mut self, gate: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(
                input_at(gate, i),
                param(params, 0, i, 0.01),
                param(params, 1, i, 0.3),
            );
        }
    }
}

/// `line from to secs`: Csound's `line`, once: `from` at sample 0, then
/// `from + (to - from) * progress`, where `progress` grows by
/// `1 / max(secs * rate, 1)` per sample up to 1 and stays there.
#[derive(Clone, Debug)]
pub struct Line {
    rate: f32,
    progress: f32,
}

impl Line {
    pub fn new(rate: f32) -> Self {
        Line {
            rate,
            progress: 0.0,
        }
    }

    pub fn reset(&mut self) {
        self.progress = 0.0;
    }

    pub fn tick(&mut self, from: f32, to: f32, secs: f32) -> f32 {
        let y = from + (to - from) * self.progress;
        let samples = (clamp_finite(secs, 0.0, f32::INFINITY) * self.rate).max(1.0);
        self.progress = (self.progress + 1.0 / samples).min(1.0);
        if y.is_finite() {
            y
        } else {
            0.0
        }
    }

    /// No input; `params`: `[from, to, secs]`.
    pub fn process(&mut self, params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(
                param(params, 0, i, 0.0),
                param(params, 1, i, 0.0),
                param(params, 2, i, 1.0),
            );
        }
    }
}

/// `lag secs`: SuperCollider's `Lag`, a one-pole low-pass whose `secs` is
/// the time to come within 60 dB of a step: `b = 0.001^(1 / (secs * rate))`,
/// `y = x + b (y - x)`. `secs <= 0` passes the input through. The state
/// starts at the first input sample, so a constant is not faded in from 0.
#[derive(Clone, Debug)]
pub struct Lag {
    rate: f32,
    y: Option<f32>,
}

impl Lag {
    pub fn new(rate: f32) -> Self {
        Lag { rate, y: None }
    }

    pub fn reset(&mut self) {
        self.y = None;
    }

    pub fn tick(&mut self, x: f32, secs: f32) -> f32 {
        let samples = clamp_finite(secs, 0.0, f32::INFINITY) * self.rate;
        let b = if samples > 0.0 {
            0.001f32.powf(1.0 / samples)
        } else {
            0.0
        };
        let previous = self.y.unwrap_or(x);
        let y = flush_denormal(x + b * (previous - x));
        if y.is_finite() {
            self.y = Some(y);
            y
        } else {
            self.reset();
            0.0
        }
    }

    /// `params`: `[secs]`.
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(input_at(input, i), param(params, 0, i, 0.1));
        }
    }
}

/// `mtof`: MIDI note number to Hz by the MIDI tuning standard,
/// `440 * 2^((m - 69) / 12)` (so 69 is 440 Hz and 60 is middle C).
#[derive(Clone, Debug, Default)]
pub struct Mtof;

impl Mtof {
    pub fn new(_rate: f32) -> Self {
        Mtof
    }

    pub fn tick(x: f32) -> f32 {
        let hz = 440.0 * ((x - 69.0) / 12.0).exp2();
        if hz.is_finite() {
            hz
        } else {
            0.0
        }
    }

    /// No parameters.
    pub fn process(&mut self, input: &[f32], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = Self::tick(input_at(input, i));
        }
    }
}

impl MonoNode for Adsr {
    fn reset(&mut self) {
        Adsr::reset(self);
    }
    fn process(&mut self, gate: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Adsr::process(self, gate, params, out);
    }
}

impl MonoNode for Ad {
    fn reset(&mut self) {
        Ad::reset(self);
    }
    fn process(&mut self, gate: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Ad::process(self, gate, params, out);
    }
}

impl MonoNode for Ar {
    fn reset(&mut self) {
        Ar::reset(self);
    }
    fn process(&mut self, gate: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Ar::process(self, gate, params, out);
    }
}

impl MonoNode for Line {
    fn reset(&mut self) {
        Line::reset(self);
    }
    fn process(&mut self, _input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Line::process(self, params, out);
    }
}

impl MonoNode for Lag {
    fn reset(&mut self) {
        Lag::reset(self);
    }
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Lag::process(self, input, params, out);
    }
}

impl MonoNode for Mtof {
    fn reset(&mut self) {}
    fn process(&mut self, input: &[f32], _params: &[&[f32]], out: &mut [f32]) {
        Mtof::process(self, input, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: f32 = 1000.0;

    #[test]
    fn adsr_walks_its_segments() {
        let mut env = Adsr::new(RATE);
        // attack 10 ms = 10 samples, decay 10 samples to 0.5, release 20 samples.
        let mut gate = vec![1.0; 50];
        gate.extend(vec![0.0; 30]);
        let mut out = vec![0.0; 80];
        env.process(&gate, &[&[0.01], &[0.01], &[0.5], &[0.02]], &mut out);
        assert!((out[0] - 0.1).abs() < 1e-6);
        assert!((out[9] - 1.0).abs() < 1e-6);
        assert!((out[19] - 0.5).abs() < 1e-5);
        assert_eq!(out[40], 0.5);
        assert!((out[50] - 0.475).abs() < 1e-5);
        assert!((out[59] - 0.25).abs() < 1e-5);
        assert_eq!(out[69], 0.0);
        assert_eq!(out[79], 0.0);
    }

    #[test]
    fn a_changed_gate_value_retriggers_without_closing() {
        let mut env = Ar::new(RATE);
        let gate: Vec<f32> = (0..40).map(|i| if i < 20 { 1.0 } else { 2.0 }).collect();
        let mut out = vec![0.0; 40];
        env.process(&gate, &[&[0.0], &[0.0]], &mut out);
        assert!(out.iter().all(|&y| y == 1.0));
        let mut ad = Ad::new(RATE);
        ad.process(&gate, &[&[0.0], &[0.005]], &mut out);
        assert_eq!(out[0], 1.0);
        assert!(out[5] < 1e-6);
        assert_eq!(out[7], 0.0);
        assert_eq!(out[20], 1.0, "the cycle gate's step retriggers");
    }

    #[test]
    fn ad_ignores_the_gate_closing() {
        let mut env = Ad::new(RATE);
        let gate: Vec<f32> = (0..30).map(|i| if i < 2 { 1.0 } else { 0.0 }).collect();
        let mut out = vec![0.0; 30];
        env.process(&gate, &[&[0.005], &[0.01]], &mut out);
        assert_eq!(out[4], 1.0);
        assert!((out[9] - 0.5).abs() < 1e-6);
        assert_eq!(out[14], 0.0);
    }

    #[test]
    fn line_ramps_once() {
        let mut line = Line::new(RATE);
        let mut out = vec![0.0; 20];
        line.process(&[&[200.0], &[800.0], &[0.01]], &mut out);
        assert_eq!(out[0], 200.0);
        assert!((out[5] - 500.0).abs() < 1e-3);
        assert_eq!(out[10], 800.0);
        assert_eq!(out[19], 800.0);
    }

    #[test]
    fn lag_reaches_60_db_in_its_time() {
        let mut lag = Lag::new(RATE);
        let mut input = vec![0.0; 1];
        input.extend(vec![1.0; 100]);
        let mut out = vec![0.0; 101];
        lag.process(&input, &[&[0.05]], &mut out);
        assert!((out[50] - 0.999).abs() < 1e-4, "{}", out[50]);
        let mut through = vec![0.0; 3];
        lag.reset();
        lag.process(&[0.5, 0.25, 1.0], &[&[0.0]], &mut through);
        assert_eq!(through, [0.5, 0.25, 1.0]);
    }

    #[test]
    fn mtof_follows_the_tuning_standard() {
        assert_eq!(Mtof::tick(69.0), 440.0);
        assert!((Mtof::tick(60.0) - 261.6256).abs() < 1e-3);
        assert!((Mtof::tick(81.0) - 880.0).abs() < 1e-3);
        assert_eq!(Mtof::tick(f32::NAN), 0.0);
    }
}
