//! `phonon render`: real programs through the whole pipeline to WAV files,
//! read back and measured (spectra, levels, onset samples, lengths), and
//! `phonon emit-ir`'s stages.

use phonon_ir::dsp::{self, NodeKind};
use phonon_tests::{ph_files, phonon, shared_dir, stderr, stdout, temp_dir, workspace_root};
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;
use std::path::Path;

/// A WAV file read back: its format and both channels as `f32`.
pub(crate) struct Wav {
    pub(crate) spec: hound::WavSpec,
    pub(crate) left: Vec<f32>,
    pub(crate) right: Vec<f32>,
}

pub(crate) fn read_wav(path: &Path) -> Wav {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let spec = reader.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    assert_eq!(spec.channels, 2, "render writes stereo");
    let (left, right) = samples.chunks_exact(2).map(|f| (f[0], f[1])).unzip();
    Wav { spec, left, right }
}

/// Writes `source` to a program file, renders it with `args` (after
/// `-o out.wav`) and reads the WAV back; the render must succeed.
pub(crate) fn render(source: &str, args: &[&str]) -> Wav {
    let dir = temp_dir();
    render_in(dir.path(), source, args)
}

pub(crate) fn render_in(dir: &Path, source: &str, args: &[&str]) -> Wav {
    std::fs::write(dir.join("program.ph"), source).unwrap();
    let mut all = vec!["render", "program.ph", "-o", "out.wav"];
    all.extend_from_slice(args);
    let output = phonon(dir, &all);
    assert_eq!(
        output.status.code(),
        Some(0),
        "render failed for:\n{source}\n{}",
        stderr(&output)
    );
    read_wav(&dir.join("out.wav"))
}

/// Magnitude spectrum (in dB, 0 dB = the largest bin) of `signal` under a
/// 4-term Blackman-Harris window; bin `k` is `k * rate / len` Hz.
fn spectrum_db(signal: &[f32]) -> Vec<f64> {
    let n = signal.len();
    let window = |i: usize| {
        let x = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
        0.35875 - 0.48829 * x.cos() + 0.14128 * (2.0 * x).cos() - 0.01168 * (3.0 * x).cos()
    };
    let mut buffer: Vec<Complex<f64>> = signal
        .iter()
        .enumerate()
        .map(|(i, &x)| Complex::new(f64::from(x) * window(i), 0.0))
        .collect();
    FftPlanner::new().plan_fft_forward(n).process(&mut buffer);
    let magnitudes: Vec<f64> = buffer[..n / 2].iter().map(|c| c.norm()).collect();
    let max = magnitudes.iter().cloned().fold(0.0, f64::max);
    magnitudes
        .iter()
        .map(|&m| 20.0 * (m.max(1e-300) / max).log10())
        .collect()
}

/// The frequency of the largest spectral peak, refined by a parabola
/// through the top three bins.
pub(crate) fn peak_frequency(signal: &[f32], rate: u32) -> f64 {
    let db = spectrum_db(signal);
    let k = (1..db.len() - 1)
        .max_by(|&a, &b| db[a].total_cmp(&db[b]))
        .unwrap();
    let (a, b, c) = (db[k - 1], db[k], db[k + 1]);
    let offset = 0.5 * (a - c) / (a - 2.0 * b + c);
    (k as f64 + offset) * f64::from(rate) / signal.len() as f64
}

pub(crate) fn rms(signal: &[f32]) -> f64 {
    (signal.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / signal.len() as f64).sqrt()
}

pub(crate) fn peak(signal: &[f32]) -> f32 {
    signal.iter().fold(0.0, |p, x| p.max(x.abs()))
}

#[test]
fn sine_440_peaks_at_440_hz() {
    let wav = render(
        "out: sine 440 * 0.5\n",
        &["--seconds", "2", "--format", "32f"],
    );
    let frequency = peak_frequency(&wav.left, wav.spec.sample_rate);
    assert!(
        (frequency - 440.0).abs() <= 1.0,
        "peak at {frequency} Hz, expected 440 ± 1"
    );
    assert_eq!(wav.left, wav.right, "a mono output is on both channels");
    assert!(
        (peak(&wav.left) - 0.5).abs() < 1e-3,
        "full level on each side"
    );
}

