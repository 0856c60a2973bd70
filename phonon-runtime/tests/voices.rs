//! End-to-end checks of the voice engine on the default kit and the synth
//! instruments: onset samples, per-event parameters, cut groups, stealing,
//! pitch by spectral peak, envelope shape and determinism.

use std::collections::BTreeMap;
use std::sync::Arc;

use phonon_ir::pattern::mini::parse_pattern;
use phonon_ir::pattern::{Fraction, Pattern, Value};
use phonon_runtime::clock::SampleClock;
use phonon_runtime::engine::{Interpreter, Renderer};
use phonon_runtime::samples::{SampleKey, SampleLibrary, SampleWarning, SharedSample};
use phonon_runtime::voices::{ProgramVoices, VoiceEngine, DEFAULT_VOICE_COUNT};
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

const RATE: u32 = 44_100;
const BLOCK: usize = 512;

/// `key "text"`: a control-map pattern from mini-notation.
fn control(key: &str, text: &str) -> Pattern<Value> {
    let key = key.to_string();
    parse_pattern(text)
        .expect("valid mini-notation")
        .fmap(move |v| Value::Map(BTreeMap::from([(key.clone(), v)])))
}

/// `pattern # key "text"`: structure from the left, as Strudel's `set`.
fn with(pattern: Pattern<Value>, key: &str, text: &str) -> Pattern<Value> {
    let key = key.to_string();
    let values = parse_pattern(text).expect("valid mini-notation");
    pattern.app_left(&values, move |event, value| {
        event.clone().with_control(&key, value.clone())
    })
}

fn library() -> Arc<SampleLibrary> {
    Arc::new(SampleLibrary::default_kit())
}

fn kit_sample(name: &str, rate: u32) -> SharedSample {
    let key = SampleKey::parse(name).expect("sample name");
    SampleLibrary::default_kit()
        .load(&key, rate)
        .expect("kit sample")
}

fn engine(pattern: Pattern<Value>, rate: u32, voices: usize) -> VoiceEngine {
    let mut engine = VoiceEngine::new(pattern, library(), rate, voices);
    let warnings = engine.preload(Fraction::from_int(4));
    assert!(warnings.is_empty(), "{warnings:?}");
    engine
}

/// Renders `len` samples in blocks of `block`; returns (left, right).
fn render(
    engine: &mut VoiceEngine,
    clock: &SampleClock,
    len: usize,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut left = vec![0.0; len];
    let mut right = vec![0.0; len];
    let mut start = 0;
    while start < len {
        let end = (start + block).min(len);
        engine.render_block(
            clock,
            start as u64,
            &mut left[start..end],
            &mut right[start..end],
        );
        start = end;
    }
    (left, right)
}

/// The mono sample `sample` mixed at each of `onsets`, `len` long.
fn expected_mix(sample: &SharedSample, onsets: &[usize], len: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; len];
    for &onset in onsets {
        for (i, &x) in sample.samples().iter().enumerate() {
            if let Some(y) = out.get_mut(onset + i) {
                *y += x;
            }
        }
    }
    out
}

fn assert_close(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() < 1e-6,
            "{what}: sample {i} is {a}, expected {e}"
        );
    }
}

/// The onsets of `pattern` in `[0, cycles)` as first samples.
fn onset_samples(pattern: &Pattern<Value>, clock: &SampleClock, cycles: i64) -> Vec<usize> {
    pattern
        .query_arc(Fraction::ZERO, Fraction::from_int(cycles))
        .iter()
        .filter(|hap| hap.has_onset())
        .filter_map(|hap| hap.whole)
        .map(|whole| clock.sample_at_or_after(whole.begin) as usize)
        .collect()
}

