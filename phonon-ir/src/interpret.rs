//! The reference interpreter: runs a [`StagedProgram`] block by block with
//! the reference DSP nodes of [`crate::dsp`]. It is the oracle every faster
//! engine (JIT code, threaded schedules) is tested against: simple, exact,
//! `f32`. It is not the fast path, and it knows nothing of clocks, patterns
//! or voices: the runtime hands it each block's inputs as buffers.
//!
//! # Evaluation order
//!
//! Stages run in order, the kernels of a stage in order, the nodes of a
//! kernel in the kernel's order. A kernel without a feedback cycle runs node
//! by node, each over the whole block. A kernel holding a [`Op::Delay1`] runs
//! sample by sample: at each sample every node of the kernel computes a block
//! of one sample, in kernel order; a `Delay1` outputs the value its input had
//! on the previous sample (0 on the first), and takes its input's new value
//! once the whole kernel has run that sample. The DSP nodes give identical
//! output for any block size, so the two modes agree wherever both apply.
//!
//! # Inputs and outputs
//!
//! [`BlockInputs`] holds, per [`PatternId`], the buffers the runtime fills
//! for the block: a control pattern (numeric or Hz) has one buffer of held
//! values; an event pattern has two, the left and right channels of its
//! mixed voices. An [`Op::Voices`] node reads the channel it names. The cycle gate
//! is one more buffer: `floor(cycle) + 1` at each sample, the value the
//! envelopes retrigger on (see [`crate::dsp::env`]). [`OutputBuffers`] holds
//! a left and a right buffer per graph output (the same samples in both for
//! a mono output).
//!
//! # Containment and allocation
//!
//! Arithmetic that would give NaN or an infinity (`x / 0`, an overflow)
//! gives 0 at the node that makes it; DSP nodes contain their own. Every
//! buffer and node is allocated by [`Interpreter::new`]; `process_block` and
//! `reset` never allocate.

use crate::dsp::{self, master::Pan, MonoNode};
use crate::graph::{Channel, Graph, NodeId, Op, OutputId, PatternId, PatternKind, StagedProgram};

/// The most parameters a DSP node may take (the spec table's largest is
/// well below this); further inputs read as missing, so as defaults.
pub const MAX_PARAMS: usize = 16;

