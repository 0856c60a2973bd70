//! Lowering: the typed program to a signal graph. Every bus reference is
//! expanded where it is read (`share_buses` merges the copies later), except
//! buses on a feedback cycle, which are lowered once, with the references
//! `close_feedback` chose reading them through a `Delay1`.
//!
//! Stereo comes from `pan` and from event patterns (each voice placed by its
//! own `pan`); a processor on a stereo signal runs once per channel, and
//! arithmetic broadcasts a mono side to both channels.

use crate::check_types::{processor_needs_input, PatternType, TExpr, TKind, Type, TypedProgram};
use crate::close_feedback::FeedbackPlan;
use crate::dsp::spec::NodeKind;
use crate::graph::{Channel, ControlPattern, Graph, NodeId, Op, Output, PatternKind};
use crate::pattern::note::{midi_to_hz, note_to_midi};
use crate::pattern::{pure, Pattern, Value};
use crate::resolve_names::BusId;
use phonon_syntax::ast::BinOp;
use phonon_syntax::{Diagnostic, Span};

/// A lowered signal: one node, or a left and a right node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sig {
    Mono(NodeId),
    Stereo(NodeId, NodeId),
}

impl Sig {
    fn left(self) -> NodeId {
        match self {
            Sig::Mono(n) | Sig::Stereo(n, _) => n,
        }
    }

    fn right(self) -> NodeId {
        match self {
            Sig::Mono(n) | Sig::Stereo(_, n) => n,
        }
    }
}

