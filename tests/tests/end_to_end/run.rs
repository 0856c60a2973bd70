//! `phonon run`: a performance on the null device, recorded. The file is
//! rewritten while it plays, and the recording must show the new program
//! within two blocks of the swap, no click at the swap, the unchanged sine
//! with its phase intact, and a broken edit changing nothing at all. With
//! `--outputs split` each output has its own channels in the recording, so
//! an output the edit left alone is compared bit for bit with a run
//! without the edit. A tempo change keeps the cycle position, and `hush`
//! fades out and stays silent until the next save. Programs play on
//! compiled code (the default) unless a test names `--engine interp`; an
//! edited chain's filter, delay and reverb carry their memory across the
//! swap on both engines. The stress workload's real-time run is in
//! `tests/soak.rs`, a test binary of its own.

use phonon_tests::{phonon_binary, temp_dir};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const RATE: f64 = 44_100.0;
const BLOCK: usize = 512;

const SINE: &str = "~tone: sine 220 * 0.3\no1: ~tone\n";
const SINE_AND_HIGH: &str = "~tone: sine 220 * 0.3\no1: ~tone\no2: sine 880 * 0.1\n";
const BROKEN: &str = "~tone: sine 220 * 0.3\no1: ~tone # lfp 800\n";

/// A `phonon run` in progress, its stderr read line by line.
struct Performance {
    child: Child,
    lines: Receiver<String>,
    stderr: Vec<String>,
}

impl Performance {
    fn start(dir: &Path, args: &[&str]) -> Performance {
        let mut child = Command::new(phonon_binary())
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .arg("run")
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("phonon runs");
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Performance {
            child,
            lines,
            stderr: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `text` and returns it.
    fn wait_for(&mut self, text: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    self.stderr.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {text:?}; stderr so far:\n{}",
                    self.stderr.join("\n")
                ),
            }
        }
    }

    /// Waits for the end; returns all of stderr.
    fn finish(mut self) -> String {
        let status = self.child.wait().expect("phonon ends");
        self.stderr.extend(self.lines.iter());
        let text = self.stderr.join("\n");
        assert!(status.success(), "phonon run failed:\n{text}");
        text
    }
}

fn left_channel(path: &Path) -> Vec<f32> {
    channels(path).swap_remove(0)
}

/// Every channel of a recording.
fn channels(path: &Path) -> Vec<Vec<f32>> {
    let reader = hound::WavReader::open(path).expect("a WAV recording");
    assert_eq!(reader.spec().sample_rate, RATE as u32);
    let count = usize::from(reader.spec().channels);
    let samples: Vec<f32> = reader.into_samples::<f32>().map(Result::unwrap).collect();
    (0..count)
        .map(|c| samples.chunks_exact(count).map(|frame| frame[c]).collect())
        .collect()
}

/// The decimal number just before `before` in `line`.
fn number_before(line: &str, before: &str) -> f64 {
    let end = line
        .find(before)
        .unwrap_or_else(|| panic!("{before:?} in {line:?}"));
    let start = line[..end]
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(0, |i| i + 1);
    line[start..end]
        .parse()
        .unwrap_or_else(|_| panic!("a number before {before:?} in {line:?}"))
}

/// Plays `first` for `seconds` on the null device into `take.wav`, saving
/// each of `edits` after its delay (counted from the previous save) and
/// waiting for its reload line; returns the recording's channels and the
/// reload lines.
fn perform(
    first: &str,
    edits: &[(u64, &str)],
    seconds: &str,
    extra: &[&str],
) -> (Vec<Vec<f32>>, Vec<String>) {
    let dir = temp_dir();
    let song = dir.path().join("song.ph");
    std::fs::write(&song, first).unwrap();
    let args = [
        &["song.ph", "--device", "null", "--seconds", seconds][..],
        &["--record", "take.wav"],
        extra,
    ]
    .concat();
    let mut run = Performance::start(dir.path(), &args);
    run.wait_for("playing song.ph");
    let mut reloads = Vec::new();
    for (delay_ms, text) in edits {
        std::thread::sleep(Duration::from_millis(*delay_ms));
        std::fs::write(&song, text).unwrap();
        reloads.push(run.wait_for("reloaded song.ph"));
    }
    let stderr = run.finish();
    let take = channels(&dir.path().join("take.wav"));
    let expected = (seconds.parse::<f64>().unwrap() * RATE).round() as usize;
    assert_eq!(take[0].len(), expected, "{stderr}");
    (take, reloads)
}

