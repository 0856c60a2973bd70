//! Measured behaviour of the reference nodes in `phonon_ir::dsp`: spectra of
//! the oscillators (including their alias levels), filter responses from
//! steady-state sines, stability under audio-rate modulation, and the master
//! limiter. Each test prints what it measured (`cargo test -- --nocapture`).

use phonon_ir::dsp::{
    master::Limiter,
    osc::{Pulse, Saw, Sine, Square, Tri},
    svf::{FilterMode, Svf},
};
use rustfft::{num_complex::Complex, FftPlanner};
use std::f32::consts::TAU;

const RATE: f32 = 44_100.0;
const SECOND: usize = 44_100;

/// Magnitude spectrum of `xs` with a rectangular window (1 Hz bins for one
/// second at 44.1 kHz), bins `0..=len/2`.
fn magnitudes(xs: &[f32]) -> Vec<f32> {
    let mut buf: Vec<Complex<f32>> = xs.iter().map(|&x| Complex::new(x, 0.0)).collect();
    FftPlanner::new()
        .plan_fft_forward(buf.len())
        .process(&mut buf);
    buf[..=xs.len() / 2].iter().map(|c| c.norm()).collect()
}

fn db(ratio: f32) -> f32 {
    20.0 * ratio.log10()
}

/// One second of a periodic oscillator after 0.1 s of settling.
fn one_second(mut tick: impl FnMut() -> f32) -> Vec<f32> {
    for _ in 0..SECOND / 10 {
        tick();
    }
    (0..SECOND).map(|_| tick()).collect()
}

/// The strongest component that is not a harmonic of `f0`, in dB relative
/// to the fundamental, and the bin it is in. Exactly periodic over one
/// second, so every component sits on a bin and no window is needed.
fn worst_alias(xs: &[f32], f0: usize) -> (f32, usize) {
    let mags = magnitudes(xs);
    let fundamental = mags[f0];
    let (bin, worst) = mags
        .iter()
        .enumerate()
        .filter(|(bin, _)| bin % f0 != 0)
        .fold(
            (0, 0.0f32),
            |best, (bin, &m)| if m > best.1 { (bin, m) } else { best },
        );
    (db(worst / fundamental), bin)
}

#[test]
fn sine_440_peaks_at_440() {
    let mut sine = Sine::new(RATE);
    let xs = one_second(|| sine.tick(440.0));
    let mags = magnitudes(&xs);
    let peak = (0..mags.len())
        .max_by(|&a, &b| mags[a].total_cmp(&mags[b]))
        .unwrap();
    eprintln!("sine 440: peak at {peak} Hz");
    assert!((peak as f32 - 440.0).abs() <= 1.0);
    assert!(xs.iter().all(|x| x.abs() <= 1.0));
}

#[test]
fn saw_1000_aliases_stay_40_db_down() {
    let mut saw = Saw::new(RATE);
    let (level, bin) = worst_alias(&one_second(|| saw.tick(1000.0)), 1000);
    eprintln!("saw 1000: worst alias {level:.1} dB at {bin} Hz");
    assert!(level <= -40.0, "{level} dB at {bin} Hz");
}

#[test]
fn square_and_pulse_1000_aliases_stay_40_db_down() {
    let mut square = Square::new(RATE);
    let (level, bin) = worst_alias(&one_second(|| square.tick(1000.0)), 1000);
    eprintln!("square 1000: worst alias {level:.1} dB at {bin} Hz");
    assert!(level <= -40.0, "square: {level} dB at {bin} Hz");
    for width in [0.25, 0.4] {
        let mut pulse = Pulse::new(RATE);
        let (level, bin) = worst_alias(&one_second(|| pulse.tick(1000.0, width)), 1000);
        eprintln!("pulse 1000 {width}: worst alias {level:.1} dB at {bin} Hz");
        assert!(level <= -40.0, "pulse {width}: {level} dB at {bin} Hz");
    }
}

#[test]
fn tri_1000_aliases_stay_60_db_down() {
    let mut tri = Tri::new(RATE);
    let (level, bin) = worst_alias(&one_second(|| tri.tick(1000.0)), 1000);
    eprintln!("tri 1000: worst alias {level:.1} dB at {bin} Hz");
    assert!(level <= -60.0, "{level} dB at {bin} Hz");
}

