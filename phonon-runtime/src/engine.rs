//! The block renderer: drives an [`Engine`] (the reference interpreter, later
//! JIT code) with each block's control values, voice audio and cycle gate,
//! advances the exact sample clock, and mixes the outputs into the stereo
//! master through the limiter. Not file or device output (`render` and the
//! audio driver do that).

use crate::clock::SampleClock;
use crate::controls::{ControlTrack, Conversion};
use phonon_ir::dsp::master::Limiter;
use phonon_ir::graph::{OutputId, PatternId, PatternKind, StagedProgram};
use phonon_ir::pattern::Fraction;

pub use phonon_ir::interpret::{BlockInputs, Interpreter, OutputBuffers};

/// Something that computes a staged program's outputs block by block.
///
/// `process_block` renders `inputs.frames()` samples into `out`; it must not
/// allocate, lock or block. `reset` returns every node to its initial state.
pub trait Engine {
    fn process_block(&mut self, inputs: &BlockInputs, out: &mut OutputBuffers);
    fn reset(&mut self);

    /// Renders a block as `process_block` does and sums every output into
    /// `left` and `right` (overwriting them) as [`mix_outputs`] does. An
    /// engine may mix straight from its own buffers and leave `out` stale.
    fn process_and_mix(
        &mut self,
        inputs: &BlockInputs,
        out: &mut OutputBuffers,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        self.process_block(inputs, out);
        mix_outputs(out, left, right);
    }
}

/// Sums every output of `out` into `left` and `right` (overwriting them),
/// output by output in output order.
pub fn mix_outputs(out: &OutputBuffers, left: &mut [f32], right: &mut [f32]) {
    let outputs = (0..out.len()).map(|index| out.output(OutputId::new(index)));
    sum_channels(left, outputs.clone().map(|(l, _)| l));
    sum_channels(right, outputs.map(|(_, r)| r));
}

/// Writes `0 + c0 + c1 + ...` into `master`, sample by sample in the order
/// of `channels`, reading a channel shorter than `master` as zeros past its
/// end. Four channels are added per pass over `master` (the same additions
/// in the same order, so the same bits as one channel at a time), which
/// spares three loads and stores of the master in four.
pub fn sum_channels<'c>(master: &mut [f32], channels: impl IntoIterator<Item = &'c [f32]>) {
    master.fill(0.0);
    let mut pending: [&[f32]; 4] = [&[]; 4];
    let mut count = 0;
    for channel in channels {
        pending[count] = channel;
        count += 1;
        if count == pending.len() {
            add_four(master, pending);
            count = 0;
        }
    }
    for channel in &pending[..count] {
        add_one(master, channel);
    }
}

fn add_four(master: &mut [f32], [a, b, c, d]: [&[f32]; 4]) {
    let n = master.len();
    if [a, b, c, d].iter().any(|channel| channel.len() < n) {
        for channel in [a, b, c, d] {
            add_one(master, channel);
        }
        return;
    }
    let (a, b, c, d) = (&a[..n], &b[..n], &c[..n], &d[..n]);
    for ((((m, a), b), c), d) in master.iter_mut().zip(a).zip(b).zip(c).zip(d) {
        *m = *m + a + b + c + d;
    }
}

fn add_one(master: &mut [f32], channel: &[f32]) {
    let length = channel.len().min(master.len());
    let (head, tail) = master.split_at_mut(length);
    for (m, x) in head.iter_mut().zip(channel) {
        *m += x;
    }
    // A missing sample is a silent one, added as the copy of a shorter
    // buffer (zero-filled) would be: `-0 + 0` is `+0`.
    for m in tail {
        *m += 0.0;
    }
}

impl Engine for Interpreter {
    fn process_block(&mut self, inputs: &BlockInputs, out: &mut OutputBuffers) {
        Interpreter::process_block(self, inputs, out);
    }

    fn reset(&mut self) {
        Interpreter::reset(self);
    }
}

/// Renders the voices of event patterns (`s "bd sn"`, `note "c4"`): the
/// seam between the renderer and the voice engine.
///
/// Each block, the renderer calls `render` once for every event pattern of
/// the graph, in pattern order, with the samples the block covers.
pub trait VoiceSource {
    /// Writes the mixed voices of `pattern` for samples
    /// `[start, start + left.len())` into `left` and `right` (overwriting
    /// them; both have the same length).
    fn render(
        &mut self,
        pattern: PatternId,
        clock: &SampleClock,
        start: u64,
        left: &mut [f32],
        right: &mut [f32],
    );

