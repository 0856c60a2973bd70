//! One voice: a sample being played (interpolated, at any speed, either
//! direction) or an oscillator under an ADSR, with its gains, fades and the
//! forced fade that stops it when it is stolen or cut. Starting one copies
//! numbers and clones an `Arc`; nothing here allocates.

use phonon_ir::dsp::env::Adsr;
use phonon_ir::dsp::master::pan_gains;
use phonon_ir::dsp::osc::{Pulse, Saw, Sine, Square, Tri};

use super::events::{Envelope, EventParams, Instrument, Waveform};
use crate::samples::SharedSample;

/// Width of the `pulse` instrument's wave.
const PULSE_WIDTH: f32 = 0.5;

/// A voice slot; `active` is false while the slot is free.
#[derive(Clone, Debug)]
pub(crate) struct Voice {
    pub active: bool,
    /// Start order: lower is older.
    pub serial: u64,
    pub cut: Option<i64>,
    /// Samples left of the forced fade, when one is running.
    pub fade_left: Option<u32>,
    fade_length: u32,
    gain_left: f32,
    gain_right: f32,
    /// Samples produced since the start.
    age: u64,
    /// Samples after the start at which the gate closes; `None`: a sample
    /// that plays to its end.
    gate: Option<u64>,
    source: Source,
}

#[derive(Clone, Debug)]
enum Source {
    Idle,
    Sample(SamplePlayback),
    Synth(SynthPlayback),
}

/// A sample read from `position` by `step` frames a sample, within
/// `[low, high)` frames, faded in over `attack` samples and out over
/// `release` samples once the gate closes.
#[derive(Clone, Debug)]
struct SamplePlayback {
    buffer: SharedSample,
    position: f64,
    step: f64,
    low: f64,
    high: f64,
    attack: f32,
    release: f32,
}

#[derive(Clone, Debug)]
struct SynthPlayback {
    oscillator: Oscillator,
    freq: f32,
    adsr: Adsr,
    envelope: Envelope,
}

#[derive(Clone, Debug)]
enum Oscillator {
    Sine(Sine),
    Saw(Saw),
    Square(Square),
    Tri(Tri),
    Pulse(Pulse),
}

impl Oscillator {
    fn new(waveform: Waveform, rate: f32) -> Oscillator {
        match waveform {
            Waveform::Sine => Oscillator::Sine(Sine::new(rate)),
            Waveform::Saw => Oscillator::Saw(Saw::new(rate)),
            Waveform::Square => Oscillator::Square(Square::new(rate)),
            Waveform::Tri => Oscillator::Tri(Tri::new(rate)),
            Waveform::Pulse => Oscillator::Pulse(Pulse::new(rate)),
        }
    }

    fn tick(&mut self, freq: f32) -> f32 {
        match self {
            Oscillator::Sine(osc) => osc.tick(freq),
            Oscillator::Saw(osc) => osc.tick(freq),
            Oscillator::Square(osc) => osc.tick(freq),
            Oscillator::Tri(osc) => osc.tick(freq),
            Oscillator::Pulse(osc) => osc.tick(freq, PULSE_WIDTH),
        }
    }
}

impl Voice {
    /// A free slot.
    pub fn idle() -> Voice {
        Voice {
            active: false,
            serial: 0,
            cut: None,
            fade_left: None,
            fade_length: 1,
            gain_left: 0.0,
            gain_right: 0.0,
            age: 0,
            gate: None,
            source: Source::Idle,
        }
    }

    /// Whether `params` would make any sound (a voice is started only then).
    pub fn can_sound(params: &EventParams) -> bool {
        match &params.instrument {
            Instrument::Sample { buffer, rate } => {
                let (low, high) = sample_range(buffer, params);
                *rate != 0.0 && high > low && params.gain > 0.0
            }
            Instrument::Synth { .. } => params.gain > 0.0,
            Instrument::Silent => false,
        }
    }

    /// Turns this slot into a voice playing `params` for an event
    /// `duration` samples long, at `rate` Hz, with forced fades of
    /// `fade_length` samples.
    pub fn start(
        &mut self,
        params: &EventParams,
        duration: u64,
        serial: u64,
        rate: u32,
        fade_length: u32,
    ) {
        let (pan_left, pan_right) = pan_gains(params.pan);
        let rate_hz = rate as f32;
        let gated_length =
            |legato: f32| ((duration as f64 * f64::from(legato)).round() as u64).max(1);
        let (source, gate) = match &params.instrument {
            Instrument::Sample { buffer, rate } => {
                let (low, high) = sample_range(buffer, params);
                // Backwards playback starts on the last frame of the range.
                let position = if *rate > 0.0 {
                    low
                } else {
                    (high - 1.0).max(low)
                };
                let playback = SamplePlayback {
                    buffer: SharedSample::clone(buffer),
                    position,
                    step: *rate,
                    low,
                    high,
                    attack: params.envelope.attack * rate_hz,
                    release: params.envelope.release * rate_hz,
                };
                (Source::Sample(playback), params.legato.map(gated_length))
            }
            Instrument::Synth { waveform, freq } => {
                let playback = SynthPlayback {
                    oscillator: Oscillator::new(*waveform, rate_hz),
                    freq: *freq,
                    adsr: Adsr::new(rate_hz),
                    envelope: params.envelope,
                };
                let gate = gated_length(params.legato.unwrap_or(1.0));
                (Source::Synth(playback), Some(gate))
            }
            Instrument::Silent => (Source::Idle, None),
        };
        *self = Voice {
            active: !matches!(source, Source::Idle),
            serial,
            cut: params.cut,
            fade_left: None,
            fade_length: fade_length.max(1),
            gain_left: params.gain * pan_left,
            gain_right: params.gain * pan_right,
            age: 0,
            gate,
            source,
        };
    }

