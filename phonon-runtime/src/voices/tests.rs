//! Unit tests of event parsing and the voice pool, on hand-made buffers.
//! The end-to-end checks against the default kit are in `tests/voices.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::events::{synth_envelope, DEFAULT_SYNTH_ENVELOPE};
use super::*;
use crate::samples::SampleBuffer;

const RATE: u32 = 1000;

fn kit_cache() -> SampleCache {
    SampleCache::new(Arc::new(SampleLibrary::default_kit()), 44_100)
}

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A mono buffer of `frames` ones: level checks read the gains directly.
fn ones(frames: usize) -> EventParams {
    let buffer = SampleBuffer::new(RATE, 1, vec![1.0; frames]).expect("valid buffer");
    EventParams {
        instrument: Instrument::Sample {
            buffer: Arc::new(buffer),
            rate: 1.0,
        },
        ..EventParams::silent()
    }
}

fn render(pool: &mut VoicePool, len: usize) -> (Vec<f32>, Vec<f32>) {
    let mut left = vec![0.0; len];
    let mut right = vec![0.0; len];
    pool.render(&mut left, &mut right);
    (left, right)
}

#[test]
fn bare_words_lists_and_maps_name_the_same_sample() {
    let mut cache = kit_cache();
    let bd3 = |value: &Value, cache: &mut SampleCache| match parse_event(value, cache).instrument {
        Instrument::Sample { buffer, .. } => buffer,
        other => panic!("expected a sample, got {other:?}"),
    };
    let expected = cache.get("bd:3", None).expect("kit bd:3");
    let forms = [
        Value::from("bd:3"),
        Value::List(vec![Value::from("bd"), Value::Num(3.0)]),
        map(&[("s", Value::from("bd")), ("n", Value::Num(3.0))]),
        map(&[("sound", Value::from("bd:1")), ("n", Value::Num(3.0))]),
        map(&[("value", Value::from("bd:3"))]),
    ];
    for form in &forms {
        assert!(Arc::ptr_eq(&bd3(form, &mut cache), &expected), "{form:?}");
    }
    assert!(cache.take_warnings().is_empty());
}

#[test]
fn sample_note_counts_semitones_from_c5_and_multiplies_speed() {
    let mut cache = kit_cache();
    let rate_of =
        |value: Value, cache: &mut SampleCache| match parse_event(&value, cache).instrument {
            Instrument::Sample { rate, .. } => rate,
            other => panic!("expected a sample, got {other:?}"),
        };
    let base = [("s", Value::from("bd"))];
    assert_eq!(rate_of(map(&base), &mut cache), 1.0);
    let c6 = map(&[base[0].clone(), ("note", Value::from("c6"))]);
    assert!((rate_of(c6, &mut cache) - 2.0).abs() < 1e-12);
    let twelve = map(&[base[0].clone(), ("note", Value::Num(12.0))]);
    assert!((rate_of(twelve, &mut cache) - 2.0).abs() < 1e-12);
    let backwards = map(&[
        base[0].clone(),
        ("note", Value::Num(-12.0)),
        ("speed", Value::Num(-1.0)),
    ]);
    assert!((rate_of(backwards, &mut cache) + 0.5).abs() < 1e-12);
}

#[test]
fn synth_pitch_comes_from_freq_then_note_plus_n_then_midi_36() {
    let mut cache = kit_cache();
    let freq_of =
        |value: Value, cache: &mut SampleCache| match parse_event(&value, cache).instrument {
            Instrument::Synth { freq, waveform } => (waveform, freq),
            other => panic!("expected a synth, got {other:?}"),
        };
    let saw = ("s", Value::from("saw"));
    let (waveform, a4) = freq_of(map(&[saw.clone(), ("note", Value::from("a4"))]), &mut cache);
    assert_eq!(waveform, Waveform::Saw);
    assert!((a4 - 440.0).abs() < 1e-3);
    let (_, a5) = freq_of(
        map(&[
            saw.clone(),
            ("note", Value::Num(69.0)),
            ("n", Value::Num(12.0)),
        ]),
        &mut cache,
    );
    assert!((a5 - 880.0).abs() < 1e-3);
    let (_, fixed) = freq_of(
        map(&[
            saw.clone(),
            ("note", Value::Num(69.0)),
            ("freq", Value::Num(100.0)),
        ]),
        &mut cache,
    );
    assert_eq!(fixed, 100.0);
    let (_, default) = freq_of(map(&[saw]), &mut cache);
    assert!((default - 65.406).abs() < 1e-2, "MIDI 36 is C2");
    let (waveform, _) = freq_of(map(&[("note", Value::from("c4"))]), &mut cache);
    assert_eq!(waveform, Waveform::Tri, "Strudel's default instrument");
}

