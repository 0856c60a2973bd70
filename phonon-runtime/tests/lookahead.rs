//! Query-ahead against per-block queries: control tracks and voice engines
//! that query a pattern once per window must give, bit for bit, what one
//! query per block gave, over random block sizes, rates, tempos, late
//! starts, resets and hot swaps. The oracles here are the per-block
//! algorithms written out plainly.

use std::sync::Arc;

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use phonon_ir::graph::{PatternKind, StagedProgram};
use phonon_ir::pattern::{Fraction, Pattern, Value};
use phonon_runtime::clock::SampleClock;
use phonon_runtime::controls::{ControlTrack, Conversion, CONTINUOUS_STEP};
use phonon_runtime::engine::{Interpreter, Renderer};
use phonon_runtime::samples::SampleLibrary;
use phonon_runtime::voices::{
    collect_onsets, Onset, ProgramVoices, SampleCache, VoiceEngine, VoicePool,
};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

const VOICES: usize = 32;

/// Numeric patterns in signal positions: mini-notation with polymeters,
/// `?`, euclid, `<>`, random choice, time transforms, note names and
/// continuous signals, alone and mixed with structure.
const CONTROL_PROGRAMS: &[&str] = &[
    "out: sine \"110 [220 330] <440 550>\" * 0.1",
    "out: sine \"{110 220 330}%4 ~ 440?\" * 0.1",
    "out: sine \"110(3,8,<0 2>) 220\" * 0.1",
    "out: sine \"110 220 330 440\" $ fast \"<1 2 3>\" * 0.1",
    "out: sine \"110 . 220 330 . ~ 440\" $ slow 1.5 * 0.1",
    "out: saw \"c3 e3 [g3 b3]\" $ every 2 rev * 0.1",
    "out: saw \"220 ~ 330?0.3 440\" $ off 0.125 (add 110) * 0.1",
    "out: sine \"110 220 330 440 550 660 770 880 990\" $ fast 16 * 0.1",
    "out: sine \"110 220*7\" $ swingBy (1/3) 4 * 0.1",
    "out: sine \"<110 220 ~>!3 330@2 _\" $ iter 4 * 0.1",
    "out: sine \"[110|220|330] 440\" $ degradeBy 0.3 * 0.1",
    "out: sine \"110 220\" $ early (1/7) * 0.1",
    "out: sine \"<110 220> 330\" $ late 0.3 $ chunk 4 (fast 2) * 0.1",
    "out: pulse \"110 220\" \"<0.2 0.5 0.8>\" * 0.1",
    "out: lpf (saw 110) (sine $ range 200 2000) 0.7 * 0.1",
    "out: lpf (saw 110) (sine $ segment 4 $ range 200 800) 0.7 * 0.1",
    "out: lpf (saw 110) (perlin $ fast 3 $ range 200 2000) 0.7 * 0.1",
    "out: lpf (saw 110) (saw $ slow 3 $ range 200 2000) 0.7 * 0.1",
    "out: lpf (saw 110) (rand $ range 200 2000) 0.7 * 0.1",
];

/// Event patterns with per-event parameters, synths and samples.
const EVENT_PROGRAMS: &[&str] = &[
    "out: s \"bd*4 [sn cp] hh? oh:2\" # gain \"1 0.5 0.8\" * 0.5",
    "out: s \"bd(3,8,<0 2>), hh*8?\" # speed \"<1 2 -1>\" # pan sine",
    "out: note \"c4 [e4,g4] <a4 b4>\" # s saw # adsr 0.01 0.1 0.7 0.3 # legato 0.5",
    "out: s \"{bd sn cp}%5\" $ every 3 (fast 2) # cut 1",
    "out: s \"sine*16\" # note \"c3 e3 g3 b3\" $ fast 1.5 # release 0.05",
    "out: s \"[bd | sn | hh]*8\" $ sometimes (fast 2)",
];

/// Rates and tempos: whole and fractional samples per event, a cycle
/// shorter and longer than a window.
const CLOCKS: &[(u32, i128, i128)] = &[
    (44_100, 1, 2),
    (48_000, 7, 3),
    (1000, 1, 1),
    (22_050, 13, 10),
    (8000, 9, 1),
];

fn compile(source: &str) -> StagedProgram {
    let parsed = phonon_syntax::parse(source);
    assert!(
        parsed.diagnostics.is_empty(),
        "{source}: {:?}",
        parsed.diagnostics
    );
    let compiled = phonon_ir::compile(&parsed.program);
    assert!(
        !compiled.has_errors(),
        "{source}: {:?}",
        compiled.diagnostics
    );
    compiled.staged.expect("a staged program")
}

