//! `delay time feedback mix`: a feedback delay line of up to 4 s with a
//! linearly interpolated (fractional) read. Not a modulation effect (see
//! `chorus`).
//!
//! Per sample, with `d = clamp(time * rate, 1, 4 * rate)` samples:
//!
//! ```text
//! i = floor(d);  f = d - i
//! delayed = buf[w - i] + f * (buf[w - i - 1] - buf[w - i])
//! buf[w] = x + feedback * delayed;  w += 1
//! out = x + mix * (delayed - x)
//! ```
//!
//! so an impulse written at sample 0 comes out at sample `d` (one sample is
//! the shortest delay: a feedback loop needs it). `feedback` is clamped to
//! `0..0.99`, `mix` to `0..1`. The buffer is allocated in `new`. A
//! non-finite result outputs 0 and clears the buffer.

use super::{clamp_finite, flush_denormal, input_at, param, MonoNode};

/// Longest delay, seconds.
pub const MAX_SECONDS: f32 = 4.0;

/// The delay line; see the module docs.
#[derive(Debug)]
pub struct Delay {
    rate: f32,
    buffer: Vec<f32>,
    write: usize,
}

impl Clone for Delay {
    fn clone(&self) -> Self {
        Delay {
            rate: self.rate,
            buffer: self.buffer.clone(),
            write: self.write,
        }
    }

    /// Into the existing line: no allocation when both have one length.
    fn clone_from(&mut self, source: &Self) {
        self.rate = source.rate;
        self.buffer.clone_from(&source.buffer);
        self.write = source.write;
    }
}

impl Delay {
    pub fn new(rate: f32) -> Self {
        let len = (MAX_SECONDS * rate).max(0.0).ceil() as usize + 2;
        Delay {
            rate,
            buffer: vec![0.0; len],
            write: 0,
        }
    }

    pub fn reset(&mut self) {
        self.buffer.fill(0.0);
        self.write = 0;
    }

    /// The sample written `back` samples ago (`back < buffer.len()`).
    fn read(&self, back: usize) -> f32 {
        let len = self.buffer.len();
        self.buffer[(self.write + len - back % len) % len]
    }

    pub fn tick(&mut self, x: f32, time: f32, feedback: f32, mix: f32) -> f32 {
        let longest = (self.buffer.len() - 2) as f32;
        let d = clamp_finite(time * self.rate, 1.0, longest.max(1.0));
        let whole = d.floor();
        let frac = d - whole;
        let near = self.read(whole as usize);
        let far = self.read(whole as usize + 1);
        let delayed = near + frac * (far - near);
        let fed = flush_denormal(x + clamp_finite(feedback, 0.0, 0.99) * delayed);
        let y = x + clamp_finite(mix, 0.0, 1.0) * (delayed - x);
        if !(y.is_finite() && fed.is_finite()) {
            self.buffer.fill(0.0);
            self.write = (self.write + 1) % self.buffer.len();
            return 0.0;
        }
        self.buffer[self.write] = fed;
        self.write = (self.write + 1) % self.buffer.len();
        y
    }

    /// `params`: `[time, feedback, mix]`.
    pub fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        for (i, y) in out.iter_mut().enumerate() {
            *y = self.tick(
                input_at(input, i),
                param(params, 0, i, 0.0),
                param(params, 1, i, 0.5),
                param(params, 2, i, 0.5),
            );
        }
    }
}

impl MonoNode for Delay {
    fn reset(&mut self) {
        Delay::reset(self);
    }
    fn process(&mut self, input: &[f32], params: &[&[f32]], out: &mut [f32]) {
        Delay::process(self, input, params, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impulse(len: usize) -> Vec<f32> {
        let mut x = vec![0.0; len];
        x[0] = 1.0;
        x
    }

    #[test]
    fn an_impulse_lands_on_the_delay_sample_and_echoes() {
        let mut delay = Delay::new(44_100.0);
        let mut out = vec![0.0; 30_000];
        delay.process(&impulse(30_000), &[&[0.25], &[0.5], &[1.0]], &mut out);
        let hits: Vec<(usize, f32)> = out
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, y)| *y != 0.0)
            .collect();
        assert_eq!(hits, [(11_025, 1.0), (22_050, 0.5)]);
    }

    #[test]
    fn a_fractional_delay_interpolates_linearly() {
        // 0.625 s at 4 Hz is exactly 2.5 samples.
        let mut delay = Delay::new(4.0);
        let mut out = vec![0.0; 8];
        delay.process(&impulse(8), &[&[0.625], &[0.0], &[1.0]], &mut out);
        assert_eq!(out, [0.0, 0.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn time_clamps_to_one_sample_and_four_seconds() {
        let mut delay = Delay::new(100.0);
        let mut out = vec![0.0; 3];
        delay.process(&impulse(3), &[&[0.0], &[0.0], &[1.0]], &mut out);
        assert_eq!(out, [0.0, 1.0, 0.0]);
        delay.reset();
        let mut long = vec![0.0; 500];
        delay.process(&impulse(500), &[&[10.0], &[0.0], &[1.0]], &mut long);
        assert_eq!(long.iter().position(|&y| y != 0.0), Some(400));
    }
}