#[test]
fn synth_envelopes_follow_strudels_defaults() {
    assert_eq!(synth_envelope([None; 4]), DEFAULT_SYNTH_ENVELOPE);
    let attack_only = synth_envelope([Some(0.2), None, None, None]);
    assert_eq!(attack_only.sustain, 1.0, "attack alone holds the note");
    assert_eq!(attack_only.release, 0.01);
    let with_decay = synth_envelope([None, Some(0.2), None, None]);
    assert_eq!(with_decay.sustain, 0.001);
    let mut cache = kit_cache();
    let params = parse_event(
        &map(&[
            ("s", Value::from("sine")),
            (
                "adsr",
                Value::List(vec![
                    Value::Num(0.1),
                    Value::Num(0.2),
                    Value::Num(0.5),
                    Value::Num(0.3),
                ]),
            ),
        ]),
        &mut cache,
    );
    assert_eq!(
        params.envelope,
        Envelope {
            attack: 0.1,
            decay: 0.2,
            sustain: 0.5,
            release: 0.3
        }
    );
}

#[test]
fn bad_values_are_clamped_or_silent_never_a_panic() {
    let mut cache = kit_cache();
    let params = parse_event(
        &map(&[
            ("s", Value::from("bd")),
            ("gain", Value::Num(f64::NAN)),
            ("pan", Value::Num(7.0)),
            ("begin", Value::Num(-1.0)),
            ("cut", Value::Num(0.0)),
            ("legato", Value::Num(-2.0)),
        ]),
        &mut cache,
    );
    assert_eq!(params.gain, 1.0);
    assert_eq!(params.pan, 1.0);
    assert_eq!(params.begin, 0.0);
    assert_eq!(params.cut, None);
    assert_eq!(params.legato, None);
    for silent in [
        Value::Num(3.0),
        map(&[("s", Value::from("bd")), ("speed", Value::Num(0.0))]),
        map(&[("s", Value::from("no/such"))]),
        map(&[("s", Value::from("saw")), ("freq", Value::Num(-5.0))]),
    ] {
        assert!(
            matches!(
                parse_event(&silent, &mut cache).instrument,
                Instrument::Silent
            ),
            "{silent:?}"
        );
    }
    assert_eq!(cache.take_warnings().len(), 1, "the bad name warns");
}

#[test]
fn a_missing_bank_warns_once() {
    let mut cache = kit_cache();
    for _ in 0..3 {
        assert!(cache.get("kik", None).is_none());
        assert!(cache.get("kik:2", None).is_none());
    }
    let warnings = cache.take_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(cache.take_warnings().is_empty());
}

#[test]
fn pan_follows_the_equal_power_law_with_unity_at_the_centre() {
    let mut pool = VoicePool::new(4, RATE);
    pool.start(&ones(10), 10);
    let (left, right) = render(&mut pool, 4);
    assert_eq!((left[0], right[0]), (1.0, 1.0));
    let hard_left = EventParams {
        pan: -1.0,
        gain: 0.5,
        ..ones(10)
    };
    pool.reset();
    pool.start(&hard_left, 10);
    let (left, right) = render(&mut pool, 4);
    assert!((left[0] - 0.5 * std::f32::consts::SQRT_2).abs() < 1e-6);
    assert!(right[0].abs() < 1e-6);
}