fn clock((rate, numer, denom): (u32, i128, i128)) -> SampleClock {
    SampleClock::new(rate, Fraction::new(numer, denom))
}

/// The patterns of `kind` (numeric ones with their conversion) in `source`.
fn patterns(source: &str, events: bool) -> Vec<(Pattern<Value>, Conversion)> {
    compile(source)
        .graph
        .patterns
        .iter()
        .filter_map(|p| {
            let conversion = match p.kind {
                PatternKind::Numeric => Conversion::Number,
                PatternKind::NoteToHz => Conversion::NoteToHz,
                PatternKind::Events => {
                    return events.then(|| (p.pattern.clone(), Conversion::Number))
                }
            };
            (!events).then(|| (p.pattern.clone(), conversion))
        })
        .collect()
}

/// xorshift64: block sizes that differ from run to run of the loop, the
/// same from test run to test run.
struct Blocks(u64);

impl Blocks {
    fn next(&mut self, max: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        // Mostly small blocks, some of a single sample, some long.
        match self.0 % 8 {
            0 => 1,
            1 => max,
            _ => 1 + (self.0 >> 8) as usize % max,
        }
    }

    /// Sizes adding up to `total`, each at most `max`.
    fn sizes(&mut self, total: usize, max: usize) -> Vec<usize> {
        let mut sizes = Vec::new();
        let mut left = total;
        while left > 0 {
            let size = self.next(max).min(left);
            sizes.push(size);
            left -= size;
        }
        sizes
    }

    /// Sizes adding up to `total`, multiples of [`CONTINUOUS_STEP`] but the
    /// first, which takes `start` to the step grid.
    fn aligned_sizes(&mut self, start: u64, total: usize, max: usize) -> Vec<usize> {
        let step = CONTINUOUS_STEP;
        let first = (step - start as usize % step) % step;
        let mut sizes = vec![first.min(total)];
        sizes.extend(
            self.sizes((total - first.min(total)) / step, max / step)
                .into_iter()
                .map(|n| n * step),
        );
        sizes.retain(|&n| n > 0);
        sizes
    }
}

/// One query per block: the control track as it was before query-ahead.
struct PerBlockTrack {
    pattern: Pattern<Value>,
    conversion: Conversion,
    held: f32,
    primed: bool,
}

impl PerBlockTrack {
    fn new(pattern: Pattern<Value>, conversion: Conversion) -> PerBlockTrack {
        PerBlockTrack {
            pattern,
            conversion,
            held: 0.0,
            primed: false,
        }
    }

    fn render(&mut self, clock: &SampleClock, start: u64, out: &mut [f32]) {
        let len = out.len();
        let haps = self.pattern.query(clock.onset_span(start, len));
        let continuous = haps.iter().any(|h| h.whole.is_none());
        let mut changes = Vec::new();
        if !self.primed {
            self.primed = true;
            let now = clock.cycle_at(start);
            let sounding = haps.iter().filter(|h| {
                h.whole
                    .is_some_and(|w| clock.sample_at_or_after(w.begin) < start && w.end > now)
            });
            if let Some(value) = sounding
                .filter_map(|h| self.conversion.convert(&h.value))
                .next_back()
            {
                self.held = value;
            }
        }
        for hap in haps.iter().filter(|h| h.has_onset()) {
            let (Some(whole), Some(value)) = (hap.whole, self.conversion.convert(&hap.value))
            else {
                continue;
            };
            let at = clock.sample_at_or_after(whole.begin);
            if at >= start && at < start + len as u64 {
                changes.push(((at - start) as usize, value));
            }
        }
        if continuous {
            for offset in (0..len).step_by(CONTINUOUS_STEP) {
                let step = CONTINUOUS_STEP.min(len - offset);
                for hap in self.pattern.query(clock.span(start + offset as u64, step)) {
                    if hap.whole.is_none() {
                        if let Some(value) = self.conversion.convert(&hap.value) {
                            changes.push((offset, value));
                        }
                    }
                }
            }
        }
        changes.sort_by_key(|&(offset, _)| offset);
        let mut next = 0;
        for (i, sample) in out.iter_mut().enumerate() {
            while next < changes.len() && changes[next].0 <= i {
                self.held = changes[next].1;
                next += 1;
            }
            *sample = self.held;
        }
    }
}