#[test]
fn saw_1000_aliases_stay_40_db_below_the_fundamental() {
    let wav = render(
        "out: saw 1000 * 0.5\n",
        &["--seconds", "1", "--format", "32f"],
    );
    // One second: bins are 1 Hz apart; harmonics are multiples of 1000 Hz,
    // the aliases of those above 22050 Hz fall in between (44100 - 23000 =
    // 21100 Hz, ...).
    let db = spectrum_db(&wav.left);
    let fundamental = db[1000];
    assert!(
        fundamental > -1.0,
        "the fundamental is the largest component"
    );
    for (hz, &level) in db.iter().enumerate().skip(20) {
        let to_harmonic = (hz % 1000).min(1000 - hz % 1000);
        if to_harmonic > 20 {
            assert!(
                level <= fundamental - 40.0,
                "alias at {hz} Hz: {level:.1} dB, fundamental {fundamental:.1} dB"
            );
        }
    }
}

/// The saw node driven by a hand-made frequency step at `switch` samples,
/// as `saw "110 220"` should be, times 0.5.
fn saw_switching_at(switch: usize, len: usize) -> Vec<f32> {
    let mut node = dsp::build(NodeKind::Saw, 44_100.0, 0).unwrap();
    let frequency: Vec<f32> = (0..len)
        .map(|n| if n < switch { 110.0 } else { 220.0 })
        .collect();
    let mut out = vec![0.0; len];
    node.process(&[], &[&frequency], &mut out);
    out.iter().map(|x| x * 0.5).collect()
}

#[test]
fn a_control_pattern_switches_on_the_exact_sample_of_its_event() {
    let wav = render(
        "tempo: 0.5\nout: saw \"110 220\" * 0.5\n",
        // Bit-exact against the reference node, so on the reference
        // interpreter; the JIT is held to the interpreter separately.
        &["--seconds", "1.5", "--format", "32f", "--engine", "interp"],
    );
    // At 0.5 cycles per second the second event starts at 1 s: sample 44100.
    let len = wav.left.len();
    assert_eq!(wav.left, saw_switching_at(44_100, len));
    for wrong in [44_099, 44_101] {
        assert_ne!(wav.left, saw_switching_at(wrong, len), "switch at {wrong}");
    }
}

/// The RMS gain in dB of `chain` on a sine at `hz`, in its steady state.
fn gain_db(hz: u32, chain: &str) -> f64 {
    let plain = render(
        &format!("out: sine {hz} * 0.5\n"),
        &["--seconds", "1", "--format", "32f"],
    );
    let filtered = render(
        &format!("out: sine {hz} # {chain} * 0.5\n"),
        &["--seconds", "1", "--format", "32f"],
    );
    let steady = 4410..44_100;
    20.0 * (rms(&filtered.left[steady.clone()]) / rms(&plain.left[steady])).log10()
}

#[test]
fn lpf_and_hpf_are_3_db_down_at_the_cutoff() {
    for chain in ["lpf 1000 0.707", "hpf 1000 0.707"] {
        let db = gain_db(1000, chain);
        assert!((db + 3.0).abs() <= 1.0, "{chain}: {db:.2} dB at the cutoff");
    }
    let stop = gain_db(8000, "lpf 1000 0.707");
    assert!(stop < -30.0, "lpf 1000 at 8 kHz: {stop:.1} dB");
    let stop = gain_db(125, "hpf 1000 0.707");
    assert!(stop < -30.0, "hpf 1000 at 125 Hz: {stop:.1} dB");
}

#[test]
fn a_feedback_bus_echoes_and_stays_bounded() {
    let wav = render(
        "tempo: 0.5\n\
         ~src: sine 440 * \"1 0 0 0\" * 0.5\n\
         ~echo: (~src + ~echo * 0.6) # delay 0.375 0 1 # hpf 300 0.5\n\
         out: ~src * 0.3 + ~echo * 0.3\n",
        &["--seconds", "10", "--format", "32f"],
    );
    assert!(wav.left.iter().all(|x| x.is_finite()));
    assert!(peak(&wav.left) < 0.98, "peak {}", peak(&wav.left));
    // The source sounds for the first half second of every two; the echo
    // (0.375 s later) fills the silence after it.
    let after_source = &wav.left[22_050..38_000];
    assert!(rms(after_source) > 0.01, "no echo: {}", rms(after_source));
    let last_second = &wav.left[wav.left.len() - 44_100..];
    assert!(rms(last_second) < 0.5);
}