#[test]
fn saw_5000_keeps_aliases_out_of_the_audible_band_below_it() {
    // At 5 kHz the only sizeable aliases fold down from 25 kHz and up, to
    // 19.1 kHz and below; those under the fundamental are what one hears.
    let mut saw = Saw::new(RATE);
    let xs = one_second(|| saw.tick(5000.0));
    let mags = magnitudes(&xs);
    let below: f32 = (1..5000)
        .filter(|b| b % 5000 != 0)
        .map(|b| mags[b])
        .fold(0.0, f32::max);
    let (everywhere, bin) = worst_alias(&xs, 5000);
    let below = db(below / mags[5000]);
    eprintln!(
        "saw 5000: worst alias below 5 kHz {below:.1} dB; anywhere {everywhere:.1} dB at {bin} Hz"
    );
    assert!(below <= -60.0, "{below} dB");
    assert!(everywhere <= -30.0, "{everywhere} dB at {bin} Hz");
}

/// Steady-state gain (dB) of a filter for a sine at `freq`.
fn gain_db(mode: FilterMode, cutoff: f32, q: f32, freq: f32) -> f32 {
    let mut filter = Svf::new(RATE, mode);
    let input: Vec<f32> = (0..SECOND)
        .map(|i| (TAU * freq * i as f32 / RATE).sin())
        .collect();
    let mut out = vec![0.0; SECOND];
    filter.process(&input, &[&[cutoff], &[q]], &mut out);
    let rms = |xs: &[f32]| (xs.iter().map(|x| x * x).sum::<f32>() / xs.len() as f32).sqrt();
    db(rms(&out[SECOND / 2..]) / rms(&input[SECOND / 2..]))
}

#[test]
fn lowpass_and_highpass_are_3_db_down_at_the_cutoff() {
    for cutoff in [100.0, 1000.0, 5000.0, 15_000.0] {
        let low = gain_db(FilterMode::Lowpass, cutoff, 0.707, cutoff);
        let high = gain_db(FilterMode::Highpass, cutoff, 0.707, cutoff);
        eprintln!("at {cutoff} Hz, q 0.707: lpf {low:.2} dB, hpf {high:.2} dB");
        assert!((low + 3.0).abs() <= 1.0, "lpf {cutoff}: {low}");
        assert!((high + 3.0).abs() <= 1.0, "hpf {cutoff}: {high}");
    }
    // Far from the cutoff: 12 dB per octave.
    let octaves_up = gain_db(FilterMode::Lowpass, 500.0, 0.707, 4000.0);
    eprintln!("lpf 500 at 4 kHz: {octaves_up:.1} dB");
    assert!(octaves_up < -33.0 && octaves_up > -39.0);
}

#[test]
fn bandpass_peaks_at_0_db_on_the_cutoff() {
    for (cutoff, q) in [(300.0, 0.707), (1000.0, 2.0), (4000.0, 8.0)] {
        let (peak_freq, peak_gain) = (80..=120)
            .map(|pct| cutoff * pct as f32 / 100.0)
            .map(|f| (f, gain_db(FilterMode::Bandpass, cutoff, q, f)))
            .fold(
                (0.0, f32::MIN),
                |best, (f, g)| if g > best.1 { (f, g) } else { best },
            );
        eprintln!("bpf {cutoff} q {q}: peak {peak_gain:.2} dB at {peak_freq} Hz");
        assert!((peak_freq / cutoff - 1.0).abs() <= 0.05);
        assert!(peak_gain.abs() <= 1.0);
    }
}

#[test]
fn notch_is_30_db_down_at_the_cutoff() {
    for (cutoff, q) in [(200.0, 0.707), (1000.0, 2.0), (6000.0, 0.707)] {
        let gain = gain_db(FilterMode::Notch, cutoff, q, cutoff);
        eprintln!("notch {cutoff} q {q}: {gain:.1} dB");
        assert!(gain <= -30.0, "{gain}");
    }
}