/// One query per block: the voice engine as it was before query-ahead.
struct PerBlockVoices {
    pattern: Pattern<Value>,
    samples: SampleCache,
    pool: VoicePool,
}

impl PerBlockVoices {
    fn new(pattern: Pattern<Value>, rate: u32) -> PerBlockVoices {
        PerBlockVoices {
            pattern,
            samples: SampleCache::new(library(), rate),
            pool: VoicePool::new(VOICES, rate),
        }
    }

    fn render(&mut self, clock: &SampleClock, start: u64, left: &mut [f32], right: &mut [f32]) {
        let mut onsets: Vec<Onset> = Vec::new();
        collect_onsets(
            &self.pattern,
            clock,
            start,
            left.len(),
            &mut self.samples,
            &mut onsets,
        );
        left.fill(0.0);
        right.fill(0.0);
        self.pool.render_with_onsets(&onsets, left, right);
    }
}

fn library() -> Arc<SampleLibrary> {
    Arc::new(SampleLibrary::default_kit())
}

/// Renders `sizes` blocks from `start` with `render`, concatenated.
fn in_blocks(start: u64, sizes: &[usize], mut render: impl FnMut(u64, &mut [f32])) -> Vec<f32> {
    let mut out = vec![0.0; sizes.iter().sum()];
    let mut done = 0;
    for &size in sizes {
        render(start + done as u64, &mut out[done..done + size]);
        done += size;
    }
    out
}

fn first_difference(a: &[f32], b: &[f32]) -> Option<(usize, f32, f32)> {
    a.iter()
        .zip(b)
        .enumerate()
        .find(|(_, (x, y))| x.to_bits() != y.to_bits())
        .map(|(i, (x, y))| (i, *x, *y))
}

/// A control track from `start` over `sizes`, query-ahead and per block;
/// and query-ahead with staggered windows into one reused buffer, as the
/// renderer renders, where a block that holds one value says so and is not
/// written again.
fn compare_track(
    pattern: &Pattern<Value>,
    conversion: Conversion,
    clock: &SampleClock,
    start: u64,
    sizes: &[usize],
    oracle_sizes: &[usize],
    what: &str,
) {
    let mut track = ControlTrack::new(pattern.clone(), conversion);
    let got = in_blocks(start, sizes, |at, out| {
        let constant = track.render(clock, at, out);
        if let Some(value) = constant {
            assert!(
                out.iter().all(|x| x.to_bits() == value.to_bits()),
                "{what}: a held block at {at}"
            );
        }
    });
    let mut oracle = PerBlockTrack::new(pattern.clone(), conversion);
    let expected = in_blocks(start, oracle_sizes, |at, out| oracle.render(clock, at, out));
    assert_eq!(
        first_difference(&got, &expected),
        None,
        "{what} from sample {start} (index, query-ahead, per block)"
    );
    // Staggered too: its windows end elsewhere, its values may not.
    let mut reusing = ControlTrack::new(pattern.clone(), conversion).staggered(2, 3);
    let (mut buffer, mut filled) = (vec![0.0; sizes.iter().copied().max().unwrap_or(0)], None);
    let reused = in_blocks(start, sizes, |at, out| {
        let block = &mut buffer[..out.len()];
        reusing.render_reusing(clock, at, block, &mut filled);
        out.copy_from_slice(block);
    });
    assert_eq!(
        first_difference(&reused, &expected),
        None,
        "{what} from sample {start} (index, one reused buffer, per block)"
    );
}

#[test]
fn control_tracks_match_per_block_queries_for_any_blocks() {
    let mut blocks = Blocks(0x9E37_79B9_7F4A_7C15);
    for source in CONTROL_PROGRAMS {
        for (pattern, conversion) in patterns(source, false) {
            for &c in CLOCKS {
                let clock = clock(c);
                let cycle = clock.samples_in_cycles(Fraction::ONE) as usize;
                let total = (3 * cycle).min(150_000);
                let what = format!("{source} at {c:?}");
                // Per-block sampling of continuous parts followed the block
                // start, so the reference blocks stay on the step grid;
                // discrete patterns are compared block for block as well.
                let late = (cycle as u64 * 7) / 3 + 5;
                let discrete = pattern
                    .query(clock.span(0, late as usize + total))
                    .iter()
                    .all(|h| h.whole.is_some());
                let sizes = blocks.sizes(total, 3000);
                let aligned = blocks.aligned_sizes(0, total, 3000);
                compare_track(&pattern, conversion, &clock, 0, &sizes, &aligned, &what);
                if discrete {
                    compare_track(&pattern, conversion, &clock, 0, &sizes, &sizes, &what);
                }
                // A late start mid-cycle, off the step grid: the first block
                // (which primes the value already sounding) is the same.
                let mut sizes = blocks.aligned_sizes(late, total, 3000);
                let oracle_sizes = sizes.clone();
                if discrete {
                    let first = sizes[0];
                    sizes = vec![first];
                    sizes.extend(blocks.sizes(total - first, 3000));
                }
                compare_track(
                    &pattern,
                    conversion,
                    &clock,
                    late,
                    &sizes,
                    &oracle_sizes,
                    &what,
                );
            }
        }
    }
}