#[test]
fn attack_fades_in_and_legato_ends_with_the_release_fade() {
    let mut pool = VoicePool::new(4, RATE);
    let params = EventParams {
        legato: Some(0.5),
        envelope: Envelope {
            attack: 0.004,
            decay: 0.0,
            sustain: 1.0,
            release: 0.004,
        },
        ..ones(100)
    };
    pool.start(&params, 20);
    let (left, _) = render(&mut pool, 30);
    assert_eq!(&left[..5], &[0.25, 0.5, 0.75, 1.0, 1.0]);
    assert_eq!(left[9], 1.0);
    assert_eq!(&left[10..15], &[1.0, 0.75, 0.5, 0.25, 0.0]);
    assert_eq!(pool.sounding(), 0);
}

#[test]
fn the_oldest_voice_is_stolen_and_fades_out() {
    let mut pool = VoicePool::new(2, RATE);
    for _ in 0..3 {
        pool.start(&ones(1000), 1000);
        render(&mut pool, 1);
    }
    let mut serials: Vec<u64> = pool.sounding_serials().collect();
    serials.sort();
    assert_eq!(serials, [1, 2], "voice 0 was the oldest");
    assert_eq!(pool.fading(), 1);
    let fade = pool.fade_length() as usize;
    assert_eq!(fade, 5, "5 ms at 1 kHz");
    let (left, _) = render(&mut pool, fade + 1);
    assert_eq!(
        left[0],
        2.0 + 4.0 / 5.0,
        "the stolen voice is one step into its fade"
    );
    assert_eq!(left[fade], 2.0);
    assert_eq!(pool.fading(), 0);
}

#[test]
fn stealing_under_a_flood_never_exceeds_the_slots() {
    let mut pool = VoicePool::new(3, RATE);
    for _ in 0..50 {
        pool.start(&ones(1000), 1000);
    }
    assert_eq!(pool.sounding(), 3);
    assert!(pool.fading() <= 3);
    let (left, _) = render(&mut pool, 10);
    assert!(left.iter().all(|&x| x <= 6.0));
}

#[test]
fn a_cut_group_fades_its_voices_and_spares_the_others() {
    let mut pool = VoicePool::new(8, RATE);
    let grouped = EventParams {
        cut: Some(1),
        ..ones(1000)
    };
    pool.start(&grouped, 1000);
    pool.start(&ones(1000), 1000);
    render(&mut pool, 10);
    pool.start(&grouped, 1000);
    assert_eq!(pool.fading(), 1);
    assert_eq!(pool.sounding(), 2);
    let (left, _) = render(&mut pool, 20);
    assert_eq!(left[19], 2.0);
}

#[test]
fn voices_start_on_their_onset_sample() {
    let mut pool = VoicePool::new(4, RATE);
    let onsets = [3, 7].map(|offset| Onset {
        offset,
        duration: 10,
        params: ones(2),
    });
    let mut left = vec![0.0; 10];
    let mut right = vec![0.0; 10];
    pool.render_with_onsets(&onsets, &mut left, &mut right);
    assert_eq!(left, [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
}

#[test]
fn a_stereo_sample_keeps_its_channels_under_the_pan_gains() {
    let buffer = SampleBuffer::new(RATE, 2, vec![0.5, -0.25, 1.0, 0.75]).expect("stereo");
    let params = EventParams {
        instrument: Instrument::Sample {
            buffer: Arc::new(buffer),
            rate: 1.0,
        },
        pan: 0.5,
        ..EventParams::silent()
    };
    let (gain_left, gain_right) = phonon_ir::dsp::master::pan_gains(0.5);
    let mut pool = VoicePool::new(1, RATE);
    pool.start(&params, 10);
    let (left, right) = render(&mut pool, 3);
    assert_eq!(left, [0.5 * gain_left, gain_left, 0.0]);
    assert_eq!(right, [-0.25 * gain_right, 0.75 * gain_right, 0.0]);
}

#[test]
fn backwards_playback_interpolates_between_frames() {
    let buffer = SampleBuffer::new(RATE, 1, vec![0.0, 1.0, 2.0, 3.0, 4.0]).expect("mono");
    let params = EventParams {
        instrument: Instrument::Sample {
            buffer: Arc::new(buffer),
            rate: -1.5,
        },
        ..EventParams::silent()
    };
    let mut pool = VoicePool::new(1, RATE);
    pool.start(&params, 10);
    let (left, _) = render(&mut pool, 4);
    assert_eq!(left, [4.0, 2.5, 1.0, 0.0]);
}
