//! `phonon render FILE.ph -o out.wav`: offline render to a WAV file, with a
//! progress bar on a terminal and a summary (length, peak, speed, limiting).
//! Also home of [`load`], which every command that runs a program shares.

use crate::commands::check;
use crate::diagnostics;
use crate::engine::{self, EngineChoice};
use crate::routing::OutputMode;
use crate::voices;
use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use phonon_ir::pattern::Fraction;
use phonon_ir::Compiled;
use phonon_runtime::audio::DEFAULT_SAMPLE_RATE;
use phonon_runtime::engine::{Engine, Renderer};
use phonon_runtime::render::{render_with, Length, OutputRouting, RenderOptions, RenderSummary};
use phonon_runtime::voices::ProgramVoices;
use phonon_runtime::voices::DEFAULT_VOICE_COUNT;
use phonon_runtime::wav::WavFormat;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The program to render.
    file: PathBuf,
    /// The WAV file to write (stereo, or 2 channels per output with
    /// `--outputs split`).
    #[arg(short, long, value_name = "OUT.wav")]
    output: PathBuf,
    /// Length in seconds, instead of cycles.
    #[arg(long, value_name = "S", value_parser = parse_seconds, conflicts_with = "cycles")]
    seconds: Option<f64>,
    /// Length in cycles at the program's tempo, counted exactly on the sample
    /// clock: 3 cycles at tempo 0.5 are exactly 6 s. Integers, decimals or
    /// ratios like 7/2. Default 8.
    #[arg(long, value_name = "N", value_parser = parse_cycles)]
    cycles: Option<Fraction>,
    /// Sample rate in Hz.
    #[arg(long, default_value_t = DEFAULT_SAMPLE_RATE, value_parser = clap::value_parser!(u32).range(8_000..=384_000))]
    rate: u32,
    /// Sample format: 16 or 24 (PCM with TPDF dither) or 32f (32-bit float).
    #[arg(long, default_value = "16", value_parser = parse_format)]
    format: WavFormat,
    /// A folder of sample banks for `s` events (Dirt-Samples layout: one
    /// subfolder per bank, e.g. DIR/bd/*.wav), searched before
    /// PHONON_SAMPLES, ./samples, SuperDirt's folder and the built-in kit.
    #[arg(long, value_name = "DIR")]
    samples: Option<PathBuf>,
    /// Voices per event pattern: when more sound at once, the oldest is
    /// faded out (in 5 ms) to make room.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_VOICE_COUNT,
          value_parser = voices::parse_voice_count)]
    voices: usize,
    /// The engine: `jit` compiles the program to native code; `interp` runs
    /// the reference interpreter, the oracle the JIT is tested against.
    #[arg(long, value_enum, default_value_t = EngineChoice::Jit)]
    engine: EngineChoice,
    /// Where the outputs go. `mix`: all summed into one stereo master.
    /// `split`: one multichannel file, output N on channels 2N-1 and 2N
    /// (`out` and `o1` on 1-2, `o2` on 3-4, ...), each pair limited on its
    /// own, for mixing elsewhere.
    #[arg(long, value_enum, default_value_t = OutputMode::Mix)]
    outputs: OutputMode,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(s),
        _ => Err(format!(
            "`{text}` is not a length; give seconds above 0, like 10 or 2.5"
        )),
    }
}

fn parse_cycles(text: &str) -> Result<Fraction, String> {
    match Fraction::parse(text) {
        Some(n) if n > Fraction::ZERO => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of cycles; give one above 0, like 8, 2.5 or 7/2"
        )),
    }
}

fn parse_format(text: &str) -> Result<WavFormat, String> {
    WavFormat::parse(text).ok_or_else(|| format!("`{text}` is not a format; use 16, 24 or 32f"))
}

/// A program read from a file and compiled without errors.
pub struct Loaded {
    pub name: String,
    pub source: String,
    pub parsed: phonon_syntax::Parsed,
    pub compiled: Compiled,
    /// How long parsing took (the compile driver times the rest).
    pub parse_time: Duration,
}

