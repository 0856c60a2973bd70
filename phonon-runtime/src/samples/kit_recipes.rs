//! The default kit's synthesis recipes: pure, deterministic functions from a
//! parameter set to mono samples at 44.1 kHz. Not a runtime synth: these run
//! once, in `examples/make_kit.rs`, to produce the shipped WAV files.
//!
//! The recipes follow the analogue designs of the Roland TR-808 as described
//! in the TR-808 service notes and in Gordon Reid's "Synth Secrets" series
//! (Sound On Sound, 1999-2004: the articles on practical bass drum, snare,
//! tom, cymbal/hi-hat, cowbell and hand-clap synthesis):
//!
//! - `bd`: a sine whose pitch sweeps exponentially down (e.g. 150 -> 50 Hz),
//!   an exponential amplitude decay, a short noise click for the beater, and a
//!   gentle tanh saturation.
//! - `sn`: two sine "drum head" modes (about 180 and 330 Hz) plus high-passed
//!   white noise for the snares, each with its own decay.
//! - `hh`, `oh`: the 808's cluster of six square oscillators (205.3, 304.4,
//!   369.6, 522.7, 540 and 800 Hz) mixed with a little noise, band-passed near
//!   10 kHz and high-passed at 7 kHz; closed and open differ only in decay.
//! - `cp`: band-passed noise (about 1.2 kHz) struck by several rapid bursts,
//!   each retriggering a fast decay, followed by a longer "reverb" tail.
//! - `rim`: two short resonant sines (about 500 Hz and 1.7 kHz) and a
//!   high-passed noise click.
//! - `lt`, `mt`, `ht`: tuned sines with a small downward pitch bend and a
//!   touch of low-passed noise.
//! - `cb`: two square oscillators at 540 and 800 Hz through a band-pass, with
//!   a two-stage (fast then slow) decay.
//!
//! Every recipe starts at a transient (a cosine at phase 0, a square at +1 or
//! a filtered impulse), so each sound's first sample is its onset and is
//! never zero. Noise comes from a seeded xorshift generator, so the output
//! is the same on every run and every machine. Arithmetic is in `f64`; the
//! final peak is normalised to -1 dBFS.

use std::f64::consts::{PI, TAU};

/// The rate every recipe renders at, in Hz.
pub const KIT_SAMPLE_RATE: u32 = 44_100;

/// The peak level of every kit sound: -1 dBFS.
pub const KIT_PEAK: f64 = 0.891_250_938_133_745_6;

/// Length of the cosine fade at the end of each sound, in seconds, so that
/// cutting a decay short never clicks.
const END_FADE_SECONDS: f64 = 0.005;

/// The six square-oscillator frequencies of the TR-808 cymbal and hi-hat
/// circuit, in Hz.
pub const TR808_METAL_HZ: [f64; 6] = [205.3, 304.4, 369.6, 522.7, 540.0, 800.0];

/// A bass drum: a swept sine, a click and a saturating output stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BassDrum {
    /// Pitch at the onset, in Hz.
    pub start_hz: f64,
    /// Pitch the sweep settles to, in Hz.
    pub end_hz: f64,
    /// Time constant of the exponential pitch sweep, in seconds.
    pub sweep_seconds: f64,
    /// Time constant of the amplitude decay, in seconds.
    pub decay_seconds: f64,
    /// Level of the beater click relative to the body (0..1).
    pub click: f64,
    /// Total length, in seconds.
    pub length_seconds: f64,
    /// Seed of the click's noise.
    pub seed: u32,
}

/// A snare drum: two tuned head modes plus high-passed noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SnareDrum {
    /// Frequencies of the two head modes, in Hz.
    pub tone_hz: [f64; 2],
    /// Time constant of the tone's decay, in seconds.
    pub tone_decay_seconds: f64,
    /// Time constant of the noise's decay, in seconds.
    pub noise_decay_seconds: f64,
    /// Cutoff of the high-pass on the noise, in Hz.
    pub noise_highpass_hz: f64,
    /// Level of the noise relative to the tone.
    pub noise_level: f64,
    /// Total length, in seconds.
    pub length_seconds: f64,
    /// Seed of the noise.
    pub seed: u32,
}

/// A hi-hat (closed or open): the 808 metal cluster plus noise, filtered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HiHat {
    /// Time constant of the amplitude decay, in seconds.
    pub decay_seconds: f64,
    /// Centre of the band-pass, in Hz.
    pub bandpass_hz: f64,
    /// Level of the noise relative to the metal cluster.
    pub noise_level: f64,
    /// Total length, in seconds.
    pub length_seconds: f64,
    /// Seed of the noise.
    pub seed: u32,
}

