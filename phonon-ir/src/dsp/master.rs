//! The mixing nodes `pan` and `gain`, and the master limiter that guards the
//! summed stereo output. Not the summing itself or dither (the runtime's).

use super::{clamp_finite, input_at, param, MonoNode};
use std::f32::consts::FRAC_PI_4;

/// The equal-power pan law normalised to 1 at the centre: with
/// `θ = (pos + 1) π/4`, left `= cos θ / cos(π/4)` and right
/// `= cos(π/2 - θ) / cos(π/4)` (`pos` clamped to `-1..1`, NaN reads as -1).
/// So the centre gives exactly `(1, 1)` in `f32`, like an unpanned mono
/// signal, the sides `(√2, 0)` and `(0, √2)`, and `left² + right²` is 2
/// everywhere.
pub fn pan_gains(pos: f32) -> (f32, f32) {
    let theta = (clamp_finite(pos, -1.0, 1.0) + 1.0) * FRAC_PI_4;
    let norm = FRAC_PI_4.cos();
    (theta.cos() / norm, (2.0 * FRAC_PI_4 - theta).cos() / norm)
}

/// `pan pos`: mono in, stereo out, by [`pan_gains`].
#[derive(Clone, Debug, Default)]
pub struct Pan;

impl Pan {
    pub fn new(_rate: f32) -> Self {
        Pan
    }

    pub fn reset(&mut self) {}

    pub fn tick(x: f32, pos: f32) -> (f32, f32) {
        if !x.is_finite() {
            return (0.0, 0.0);
        }
        let (l, r) = pan_gains(pos);
        (x * l, x * r)
    }

    /// `params`: `[pos]`; writes `left` and `right` up to the shorter one.
    pub fn process(
        &mut self,
        input: &[f32],
        params: &[&[f32]],
        left: &mut [f32],
        right: &mut [f32],
    ) {
        for (i, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            (*l, *r) = Self::tick(input_at(input, i), param(params, 0, i, 0.0));
        }
    }
}

/// `gain level`: `x * level`.
#[derive(Clone, Debug, Default)]
pub struct Gain;

impl Gain {
    pub fn new(_rate: f32) -> Self {
        Gain
    }

    pub fn tick(x: f32, level: f32) -> f32 {
        let y = x * level;
        if y.is_finite() {
            y
        } else {
            0.0
        }
    }

    /// `params`: `[level]`.
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = Self::tick(input_at(input, i), param(params, 0, i, 1.0));
        }
    }
}

impl MonoNode for Gain {
    fn reset(&mut self) {}
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Gain::process(self, input, params, out);
    }
}

/// The master limiter: a peak limiter with instantaneous attack and
/// exponential release, linked across both channels, acting only above
/// [`Limiter::CEILING`] (-0.1 dBFS).
///
/// The state is the gain reduction `r = 1 - gain`, kept as such so that its
/// release decays in full `f32` precision (a gain just under 1 could not:
/// its small steps would round away). Per stereo sample, with
/// `peak = max(|l|, |r|)`:
///
/// ```text
/// needed    = 1 - CEILING / peak if peak > CEILING else 0
/// recovered = r * exp(-1 / (0.05 rate)), set to 0 below 1e-6
/// r         = max(needed, recovered);  gain = 1 - r
/// ```
///
/// Both channels are multiplied by `gain` (then clamped to the ceiling,
/// against rounding) only when it is below 1. So a program that never
/// exceeds the ceiling passes bit for bit, and no output sample ever
/// exceeds it: the attack is immediate, with no lookahead and so no
/// latency. The gain returns to exactly 1 about 13 release time constants
/// (0.7 s) after an overload that halved it. Each sample with `gain < 1`
/// counts as limited. Non-finite samples are output as 0 (and not counted).
#[derive(Clone, Debug)]
pub struct Limiter {
    release: f32,
    reduction: f32,
    limited: u64,
}

impl Limiter {
    /// -0.1 dBFS as a linear peak: `10^(-0.1 / 20)`.
    pub const CEILING: f32 = 0.988_553_1;
    /// Release time constant, seconds.
    pub const RELEASE_SECONDS: f32 = 0.05;

    pub fn new(rate: f32) -> Self {
        let release = (-1.0 / (Self::RELEASE_SECONDS * rate).max(1.0)).exp();
        Limiter {
            release,
            reduction: 0.0,
            limited: 0,
        }
    }