/// Frequencies of the `count` strongest local maxima of the spectrum of
/// `signal` (Hann window, peak bins refined by parabolic interpolation).
fn spectral_peaks(signal: &[f32], rate: u32, count: usize) -> Vec<f32> {
    let n = signal.len();
    let mut buffer: Vec<Complex<f32>> = signal
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let w = 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos();
            Complex::new(x * w, 0.0)
        })
        .collect();
    FftPlanner::new().plan_fft_forward(n).process(&mut buffer);
    let magnitude: Vec<f32> = buffer[..n / 2].iter().map(|c| c.norm()).collect();
    let mut maxima: Vec<(f32, f32)> = (1..magnitude.len() - 1)
        .filter(|&k| magnitude[k] > magnitude[k - 1] && magnitude[k] >= magnitude[k + 1])
        .map(|k| {
            let (a, b, c) = (magnitude[k - 1], magnitude[k], magnitude[k + 1]);
            let shift = 0.5 * (a - c) / (a - 2.0 * b + c);
            (b, (k as f32 + shift) * rate as f32 / n as f32)
        })
        .collect();
    maxima.sort_by(|x, y| y.0.total_cmp(&x.0));
    maxima.into_iter().take(count).map(|(_, hz)| hz).collect()
}

/// The magnitude of `signal` at `hz` (a single-bin DFT), per sample.
fn level_at(signal: &[f32], rate: u32, hz: f32) -> f32 {
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (i, &x) in signal.iter().enumerate() {
        let phase = std::f64::consts::TAU * f64::from(hz) * i as f64 / f64::from(rate);
        re += f64::from(x) * phase.cos();
        im += f64::from(x) * phase.sin();
    }
    (2.0 * re.hypot(im) / signal.len() as f64) as f32
}

fn near(hz: f32, target: f32) -> bool {
    (hz / target - 1.0).abs() < 0.01
}

fn midi_hz(midi: f32) -> f32 {
    440.0 * ((midi - 69.0) / 12.0).exp2()
}

#[test]
fn bd_times_four_at_half_a_cycle_per_second_starts_every_22050_samples() {
    let clock = SampleClock::new(RATE, Fraction::new(1, 2));
    let mut kicks = engine(control("s", "bd*4"), RATE, 128);
    let len = 2 * 88_200;
    let (left, right) = render(&mut kicks, &clock, len, BLOCK);
    let onsets: Vec<usize> = (0..8).map(|k| k * 22_050).collect();
    let expected = expected_mix(&kit_sample("bd", RATE), &onsets, len);
    assert_close(&left, &expected, "left");
    assert_close(&right, &expected, "right");

    // With gaps between hits, each onset is the first non-zero sample after
    // silence (a kit sound has no zero run longer than a few samples).
    let mut hats = engine(control("s", "hh*4"), RATE, 128);
    let (left, _) = render(&mut hats, &clock, len, BLOCK);
    let starts: Vec<usize> = (0..len)
        .filter(|&i| left[i] != 0.0 && left[i.saturating_sub(100)..i].iter().all(|&x| x == 0.0))
        .collect();
    assert_eq!(starts, onsets);
}

#[test]
fn euclid_onsets_land_where_the_haps_say() {
    let clock = SampleClock::new(RATE, Fraction::new(1, 2));
    let pattern = control("s", "bd(3,8)");
    let onsets = onset_samples(&pattern, &clock, 2);
    assert_eq!(onsets, [0, 33_075, 66_150, 88_200, 121_275, 154_350]);
    let mut engine = engine(pattern, RATE, 128);
    let len = 2 * 88_200;
    let (left, _) = render(&mut engine, &clock, len, BLOCK);
    assert_close(
        &left,
        &expected_mix(&kit_sample("bd", RATE), &onsets, len),
        "bd(3,8)",
    );
}