/// A hand clap: band-passed noise struck by rapid bursts, then a tail.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clap {
    /// Number of bursts before the tail.
    pub bursts: usize,
    /// Time between burst onsets, in seconds.
    pub burst_spacing_seconds: f64,
    /// Time constant of each burst's decay, in seconds.
    pub burst_decay_seconds: f64,
    /// Time constant of the tail's decay, in seconds.
    pub tail_decay_seconds: f64,
    /// Centre of the band-pass, in Hz.
    pub bandpass_hz: f64,
    /// Total length, in seconds.
    pub length_seconds: f64,
    /// Seed of the noise.
    pub seed: u32,
}

/// A rim shot: two short resonances and a noise click.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RimShot {
    /// Frequencies of the two resonances, in Hz.
    pub tone_hz: [f64; 2],
    /// Time constant of the decay, in seconds.
    pub decay_seconds: f64,
    /// Total length, in seconds.
    pub length_seconds: f64,
    /// Seed of the click's noise.
    pub seed: u32,
}

/// A tom: a sine with a small downward pitch bend and a little noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tom {
    /// Pitch the bend settles to, in Hz.
    pub hz: f64,
    /// Extra pitch at the onset, as a fraction of `hz` (0.3: 30 % sharp).
    pub bend: f64,
    /// Time constant of the pitch bend, in seconds.
    pub bend_seconds: f64,
    /// Time constant of the amplitude decay, in seconds.
    pub decay_seconds: f64,
    /// Level of the noise relative to the tone.
    pub noise_level: f64,
    /// Total length, in seconds.
    pub length_seconds: f64,
    /// Seed of the noise.
    pub seed: u32,
}

/// A cowbell: two square oscillators through a band-pass, two-stage decay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cowbell {
    /// Frequencies of the two squares, in Hz (540 and 800 on the 808).
    pub square_hz: [f64; 2],
    /// Centre of the band-pass, in Hz.
    pub bandpass_hz: f64,
    /// Time constant of the fast first decay stage, in seconds.
    pub strike_decay_seconds: f64,
    /// Time constant of the slow second decay stage, in seconds.
    pub ring_decay_seconds: f64,
    /// Total length, in seconds.
    pub length_seconds: f64,
}

/// Renders a bass drum.
pub fn bass_drum(p: &BassDrum) -> Vec<f32> {
    let mut noise = Noise::new(p.seed);
    let mut click_filter = Biquad::lowpass(5_000.0, 0.707);
    let mut phase = 0.0;
    let drive = 1.5;
    let signal = (0..frame_count(p.length_seconds))
        .map(|n| {
            let t = seconds(n);
            let hz = p.end_hz + (p.start_hz - p.end_hz) * (-t / p.sweep_seconds).exp();
            let body = phase_cos(&mut phase, hz) * (-t / p.decay_seconds).exp();
            let click = click_filter.process(noise.next()) * (-t / 0.002).exp();
            (drive * (body + p.click * click)).tanh()
        })
        .collect();
    finish(signal)
}

/// Renders a snare drum.
pub fn snare_drum(p: &SnareDrum) -> Vec<f32> {
    let mut noise = Noise::new(p.seed);
    let mut highpass = Biquad::highpass(p.noise_highpass_hz, 0.707);
    let signal = (0..frame_count(p.length_seconds))
        .map(|n| {
            let t = seconds(n);
            let tone = 0.6 * (TAU * p.tone_hz[0] * t).cos() + 0.4 * (TAU * p.tone_hz[1] * t).cos();
            let tone = tone * (-t / p.tone_decay_seconds).exp();
            let snares = highpass.process(noise.next()) * (-t / p.noise_decay_seconds).exp();
            tone + p.noise_level * snares
        })
        .collect();
    finish(signal)
}

/// Renders a closed or open hi-hat.
pub fn hi_hat(p: &HiHat) -> Vec<f32> {
    let mut noise = Noise::new(p.seed);
    let mut bandpass = Biquad::bandpass(p.bandpass_hz, 1.0);
    let mut highpass = Biquad::highpass(7_000.0, 0.707);
    let signal = (0..frame_count(p.length_seconds))
        .map(|n| {
            let t = seconds(n);
            let metal: f64 = TR808_METAL_HZ.iter().map(|&hz| square(hz, t)).sum::<f64>() / 6.0;
            let source = metal + p.noise_level * noise.next();
            highpass.process(bandpass.process(source)) * (-t / p.decay_seconds).exp()
        })
        .collect();
    finish(signal)
}