#[test]
fn three_cycles_at_half_a_cycle_per_second_are_264600_frames() {
    let wav = render("tempo: 0.5\nout: sine 440 * 0.1\n", &["--cycles", "3"]);
    assert_eq!(wav.left.len(), 264_600);
    let half = render("tempo: 0.5\nout: sine 440 * 0.1\n", &["--cycles", "1/2"]);
    assert_eq!(half.left.len(), 44_100);
}

/// The first sample at or after `from` that starts a run of 64 exact zeros.
fn first_silence(signal: &[f32], from: usize) -> usize {
    from + signal[from..]
        .windows(64)
        .position(|w| w.iter().all(|&x| x == 0.0))
        .expect("the signal falls silent")
}

/// The first sample at or after `from` that is not 0.
fn first_sound(signal: &[f32], from: usize) -> usize {
    from + signal[from..]
        .iter()
        .position(|&x| x != 0.0)
        .expect("the signal sounds again")
}

#[test]
fn bpm_120_is_twice_as_fast_as_tempo_half() {
    for (header, cycle) in [("tempo: 0.5", 88_200), ("bpm: 120", 22_050)] {
        let wav = render(
            &format!("{header}\nout: sine 440 * \"1 0\" * 0.5\n"),
            &["--cycles", "2", "--format", "32f"],
        );
        assert_eq!(wav.left.len(), 2 * cycle, "{header}");
        let silent = first_silence(&wav.left, 0);
        assert_eq!(
            silent,
            cycle / 2,
            "{header}: the rest starts half a cycle in"
        );
        let sounding = first_sound(&wav.left, silent);
        assert_eq!(sounding, cycle, "{header}: the next cycle starts the tone");
    }
}

#[test]
fn every_workload_renders_finite_and_below_full_scale() {
    let files = ph_files(&shared_dir().join("workloads"));
    assert!(!files.is_empty());
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let source = std::fs::read_to_string(&file).unwrap();
        let wav = render(&source, &["--seconds", "10", "--format", "32f"]);
        assert_eq!(wav.left.len(), 441_000, "{name}");
        let all = || wav.left.iter().chain(&wav.right);
        assert!(all().all(|x| x.is_finite()), "{name}: non-finite samples");
        let top = peak(&wav.left).max(peak(&wav.right));
        assert!(top < 1.0, "{name}: peak {top}");
        // drums.ph and feedback.ph sound only through their `s` events.
        assert!(rms(&wav.left) > 1e-3, "{name} is silent");
        assert!(rms(&wav.right) > 1e-3, "{name} is silent on the right");
    }
}

#[test]
fn formats_16_24_and_32f_have_their_bits_rate_and_length() {
    let dir = temp_dir();
    for (format, bits, sample_format) in [
        ("16", 16, hound::SampleFormat::Int),
        ("24", 24, hound::SampleFormat::Int),
        ("32f", 32, hound::SampleFormat::Float),
    ] {
        let wav = render_in(
            dir.path(),
            "tempo: 0.5\nout: sine 440 * 0.5\n",
            &["--cycles", "1", "--format", format],
        );
        assert_eq!(wav.spec.bits_per_sample, bits, "--format {format}");
        assert_eq!(wav.spec.sample_format, sample_format, "--format {format}");
        assert_eq!(wav.spec.sample_rate, 44_100);
        assert_eq!(wav.left.len(), 88_200, "--format {format}");
        assert!((peak(&wav.left) - 0.5).abs() < 1e-3, "--format {format}");
    }
}

#[test]
fn rate_48000_scales_the_length_and_keeps_the_pitch() {
    let wav = render(
        "tempo: 0.5\nout: sine 440 * 0.5\n",
        &["--cycles", "1", "--rate", "48000", "--format", "32f"],
    );
    assert_eq!(wav.spec.sample_rate, 48_000);
    assert_eq!(wav.left.len(), 96_000);
    let frequency = peak_frequency(&wav.left, 48_000);
    assert!((frequency - 440.0).abs() <= 1.0, "peak at {frequency} Hz");
}

