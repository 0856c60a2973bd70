//! `reverb room damp mix`: Jezar's Freeverb (public domain, 2000), one
//! channel: eight parallel low-pass-feedback comb filters into four series
//! Schroeder allpasses. Mono in, mono out (the left channel's tuning). Not
//! a convolution or FDN reverb.
//!
//! - Delay lengths are Freeverb's 44.1 kHz tuning (combs 1116, 1188, 1277,
//!   1356, 1422, 1491, 1557, 1617; allpasses 556, 441, 341, 225 samples)
//!   scaled by `rate / 44100` and rounded; all allocated in `new`.
//! - `room` (0..1) sets the comb feedback `0.7 + 0.28 room`; `damp` (0..1)
//!   sets the comb's one-pole low-pass `store = out (1 - 0.4 damp) +
//!   store 0.4 damp`; the allpass feedback is 0.5.
//! - The input is scaled by Freeverb's fixed gain 0.015; the wet signal is
//!   the allpass output at Freeverb's default wet level (`3 * 1/3 = 1`), and
//!   `out = x + mix * (wet - x)`.
//!
//! Comb filter stores are flushed of denormals; a non-finite result outputs
//! 0 and clears every line.

use super::{clamp_finite, flush_denormal, input_at, param, MonoNode};

const COMB_TUNING: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
const ALLPASS_TUNING: [usize; 4] = [556, 441, 341, 225];
const TUNING_RATE: f32 = 44_100.0;
const FIXED_GAIN: f32 = 0.015;
const SCALE_ROOM: f32 = 0.28;
const OFFSET_ROOM: f32 = 0.7;
const SCALE_DAMP: f32 = 0.4;
const ALLPASS_FEEDBACK: f32 = 0.5;

/// A Freeverb comb: delay line with a one-pole low-pass in its feedback.
#[derive(Debug)]
struct Comb {
    buffer: Vec<f32>,
    index: usize,
    store: f32,
}

impl Clone for Comb {
    fn clone(&self) -> Self {
        Comb {
            buffer: self.buffer.clone(),
            index: self.index,
            store: self.store,
        }
    }

    /// Into the existing line: no allocation when both have one length.
    fn clone_from(&mut self, source: &Self) {
        self.buffer.clone_from(&source.buffer);
        self.index = source.index;
        self.store = source.store;
    }
}

impl Comb {
    fn tick(&mut self, x: f32, feedback: f32, damp: f32) -> f32 {
        let out = self.buffer[self.index];
        self.store = flush_denormal(out * (1.0 - damp) + self.store * damp);
        self.buffer[self.index] = flush_denormal(x + self.store * feedback);
        self.index = (self.index + 1) % self.buffer.len();
        out
    }
}

/// A Freeverb allpass (Schroeder's, with Jezar's sign convention).
#[derive(Debug)]
struct Allpass {
    buffer: Vec<f32>,
    index: usize,
}

impl Clone for Allpass {
    fn clone(&self) -> Self {
        Allpass {
            buffer: self.buffer.clone(),
            index: self.index,
        }
    }

    /// Into the existing line: no allocation when both have one length.
    fn clone_from(&mut self, source: &Self) {
        self.buffer.clone_from(&source.buffer);
        self.index = source.index;
    }
}

impl Allpass {
    fn tick(&mut self, x: f32) -> f32 {
        let delayed = self.buffer[self.index];
        self.buffer[self.index] = flush_denormal(x + delayed * ALLPASS_FEEDBACK);
        self.index = (self.index + 1) % self.buffer.len();
        delayed - x
    }
}

fn scaled_length(tuning: usize, rate: f32) -> usize {
    ((tuning as f32 * rate / TUNING_RATE).round() as usize).max(1)
}

/// The reverb; see the module docs.
#[derive(Debug)]
pub struct Reverb {
    combs: Vec<Comb>,
    allpasses: Vec<Allpass>,
}

impl Clone for Reverb {
    fn clone(&self) -> Self {
        Reverb {
            combs: self.combs.clone(),
            allpasses: self.allpasses.clone(),
        }
    }