/// Renders a hand clap.
pub fn clap(p: &Clap) -> Vec<f32> {
    let mut noise = Noise::new(p.seed);
    let mut bandpass = Biquad::bandpass(p.bandpass_hz, 2.0);
    let tail_start = (p.bursts.max(1) - 1) as f64 * p.burst_spacing_seconds;
    let signal = (0..frame_count(p.length_seconds))
        .map(|n| {
            let t = seconds(n);
            let envelope = if t < tail_start {
                // A sawtooth of bursts: each one restarts the fast decay.
                let since_burst = t % p.burst_spacing_seconds;
                (-since_burst / p.burst_decay_seconds).exp()
            } else {
                (-(t - tail_start) / p.tail_decay_seconds).exp()
            };
            // The impulse at the onset makes the first sample a strike.
            let strike = if n == 0 { 1.0 } else { 0.0 };
            bandpass.process(noise.next() + strike) * envelope
        })
        .collect();
    finish(signal)
}

/// Renders a rim shot.
pub fn rim_shot(p: &RimShot) -> Vec<f32> {
    let mut noise = Noise::new(p.seed);
    let mut highpass = Biquad::highpass(2_000.0, 0.707);
    let signal = (0..frame_count(p.length_seconds))
        .map(|n| {
            let t = seconds(n);
            let tone = 0.6 * (TAU * p.tone_hz[0] * t).cos() + 0.4 * (TAU * p.tone_hz[1] * t).cos();
            let click = highpass.process(noise.next()) * (-t / 0.001).exp();
            (tone + 0.5 * click) * (-t / p.decay_seconds).exp()
        })
        .collect();
    finish(signal)
}

/// Renders a tom.
pub fn tom(p: &Tom) -> Vec<f32> {
    let mut noise = Noise::new(p.seed);
    let mut lowpass = Biquad::lowpass(p.hz * 8.0, 0.707);
    let mut phase = 0.0;
    let signal = (0..frame_count(p.length_seconds))
        .map(|n| {
            let t = seconds(n);
            let hz = p.hz * (1.0 + p.bend * (-t / p.bend_seconds).exp());
            let body = phase_cos(&mut phase, hz) * (-t / p.decay_seconds).exp();
            let skin = lowpass.process(noise.next()) * (-t / (p.decay_seconds * 0.25)).exp();
            body + p.noise_level * skin
        })
        .collect();
    finish(signal)
}

/// Renders a cowbell.
pub fn cowbell(p: &Cowbell) -> Vec<f32> {
    let mut bandpass = Biquad::bandpass(p.bandpass_hz, 0.8);
    let signal = (0..frame_count(p.length_seconds))
        .map(|n| {
            let t = seconds(n);
            let squares = 0.5 * (square(p.square_hz[0], t) + square(p.square_hz[1], t));
            let envelope =
                0.6 * (-t / p.strike_decay_seconds).exp() + 0.4 * (-t / p.ring_decay_seconds).exp();
            bandpass.process(squares) * envelope
        })
        .collect();
    finish(signal)
}

/// One sound of the default kit: its bank, its variant number and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct KitSound {
    /// Bank (folder) name, e.g. `bd`.
    pub bank: &'static str,
    /// Variant number: the file is `<bank><variant>.wav`, so `bd:2` is `bd2.wav`.
    pub variant: usize,
    /// Mono samples at [`KIT_SAMPLE_RATE`], peak at [`KIT_PEAK`].
    pub samples: Vec<f32>,
}

impl KitSound {
    /// The file name inside the bank folder, e.g. `bd0.wav`.
    pub fn file_name(&self) -> String {
        format!("{}{}.wav", self.bank, self.variant)
    }
}

/// The banks of the default kit, in the order the kit lists them.
pub const KIT_BANKS: [&str; 10] = ["bd", "sn", "hh", "oh", "cp", "rim", "lt", "mt", "ht", "cb"];