#[test]
fn a_program_with_a_type_error_prints_the_check_report_and_writes_nothing() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("bad.ph"),
        "out: saw 55 # lpf \"bd sn\" 0.7\n",
    )
    .unwrap();
    let output = phonon(dir.path(), &["render", "bad.ph", "-o", "out.wav"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        !dir.path().join("out.wav").exists(),
        "no file for a broken program"
    );
    let check = phonon(dir.path(), &["check", "bad.ph"]);
    assert_eq!(stderr(&output), stderr(&check), "the same report as check");
    assert!(stderr(&output).contains("E0105"));
    assert!(!stderr(&output).contains("panicked"));
}

#[test]
fn rendering_twice_is_bit_identical() {
    let source = "tempo: 0.5\n\
                  ~lfo: sine 0.25\n\
                  out: noise # lpf (~lfo * 1000 + 1500) 0.707 * 0.2 + saw \"55 110\" * 0.1\n";
    let dir = temp_dir();
    let mut files = Vec::new();
    for _ in 0..2 {
        render_in(dir.path(), source, &["--seconds", "2"]);
        files.push(std::fs::read(dir.path().join("out.wav")).unwrap());
    }
    assert_eq!(files[0], files[1]);
}

#[test]
fn an_overload_is_limited_and_reported() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("loud.ph"), "out: sine 440 * 2\n").unwrap();
    let output = phonon(
        dir.path(),
        &[
            "render",
            "loud.ph",
            "-o",
            "out.wav",
            "--seconds",
            "1",
            "--format",
            "32f",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("limiter:"), "{report}");
    assert!(report.contains("real time"), "{report}");
    let wav = read_wav(&dir.path().join("out.wav"));
    assert!(peak(&wav.left) <= dsp::master::Limiter::CEILING);
}