#[test]
fn at_48khz_onsets_round_up_to_the_next_sample_whatever_the_block_size() {
    let rate = 48_000;
    // 7/10 cycles per second: quarter-cycle onsets fall between samples.
    let clock = SampleClock::new(rate, Fraction::new(7, 10));
    let len = 3 * 68_572;
    let onsets: Vec<usize> = (0..=12)
        .map(|k: usize| (k * 48_000 * 10).div_ceil(4 * 7))
        .filter(|&at| at < len)
        .collect();
    assert_eq!(onsets[1], 17_143, "ceil(0.25 * 48000 / 0.7)");
    let expected = expected_mix(&kit_sample("hh", rate), &onsets, len);
    let mut reference = None;
    for block in [BLOCK, 1, 37, 4096] {
        let mut engine = engine(control("s", "hh*4"), rate, 128);
        let (left, _) = render(&mut engine, &clock, len, block);
        assert_close(&left, &expected, &format!("blocks of {block}"));
        match &reference {
            None => reference = Some(left),
            Some(first) => assert_eq!(first, &left, "blocks of {block} differ"),
        }
    }
}

#[test]
fn gain_scales_the_level() {
    let clock = SampleClock::new(RATE, Fraction::ONE);
    let len = 44_100;
    let (loud, _) = render(&mut engine(control("s", "sn"), RATE, 8), &clock, len, BLOCK);
    let quiet_pattern = with(control("s", "sn"), "gain", "0.25");
    let (quiet, _) = render(&mut engine(quiet_pattern, RATE, 8), &clock, len, BLOCK);
    let peak = |x: &[f32]| x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak(&loud) > 0.5);
    assert!((peak(&quiet) / peak(&loud) - 0.25).abs() < 1e-6);
    let scaled: Vec<f32> = loud.iter().map(|x| x * 0.25).collect();
    assert_close(&quiet, &scaled, "gain 0.25");
}

#[test]
fn pan_levels_follow_the_equal_power_law() {
    let clock = SampleClock::new(RATE, Fraction::ONE);
    let sample = kit_sample("sn", RATE);
    let dry = expected_mix(&sample, &[0], 44_100);
    for (pan, position) in [("-1", -1.0f32), ("-0.5", -0.5), ("0.5", 0.5), ("1", 1.0)] {
        let pattern = with(control("s", "sn"), "pan", pan);
        let (left, right) = render(&mut engine(pattern, RATE, 8), &clock, 44_100, BLOCK);
        let theta = (position + 1.0) * std::f32::consts::FRAC_PI_4;
        let gains = (theta.cos() * 2f32.sqrt(), theta.sin() * 2f32.sqrt());
        let expect = |gain: f32| dry.iter().map(|x| x * gain).collect::<Vec<_>>();
        assert_close(&left, &expect(gains.0), &format!("pan {pan} left"));
        assert_close(&right, &expect(gains.1), &format!("pan {pan} right"));
        let power = gains.0 * gains.0 + gains.1 * gains.1;
        assert!((power - 2.0).abs() < 1e-5, "equal power at {pan}");
    }
}

#[test]
fn speed_two_and_note_twelve_play_every_other_frame() {
    let clock = SampleClock::new(RATE, Fraction::new(1, 2));
    let sample = kit_sample("bd", RATE);
    let frames = sample.frame_count();
    let faster = sample.samples().iter().step_by(2).copied();
    let mut expected: Vec<f32> = faster.collect();
    assert_eq!(expected.len(), frames.div_ceil(2));
    expected.resize(frames, 0.0);
    for (key, value) in [("speed", "2"), ("note", "12"), ("note", "c6")] {
        let pattern = with(control("s", "bd"), key, value);
        let (left, _) = render(&mut engine(pattern, RATE, 8), &clock, frames, BLOCK);
        assert_close(&left, &expected, &format!("{key} {value}"));
    }
}

#[test]
fn negative_speed_plays_the_sample_reversed() {
    let clock = SampleClock::new(RATE, Fraction::new(1, 2));
    let sample = kit_sample("sn:2", RATE);
    let frames = sample.frame_count();
    let mut expected: Vec<f32> = sample.samples().iter().rev().copied().collect();
    expected.resize(frames + 1000, 0.0);
    let pattern = with(control("s", "sn:2"), "speed", "-1");
    let (left, _) = render(&mut engine(pattern, RATE, 8), &clock, frames + 1000, BLOCK);
    assert_close(&left, &expected, "speed -1");
}

