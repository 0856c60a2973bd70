//! Tests of the sample module: the shipped kit against its recipes, the
//! search order, `name:index` resolution, warnings, decoding and resampling.
//! Every test builds its folders in a fresh temporary directory.

use std::collections::BTreeSet;
use std::f32::consts::TAU;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tempfile::TempDir;

use super::kit::{render_kit_files, EMBEDDED_KIT, KIT_DIR};
use super::kit_recipes::{kit_sounds, KIT_BANKS, KIT_PEAK, KIT_SAMPLE_RATE};
use super::*;

fn sine(hz: f32, rate: u32, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|n| 0.5 * (TAU * hz * n as f32 / rate as f32).sin())
        .collect()
}

fn wav_bytes(spec: hound::WavSpec, samples: &[f32]) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut bytes, spec).unwrap();
    for &sample in samples {
        match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Float, _) => writer.write_sample(sample).unwrap(),
            (hound::SampleFormat::Int, 16) => writer
                .write_sample((sample * 32767.0).round() as i16)
                .unwrap(),
            (hound::SampleFormat::Int, bits) => {
                let full_scale = ((1i64 << (bits - 1)) - 1) as f32;
                writer
                    .write_sample((sample * full_scale).round() as i32)
                    .unwrap()
            }
        }
    }
    writer.finalize().unwrap();
    bytes.into_inner()
}

fn wav_spec(rate: u32, channels: u16, bits: u16, float: bool) -> hound::WavSpec {
    hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    }
}

fn write_file(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// A one-file bank whose length in frames identifies which folder it came from.
fn marker_bank(root: &Path, bank: &str, marker_frames: usize) {
    let samples = vec![0.25; marker_frames];
    write_file(
        &root.join(bank).join("marker.wav"),
        &wav_bytes(wav_spec(44_100, 1, 16, false), &samples),
    );
}

fn kit_file_bytes(bank: &str, variant: usize) -> &'static [u8] {
    EMBEDDED_KIT
        .iter()
        .filter(|file| file.bank == bank)
        .nth(variant)
        .unwrap()
        .bytes
}

/// The frequency of a sine, from the first and last upward zero crossings
/// (linearly interpolated) of the given samples.
fn measured_frequency(samples: &[f32], rate: u32) -> f64 {
    let crossings: Vec<f64> = samples
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| pair[0] < 0.0 && pair[1] >= 0.0)
        .map(|(n, pair)| n as f64 + f64::from(pair[0] / (pair[0] - pair[1])))
        .collect();
    let periods = (crossings.len() - 1) as f64;
    periods * f64::from(rate) / (crossings[crossings.len() - 1] - crossings[0])
}

#[test]
fn shipped_kit_files_are_byte_identical_to_their_recipes() {
    let rendered = render_kit_files().unwrap();
    assert_eq!(rendered.len(), EMBEDDED_KIT.len(), "embedded list is stale");
    for (file, embedded) in rendered.iter().zip(EMBEDDED_KIT) {
        let name = format!("{}/{}", file.bank, file.file_name);
        assert_eq!(name, format!("{}/{}", embedded.bank, embedded.file_name));
        assert!(
            file.bytes == embedded.bytes,
            "{name} differs from its recipe: run `cargo run -p phonon-runtime --example make_kit`"
        );
    }
    let on_disk: BTreeSet<PathBuf> = fs::read_dir(KIT_DIR)
        .unwrap()
        .flatten()
        .flat_map(|bank| fs::read_dir(bank.path()).unwrap().flatten())
        .map(|file| file.path())
        .collect();
    let expected: BTreeSet<PathBuf> = rendered
        .iter()
        .map(|file| Path::new(KIT_DIR).join(file.bank).join(&file.file_name))
        .collect();
    assert_eq!(
        on_disk, expected,
        "the kit folder holds files no recipe makes"
    );
    for file in &rendered {
        let path = Path::new(KIT_DIR).join(file.bank).join(&file.file_name);
        assert!(
            fs::read(&path).unwrap() == file.bytes,
            "{} drifted",
            path.display()
        );
    }
}