/// The seed of the random node `node` (noise, pink): fixed by the node id, so
/// every render of a program is identical. Other engines use the same seeds
/// to match the interpreter.
pub fn noise_seed(node: NodeId) -> u64 {
    // SplitMix64's finaliser: neighbouring ids give unrelated seeds.
    let mut z = u64::from(node.0).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The per-block input buffers of an engine, one set per pattern of the
/// graph plus the cycle gate. Allocated once for a block size; the runtime
/// fills the first [`frames`](BlockInputs::frames) samples of each buffer.
#[derive(Clone, Debug)]
pub struct BlockInputs {
    frames: usize,
    max_block: usize,
    /// Per pattern: `[values, empty]` for a control, `[left, right]` for
    /// event voices.
    patterns: Vec<[Vec<f32>; 2]>,
    /// Per pattern: the one value a control holds through the whole block,
    /// where its writer said so (see [`BlockInputs::set_control_constant`]).
    constants: Vec<Option<f32>>,
    cycle_gate: Vec<f32>,
}

impl BlockInputs {
    /// Buffers for every pattern of `graph`, each `max_block` samples long;
    /// the block starts full length.
    pub fn new(graph: &Graph, max_block: usize) -> BlockInputs {
        let patterns = graph
            .patterns
            .iter()
            .map(|p| match p.kind {
                PatternKind::Events => [vec![0.0; max_block], vec![0.0; max_block]],
                PatternKind::Numeric | PatternKind::NoteToHz => [vec![0.0; max_block], Vec::new()],
            })
            .collect();
        BlockInputs {
            frames: max_block,
            max_block,
            patterns,
            constants: vec![None; graph.patterns.len()],
            cycle_gate: vec![0.0; max_block],
        }
    }

    /// Samples in the current block.
    pub fn frames(&self) -> usize {
        self.frames
    }

    pub fn max_block(&self) -> usize {
        self.max_block
    }

    /// Sets the length of the current block (at most `max_block`).
    pub fn set_frames(&mut self, frames: usize) {
        self.frames = frames.min(self.max_block);
    }

    /// The held values of control pattern `p` for this block (empty for an
    /// unknown pattern).
    pub fn control(&self, p: PatternId) -> &[f32] {
        self.channel(p, 0)
    }

    /// Forgets what [`BlockInputs::control_constant`] said of `p`: the
    /// caller may write anything.
    pub fn control_mut(&mut self, p: PatternId) -> &mut [f32] {
        if let Some(constant) = self.constants.get_mut(p.index()) {
            *constant = None;
        }
        self.channel_mut(p, 0)
    }

    /// Records that control `p` holds `value` through this block (as just
    /// written through [`BlockInputs::control_mut`]), or `None`.
    pub fn set_control_constant(&mut self, p: PatternId, value: Option<f32>) {
        if let Some(constant) = self.constants.get_mut(p.index()) {
            *constant = value;
        }
    }

    /// The one value control `p` holds through this block, where its writer
    /// recorded one: a reader may then skip reading the buffer.
    pub fn control_constant(&self, p: PatternId) -> Option<f32> {
        self.constants.get(p.index()).copied().flatten()
    }

    /// The left and right mixed voices of event pattern `p` for this block.
    pub fn voices(&self, p: PatternId) -> (&[f32], &[f32]) {
        (self.channel(p, 0), self.channel(p, 1))
    }

    pub fn voices_mut(&mut self, p: PatternId) -> (&mut [f32], &mut [f32]) {
        let frames = self.frames;
        match self.patterns.get_mut(p.index()) {
            Some([left, right]) => (clip_mut(left, frames), clip_mut(right, frames)),
            None => (&mut [], &mut []),
        }
    }

    /// `floor(cycle) + 1` at each sample of the block.
    pub fn cycle_gate(&self) -> &[f32] {
        clip(&self.cycle_gate, self.frames)
    }

    pub fn cycle_gate_mut(&mut self) -> &mut [f32] {
        clip_mut(&mut self.cycle_gate, self.frames)
    }

    /// Copies the current block of `source` (a set of buffers made for the
    /// same graph) into this one, without allocating: an engine that runs on
    /// other threads keeps its own copy of each block's inputs. Buffers that
    /// differ in shape are copied as far as they agree.
    pub fn copy_from(&mut self, source: &BlockInputs) {
        self.set_frames(source.frames);
        let frames = self.frames;
        let pairs = self.patterns.iter_mut().zip(&source.patterns);
        for (own, theirs) in pairs.flat_map(|(own, theirs)| own.iter_mut().zip(theirs)) {
            copy_prefix(own, theirs, frames);
        }
        copy_prefix(&mut self.cycle_gate, &source.cycle_gate, frames);
    }

    fn channel(&self, p: PatternId, channel: usize) -> &[f32] {
        self.patterns
            .get(p.index())
            .map_or(&[], |buffers| clip(&buffers[channel], self.frames))
    }

    fn channel_mut(&mut self, p: PatternId, channel: usize) -> &mut [f32] {
        let frames = self.frames;
        match self.patterns.get_mut(p.index()) {
            Some(buffers) => clip_mut(&mut buffers[channel], frames),
            None => &mut [],
        }
    }
}

/// A left and a right buffer per output of the graph, in output order.
#[derive(Clone, Debug)]
pub struct OutputBuffers {
    frames: usize,
    max_block: usize,
    outputs: Vec<[Vec<f32>; 2]>,
}

impl OutputBuffers {
    pub fn new(graph: &Graph, max_block: usize) -> OutputBuffers {
        OutputBuffers {
            frames: max_block,
            max_block,
            outputs: graph
                .outputs
                .iter()
                .map(|_| [vec![0.0; max_block], vec![0.0; max_block]])
                .collect(),
        }
    }

    /// Samples written by the last block.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Sets the length of the current block (at most the allocated length).
    pub fn set_frames(&mut self, frames: usize) {
        self.frames = frames.min(self.max_block);
    }

    /// How many outputs there are.
    pub fn len(&self) -> usize {
        self.outputs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    /// The left and right samples of output `o` in the current block.
    pub fn output(&self, o: OutputId) -> (&[f32], &[f32]) {
        match self.outputs.get(o.index()) {
            Some([left, right]) => (clip(left, self.frames), clip(right, self.frames)),
            None => (&[], &[]),
        }
    }

    pub fn output_mut(&mut self, o: OutputId) -> (&mut [f32], &mut [f32]) {
        let frames = self.frames;
        match self.outputs.get_mut(o.index()) {
            Some([left, right]) => (clip_mut(left, frames), clip_mut(right, frames)),
            None => (&mut [], &mut []),
        }
    }
}

fn copy_prefix(target: &mut [f32], source: &[f32], frames: usize) {
    let len = frames.min(target.len()).min(source.len());
    target[..len].copy_from_slice(&source[..len]);
}

fn clip(buffer: &[f32], frames: usize) -> &[f32] {
    &buffer[..frames.min(buffer.len())]
}

fn clip_mut(buffer: &mut [f32], frames: usize) -> &mut [f32] {
    let frames = frames.min(buffer.len());
    &mut buffer[..frames]
}

/// What one node does, prepared from its [`Op`].
pub(crate) enum Prepared {
    /// Filled once by `new`; nothing to do per block.
    Const,
    Control(PatternId),
    Voices(PatternId, Channel),
    CycleGate,
    Dsp {
        /// `None` only for a stereo node used as mono (the lowering never
        /// does this; it outputs silence).
        node: Option<Box<dyn MonoNode>>,
        /// Whether `inputs[0]` fills the node's input slot (a processor's
        /// signal, an envelope's gate) rather than its first parameter.
        has_input: bool,
    },
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    /// The input's value on the previous sample.
    Delay1 {
        previous: f32,
    },
    PanLeft,
    PanRight,
}

pub(crate) struct NodeRun {
    pub(crate) prepared: Prepared,
    pub(crate) inputs: Vec<NodeId>,
}

/// A kernel ready to run.
struct Step {
    nodes: Vec<NodeId>,
    /// `(delay node, its input)` for every `Delay1` of the kernel; when
    /// not empty the kernel runs sample by sample.
    delays: Vec<(NodeId, NodeId)>,
}

/// The reference engine for one staged program at one sample rate.
pub struct Interpreter {
    nodes: Vec<NodeRun>,
    /// One buffer of `max_block` samples per node.
    buffers: Vec<Vec<f32>>,
    steps: Vec<Step>,
    /// `(left, right)` node of each output.
    outputs: Vec<(NodeId, NodeId)>,
    max_block: usize,
}

impl Interpreter {
    /// Prepares `program` to run at `rate` Hz in blocks of at most
    /// `max_block` samples: every buffer and DSP node is allocated here.
    pub fn new(program: &StagedProgram, rate: u32, max_block: usize) -> Interpreter {
        let graph = &program.graph;
        let nodes: Vec<NodeRun> = graph
            .node_ids()
            .map(|id| {
                let node = graph.node(id);
                NodeRun {
                    prepared: prepare(&node.op, id, rate),
                    inputs: node.inputs.clone(),
                }
            })
            .collect();
        let buffers = graph
            .nodes
            .iter()
            .map(|node| match node.op {
                Op::Const(value) => vec![value; max_block],
                _ => vec![0.0; max_block],
            })
            .collect();
        let steps = program
            .stages
            .iter()
            .flat_map(|stage| &stage.kernels)
            .map(|&kernel| {
                let kernel = program.kernel(kernel);
                let delays = kernel
                    .nodes
                    .iter()
                    .filter(|&&id| graph.node(id).op == Op::Delay1)
                    .filter_map(|&id| graph.node(id).inputs.first().map(|&input| (id, input)))
                    .collect();
                Step {
                    nodes: kernel.nodes.clone(),
                    delays,
                }
            })
            .collect();
        let outputs = graph.outputs.iter().map(|o| (o.left, o.right)).collect();
        Interpreter {
            nodes,
            buffers,
            steps,
            outputs,
            max_block,
        }
    }

    /// Hot swap: takes over the running state (oscillator phases, filter
    /// memories, delay lines) of `old`'s nodes. Each pair is `(node here,
    /// node in old)` of the same operation; the two nodes' states trade
    /// places, so nothing is allocated or freed and `old` (dropped later,
    /// elsewhere) keeps the fresh state. Pairs of different operations are
    /// skipped.
    pub fn adopt_state(&mut self, old: &mut Interpreter, pairs: &[(NodeId, NodeId)]) {
        for &(new_id, old_id) in pairs {
            let (Some(new_node), Some(old_node)) = (
                self.nodes.get_mut(new_id.index()),
                old.nodes.get_mut(old_id.index()),
            ) else {
                continue;
            };
            match (&mut new_node.prepared, &mut old_node.prepared) {
                (Prepared::Dsp { node: new_dsp, .. }, Prepared::Dsp { node: old_dsp, .. }) => {
                    std::mem::swap(new_dsp, old_dsp)
                }
                (
                    Prepared::Delay1 {
                        previous: new_previous,
                    },
                    Prepared::Delay1 {
                        previous: old_previous,
                    },
                ) => std::mem::swap(new_previous, old_previous),
                _ => {}
            }
        }
    }

    /// Returns every node to the state `new` left it in, so the same inputs
    /// give the same output again.
    pub fn reset(&mut self) {
        for node in &mut self.nodes {
            match &mut node.prepared {
                Prepared::Dsp {
                    node: Some(dsp), ..
                } => dsp.reset(),
                Prepared::Delay1 { previous } => *previous = 0.0,
                _ => {}
            }
        }
    }

    /// Computes one block: `inputs.frames()` samples (at most `max_block`)
    /// into `out`, whose length is set to match.
    pub fn process_block(&mut self, inputs: &BlockInputs, out: &mut OutputBuffers) {
        let frames = inputs.frames().min(self.max_block);
        for step in 0..self.steps.len() {
            if self.steps[step].delays.is_empty() {
                for k in 0..self.steps[step].nodes.len() {
                    let id = self.steps[step].nodes[k];
                    self.run_node(id, inputs, 0, frames);
                }
            } else {
                self.run_per_sample(step, inputs, frames);
            }
        }
        out.set_frames(frames);
        for (index, &(left, right)) in self.outputs.iter().enumerate() {
            let (out_left, out_right) = out.output_mut(OutputId::new(index));
            copy_into(out_left, &self.buffers[left.index()]);
            copy_into(out_right, &self.buffers[right.index()]);
        }
    }

    /// A kernel with a feedback cycle: one sample at a time.
    fn run_per_sample(&mut self, step: usize, inputs: &BlockInputs, frames: usize) {
        for i in 0..frames {
            for k in 0..self.steps[step].nodes.len() {
                let id = self.steps[step].nodes[k];
                self.run_node(id, inputs, i, i + 1);
            }
            for d in 0..self.steps[step].delays.len() {
                let (delay, input) = self.steps[step].delays[d];
                let value = self.buffers[input.index()].get(i).copied().unwrap_or(0.0);
                if let Prepared::Delay1 { previous } = &mut self.nodes[delay.index()].prepared {
                    *previous = value;
                }
            }
        }
    }

    /// Computes samples `from..to` of node `id`.
    fn run_node(&mut self, id: NodeId, inputs: &BlockInputs, from: usize, to: usize) {
        let Some(node) = self.nodes.get_mut(id.index()) else {
            return;
        };
        if matches!(node.prepared, Prepared::Const) {
            return;
        }
        // Taken out so its inputs can be read while it is written; a node
        // reading itself (only a `Delay1` of itself could) reads silence.
        let mut buffer = std::mem::take(&mut self.buffers[id.index()]);
        if let Some(out) = buffer.get_mut(from..to) {
            let args = Args {
                ids: &node.inputs,
                buffers: &self.buffers,
                from,
                to,
            };
            evaluate(&mut node.prepared, &args, inputs, from, out);
        }
        self.buffers[id.index()] = buffer;
    }
}

/// The input buffers of one node over one range of samples.
pub(crate) struct Args<'a> {
    pub(crate) ids: &'a [NodeId],
    pub(crate) buffers: &'a [Vec<f32>],
    pub(crate) from: usize,
    pub(crate) to: usize,
}

impl<'a> Args<'a> {
    /// Input `k` over the range; empty (read as silence) if missing.
    fn get(&self, k: usize) -> &'a [f32] {
        self.ids
            .get(k)
            .and_then(|id| self.buffers.get(id.index()))
            .and_then(|buffer| buffer.get(self.from..self.to))
            .unwrap_or(&[])
    }
}