#[test]
fn voice_engines_match_per_block_queries_for_any_blocks() {
    let mut blocks = Blocks(0xD1B5_4A32_D192_ED03);
    for source in EVENT_PROGRAMS {
        for (pattern, _) in patterns(source, true) {
            for &c in &CLOCKS[..4] {
                let clock = clock(c);
                let cycle = clock.samples_in_cycles(Fraction::ONE) as usize;
                let total = (3 * cycle).min(120_000);
                for start in [0, (cycle as u64 * 5) / 4 + 3] {
                    let sizes = blocks.sizes(total, 2048);
                    let mut engine = VoiceEngine::new(pattern.clone(), library(), c.0, VOICES);
                    let mut oracle = PerBlockVoices::new(pattern.clone(), c.0);
                    let mut got_right = Vec::new();
                    let got = in_blocks(start, &sizes, |at, left| {
                        let mut right = vec![0.0; left.len()];
                        engine.render_block(&clock, at, left, &mut right);
                        got_right.extend(right);
                    });
                    let mut expected_right = Vec::new();
                    let expected = in_blocks(start, &sizes, |at, left| {
                        let mut right = vec![0.0; left.len()];
                        oracle.render(&clock, at, left, &mut right);
                        expected_right.extend(right);
                    });
                    assert!(got.iter().any(|&x| x != 0.0), "{source} sounds");
                    let what = format!("{source} at {c:?} from {start}");
                    assert_eq!(first_difference(&got, &expected), None, "{what}: left");
                    assert_eq!(
                        first_difference(&got_right, &expected_right),
                        None,
                        "{what}: right"
                    );
                }
            }
        }
    }
}

fn renderer(source: &str, rate: u32) -> Renderer<Interpreter, ProgramVoices> {
    let program = compile(source);
    let voices = ProgramVoices::new(&program.graph, library(), rate, VOICES);
    Renderer::interpreted_with(program, voices, rate, 4096)
}

/// The master's left channel over `sizes` blocks.
fn render_master(renderer: &mut Renderer<Interpreter, ProgramVoices>, sizes: &[usize]) -> Vec<f32> {
    let mut right = vec![0.0; 4096];
    in_blocks(renderer.position(), sizes, |_, left| {
        renderer.render_block(left, &mut right[..left.len()]);
    })
}

#[test]
fn reset_plays_the_same_samples_again() {
    let source = "tempo: 0.7\n\
        o1: saw \"55 <82.5 110>\" # lpf (sine $ range 300 2000) 0.7 * 0.1\n\
        o2: s \"bd*4 [sn cp]\" # gain 0.4\n\
        o3: note \"c4 e4 g4?\" # s square # gain 0.2";
    let mut blocks = Blocks(7);
    let mut playing = renderer(source, 44_100);
    let sizes = blocks.aligned_sizes(0, 200_000, 4096);
    let first = render_master(&mut playing, &sizes);
    playing.reset();
    let again = render_master(&mut playing, &sizes);
    assert!(first.iter().any(|&x| x != 0.0));
    assert_eq!(first_difference(&first, &again), None);
}

/// The position a take-over happens at: mid-cycle, off the step grid.
fn play_until_mid_cycle(rate: u32) -> Renderer<Interpreter, ProgramVoices> {
    let mut old = renderer("tempo: 0.5\nout: \"0.05 0.1 0.15\"", rate);
    let mut blocks = Blocks(11);
    let sizes = blocks.sizes(2 * rate as usize + 7919, 1000);
    render_master(&mut old, &sizes);
    old
}

