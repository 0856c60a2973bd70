//! `compressor threshold ratio attack release makeup`: a feed-forward
//! compressor with a hard knee and a peak detector in the log domain, the
//! "smooth branching" detector of Giannoulis, Massberg and Reiss, "Digital
//! Dynamic Range Compressor Design — A Tutorial and Analysis", JAES 60(6),
//! 2012 (§2.2, §3.2). Not a limiter (the master has its own).
//!
//! Per sample, in dB:
//!
//! ```text
//! level = 20 log10(max(|x|, 1e-6))                        -- floor -120 dB
//! over  = max(level - threshold, 0)
//! want  = over * (1 - 1 / ratio)                          -- gain reduction wanted
//! a     = exp(-1 / (attack * rate)) if want > reduction else exp(-1 / (release * rate))
//! reduction = a * reduction + (1 - a) * want
//! out   = x * 10^((makeup - reduction) / 20)
//! ```
//!
//! Threshold is clamped to `-120..24` dB, ratio to `1..100`, attack and
//! release to `0..10` s (0 gives a coefficient of 0: instant), makeup to
//! `-60..60` dB. A steady tone whose peaks are `P` dB over the threshold
//! settles at a reduction just under `P (1 - 1/ratio)` when release is slow
//! against the tone's period. The reduction state is flushed of denormals;
//! a non-finite result outputs 0 and clears it.

use super::{clamp_finite, flush_denormal, input_at, param, MonoNode};

/// The compressor; see the module docs.
#[derive(Clone, Debug)]
pub struct Compressor {
    rate: f32,
    /// Smoothed gain reduction in dB (0 or more).
    reduction: f32,
}

impl Compressor {
    pub fn new(rate: f32) -> Self {
        Compressor {
            rate,
            reduction: 0.0,
        }
    }

    pub fn reset(&mut self) {
        self.reduction = 0.0;
    }

    /// The current gain reduction in dB.
    pub fn reduction_db(&self) -> f32 {
        self.reduction
    }

    fn coefficient(&self, secs: f32) -> f32 {
        let samples = clamp_finite(secs, 0.0, 10.0) * self.rate;
        if samples > 0.0 {
            (-1.0 / samples).exp()
        } else {
            0.0
        }
    }

    pub fn tick(
        &mut self,
        x: f32,
        threshold: f32,
        ratio: f32,
        attack: f32,
        release: f32,
        makeup: f32,
    ) -> f32 {
        let level = 20.0 * x.abs().max(1e-6).log10();
        let over = (level - clamp_finite(threshold, -120.0, 24.0)).max(0.0);
        let want = over * (1.0 - 1.0 / clamp_finite(ratio, 1.0, 100.0));
        let a = if want > self.reduction {
            self.coefficient(attack)
        } else {
            self.coefficient(release)
        };
        self.reduction = flush_denormal(a * self.reduction + (1.0 - a) * want);
        let gain_db = clamp_finite(makeup, -60.0, 60.0) - self.reduction;
        let y = x * (gain_db / 20.0 * std::f32::consts::LN_10).exp();
        if y.is_finite() && self.reduction.is_finite() {
            y
        } else {
            self.reset();
            0.0
        }
    }

    /// `params`: `[threshold, ratio, attack, release, makeup]`.
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(
                input_at(input, i),
                param(params, 0, i, -20.0),
                param(params, 1, i, 4.0),
                param(params, 2, i, 0.01),
                param(params, 3, i, 0.1),
                param(params, 4, i, 0.0),
            );
        }
    }
}

impl MonoNode for Compressor {
    fn reset(&mut self) {
        Compressor::reset(self);
    }
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Compressor::process(self, input, params, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peak_db(xs: &[f32]) -> f32 {
        20.0 * xs.iter().fold(0.0f32, |m, x| m.max(x.abs())).log10()
    }

    fn tone(amplitude: f32, len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| amplitude * (std::f32::consts::TAU * 1000.0 * i as f32 / 44_100.0).sin())
            .collect()
    }

    #[test]
    fn a_loud_tone_is_reduced_by_the_ratio() {
        // 0 dBFS peaks, threshold -20 dB, ratio 4: 15 dB of reduction.
        let input = tone(1.0, 44_100);
        let mut out = vec![0.0; input.len()];
        let mut comp = Compressor::new(44_100.0);
        comp.process(
            &input,
            &[&[-20.0], &[4.0], &[0.001], &[1.0], &[0.0]],
            &mut out,
        );
        let settled = peak_db(&out[22_050..]);
        assert!((settled + 15.0).abs() < 1.0, "peak {settled} dB");
    }

    #[test]
    fn a_quiet_tone_passes_and_makeup_adds_gain() {
        let input = tone(0.05, 4410);
        let mut out = vec![0.0; input.len()];
        let mut comp = Compressor::new(44_100.0);
        comp.process(
            &input,
            &[&[-20.0], &[4.0], &[0.001], &[0.1], &[0.0]],
            &mut out,
        );
        assert_eq!(out, input);
        comp.reset();
        comp.process(
            &input,
            &[&[-20.0], &[4.0], &[0.001], &[0.1], &[6.0]],
            &mut out,
        );
        assert!((peak_db(&out) - peak_db(&input) - 6.0).abs() < 0.01);
    }
}