#[test]
fn emit_ir_prints_every_stage_and_the_pass_timings() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("p.ph"), "tempo: 0.5\nout: sine 440 * 0.2\n").unwrap();
    let output = phonon(dir.path(), &["emit-ir", "p.ph"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "== ast",
        "== ir",
        "n1 = sine n0",
        "== dataflow",
        "k0 output out",
        "== timings",
        "parse",
        "build_stages",
        "total",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    let dataflow = stdout(&phonon(
        dir.path(),
        &["emit-ir", "p.ph", "--stage", "dataflow"],
    ));
    assert!(dataflow.starts_with("stage s0"), "{dataflow}");
    assert!(!dataflow.contains("== "));
}

#[test]
fn an_envelope_outside_a_voice_retriggers_at_every_cycle_start() {
    let wav = render(
        "tempo: 0.5\nout: sine 440 # ad 0.001 0.2 * 0.5\n",
        &["--cycles", "2", "--format", "32f"],
    );
    // Cycles are 88200 samples; the decay ends 0.2 s (8820 samples) in.
    let loud = rms(&wav.left[..2000]);
    assert!(loud > 0.1, "first attack: {loud}");
    assert_eq!(peak(&wav.left[10_000..88_200]), 0.0, "decayed to silence");
    let again = rms(&wav.left[88_200..90_200]);
    assert!(
        (again - loud).abs() < 0.01,
        "retriggered: {again} vs {loud}"
    );
    assert_ne!(wav.left[88_201], 0.0, "the second cycle starts at once");
}

#[test]
fn a_bare_envelope_is_a_cycle_gated_signal_like_the_chained_one() {
    let args = ["--cycles", "2", "--format", "32f"];
    let chained = render("tempo: 0.5\nout: sine 440 # ad 0.001 0.2\n", &args);
    let bare = render("tempo: 0.5\nout: sine 440 * ad 0.001 0.2\n", &args);
    assert!(rms(&bare.left[..2000]) > 0.1, "not silent");
    assert_eq!(bare.left, chained.left);

    // Through a bus: the gate stays open all cycle, so `adsr` holds its
    // sustain, and rises again at the next cycle start.
    let held = render(
        "tempo: 0.5\n~env: adsr 0.01 0.1 0.5 0.2\nout: sine 440 * ~env * 0.5\n",
        &args,
    );
    let sustain = rms(&held.left[44_100..88_200]);
    let expected = 0.5 * 0.5 / std::f64::consts::SQRT_2;
    assert!((sustain - expected).abs() < 0.01, "sustain rms {sustain}");
    let attack_peak = peak(&held.left[88_200 + 400..88_200 + 500]);
    assert!(attack_peak > 0.3, "retriggered: {attack_peak}");
}

#[test]
fn adsr_after_events_still_shapes_each_note() {
    let dir = temp_dir();
    let source = "out: note \"c4 e4\" # s saw # adsr 0.01 0.1 0.5 0.2\n";
    std::fs::write(dir.path().join("program.ph"), source).unwrap();
    let output = phonon(dir.path(), &["emit-ir", "program.ph", "--stage", "ir"]);
    let ir = stdout(&output);
    assert!(ir.contains("events note"), "{ir}");
    assert!(!ir.contains("cycle_gate"), "{ir}");
}

#[test]
fn line_ramps_once_from_the_start() {
    let wav = render(
        "tempo: 0.5\nout: line 0.5 0 2\n",
        &["--seconds", "3", "--format", "32f"],
    );
    assert!(
        (wav.left[0] - 0.5).abs() < 1e-3,
        "starts at 0.5: {}",
        wav.left[0]
    );
    assert!(
        (wav.left[44_100] - 0.25).abs() < 1e-3,
        "halfway: {}",
        wav.left[44_100]
    );
    // Summed f32 steps may land a few samples off the exact end.
    assert!(
        wav.left[88_200 + 441..].iter().all(|&x| x == 0.0),
        "then holds 0"
    );
}

/// The JIT against its oracle through the whole binary: every workload, and
/// programs that exercise each compiled node family, rendered by both engines
/// agree on every sample within 1e-4, the JIT's tolerance. The two sweeps are
/// the regression for a saw whose frequency follows a `sine`: a sine a few
/// ulp off the reference's drifted the saw's phase until its jumps differed
/// by 3e-4.
#[test]
fn jit_and_interpreter_renders_agree() {
    let mut programs: Vec<(String, String, f32)> = ph_files(&shared_dir().join("workloads"))
        .into_iter()
        .map(|f| {
            (
                f.display().to_string(),
                std::fs::read_to_string(&f).unwrap(),
                1e-4,
            )
        })
        .collect();
    let reverb16 = workspace_root().join("phonon-runtime/benches/programs/reverb16.ph");
    programs.push((
        reverb16.display().to_string(),
        std::fs::read_to_string(&reverb16).unwrap(),
        1e-4,
    ));
    for (source, tolerance) in [
        (
            "out: saw (sine 3 * 400 + 500) # lpf (sine 0.7 * 3000 + 3100) 0.7 * 0.2",
            1e-4,
        ),
        (
            "out: saw (sine 3 * 400 + 500) # lpf (sine 0.7 * 3000 + 3100) 8 * 0.2",
            1e-4,
        ),
        ("out: saw \"110 220\" # lpf 800 8 * 0.2", 1e-4),
        (
            "out: square \"110 220\" # hpf 20000 0.5 + pulse 55 0.3 # bpf 0 20 * 0.1",
            1e-4,
        ),
        (
            "out: (noise # notch 1000 2) * 0.1 + tri 440 # distortion 20 0.7 # bitcrush 6 3 * 0.2",
            1e-4,
        ),
        (
            "out: pink * 0.2 # pan -0.5 + sine 220 # clip -0.3 0.3",
            1e-4,
        ),
        // Regression: outputs that read voices or a constant directly, with no
        // compiled node between, were silent on the JIT.
        ("out: s \"bd*4\"", 1e-4),
        // An overflowing output is contained at the multiply, so the other
        // output keeps its level instead of being limited into silence.
        ("o1: saw 55 * 1e30 * 1e30 * 1e30\no2: sine 440 * 0.2", 1e-4),
        ("o1: s \"bd sn\" # pan \"-1 1\"\no2: 0.1", 1e-4),
        // Delay lines with every parameter modulated at audio rate, and
        // feedback cycles through them. The delay and the reverb compute
        // exactly what their references do, but they and the chorus
        // amplify differences upstream: a delay time in seconds is
        // multiplied by the rate (so `sine`'s 2.5e-7 approximation error at
        // a depth of 0.1 s moves the read by 1e-3 samples), a chorus rate is
        // integrated into its LFO phase, and a loop near unity gain grows
        // the chorus's last-bit LFO differences (see `delay_lines`). So the
        // modulation is shallow where it is sensitive, and the
        // high-gain loop holds the delay and reverb only.
        (
            "out: saw 500 # chorus (saw 0.3 * 5 + 6) (tri 5) 0.8 # delay (tri 2 * 0.002 + 0.01) (sine 7 * 0.6 + 0.5) 0.5 # reverb (sine 50 * 0.5 + 0.5) (sine 3) (sine 40) * 0.2",
            1e-4,
        ),
        (
            "~fb: (s \"bd*2 cp\" + ~fb * 0.7) # delay 0 0.99 1 # reverb 1 0 1\nout: ~fb * 0.3",
            1e-4,
        ),
        (
            "~fb: (s \"bd*2 cp\" + ~fb * 0.5) # chorus 3 0.5 0.5 # reverb 0.5 0.5 0.3\nout: ~fb * 0.3",
            1e-4,
        ),
    ] {
        programs.push((source.to_string(), source.to_string(), tolerance));
    }
    for (name, source, tolerance) in programs {
        let jit = render(
            &source,
            &["--seconds", "3", "--format", "32f", "--engine", "jit"],
        );
        let interp = render(
            &source,
            &["--seconds", "3", "--format", "32f", "--engine", "interp"],
        );
        let worst = jit
            .left
            .iter()
            .chain(&jit.right)
            .zip(interp.left.iter().chain(&interp.right))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= tolerance,
            "{name}: JIT and interpreter differ by {worst} (tolerance {tolerance})"
        );
    }
}