#[test]
fn kit_recipes_render_the_same_sounds_every_time() {
    assert_eq!(kit_sounds(), kit_sounds());
}

#[test]
fn every_kit_sound_starts_on_its_first_sample_and_peaks_at_minus_one_dbfs() {
    for sound in kit_sounds() {
        let name = sound.file_name();
        let first_step = (f64::from(sound.samples[0]) * 32767.0).round();
        assert!(
            first_step.abs() >= 300.0,
            "{name} starts too quietly: {first_step}"
        );
        let peak = sound.samples.iter().fold(0.0f32, |p, s| p.max(s.abs()));
        assert!(
            (f64::from(peak) - KIT_PEAK).abs() < 1e-6,
            "{name} peaks at {peak}"
        );
        assert!(sound.samples.iter().all(|s| s.is_finite()));
        let seconds = sound.samples.len() as f64 / f64::from(KIT_SAMPLE_RATE);
        let longest = match sound.bank {
            "hh" => 0.15,
            "rim" => 0.15,
            _ => 0.6,
        };
        assert!(seconds <= longest, "{name} lasts {seconds} s");
        let tail = sound.samples.last().unwrap().abs();
        assert!(tail < 1e-3, "{name} ends on {tail}, which would click");
    }
}

#[test]
fn kit_has_every_bank_with_three_or_four_variants_and_stays_small() {
    for bank in KIT_BANKS {
        let variants = EMBEDDED_KIT.iter().filter(|f| f.bank == bank).count();
        assert!(
            (3..=4).contains(&variants),
            "{bank} has {variants} variants"
        );
    }
    let total: usize = EMBEDDED_KIT.iter().map(|file| file.bytes.len()).sum();
    assert!(total < 1_500_000, "the kit is {total} bytes");
}

#[test]
fn default_kit_plays_bd_and_sn_with_no_folders() {
    let library = SampleLibrary::default_kit();
    let (loaded, warnings) = library.load_all(["bd", "sn", "hh:1"], 44_100);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(loaded.len(), 3);
    for buffer in loaded.values() {
        assert_eq!((buffer.rate(), buffer.channels()), (44_100, 1));
        assert!(buffer.samples()[0] != 0.0);
        assert!(buffer.frame_count() > 1000);
    }
    let banks: Vec<&str> = library.banks().map(|bank| bank.name).collect();
    let mut expected = KIT_BANKS.to_vec();
    expected.sort_unstable();
    assert_eq!(banks, expected);
}

#[test]
fn search_order_is_flag_then_env_then_working_dir_then_superdirt_then_kit() {
    let flag = TempDir::new().unwrap();
    let env = TempDir::new().unwrap();
    let cwd = TempDir::new().unwrap();
    let home = TempDir::new().unwrap();
    marker_bank(flag.path(), "bd", 100);
    marker_bank(env.path(), "bd", 200);
    marker_bank(&cwd.path().join("samples"), "bd", 300);
    let superdirt = home.path().join(bank::SUPERDIRT_LINUX_DIR);
    marker_bank(&superdirt, "bd", 400);
    marker_bank(&superdirt, "arpy", 500);

    let mut paths = SearchPaths {
        samples_flag: Some(flag.path().to_path_buf()),
        env_value: Some(env.path().as_os_str().to_os_string()),
        working_dir: Some(cwd.path().to_path_buf()),
        home_dir: Some(home.path().to_path_buf()),
    };
    let bd = SampleKey::new("bd", 0);
    let expectations = [
        (RootOrigin::SamplesFlag, 100),
        (RootOrigin::EnvVar, 200),
        (RootOrigin::WorkingDir, 300),
        (RootOrigin::SuperDirt, 400),
    ];
    for (step, (origin, frames)) in expectations.into_iter().enumerate() {
        let library = SampleLibrary::new(&paths);
        assert_eq!(library.resolve(&bd).unwrap().origin, origin, "step {step}");
        assert_eq!(library.load(&bd, 44_100).unwrap().frame_count(), frames);
        // A bank only the last folder has is found whatever comes first.
        assert_eq!(
            library.resolve(&SampleKey::new("arpy", 0)).unwrap().origin,
            RootOrigin::SuperDirt
        );
        // Banks no folder has still come from the kit.
        assert_eq!(
            library.resolve(&SampleKey::new("sn", 0)).unwrap().origin,
            RootOrigin::DefaultKit
        );
        match step {
            0 => paths.samples_flag = None,
            1 => paths.env_value = None,
            2 => paths.working_dir = None,
            _ => paths.home_dir = None,
        }
    }
    let kit_only = SampleLibrary::new(&paths);
    let resolved = kit_only.resolve(&bd).unwrap();
    assert_eq!(resolved.origin, RootOrigin::DefaultKit);
    assert_eq!(resolved.path(), Path::new("kit/bd/bd0.wav"));
}

