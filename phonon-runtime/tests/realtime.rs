//! The audio thread never allocates or frees: `assert_no_alloc`'s allocator
//! counts every allocator call made inside `assert_no_alloc` on the calling
//! thread. It is armed around the body of each block: the player (swaps,
//! crossfades, returning old programs), the recording tap, the render-ahead
//! queue's audio end, and every block of the null device's paced thread.
//! The stand-in programs play two outputs, one changing at each swap, so
//! the player's per-output crossfades and fades in and out run too. A real
//! program's swap (state copied node by node) is checked on both engines.

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use phonon_runtime::audio::ahead::render_ahead;
use phonon_runtime::audio::null::{NullConfig, NullDevice};
use phonon_runtime::audio::record::record;
use phonon_runtime::audio::stats::AudioStats;
use phonon_runtime::audio::BlockSource;
use phonon_runtime::live::engine::{EngineKind, LiveEngine};
use phonon_runtime::live::player::{player, LiveProgram, PlayerConfig, Routing};
use phonon_runtime::live::program::{Lineage, LiveRenderer};
use phonon_runtime::samples::SampleLibrary;
use phonon_runtime::voices::ProgramVoices;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

/// Two tones standing in for a compiled program: a steady 110 Hz output
/// that continues across swaps, and one at `frequency` that fades in and
/// out when it changes (or is silent, for 0 Hz: no second output).
struct Tone {
    frequency: f32,
    phases: [f32; 2],
    buffer: [[f32; 256]; 2],
    frames: usize,
    changed: bool,
}

impl Tone {
    fn frequencies(&self) -> [f32; 2] {
        [110.0, self.frequency]
    }
}

impl LiveProgram for Tone {
    fn render_outputs(&mut self, frames: usize) {
        let frequencies = self.frequencies();
        for ((buffer, phase), frequency) in self
            .buffer
            .iter_mut()
            .zip(&mut self.phases)
            .zip(frequencies)
        {
            for x in &mut buffer[..frames] {
                *x = (*phase * std::f32::consts::TAU).sin() * 0.25;
                *phase = (*phase + frequency / 48_000.0).fract();
            }
        }
        self.frames = frames;
    }

    fn output_count(&self) -> usize {
        if self.frequency == 0.0 {
            1
        } else {
            2
        }
    }

    fn output(&self, index: usize) -> (&[f32], &[f32]) {
        let samples = &self.buffer[index][..self.frames];
        (samples, samples)
    }

    fn channel_pair(&self, index: usize) -> usize {
        index
    }

    fn take_over(&mut self, old: &mut Tone) {
        self.phases[0] = old.phases[0];
        self.changed = old.frequency != self.frequency;
        if !self.changed {
            self.phases[1] = old.phases[1];
        }
    }

    fn fades_in(&self, index: usize) -> bool {
        index == 1 && self.changed
    }

    fn old_fades_out(&self, index: usize) -> bool {
        index == 1 && self.changed
    }
}

fn tone(frequency: f32) -> Box<Tone> {
    Box::new(Tone {
        frequency,
        phases: [0.0; 2],
        buffer: [[0.0; 256]; 2],
        frames: 0,
        changed: false,
    })
}

/// Arms the check around each block on whatever thread renders it, and
/// publishes that thread's count.
struct Armed<S> {
    inner: S,
    violations: Arc<AtomicU64>,
}

impl<S: BlockSource> BlockSource for Armed<S> {
    fn channels(&self) -> usize {
        self.inner.channels()
    }

    fn render_block(&mut self, block: &mut [f32]) {
        reset_violation_count();
        assert_no_alloc(|| self.inner.render_block(block));
        self.violations
            .fetch_add(u64::from(violation_count()), Ordering::Relaxed);
    }
}

#[test]
fn swapping_crossfading_and_recording_do_not_allocate() {
    let dir = tempfile::tempdir().unwrap();
    let config = PlayerConfig::new(48_000, 256).with_routing(Routing::Split { pairs: 2 });
    let (player, mut control) = player(tone(220.0), config);
    let (tap, recorder) = record(player, &dir.path().join("take.wav"), 48_000).unwrap();
    let violations = Arc::new(AtomicU64::new(0));
    let mut source = Armed {
        inner: tap,
        violations: Arc::clone(&violations),
    };
    let mut buffer = vec![0.0; 256 * 4];
    for (block, frequency) in (0..40).zip([220.0, 220.0, 0.0, 440.0].iter().cycle()) {
        if block % 5 == 0 {
            control.send(tone(*frequency));
        }
        source.render_block(&mut buffer);
        control.service();
    }
    drop(source);
    recorder.finish().unwrap();
    let swaps = std::iter::from_fn(|| control.next_event()).count();
    assert_eq!(swaps, 8, "every program was taken");
    assert_eq!(violations.load(Ordering::Relaxed), 0);
}