#[test]
fn begin_and_end_select_part_of_the_sample() {
    let clock = SampleClock::new(RATE, Fraction::new(1, 2));
    let sample = kit_sample("lt:1", RATE);
    let frames = sample.frame_count();
    assert_eq!(frames % 4, 0, "quarters fall on whole frames");
    let mut expected = sample.samples()[frames / 4..3 * frames / 4].to_vec();
    expected.resize(frames, 0.0);
    let pattern = with(with(control("s", "lt:1"), "begin", "0.25"), "end", "0.75");
    let (left, _) = render(&mut engine(pattern, RATE, 8), &clock, frames, BLOCK);
    assert_close(&left, &expected, "begin 0.25 end 0.75");
}

#[test]
fn a_cut_group_stops_the_previous_voice_within_the_short_fade() {
    // Two cycles a second: hits 11025 samples apart, shorter than `lt:1`.
    let clock = SampleClock::new(RATE, Fraction::new(2, 1));
    let sample = kit_sample("lt:1", RATE);
    let len = 22_050;
    let pattern = with(control("s", "lt:1 lt:1"), "cut", "1");
    let mut cut_engine = engine(pattern, RATE, 8);
    let fade = cut_engine.pool().fade_length() as usize;
    assert!((220..=221).contains(&fade), "5 ms at 44.1 kHz");
    let (cut, _) = render(&mut cut_engine, &clock, len, BLOCK);
    let alone = &sample.samples()[fade..len - 11_025];
    assert_close(
        &cut[11_025 + fade..],
        alone,
        "only the second voice after the fade",
    );
    let (overlapping, _) = render(
        &mut engine(control("s", "lt:1 lt:1"), RATE, 8),
        &clock,
        len,
        BLOCK,
    );
    assert_ne!(
        &overlapping[11_025 + fade..],
        alone,
        "without a cut they overlap"
    );
}

#[test]
fn stealing_keeps_at_most_four_voices_and_drops_the_oldest() {
    let clock = SampleClock::new(RATE, Fraction::new(1, 2));
    let notes = "c4 d4 e4 f4 g4 a4 b4 c5";
    let midi = [60.0, 62.0, 64.0, 65.0, 67.0, 69.0, 71.0, 72.0];
    // Every note held for the whole cycle: eight overlapping voices.
    let pattern = with(with(control("note", notes), "s", "sine"), "legato", "8");
    let mut engine = engine(pattern, RATE, 4);
    let step = 11_025;
    let len = 8 * step;
    let mut left = vec![0.0; len];
    let mut right = vec![0.0; len];
    for start in (0..len).step_by(BLOCK) {
        let end = (start + BLOCK).min(len);
        engine.render_block(
            &clock,
            start as u64,
            &mut left[start..end],
            &mut right[start..end],
        );
        assert!(engine.pool().sounding() <= 4);
        assert!(engine.pool().fading() <= 4);
    }
    let window = &left[7 * step + 500..7 * step + 500 + 8192];
    for (i, &m) in midi.iter().enumerate() {
        let level = level_at(window, RATE, midi_hz(m));
        if i >= 4 {
            assert!(level > 0.3, "note {m} sounds ({level})");
        } else {
            assert!(level < 0.02, "note {m} was stolen ({level})");
        }
    }
}

#[test]
fn a_synth_chord_is_one_voice_per_note_at_its_pitch() {
    let clock = SampleClock::new(RATE, Fraction::new(1, 2));
    let pattern = with(control("note", "c4 [e4,g4]"), "s", "saw");
    let mut engine = engine(pattern, RATE, 16);
    let half = 44_100;
    let (left, _) = render(&mut engine, &clock, half + 20_000, BLOCK);
    assert_eq!(engine.pool().sounding(), 2);
    let first = spectral_peaks(&left[2_000..2_000 + 32_768], RATE, 1);
    assert!(near(first[0], midi_hz(60.0)), "{first:?}");
    let chord = spectral_peaks(&left[half + 2_000..half + 18_000], RATE, 2);
    assert!(chord.iter().any(|&hz| near(hz, midi_hz(64.0))), "{chord:?}");
    assert!(chord.iter().any(|&hz| near(hz, midi_hz(67.0))), "{chord:?}");
}

