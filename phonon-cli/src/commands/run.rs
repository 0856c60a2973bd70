//! `phonon run FILE.ph`: plays a program and reloads it on every save. The
//! control loop here parses, checks and compiles off the audio thread, hands
//! each good program to the player, prints what went wrong with a bad one
//! (the last good program keeps playing), and keeps a status line. Each
//! program's voices are built and their samples loaded here too; at the
//! swap, the voices playing ring on in the new program.
//!
//! A reload is decided output by output: an unchanged output plays on
//! untouched, a changed one crossfades (about 20 ms), a removed one (or
//! every one, on `hush`) fades out and a new one fades in. A tempo change
//! counts from the cycle position at the swap, so the position never jumps.
//!
//! Programs run as native code (`--engine jit`, compiled here on the
//! control thread) or on the interpreter; a program the JIT cannot compile
//! plays interpreted, with a note.

use crate::diagnostics;
use crate::engine::EngineChoice;
use crate::voices;
use anyhow::{anyhow, bail, Context};
use phonon_ir::graph::StagedProgram;
use phonon_ir::pattern::Fraction;
use phonon_runtime::audio::ahead::render_ahead;
use phonon_runtime::audio::device::{list_output_devices, open_output, DeviceOutput};
use phonon_runtime::audio::null::{NullConfig, NullDevice};
use phonon_runtime::audio::record::{record, Recorder};
use phonon_runtime::audio::stats::{AudioStats, StatsSnapshot};
use phonon_runtime::audio::{BlockSource, DEFAULT_BLOCK_FRAMES, DEFAULT_SAMPLE_RATE};
use phonon_runtime::clock::SampleClock;
use phonon_runtime::live::engine::{EngineKind, LiveEngine};
use phonon_runtime::live::player::{player, Handover, PlayerConfig, PlayerControl, Routing};
use phonon_runtime::live::program::{Lineage, LiveRenderer, SwapPlan};
use phonon_runtime::live::watch::{FileChange, FileWatcher, DEFAULT_DEBOUNCE};
use phonon_runtime::render::channel_pairs;
use phonon_runtime::samples::SampleLibrary;
use phonon_runtime::voices::DEFAULT_VOICE_COUNT;
use phonon_syntax::Diagnostic;
use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The program to play. Every save is heard within a block of compiling;
    /// a broken save is reported and the last good program keeps playing.
    #[arg(required_unless_present = "list_devices")]
    file: Option<PathBuf>,
    /// The output device, by name as `--list-devices` shows it; `null`
    /// plays in real time with no sound card (for tests and servers).
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// List the output devices and exit.
    #[arg(long)]
    list_devices: bool,
    /// Frames per block, and per device buffer when the device allows it.
    #[arg(long, value_name = "FRAMES", default_value_t = DEFAULT_BLOCK_FRAMES as u32,
          value_parser = clap::value_parser!(u32).range(16..=16384))]
    buffer: u32,
    /// Write exactly what is played to this WAV file (stereo, 32-bit float).
    #[arg(long, value_name = "FILE.wav")]
    record: Option<PathBuf>,
    /// Where the outputs go. `mix`: all summed into one stereo master.
    /// `split`: output N on its own channel pair, channels 2N-1 and 2N
    /// (`out` and `o1` on 1-2, `o2` on 3-4, ...), each pair limited on its
    /// own; the device needs that many channels, and `--record` writes a
    /// multichannel WAV. With `--device null` the pairs are those the
    /// program uses when it starts.
    #[arg(long, value_enum, default_value_t = OutputMode::Mix)]
    outputs: OutputMode,
    /// Stop after this many seconds of audio (Ctrl-C also stops, and
    /// finishes the recording).
    #[arg(long, value_name = "N")]
    seconds: Option<f64>,
    /// A folder of sample banks for `s` events (Dirt-Samples layout: one
    /// subfolder per bank, e.g. DIR/bd/*.wav), searched before
    /// PHONON_SAMPLES, ./samples, SuperDirt's folder and the built-in kit.
    /// Scanned once at start.
    #[arg(long, value_name = "DIR")]
    samples: Option<PathBuf>,
    /// Voices per event pattern: when more sound at once, the oldest is
    /// faded out (in 5 ms) to make room.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_VOICE_COUNT,
          value_parser = voices::parse_voice_count)]
    voices: usize,
    /// Threads that render the program: the render thread plus N-1
    /// workers, which the scheduler uses for the stages it measures to run
    /// faster split (each reload measures again).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: u16,
    /// The engine: `jit` compiles each program (and each reload) to native
    /// code; `interp` runs the reference interpreter. State carries across
    /// a reload on either.
    #[arg(long, value_enum, default_value_t = EngineChoice::Jit)]
    engine: EngineChoice,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutputMode {
    Mix,
    Split,
}

