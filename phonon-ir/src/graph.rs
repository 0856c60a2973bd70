//! The signal graph a program lowers to, and the staged form engines run:
//! typed `u32` ids indexing dense vectors, no names on the evaluation path.
//!
//! Invariants, established by `lower` and `close_feedback` and kept by every
//! later pass:
//! - Every input id of a node indexes `Graph::nodes`.
//! - Ignoring the input of each [`Op::Delay1`], the graph is acyclic: a cycle
//!   of buses always passes through exactly one `Delay1` node.
//! - A `Control`/`Voices` node's [`PatternId`] indexes `Graph::patterns`.
//!
//! The staged form ([`StagedProgram`]) adds an evaluation order: stages run one
//! after another, the kernels of a stage are independent of each other (they
//! may run in parallel), and each kernel lists its nodes in evaluation order.

use crate::dsp::spec::NodeKind;
use crate::pattern::{Fraction, Pattern, Value};
use phonon_syntax::Span;
use std::fmt;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            pub fn new(index: usize) -> $name {
                $name(index as u32)
            }

            /// The position in the dense vector this id indexes.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

typed_id!(
    /// A node of [`Graph::nodes`]; written `n12`.
    NodeId,
    "n"
);
typed_id!(
    /// A pattern of [`Graph::patterns`]; written `p3`.
    PatternId,
    "p"
);
typed_id!(
    /// An output of [`Graph::outputs`]; written `out2`.
    OutputId,
    "out"
);
typed_id!(
    /// A stage of [`StagedProgram::stages`]; written `s1`.
    StageId,
    "s"
);
typed_id!(
    /// A kernel of [`StagedProgram::kernels`]; written `k4`.
    KernelId,
    "k"
);

/// What a node computes from its inputs, one sample at a time.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A constant; no inputs.
    Const(f32),
    /// A numeric pattern used as a signal; no inputs. It holds each event's
    /// value from the sample where the event starts until the next onset:
    /// 0 before the first event, the last value through a rest.
    Control(PatternId),
    /// An event pattern used as a signal: one channel of the stereo mix of
    /// its voices (each voice placed by its `pan`); no inputs. An event
    /// pattern lowers to a pair, one node per channel.
    Voices(PatternId, Channel),
    /// A node of the DSP table. Inputs: the signal input first if the node's
    /// spec has one, then every parameter in spec order (defaults filled in
    /// as `Const` nodes, so the count always matches the spec).
    Dsp(NodeKind),
    /// `inputs[0] + inputs[1]`.
    Add,
    /// `inputs[0] - inputs[1]`.
    Sub,
    /// `inputs[0] * inputs[1]`.
    Mul,
    /// `inputs[0] / inputs[1]`; a non-finite result is 0.
    Div,
    /// `-inputs[0]`.
    Neg,
    /// The value `inputs[0]` had one sample earlier (0 at the first sample).
    /// It closes a feedback cycle: its input edge is the cycle's back edge,
    /// so it is computed before the rest of its kernel.
    Delay1,
    /// The gate of an envelope outside a voice (its `input` slot); no
    /// inputs. Its value is `floor(cycle) + 1`, the number of the cycle
    /// being played counted from 1: always above 0, so the gate is open for
    /// the whole cycle, and changing on the first sample at or after each
    /// cycle start, which the envelopes (`dsp::env`) take as a retrigger.
    CycleGate,
    /// The left channel of `inputs[0]` panned by `inputs[1]` (-1 left .. 1
    /// right): equal power, normalised to 1 at the centre,
    /// `sqrt(2) * cos((pos + 1) * pi / 4)`, `pos` clamped to -1..1.
    PanLeft,
    /// The right channel: `sqrt(2) * sin((pos + 1) * pi / 4)`.
    PanRight,
}

impl Op {
    /// The name the text form uses for this operation.
    pub fn name(&self) -> String {
        match self {
            Op::Const(value) => format!("const {value}"),
            Op::Control(pattern) => format!("control {pattern}"),
            Op::Voices(pattern, channel) => format!("voices {pattern} {channel}"),
            Op::Dsp(kind) => crate::dsp::spec::of(*kind).name.to_string(),
            Op::Add => "add".into(),
            Op::Sub => "sub".into(),
            Op::Mul => "mul".into(),
            Op::Div => "div".into(),
            Op::Neg => "neg".into(),
            Op::Delay1 => "delay1".into(),
            Op::CycleGate => "cycle_gate".into(),
            Op::PanLeft => "pan_left".into(),
            Op::PanRight => "pan_right".into(),
        }
    }
}

/// One channel of a stereo pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Left,
    Right,
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Left => "left",
            Channel::Right => "right",
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub op: Op,
    pub inputs: Vec<NodeId>,
    /// The source expression this node computes.
    pub span: Span,
    /// Where the node sits: the bus or output it belongs to and its position
    /// in that chain (`o1.3`, `~lfo.0`). Stable across edits of other
    /// statements, so a hot swap can carry state from the old graph over.
    pub label: Option<String>,
}