/// Least-squares amplitudes `(a, b)` of `a sin + b cos` at each frequency
/// over `frames`, for frequencies whose cycles fit many times in the span.
fn fit(signal: &[f32], frames: std::ops::Range<usize>, frequencies: &[f64]) -> Vec<(f64, f64)> {
    frequencies
        .iter()
        .map(|&f| {
            let (mut a, mut b) = (0.0, 0.0);
            for n in frames.clone() {
                let phase = std::f64::consts::TAU * f * n as f64 / RATE;
                a += f64::from(signal[n]) * phase.sin();
                b += f64::from(signal[n]) * phase.cos();
            }
            let scale = 2.0 / frames.len() as f64;
            (a * scale, b * scale)
        })
        .collect()
}

fn frame_in(line: &str, after: &str) -> usize {
    let rest = &line[line
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} in {line:?}"))
        + after.len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a frame number after {after:?} in {line:?}"))
}

fn max_step(signal: &[f32]) -> f32 {
    signal
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn a_saved_edit_is_heard_within_two_blocks_and_the_unchanged_sine_keeps_its_phase() {
    let dir = temp_dir();
    let song = dir.path().join("song.ph");
    std::fs::write(&song, SINE).unwrap();
    let mut run = Performance::start(
        dir.path(),
        &[
            "song.ph",
            "--device",
            "null",
            "--seconds",
            "3",
            "--record",
            "take.wav",
        ],
    );
    run.wait_for("playing song.ph");
    std::thread::sleep(Duration::from_millis(1000));
    std::fs::write(&song, SINE_AND_HIGH).unwrap();
    let reloaded = run.wait_for("reloaded song.ph");
    let stderr = run.finish();
    let ready = frame_in(&reloaded, "ready at frame ");
    let swap = frame_in(&reloaded, "heard from frame ");
    // Ready while frame `ready` was heard; taken at the render thread's next
    // block, which runs at most the two queued blocks ahead of the output.
    assert!(swap >= ready && swap - ready <= 3 * BLOCK, "{reloaded}");
    let ahead_ms = number_before(&reloaded, " ms after this line");
    assert!(
        ahead_ms <= 3.0 * BLOCK as f64 / RATE * 1e3,
        "the line comes at most the queue ahead of the sound: {reloaded}"
    );
    assert!(reloaded.contains("fading in o2"), "{reloaded}");

    let take = left_channel(&dir.path().join("take.wav"));
    assert_eq!(take.len(), 3 * RATE as usize, "{stderr}");
    assert!(swap > 24_000 && swap + 24_000 < take.len(), "{reloaded}");

    // Before the swap: the sine alone.
    let before = fit(&take, 0..swap, &[220.0, 880.0]);
    let amplitude = before[0].0.hypot(before[0].1);
    assert!((amplitude - 0.3).abs() < 0.01, "sine level {amplitude}");
    assert!(before[1].0.hypot(before[1].1) < 0.005, "no 880 Hz yet");

    // After: the same sine, same phase, plus the new 880 Hz output.
    let after = fit(&take, swap..take.len(), &[220.0, 880.0]);
    let (da, db) = (after[0].0 - before[0].0, after[0].1 - before[0].1);
    assert!(
        da.hypot(db) < 0.01,
        "the sine's phase or level moved: {before:?} -> {after:?}"
    );
    assert!(
        (after[1].0.hypot(after[1].1) - 0.1).abs() < 0.01,
        "880 Hz after: {after:?}"
    );

    // The new output is heard within two blocks of the swap: what is not
    // the old sine there is the new tone.
    let (a, b) = before[0];
    let residual: Vec<f64> = (swap..swap + 2 * BLOCK)
        .map(|n| {
            let phase = std::f64::consts::TAU * 220.0 * n as f64 / RATE;
            f64::from(take[n]) - (a * phase.sin() + b * phase.cos())
        })
        .collect();
    let rms = (residual.iter().map(|x| x * x).sum::<f64>() / residual.len() as f64).sqrt();
    assert!(
        rms > 0.05,
        "the new program is not heard right after the swap (rms {rms})"
    );

    // No click: no step at the swap is larger than the program's own.
    let own = max_step(&take[swap + 4 * BLOCK..]);
    let at_swap = max_step(&take[swap - 2 * BLOCK..swap + 2 * BLOCK]);
    assert!(
        at_swap <= own * 1.05,
        "step {at_swap} at the swap, {own} in the program"
    );
}

#[test]
fn a_broken_edit_leaves_the_recording_unchanged() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("steady.ph"), SINE).unwrap();
    let steady = Performance::start(
        dir.path(),
        &[
            "steady.ph",
            "--device",
            "null",
            "--seconds",
            "1.5",
            "--record",
            "steady.wav",
        ],
    );
    steady.finish();

    let song = dir.path().join("song.ph");
    std::fs::write(&song, SINE).unwrap();
    let mut run = Performance::start(
        dir.path(),
        &[
            "song.ph",
            "--device",
            "null",
            "--seconds",
            "1.5",
            "--record",
            "edited.wav",
        ],
    );
    run.wait_for("playing song.ph");
    std::thread::sleep(Duration::from_millis(400));
    std::fs::write(&song, BROKEN).unwrap();
    run.wait_for("still playing the last good program");
    let stderr = run.finish();
    assert!(
        stderr.contains("lfp"),
        "the diagnostic names the fault:\n{stderr}"
    );
    assert!(!stderr.contains("reloaded"), "{stderr}");
    assert_eq!(
        left_channel(&dir.path().join("edited.wav")),
        left_channel(&dir.path().join("steady.wav")),
        "a broken edit changed the music"
    );
}