#[test]
fn filters_stay_bounded_under_audio_rate_sweeps() {
    let modes = [
        FilterMode::Lowpass,
        FilterMode::Highpass,
        FilterMode::Bandpass,
        FilterMode::Notch,
    ];
    // A 1 kHz saw-ish input, cutoff swept exponentially 20 Hz..20 kHz by a
    // 300 Hz sine, and a second run where the cutoff jumps every sample.
    let input: Vec<f32> = (0..SECOND)
        .map(|i| ((i * 1000) % SECOND) as f32 / SECOND as f32 * 2.0 - 1.0)
        .collect();
    let swept: Vec<f32> = (0..SECOND)
        .map(|i| 20.0 * 1000f32.powf(0.5 + 0.5 * (TAU * 300.0 * i as f32 / RATE).sin()))
        .collect();
    let jumping: Vec<f32> = (0..SECOND)
        .map(|i| if (i * 7919) % 3 == 0 { 20.0 } else { 20_000.0 })
        .collect();
    for mode in modes {
        for q in [0.5, 0.707, 20.0] {
            for cutoff in [&swept, &jumping] {
                let mut filter = Svf::new(RATE, mode);
                let mut out = vec![0.0; SECOND];
                filter.process(&input, &[cutoff, &[q]], &mut out);
                let peak = out.iter().fold(0.0f32, |m, y| m.max(y.abs()));
                assert!(peak.is_finite(), "{mode:?} q {q}");
                // A Q of 20 may ring up to about 20x; it must not grow.
                let bound = if q > 1.0 { 4.0 * q } else { 4.0 };
                assert!(peak <= bound, "{mode:?} q {q}: peak {peak}");
            }
        }
    }
}

#[test]
fn extreme_cutoffs_and_qs_are_finite() {
    let input: Vec<f32> = (0..4096)
        .map(|i| if i % 100 < 50 { 1.0 } else { -1.0 })
        .collect();
    for mode in [
        FilterMode::Lowpass,
        FilterMode::Highpass,
        FilterMode::Bandpass,
        FilterMode::Notch,
    ] {
        for cutoff in [0.0, -5.0, 20.0, 20_000.0, 1e9, f32::INFINITY, f32::NAN] {
            for q in [0.0, 0.5, 20.0, 1e6, f32::NAN] {
                let mut filter = Svf::new(RATE, mode);
                let mut out = vec![0.0; input.len()];
                filter.process(&input, &[&[cutoff], &[q]], &mut out);
                assert!(
                    out.iter().all(|y| y.is_finite() && y.abs() < 100.0),
                    "{mode:?} {cutoff} {q}"
                );
            }
        }
    }
}

fn stereo_sine(amplitude: f32) -> Vec<f32> {
    (0..SECOND)
        .map(|i| amplitude * (TAU * 997.0 * i as f32 / RATE).sin())
        .collect()
}

#[test]
fn limiter_leaves_a_program_under_full_scale_bit_identical() {
    let minus_one_db = 10f32.powf(-1.0 / 20.0);
    let input = stereo_sine(minus_one_db);
    let (mut left, mut right) = (input.clone(), input.clone());
    let mut limiter = Limiter::new(RATE);
    assert_eq!(limiter.process(&mut left, &mut right), 0);
    assert_eq!(left, input);
    assert_eq!(right, input);
}

#[test]
fn limiter_holds_a_hot_sine_under_full_scale_and_counts() {
    let plus_six_db = 10f32.powf(6.0 / 20.0);
    let input = stereo_sine(plus_six_db);
    let (mut left, mut right) = (input.clone(), input.clone());
    let mut limiter = Limiter::new(RATE);
    let limited = limiter.process(&mut left, &mut right);
    let peak = left
        .iter()
        .chain(&right)
        .fold(0.0f32, |m, y| m.max(y.abs()));
    eprintln!(
        "limiter at +6 dB: peak {:.3} dBFS, {limited} samples limited",
        db(peak)
    );
    assert!(peak <= Limiter::CEILING);
    assert!(limited > SECOND as u64 / 2);
    assert_eq!(limiter.limited_samples(), limited);
    // Once the program falls back under the ceiling the gain recovers to
    // exactly 1 (within 0.7 s of a halving) and passes samples untouched.
    let quiet = stereo_sine(0.5);
    let (mut left, mut right) = (quiet.clone(), quiet.clone());
    limiter.process(&mut left, &mut right);
    assert_ne!(left[..100], quiet[..100]);
    let last_touched = left.iter().zip(&quiet).rposition(|(a, b)| a != b);
    eprintln!("limiter recovers after {last_touched:?} samples");
    assert!(
        last_touched.is_some_and(|i| i < SECOND * 7 / 10),
        "still limiting at {last_touched:?}"
    );
}
