//! `chorus rate depth mix`: three modulated delay voices, after Dattorro,
//! "Effect Design Part 2: Delay-Line Modulation and Chorus", JAES 45(10),
//! 1997. Not a flanger (no feedback) and not stereo.
//!
//! One sine LFO at `rate` Hz (clamped to `0..20`) has phase `φ` in `0..1`,
//! starting at 0 and advanced after each sample. Voice `v` (0, 1, 2) reads
//! the input delayed by
//!
//! ```text
//! d_v = (0.015 + 0.005 * depth * sin(2π (φ + v / 3))) * rate   samples
//! ```
//!
//! (15 ms centre, up to ±5 ms swing at `depth` 1, `depth` clamped to
//! `0..1`), linearly interpolated. The input is written before the reads;
//! `wet` is the mean of the voices and `out = x + mix * (wet - x)`.
//! A non-finite result outputs 0 and clears the line.

use super::{clamp_finite, input_at, param, MonoNode};
use std::f32::consts::TAU;

const CENTRE_SECONDS: f32 = 0.015;
const SWING_SECONDS: f32 = 0.005;
const VOICES: usize = 3;

/// The chorus; see the module docs.
#[derive(Debug)]
pub struct Chorus {
    rate: f32,
    buffer: Vec<f32>,
    write: usize,
    lfo_phase: f32,
}

impl Clone for Chorus {
    fn clone(&self) -> Self {
        Chorus {
            rate: self.rate,
            buffer: self.buffer.clone(),
            write: self.write,
            lfo_phase: self.lfo_phase,
        }
    }

    /// Into the existing line: no allocation when both have one length.
    fn clone_from(&mut self, source: &Self) {
        self.rate = source.rate;
        self.buffer.clone_from(&source.buffer);
        self.write = source.write;
        self.lfo_phase = source.lfo_phase;
    }
}

impl Chorus {
    pub fn new(rate: f32) -> Self {
        let len = ((CENTRE_SECONDS + SWING_SECONDS) * rate).max(0.0).ceil() as usize + 3;
        Chorus {
            rate,
            buffer: vec![0.0; len],
            write: 0,
            lfo_phase: 0.0,
        }
    }

    pub fn reset(&mut self) {
        self.buffer.fill(0.0);
        self.write = 0;
        self.lfo_phase = 0.0;
    }

    /// Linear read `d` samples behind the sample just written.
    fn read(&self, d: f32) -> f32 {
        let len = self.buffer.len();
        let d = d.clamp(0.0, (len - 2) as f32);
        let whole = d.floor();
        let frac = d - whole;
        let newest = (self.write + len - 1) % len;
        let near = self.buffer[(newest + len - whole as usize) % len];
        let far = self.buffer[(newest + 2 * len - whole as usize - 1) % len];
        near + frac * (far - near)
    }

    pub fn tick(&mut self, x: f32, rate: f32, depth: f32, mix: f32) -> f32 {
        let len = self.buffer.len();
        self.buffer[self.write] = x;
        self.write = (self.write + 1) % len;
        let depth = clamp_finite(depth, 0.0, 1.0);
        let mut wet = 0.0;
        for voice in 0..VOICES {
            let lfo = (TAU * (self.lfo_phase + voice as f32 / VOICES as f32)).sin();
            wet += self.read((CENTRE_SECONDS + SWING_SECONDS * depth * lfo) * self.rate);
        }
        wet /= VOICES as f32;
        let advanced = self.lfo_phase + clamp_finite(rate, 0.0, 20.0) / self.rate;
        self.lfo_phase = if advanced >= 1.0 {
            advanced - 1.0
        } else {
            advanced
        };
        let y = x + clamp_finite(mix, 0.0, 1.0) * (wet - x);
        if y.is_finite() {
            y
        } else {
            self.reset();
            0.0
        }
    }

    /// `params`: `[rate, depth, mix]`.
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(
                input_at(input, i),
                param(params, 0, i, 1.0),
                param(params, 1, i, 0.5),
                param(params, 2, i, 0.3),
            );
        }
    }
}

impl MonoNode for Chorus {
    fn reset(&mut self) {
        Chorus::reset(self);
    }
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Chorus::process(self, input, params, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_no_depth_every_voice_is_the_centre_delay() {
        let rate = 1000.0;
        let mut chorus = Chorus::new(rate);
        let mut input = vec![0.0; 40];
        input[0] = 1.0;
        let mut out = vec![0.0; 40];
        chorus.process(&input, &[&[1.0], &[0.0], &[1.0]], &mut out);
        // 15 ms at 1 kHz is 15 samples.
        let hits: Vec<usize> = out
            .iter()
            .enumerate()
            .filter(|(_, y)| y.abs() > 1e-6)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(hits, [15]);
        assert!((out[15] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn depth_spreads_the_voices() {
        let rate = 10_000.0;
        let mut chorus = Chorus::new(rate);
        let mut input = vec![0.0; 400];
        input[0] = 1.0;
        let mut out = vec![0.0; 400];
        chorus.process(&input, &[&[0.0], &[1.0], &[1.0]], &mut out);
        // Voice delays at φ = 0: 150, 150 + 50 sin(120°), 150 + 50 sin(240°).
        let energy_at = |i: usize| out[i - 1..=i + 1].iter().map(|y| y.abs()).sum::<f32>();
        assert!(energy_at(150) > 0.3);
        assert!(energy_at(193) > 0.3);
        assert!(energy_at(107) > 0.3);
        assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}