const BASS_DRUMS: [BassDrum; 4] = [
    // The classic: 150 -> 50 Hz, medium decay.
    BassDrum {
        start_hz: 150.0,
        end_hz: 50.0,
        sweep_seconds: 0.03,
        decay_seconds: 0.16,
        click: 0.5,
        length_seconds: 0.5,
        seed: 0xB0D0_0001,
    },
    // Deep and long.
    BassDrum {
        start_hz: 120.0,
        end_hz: 44.0,
        sweep_seconds: 0.04,
        decay_seconds: 0.22,
        click: 0.3,
        length_seconds: 0.55,
        seed: 0xB0D0_0002,
    },
    // Short and punchy.
    BassDrum {
        start_hz: 190.0,
        end_hz: 56.0,
        sweep_seconds: 0.02,
        decay_seconds: 0.09,
        click: 0.8,
        length_seconds: 0.3,
        seed: 0xB0D0_0003,
    },
    // Higher, clicky.
    BassDrum {
        start_hz: 220.0,
        end_hz: 65.0,
        sweep_seconds: 0.015,
        decay_seconds: 0.12,
        click: 1.0,
        length_seconds: 0.4,
        seed: 0xB0D0_0004,
    },
];

const SNARE_DRUMS: [SnareDrum; 4] = [
    SnareDrum {
        tone_hz: [180.0, 330.0],
        tone_decay_seconds: 0.05,
        noise_decay_seconds: 0.08,
        noise_highpass_hz: 1_500.0,
        noise_level: 0.8,
        length_seconds: 0.3,
        seed: 0x5E4E_0001,
    },
    // Tighter, higher tuned.
    SnareDrum {
        tone_hz: [238.0, 476.0],
        tone_decay_seconds: 0.035,
        noise_decay_seconds: 0.05,
        noise_highpass_hz: 2_500.0,
        noise_level: 0.7,
        length_seconds: 0.2,
        seed: 0x5E4E_0002,
    },
    // Fat and noisy.
    SnareDrum {
        tone_hz: [160.0, 290.0],
        tone_decay_seconds: 0.07,
        noise_decay_seconds: 0.12,
        noise_highpass_hz: 1_000.0,
        noise_level: 1.2,
        length_seconds: 0.35,
        seed: 0x5E4E_0003,
    },
    // Mostly snares, bright.
    SnareDrum {
        tone_hz: [200.0, 360.0],
        tone_decay_seconds: 0.03,
        noise_decay_seconds: 0.09,
        noise_highpass_hz: 3_500.0,
        noise_level: 1.6,
        length_seconds: 0.3,
        seed: 0x5E4E_0004,
    },
];

const CLOSED_HATS: [HiHat; 4] = [
    HiHat {
        decay_seconds: 0.03,
        bandpass_hz: 10_000.0,
        noise_level: 0.3,
        length_seconds: 0.12,
        seed: 0x4A70_0001,
    },
    HiHat {
        decay_seconds: 0.018,
        bandpass_hz: 11_000.0,
        noise_level: 0.2,
        length_seconds: 0.08,
        seed: 0x4A70_0002,
    },
    HiHat {
        decay_seconds: 0.045,
        bandpass_hz: 9_000.0,
        noise_level: 0.5,
        length_seconds: 0.15,
        seed: 0x4A70_0003,
    },
    HiHat {
        decay_seconds: 0.025,
        bandpass_hz: 12_000.0,
        noise_level: 0.8,
        length_seconds: 0.1,
        seed: 0x4A70_0004,
    },
];

const OPEN_HATS: [HiHat; 4] = [
    HiHat {
        decay_seconds: 0.15,
        bandpass_hz: 10_000.0,
        noise_level: 0.3,
        length_seconds: 0.45,
        seed: 0x0A70_0001,
    },
    HiHat {
        decay_seconds: 0.1,
        bandpass_hz: 11_000.0,
        noise_level: 0.2,
        length_seconds: 0.3,
        seed: 0x0A70_0002,
    },
    HiHat {
        decay_seconds: 0.2,
        bandpass_hz: 9_000.0,
        noise_level: 0.5,
        length_seconds: 0.5,
        seed: 0x0A70_0003,
    },
    HiHat {
        decay_seconds: 0.12,
        bandpass_hz: 12_000.0,
        noise_level: 0.8,
        length_seconds: 0.35,
        seed: 0x0A70_0004,
    },
];