    /// Stops every voice and rewinds to the start.
    fn reset(&mut self);
}

/// The voice source of a renderer with no voice engine attached: every
/// event pattern is silent.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoVoices;

impl VoiceSource for NoVoices {
    fn render(
        &mut self,
        _pattern: PatternId,
        _clock: &SampleClock,
        _start: u64,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        left.fill(0.0);
        right.fill(0.0);
    }

    fn reset(&mut self) {}
}

/// One program being rendered: an engine, its inputs, the clock and the
/// master. Everything the audio path needs is allocated by `new`.
pub struct Renderer<E, V> {
    program: StagedProgram,
    engine: E,
    voices: V,
    /// One track per numeric (or Hz) pattern, with what it left in its
    /// input buffer (see [`ControlTrack::render_reusing`]).
    controls: Vec<(PatternId, ControlTrack, Option<(u32, usize)>)>,
    /// The event patterns, rendered by `voices`.
    events: Vec<PatternId>,
    clock: SampleClock,
    /// Samples rendered since the start.
    position: u64,
    inputs: BlockInputs,
    outputs: OutputBuffers,
    limiter: Limiter,
    cycle_gate: CycleGate,
    max_block: usize,
}

impl Renderer<Interpreter, NoVoices> {
    /// `program` on the reference interpreter, without voices.
    pub fn interpreted(
        program: StagedProgram,
        rate: u32,
        max_block: usize,
    ) -> Renderer<Interpreter, NoVoices> {
        Renderer::interpreted_with(program, NoVoices, rate, max_block)
    }
}

impl<V: VoiceSource> Renderer<Interpreter, V> {
    /// `program` on the reference interpreter, its event patterns played by
    /// `voices` (built for the same program and rate).
    pub fn interpreted_with(
        program: StagedProgram,
        voices: V,
        rate: u32,
        max_block: usize,
    ) -> Renderer<Interpreter, V> {
        let engine = Interpreter::new(&program, rate, max_block.max(1));
        Renderer::new(program, engine, voices, rate, max_block)
    }
}

impl<E: Engine, V: VoiceSource> Renderer<E, V> {
    /// A renderer for `program` at `rate` Hz; `engine` must have been built
    /// for the same program, rate and at least `max_block` samples a block.
    pub fn new(
        program: StagedProgram,
        engine: E,
        voices: V,
        rate: u32,
        max_block: usize,
    ) -> Renderer<E, V> {
        let max_block = max_block.max(1);
        let graph = &program.graph;
        let controls = control_tracks(&program);
        let events = (0..graph.patterns.len())
            .map(PatternId::new)
            .filter(|&p| graph.pattern(p).kind == PatternKind::Events)
            .collect();
        let clock = SampleClock::new(rate, graph.tempo_cps);
        let inputs = BlockInputs::new(graph, max_block);
        let outputs = OutputBuffers::new(graph, max_block);
        Renderer {
            controls,
            events,
            clock,
            position: 0,
            inputs,
            outputs,
            limiter: Limiter::new(rate as f32),
            cycle_gate: CycleGate::default(),
            max_block,
            program,
            engine,
            voices,
        }
    }

    pub fn program(&self) -> &StagedProgram {
        &self.program
    }

    /// The engine, for what it reports (timings, its plan).
    pub fn engine(&self) -> &E {
        &self.engine
    }

    pub fn engine_mut(&mut self) -> &mut E {
        &mut self.engine
    }

    pub fn clock(&self) -> &SampleClock {
        &self.clock
    }

    /// The voice source, to collect its warnings or hand its voices over.
    pub fn voices_mut(&mut self) -> &mut V {
        &mut self.voices
    }

    /// Samples rendered since the start (the clock's position).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Whether the program has event patterns (their sound comes from the
    /// voice source).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Samples the master limiter has reduced since the start.
    pub fn limited_samples(&self) -> u64 {
        self.limiter.limited_samples()
    }