#[test]
fn the_null_devices_audio_thread_does_not_allocate() {
    let (player, mut control) = player(tone(220.0), PlayerConfig::new(48_000, 128));
    let violations = Arc::new(AtomicU64::new(0));
    let source = Armed {
        inner: player,
        violations: Arc::clone(&violations),
    };
    let stats = Arc::new(AudioStats::default());
    let config = NullConfig {
        rate: 48_000,
        block_frames: 128,
        total_frames: Some(48_000 / 5),
    };
    let device = NullDevice::start(source, config, Arc::clone(&stats)).unwrap();
    let mut frequency = 220.0;
    while !device.is_finished() {
        frequency += 110.0;
        control.send(tone(frequency));
        std::thread::sleep(Duration::from_millis(15));
        control.service();
    }
    device.stop();
    assert!(std::iter::from_fn(|| control.next_event()).count() >= 3);
    assert_eq!(stats.snapshot().frames, 9_600);
    assert_eq!(violations.load(Ordering::Relaxed), 0);
}

#[test]
fn the_check_catches_an_allocation() {
    let violations = Arc::new(AtomicU64::new(0));
    struct Allocates;
    impl BlockSource for Allocates {
        fn channels(&self) -> usize {
            2
        }

        fn render_block(&mut self, block: &mut [f32]) {
            let copy = block.to_vec();
            block[0] = copy[0];
        }
    }
    let mut source = Armed {
        inner: Allocates,
        violations: Arc::clone(&violations),
    };
    source.render_block(&mut [0.0; 8]);
    assert!(violations.load(Ordering::Relaxed) >= 1);
}

#[test]
fn the_audio_end_of_the_render_ahead_queue_does_not_allocate() {
    let (player, mut control) = player(tone(220.0), PlayerConfig::new(48_000, 128));
    let stats = Arc::new(AudioStats::default());
    let queue = render_ahead(player, 128, 48_000, Arc::clone(&stats)).unwrap();
    let violations = Arc::new(AtomicU64::new(0));
    let source = Armed {
        inner: queue,
        violations: Arc::clone(&violations),
    };
    let config = NullConfig {
        rate: 48_000,
        block_frames: 128,
        total_frames: Some(48_000 / 5),
    };
    let device = NullDevice::start(source, config, Arc::clone(&stats)).unwrap();
    control.send(tone(330.0));
    while !device.is_finished() {
        std::thread::sleep(Duration::from_millis(10));
        control.service();
    }
    device.stop();
    assert_eq!(control.next_event().map(|e| e.generation), Some(1));
    assert_eq!(violations.load(Ordering::Relaxed), 0);
    assert_eq!(stats.snapshot().underruns, 0);
}

/// `source` at 48 kHz on `kind`'s engine, following `previous` if given.
fn live_program(kind: EngineKind, source: &str, previous: Option<&Lineage>) -> LiveRenderer {
    let parsed = phonon_syntax::parse(source);
    let program = phonon_ir::compile(&parsed.program)
        .staged
        .expect("the test program compiles");
    let library = Arc::new(SampleLibrary::default_kit());
    let voices = ProgramVoices::new(&program.graph, library, 48_000, 16);
    let (engine, refused) = LiveEngine::build(kind, &program, 48_000, 256, 2);
    assert!(refused.is_none(), "the JIT compiles the test program");
    assert_eq!(engine.kind(), kind);
    match previous {
        Some(previous) => LiveRenderer::following(previous, program, engine, voices, 48_000, 256),
        None => LiveRenderer::new(program, engine, voices, 48_000, 256),
    }
}

/// o1 changes (its nodes' state is copied: the old o1 fades out on its
/// own), o2 does not (its state moves, or on compiled code is copied too).
fn swap_copying_delay_lines_and_reverb_tails(kind: EngineKind) {
    const BEFORE: &str = "o1: saw 55 # lpf 800 0.7 # delay 0.3 0.5 # reverb 0.8 0.5 0.4\no2: sine 220 # chorus 0.5 0.5 * 0.2\n";
    const AFTER: &str = "o1: saw 55 # lpf 1200 0.7 # delay 0.3 0.5 # reverb 0.8 0.5 0.4\no2: sine 220 # chorus 0.5 0.5 * 0.2\n";
    let mut old = live_program(kind, BEFORE, None);
    let mut next = live_program(kind, AFTER, Some(&old.lineage()));
    assert_eq!(
        next.swap_plan().map(|p| p.fades_in.clone()),
        Some(vec![true, false])
    );
    for _ in 0..8 {
        old.render_outputs(256);
    }
    reset_violation_count();
    assert_no_alloc(|| next.take_over(&mut old));
    assert_eq!(violation_count(), 0);
    assert!(
        next.fades_in(0) && !next.fades_in(1),
        "the plan was followed"
    );
}

#[test]
fn an_interpreted_swap_that_copies_delay_lines_and_reverb_tails_does_not_allocate() {
    swap_copying_delay_lines_and_reverb_tails(EngineKind::Interp);
}

#[test]
fn a_compiled_swap_that_copies_delay_lines_and_reverb_tails_does_not_allocate() {
    swap_copying_delay_lines_and_reverb_tails(EngineKind::Jit);
}