/// How often the control loop looks at the file, the player and the clock.
const TICK: Duration = Duration::from_millis(10);
/// How often the status line is redrawn on a terminal.
const STATUS_EVERY: Duration = Duration::from_millis(250);

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.list_devices {
        return list_devices();
    }
    let file = args
        .file
        .clone()
        .ok_or_else(|| anyhow!("name the program to play: phonon run FILE.ph"))?;
    let source = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    if let Some(dir) = &args.samples {
        if !dir.is_dir() {
            bail!("--samples {}: no such folder", dir.display());
        }
    }
    let name = file.display().to_string();
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        ctrlc::set_handler(move || stop.store(true, Ordering::Release))
            .context("cannot catch Ctrl-C")?;
    }

    let null = args.device.as_deref() == Some("null");
    let opened = if null {
        None
    } else {
        Some(open_output(args.device.as_deref(), Some(args.buffer))?)
    };
    let rate = opened.as_ref().map_or(DEFAULT_SAMPLE_RATE, |d| d.rate());
    let block = args.buffer as usize;
    let voices = Voices {
        library: voices::open_library(args.samples.clone()),
        count: args.voices,
        threads: usize::from(args.threads),
        engine: match args.engine {
            EngineChoice::Jit => EngineKind::Jit,
            EngineChoice::Interp => EngineKind::Interp,
        },
    };

    let first = match prepare(&name, &source, None, &voices, rate, block) {
        Ok(prepared) => prepared,
        Err(errors) => {
            eprintln!("{name}: {}; nothing to play", count(errors, "error"));
            return Ok(ExitCode::from(1));
        }
    };
    let routing = match args.outputs {
        OutputMode::Mix => Routing::Mix,
        OutputMode::Split => {
            let needed = channel_pairs(first.program.program());
            let pairs = match &opened {
                None => needed,
                Some(device) => {
                    let channels = usize::from(device.channels());
                    if channels < 2 * needed {
                        bail!(
                            "--outputs split needs {} channels for this program's outputs, and `{}` has {channels}; use `--outputs mix`",
                            2 * needed,
                            device.name()
                        );
                    }
                    channels / 2
                }
            };
            Routing::Split { pairs }
        }
    };
    let mut clock = CycleClock::new(first.tempo_cps, rate);
    let lineage = first.program.lineage();
    let engine_name = match first.program.engine_kind() {
        EngineKind::Jit => "compiled",
        EngineKind::Interp => "interpreted",
    };
    let (player, control) = player(
        first.program,
        PlayerConfig::new(rate, block).with_routing(routing),
    );
    let stats = Arc::new(AudioStats::default());
    let total_frames = args
        .seconds
        .map(|s| (s.max(0.0) * f64::from(rate)).round() as u64);

    // Pattern queries allocate, so the player renders on its own thread and
    // the audio thread only copies finished blocks (and records them).
    let queue = render_ahead(player, block, rate, Arc::clone(&stats))
        .context("cannot start the render thread")?;
    let (audio, recorder) = match &args.record {
        Some(path) => {
            let (tap, recorder) = record(queue, path, rate)
                .with_context(|| format!("cannot write {}", path.display()))?;
            (Box::new(tap) as Box<dyn BlockSource>, Some(recorder))
        }
        None => (Box::new(queue) as Box<dyn BlockSource>, None),
    };
    let (output, device_name) = match opened {
        None => {
            let config = NullConfig {
                rate,
                block_frames: block,
                total_frames,
            };
            let device = NullDevice::start(audio, config, Arc::clone(&stats))
                .context("cannot start the null device's thread")?;
            (Output::Null(device), "the null device".to_string())
        }
        Some(opened) => {
            let device_name = opened.name().to_string();
            let stream = opened.start(audio, block, Arc::clone(&stats))?;
            (Output::Device { _stream: stream }, device_name)
        }
    };
    let layout = match routing {
        Routing::Mix => "stereo mix".to_string(),
        Routing::Split { pairs } => format!("outputs split over {} channels", 2 * pairs),
    };
    eprintln!(
        "playing {name} on {device_name} ({rate} Hz, {block}-frame blocks, {layout}, {engine_name}); save the file to reload, Ctrl-C to stop"
    );

    let mut live = Live {
        name,
        file,
        rate,
        block,
        routing,
        voices,
        stats: Arc::clone(&stats),
        control,
        lineage,
        waiting: VecDeque::new(),
        last_reload: None,
        status_shown: false,
    };
    let watcher = FileWatcher::new(&live.file, &source, DEFAULT_DEBOUNCE);
    let mut watcher = match watcher {
        Ok(watcher) => Some(watcher),
        Err(error) => {
            eprintln!(
                "{}: cannot watch for saves ({error}); playing without reloading",
                live.name
            );
            None
        }
    };
    let terminal = std::io::stderr().is_terminal();
    let mut last_status = Instant::now();
    loop {
        let played = stats.frames();
        let done = match (&output, total_frames) {
            (Output::Null(device), _) => device.is_finished(),
            (Output::Device { .. }, Some(total)) => played >= total,
            (Output::Device { .. }, None) => false,
        };
        if done || stop.load(Ordering::Acquire) {
            break;
        }
        match watcher.as_mut() {
            Some(watcher) => {
                if let Some(change) = watcher.wait(TICK) {
                    live.on_change(change);
                }
            }
            None => std::thread::sleep(TICK),
        }
        live.control.service();
        live.report_swaps(&mut clock);
        if terminal && last_status.elapsed() >= STATUS_EVERY {
            live.show_status(&clock, true);
            last_status = Instant::now();
        }
    }
    drop(output);
    live.control.service();
    live.report_swaps(&mut clock);
    live.show_status(&clock, false);
    if let Some(recorder) = recorder {
        finish_recording(recorder, args.record.as_deref())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn list_devices() -> anyhow::Result<ExitCode> {
    let devices = list_output_devices()?;
    if devices.is_empty() {
        eprintln!("no output devices; `--device null` runs without a sound card, `phonon render` writes a file");
    }
    for device in devices {
        println!(
            "{}{} ({} channels, {} Hz)",
            if device.is_default { "* " } else { "  " },
            device.name,
            device.channels,
            device.rate
        );
    }
    println!("  null (no sound card: a software clock paces the blocks)");
    Ok(ExitCode::SUCCESS)
}

fn finish_recording(recorder: Recorder, path: Option<&Path>) -> anyhow::Result<()> {
    let path = path.map(|p| p.display().to_string()).unwrap_or_default();
    let summary = recorder
        .finish()
        .with_context(|| format!("cannot finish {path}"))?;
    if summary.dropped_frames > 0 {
        eprintln!(
            "warning: {path} misses {} frames the disk could not keep up with",
            summary.dropped_frames
        );
    }
    eprintln!("recorded {} frames to {path}", summary.frames);
    Ok(())
}

enum Output {
    Null(NullDevice),
    /// Held for its lifetime: dropping the stream stops the sound.
    Device {
        _stream: DeviceOutput,
    },
}

/// A program compiled and built, ready for the audio thread.
struct Prepared {
    program: Box<LiveRenderer>,
    tempo_cps: Fraction,
    compile_time: Duration,
}

/// Where every program's voices find their samples, how many each event
/// pattern gets, and how many threads render a program on which engine.
struct Voices {
    library: Arc<SampleLibrary>,
    count: usize,
    threads: usize,
    engine: EngineKind,
}

/// Parses, checks, compiles and builds `source` with its voices (samples
/// preloaded), printing every diagnostic as `phonon check` does and every
/// sample warning. On errors, returns how many.
fn prepare(
    name: &str,
    source: &str,
    previous: Option<&Lineage>,
    voices: &Voices,
    rate: u32,
    block: usize,
) -> Result<Prepared, usize> {
    let started = Instant::now();
    let (staged, found) = compile_source(source);
    diagnostics::print(name, source, &found);
    let errors = found.iter().filter(|d| d.is_error()).count();
    let staged = match staged {
        Some(staged) if errors == 0 => staged,
        _ => return Err(errors.max(1)),
    };
    let tempo_cps = staged.graph.tempo_cps;
    let program_voices = voices::build(&staged.graph, &voices.library, rate, voices.count);
    let (engine, refused) = LiveEngine::build(voices.engine, &staged, rate, block, voices.threads);
    if let Some(error) = refused {
        eprintln!("note: {name} plays on the interpreter: {error}");
    }
    let program = Box::new(match previous {
        Some(previous) => {
            LiveRenderer::following(previous, staged, engine, program_voices, rate, block)
        }
        None => LiveRenderer::new(staged, engine, program_voices, rate, block),
    });
    Ok(Prepared {
        program,
        tempo_cps,
        compile_time: started.elapsed(),
    })
}

/// The staged program and every diagnostic: syntax first, then meaning (as
/// `phonon check` lists them).
fn compile_source(source: &str) -> (Option<StagedProgram>, Vec<Diagnostic>) {
    let parsed = phonon_syntax::parse(source);
    let mut found = parsed.diagnostics;
    let syntax_failed = found.iter().any(|d| d.is_error());
    let compiled = phonon_ir::compile(&parsed.program);
    // A statement that failed to parse is missing from the program, and may
    // be its output: "no output" would only add noise then.
    found.extend(
        compiled
            .diagnostics
            .into_iter()
            .filter(|d| !(syntax_failed && d.code == phonon_ir::codes::NO_OUTPUT)),
    );
    (compiled.staged, found)
}

/// What the swap does to the outputs, for the reload line.
fn describe_handover(handover: Handover, plan: &SwapPlan, silent: bool) -> String {
    if silent && !plan.old_fades_out.is_empty() {
        return "; hush: fading out, silent until the next save".to_string();
    }
    if handover == Handover::Seamless {
        return String::new();
    }
    let mut parts = Vec::new();
    for (names, what) in [
        (&plan.changed, "crossfading"),
        (&plan.added, "fading in"),
        (&plan.removed, "fading out"),
    ] {
        if !names.is_empty() {
            parts.push(format!("{what} {}", names.join(", ")));
        }
    }
    if parts.is_empty() {
        "; crossfading".to_string()
    } else {
        format!("; {}", parts.join("; "))
    }
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Cycle position from frames played, for the status line: a reload's
/// tempo counts from the cycle position at its swap, as in the renderer.
struct CycleClock(SampleClock);

impl CycleClock {
    fn new(cps: Fraction, rate: u32) -> CycleClock {
        CycleClock(SampleClock::new(rate, cps))
    }

    fn cycle_at(&self, frame: u64) -> f64 {
        self.0.cycle_at(frame).to_f64()
    }

    fn change_tempo(&mut self, frame: u64, cps: Fraction) {
        let at = self.0.cycle_at(frame);
        self.0 = SampleClock::new(self.0.rate, cps).continuing_at(frame, at);
    }
}

/// A reload sent to the audio thread, waiting for its swap.
struct Sent {
    generation: u64,
    ready_frame: u64,
    tempo_cps: Fraction,
    compile_time: Duration,
    plan: SwapPlan,
    /// Whether the program has no output (`hush`, or none written).
    silent: bool,
}

struct LastReload {
    at: Instant,
    compile_time: Duration,
}

/// The control loop's state.
struct Live {
    name: String,
    file: PathBuf,
    rate: u32,
    block: usize,
    routing: Routing,
    voices: Voices,
    stats: Arc<AudioStats>,
    control: PlayerControl<LiveRenderer>,
    /// The last program sent to the audio thread, which the next follows.
    lineage: Lineage,
    waiting: VecDeque<Sent>,
    last_reload: Option<LastReload>,
    status_shown: bool,
}

impl Live {
    fn on_change(&mut self, change: FileChange) {
        self.clear_status();
        match change {
            FileChange::Changed(source) => match prepare(
                &self.name,
                &source,
                Some(&self.lineage),
                &self.voices,
                self.rate,
                self.block,
            ) {
                Ok(prepared) => {
                    self.warn_unrouted(prepared.program.program());
                    self.lineage = prepared.program.lineage();
                    let plan = prepared.program.swap_plan().cloned().unwrap_or_default();
                    let silent = prepared.program.program().graph.outputs.is_empty();
                    // Frames heard when it was ready: the swap comes at the
                    // render thread's next block, at most the queue ahead.
                    let ready_frame = self.stats.frames();
                    let generation = self.control.send(prepared.program);
                    self.waiting.push_back(Sent {
                        generation,
                        ready_frame,
                        tempo_cps: prepared.tempo_cps,
                        compile_time: prepared.compile_time,
                        plan,
                        silent,
                    });
                }
                Err(errors) => eprintln!(
                    "{}: {}; still playing the last good program",
                    self.name,
                    count(errors, "error")
                ),
            },
            FileChange::Missing => eprintln!(
                "{} was deleted or renamed; still playing the last good program (save it again to reload)",
                self.name
            ),
            FileChange::Unreadable(error) => eprintln!(
                "cannot read {} ({error}); still playing the last good program",
                self.name
            ),
        }
    }

    /// With `--outputs split`, names the outputs that have no channels.
    fn warn_unrouted(&self, program: &StagedProgram) {
        if let Routing::Split { pairs } = self.routing {
            for output in &program.graph.outputs {
                if output.number.unwrap_or(1) as usize > pairs {
                    eprintln!(
                        "{}: `{}` is not heard: --outputs split plays {} channels here",
                        self.name,
                        output.name,
                        2 * pairs
                    );
                }
            }
        }
    }

    /// Prints a line for every program the render thread has taken. The
    /// swap comes at a block boundary on the render thread, which runs up
    /// to the queued blocks ahead of the output: the line says from which
    /// frame the new program is heard and how long until then.
    fn report_swaps(&mut self, clock: &mut CycleClock) {
        while let Some(event) = self.control.next_event() {
            while self
                .waiting
                .front()
                .is_some_and(|s| s.generation < event.generation)
            {
                self.waiting.pop_front();
            }
            let Some(sent) = self
                .waiting
                .pop_front()
                .filter(|s| s.generation == event.generation)
            else {
                continue;
            };
            clock.change_tempo(event.frame, sent.tempo_cps);
            self.clear_status();
            let blocks_late = event
                .frame
                .saturating_sub(sent.ready_frame)
                .div_ceil(self.block as u64);
            let queued = event.frame.saturating_sub(self.stats.frames());
            eprintln!(
                "reloaded {}: compiled in {:.1} ms; ready at frame {}, heard from frame {} (cycle {:.3}, {} later; {:.1} ms after this line, the render queue){}",
                self.name,
                sent.compile_time.as_secs_f64() * 1e3,
                sent.ready_frame,
                event.frame,
                clock.cycle_at(event.frame),
                count(blocks_late as usize, "block"),
                queued as f64 * 1e3 / f64::from(self.rate),
                describe_handover(event.handover, &sent.plan, sent.silent)
            );
            self.last_reload = Some(LastReload {
                at: Instant::now(),
                compile_time: sent.compile_time,
            });
        }
    }

    fn status_text(&self, clock: &CycleClock, snapshot: &StatsSnapshot) -> String {
        let reload = match &self.last_reload {
            Some(reload) => format!(
                "last reload {:.1} s ago, compiled in {:.1} ms",
                reload.at.elapsed().as_secs_f64(),
                reload.compile_time.as_secs_f64() * 1e3
            ),
            None => "no reload yet".to_string(),
        };
        format!(
            "cycle {:.3} | {:.2} s | load {:.0}% (peak {:.0}%) | {} | {}",
            clock.cycle_at(snapshot.frames),
            snapshot.frames as f64 / f64::from(self.rate),
            snapshot.mean_load * 100.0,
            snapshot.peak_load * 100.0,
            count(snapshot.underruns as usize, "underrun"),
            reload
        )
    }

    /// Redraws the status line in place on a terminal (`live`), or prints
    /// the final one on its own line.
    fn show_status(&mut self, clock: &CycleClock, live: bool) {
        let text = self.status_text(clock, &self.stats.snapshot());
        let mut stderr = std::io::stderr().lock();
        if live {
            let _ = write!(stderr, "\r\x1b[2K{text}");
            self.status_shown = true;
        } else {
            self.clear_status();
            let _ = writeln!(stderr, "stopped: {text}");
        }
        let _ = stderr.flush();
    }

    fn clear_status(&mut self) {
        if self.status_shown {
            eprint!("\r\x1b[2K");
            self.status_shown = false;
        }
    }
}