#[test]
fn a_deleted_file_keeps_the_music_playing_and_says_so() {
    let dir = temp_dir();
    let song = dir.path().join("song.ph");
    std::fs::write(&song, SINE).unwrap();
    let mut run = Performance::start(
        dir.path(),
        &[
            "song.ph",
            "--device",
            "null",
            "--seconds",
            "1.5",
            "--record",
            "take.wav",
        ],
    );
    run.wait_for("playing song.ph");
    std::thread::sleep(Duration::from_millis(300));
    std::fs::remove_file(&song).unwrap();
    run.wait_for("was deleted or renamed; still playing");
    run.finish();
    let take = left_channel(&dir.path().join("take.wav"));
    let tail = fit(&take, take.len() - 24_000..take.len(), &[220.0]);
    assert!(
        (tail[0].0.hypot(tail[0].1) - 0.3).abs() < 0.01,
        "the sine played on"
    );
}

#[test]
fn a_missing_device_names_the_null_device_and_render() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("song.ph"), SINE).unwrap();
    let output = phonon_tests::phonon(dir.path(), &["run", "song.ph", "--device", "no such card"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = phonon_tests::stderr(&output);
    assert!(
        stderr.contains("--device null") && stderr.contains("render"),
        "{stderr}"
    );
}

#[test]
fn a_program_with_errors_does_not_start() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("song.ph"), BROKEN).unwrap();
    let output = phonon_tests::phonon(
        dir.path(),
        &["run", "song.ph", "--device", "null", "--seconds", "1"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(phonon_tests::stderr(&output).contains("lfp"));
}

#[test]
fn drums_play_as_render_plays_them_from_a_samples_folder() {
    let dir = temp_dir();
    let kick = phonon_tests::workspace_root().join("phonon-runtime/kit/bd/bd0.wav");
    std::fs::create_dir_all(dir.path().join("dirt/mykick")).unwrap();
    std::fs::copy(&kick, dir.path().join("dirt/mykick/kick.wav")).unwrap();
    std::fs::write(
        dir.path().join("song.ph"),
        "tempo: 0.5\nout: s \"mykick*4\" # pan 0.5\n",
    )
    .unwrap();
    let samples = ["--samples", "dirt"];
    let run = Performance::start(
        dir.path(),
        &[
            &["song.ph", "--device", "null", "--seconds", "1"][..],
            &["--record", "take.wav"],
            &samples,
        ]
        .concat(),
    );
    let stderr = run.finish();
    assert!(!stderr.contains("warning"), "{stderr}");
    let rendered = phonon_tests::phonon(
        dir.path(),
        &[
            &["render", "song.ph", "-o", "render.wav", "--seconds", "1"][..],
            // Both on compiled code by default: the same samples, bit for bit.
            &["--rate", "44100", "--format", "32f"],
            &samples,
        ]
        .concat(),
    );
    assert!(rendered.status.success());
    let played = left_channel(&dir.path().join("take.wav"));
    let expected = left_channel(&dir.path().join("render.wav"));
    assert!(played.iter().any(|&x| x.abs() > 0.1), "the kick is heard");
    assert_eq!(played[..44_100], expected[..44_100]);
}

#[test]
fn an_unchanged_output_plays_on_bit_for_bit_while_another_crossfades() {
    const BEFORE: &str = "o1: sine 220 * 0.3\no2: sine 880 * 0.2\n";
    const AFTER: &str = "o1: sine 220 * 0.3\no2: saw 100 # lpf 2000 * 0.2\n";
    // The edited run renders on two threads: state moves between the
    // scheduler's workers, and the sound is the same on any thread count.
    let (steady, _) = perform(BEFORE, &[], "2", &["--outputs", "split"]);
    let (take, reloads) = perform(
        BEFORE,
        &[(900, AFTER)],
        "2",
        &["--outputs", "split", "--threads", "2"],
    );
    assert_eq!(take.len(), 4, "two outputs, a channel pair each");
    let swap = frame_in(&reloads[0], "heard from frame ");
    assert!(reloads[0].contains("crossfading o2"), "{}", reloads[0]);
    assert!(
        swap > 10_000 && swap + 20_000 < take[0].len(),
        "{}",
        reloads[0]
    );
    // o1, untouched by the edit, is the very same samples as without it.
    assert_eq!(take[0], steady[0], "o1 left changed at the swap");
    assert_eq!(take[1], steady[1], "o1 right changed at the swap");
    // o2 crossfades: before the swap the old sine, after the fade the new
    // filtered saw, and no step at the swap beyond the two programs' own.
    assert_eq!(take[2][..swap], steady[2][..swap]);
    let fade = (RATE / 50.0) as usize;
    let after = fit(&take[2], swap + fade..take[2].len(), &[880.0, 100.0]);
    assert!(
        after[0].0.hypot(after[0].1) < 0.005,
        "the old sine is gone: {after:?}"
    );
    assert!(
        after[1].0.hypot(after[1].1) > 0.05,
        "the saw plays: {after:?}"
    );
    let own = max_step(&take[2][..swap]).max(max_step(&take[2][swap + fade..]));
    let at_swap = max_step(&take[2][swap - BLOCK..swap + fade]);
    assert!(
        at_swap <= own * 1.05,
        "step {at_swap} at the swap, {own} in the programs"
    );
}

#[test]
fn a_new_saw_fades_in_without_a_click() {
    const ADDED: &str = "~tone: sine 220 * 0.3\no1: ~tone\no2: saw 110 * 0.3\n";
    let (take, reloads) = perform(SINE, &[(700, ADDED)], "1.5", &[]);
    let swap = frame_in(&reloads[0], "heard from frame ");
    assert!(reloads[0].contains("fading in o2"), "{}", reloads[0]);
    let left = &take[0];
    // The sine alone moves at most 0.3 * 2 pi * 220 / 44100 a sample; a saw
    // starting at full level would step by 0.3 at once.
    let sine_step = 0.3 * std::f32::consts::TAU * 220.0 / RATE as f32;
    let at_swap = max_step(&left[swap - BLOCK..swap + 44]);
    assert!(
        at_swap < sine_step + 0.01,
        "step {at_swap} as the saw comes in"
    );
    // And it is heard at full level once the fade is over.
    let after = fit(left, swap + 2_000..left.len(), &[110.0]);
    assert!(
        after[0].0.hypot(after[0].1) > 0.1,
        "the saw plays: {after:?}"
    );
}

#[test]
fn a_tempo_change_keeps_the_cycle_position_and_counts_on_from_there() {
    // A pattern used as a signal: its value steps exactly at each event.
    const SLOW: &str = "tempo: 1\no1: \"0.1 0.2 0.3 0.4\"\n";
    const FAST: &str = "tempo: 3\no1: \"0.1 0.2 0.3 0.4\"\n";
    let (take, reloads) = perform(SLOW, &[(700, FAST)], "1.5", &[]);
    let swap = frame_in(&reloads[0], "heard from frame ");
    let left = &take[0];
    let value_at = |cycle: f64| [0.1f32, 0.2, 0.3, 0.4][((cycle.fract()) * 4.0) as usize];
    // The cycle position at the swap, at the old tempo.
    let position = swap as f64 / RATE;
    for n in [swap - 1, swap, swap + 1] {
        assert_eq!(
            left[n],
            value_at(n as f64 / RATE),
            "frame {n}: no jump at the swap"
        );
    }
    // From the swap on, the new tempo counts from that position: every
    // step lands where three cycles a second from there put it.
    let mut steps = Vec::new();
    for n in swap + 1..left.len() {
        if left[n] != left[n - 1] {
            steps.push(n);
        }
    }
    let expected: Vec<usize> = (1..)
        .map(|k| (position * 4.0).floor() / 4.0 + k as f64 / 4.0)
        .map(|cycle| swap + ((cycle - position) * RATE / 3.0).ceil() as usize)
        .take_while(|&n| n < left.len())
        .collect();
    assert_eq!(steps.len(), expected.len(), "{steps:?} vs {expected:?}");
    for (step, want) in steps.iter().zip(&expected) {
        assert!(step.abs_diff(*want) <= 1, "{steps:?} vs {expected:?}");
    }
}

#[test]
fn hush_fades_out_and_the_next_save_plays_again() {
    const HUSHED: &str = "~tone: sine 220 * 0.3\no1: ~tone\nhush\n";
    let (take, reloads) = perform(SINE, &[(600, HUSHED), (700, SINE)], "2.2", &[]);
    assert!(reloads[0].contains("hush"), "{}", reloads[0]);
    let hush = frame_in(&reloads[0], "heard from frame ");
    let back = frame_in(&reloads[1], "heard from frame ");
    let left = &take[0];
    let fade = (RATE / 50.0) as usize;
    let sine_step = 0.3 * std::f32::consts::TAU * 220.0 / RATE as f32;
    assert!(
        max_step(&left[hush - BLOCK..hush + fade]) <= sine_step * 1.05,
        "no click"
    );
    assert!(left[hush + fade / 2].abs() <= 0.3, "fading");
    assert!(
        left[hush + fade..back].iter().all(|&x| x == 0.0),
        "silent from 20 ms after the hush until the next save"
    );
    let again = fit(left, back + fade..left.len(), &[220.0]);
    assert!(
        (again[0].0.hypot(again[0].1) - 0.3).abs() < 0.01,
        "the sine is back"
    );
}

#[test]
fn split_needs_channels_and_says_how_many() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("song.ph"), "o1: sine 220\no3: sine 330\n").unwrap();
    let run = Performance::start(
        dir.path(),
        &[
            "song.ph",
            "--device",
            "null",
            "--seconds",
            "0.3",
            "--outputs",
            "split",
            "--record",
            "take.wav",
        ],
    );
    let stderr = run.finish();
    assert!(stderr.contains("split over 6 channels"), "{stderr}");
    let take = channels(&dir.path().join("take.wav"));
    assert_eq!(take.len(), 6);
    assert!(
        take[2].iter().all(|&x| x == 0.0),
        "o2 is not written: silent"
    );
    assert!(take[4].iter().any(|&x| x.abs() > 0.5), "o3 on channels 5-6");
}