#[test]
fn env_var_may_list_several_folders_searched_in_order() {
    let first = TempDir::new().unwrap();
    let second = TempDir::new().unwrap();
    marker_bank(first.path(), "bd", 111);
    marker_bank(second.path(), "bd", 222);
    marker_bank(second.path(), "cp", 333);
    let joined = std::env::join_paths([first.path(), second.path()]).unwrap();
    let library = SampleLibrary::new(&SearchPaths {
        env_value: Some(joined),
        ..SearchPaths::default()
    });
    let load = |name: &str| {
        library
            .load(&SampleKey::parse(name).unwrap(), 44_100)
            .unwrap()
            .frame_count()
    };
    assert_eq!(load("bd"), 111);
    assert_eq!(load("cp"), 333);
}

#[test]
fn index_picks_the_file_sorted_by_name_and_wraps_around() {
    // A Dirt-Samples style bank made from the kit's files, created out of order.
    let root = TempDir::new().unwrap();
    let bank = root.path().join("drums");
    let files = [
        ("c_sn.wav", kit_file_bytes("sn", 0)),
        ("a_bd.wav", kit_file_bytes("bd", 0)),
        ("e_cp.WAV", kit_file_bytes("cp", 0)),
        ("b_hh.wav", kit_file_bytes("hh", 0)),
        ("d_oh.wav", kit_file_bytes("oh", 0)),
    ];
    for (name, bytes) in files {
        write_file(&bank.join(name), bytes);
    }
    // Neither hidden files nor other kinds of file count.
    write_file(&bank.join("._a_bd.wav"), b"resource fork");
    write_file(&bank.join("readme.txt"), b"not audio");
    fs::create_dir_all(root.path().join("empty")).unwrap();

    let library = SampleLibrary::new(&SearchPaths {
        samples_flag: Some(root.path().to_path_buf()),
        ..SearchPaths::default()
    });
    let file_at = |index: i64| {
        let resolved = library.resolve(&SampleKey::new("drums", index)).unwrap();
        (
            resolved.index,
            resolved
                .path()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string(),
        )
    };
    assert_eq!(file_at(0), (0, "a_bd.wav".to_string()));
    assert_eq!(file_at(3), (3, "d_oh.wav".to_string()));
    assert_eq!(file_at(4), (4, "e_cp.WAV".to_string()));
    assert_eq!(file_at(5), (0, "a_bd.wav".to_string()));
    assert_eq!(file_at(8), (3, "d_oh.wav".to_string()));
    assert_eq!(file_at(-1), (4, "e_cp.WAV".to_string()));
    let bd3 = library
        .load(&SampleKey::parse("drums:3").unwrap(), 44_100)
        .unwrap();
    let oh0 = decode_audio(kit_file_bytes("oh", 0), Some("wav")).unwrap();
    assert_eq!(*bd3, oh0);
    assert!(library.banks().all(|bank| bank.name != "empty"));
    assert_eq!(
        library
            .banks()
            .find(|bank| bank.name == "drums")
            .unwrap()
            .file_count,
        5
    );
}