const CLAPS: [Clap; 4] = [
    // The 808 clap: four strikes about 10 ms apart, the last ringing into the tail.
    Clap {
        bursts: 4,
        burst_spacing_seconds: 0.010,
        burst_decay_seconds: 0.004,
        tail_decay_seconds: 0.07,
        bandpass_hz: 1_200.0,
        length_seconds: 0.3,
        seed: 0xC1A9_0001,
    },
    Clap {
        bursts: 3,
        burst_spacing_seconds: 0.008,
        burst_decay_seconds: 0.003,
        tail_decay_seconds: 0.05,
        bandpass_hz: 1_500.0,
        length_seconds: 0.22,
        seed: 0xC1A9_0002,
    },
    // A looser, wider clap.
    Clap {
        bursts: 5,
        burst_spacing_seconds: 0.012,
        burst_decay_seconds: 0.005,
        tail_decay_seconds: 0.09,
        bandpass_hz: 1_000.0,
        length_seconds: 0.35,
        seed: 0xC1A9_0003,
    },
    Clap {
        bursts: 4,
        burst_spacing_seconds: 0.009,
        burst_decay_seconds: 0.0035,
        tail_decay_seconds: 0.06,
        bandpass_hz: 2_000.0,
        length_seconds: 0.25,
        seed: 0xC1A9_0004,
    },
];

const RIM_SHOTS: [RimShot; 3] = [
    RimShot {
        tone_hz: [500.0, 1_700.0],
        decay_seconds: 0.012,
        length_seconds: 0.08,
        seed: 0x2140_0001,
    },
    RimShot {
        tone_hz: [455.0, 1_667.0],
        decay_seconds: 0.02,
        length_seconds: 0.1,
        seed: 0x2140_0002,
    },
    RimShot {
        tone_hz: [620.0, 2_100.0],
        decay_seconds: 0.008,
        length_seconds: 0.06,
        seed: 0x2140_0003,
    },
];

/// Toms share their shape; a bank is one base pitch, its variants retune it.
const fn tom_at(hz: f64, decay_seconds: f64, seed: u32) -> Tom {
    Tom {
        hz,
        bend: 0.3,
        bend_seconds: 0.05,
        decay_seconds,
        noise_level: 0.15,
        length_seconds: decay_seconds * 3.0,
        seed,
    }
}

const LOW_TOMS: [Tom; 3] = [
    tom_at(90.0, 0.14, 0x7040_0001),
    tom_at(80.0, 0.16, 0x7040_0002),
    tom_at(100.0, 0.12, 0x7040_0003),
];

const MID_TOMS: [Tom; 3] = [
    tom_at(130.0, 0.12, 0x7040_0011),
    tom_at(120.0, 0.13, 0x7040_0012),
    tom_at(145.0, 0.1, 0x7040_0013),
];

const HIGH_TOMS: [Tom; 3] = [
    tom_at(180.0, 0.1, 0x7040_0021),
    tom_at(165.0, 0.11, 0x7040_0022),
    tom_at(200.0, 0.09, 0x7040_0023),
];

const COWBELLS: [Cowbell; 3] = [
    // The 808: 540 and 800 Hz.
    Cowbell {
        square_hz: [540.0, 800.0],
        bandpass_hz: 2_640.0,
        strike_decay_seconds: 0.012,
        ring_decay_seconds: 0.08,
        length_seconds: 0.3,
    },
    Cowbell {
        square_hz: [540.0, 800.0],
        bandpass_hz: 1_200.0,
        strike_decay_seconds: 0.01,
        ring_decay_seconds: 0.05,
        length_seconds: 0.2,
    },
    // Retuned a fifth up.
    Cowbell {
        square_hz: [810.0, 1_200.0],
        bandpass_hz: 3_000.0,
        strike_decay_seconds: 0.01,
        ring_decay_seconds: 0.06,
        length_seconds: 0.22,
    },
];

/// Renders every sound of the default kit, bank by bank, variants in order.
pub fn kit_sounds() -> Vec<KitSound> {
    let mut sounds = Vec::new();
    let mut add = |bank: &'static str, rendered: Vec<Vec<f32>>| {
        for (variant, samples) in rendered.into_iter().enumerate() {
            sounds.push(KitSound {
                bank,
                variant,
                samples,
            });
        }
    };
    add("bd", BASS_DRUMS.iter().map(bass_drum).collect());
    add("sn", SNARE_DRUMS.iter().map(snare_drum).collect());
    add("hh", CLOSED_HATS.iter().map(hi_hat).collect());
    add("oh", OPEN_HATS.iter().map(hi_hat).collect());
    add("cp", CLAPS.iter().map(clap).collect());
    add("rim", RIM_SHOTS.iter().map(rim_shot).collect());
    add("lt", LOW_TOMS.iter().map(tom).collect());
    add("mt", MID_TOMS.iter().map(tom).collect());
    add("ht", HIGH_TOMS.iter().map(tom).collect());
    add("cb", COWBELLS.iter().map(cowbell).collect());
    sounds
}