/// How a pattern used as a signal is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternKind {
    /// Numbers, used as they are. Every hap value is a `Value::Num`.
    Numeric,
    /// Note names or numbers in a frequency position: already converted to
    /// Hz (`c4` is MIDI 60, `a4` is 440 Hz), so every value is a `Value::Num`.
    NoteToHz,
    /// Events (`s "bd sn"`, `note "c4"`): values are control maps.
    Events,
}

impl PatternKind {
    pub fn name(self) -> &'static str {
        match self {
            PatternKind::Numeric => "numeric",
            PatternKind::NoteToHz => "hz",
            PatternKind::Events => "events",
        }
    }
}

/// A pattern the graph reads: a control signal or an event stream.
#[derive(Clone, Debug)]
pub struct ControlPattern {
    pub pattern: Pattern<Value>,
    pub kind: PatternKind,
    /// The source expression that made it.
    pub span: Span,
    /// That expression as text, with any `$` transforms applied to it from
    /// outside (for the text form and for humans).
    pub text: String,
}

/// An output: `out`, or numbered `o1`/`out1`/`d1`.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// As written: `out`, `o3`, `d1`.
    pub name: String,
    /// `None` for `out`, `Some(n)` for output number `n`.
    pub number: Option<u32>,
    pub left: NodeId,
    /// The same node as `left` for a mono output.
    pub right: NodeId,
    pub span: Span,
}

impl Output {
    /// The channel pair this output plays on when outputs are split: 0 for
    /// `out` and `o1`, 1 for `o2`, ...
    pub fn channel_pair(&self) -> usize {
        self.number.map_or(0, |n| {
            usize::try_from(n.saturating_sub(1)).unwrap_or(usize::MAX)
        })
    }
}

/// A whole program as a signal graph.
#[derive(Clone, Debug)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub patterns: Vec<ControlPattern>,
    /// In source order; all outputs are summed into the master.
    pub outputs: Vec<Output>,
    /// Cycles per second (default 1/2).
    pub tempo_cps: Fraction,
}

impl Default for Graph {
    fn default() -> Graph {
        Graph {
            nodes: Vec::new(),
            patterns: Vec::new(),
            outputs: Vec::new(),
            tempo_cps: Fraction::new(1, 2),
        }
    }
}

impl Graph {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn pattern(&self, id: PatternId) -> &ControlPattern {
        &self.patterns[id.index()]
    }

    pub fn add_node(
        &mut self,
        op: Op,
        inputs: Vec<NodeId>,
        span: Span,
        label: Option<String>,
    ) -> NodeId {
        let id = NodeId::new(self.nodes.len());
        self.nodes.push(Node {
            op,
            inputs,
            span,
            label,
        });
        id
    }

    pub fn add_pattern(&mut self, pattern: ControlPattern) -> PatternId {
        let id = PatternId::new(self.patterns.len());
        self.patterns.push(pattern);
        id
    }

    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.nodes.len()).map(NodeId::new)
    }

    /// Every node an output reads, directly or not (`Delay1` back edges
    /// included), marked by index.
    pub fn reachable_from_outputs(&self) -> Vec<bool> {
        let mut reached = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeId> = self
            .outputs
            .iter()
            .flat_map(|o| [o.left, o.right])
            .collect();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut reached[id.index()], true) {
                continue;
            }
            stack.extend(self.node(id).inputs.iter().copied());
        }
        reached
    }
}

/// Why a kernel's nodes are computed together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelKind {
    /// The part of the graph that only this output reads.
    Output(OutputId),
    /// Nodes read by several outputs (a shared bus): computed once. `buses`
    /// names the buses they come from, in order of first node.
    Shared { buses: Vec<String> },
}

/// A group of nodes computed together, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    pub kind: KernelKind,
    /// In evaluation order: every input of a node comes from an earlier
    /// stage or from an earlier node of this list, except a `Delay1`'s input
    /// (the back edge of a cycle), which is always in the same kernel.
    pub nodes: Vec<NodeId>,
    /// The buses of the feedback cycles inside this kernel (a cycle is never
    /// split between kernels); empty when it has none.
    pub feedback: Vec<String>,
}

/// Kernels that depend only on earlier stages, never on each other.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    pub kernels: Vec<KernelId>,
}

/// The graph flattened for an engine: stages in order, each a set of
/// independent kernels.
#[derive(Clone, Debug)]
pub struct StagedProgram {
    pub graph: Graph,
    pub kernels: Vec<Kernel>,
    pub stages: Vec<Stage>,
}

impl StagedProgram {
    pub fn kernel(&self, id: KernelId) -> &Kernel {
        &self.kernels[id.index()]
    }
}