/// The workloads with delay lines, which the JIT once handed to the
/// interpreter, now run as native code.
#[test]
fn programs_with_delay_lines_run_as_native_code() {
    let workloads = shared_dir().join("workloads");
    for path in [
        workloads.join("stress16.ph"),
        workloads.join("chain4.ph"),
        workloads.join("feedback.ph"),
        workspace_root().join("phonon-runtime/benches/programs/reverb16.ph"),
    ] {
        let dir = temp_dir();
        let file = path.display().to_string();
        let output = phonon(
            dir.path(),
            &[
                "render",
                &file,
                "-o",
                "out.wav",
                "--seconds",
                "0.1",
                "--engine",
                "jit",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{file}: {}", stderr(&output));
        let said = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!said.contains("interpreter"), "{file}: {said}");
        assert!(said.contains("jit"), "{file}: {said}");
    }
}

#[test]
fn split_outputs_put_each_output_on_its_own_channel_pair() {
    let outputs = [
        ("o1", "sine 220 * 0.3"),
        ("o2", "saw \"110 165\" # lpf 900 0.7 * 0.2"),
        ("o4", "s \"bd*2 sn\""),
    ];
    let program: String = std::iter::once("tempo: 1\n".to_string())
        .chain(
            outputs
                .iter()
                .map(|(name, chain)| format!("{name}: {chain}\n")),
        )
        .collect();
    let dir = temp_dir();
    std::fs::write(dir.path().join("program.ph"), &program).unwrap();
    let args = [
        "render",
        "program.ph",
        "-o",
        "split.wav",
        "--seconds",
        "2",
        "--format",
        "32f",
        "--outputs",
        "split",
    ];
    let output = phonon(dir.path(), &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("8 channels, a pair per output"),
        "{}",
        stdout(&output)
    );
    let mut reader = hound::WavReader::open(dir.path().join("split.wav")).unwrap();
    assert_eq!(reader.spec().channels, 8, "o4 is the highest: 4 pairs");
    let samples: Vec<f32> = reader.samples::<f32>().map(Result::unwrap).collect();
    let channel = |c: usize| -> Vec<f32> { samples.iter().skip(c).step_by(8).copied().collect() };

    // Each pair is exactly what the output renders alone, mixed.
    for (name, chain) in outputs {
        let pair = name[1..].parse::<usize>().unwrap() - 1;
        let alone = render(
            &format!("tempo: 1\n{name}: {chain}\n"),
            &["--seconds", "2", "--format", "32f"],
        );
        assert!(
            alone.left.iter().any(|x| x.abs() > 0.01),
            "{name} is silent"
        );
        assert_eq!(channel(2 * pair), alone.left, "{name} left");
        assert_eq!(channel(2 * pair + 1), alone.right, "{name} right");
    }
    // o3 does not exist: its pair is silent.
    assert!(channel(4).iter().chain(&channel(5)).all(|&x| x == 0.0));
}
