//! The state-variable filter behind `lpf`, `hpf`, `bpf`, `notch`, `rlpf` and
//! `rhpf`: Andrew Simper's trapezoidal-integrated linear SVF
//! ("SvfLinearTrapOptimised2", Cytomic technical paper, 2013), which stays
//! stable when its cutoff and Q are modulated at audio rate.
//!
//! # The filter
//!
//! With `g = tan(π fc / rate)` and `k = 1 / q`, per sample `x`:
//!
//! ```text
//! a1 = 1 / (1 + g (g + k));  a2 = g a1;  a3 = g a2
//! v3 = x - ic2;  v1 = a1 ic1 + a2 v3;  v2 = ic2 + a2 ic1 + a3 v3
//! ic1 = 2 v1 - ic1;  ic2 = 2 v2 - ic2
//! low = v2;  band = k v1;  high = x - k v1 - v2;  notch = x - k v1
//! ```
//!
//! It is computed in the equivalent state-space form (the same filter, the
//! products multiplied out), whose state update is one multiply-add deep
//! in each state instead of four, so compiled code is not held up by it:
//!
//! ```text
//! v1 = a1 ic1 + a2 (x - ic2);  v2 = a2 ic1 + ((1 - a3) ic2 + a3 x)
//! ic1 = (2 a1 - 1) ic1 + (-2 a2 ic2 + 2 a2 x)
//! ic2 = 2 a2 ic1 + ((1 - 2 a3) ic2 + 2 a3 x)
//! ```
//!
//! `band` is scaled by `k` so that its peak at the cutoff is 0 dB for every
//! Q. `fc` is clamped to `20 ..= min(20000, 0.45 rate)` Hz and `q` to
//! `0.5 ..= 20` (NaN reads as the lower end). `rlpf`/`rhpf` pass their
//! resonance straight through as `q`.
//!
//! # Control rate (the JIT must do exactly this)
//!
//! `g` and `k` are recomputed only on control samples: those whose absolute
//! index `n` (counted from `new`/`reset`, never from the block start) is a
//! multiple of [`CONTROL_PERIOD`] (32), from the cutoff and q at that very
//! sample. They then glide linearly to these targets over the period:
//!
//! - on control sample `n`: `target = (tan(π fc[n] / rate), 1 / q[n])`; if
//!   `n == 0`, `(g, k) = target` and `step = 0`; otherwise
//!   `step = (target - (g, k)) / 32`;
//! - on every sample, control samples included: `(g, k) += step`, then the
//!   filter runs with `(g, k)` (so the target is reached, up to rounding of
//!   the repeated `f32` addition, on sample `n + 31`).
//!
//! The glide runs toward the latest control point rather than the next one
//! because a block cannot see the next block's parameters; the price is up to
//! 32 samples of lag in fast sweeps. `a1..a3` are derived from the glided
//! `g`, `k` every sample (a division per sample, the `tan` only per period).
//!
//! State below [`DENORMAL_FLOOR`](super::DENORMAL_FLOOR) is flushed to 0; a
//! non-finite output is replaced by 0 and clears `ic1`, `ic2` (the glide and
//! the counter carry on).

use super::{clamp_finite, flush_denormal, input_at, param, MonoNode, CONTROL_PERIOD};
use std::f32::consts::PI;

/// Which response the filter outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterMode {
    Lowpass,
    Highpass,
    /// Normalised to 0 dB at the cutoff.
    Bandpass,
    Notch,
}

/// Lowest cutoff, Hz.
pub const MIN_CUTOFF: f32 = 20.0;
/// Highest cutoff, Hz (also at most 0.45 of the rate).
pub const MAX_CUTOFF: f32 = 20_000.0;
pub const MIN_Q: f32 = 0.5;
pub const MAX_Q: f32 = 20.0;
const DEFAULT_Q: f32 = 0.707;

/// The clamped `(g, k)` for a cutoff and Q at `rate`.
pub fn coefficients(rate: f32, cutoff: f32, q: f32) -> (f32, f32) {
    let fc = clamp_finite(cutoff, MIN_CUTOFF, MAX_CUTOFF.min(0.45 * rate));
    let q = clamp_finite(q, MIN_Q, MAX_Q);
    ((PI * fc / rate).tan(), 1.0 / q)
}