/// Reads and compiles `path`. A program with errors gets the report
/// `phonon check` prints and `None`; warnings are printed and it goes on.
pub fn load(path: &Path) -> anyhow::Result<Option<Loaded>> {
    let source =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let found = check::check_source(&source);
    if found.iter().any(|d| d.is_error()) {
        check::print_report(&name, &source, &found);
        return Ok(None);
    }
    diagnostics::print(&name, &source, &found);
    let started = Instant::now();
    let parsed = phonon_syntax::parse(&source);
    let parse_time = started.elapsed();
    let compiled = phonon_ir::compile(&parsed.program);
    Ok(Some(Loaded {
        name,
        source,
        parsed,
        compiled,
        parse_time,
    }))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.samples {
        if !dir.is_dir() {
            bail!("--samples {}: no such folder", dir.display());
        }
    }
    let Some(loaded) = load(&args.file)? else {
        return Ok(ExitCode::from(1));
    };
    let Some(program) = loaded.compiled.staged else {
        bail!("{}: the compiler gave no program", loaded.name);
    };
    let options = RenderOptions {
        length: match (args.seconds, args.cycles) {
            (Some(seconds), _) => Length::Seconds(seconds),
            (None, Some(cycles)) => Length::Cycles(cycles),
            (None, None) => RenderOptions::default().length,
        },
        rate: args.rate,
        format: args.format,
        outputs: match args.outputs {
            OutputMode::Mix => OutputRouting::Mix,
            OutputMode::Split => OutputRouting::Split,
        },
        ..RenderOptions::default()
    };
    let library = voices::open_library(args.samples.clone());
    let program_voices = voices::build(&program.graph, &library, args.rate, args.voices);
    let jit = match args.engine {
        EngineChoice::Jit => engine::compile_jit(&program, args.rate, options.block),
        EngineChoice::Interp => None,
    };
    let (summary, engine_name) = match jit {
        Some(jit) => {
            let renderer = Renderer::new(program, jit, program_voices, args.rate, options.block);
            (render_file(renderer, &args.output, &options)?, "jit")
        }
        None => {
            let renderer =
                Renderer::interpreted_with(program, program_voices, args.rate, options.block);
            (
                render_file(renderer, &args.output, &options)?,
                "interpreter",
            )
        }
    };
    print_summary(&args.output, &options, &summary, engine_name);
    Ok(ExitCode::SUCCESS)
}

/// Renders to `path` with a progress bar, then reports samples that were
/// missing when first played.
fn render_file<E: Engine>(
    mut renderer: Renderer<E, ProgramVoices>,
    path: &Path,
    options: &RenderOptions,
) -> anyhow::Result<RenderSummary> {
    let mut bar = LazyBar::new();
    let summary = render_with(&mut renderer, path, options, |done, total| {
        bar.update(done, total)
    })
    .with_context(|| format!("cannot write {}", path.display()))?;
    bar.finish();
    voices::print_warnings(&renderer.voices_mut().take_warnings());
    Ok(summary)
}

/// A progress bar that appears only on a terminal, and only once a render
/// has run long enough to need one.
struct LazyBar {
    started: Instant,
    enabled: bool,
    bar: Option<ProgressBar>,
}

impl LazyBar {
    const DELAY: Duration = Duration::from_millis(400);

    fn new() -> LazyBar {
        LazyBar {
            started: Instant::now(),
            enabled: std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    fn update(&mut self, done: u64, total: u64) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.started.elapsed() >= Self::DELAY && done < total {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("rendering {bar:40} {percent:>3}% eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

fn print_summary(path: &Path, options: &RenderOptions, summary: &RenderSummary, engine: &str) {
    let format = match options.format {
        WavFormat::Pcm16 => "16-bit",
        WavFormat::Pcm24 => "24-bit",
        WavFormat::Float32 => "32-bit float",
    };
    let channels = match summary.channels {
        2 => "stereo".to_string(),
        n => format!("{n} channels, a pair per output"),
    };
    println!(
        "wrote {}: {:.3} s ({} frames, {} Hz, {format} {channels})",
        path.display(),
        summary.seconds,
        summary.frames,
        options.rate
    );
    let peak = if summary.peak_dbfs.is_finite() {
        format!("{:.1} dBFS", summary.peak_dbfs)
    } else {
        "silence".to_string()
    };
    println!(
        "peak {peak}, rendered in {:.2} s ({:.1}x real time, {engine})",
        summary.wall_seconds, summary.realtime_factor
    );
    if summary.limited_samples > 0 {
        println!(
            "limiter: {} sample{} limited (the mix went above -0.1 dBFS; lower the output levels to avoid it)",
            summary.limited_samples,
            if summary.limited_samples == 1 { "" } else { "s" }
        );
    }
}