#[test]
fn sample_names_parse_as_bank_and_index() {
    assert_eq!(SampleKey::parse("bd").unwrap(), SampleKey::new("bd", 0));
    assert_eq!(SampleKey::parse("bd:3").unwrap(), SampleKey::new("bd", 3));
    assert_eq!(SampleKey::parse("bd:-1").unwrap(), SampleKey::new("bd", -1));
    assert_eq!(SampleKey::new("sn", 2).to_string(), "sn:2");
    for bad in ["", ":3", "bd:", "bd:x", "bd:1.5", "../bd", "a:b:1", " bd"] {
        assert_eq!(
            SampleKey::parse(bad),
            Err(SampleWarning::BadName {
                text: bad.to_string()
            }),
            "{bad:?}"
        );
    }
}

#[test]
fn missing_name_warns_with_the_nearest_names_and_plays_silence() {
    let library = SampleLibrary::default_kit();
    let warning = library.load(&SampleKey::new("bdd", 0), 48_000).unwrap_err();
    assert_eq!(
        warning,
        SampleWarning::UnknownBank {
            bank: "bdd".to_string(),
            nearest: vec!["bd".to_string()],
        }
    );
    assert_eq!(
        warning.to_string(),
        "no sample bank named `bdd`; it plays as silence (nearest: `bd`)"
    );
    match library.resolve(&SampleKey::new("rimm", 0)) {
        Err(SampleWarning::UnknownBank { nearest, .. }) => assert_eq!(nearest, ["rim", "mt"]),
        other => panic!("expected an unknown bank, got {other:?}"),
    }
    // Names that share nothing with the query are not suggested.
    let unrelated = library.resolve(&SampleKey::new("xyz", 0)).unwrap_err();
    assert_eq!(
        unrelated.to_string(),
        "no sample bank named `xyz`; it plays as silence"
    );

    let (loaded, warnings) = library.load_all(["kik", "bd", "kik:2", "bd:x"], 48_000);
    assert_eq!(loaded.len(), 4);
    assert!(loaded["kik"].is_empty() && loaded["kik:2"].is_empty() && loaded["bd:x"].is_empty());
    assert_eq!(loaded["bd"].rate(), 48_000);
    assert!(!loaded["bd"].is_empty());
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(matches!(&warnings[0], SampleWarning::UnknownBank { bank, .. } if bank == "kik"));
    assert!(matches!(&warnings[1], SampleWarning::BadName { text } if text == "bd:x"));
}

#[test]
fn wav_decodes_from_16_and_24_bit_integers_and_32_bit_float() {
    let reference = sine(1_000.0, 44_100, 4_410);
    for (bits, float, tolerance) in [(16, false, 1e-4), (24, false, 1e-6), (32, true, 0.0)] {
        let bytes = wav_bytes(wav_spec(44_100, 1, bits, float), &reference);
        let decoded = decode_audio(&bytes, Some("wav")).unwrap();
        assert_eq!((decoded.rate(), decoded.channels()), (44_100, 1));
        assert_eq!(decoded.frame_count(), reference.len(), "{bits} bits");
        for (got, want) in decoded.samples().iter().zip(&reference) {
            assert!(
                (got - want).abs() <= tolerance,
                "{bits} bits: {got} vs {want}"
            );
        }
    }
}

#[test]
fn stereo_stays_two_channels_and_wider_files_keep_the_first_two() {
    let frames = 1_000;
    let left = sine(300.0, 48_000, frames);
    let right: Vec<f32> = left.iter().map(|s| -s).collect();
    let stereo: Vec<f32> = left
        .iter()
        .zip(&right)
        .flat_map(|(l, r)| [*l, *r])
        .collect();
    let decoded = decode_audio(&wav_bytes(wav_spec(48_000, 2, 32, true), &stereo), None).unwrap();
    assert_eq!((decoded.channels(), decoded.frame_count()), (2, frames));
    assert_eq!(decoded.samples(), stereo.as_slice());
    assert_eq!(decoded.frame(10), Some(&stereo[20..22]));

    let quad: Vec<f32> = left
        .iter()
        .zip(&right)
        .flat_map(|(l, r)| [*l, *r, 0.5, 0.25])
        .collect();
    let decoded = decode_audio(&wav_bytes(wav_spec(48_000, 4, 32, true), &quad), None).unwrap();
    assert_eq!(decoded.channels(), 2);
    assert_eq!(decoded.samples(), stereo.as_slice());
}