    /// Renders the next `left.len()` samples of the stereo master into
    /// `left` and `right` (which should have the same length; only the
    /// shorter length is rendered, the rest is set to silence).
    pub fn render_block(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.len().min(right.len());
        left[frames..].fill(0.0);
        right[frames..].fill(0.0);
        let mut done = 0;
        while done < frames {
            let len = (frames - done).min(self.max_block);
            self.render_chunk(&mut left[done..done + len], &mut right[done..done + len]);
            done += len;
        }
    }

    /// Hot swap: continues `old` from where it is. The clock position and
    /// the master limiter's gain carry over, and `adopt` moves node state
    /// from `old`'s engine into this one. This program's tempo counts from
    /// `old`'s cycle position at the swap, so the position never jumps.
    /// Allocates nothing.
    pub fn take_over(&mut self, old: &mut Renderer<E, V>, adopt: impl FnOnce(&mut E, &mut E)) {
        self.position = old.position;
        self.clock = self
            .clock
            .continuing_at(old.position, old.clock.cycle_at(old.position));
        std::mem::swap(&mut self.limiter, &mut old.limiter);
        adopt(&mut self.engine, &mut old.engine);
    }

    /// Back to sample 0 with every node, voice and control in its initial
    /// state. Keeps every buffer; the first blocks after it query their
    /// patterns again, as at the start.
    pub fn reset(&mut self) {
        self.engine.reset();
        self.voices.reset();
        for (_, track, _) in &mut self.controls {
            track.reset();
        }
        self.limiter.reset();
        self.position = 0;
    }

    /// Renders the next `frames` samples (at most `max_block`) of every
    /// output, unmixed and unlimited, into [`Renderer::outputs`]: for a
    /// caller that mixes the outputs itself (`phonon run`'s per-output
    /// crossfades).
    pub fn render_outputs(&mut self, frames: usize) {
        self.process(frames.min(self.max_block));
        self.position += self.outputs.frames() as u64;
    }

    /// Every output's samples from the last [`Renderer::render_outputs`].
    pub fn outputs(&self) -> &OutputBuffers {
        &self.outputs
    }

    /// At most `max_block` samples. The engine mixes, so
    /// [`Renderer::outputs`] may not hold this block.
    fn render_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.len();
        self.fill_inputs(frames);
        self.engine
            .process_and_mix(&self.inputs, &mut self.outputs, left, right);
        self.limiter.process(left, right);
        self.position += frames as u64;
    }

    /// Computes `frames` samples of every output into `self.outputs`,
    /// without advancing the position.
    fn process(&mut self, frames: usize) {
        self.fill_inputs(frames);
        self.engine.process_block(&self.inputs, &mut self.outputs);
    }

    /// Fills the inputs of the `frames` samples from the position.
    fn fill_inputs(&mut self, frames: usize) {
        let start = self.position;
        self.inputs.set_frames(frames);
        for (pattern, track, filled) in &mut self.controls {
            let buffer = self.inputs.control_mut(*pattern);
            let constant = track.render_reusing(&self.clock, start, buffer, filled);
            self.inputs.set_control_constant(*pattern, constant);
        }
        for &pattern in &self.events {
            let (voice_left, voice_right) = self.inputs.voices_mut(pattern);
            self.voices
                .render(pattern, &self.clock, start, voice_left, voice_right);
        }
        self.cycle_gate
            .fill(&self.clock, start, self.inputs.cycle_gate_mut());
    }
}

fn control_tracks(program: &StagedProgram) -> Vec<(PatternId, ControlTrack, Option<(u32, usize)>)> {
    let graph = &program.graph;
    let controls: Vec<(PatternId, Conversion)> = (0..graph.patterns.len())
        .map(PatternId::new)
        .filter_map(|p| {
            let conversion = match graph.pattern(p).kind {
                PatternKind::Numeric => Conversion::Number,
                PatternKind::NoteToHz => Conversion::NoteToHz,
                PatternKind::Events => return None,
            };
            Some((p, conversion))
        })
        .collect();
    let count = controls.len();
    controls
        .into_iter()
        .enumerate()
        .map(|(index, (p, conversion))| {
            let track = ControlTrack::new(graph.pattern(p).pattern.clone(), conversion)
                .staggered(index, count);
            (p, track, None)
        })
        .collect()
}

/// Writes `floor(cycle) + 1` for samples `[start, start + gate.len())`:
/// constant within a cycle, changing on the first sample at or after each
/// cycle start, where the envelopes outside voices retrigger.
pub fn fill_cycle_gate(clock: &SampleClock, start: u64, gate: &mut [f32]) {
    CycleGate::default().fill(clock, start, gate);
}