pub fn lower(typed: &TypedProgram, plan: &FeedbackPlan) -> (Graph, Vec<Diagnostic>) {
    let mut lowerer = Lowerer {
        typed,
        plan,
        graph: Graph {
            tempo_cps: typed.tempo_cps,
            ..Graph::default()
        },
        cycle_buses: vec![Memo::NotYet; typed.buses.len()],
        pending_delays: Vec::new(),
        labels: Vec::new(),
        bus_stack: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut outputs = Vec::new();
    for (def, t) in typed.names.outputs.iter().zip(&typed.outputs) {
        if t.ty == Type::Processor {
            lowerer
                .diagnostics
                .push(processor_needs_input(t, &format!("output `{}`", def.name)));
            continue;
        }
        lowerer.labels.push((def.name.clone(), 0));
        let sig = lowerer.signal(t, None, false);
        lowerer.labels.pop();
        outputs.push(Output {
            name: def.name.clone(),
            number: def.number,
            left: sig.left(),
            right: sig.right(),
            span: def.span,
        });
    }
    lowerer.close_pending_delays();
    let mut graph = lowerer.graph;
    if !typed.names.hush {
        graph.outputs = outputs;
    }
    (graph, lowerer.diagnostics)
}

#[derive(Clone, Copy, Debug)]
enum Memo {
    NotYet,
    InProgress,
    Done(Sig),
}

struct Lowerer<'t, 'p> {
    typed: &'t TypedProgram<'p>,
    plan: &'t FeedbackPlan,
    graph: Graph,
    /// Buses on a cycle are lowered once.
    cycle_buses: Vec<Memo>,
    /// `Delay1` nodes whose input is a bus not lowered yet.
    pending_delays: Vec<(NodeId, BusId)>,
    /// Label prefix (`o1`, `~lfo`) and the count of nodes made under it.
    labels: Vec<(String, u32)>,
    /// The buses being expanded, innermost last.
    bus_stack: Vec<BusId>,
    diagnostics: Vec<Diagnostic>,
}

impl Lowerer<'_, '_> {
    fn node(&mut self, op: Op, inputs: Vec<NodeId>, span: Span) -> NodeId {
        let label = self.labels.last_mut().map(|(prefix, count)| {
            *count += 1;
            format!("{prefix}.{}", *count - 1)
        });
        self.graph.add_node(op, inputs, span, label)
    }

    fn constant(&mut self, value: f32, span: Span) -> NodeId {
        self.node(Op::Const(value), Vec::new(), span)
    }

    /// Lowers `t` as a signal; `hole` is the input of a processor being
    /// applied; `frequency` says note names are read as Hz.
    fn signal(&mut self, t: &TExpr, hole: Option<Sig>, frequency: bool) -> Sig {
        match &t.kind {
            TKind::Number(value) => Sig::Mono(self.constant(*value as f32, t.span)),
            TKind::Pattern { pattern, text } => {
                self.pattern(pattern, text, t.ty, t.span, frequency)
            }
            TKind::Node {
                spec,
                input,
                params,
            } => {
                let input = match input.as_deref() {
                    Some(input) => Some(self.signal(input, hole, false)),
                    None if spec.gated => {
                        Some(Sig::Mono(self.node(Op::CycleGate, Vec::new(), t.span)))
                    }
                    None => None,
                };
                let mut param_nodes = Vec::with_capacity(params.len());
                for (param, value) in spec.params.iter().zip(params) {
                    let sig = match value {
                        Some(value) => self.signal(value, hole, param.unit == "Hz"),
                        None => Sig::Mono(self.constant(param.default_or_zero(), t.span)),
                    };
                    param_nodes.push(sig);
                }
                if spec.kind == NodeKind::Pan {
                    let input = input.unwrap_or(Sig::Mono(NodeId(0)));
                    let pos = param_nodes
                        .first()
                        .map_or_else(|| self.constant(0.0, t.span), |p| p.left());
                    let left = self.node(Op::PanLeft, vec![input.left(), pos], t.span);
                    let right = self.node(Op::PanRight, vec![input.right(), pos], t.span);
                    return Sig::Stereo(left, right);
                }
                let stereo = input.is_some_and(|i| matches!(i, Sig::Stereo(..)))
                    || param_nodes.iter().any(|p| matches!(p, Sig::Stereo(..)));
                let channel = |this: &mut Self, pick: fn(Sig) -> NodeId| {
                    let mut inputs: Vec<NodeId> = input.iter().map(|&i| pick(i)).collect();
                    inputs.extend(param_nodes.iter().map(|&p| pick(p)));
                    this.node(Op::Dsp(spec.kind), inputs, t.span)
                };
                if stereo {
                    Sig::Stereo(channel(self, Sig::left), channel(self, Sig::right))
                } else {
                    Sig::Mono(channel(self, Sig::left))
                }
            }
            TKind::Binary { op, lhs, rhs } => {
                let (a, b) = (
                    self.signal(lhs, hole, frequency),
                    self.signal(rhs, hole, frequency),
                );
                let op = match op {
                    BinOp::Add => Op::Add,
                    BinOp::Sub => Op::Sub,
                    BinOp::Mul => Op::Mul,
                    BinOp::Div => Op::Div,
                };
                self.broadcast(op, a, b, t.span)
            }
            TKind::Neg(inner) => match self.signal(inner, hole, frequency) {
                Sig::Mono(x) => Sig::Mono(self.node(Op::Neg, vec![x], t.span)),
                Sig::Stereo(l, r) => Sig::Stereo(
                    self.node(Op::Neg, vec![l], t.span),
                    self.node(Op::Neg, vec![r], t.span),
                ),
            },
            TKind::Mix(items) => {
                let mut sum: Option<Sig> = None;
                for item in items {
                    let sig = self.signal(item, hole, frequency);
                    sum = Some(match sum {
                        None => sig,
                        Some(acc) => self.broadcast(Op::Add, acc, sig, t.span),
                    });
                }
                sum.unwrap_or_else(|| Sig::Mono(self.constant(0.0, t.span)))
            }
            TKind::Bus(id) => self.bus(*id, t.span, frequency),
            TKind::Apply { input, processor } => {
                let input = self.signal(input, hole, false);
                match &processor.kind {
                    TKind::Bus(id) => {
                        let bus = &self.typed.buses[id.index()];
                        self.labels
                            .push((format!("~{}", self.typed.names.bus(*id).name), 0));
                        let sig = self.signal(bus, Some(input), false);
                        self.labels.pop();
                        sig
                    }
                    _ => self.signal(processor, Some(input), false),
                }
            }
            TKind::Hole => hole.unwrap_or_else(|| Sig::Mono(self.constant(0.0, t.span))),
            TKind::Invalid => Sig::Mono(self.constant(0.0, t.span)),
        }
    }

    fn broadcast(&mut self, op: Op, a: Sig, b: Sig, span: Span) -> Sig {
        match (a, b) {
            (Sig::Mono(x), Sig::Mono(y)) => Sig::Mono(self.node(op, vec![x, y], span)),
            _ => Sig::Stereo(
                self.node(op.clone(), vec![a.left(), b.left()], span),
                self.node(op, vec![a.right(), b.right()], span),
            ),
        }
    }

    fn pattern(
        &mut self,
        pattern: &Pattern<Value>,
        text: &str,
        ty: Type,
        span: Span,
        frequency: bool,
    ) -> Sig {
        let (kind, pattern) = match ty {
            Type::Pattern(PatternType::Event) => (PatternKind::Events, pattern.clone()),
            Type::Pattern(PatternType::Note) if frequency => {
                (PatternKind::NoteToHz, numbers_in_hz(pattern))
            }
            _ => (PatternKind::Numeric, numbers_only(pattern)),
        };
        let id = self.graph.add_pattern(ControlPattern {
            pattern,
            kind,
            span,
            text: text.to_string(),
        });
        if kind == PatternKind::Events {
            Sig::Stereo(
                self.node(Op::Voices(id, Channel::Left), Vec::new(), span),
                self.node(Op::Voices(id, Channel::Right), Vec::new(), span),
            )
        } else {
            Sig::Mono(self.node(Op::Control(id), Vec::new(), span))
        }
    }

    fn bus(&mut self, id: BusId, span: Span, frequency: bool) -> Sig {
        let from = self.bus_stack.last().copied();
        if let Some(from) = from {
            if self.plan.delayed.contains(&(from, id)) {
                let delay = self.node(Op::Delay1, Vec::new(), span);
                self.pending_delays.push((delay, id));
                return Sig::Mono(delay);
            }
        }
        if self.plan.on_cycle.get(id.index()).copied().unwrap_or(false) {
            match self.cycle_buses[id.index()] {
                Memo::Done(sig) => return sig,
                // Unreachable by the plan's construction; stay safe anyway.
                Memo::InProgress => return Sig::Mono(self.constant(0.0, span)),
                Memo::NotYet => {}
            }
            self.cycle_buses[id.index()] = Memo::InProgress;
            let sig = self.expand(id, frequency);
            self.cycle_buses[id.index()] = Memo::Done(sig);
            return sig;
        }
        self.expand(id, frequency)
    }

    fn expand(&mut self, id: BusId, frequency: bool) -> Sig {
        let bus = &self.typed.buses[id.index()];
        self.labels
            .push((format!("~{}", self.typed.names.bus(id).name), 0));
        self.bus_stack.push(id);
        let sig = self.signal(bus, None, frequency);
        self.bus_stack.pop();
        self.labels.pop();
        sig
    }

    /// Points each pending `Delay1` at its bus, lowering buses as needed
    /// (which may leave new pending delays).
    fn close_pending_delays(&mut self) {
        while let Some((delay, id)) = self.pending_delays.pop() {
            let sig = self.bus(id, self.graph.node(delay).span, false);
            let source = match sig {
                Sig::Mono(n) => n,
                // Feedback carries one channel: the mix of a stereo bus.
                Sig::Stereo(l, r) => {
                    let span = self.graph.node(delay).span;
                    let sum = self.node(Op::Add, vec![l, r], span);
                    let half = self.constant(0.5, span);
                    self.node(Op::Mul, vec![sum, half], span)
                }
            };
            self.graph.nodes[delay.index()].inputs = vec![source];
        }
    }
}

/// Keeps numeric values (booleans as 0/1); drops anything else.
fn numbers_only(pattern: &Pattern<Value>) -> Pattern<Value> {
    if let Some(x) = pattern.pure.as_ref().and_then(Value::as_f64) {
        return pure(Value::Num(x));
    }
    pattern
        .filter_values(|v| v.as_f64().is_some())
        .fmap(|v| Value::Num(v.as_f64().unwrap_or(0.0)))
}

/// Note names to Hz; numbers are taken as Hz already.
fn numbers_in_hz(pattern: &Pattern<Value>) -> Pattern<Value> {
    let hz = |v: &Value| match v {
        Value::Str(s) => note_to_midi(s).map(midi_to_hz),
        other => other.as_f64(),
    };
    if let Some(x) = pattern.pure.as_ref().and_then(hz) {
        return pure(Value::Num(x));
    }
    pattern
        .filter_values(move |v| hz(v).is_some())
        .fmap(move |v| Value::Num(hz(&v).unwrap_or(0.0)))
}