pub(crate) fn evaluate(
    prepared: &mut Prepared,
    args: &Args<'_>,
    inputs: &BlockInputs,
    from: usize,
    out: &mut [f32],
) {
    let range = from..from + out.len();
    match prepared {
        Prepared::Const => {}
        Prepared::Control(p) => copy_range(out, inputs.control(*p), range),
        Prepared::CycleGate => copy_range(out, inputs.cycle_gate(), range),
        Prepared::Voices(p, channel) => {
            let (left, right) = inputs.voices(*p);
            let voices = match channel {
                Channel::Left => left,
                Channel::Right => right,
            };
            for (i, y) in range.zip(out.iter_mut()) {
                *y = finite_or_zero(sample(voices, i));
            }
        }
        Prepared::Dsp { node, has_input } => {
            let Some(node) = node else {
                out.fill(0.0);
                return;
            };
            let first_param = usize::from(*has_input);
            let input = if *has_input { args.get(0) } else { &[] };
            let mut params: [&[f32]; MAX_PARAMS] = [&[]; MAX_PARAMS];
            let count = args.ids.len().saturating_sub(first_param).min(MAX_PARAMS);
            for (k, param) in params.iter_mut().take(count).enumerate() {
                *param = args.get(first_param + k);
            }
            node.process(input, &params[..count], out);
        }
        Prepared::Add => binary(args, out, |a, b| a + b),
        Prepared::Sub => binary(args, out, |a, b| a - b),
        Prepared::Mul => binary(args, out, |a, b| a * b),
        Prepared::Div => binary(args, out, |a, b| a / b),
        Prepared::Neg => {
            let x = args.get(0);
            for (i, y) in out.iter_mut().enumerate() {
                *y = finite_or_zero(-sample(x, i));
            }
        }
        Prepared::Delay1 { previous } => out.fill(*previous),
        Prepared::PanLeft => pan(args, out, |(left, _)| left),
        Prepared::PanRight => pan(args, out, |(_, right)| right),
    }
}