    pub fn reset(&mut self) {
        self.reduction = 0.0;
        self.limited = 0;
    }

    /// Samples limited since `new`/`reset` (what `render` reports).
    pub fn limited_samples(&self) -> u64 {
        self.limited
    }

    pub fn tick(&mut self, left: f32, right: f32) -> (f32, f32) {
        let left = if left.is_finite() { left } else { 0.0 };
        let right = if right.is_finite() { right } else { 0.0 };
        let peak = left.abs().max(right.abs());
        let needed = if peak > Self::CEILING {
            1.0 - Self::CEILING / peak
        } else {
            0.0
        };
        let mut recovered = self.reduction * self.release;
        if recovered < 1e-6 {
            recovered = 0.0;
        }
        self.reduction = needed.max(recovered);
        let gain = 1.0 - self.reduction;
        if gain < 1.0 {
            self.limited += 1;
            // `x * (CEILING / x)` can round one ulp above the ceiling.
            let ceiling = Self::CEILING;
            (
                (left * gain).clamp(-ceiling, ceiling),
                (right * gain).clamp(-ceiling, ceiling),
            )
        } else {
            (left, right)
        }
    }

    /// Limits a stereo block in place; returns how many of its samples were
    /// limited.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) -> u64 {
        // At rest and with every sample finite and at most the ceiling,
        // `tick` passes each sample and stays at rest: skip it.
        let len = left.len().min(right.len());
        if self.reduction == 0.0 && within_ceiling(&left[..len]) && within_ceiling(&right[..len]) {
            return 0;
        }
        let before = self.limited;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            (*l, *r) = self.tick(*l, *r);
        }
        self.limited - before
    }
}

/// Whether every sample is finite and at most [`Limiter::CEILING`] in size
/// (a NaN compares false). No early exit, so that it vectorises.
fn within_ceiling(samples: &[f32]) -> bool {
    samples
        .iter()
        .fold(true, |within, x| within & (x.abs() <= Limiter::CEILING))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pan_is_unity_at_the_centre_and_equal_power() {
        assert_eq!(pan_gains(0.0), (1.0, 1.0));
        let (l, r) = pan_gains(-1.0);
        assert!((l - std::f32::consts::SQRT_2).abs() < 1e-6 && r.abs() < 1e-6);
        let (l, r) = pan_gains(1.0);
        assert!(l.abs() < 1e-6 && (r - std::f32::consts::SQRT_2).abs() < 1e-6);
        for pos in [-0.7f32, -0.2, 0.3, 0.9] {
            let (l, r) = pan_gains(pos);
            assert!((l * l + r * r - 2.0).abs() < 1e-5);
        }
        let mut left = [0.0; 2];
        let mut right = [0.0; 2];
        Pan::new(44_100.0).process(&[0.5, f32::NAN], &[&[0.0]], &mut left, &mut right);
        assert_eq!((left, right), ([0.5, 0.0], [0.5, 0.0]));
    }

    #[test]
    fn a_block_at_rest_passes_as_sample_by_sample_ticks_would() {
        let quiet: Vec<f32> = (0..64).map(|i| (i as f32 * 0.3).sin() * 0.9).collect();
        let mut loud = quiet.clone();
        loud[40] = 1.5;
        let mut broken = quiet.clone();
        broken[3] = f32::NAN;
        broken[9] = f32::INFINITY;
        let blocks = [&quiet, &loud, &quiet, &broken, &quiet, &quiet];
        let mut by_block = Limiter::new(1000.0);
        let mut by_tick = Limiter::new(1000.0);
        for block in blocks.iter().cycle().take(60) {
            let (mut left, mut right) = (block.to_vec(), quiet.clone());
            by_block.process(&mut left, &mut right);
            for (i, &x) in block.iter().enumerate() {
                let (l, r) = by_tick.tick(x, quiet[i]);
                assert_eq!(
                    (l.to_bits(), r.to_bits()),
                    (left[i].to_bits(), right[i].to_bits())
                );
            }
        }
        assert_eq!(by_block.limited_samples(), by_tick.limited_samples());
        assert!(by_block.limited_samples() > 0);
    }

    #[test]
    fn ceiling_is_minus_a_tenth_of_a_db() {
        assert!((20.0 * Limiter::CEILING.log10() + 0.1).abs() < 1e-5);
    }
}
