//! Memoryless shapers and the bit crusher: `clip`, `tanh`, `distortion`
//! (`dist`, `distort`) and `bitcrush`. Not the master limiter (see `master`).

use super::{clamp_finite, input_at, param, MonoNode};

/// Output 0 in place of a non-finite value.
#[inline]
fn finite_or_zero(y: f32) -> f32 {
    if y.is_finite() {
        y
    } else {
        0.0
    }
}

/// `clip lo hi`: hard clip to `lo..=hi`. If `lo > hi` the output is `lo`;
/// a NaN input outputs 0.
#[derive(Clone, Debug, Default)]
pub struct Clip;

impl Clip {
    pub fn new(_rate: f32) -> Self {
        Clip
    }

    pub fn tick(x: f32, lo: f32, hi: f32) -> f32 {
        if x.is_nan() {
            return 0.0;
        }
        finite_or_zero(x.min(hi).max(lo))
    }

    /// `params`: `[lo, hi]`.
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = Self::tick(
                input_at(input, i),
                param(params, 0, i, -1.0),
                param(params, 1, i, 1.0),
            );
        }
    }
}

/// `tanh`: the hyperbolic tangent, a soft clip to `-1..1`.
#[derive(Clone, Debug, Default)]
pub struct Tanh;

impl Tanh {
    pub fn new(_rate: f32) -> Self {
        Tanh
    }

    pub fn tick(x: f32) -> f32 {
        finite_or_zero(x.tanh())
    }

    /// No parameters.
    pub fn process(&mut self, input: &[f32], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = Self::tick(input_at(input, i));
        }
    }
}

/// `distortion drive mix`: the symmetric tanh waveshaper of Zölzer (ed.),
/// *DAFX*, 2nd ed., §4.3 "Nonlinear processing": `wet = tanh(drive * x)`,
/// `out = x + mix * (wet - x)`, with `drive` clamped to `1..100` and `mix`
/// to `0..1`. Memoryless, so band-unlimited: it aliases like any waveshaper.
#[derive(Clone, Debug, Default)]
pub struct Distortion;

impl Distortion {
    pub fn new(_rate: f32) -> Self {
        Distortion
    }

    pub fn tick(x: f32, drive: f32, mix: f32) -> f32 {
        let drive = clamp_finite(drive, 1.0, 100.0);
        let mix = clamp_finite(mix, 0.0, 1.0);
        let wet = (drive * x).tanh();
        finite_or_zero(x + mix * (wet - x))
    }

    /// `params`: `[drive, mix]`.
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = Self::tick(
                input_at(input, i),
                param(params, 0, i, 4.0),
                param(params, 1, i, 1.0),
            );
        }
    }
}

/// `bitcrush bits factor`: a mid-tread uniform quantiser followed by a
/// sample-and-hold.
///
/// - Quantiser: `levels = 2^(bits - 1)`, `q(x) = round(x * levels) / levels`
///   (`bits` clamped to `1..24`, fractional values allowed).
/// - Hold: a countdown starting at 0; on each sample, if `countdown <= 0`
///   the node takes `q(x)` and adds `factor` (clamped to `1..`) to the
///   countdown; then it subtracts 1 and outputs the held value. So sample 0
///   is always taken, `factor 1` takes every sample, `factor 3` every third,
///   and `factor 2.5` alternates holds of 3 and 2.
#[derive(Clone, Debug, Default)]
pub struct Bitcrush {
    countdown: f32,
    held: f32,
}

impl Bitcrush {
    pub fn new(_rate: f32) -> Self {
        Bitcrush::default()
    }

    pub fn reset(&mut self) {
        *self = Bitcrush::default();
    }

    pub fn quantise(x: f32, bits: f32) -> f32 {
        let levels = (clamp_finite(bits, 1.0, 24.0) - 1.0).exp2();
        (x * levels).round() / levels
    }

    pub fn tick(&mut self, x: f32, bits: f32, factor: f32) -> f32 {
        if self.countdown <= 0.0 {
            self.held = Self::quantise(x, bits);
            self.countdown += clamp_finite(factor, 1.0, f32::INFINITY);
        }
        self.countdown -= 1.0;
        if self.held.is_finite() && self.countdown.is_finite() {
            self.held
        } else {
            self.reset();
            0.0
        }
    }

    /// `params`: `[bits, factor]`.
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(
                input_at(input, i),
                param(params, 0, i, 8.0),
                param(params, 1, i, 1.0),
            );
        }
    }
}

impl MonoNode for Clip {
    fn reset(&mut self) {}
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Clip::process(self, input, params, out);
    }
}

impl MonoNode for Tanh {
    fn reset(&mut self) {}
    fn process(&mut self, input: &[f32], _params: &[&[f32]], out: &mut [f32]) {
        Tanh::process(self, input, out);
    }
}

impl MonoNode for Distortion {
    fn reset(&mut self) {}
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Distortion::process(self, input, params, out);
    }
}

impl MonoNode for Bitcrush {
    fn reset(&mut self) {
        Bitcrush::reset(self);
    }
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Bitcrush::process(self, input, params, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_and_tanh_bound_their_output() {
        assert_eq!(Clip::tick(3.0, -1.0, 0.5), 0.5);
        assert_eq!(Clip::tick(-3.0, -1.0, 0.5), -1.0);
        assert_eq!(Clip::tick(0.25, -1.0, 0.5), 0.25);
        assert_eq!(Clip::tick(f32::NAN, -1.0, 1.0), 0.0);
        assert_eq!(Tanh::tick(0.0), 0.0);
        assert!((Tanh::tick(20.0) - 1.0).abs() < 1e-6);
        assert_eq!(Tanh::tick(f32::NAN), 0.0);
    }

    #[test]
    fn distortion_mix_blends_dry_and_wet() {
        assert_eq!(Distortion::tick(0.5, 10.0, 0.0), 0.5);
        assert_eq!(Distortion::tick(0.5, 10.0, 1.0), 5.0f32.tanh());
        assert_eq!(
            Distortion::tick(0.5, 0.0, 1.0),
            0.5f32.tanh(),
            "drive clamps to 1"
        );
    }

    #[test]
    fn bitcrush_holds_and_quantises() {
        let mut crush = Bitcrush::new(44_100.0);
        let input: Vec<f32> = (0..9).map(|i| i as f32 * 0.1).collect();
        let mut out = vec![0.0; 9];
        crush.process(&input, &[&[24.0], &[3.0]], &mut out);
        let expect = [0.0, 0.0, 0.0, 0.3, 0.3, 0.3, 0.6, 0.6, 0.6];
        for (y, e) in out.iter().zip(expect) {
            assert!((y - e).abs() < 1e-6, "{out:?}");
        }
        assert_eq!(Bitcrush::quantise(0.3, 2.0), 0.5);
        assert_eq!(Bitcrush::quantise(0.2, 2.0), 0.0);
        assert_eq!(Bitcrush::quantise(0.7, 1.0), 1.0);

        crush.reset();
        let mut taken = vec![0.0; 10];
        let ramp: Vec<f32> = (0..10).map(|i| i as f32 / 16.0).collect();
        crush.process(&ramp, &[&[24.0], &[2.5]], &mut taken);
        let expect = [0.0, 0.0, 0.0, 3.0, 3.0, 5.0, 5.0, 5.0, 8.0, 8.0].map(|v: f32| v / 16.0);
        assert_eq!(taken, expect);
    }
}