#[test]
fn a_saw_line_plays_each_note_in_turn() {
    let clock = SampleClock::new(RATE, Fraction::new(1, 2));
    let pattern = with(control("s", "saw*4"), "note", "c3 e3 g3 b3");
    let mut engine = engine(pattern, RATE, 16);
    let quarter = 22_050;
    let (left, right) = render(&mut engine, &clock, 4 * quarter, BLOCK);
    assert_eq!(left, right, "centred synths are the same on both sides");
    for (k, midi) in [48.0, 52.0, 55.0, 59.0].into_iter().enumerate() {
        let window = &left[k * quarter + 1_000..k * quarter + 1_000 + 16_384];
        let peak = spectral_peaks(window, RATE, 1)[0];
        assert!(near(peak, midi_hz(midi)), "quarter {k}: {peak} Hz");
    }
}

#[test]
fn adsr_shapes_a_synth_note() {
    // One 440 Hz note lasting 1 s, then 1 s of rest.
    let clock = SampleClock::new(RATE, Fraction::new(1, 2));
    let mut pattern = with(control("note", "a4 ~"), "s", "sine");
    for (key, value) in [
        ("attack", "0.1"),
        ("decay", "0.1"),
        ("sustain", "0.5"),
        ("release", "0.2"),
    ] {
        pattern = with(pattern, key, value);
    }
    let mut engine = engine(pattern, RATE, 8);
    let (left, _) = render(&mut engine, &clock, 2 * RATE as usize, BLOCK);
    // The envelope at time `t`: the peak over one period around it.
    let level = |t: f32| {
        let at = (t * RATE as f32) as usize;
        left[at - 50..at + 50]
            .iter()
            .fold(0.0f32, |m, x| m.max(x.abs()))
    };
    let checks = [
        (0.05, 0.5),
        (0.1, 1.0),
        (0.15, 0.75),
        (0.5, 0.5),
        (0.99, 0.5),
        (1.1, 0.25),
        (1.3, 0.0),
    ];
    for (t, expected) in checks {
        assert!(
            (level(t) - expected).abs() < 0.02,
            "at {t} s: {} (expected {expected})",
            level(t)
        );
    }
}

#[test]
fn the_same_program_renders_bit_identically_twice() {
    let clock = SampleClock::new(RATE, Fraction::new(9, 16));
    let drums = with(
        with(
            control("s", "bd(3,8) [sn hh:2] ~ oh"),
            "speed",
            "1 -1.5 0.75",
        ),
        "pan",
        "-0.5 0.3",
    );
    let pattern = phonon_ir::pattern::stack(vec![
        drums,
        with(control("note", "c3 [e4,g4] a2"), "s", "square tri"),
    ]);
    let len = 150_000;
    let mut engine = engine(pattern.clone(), RATE, 6);
    let first = render(&mut engine, &clock, len, BLOCK);
    engine.reset();
    let again = render(&mut engine, &clock, len, BLOCK);
    let fresh = render(&mut self::engine(pattern, RATE, 6), &clock, len, 300);
    assert!(first.0.iter().any(|&x| x != 0.0));
    assert_eq!(first, again, "after reset");
    assert_eq!(first, fresh, "a fresh engine with other blocks");
}

#[test]
fn a_missing_bank_warns_and_plays_silence() {
    let clock = SampleClock::new(RATE, Fraction::ONE);
    let mut engine = VoiceEngine::new(control("s", "kik*4"), library(), RATE, 8);
    let warnings = engine.preload(Fraction::ONE);
    assert!(
        matches!(warnings.as_slice(), [SampleWarning::UnknownBank { bank, .. }] if bank == "kik"),
        "{warnings:?}"
    );
    let (left, right) = render(&mut engine, &clock, 44_100, BLOCK);
    assert!(left.iter().chain(&right).all(|&x| x == 0.0));
    assert!(engine.take_warnings().is_empty(), "warned once");
}