#[test]
fn flac_decodes_losslessly() {
    use flacenc::component::BitRepr;
    use flacenc::error::Verify;

    let frames = 8_192;
    let left = sine(440.0, 44_100, frames);
    let steps: Vec<i32> = left
        .iter()
        .flat_map(|s| {
            let step = (s * 32767.0).round() as i32;
            [step, -step / 2]
        })
        .collect();
    let config = flacenc::config::Encoder::default().into_verified().unwrap();
    let source = flacenc::source::MemSource::from_samples(&steps, 2, 16, 44_100);
    let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size).unwrap();
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream.write(&mut sink).unwrap();

    let decoded = decode_audio(sink.as_slice(), Some("flac")).unwrap();
    assert_eq!((decoded.rate(), decoded.channels()), (44_100, 2));
    assert_eq!(decoded.frame_count(), frames);
    for (got, step) in decoded.samples().iter().zip(&steps) {
        assert_eq!((got * 32768.0).round() as i32, *step);
    }
}

#[test]
fn resampling_44k1_to_48k_keeps_duration_and_pitch() {
    let input = SampleBuffer::new(44_100, 1, sine(440.0, 44_100, 44_100)).unwrap();
    let output = resample(&input, 48_000).unwrap();
    assert_eq!((output.rate(), output.channels()), (48_000, 1));
    assert_eq!(output.frame_count(), 48_000);
    assert!((output.duration_seconds() - input.duration_seconds()).abs() < 1e-9);
    let middle = &output.samples()[4_800..43_200];
    let hz = measured_frequency(middle, 48_000);
    assert!((hz - 440.0).abs() < 0.01, "measured {hz} Hz");
    let peak = middle.iter().fold(0.0f32, |p, s| p.max(s.abs()));
    assert!((peak - 0.5).abs() < 0.005, "amplitude {peak}");

    // A kit sound keeps its length in seconds, channel count and onset.
    let bd = decode_audio(kit_file_bytes("bd", 0), Some("wav")).unwrap();
    let bd48 = resample(&bd, 48_000).unwrap();
    let expected = (bd.frame_count() * 48_000).div_ceil(44_100);
    assert_eq!(bd48.frame_count(), expected);
    assert!(bd48.samples()[0].abs() > 0.1);

    let stereo = SampleBuffer::new(44_100, 2, vec![0.1; 2_000]).unwrap();
    let stereo96 = resample(&stereo, 96_000).unwrap();
    assert_eq!((stereo96.channels(), stereo96.frame_count()), (2, 2_177));
    assert!(resample(&input, 0).is_err());
}

#[test]
fn corrupt_files_are_warnings_and_silence_never_panics() {
    let root = TempDir::new().unwrap();
    let bank = root.path().join("broken");
    let mut truncated = wav_bytes(wav_spec(44_100, 1, 16, false), &sine(100.0, 44_100, 100));
    truncated.truncate(30);
    let header_only = wav_bytes(wav_spec(44_100, 1, 16, false), &[]);
    let contents: [&[u8]; 5] = [
        b"",
        b"RIFF\x10\x00\x00\x00WAVEgarbage!",
        &truncated,
        &header_only,
        &[0x5a; 4096],
    ];
    let names = ["a.wav", "b.wav", "c.wav", "d.wav", "e.mp3"];
    for (name, bytes) in names.iter().zip(contents) {
        write_file(&bank.join(name), bytes);
    }
    let library = SampleLibrary::new(&SearchPaths {
        samples_flag: Some(root.path().to_path_buf()),
        ..SearchPaths::default()
    });
    for index in 0..names.len() as i64 {
        let key = SampleKey::new("broken", index);
        match library.load(&key, 44_100) {
            Err(SampleWarning::Unreadable { name, path, .. }) => {
                assert_eq!(name, key.to_string());
                assert_eq!(path, bank.join(names[index as usize]));
            }
            other => panic!("{key}: expected a warning, got {other:?}"),
        }
    }
    let (loaded, warnings) = library.load_all(["broken:0", "broken:1", "bd"], 44_100);
    assert_eq!(warnings.len(), 2);
    assert!(loaded["broken:0"].is_empty() && loaded["broken:1"].is_empty());
    assert!(!loaded["bd"].is_empty());
    assert!(warnings[0]
        .to_string()
        .starts_with("cannot load `broken:0` from "));
}