/// The cycle gate with the current cycle's samples remembered, so that the
/// blocks inside one cycle do no rational arithmetic.
#[derive(Clone, Copy, Debug, Default)]
pub struct CycleGate {
    /// The cycle of samples `[first, next)`; an empty range knows nothing.
    cycle: i64,
    first: u64,
    next: u64,
}

impl CycleGate {
    /// Writes the gate of samples `[start, start + gate.len())`, as
    /// [`fill_cycle_gate`].
    pub fn fill(&mut self, clock: &SampleClock, start: u64, gate: &mut [f32]) {
        let mut i = 0;
        while i < gate.len() {
            let sample = start + i as u64;
            let end = if (self.first..self.next).contains(&sample) {
                usize::try_from(self.next - start).map_or(gate.len(), |end| end.min(gate.len()))
            } else {
                self.find_cycle(clock, sample, start, gate.len())
            };
            gate[i..end].fill((self.cycle + 1) as f32);
            i = end;
        }
    }

    /// Finds the cycle of `sample` and returns where it ends in the block
    /// of `len` samples from `start`.
    fn find_cycle(&mut self, clock: &SampleClock, sample: u64, start: u64, len: usize) -> usize {
        self.cycle = clock.cycle_at(sample).floor_int();
        let next = clock.sample_at_or_after(Fraction::from_int(self.cycle.saturating_add(1)));
        if next > sample {
            self.first = clock.sample_at_or_after(Fraction::from_int(self.cycle));
            self.next = next;
            usize::try_from(next - start).map_or(len, |end| end.min(len))
        } else {
            // A stopped clock (tempo 0) never reaches the next cycle: the
            // cycle holds to the end of the block and is looked up again.
            self.first = 0;
            self.next = 0;
            len
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonon_ir::graph::{
        ControlPattern, Graph, Kernel, KernelId, KernelKind, NodeId, Op, Output, Stage,
    };
    use phonon_ir::pattern::{Pattern, Value};
    use phonon_syntax::Span;

    /// `out = control p0` (mono) plus `o2 = left, right` constants.
    fn program(pattern: Pattern<Value>, right: f32) -> StagedProgram {
        let mut graph = Graph::default();
        let p = graph.add_pattern(ControlPattern {
            pattern,
            kind: PatternKind::Numeric,
            span: Span::default(),
            text: String::new(),
        });
        let control = graph.add_node(Op::Control(p), Vec::new(), Span::default(), None);
        let zero = graph.add_node(Op::Const(0.0), Vec::new(), Span::default(), None);
        let constant = graph.add_node(Op::Const(right), Vec::new(), Span::default(), None);
        for (name, left, right) in [("out", control, control), ("o2", zero, constant)] {
            graph.outputs.push(Output {
                name: name.into(),
                number: None,
                left,
                right,
                span: Span::default(),
            });
        }
        StagedProgram {
            graph,
            kernels: vec![Kernel {
                kind: KernelKind::Output(OutputId(0)),
                nodes: vec![NodeId(0), NodeId(1), NodeId(2)],
                feedback: Vec::new(),
            }],
            stages: vec![Stage {
                kernels: vec![KernelId(0)],
            }],
        }
    }

    fn numbers(text: &str) -> Pattern<Value> {
        phonon_ir::pattern::mini::parse_pattern(text).expect("mini-notation")
    }

    #[test]
    fn outputs_sum_into_the_master_with_mono_on_both_channels() {
        let mut renderer = Renderer::interpreted(program(numbers("0.25 0.5"), 0.125), 100, 16);
        let mut left = vec![0.0; 400];
        let mut right = vec![0.0; 400];
        renderer.render_block(&mut left, &mut right);
        // Tempo 1/2 at 100 Hz: a cycle is 200 samples, each event 100.
        assert_eq!(left[99], 0.25);
        assert_eq!(left[100], 0.5);
        assert_eq!(right[99], 0.25 + 0.125);
        assert_eq!(right[100], 0.5 + 0.125);
        assert_eq!(renderer.position(), 400);
        assert_eq!(renderer.limited_samples(), 0);
    }

    #[test]
    fn summing_four_channels_a_pass_gives_the_bits_of_one_at_a_time() {
        // Values of very different sizes, so the order of the additions
        // shows in the result.
        let channels: Vec<Vec<f32>> = (0..11)
            .map(|c| {
                (0..37)
                    .map(|i| ((i * 7 + c * 13) % 17) as f32 * 10f32.powi((i + c) as i32 % 9 - 4))
                    .map(|x| if (c + 1) % 3 == 0 { -x } else { x })
                    .collect()
            })
            .collect();
        for length in [0, 1, 20, 37] {
            let mut channels: Vec<&[f32]> = channels.iter().map(|c| c.as_slice()).collect();
            // A short channel and a missing one read as silence.
            channels[5] = &channels[5][..length.min(12)];
            channels[9] = &[];
            let mut expected = vec![0.0f32; length];
            for channel in &channels {
                for (i, m) in expected.iter_mut().enumerate() {
                    *m += channel.get(i).copied().unwrap_or(0.0);
                }
            }
            let mut got = vec![1.0f32; length];
            sum_channels(&mut got, channels.iter().copied());
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&expected), "length {length}");
        }
    }