    /// Starts the forced fade (a no-op when one is already running).
    pub fn fade_out(&mut self) {
        if self.fade_left.is_none() {
            self.fade_left = Some(self.fade_length);
        }
    }

    /// Frees the slot.
    pub fn stop(&mut self) {
        self.active = false;
        self.source = Source::Idle;
    }

    /// Adds this voice into `left` and `right` (the same length); frees the
    /// slot when the voice ends.
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            match self.next_frame() {
                Some((x_left, x_right)) => {
                    *l += x_left;
                    *r += x_right;
                }
                None => {
                    self.stop();
                    return;
                }
            }
        }
    }

    /// The voice's next stereo output, or `None` when it has ended.
    fn next_frame(&mut self) -> Option<(f32, f32)> {
        let forced = match self.fade_left {
            Some(0) => return None,
            Some(left) => {
                self.fade_left = Some(left - 1);
                left as f32 / self.fade_length as f32
            }
            None => 1.0,
        };
        let gate_open = self.gate.is_none_or(|gate| self.age < gate);
        let since_gate = self.gate.map_or(0, |gate| self.age.saturating_sub(gate));
        let (x_left, x_right) = match &mut self.source {
            Source::Idle => return None,
            Source::Sample(playback) => playback.next_frame(self.age, gate_open, since_gate)?,
            Source::Synth(playback) => {
                let x = playback.next_sample(gate_open)?;
                (x, x)
            }
        };
        self.age += 1;
        Some((
            x_left * forced * self.gain_left,
            x_right * forced * self.gain_right,
        ))
    }
}

impl SamplePlayback {
    /// The next frame (left, right; a mono file gives the same twice), or
    /// `None` past the end of the range or of the release.
    fn next_frame(&mut self, age: u64, gate_open: bool, since_gate: u64) -> Option<(f32, f32)> {
        let inside = if self.step > 0.0 {
            self.position < self.high
        } else {
            self.position >= self.low
        };
        if !inside {
            return None;
        }
        let mut level = 1.0;
        if (age as f32) < self.attack {
            level = (age + 1) as f32 / self.attack;
        }
        if !gate_open {
            let released = since_gate as f32;
            if released >= self.release {
                return None;
            }
            level *= 1.0 - released / self.release;
        }
        let frame = self.position.floor();
        let fraction = (self.position - frame) as f32;
        let index = frame as usize;
        let (left, right) = interpolate(&self.buffer, index, fraction);
        self.position += self.step;
        Some((left * level, right * level))
    }
}

impl SynthPlayback {
    /// The next sample, or `None` once the gate has closed and the release
    /// has reached 0.
    fn next_sample(&mut self, gate_open: bool) -> Option<f32> {
        let Envelope {
            attack,
            decay,
            sustain,
            release,
        } = self.envelope;
        let gate = if gate_open { 1.0 } else { 0.0 };
        let level = self.adsr.tick(gate, attack, decay, sustain, release);
        if !gate_open && level <= 0.0 {
            return None;
        }
        Some(self.oscillator.tick(self.freq) * level)
    }
}

/// The frames `[low, high)` that `begin` and `end` select.
fn sample_range(buffer: &SharedSample, params: &EventParams) -> (f64, f64) {
    let frames = buffer.frame_count() as f64;
    (
        f64::from(params.begin) * frames,
        f64::from(params.end) * frames,
    )
}

/// Linear interpolation between frame `index` and the next (silence past
/// the end of the file).
fn interpolate(buffer: &SharedSample, index: usize, fraction: f32) -> (f32, f32) {
    let read = |i: usize| -> (f32, f32) {
        match buffer.frame(i) {
            Some([mono]) => (*mono, *mono),
            Some([left, right]) => (*left, *right),
            _ => (0.0, 0.0),
        }
    };
    let (l0, r0) = read(index);
    if fraction == 0.0 {
        return (l0, r0);
    }
    let (l1, r1) = read(index + 1);
    (l0 + (l1 - l0) * fraction, r0 + (r1 - r0) * fraction)
}