    /// Line by line into the existing ones (`Vec::clone_from` clones each
    /// element into its place): no allocation at one rate.
    fn clone_from(&mut self, source: &Self) {
        self.combs.clone_from(&source.combs);
        self.allpasses.clone_from(&source.allpasses);
    }
}

impl Reverb {
    pub fn new(rate: f32) -> Self {
        let combs = COMB_TUNING
            .iter()
            .map(|&t| Comb {
                buffer: vec![0.0; scaled_length(t, rate)],
                index: 0,
                store: 0.0,
            })
            .collect();
        let allpasses = ALLPASS_TUNING
            .iter()
            .map(|&t| Allpass {
                buffer: vec![0.0; scaled_length(t, rate)],
                index: 0,
            })
            .collect();
        Reverb { combs, allpasses }
    }

    pub fn reset(&mut self) {
        for comb in &mut self.combs {
            comb.buffer.fill(0.0);
            comb.index = 0;
            comb.store = 0.0;
        }
        for allpass in &mut self.allpasses {
            allpass.buffer.fill(0.0);
            allpass.index = 0;
        }
    }

    pub fn tick(&mut self, x: f32, room: f32, damp: f32, mix: f32) -> f32 {
        let feedback = OFFSET_ROOM + SCALE_ROOM * clamp_finite(room, 0.0, 1.0);
        let damp = SCALE_DAMP * clamp_finite(damp, 0.0, 1.0);
        let driven = x * FIXED_GAIN;
        let mut wet = 0.0;
        for comb in &mut self.combs {
            wet += comb.tick(driven, feedback, damp);
        }
        for allpass in &mut self.allpasses {
            wet = allpass.tick(wet);
        }
        let y = x + clamp_finite(mix, 0.0, 1.0) * (wet - x);
        if y.is_finite() && wet.is_finite() {
            y
        } else {
            self.reset();
            0.0
        }
    }

    /// `params`: `[room, damp, mix]`.
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(
                input_at(input, i),
                param(params, 0, i, 0.5),
                param(params, 1, i, 0.5),
                param(params, 2, i, 0.3),
            );
        }
    }
}

impl MonoNode for Reverb {
    fn reset(&mut self) {
        Reverb::reset(self);
    }
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Reverb::process(self, input, params, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rms(xs: &[f32]) -> f32 {
        (xs.iter().map(|x| x * x).sum::<f32>() / xs.len() as f32).sqrt()
    }

    #[test]
    fn the_tail_is_finite_and_decays() {
        let rate = 44_100.0;
        let mut reverb = Reverb::new(rate);
        let mut input = vec![0.0; 6 * 44_100];
        input[0] = 1.0;
        let mut out = vec![0.0; input.len()];
        reverb.process(&input, &[&[0.8], &[0.5], &[1.0]], &mut out);
        assert!(out.iter().all(|y| y.is_finite()));
        let second = |s: usize| rms(&out[s * 44_100..(s + 1) * 44_100]);
        assert!(second(0) > 1e-3, "there is a tail: {}", second(0));
        assert!(second(1) < second(0) && second(2) < second(1) && second(5) < second(2));
        assert!(
            second(5) < second(0) * 1e-2,
            "60 dB room decays: {} vs {}",
            second(5),
            second(0)
        );
        // Nothing arrives before the shortest comb.
        assert!(out[1..1116].iter().all(|&y| y == 0.0));
    }

    #[test]
    fn mix_zero_is_dry_and_lines_scale_with_rate() {
        let mut reverb = Reverb::new(88_200.0);
        assert_eq!(reverb.combs[0].buffer.len(), 2232);
        assert_eq!(reverb.allpasses[3].buffer.len(), 450);
        let input = [0.5, -0.25, 1.0];
        let mut out = [0.0; 3];
        reverb.process(&input, &[&[0.5], &[0.5], &[0.0]], &mut out);
        assert_eq!(out, input);
    }
}