#[test]
fn each_file_loads_once_per_rate() {
    let library = SampleLibrary::default_kit();
    let key = SampleKey::new("cp", 1);
    let first = library.load(&key, 48_000).unwrap();
    let again = library.load(&SampleKey::new("cp", 5), 48_000).unwrap();
    assert!(
        Arc::ptr_eq(&first, &again),
        "cp:5 wraps to cp:1 and shares it"
    );
    let native = library.load(&key, 44_100).unwrap();
    assert!(!Arc::ptr_eq(&first, &native));
    assert_eq!((first.rate(), native.rate()), (48_000, 44_100));
}

#[test]
fn unreadable_search_folders_given_by_the_user_are_reported() {
    let missing = PathBuf::from("/nonexistent/phonon-samples-test");
    let library = SampleLibrary::new(&SearchPaths {
        samples_flag: Some(missing.clone()),
        working_dir: Some(missing.clone()),
        ..SearchPaths::default()
    });
    assert_eq!(library.scan_warnings().len(), 1);
    assert!(matches!(
        &library.scan_warnings()[0],
        SampleWarning::MissingFolder { path, given_by: "--samples", .. } if *path == missing
    ));
    assert!(library.resolve(&SampleKey::new("bd", 0)).is_ok());
}

#[test]
fn search_roots_follow_the_documented_order() {
    let paths = SearchPaths {
        samples_flag: Some(PathBuf::from("/flag")),
        env_value: Some(std::env::join_paths(["/env1", "/env2"]).unwrap()),
        working_dir: Some(PathBuf::from("/cwd")),
        home_dir: Some(PathBuf::from("/home/me")),
    };
    let roots: Vec<(RootOrigin, PathBuf)> = paths
        .roots()
        .into_iter()
        .map(|root| (root.origin, root.dir))
        .collect();
    let home = Path::new("/home/me");
    assert_eq!(
        roots,
        vec![
            (RootOrigin::SamplesFlag, PathBuf::from("/flag")),
            (RootOrigin::EnvVar, PathBuf::from("/env1")),
            (RootOrigin::EnvVar, PathBuf::from("/env2")),
            (RootOrigin::WorkingDir, PathBuf::from("/cwd/samples")),
            (RootOrigin::SuperDirt, home.join(bank::SUPERDIRT_LINUX_DIR)),
            (RootOrigin::SuperDirt, home.join(bank::SUPERDIRT_MACOS_DIR)),
        ]
    );
}

/// `testdata/bd2.ogg` and `testdata/bd2.mp3` are the kit's `bd2.wav`
/// encoded with `oggenc -q 2` (vorbis-tools 1.4.2) and `lame -b 64` (LAME
/// 3.100): no pure-Rust Vorbis or MP3 encoder is at hand to make them here.
#[test]
fn ogg_vorbis_and_mp3_decode_gaplessly_close_to_their_source() {
    let source = decode_audio(kit_file_bytes("bd", 2), Some("wav")).unwrap();
    let encoded: [(&str, &[u8]); 2] = [
        ("ogg", include_bytes!("testdata/bd2.ogg")),
        ("mp3", include_bytes!("testdata/bd2.mp3")),
    ];
    for (extension, bytes) in encoded {
        let decoded = decode_audio(bytes, Some(extension)).unwrap();
        assert_eq!((decoded.rate(), decoded.channels()), (44_100, 1));
        assert_eq!(decoded.frame_count(), source.frame_count(), "{extension}");
        let dot: f64 = decoded
            .samples()
            .iter()
            .zip(source.samples())
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum();
        let energy = |samples: &[f32]| samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>();
        let correlation = dot / (energy(decoded.samples()) * energy(source.samples())).sqrt();
        assert!(correlation > 0.99, "{extension}: correlation {correlation}");
    }
}