#[test]
fn a_name_first_met_after_preload_loads_while_rendering() {
    let clock = SampleClock::new(RATE, Fraction::ONE);
    let pattern = control("s", "<hh [cp nope]>");
    let mut engine = VoiceEngine::new(pattern, library(), RATE, 8);
    assert!(engine.preload(Fraction::ONE).is_empty());
    let (left, _) = render(&mut engine, &clock, 2 * 44_100, BLOCK);
    let expected = expected_mix(&kit_sample("cp", RATE), &[44_100], 2 * 44_100);
    let hh = expected_mix(&kit_sample("hh", RATE), &[0], 2 * 44_100);
    let both: Vec<f32> = expected.iter().zip(&hh).map(|(a, b)| a + b).collect();
    assert_close(&left, &both, "hh then cp");
    let warnings = engine.take_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
}

/// Compiles a `.ph` program and renders it with its voices attached.
fn render_program(source: &str, len: usize) -> (Vec<f32>, Vec<f32>) {
    let parsed = phonon_syntax::parse(source);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let compiled = phonon_ir::compile::compile(&parsed.program);
    let staged = compiled.staged.expect("compiles");
    let mut voices = ProgramVoices::new(&staged.graph, library(), RATE, DEFAULT_VOICE_COUNT);
    assert!(voices.preload(Fraction::from_int(4)).is_empty());
    let engine = Interpreter::new(&staged, RATE, BLOCK);
    let mut renderer = Renderer::new(staged, engine, voices, RATE, BLOCK);
    let mut left = vec![0.0; len];
    let mut right = vec![0.0; len];
    for start in (0..len).step_by(BLOCK) {
        let end = (start + BLOCK).min(len);
        renderer.render_block(&mut left[start..end], &mut right[start..end]);
    }
    (left, right)
}

#[test]
fn a_compiled_program_plays_its_samples_through_the_renderer() {
    let len = 88_200;
    let (left, right) = render_program("tempo: 0.5\nout: s \"bd*4\"\n", len);
    let onsets = [0, 22_050, 44_100, 66_150];
    let expected = expected_mix(&kit_sample("bd", RATE), &onsets, len);
    assert_close(&left, &expected, "left");
    assert_close(&right, &expected, "right");
}

#[test]
fn a_compiled_synth_line_sounds_at_its_pitch_and_gain() {
    let len = 44_100;
    let source = "tempo: 0.5\nout: note \"a4\" # s sine # gain 0.5 # adsr 0.001 0.01 1 0.01\n";
    let (left, _) = render_program(source, len);
    let window = &left[4_000..4_000 + 16_384];
    assert!(near(spectral_peaks(window, RATE, 1)[0], 440.0));
    assert!((level_at(window, RATE, 440.0) - 0.5).abs() < 0.01);
}

#[test]
fn the_drums_workload_renders_every_layer() {
    let source = "tempo: 0.5\n\
        ~drums: s \"[bd*4, hh*16, ~ sn ~ sn, cp(3,8)]\" # gain \"1 0.8 0.9 0.7\"\n\
        out: ~drums * 0.3\n";
    let len = 88_200;
    let (left, right) = render_program(source, len);
    assert_eq!(left, right);
    assert!(left.iter().all(|x| x.is_finite() && x.abs() <= 1.0));
    // The first sample is the bd, the hh and the cp together, at gain 1
    // (quiet enough that the master limiter leaves it alone).
    let first: f32 = ["bd", "hh", "cp"]
        .iter()
        .map(|name| kit_sample(name, RATE).samples()[0])
        .sum();
    assert!(
        (left[0] - 0.3 * first).abs() < 1e-5,
        "{} vs {}",
        left[0],
        0.3 * first
    );
    // Each quarter holds sound; a snare joins on the second.
    for quarter in 0..4 {
        let part = &left[quarter * 22_050..(quarter + 1) * 22_050];
        assert!(part.iter().any(|x| x.abs() > 0.1), "quarter {quarter}");
    }
}