fn frame_count(length_seconds: f64) -> usize {
    (length_seconds * f64::from(KIT_SAMPLE_RATE)).round() as usize
}

fn seconds(frame: usize) -> f64 {
    frame as f64 / f64::from(KIT_SAMPLE_RATE)
}

/// Advances a phase accumulator (radians) by one sample at `hz` and returns
/// the cosine of the phase before the step, so a sweep starts at +1.
fn phase_cos(phase: &mut f64, hz: f64) -> f64 {
    let value = phase.cos();
    *phase = (*phase + TAU * hz / f64::from(KIT_SAMPLE_RATE)) % TAU;
    value
}

/// A naive square wave, +1 for the first half of each period.
fn square(hz: f64, t: f64) -> f64 {
    if (hz * t).fract() < 0.5 {
        1.0
    } else {
        -1.0
    }
}

/// Fades the tail, normalises the peak to [`KIT_PEAK`] and narrows to `f32`.
fn finish(mut signal: Vec<f64>) -> Vec<f32> {
    let fade = (END_FADE_SECONDS * f64::from(KIT_SAMPLE_RATE)) as usize;
    let fade = fade.min(signal.len());
    let fade_start = signal.len() - fade;
    for (i, sample) in signal[fade_start..].iter_mut().enumerate() {
        *sample *= 0.5 * (1.0 + (PI * (i + 1) as f64 / fade as f64).cos());
    }
    let peak = signal.iter().fold(0.0f64, |peak, s| peak.max(s.abs()));
    let gain = if peak > 0.0 { KIT_PEAK / peak } else { 0.0 };
    signal.iter().map(|s| (s * gain) as f32).collect()
}

/// White noise in -1..1 from a 32-bit xorshift generator (Marsaglia, 2003):
/// tiny, seedable and identical on every platform.
struct Noise {
    state: u32,
}

impl Noise {
    fn new(seed: u32) -> Self {
        Noise { state: seed.max(1) }
    }

    fn next(&mut self) -> f64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        f64::from(x) / f64::from(u32::MAX) * 2.0 - 1.0
    }
}

/// A biquad filter with coefficients from Robert Bristow-Johnson's "Audio EQ
/// Cookbook", run in direct form I.
struct Biquad {
    b0: f64,
    b1: f64,
    b2: f64,
    a1: f64,
    a2: f64,
    x1: f64,
    x2: f64,
    y1: f64,
    y2: f64,
}

impl Biquad {
    fn from_coefficients(b: [f64; 3], a: [f64; 3]) -> Self {
        Biquad {
            b0: b[0] / a[0],
            b1: b[1] / a[0],
            b2: b[2] / a[0],
            a1: a[1] / a[0],
            a2: a[2] / a[0],
            x1: 0.0,
            x2: 0.0,
            y1: 0.0,
            y2: 0.0,
        }
    }

    /// (cos w0, alpha) for a cutoff or centre `hz` and quality `q`.
    fn prewarp(hz: f64, q: f64) -> (f64, f64) {
        let w0 = TAU * hz / f64::from(KIT_SAMPLE_RATE);
        (w0.cos(), w0.sin() / (2.0 * q))
    }

    fn lowpass(hz: f64, q: f64) -> Self {
        let (cos, alpha) = Self::prewarp(hz, q);
        let b1 = 1.0 - cos;
        Self::from_coefficients(
            [b1 / 2.0, b1, b1 / 2.0],
            [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
        )
    }

    fn highpass(hz: f64, q: f64) -> Self {
        let (cos, alpha) = Self::prewarp(hz, q);
        let b1 = -(1.0 + cos);
        Self::from_coefficients(
            [-b1 / 2.0, b1, -b1 / 2.0],
            [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
        )
    }

    /// Band-pass with 0 dB gain at the centre frequency.
    fn bandpass(hz: f64, q: f64) -> Self {
        let (cos, alpha) = Self::prewarp(hz, q);
        Self::from_coefficients([alpha, 0.0, -alpha], [1.0 + alpha, -2.0 * cos, 1.0 - alpha])
    }

    fn process(&mut self, x: f64) -> f64 {
        let y = self.b0 * x + self.b1 * self.x1 + self.b2 * self.x2
            - self.a1 * self.y1
            - self.a2 * self.y2;
        self.x2 = self.x1;
        self.x1 = x;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}