/// A chain whose final gain is halved: the output crossfades, and its saw,
/// filter, delay and reverb carry their state into the new version.
const CHAIN: &str = "o1: saw 55 # lpf 800 0.7 # delay 0.3 0.5 # reverb 0.8 0.5 0.4 * 0.25\n";
const CHAIN_HALVED: &str =
    "o1: saw 55 # lpf 800 0.7 # delay 0.3 0.5 # reverb 0.8 0.5 0.4 * 0.125\n";

/// Plays [`CHAIN`] on `engine` without and with the edit; returns both
/// recordings' first channel pair and the frame the edit is heard from.
fn halve_the_chain(engine: &str) -> (Vec<Vec<f32>>, Vec<Vec<f32>>, usize) {
    let args = ["--outputs", "split", "--engine", engine];
    let (mut steady, _) = perform(CHAIN, &[], "1.5", &args);
    let (mut take, reloads) = perform(CHAIN, &[(700, CHAIN_HALVED)], "1.5", &args);
    assert!(reloads[0].contains("crossfading o1"), "{}", reloads[0]);
    let swap = frame_in(&reloads[0], "heard from frame ");
    steady.truncate(2);
    take.truncate(2);
    (steady, take, swap)
}

/// After the fade the edited chain plays exactly half of what it played
/// without the edit: a fresh delay or reverb would start silent, a fresh
/// filter or saw from another phase.
fn assert_halved_after_the_fade(steady: &[Vec<f32>], take: &[Vec<f32>], swap: usize) {
    let fade = (RATE / 50.0) as usize;
    for (steady, take) in steady.iter().zip(take) {
        assert_eq!(take[..swap], steady[..swap], "the same before the swap");
        let after = swap + fade + 64;
        assert!(steady[after..].iter().any(|&x| x.abs() > 0.01));
        let worst = take[after..]
            .iter()
            .zip(&steady[after..])
            .map(|(x, y)| (x - 0.5 * y).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-6, "half after the fade, off by {worst}");
    }
}

#[test]
fn an_edited_chain_keeps_its_filter_delay_and_reverb_memory_on_compiled_code() {
    let (steady, take, swap) = halve_the_chain("jit");
    assert_halved_after_the_fade(&steady, &take, swap);
    // And the compiled chain is the interpreted one, within the accuracy
    // of the compiled sine and tanh.
    let (interpreted, _) = perform(
        CHAIN,
        &[],
        "1.5",
        &["--outputs", "split", "--engine", "interp"],
    );
    for (compiled, interpreted) in steady.iter().zip(&interpreted) {
        let worst = compiled
            .iter()
            .zip(interpreted)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-4, "compiled vs interpreted: {worst}");
    }
}

#[test]
fn an_edited_chain_keeps_its_filter_delay_and_reverb_memory_on_the_interpreter() {
    let (steady, take, swap) = halve_the_chain("interp");
    assert_halved_after_the_fade(&steady, &take, swap);
}