pub(crate) fn prepare(op: &Op, id: NodeId, rate: u32) -> Prepared {
    match op {
        Op::Const(_) => Prepared::Const,
        Op::Control(p) => Prepared::Control(*p),
        Op::Voices(p, channel) => Prepared::Voices(*p, *channel),
        Op::CycleGate => Prepared::CycleGate,
        Op::Dsp(kind) => {
            let spec = dsp::spec::of(*kind);
            Prepared::Dsp {
                node: dsp::build(*kind, rate as f32, noise_seed(id)),
                has_input: spec.has_input || spec.gated,
            }
        }
        Op::Add => Prepared::Add,
        Op::Sub => Prepared::Sub,
        Op::Mul => Prepared::Mul,
        Op::Div => Prepared::Div,
        Op::Neg => Prepared::Neg,
        Op::Delay1 => Prepared::Delay1 { previous: 0.0 },
        Op::PanLeft => Prepared::PanLeft,
        Op::PanRight => Prepared::PanRight,
    }
}

#[inline]
fn sample(buffer: &[f32], i: usize) -> f32 {
    buffer.get(i).copied().unwrap_or(0.0)
}

#[inline]
fn finite_or_zero(x: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

fn binary(args: &Args<'_>, out: &mut [f32], op: impl Fn(f32, f32) -> f32) {
    let (a, b) = (args.get(0), args.get(1));
    for (i, y) in out.iter_mut().enumerate() {
        *y = finite_or_zero(op(sample(a, i), sample(b, i)));
    }
}

fn pan(args: &Args<'_>, out: &mut [f32], side: impl Fn((f32, f32)) -> f32) {
    let (signal, position) = (args.get(0), args.get(1));
    for (i, y) in out.iter_mut().enumerate() {
        *y = side(Pan::tick(sample(signal, i), sample(position, i)));
    }
}

/// `out[j] = source[range.start + j]`, silence past the source's end.
fn copy_range(out: &mut [f32], source: &[f32], range: std::ops::Range<usize>) {
    for (i, y) in range.zip(out.iter_mut()) {
        *y = sample(source, i);
    }
}

fn copy_into(out: &mut [f32], source: &[f32]) {
    for (i, y) in out.iter_mut().enumerate() {
        *y = sample(source, i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::master::pan_gains;
    use crate::dsp::NodeKind;
    use crate::graph::{ControlPattern, Kernel, KernelId, KernelKind, Output, Stage};
    use crate::pattern::{silence, Value};
    use phonon_syntax::Span;

    const RATE: u32 = 48_000;

    fn node(graph: &mut Graph, op: Op, inputs: &[NodeId]) -> NodeId {
        graph.add_node(op, inputs.to_vec(), Span::default(), None)
    }

    fn pattern(graph: &mut Graph, kind: PatternKind) -> PatternId {
        graph.add_pattern(ControlPattern {
            pattern: silence::<Value>(),
            kind,
            span: Span::default(),
            text: String::new(),
        })
    }

    fn output(graph: &mut Graph, left: NodeId, right: NodeId) {
        graph.outputs.push(Output {
            name: "out".into(),
            number: None,
            left,
            right,
            span: Span::default(),
        });
    }

    /// Every node in one kernel, in id order (valid for graphs built with
    /// inputs first, `Delay1` back edges aside).
    fn one_kernel(graph: Graph) -> StagedProgram {
        let nodes = graph.node_ids().collect();
        StagedProgram {
            graph,
            kernels: vec![Kernel {
                kind: KernelKind::Output(OutputId(0)),
                nodes,
                feedback: Vec::new(),
            }],
            stages: vec![Stage {
                kernels: vec![KernelId(0)],
            }],
        }
    }

    /// Runs `program` over `total` samples in blocks of the given sizes
    /// (cycled), with `fill` writing each block's inputs from its start
    /// sample; returns output 0's left and right.
    fn run(
        program: &StagedProgram,
        block_sizes: &[usize],
        total: usize,
        mut fill: impl FnMut(&mut BlockInputs, usize),
    ) -> (Vec<f32>, Vec<f32>) {
        let max_block = *block_sizes.iter().max().unwrap();
        let mut interpreter = Interpreter::new(program, RATE, max_block);
        let mut inputs = BlockInputs::new(&program.graph, max_block);
        let mut out = OutputBuffers::new(&program.graph, max_block);
        let (mut left, mut right) = (Vec::new(), Vec::new());
        let mut done = 0;
        for &size in block_sizes.iter().cycle() {
            if done >= total {
                break;
            }
            inputs.set_frames(size.min(total - done));
            fill(&mut inputs, done);
            interpreter.process_block(&inputs, &mut out);
            let (l, r) = out.output(OutputId(0));
            left.extend_from_slice(l);
            right.extend_from_slice(r);
            done += l.len();
        }
        (left, right)
    }

    #[test]
    fn arithmetic_is_exact_and_contains_non_finite_results() {
        let mut graph = Graph::default();
        let p = pattern(&mut graph, PatternKind::Numeric);
        let x = node(&mut graph, Op::Control(p), &[]);
        let three = node(&mut graph, Op::Const(3.0), &[]);
        let sum = node(&mut graph, Op::Add, &[x, three]);
        let difference = node(&mut graph, Op::Sub, &[sum, three]);
        let product = node(&mut graph, Op::Mul, &[difference, x]);
        let quotient = node(&mut graph, Op::Div, &[three, x]);
        let negated = node(&mut graph, Op::Neg, &[quotient]);
        let total = node(&mut graph, Op::Add, &[product, negated]);
        output(&mut graph, total, quotient);
        let program = one_kernel(graph);
        let xs = [2.0f32, 0.0, -1.5, f32::MAX, 0.25];
        let (left, right) = run(&program, &[5], 5, |inputs, _| {
            inputs.control_mut(p).copy_from_slice(&xs);
        });
        for (i, &x) in xs.iter().enumerate() {
            let q = 3.0 / x;
            let q = if q.is_finite() { q } else { 0.0 };
            let product = (x + 3.0 - 3.0) * x;
            let product = if product.is_finite() { product } else { 0.0 };
            assert_eq!(right[i], q, "3 / {x}");
            assert_eq!(left[i], product - q, "x = {x}");
        }
        assert_eq!(right[1], 0.0, "division by zero gives 0");
        assert_eq!(
            left[3],
            -(3.0 / f32::MAX),
            "the product overflowed to infinity and gave 0"
        );
    }

    /// `y[n] = x[n] + 0.5 y[n-1]` as a bus feeding back through `Delay1`,
    /// the delay listed before the node that feeds it.
    fn feedback_program() -> (StagedProgram, PatternId) {
        let mut graph = Graph::default();
        let p = pattern(&mut graph, PatternKind::Numeric);
        let x = node(&mut graph, Op::Control(p), &[]);
        let delayed = node(&mut graph, Op::Delay1, &[NodeId(4)]);
        let half = node(&mut graph, Op::Const(0.5), &[]);
        let scaled = node(&mut graph, Op::Mul, &[delayed, half]);
        let y = node(&mut graph, Op::Add, &[x, scaled]);
        assert_eq!(y, NodeId(4));
        output(&mut graph, y, y);
        (one_kernel(graph), p)
    }

    fn excitation(n: usize) -> f32 {
        ((n * 7919) % 13) as f32 * 0.1 - 0.6
    }

    #[test]
    fn a_delay1_feedback_loop_equals_its_recurrence_for_any_block_size() {
        let (program, p) = feedback_program();
        let total = 1000;
        let mut expected = Vec::with_capacity(total);
        let mut previous = 0.0f32;
        for n in 0..total {
            let y = excitation(n) + previous * 0.5;
            expected.push(y);
            previous = y;
        }
        for sizes in [&[512][..], &[1], &[37, 5, 128, 3]] {
            let (left, right) = run(&program, sizes, total, |inputs, start| {
                for (i, x) in inputs.control_mut(p).iter_mut().enumerate() {
                    *x = excitation(start + i);
                }
            });
            assert_eq!(left, expected, "blocks {sizes:?}");
            assert_eq!(right, expected);
        }
    }

    #[test]
    fn pan_follows_the_equal_power_law_with_unity_at_the_centre() {
        let mut graph = Graph::default();
        let p = pattern(&mut graph, PatternKind::Numeric);
        let signal = node(&mut graph, Op::Const(0.5), &[]);
        let position = node(&mut graph, Op::Control(p), &[]);
        let left = node(&mut graph, Op::PanLeft, &[signal, position]);
        let right = node(&mut graph, Op::PanRight, &[signal, position]);
        output(&mut graph, left, right);
        let program = one_kernel(graph);
        let positions = [-1.0f32, -0.3, 0.0, 0.5, 1.0, 7.0];
        let (l, r) = run(&program, &[6], 6, |inputs, _| {
            inputs.control_mut(p).copy_from_slice(&positions);
        });
        for (i, &pos) in positions.iter().enumerate() {
            let (gl, gr) = pan_gains(pos);
            assert_eq!((l[i], r[i]), (0.5 * gl, 0.5 * gr), "pos {pos}");
        }
        assert_eq!(
            (l[2], r[2]),
            (0.5, 0.5),
            "the centre leaves the level alone"
        );
        assert_eq!((l[5], r[5]), (l[4], r[4]), "positions clamp to -1..1");
    }

    #[test]
    fn a_dsp_node_equals_the_node_run_directly() {
        let mut graph = Graph::default();
        let p = pattern(&mut graph, PatternKind::NoteToHz);
        let noise = node(&mut graph, Op::Dsp(NodeKind::Noise), &[]);
        let cutoff = node(&mut graph, Op::Control(p), &[]);
        let q = node(&mut graph, Op::Const(0.9), &[]);
        let filtered = node(&mut graph, Op::Dsp(NodeKind::Lpf), &[noise, cutoff, q]);
        output(&mut graph, filtered, filtered);
        let program = one_kernel(graph);
        let cutoff_at = |n: usize| 200.0 + (n / 300) as f32 * 450.0;
        let total = 4000;
        let (left, _) = run(&program, &[256, 17], total, |inputs, start| {
            for (i, c) in inputs.control_mut(p).iter_mut().enumerate() {
                *c = cutoff_at(start + i);
            }
        });

        let mut source = dsp::build(NodeKind::Noise, RATE as f32, noise_seed(noise)).unwrap();
        let mut filter = dsp::build(NodeKind::Lpf, RATE as f32, 0).unwrap();
        let mut white = vec![0.0; total];
        source.process(&[], &[], &mut white);
        let cutoffs: Vec<f32> = (0..total).map(cutoff_at).collect();
        let mut expected = vec![0.0; total];
        filter.process(&white, &[&cutoffs, &[0.9]], &mut expected);
        assert_eq!(left, expected);
        assert!(left.iter().any(|&x| x != 0.0));
    }

    #[test]
    fn voices_read_their_channel_and_envelopes_read_the_cycle_gate() {
        let mut graph = Graph::default();
        let p = pattern(&mut graph, PatternKind::Events);
        let voices = node(&mut graph, Op::Voices(p, Channel::Right), &[]);
        let gate = node(&mut graph, Op::CycleGate, &[]);
        let attack = node(&mut graph, Op::Const(0.0), &[]);
        let decay = node(&mut graph, Op::Const(0.001), &[]);
        let envelope = node(&mut graph, Op::Dsp(NodeKind::Ad), &[gate, attack, decay]);
        output(&mut graph, voices, envelope);
        let program = one_kernel(graph);
        // Cycle 0 for 100 samples, then cycle 1.
        let (left, right) = run(&program, &[64], 200, |inputs, start| {
            for (i, g) in inputs.cycle_gate_mut().iter_mut().enumerate() {
                *g = if start + i < 100 { 1.0 } else { 2.0 };
            }
            let (l, r) = inputs.voices_mut(p);
            l.fill(0.25);
            r.fill(0.75);
        });
        assert!(left.iter().all(|&x| x == 0.75));
        // `ad 0 0.001`: full level on the trigger, silent 48 samples later,
        // and again at the start of the next cycle.
        assert_eq!(right[0], 1.0);
        assert_eq!(right[99], 0.0);
        assert_eq!(right[100], 1.0);
    }

    #[test]
    fn reset_reproduces_the_output() {
        let (program, p) = feedback_program();
        let mut interpreter = Interpreter::new(&program, RATE, 64);
        let mut inputs = BlockInputs::new(&program.graph, 64);
        let mut out = OutputBuffers::new(&program.graph, 64);
        inputs.control_mut(p).fill(1.0);
        let mut render = |interpreter: &mut Interpreter| {
            interpreter.process_block(&inputs, &mut out);
            out.output(OutputId(0)).0.to_vec()
        };
        let first = render(&mut interpreter);
        let second = render(&mut interpreter);
        assert_ne!(first, second, "the feedback state carries over");
        interpreter.reset();
        assert_eq!(render(&mut interpreter), first);
    }

    #[test]
    fn missing_buffers_read_as_silence() {
        let mut graph = Graph::default();
        let control = node(&mut graph, Op::Control(PatternId(9)), &[]);
        let sum = node(&mut graph, Op::Add, &[control]);
        output(&mut graph, sum, sum);
        let program = one_kernel(graph);
        let (left, _) = run(&program, &[8], 8, |_, _| {});
        assert_eq!(left, vec![0.0; 8]);
    }

    /// Compiles `source` (which must be clean) to a staged program.
    fn compile_source(source: &str) -> StagedProgram {
        let parsed = phonon_syntax::parse(source);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let compiled = crate::compile(&parsed.program);
        assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
        compiled.staged.expect("a staged program")
    }

    #[test]
    fn compiled_programs_give_the_same_output_for_any_block_size() {
        let programs = [
            "~src: sine 440 * 0.5\n~echo: (~src + ~echo * 0.6) # delay 0.01 0 1 # hpf 300 0.5\nout: ~src * 0.3 + ~echo * 0.3",
            "out: saw 110 # pan (sine 3) # lpf 800 0.7\no2: noise # bpf 2000 4 * 0.1",
            "~lfo: sine 5\nout: square 220 # adsr 0.01 0.02 0.5 0.01 # reverb 0.7 0.5 0.3\no2: tri 330 * line 1 0 0.05 # chorus 1.5 0.5 0.4 * ~lfo",
            "out: pulse 110 0.3 # distortion 3 0.4 # bitcrush 8 4 # compressor -20 4 0.01 0.1",
        ];
        let total = 6000;
        for source in programs {
            let program = compile_source(source);
            let render = |sizes: &[usize]| {
                let mut channels = Vec::new();
                for output in 0..program.graph.outputs.len() {
                    let (mut left, mut right) = (Vec::new(), Vec::new());
                    let max_block = *sizes.iter().max().unwrap();
                    let mut interpreter = Interpreter::new(&program, RATE, max_block);
                    let mut inputs = BlockInputs::new(&program.graph, max_block);
                    let mut out = OutputBuffers::new(&program.graph, max_block);
                    let mut done = 0;
                    for &size in sizes.iter().cycle() {
                        if done >= total {
                            break;
                        }
                        inputs.set_frames(size.min(total - done));
                        // A new cycle every 1000 samples retriggers `adsr`.
                        for (i, gate) in inputs.cycle_gate_mut().iter_mut().enumerate() {
                            *gate = ((done + i) / 1000 + 1) as f32;
                        }
                        interpreter.process_block(&inputs, &mut out);
                        let (l, r) = out.output(OutputId::new(output));
                        left.extend_from_slice(l);
                        right.extend_from_slice(r);
                        done += l.len();
                    }
                    channels.push(left);
                    channels.push(right);
                }
                channels.concat()
            };
            let whole = render(&[512]);
            assert!(whole.iter().any(|&x| x != 0.0), "{source} is silent");
            assert!(whole.iter().all(|x| x.is_finite()));
            assert_eq!(whole, render(&[1]), "{source}: blocks of 1");
            assert_eq!(whole, render(&[7, 333, 64, 1]), "{source}: odd blocks");
        }
    }

    #[test]
    fn noise_seeds_differ_between_nodes() {
        assert_ne!(noise_seed(NodeId(0)), noise_seed(NodeId(1)));
        assert_eq!(noise_seed(NodeId(5)), noise_seed(NodeId(5)));
    }
}