    #[test]
    fn block_sizes_do_not_change_the_output() {
        let render = |chunks: &[usize]| {
            let mut renderer =
                Renderer::interpreted(program(numbers("0.1 0.2 0.3"), 0.0), 1000, 64);
            let mut left = Vec::new();
            for &size in chunks.iter().cycle().take(40) {
                let mut l = vec![0.0; size];
                let mut r = vec![0.0; size];
                renderer.render_block(&mut l, &mut r);
                left.extend(l);
            }
            left.truncate(1000);
            left
        };
        assert_eq!(render(&[100]), render(&[7, 200, 33]));
    }

    #[test]
    fn the_limiter_keeps_the_master_below_the_ceiling_and_counts() {
        let mut renderer = Renderer::interpreted(program(numbers("0.9"), 0.9), 1000, 64);
        let mut left = vec![0.0; 100];
        let mut right = vec![0.0; 100];
        renderer.render_block(&mut left, &mut right);
        assert!(right.iter().all(|&x| x <= Limiter::CEILING));
        assert_eq!(renderer.limited_samples(), 100);
    }

    #[test]
    fn the_cycle_gate_counts_cycles_from_one_and_changes_on_the_cycle_start() {
        let clock = SampleClock::new(44_100, Fraction::new(1, 2));
        let mut gate = vec![0.0; 300];
        fill_cycle_gate(&clock, 88_200 - 100, &mut gate);
        assert!(gate[..100].iter().all(|&g| g == 1.0));
        assert!(gate[100..].iter().all(|&g| g == 2.0));
        let stopped = SampleClock::new(44_100, Fraction::ZERO);
        fill_cycle_gate(&stopped, 5, &mut gate);
        assert!(gate.iter().all(|&g| g == 1.0));
    }

    #[test]
    fn the_remembered_cycle_gate_matches_a_fresh_one_for_any_blocks() {
        for cps in [
            Fraction::new(7, 3),
            Fraction::new(1, 2),
            Fraction::from_int(40),
            Fraction::ZERO,
        ] {
            let clock = SampleClock::new(48_000, cps);
            let mut remembered = CycleGate::default();
            let mut start = 0u64;
            for len in [1usize, 700, 20_571, 3, 20_572, 4096, 1, 1, 999].repeat(4) {
                let mut got = vec![0.0; len];
                let mut expected = vec![0.0; len];
                remembered.fill(&clock, start, &mut got);
                fill_cycle_gate(&clock, start, &mut expected);
                assert_eq!(got, expected, "{cps:?} at {start}");
                start += len as u64;
            }
            // A jump back looks the cycle up again.
            let mut got = vec![0.0; 64];
            let mut expected = vec![0.0; 64];
            remembered.fill(&clock, 10, &mut got);
            fill_cycle_gate(&clock, 10, &mut expected);
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn reset_starts_again_from_the_first_sample() {
        let mut renderer = Renderer::interpreted(program(numbers("0.1 0.2"), 0.0), 100, 32);
        let mut first = vec![0.0; 150];
        let mut scratch = vec![0.0; 150];
        renderer.render_block(&mut first, &mut scratch);
        renderer.reset();
        let mut again = vec![0.0; 150];
        renderer.render_block(&mut again, &mut scratch);
        assert_eq!(first, again);
    }
}