/// One state-variable filter; see the module docs.
#[derive(Clone, Debug)]
pub struct Svf {
    rate: f32,
    mode: FilterMode,
    ic1: f32,
    ic2: f32,
    g: f32,
    k: f32,
    g_step: f32,
    k_step: f32,
    /// Samples produced since `new`/`reset`: the control-rate clock.
    clock: u64,
}

impl Svf {
    pub fn new(rate: f32, mode: FilterMode) -> Self {
        let (g, k) = coefficients(rate, 1000.0, DEFAULT_Q);
        Svf {
            rate,
            mode,
            ic1: 0.0,
            ic2: 0.0,
            g,
            k,
            g_step: 0.0,
            k_step: 0.0,
            clock: 0,
        }
    }

    pub fn reset(&mut self) {
        *self = Svf::new(self.rate, self.mode);
    }

    /// One sample of input with the cutoff and Q of this sample (which only
    /// matter on control samples).
    pub fn tick(&mut self, x: f32, cutoff: f32, q: f32) -> f32 {
        if self.clock.is_multiple_of(CONTROL_PERIOD) {
            let (g, k) = coefficients(self.rate, cutoff, q);
            if self.clock == 0 {
                (self.g, self.k) = (g, k);
            } else {
                let period = CONTROL_PERIOD as f32;
                self.g_step = (g - self.g) / period;
                self.k_step = (k - self.k) / period;
            }
        }
        self.clock += 1;
        self.g += self.g_step;
        self.k += self.k_step;

        let (g, k) = (self.g, self.k);
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        let (ic1, ic2) = (self.ic1, self.ic2);
        let v1 = a1 * ic1 + a2 * (x - ic2);
        let v2 = a2 * ic1 + ((1.0 - a3) * ic2 + a3 * x);
        // ic = 2 v - ic, expanded into the state-space update.
        let (b1, b2) = (2.0 * a2, 2.0 * a3);
        self.ic1 = flush_denormal((2.0 * a1 - 1.0) * ic1 + (-b1 * ic2 + b1 * x));
        self.ic2 = flush_denormal(b1 * ic1 + ((1.0 - b2) * ic2 + b2 * x));
        let y = match self.mode {
            FilterMode::Lowpass => v2,
            FilterMode::Highpass => x - k * v1 - v2,
            FilterMode::Bandpass => k * v1,
            FilterMode::Notch => x - k * v1,
        };
        if y.is_finite() && self.ic1.is_finite() && self.ic2.is_finite() {
            y
        } else {
            self.ic1 = 0.0;
            self.ic2 = 0.0;
            0.0
        }
    }

    /// `params`: `[cutoff, q]` (`[cutoff, resonance]` for `rlpf`/`rhpf`).
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            let cutoff = param(params, 0, i, 0.0);
            let q = param(params, 1, i, DEFAULT_Q);
            *y = self.tick(input_at(input, i), cutoff, q);
        }
    }
}

impl MonoNode for Svf {
    fn reset(&mut self) {
        Svf::reset(self);
    }
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Svf::process(self, input, params, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_clamp_cutoff_and_q() {
        let rate = 44_100.0;
        assert_eq!(
            coefficients(rate, 0.0, 0.707),
            coefficients(rate, 20.0, 0.707)
        );
        assert_eq!(
            coefficients(rate, f32::NAN, f32::NAN),
            coefficients(rate, 20.0, 0.5)
        );
        assert_eq!(
            coefficients(rate, 1e9, 100.0),
            coefficients(rate, 0.45 * rate, 20.0)
        );
        // A rate so low that 0.45 * rate < 20 Hz must not panic.
        let (g, _) = coefficients(10.0, 1000.0, 1.0);
        assert!(g.is_finite());
    }

    #[test]
    fn coefficients_glide_across_a_control_period() {
        let mut f = Svf::new(44_100.0, FilterMode::Lowpass);
        f.tick(0.0, 1000.0, 1.0);
        let start = f.g;
        for _ in 1..32 {
            f.tick(0.0, 5000.0, 1.0);
        }
        // Nothing changes until the control sample at n = 32.
        assert_eq!(f.g, start);
        f.tick(0.0, 5000.0, 1.0);
        let (target, _) = coefficients(44_100.0, 5000.0, 1.0);
        assert!((f.g - (start + (target - start) / 32.0)).abs() < 1e-6);
        for _ in 0..31 {
            f.tick(0.0, 123.0, 1.0);
        }
        assert!((f.g - target).abs() < 1e-5);
    }
}
