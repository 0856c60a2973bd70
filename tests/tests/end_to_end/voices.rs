//! Event patterns through the real binary (the issue "Events"): onsets on
//! their exact samples, per-event controls (gain, pan, speed, begin/end,
//! cut, note), voice stealing, the default kit and `--samples` folders,
//! determinism. Expected onsets come from `phonon query --json` of the same
//! pattern, so the tests check the voices against the pattern engine.

use super::render::{peak, peak_frequency, read_wav, render, render_in, rms, Wav};
use phonon_tests::{phonon, shared_dir, stderr, stdout, temp_dir, workspace_root};
use std::path::{Path, PathBuf};

/// Samples per cycle at `tempo: 0.5` and 44.1 kHz.
const CYCLE: usize = 88_200;

/// The shipped kit (`<bank>/<bank><n>.wav`).
fn kit_dir() -> PathBuf {
    workspace_root().join("phonon-runtime/kit")
}

/// A kit file's samples as `f32` (16-bit mono, 44.1 kHz).
fn kit_sample(bank: &str, index: usize) -> Vec<f32> {
    let path = kit_dir().join(bank).join(format!("{bank}{index}.wav"));
    let mut reader = hound::WavReader::open(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    reader
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32_768.0)
        .collect()
}

/// The samples where the haps of `pattern` that start in `[0, cycles)`
/// begin, at `rate` Hz and `cps` cycles per second: `ceil(t * rate / cps)`.
fn onsets_from_query(pattern: &str, cycles: u32, rate: u64, cps: (u64, u64)) -> Vec<usize> {
    let output = phonon(
        &workspace_root(),
        &["query", pattern, "--to", &cycles.to_string(), "--json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let mut onsets: Vec<usize> = json["haps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|hap| hap["whole"][0] == hap["part"][0])
        .map(|hap| {
            let start = hap["whole"][0].as_str().unwrap();
            let (num, den) = match start.split_once('/') {
                Some((n, d)) => (n.parse::<u64>().unwrap(), d.parse::<u64>().unwrap()),
                None => (start.parse::<u64>().unwrap(), 1),
            };
            // t cycles at cps = a/b is t * b / a seconds.
            let numerator = num * rate * cps.1;
            let denominator = den * cps.0;
            numerator.div_ceil(denominator) as usize
        })
        .collect();
    onsets.sort_unstable();
    onsets
}

/// Samples where sound starts after exact silence (or at sample 0).
fn sound_starts(signal: &[f32]) -> Vec<usize> {
    (0..signal.len())
        .filter(|&i| signal[i] != 0.0 && (i == 0 || signal[i - 1] == 0.0))
        .collect()
}

/// The index after the last sounding sample of `signal[from..]`, from `from`.
fn sounding_length(signal: &[f32], from: usize) -> usize {
    signal[from..]
        .iter()
        .rposition(|&x| x != 0.0)
        .map_or(0, |last| last + 1)
}

fn drums(pattern: &str) -> String {
    format!("tempo: 0.5\nout: {pattern}\n")
}

fn render_32f(source: &str, extra: &[&str]) -> Wav {
    let mut args = vec!["--format", "32f"];
    args.extend_from_slice(extra);
    render(source, &args)
}

#[test]
fn bd_four_times_a_cycle_at_tempo_half_starts_every_22050_samples() {
    let wav = render_32f(&drums("s \"bd*4\""), &["--cycles", "2"]);
    let expected: Vec<usize> = (0..8).map(|k| k * 22_050).collect();
    assert_eq!(sound_starts(&wav.left), expected);
    assert_eq!(wav.left.iter().position(|&x| x != 0.0), Some(0));
    let kick = kit_sample("bd", 0);
    assert_eq!(
        &wav.left[22_050..22_060],
        &kick[..10],
        "the sample itself, at gain 1"
    );
}

#[test]
fn euclid_and_transformed_patterns_start_where_their_haps_say() {
    // `end 0.4` keeps each kick shorter than the gaps, so every onset is a
    // start of sound after silence.
    for pattern in [
        "s \"bd(3,8)\" # end 0.4",
        "s \"bd*2\" $ fast 2",
        "s \"bd(5,8,2)\" # end 0.2",
    ] {
        let expected = onsets_from_query(pattern, 2, 44_100, (1, 2));
        assert!(expected.len() >= 4, "{pattern}: {expected:?}");
        let wav = render_32f(&drums(pattern), &["--cycles", "2"]);
        assert_eq!(sound_starts(&wav.left), expected, "{pattern}");
    }
}

#[test]
fn rate_48000_puts_onsets_at_the_ceiling_of_t_times_rate_over_cps() {
    // Sevenths of a cycle fall between samples: 96000 / 7 is 13714.29.
    let pattern = "s \"bd*7\" # end 0.2";
    let expected = onsets_from_query(pattern, 2, 48_000, (1, 2));
    assert_eq!(expected[1], 13_715);
    let wav = render_32f(&drums(pattern), &["--cycles", "2", "--rate", "48000"]);
    assert_eq!(wav.left.len(), 2 * 96_000);
    assert_eq!(sound_starts(&wav.left), expected);
}

#[test]
fn gain_scales_the_level() {
    let full = render_32f(&drums("s \"bd\""), &["--cycles", "1"]);
    let half = render_32f(&drums("s \"bd\" # gain 0.5"), &["--cycles", "1"]);
    let ratio = peak(&half.left) / peak(&full.left);
    assert!(
        (ratio - 0.5).abs() < 1e-4,
        "gain 0.5 gave a level ratio {ratio}"
    );
}

#[test]
fn pan_places_each_event_through_buses_and_effects() {
    let source = "tempo: 0.5\n~drums: s \"bd sn\" # pan \"-1 1\" # gain 0.5\n~wet: ~drums # lpf 8000 0.7\nout: ~wet * 0.8\n";
    let wav = render_32f(source, &["--cycles", "1"]);
    let half = CYCLE / 2;
    // The kick is hard left, the snare hard right, after the filter too.
    assert!(rms(&wav.left[..half]) > 0.05);
    assert!(
        peak(&wav.right[..half]) < 1e-6,
        "nothing of the kick on the right"
    );
    assert!(rms(&wav.right[half..]) > 0.02);
    assert!(
        peak(&wav.left[half + 2_000..]) < 1e-3,
        "only the kick's filtered tail on the left"
    );
    // Half right: the equal-power law gives tan(3 pi / 8) between the sides.
    let partial = render_32f(&drums("s \"bd\" # pan 0.5 # gain 0.3"), &["--cycles", "1"]);
    let ratio = peak(&partial.right) / peak(&partial.left);
    let expected = (3.0 * std::f32::consts::PI / 8.0).tan();
    assert!(
        (ratio - expected).abs() < 1e-3,
        "right/left {ratio}, expected {expected}"
    );
}

#[test]
fn speed_2_plays_in_half_the_time_and_speed_minus_1_plays_backwards() {
    let kick = kit_sample("bd", 0);
    let normal = render_32f(&drums("s \"bd\""), &["--cycles", "1"]);
    let fast = render_32f(&drums("s \"bd\" # speed 2"), &["--cycles", "1"]);
    let normal_length = sounding_length(&normal.left, 0);
    let fast_length = sounding_length(&fast.left, 0);
    assert!(
        (fast_length as f64 - normal_length as f64 / 2.0).abs() < 64.0,
        "speed 2 lasts {fast_length} samples, normal {normal_length}"
    );

    let backwards = render_32f(&drums("s \"bd\" # speed -1"), &["--cycles", "1"]);
    let n = kick.len();
    for i in (200..n - 200).step_by(997) {
        assert!(
            (backwards.left[i] - kick[n - 1 - i]).abs() < 2e-3,
            "sample {i}: {} against {}",
            backwards.left[i],
            kick[n - 1 - i]
        );
    }
}

#[test]
fn begin_and_end_play_part_of_the_file() {
    let kick = kit_sample("bd", 0);
    let wav = render_32f(
        &drums("s \"bd\" # begin 0.25 # end 0.5"),
        &["--cycles", "1"],
    );
    // 22050 frames: `begin 0.25` is frame 5512.5, read between two frames.
    let quarter = kick.len() / 4;
    let between = |i: usize| 0.5 * (kick[i] + kick[i + 1]);
    for i in [0, 1000, 4000] {
        assert!(
            (wav.left[i] - between(quarter + i)).abs() < 1e-4,
            "sample {i}: {} against {}",
            wav.left[i],
            between(quarter + i)
        );
    }
    let length = sounding_length(&wav.left, 0);
    assert!(
        length >= quarter - 10 && length <= quarter + 300,
        "played {length} samples, a quarter of the file is {quarter}"
    );
}

#[test]
fn a_cut_group_stops_the_sounding_voice() {
    let kick = kit_sample("bd", 0);
    let eighth = CYCLE / 8;
    let cut = render_32f(&drums("s \"bd*8\" # cut 1"), &["--cycles", "1"]);
    let overlapping = render_32f(&drums("s \"bd*8\" # gain 0.5"), &["--cycles", "1"]);
    // After the 5 ms fade only the new kick sounds.
    for i in (eighth + 400..2 * eighth).step_by(331) {
        assert!(
            (cut.left[i] - kick[i - eighth]).abs() < 1e-4,
            "sample {i}: {} against the new kick's {}",
            cut.left[i],
            kick[i - eighth]
        );
    }
    // Without the cut, the first kick's tail is still in the mix.
    let i = eighth + 400;
    let alone = 0.5 * kick[400];
    assert!((overlapping.left[i] - alone).abs() > 0.01);
}

#[test]
fn note_sets_the_pitch_of_a_synth_voice() {
    for (note, hz) in [("a4", 440.0), ("e5", 659.255)] {
        let source = format!("tempo: 0.5\nout: note \"{note}\" # s sine # gain 0.5\n");
        let wav = render_32f(&source, &["--seconds", "1"]);
        let found = peak_frequency(&wav.left[..32_768], 44_100);
        assert!(
            (found - hz).abs() < 2.0,
            "{note}: peak at {found} Hz, expected {hz}"
        );
    }
}

#[test]
fn more_events_than_voices_steal_the_oldest() {
    let kick = kit_sample("bd", 0);
    let pattern = "s \"bd*32\" # gain 0.1";
    let onsets = onsets_from_query(pattern, 1, 44_100, (1, 2));
    let four = render_32f(&drums(pattern), &["--cycles", "1", "--voices", "4"]);
    let many = render_32f(&drums(pattern), &["--cycles", "1"]);
    // Between the seventh and eighth onsets, once the stolen voice's fade is
    // over, exactly the four newest kicks sound.
    let (from, to) = (onsets[6] + 400, onsets[7]);
    for i in (from..to).step_by(97) {
        let newest_four: f32 = onsets[3..7].iter().map(|&o| 0.1 * kick[i - o]).sum();
        assert!(
            (four.left[i] - newest_four).abs() < 1e-4,
            "sample {i}: {} against {newest_four}",
            four.left[i]
        );
    }
    let i = from;
    let all: f32 = onsets[..7].iter().map(|&o| 0.1 * kick[i - o]).sum();
    assert!(
        (many.left[i] - all).abs() < 1e-4,
        "128 voices keep all seven"
    );
    assert!((many.left[i] - four.left[i]).abs() > 1e-3);
}

fn render_workload(name: &str, dir: &Path, extra: &[&str]) -> Wav {
    let source = std::fs::read_to_string(shared_dir().join("workloads").join(name)).unwrap();
    let mut args = vec!["--seconds", "10", "--format", "32f"];
    args.extend_from_slice(extra);
    render_in(dir, &source, &args)
}

fn assert_plays(name: &str, wav: &Wav) {
    assert_eq!(wav.left.len(), 441_000, "{name}");
    let all = || wav.left.iter().chain(&wav.right);
    assert!(all().all(|x| x.is_finite()), "{name}: non-finite samples");
    let top = peak(&wav.left).max(peak(&wav.right));
    assert!(top < 1.0, "{name}: peak {top}");
    assert!(
        rms(&wav.left) > 1e-2 && rms(&wav.right) > 1e-2,
        "{name} is (almost) silent"
    );
}

/// Copies the kit into `root` in Dirt-Samples layout (`root/bd/bd0.wav`).
fn copy_kit(root: &Path) {
    for bank in std::fs::read_dir(kit_dir()).unwrap() {
        let bank = bank.unwrap().path();
        let target = root.join(bank.file_name().unwrap());
        std::fs::create_dir_all(&target).unwrap();
        for file in std::fs::read_dir(&bank).unwrap() {
            let file = file.unwrap().path();
            std::fs::copy(&file, target.join(file.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn drum_workloads_play_with_the_default_kit_and_with_a_samples_folder() {
    let plain = temp_dir();
    let with_folder = temp_dir();
    let samples = with_folder.path().join("dirt");
    copy_kit(&samples);
    let flag = samples.to_str().unwrap();
    for name in ["drums.ph", "stress16.ph"] {
        let kit = render_workload(name, plain.path(), &[]);
        assert_plays(name, &kit);
        let folder = render_workload(name, with_folder.path(), &["--samples", flag]);
        assert_plays(name, &folder);
        assert_eq!(
            kit.left, folder.left,
            "{name}: the same files play the same"
        );
    }
}

#[test]
fn a_samples_folder_is_searched_first_and_its_banks_play() {
    let dir = temp_dir();
    let samples = dir.path().join("dirt");
    copy_kit(&samples);
    // A bank only the folder has, and a `bd` that is really a snare.
    std::fs::create_dir_all(samples.join("mykick")).unwrap();
    std::fs::copy(kit_dir().join("bd/bd0.wav"), samples.join("mykick/a.wav")).unwrap();
    std::fs::remove_dir_all(samples.join("bd")).unwrap();
    std::fs::create_dir_all(samples.join("bd")).unwrap();
    std::fs::copy(kit_dir().join("sn/sn0.wav"), samples.join("bd/snare.wav")).unwrap();
    let flag = samples.to_str().unwrap();

    let own = render_in(
        dir.path(),
        &drums("s \"mykick\""),
        &["--cycles", "1", "--format", "32f", "--samples", flag],
    );
    let kit_kick = render_32f(&drums("s \"bd\""), &["--cycles", "1"]);
    assert_eq!(
        own.left, kit_kick.left,
        "mykick plays the kick copied there"
    );

    let replaced = render_in(
        dir.path(),
        &drums("s \"bd\""),
        &["--cycles", "1", "--format", "32f", "--samples", flag],
    );
    let kit_snare = render_32f(&drums("s \"sn\""), &["--cycles", "1"]);
    assert_eq!(
        replaced.left, kit_snare.left,
        "the folder's bd comes before the kit's"
    );

    // Without the folder, the bank is unknown: a warning and silence.
    let elsewhere = temp_dir();
    std::fs::write(elsewhere.path().join("program.ph"), drums("s \"mykick\"")).unwrap();
    let output = phonon(
        elsewhere.path(),
        &[
            "render",
            "program.ph",
            "-o",
            "out.wav",
            "--cycles",
            "1",
            "--format",
            "32f",
        ],
    );
    assert!(output.status.success());
    let warnings = stderr(&output);
    assert!(
        warnings.contains("warning: no sample bank named `mykick`"),
        "{warnings}"
    );
    assert!(warnings.contains("nearest"), "{warnings}");
    let silent = read_wav(&elsewhere.path().join("out.wav"));
    assert_eq!(peak(&silent.left), 0.0);
}

#[test]
fn a_missing_samples_folder_is_an_error_that_names_it() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("program.ph"), drums("s \"bd\"")).unwrap();
    let output = phonon(
        dir.path(),
        &[
            "render",
            "program.ph",
            "-o",
            "out.wav",
            "--samples",
            "no-such-folder",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no-such-folder"));
}

#[test]
fn the_same_program_renders_bit_identically_twice() {
    let dir = temp_dir();
    let source = std::fs::read_to_string(shared_dir().join("workloads/drums.ph")).unwrap();
    std::fs::write(dir.path().join("program.ph"), &source).unwrap();
    let mut files = Vec::new();
    for out in ["a.wav", "b.wav"] {
        let output = phonon(
            dir.path(),
            &["render", "program.ph", "-o", out, "--seconds", "5"],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        files.push(std::fs::read(dir.path().join(out)).unwrap());
    }
    assert_eq!(files[0], files[1]);
}