#[test]
fn a_program_taking_over_mid_cycle_queries_from_where_it_starts() {
    let rate = 44_100;
    let clock = SampleClock::new(rate, Fraction::new(1, 2));
    let mut blocks = Blocks(13);
    for body in [
        "\"<0.1 0.2> 0.3 [0.25 ~ 0.05]\" $ fast 3",
        "\"0.1(3,8) 0.2?\" $ slow 1.5",
        "saw $ range 0.1 0.3",
    ] {
        let source = format!("tempo: 0.5\nout: {body}");
        let mut old = play_until_mid_cycle(rate);
        let start = old.position();
        let mut new = renderer(&source, rate);
        new.take_over(&mut old, |_, _| {});
        assert_eq!(new.position(), start);
        let sizes = blocks.aligned_sizes(start, 3 * rate as usize, 4096);
        let got = render_master(&mut new, &sizes);
        let (pattern, conversion) = patterns(&source, false).remove(0);
        let mut oracle = PerBlockTrack::new(pattern, conversion);
        let expected = in_blocks(start, &sizes, |at, out| oracle.render(&clock, at, out));
        assert!(expected.iter().any(|&x| x != 0.0));
        assert_eq!(first_difference(&got, &expected), None, "{body}");
    }
    let source = "tempo: 0.5\nout: s \"bd*3 [sn hh]\" $ every 2 (fast 2) # gain 0.3";
    let mut old = play_until_mid_cycle(rate);
    let start = old.position();
    let mut new = renderer(source, rate);
    new.take_over(&mut old, |_, _| {});
    let sizes = blocks.sizes(3 * rate as usize, 4096);
    let got = render_master(&mut new, &sizes);
    let (pattern, _) = patterns(source, true).remove(0);
    let mut oracle = PerBlockVoices::new(pattern, rate);
    let expected = in_blocks(start, &sizes, |at, left| {
        let mut right = vec![0.0; left.len()];
        oracle.render(&clock, at, left, &mut right);
    });
    assert!(expected.iter().any(|&x| x != 0.0));
    assert_eq!(first_difference(&got, &expected), None, "events");
}

#[test]
fn control_tracks_refill_in_blocks_of_their_own() {
    // Four control tracks at 1/2 cps: 128-block windows, the first of
    // track k cut by k quarters, so each refills in a block of its own.
    let source = "tempo: 0.5\no1: saw \"55 110\" # lpf \"400 800\" \"0.5 0.7\" * \"0.1 0.2\"";
    let mut playing = renderer(source, 44_100);
    let counts = allocations_per_block(&mut playing, 200);
    let querying: Vec<usize> = (0..counts.len()).filter(|&b| counts[b] > 0).collect();
    assert_eq!(querying, [0, 32, 64, 96, 128, 160, 192]);
}

/// Allocator calls made while rendering each of `blocks` blocks of 512.
fn allocations_per_block(
    renderer: &mut Renderer<Interpreter, ProgramVoices>,
    blocks: usize,
) -> Vec<u32> {
    let (mut left, mut right) = (vec![0.0; 512], vec![0.0; 512]);
    (0..blocks)
        .map(|_| {
            reset_violation_count();
            assert_no_alloc(|| renderer.render_block(&mut left, &mut right));
            violation_count()
        })
        .collect()
}

#[test]
fn blocks_inside_a_window_neither_query_nor_allocate() {
    // At 1/2 cps and 44.1 kHz a cycle is 88200 samples, so voices' windows
    // are LOOKAHEAD_SAMPLES (16384) long, 32 blocks of 512 each, and control
    // tracks' CONTROL_LOOKAHEAD_SAMPLES (65536), 128 blocks; of two tracks,
    // the second's first window is cut to 64 blocks.
    let source = "tempo: 0.5\n\
        o1: saw \"55 <82.5 110> [220 165]*2\" # lpf \"400 800 1200\" 0.7 * 0.1\n\
        o2: s \"bd*4 [sn cp] hh*8\" # gain \"0.4 0.3\"";
    let mut playing = renderer(source, 44_100);
    let counts = allocations_per_block(&mut playing, 96);
    for (block, &count) in counts.iter().enumerate() {
        if block % 32 != 0 {
            assert_eq!(count, 0, "block {block} allocates");
        }
    }
    assert!(counts[0] > 0, "the first block queries");
    // A continuous pattern refills every 1024 samples: every second block.
    let mut playing = renderer(
        "tempo: 0.5\nout: saw 55 # lpf (sine $ range 300 900) 0.5",
        44_100,
    );
    let counts = allocations_per_block(&mut playing, 64);
    for (block, &count) in counts.iter().enumerate() {
        if block % 2 != 0 {
            assert_eq!(count, 0, "block {block} allocates");
        }
    }
}
