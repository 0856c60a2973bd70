//! Type checking: gives every expression a type (number, pattern of numbers,
//! words, notes or events, signal, processor, transform), decides what each
//! call means where it stands, and reports mismatches with a caret.
//!
//! Numbers and numeric patterns are accepted wherever a signal is expected;
//! an event pattern there is the mixed audio of its voices. Pattern-level
//! subexpressions are evaluated here, once, by `eval_pattern`.

use crate::codes;
use crate::dsp::spec::{self as dsp_spec, NodeSpec};
use crate::eval_pattern::{
    constant_value, eval_pattern_with, eval_transform_step, PatternBuses, COMBINERS, CONTINUOUS,
    EVENT_PARAMS, EVENT_PARAM_GROUPS,
};
use crate::pattern::note::note_to_midi;
use crate::pattern::transform::{self, ParamKind, Transform};
use crate::pattern::{Fraction, Pattern, Value};
use crate::resolve_names::{suggest_name, BusId, Names};
use phonon_syntax::ast::{Arg, BinOp, Expr, ExprKind, StepKind, TempoUnit};
use phonon_syntax::{Diagnostic, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternType {
    Numeric,
    Word,
    /// Note names (possibly mixed with numbers).
    Note,
    Event,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Number,
    Pattern(PatternType),
    Signal,
    /// An input-less chain (`lpf 1000 0.8 # delay 0.25 0.4 0.3`): a function
    /// from a signal to a signal.
    Processor,
    /// A pattern transform (`fast 2`).
    Transform,
    /// An expression that already has an error; it never causes another.
    Invalid,
}

impl Type {
    pub fn describe(self) -> &'static str {
        match self {
            Type::Number => "a number",
            Type::Pattern(PatternType::Numeric) => "a pattern of numbers",
            Type::Pattern(PatternType::Word) => "a pattern of words",
            Type::Pattern(PatternType::Note) => "a pattern of note names",
            Type::Pattern(PatternType::Event) => "an event pattern",
            Type::Signal => "a signal",
            Type::Processor => "an effect chain with no input",
            Type::Transform => "a pattern transform",
            Type::Invalid => "an invalid expression",
        }
    }
}

/// A checked expression: what it means, its type and its source.
#[derive(Clone, Debug)]
pub struct TExpr {
    pub kind: TKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TKind {
    Number(f64),
    /// A pattern, evaluated; `text` is its source with outer transforms.
    Pattern {
        pattern: Pattern<Value>,
        text: String,
    },
    /// A node of the DSP table. `input` is `None` for generators and
    /// envelopes, `Hole` inside a processor; `params` follow the spec, `None`
    /// where the default applies.
    Node {
        spec: &'static NodeSpec,
        input: Option<Box<TExpr>>,
        params: Vec<Option<TExpr>>,
    },
    Binary {
        op: BinOp,
        lhs: Box<TExpr>,
        rhs: Box<TExpr>,
    },
    Neg(Box<TExpr>),
    Bus(BusId),
    /// `input # ~fx`, where `~fx` holds a processor.
    Apply {
        input: Box<TExpr>,
        processor: Box<TExpr>,
    },
    /// The missing input of a processor.
    Hole,
    /// Signals summed (`stack` or a list of signals).
    Mix(Vec<TExpr>),
    Invalid,
}

/// The checked program: a typed expression per bus and per output.
#[derive(Debug)]
pub struct TypedProgram<'p> {
    pub names: Names<'p>,
    /// Parallel to `names.buses`.
    pub buses: Vec<TExpr>,
    /// Parallel to `names.outputs`.
    pub outputs: Vec<TExpr>,
    pub tempo_cps: Fraction,
}

pub fn check_types<'p>(names: Names<'p>) -> (TypedProgram<'p>, Vec<Diagnostic>) {
    let pattern_buses = PatternBuses::new(names.buses.iter().map(|b| (b.name.as_str(), b.value)));
    let mut checker = Checker {
        names: &names,
        pattern_buses,
        buses: vec![BusState::Unchecked; names.buses.len()],
        diagnostics: Vec::new(),
    };
    for index in 0..names.buses.len() {
        checker.bus(BusId(index as u32));
    }
    let outputs: Vec<TExpr> = names
        .outputs
        .iter()
        .map(|output| {
            let checked = checker.check(output.value);
            checker.expect_signal(checked, false, &format!("output `{}`", output.name))
        })
        .collect();
    let tempo_cps = checker.tempo();
    let buses = checker
        .buses
        .into_iter()
        .map(|state| match state {
            BusState::Checked(t) => t,
            _ => invalid(Span::default()),
        })
        .collect();
    let diagnostics = checker.diagnostics;
    (
        TypedProgram {
            names,
            buses,
            outputs,
            tempo_cps,
        },
        diagnostics,
    )
}

#[derive(Clone, Debug)]
enum BusState {
    Unchecked,
    InProgress,
    Checked(TExpr),
}

struct Checker<'n, 'p> {
    names: &'n Names<'p>,
    pattern_buses: PatternBuses<'p>,
    buses: Vec<BusState>,
    diagnostics: Vec<Diagnostic>,
}

fn invalid(span: Span) -> TExpr {
    TExpr {
        kind: TKind::Invalid,
        ty: Type::Invalid,
        span,
    }
}

impl Checker<'_, '_> {
    fn tempo(&mut self) -> Fraction {
        let default = Fraction::new(1, 2);
        let Some((unit, expr)) = self.names.tempo else {
            return default;
        };
        match constant_value(expr) {
            Some(v) if v > Fraction::ZERO => match unit {
                TempoUnit::CyclesPerSecond => v,
                TempoUnit::BeatsPerMinute => v / Fraction::from_int(60),
            },
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(codes::BAD_TEMPO, "the tempo must be a positive number")
                        .at(expr.span, "not a positive constant")
                        .with_hint("write `tempo: 0.5` (cycles per second) or `bpm: 120`"),
                );
                default
            }
        }
    }

    /// The type of a bus, checking it first if needed. A bus read while it
    /// is being checked is on a feedback cycle, so it is a signal.
    fn bus_type(&mut self, id: BusId) -> Type {
        match &self.buses[id.index()] {
            BusState::Checked(t) => t.ty,
            BusState::InProgress => Type::Signal,
            BusState::Unchecked => self.bus(id).ty,
        }
    }

    fn bus(&mut self, id: BusId) -> TExpr {
        if let BusState::Checked(t) = &self.buses[id.index()] {
            return t.clone();
        }
        self.buses[id.index()] = BusState::InProgress;
        let def = self.names.bus(id);
        let (value, name) = (def.value, def.name.clone());
        let mut checked = self.check(value);
        if checked.ty == Type::Transform {
            self.diagnostics.push(
                Diagnostic::error(codes::TYPE_MISMATCH, format!("`~{name}` holds a transform"))
                    .at(
                        value.span,
                        "a bus holds a signal, a pattern or an effect chain",
                    )
                    .with_hint(
                        "apply the transform to a pattern with `$`: `~p: s \"bd sn\" $ fast 2`",
                    ),
            );
            checked = invalid(value.span);
        }
        self.buses[id.index()] = BusState::Checked(checked.clone());
        checked
    }

    fn check(&mut self, expr: &Expr) -> TExpr {
        let span = expr.span;
        if let Some(value) = constant_value(expr) {
            return TExpr {
                kind: TKind::Number(value.to_f64()),
                ty: Type::Number,
                span,
            };
        }
        // A bus is read where it is defined (so its uses share one pattern);
        // arithmetic on events is arithmetic on their audio.
        if !matches!(expr.kind, ExprKind::Bus(_)) && self.is_pattern_expr(expr) {
            let saved = self.diagnostics.len();
            let t = self.pattern(expr);
            let arithmetic = matches!(expr.kind, ExprKind::Binary { .. } | ExprKind::Neg(_));
            if !(arithmetic && t.ty == Type::Pattern(PatternType::Event)) {
                return t;
            }
            self.diagnostics.truncate(saved);
        }
        match &expr.kind {
            ExprKind::Number(n) => TExpr {
                kind: TKind::Number(n.value),
                ty: Type::Number,
                span,
            },
            ExprKind::Str(_) => self.pattern(expr),
            ExprKind::Bus(name) => match self.names.bus_id(name.name.trim_start_matches('~')) {
                Some(id) => TExpr {
                    kind: TKind::Bus(id),
                    ty: self.bus_type(id),
                    span,
                },
                None => invalid(span),
            },
            ExprKind::List(items) => self.mix(items.iter().collect(), span),
            ExprKind::Neg(inner) => {
                let inner = self.check(inner);
                let ty = if inner.ty == Type::Processor {
                    Type::Processor
                } else {
                    Type::Signal
                };
                let inner = self.expect_signal(inner, false, "`-`");
                self.typed(TKind::Neg(Box::new(inner)), ty, span)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (lhs, rhs) = (self.check(lhs), self.check(rhs));
                let ty = if lhs.ty == Type::Processor || rhs.ty == Type::Processor {
                    Type::Processor
                } else {
                    Type::Signal
                };
                let what = format!("`{}`", op.symbol());
                let lhs = self.expect_signal(lhs, false, &what);
                let rhs = self.expect_signal(rhs, false, &what);
                self.typed(
                    TKind::Binary {
                        op: *op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    ty,
                    span,
                )
            }
            ExprKind::Step {
                kind: StepKind::Chain,
                input,
                step,
            } => {
                let input = self.check(input);
                self.chain(input, step, span)
            }
            ExprKind::Step {
                kind: StepKind::Transform,
                input,
                step,
            } => {
                let input = self.check(input);
                if matches!(input.ty, Type::Invalid) {
                    return input;
                }
                match eval_transform_step(step, &self.pattern_buses) {
                    Ok(f) => {
                        let suffix = format!(" $ {}", step_text(step));
                        let buses = &self.buses;
                        let pattern_bus = |id: BusId| match &buses[id.index()] {
                            BusState::Checked(read) if matches!(read.ty, Type::Pattern(_)) => {
                                Some(read.clone())
                            }
                            _ => None,
                        };
                        let mut found = false;
                        let mut result = transform_patterns(
                            input.clone(),
                            &f,
                            &suffix,
                            &pattern_bus,
                            &mut found,
                        );
                        if !found {
                            self.warn_transform_without_pattern(&input, step.span);
                        }
                        result.span = span;
                        result
                    }
                    Err(errors) => {
                        self.report_beyond_names(errors);
                        invalid(span)
                    }
                }
            }
            ExprKind::Call { func, args } => self.call(&func.name, func.span, args, None, span),
        }
    }

    /// `$` on a signal changes the patterns inside it; with none there, the
    /// transform would be silently dropped, so say so.
    fn warn_transform_without_pattern(&mut self, input: &TExpr, step: Span) {
        let hint = if let TKind::Bus(id) = input.kind {
            if matches!(self.buses[id.index()], BusState::InProgress) {
                "a bus read in its own definition is its previous sample, a signal: \
                 transform a pattern inside the definition instead"
            } else {
                "a signal bus is one shared signal, and `$` does not reach into it: \
                 transform the pattern inside the bus's definition"
            }
        } else {
            "`$` changes the patterns inside a signal (`saw \"55 110\" $ fast 2`); \
             this one has none"
        };
        self.diagnostics.push(
            Diagnostic::warning(
                codes::TRANSFORM_WITHOUT_PATTERN,
                "this transform changes nothing: there is no pattern in its input",
            )
            .at(input.span, "a signal with no pattern in it")
            .at(step, "has nothing to transform")
            .with_hint(hint),
        );
    }

    /// Reports pattern-evaluation errors, except unknown names, which
    /// `resolve_names` has already reported with a better hint.
    fn report_beyond_names(&mut self, errors: Vec<Diagnostic>) {
        let fresh = errors.into_iter().filter(|d| {
            !matches!(
                d.code,
                codes::UNKNOWN_FUNCTION | codes::UNKNOWN_BUS | codes::UNKNOWN_TRANSFORM
            )
        });
        self.report(fresh.collect());
    }

    fn typed(&self, kind: TKind, ty: Type, span: Span) -> TExpr {
        let ty = if self.contains_invalid(&kind) {
            Type::Invalid
        } else {
            ty
        };
        TExpr { kind, ty, span }
    }

    fn contains_invalid(&self, kind: &TKind) -> bool {
        let bad = |t: &TExpr| t.ty == Type::Invalid;
        match kind {
            TKind::Binary { lhs, rhs, .. } => bad(lhs) || bad(rhs),
            TKind::Neg(inner) => bad(inner),
            TKind::Node { input, params, .. } => {
                input.as_deref().is_some_and(bad) || params.iter().flatten().any(bad)
            }
            TKind::Apply { input, processor } => bad(input) || bad(processor),
            TKind::Mix(items) => items.iter().any(bad),
            TKind::Invalid => true,
            _ => false,
        }
    }

    fn report(&mut self, errors: Vec<Diagnostic>) {
        self.diagnostics.extend(errors);
    }

    /// Whether an expression is made of patterns only, so that
    /// `eval_pattern` can evaluate it whole.
    fn is_pattern_expr(&mut self, expr: &Expr) -> bool {
        match &expr.kind {
            ExprKind::Number(_) => true,
            ExprKind::Str(_) => true,
            ExprKind::Bus(name) => match self.names.bus_id(name.name.trim_start_matches('~')) {
                Some(id) => matches!(self.bus_type(id), Type::Pattern(_) | Type::Number),
                None => false,
            },
            ExprKind::List(items) => items.iter().all(|e| self.is_pattern_expr(e)),
            ExprKind::Neg(inner) => self.is_pattern_expr(inner),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.is_pattern_expr(lhs) && self.is_pattern_expr(rhs)
            }
            ExprKind::Step { kind, input, step } => {
                self.is_pattern_expr(input)
                    && match kind {
                        StepKind::Transform => true,
                        StepKind::Chain => matches!(&step.kind, ExprKind::Call { func, .. }
                            if is_event_param(&func.name)),
                    }
            }
            ExprKind::Call { func, args } => {
                let name = func.name.as_str();
                let positional: Vec<&Expr> = args
                    .iter()
                    .filter_map(|a| match a {
                        Arg::Positional(e) => Some(e),
                        Arg::Keyword { .. } => None,
                    })
                    .collect();
                // `adsr`, `ad` and `ar` set event parameters only after `#`
                // on events; called on their own they are signal envelopes.
                if is_event_param(name) {
                    return !EVENT_PARAM_GROUPS.iter().any(|(group, _)| *group == name);
                }
                if COMBINERS.contains(&name) {
                    return positional.iter().all(|e| self.is_pattern_expr(e));
                }
                if CONTINUOUS.contains(&name) && args.is_empty() {
                    return true;
                }
                match transform::lookup(name) {
                    Some(spec) => {
                        spec.params.last() != Some(&ParamKind::Functions)
                            && positional.len() == spec.params.len() + 1
                            && positional.last().is_some_and(|e| self.is_pattern_expr(e))
                    }
                    None => false,
                }
            }
        }
    }

    fn pattern(&mut self, expr: &Expr) -> TExpr {
        match eval_pattern_with(expr, &self.pattern_buses) {
            Ok(pattern) => {
                let ty = Type::Pattern(classify(&pattern));
                TExpr {
                    kind: TKind::Pattern {
                        pattern,
                        text: step_text(expr),
                    },
                    ty,
                    span: expr.span,
                }
            }
            Err(errors) => {
                self.report_beyond_names(errors);
                invalid(expr.span)
            }
        }
    }

    fn mix(&mut self, items: Vec<&Expr>, span: Span) -> TExpr {
        let checked: Vec<TExpr> = items
            .into_iter()
            .map(|e| {
                let t = self.check(e);
                self.expect_signal(t, false, "a mix")
            })
            .collect();
        self.typed(TKind::Mix(checked), Type::Signal, span)
    }

    /// `input # step`.
    fn chain(&mut self, input: TExpr, step: &Expr, span: Span) -> TExpr {
        match &step.kind {
            ExprKind::Call { func, args } => {
                self.call(&func.name, func.span, args, Some(input), span)
            }
            ExprKind::Bus(name) => {
                let Some(id) = self.names.bus_id(name.name.trim_start_matches('~')) else {
                    return invalid(span);
                };
                let ty = self.bus_type(id);
                match ty {
                    Type::Processor => {
                        let input_ty = input.ty;
                        let input =
                            self.expect_signal(input, false, "the input of an effect chain");
                        let processor = TExpr {
                            kind: TKind::Bus(id),
                            ty,
                            span: step.span,
                        };
                        let ty = if input_ty == Type::Processor {
                            Type::Processor
                        } else {
                            Type::Signal
                        };
                        self.typed(
                            TKind::Apply {
                                input: Box::new(input),
                                processor: Box::new(processor),
                            },
                            ty,
                            span,
                        )
                    }
                    Type::Invalid => invalid(span),
                    other => {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::TYPE_MISMATCH,
                                format!("`~{}` is {}, not an effect chain", name.name.trim_start_matches('~'), other.describe()),
                            )
                            .at(step.span, "`# ~bus` needs a bus that holds an effect chain")
                            .with_hint("define the chain without an input: `~fx: lpf 1000 0.8 # delay 0.25 0.4 0.3`; to mix signals use `+`"),
                        );
                        invalid(span)
                    }
                }
            }
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        "`#` needs a processor or a `~bus` after it",
                    )
                    .at(step.span, "not something a signal can go through"),
                );
                invalid(span)
            }
        }
    }

    /// A call: a DSP node (with `chain_input` when it is a `#` step), or a
    /// transform used as a value.
    fn call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[Arg],
        chain_input: Option<TExpr>,
        span: Span,
    ) -> TExpr {
        if let Some(spec) = dsp_spec::lookup(name) {
            return self.node(spec, name, name_span, args, chain_input, span);
        }
        if let Some(input) = chain_input {
            if input.ty == Type::Invalid {
                return invalid(span);
            }
            if is_event_param(name) {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!("`{name}` sets a parameter of events, but its input is {}", input.ty.describe()),
                    )
                    .at(name_span, "an event parameter needs an event pattern on the left")
                    .with_note(input.span, "this is not an event pattern")
                    .with_hint("event parameters follow `s \"...\"` or `note \"...\"`; to scale a signal use `* 0.8`"),
                );
            }
            return invalid(span);
        }
        if let Some(spec) = transform::lookup(name) {
            let _ = spec;
            return TExpr {
                kind: TKind::Invalid,
                ty: Type::Transform,
                span,
            };
        }
        if matches!(name, "stack") {
            let items: Vec<&Expr> = args.iter().map(Arg::value).collect();
            return self.mix(items, span);
        }
        // Unknown names were reported by resolve_names; other pattern
        // functions given signals land here.
        if is_event_param(name) || COMBINERS.contains(&name) || CONTINUOUS.contains(&name) {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::NOT_A_PATTERN,
                    format!("`{name}` needs patterns as arguments"),
                )
                .at(span, "an argument here is an audio signal")
                .with_hint(
                    "signals cannot become patterns; patterns can drive signals, not the reverse",
                ),
            );
        }
        invalid(span)
    }

    fn node(
        &mut self,
        spec: &'static NodeSpec,
        called_as: &str,
        name_span: Span,
        args: &[Arg],
        chain_input: Option<TExpr>,
        span: Span,
    ) -> TExpr {
        let positional: Vec<&Expr> = args
            .iter()
            .filter_map(|a| match a {
                Arg::Positional(e) => Some(e),
                Arg::Keyword { .. } => None,
            })
            .collect();
        let mut positional = positional.into_iter();
        let mut input_ty = None;
        // `x # adsr a d s r`: an envelope after a signal shapes its level.
        if spec.gated {
            if let Some(input) = chain_input {
                let envelope = self.node(spec, called_as, name_span, args, None, span);
                let input =
                    self.expect_signal(input, false, &format!("the input of `{called_as}`"));
                let ty = if input.ty == Type::Processor {
                    Type::Processor
                } else {
                    Type::Signal
                };
                let kind = TKind::Binary {
                    op: BinOp::Mul,
                    lhs: Box::new(input),
                    rhs: Box::new(envelope),
                };
                return self.typed(kind, ty, span);
            }
        }
        let input = if !spec.has_input {
            if let Some(input) = chain_input {
                if input.ty != Type::Invalid {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            format!("`{called_as}` takes no input"),
                        )
                        .at(name_span, "a generator cannot follow `#`")
                        .with_note(input.span, "this would be its input")
                        .with_hint(format!(
                            "mix signals with `+`, or multiply them: `... * {called_as} ...`"
                        )),
                    );
                }
                return invalid(span);
            }
            None
        } else if let Some(input) = chain_input {
            input_ty = Some(input.ty);
            Some(self.expect_signal(input, false, &format!("the input of `{called_as}`")))
        } else {
            let count = positional.len();
            let first_is_input = match positional.clone().next() {
                Some(first) if count > spec.params.len() => Some(first),
                Some(first) if count > spec.required_params() => {
                    let checked_type = self.peek_type(first);
                    matches!(
                        checked_type,
                        Type::Signal | Type::Pattern(PatternType::Event)
                    )
                    .then_some(first)
                }
                _ => None,
            };
            match first_is_input {
                Some(first) => {
                    positional.next();
                    let checked = self.check(first);
                    input_ty = Some(checked.ty);
                    Some(self.expect_signal(checked, false, &format!("the input of `{called_as}`")))
                }
                // `ad 0.001 0.2` on its own: an envelope outside a voice,
                // retriggered at every cycle start by the cycle gate.
                None if spec.gated => None,
                None => {
                    input_ty = Some(Type::Processor);
                    Some(TExpr {
                        kind: TKind::Hole,
                        ty: Type::Processor,
                        span: name_span,
                    })
                }
            }
        };

        let mut params: Vec<Option<TExpr>> = vec![None; spec.params.len()];
        let mut given: Vec<Option<Span>> = vec![None; spec.params.len()];
        for (index, arg) in positional.enumerate() {
            if index >= spec.params.len() {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::TOO_MANY_ARGUMENTS,
                        format!("too many arguments for `{called_as}`"),
                    )
                    .at(arg.span, "no parameter left for this argument")
                    .with_hint(usage(spec, called_as)),
                );
                break;
            }
            let param = &spec.params[index];
            let checked = self.check(arg);
            params[index] = Some(self.expect_signal(
                checked,
                param.unit == "Hz",
                &format!("`{called_as}` {}", param.name),
            ));
            given[index] = Some(arg.span);
        }
        for arg in args {
            let Arg::Keyword { name, value } = arg else {
                continue;
            };
            let word = name.name.trim_start_matches(':');
            let Some(index) = spec.param_index(word) else {
                let candidates = spec
                    .params
                    .iter()
                    .flat_map(|p| std::iter::once(p.name).chain(p.aliases.iter().copied()));
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_PARAMETER,
                    format!("`{called_as}` has no parameter `{word}`"),
                )
                .at(name.span, "unknown parameter name");
                d = match suggest_name(word, candidates) {
                    Some(near) => d.with_hint(format!(
                        "did you mean `:{near}`? {}",
                        usage(spec, called_as)
                    )),
                    None => d.with_hint(usage(spec, called_as)),
                };
                self.diagnostics.push(d);
                continue;
            };
            let param = &spec.params[index];
            if let Some(earlier) = given[index] {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::DUPLICATE_ARGUMENT,
                        format!("`{}` is given twice", param.name),
                    )
                    .at(name.span, "given again here")
                    .with_note(earlier, "first given here")
                    .with_hint(format!("remove one of the two; {}", usage(spec, called_as))),
                );
                continue;
            }
            let checked = self.check(value);
            params[index] = Some(self.expect_signal(
                checked,
                param.unit == "Hz",
                &format!("`{called_as}` {}", param.name),
            ));
            given[index] = Some(name.span.to(value.span));
        }
        let mut missing = false;
        for (param, value) in spec.params.iter().zip(&params) {
            if value.is_none() && param.default.is_none() {
                missing = true;
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::MISSING_ARGUMENT,
                        format!("`{called_as}` needs its `{}` argument", param.name),
                    )
                    .at(
                        name_span,
                        format!(
                            "`{}` ({}) has no default",
                            param.name,
                            unit_words(param.unit)
                        ),
                    )
                    .with_hint(usage(spec, called_as)),
                );
            }
        }
        let ty = match input_ty {
            Some(Type::Processor) => Type::Processor,
            _ => Type::Signal,
        };
        let kind = TKind::Node {
            spec,
            input: input.map(Box::new),
            params,
        };
        let mut result = self.typed(kind, ty, span);
        if missing {
            result.ty = Type::Invalid;
        }
        result
    }

    /// The type an expression would get, without reporting anything twice.
    fn peek_type(&mut self, expr: &Expr) -> Type {
        let saved = self.diagnostics.len();
        let ty = self.check(expr).ty;
        self.diagnostics.truncate(saved);
        ty
    }

    /// Accepts `t` where a signal is expected (numbers and numeric patterns
    /// are; note names only in a frequency position; events as their voices).
    fn expect_signal(&mut self, t: TExpr, frequency: bool, place: &str) -> TExpr {
        let problem = match t.ty {
            Type::Number | Type::Signal | Type::Invalid | Type::Processor => return t,
            Type::Pattern(PatternType::Numeric | PatternType::Event) => return t,
            Type::Pattern(PatternType::Note) if frequency => return t,
            Type::Pattern(PatternType::Note) => (
                format!("{place} expects a number or a signal, found note names"),
                "note names are read as Hz only in a frequency position: `saw \"c2 eb2\"`".to_string(),
            ),
            Type::Pattern(PatternType::Word) => (
                format!("{place} expects a number or a signal, found a pattern of words"),
                "to play samples write `s \"bd sn\"`; a frequency pattern holds numbers or notes: `saw \"55 110\"`"
                    .to_string(),
            ),
            Type::Transform => (
                format!("{place} expects a signal, found a pattern transform"),
                "a transform follows `$` and acts on a pattern: `s \"bd sn\" $ fast 2`".to_string(),
            ),
        };
        self.diagnostics.push(
            Diagnostic::error(codes::TYPE_MISMATCH, problem.0)
                .at(t.span, format!("this is {}", t.ty.describe()))
                .with_hint(problem.1),
        );
        invalid(t.span)
    }
}

/// Reports a processor used where a signal must come out (an output, a
/// signal bus read by `+`): done by `lower`, which knows where it ends up.
pub fn processor_needs_input(t: &TExpr, place: &str) -> Diagnostic {
    let name = first_processor_name(t).unwrap_or("this chain");
    Diagnostic::error(codes::TYPE_MISMATCH, format!("`{name}` needs a signal input"))
        .at(t.span, format!("{place} needs a signal, and this chain has no input"))
        .with_hint(format!(
            "give it an input with `#`: `saw 55 # {name} ...`, or as its first argument: `{name} (saw 55) ...`"
        ))
}

fn first_processor_name(t: &TExpr) -> Option<&'static str> {
    match &t.kind {
        TKind::Node { spec, input, .. } => match input.as_deref() {
            Some(TExpr {
                kind: TKind::Hole, ..
            }) => Some(spec.name),
            Some(inner) => first_processor_name(inner),
            None => None,
        },
        TKind::Binary { lhs, rhs, .. } => {
            first_processor_name(lhs).or_else(|| first_processor_name(rhs))
        }
        TKind::Neg(inner) => first_processor_name(inner),
        _ => None,
    }
}

fn is_event_param(name: &str) -> bool {
    EVENT_PARAMS.contains(&name) || EVENT_PARAM_GROUPS.iter().any(|(n, _)| *n == name)
}

fn usage(spec: &NodeSpec, called_as: &str) -> String {
    let params: Vec<String> = spec
        .params
        .iter()
        .map(|p| match p.default {
            Some(d) => format!("{} (default {d})", p.name),
            None => p.name.to_string(),
        })
        .collect();
    let input = if spec.has_input {
        "an input, then "
    } else {
        ""
    };
    if params.is_empty() {
        format!("`{called_as}` takes {input}no parameters")
    } else {
        format!("`{called_as}` takes {input}{}", params.join(", "))
    }
}

fn unit_words(unit: &str) -> &str {
    if unit.is_empty() {
        "no unit"
    } else {
        unit
    }
}

/// What a pattern holds, judged from its first cycles.
fn classify(pattern: &Pattern<Value>) -> PatternType {
    let mut kind = PatternType::Numeric;
    for hap in pattern
        .query_arc(Fraction::ZERO, Fraction::from_int(8))
        .iter()
        .take(4096)
    {
        match &hap.value {
            Value::Map(_) => return PatternType::Event,
            Value::Num(_) | Value::Bool(_) => {}
            Value::Str(s) if note_to_midi(s).is_some() => kind = PatternType::Note,
            Value::Str(_) | Value::List(_) => return PatternType::Word,
        }
    }
    kind
}

/// Applies a `$` transform to every pattern inside a signal expression,
/// including patterns read from pattern buses (`saw ~notes $ fast 2`), but
/// not signal buses: a signal bus is one shared signal. Sets `found` when
/// there was a pattern to change.
fn transform_patterns(
    t: TExpr,
    f: &Transform,
    suffix: &str,
    pattern_bus: &dyn Fn(BusId) -> Option<TExpr>,
    found: &mut bool,
) -> TExpr {
    let mut recurse = |t: TExpr| transform_patterns(t, f, suffix, pattern_bus, found);
    let kind = match t.kind {
        TKind::Pattern { pattern, text } => {
            *found = true;
            TKind::Pattern {
                pattern: f(pattern),
                text: format!("{text}{suffix}"),
            }
        }
        TKind::Bus(id) => match pattern_bus(id) {
            Some(read) => recurse(read).kind,
            None => TKind::Bus(id),
        },
        TKind::Node {
            spec,
            input,
            params,
        } => TKind::Node {
            spec,
            input: input.map(|i| Box::new(recurse(*i))),
            params: params.into_iter().map(|p| p.map(&mut recurse)).collect(),
        },
        TKind::Binary { op, lhs, rhs } => TKind::Binary {
            op,
            lhs: Box::new(recurse(*lhs)),
            rhs: Box::new(recurse(*rhs)),
        },
        TKind::Neg(inner) => TKind::Neg(Box::new(recurse(*inner))),
        TKind::Apply { input, processor } => TKind::Apply {
            input: Box::new(recurse(*input)),
            processor,
        },
        TKind::Mix(items) => TKind::Mix(items.into_iter().map(recurse).collect()),
        other => other,
    };
    TExpr { kind, ..t }
}

/// A short source-like rendering of an expression, for pattern text.
pub fn step_text(expr: &Expr) -> String {
    crate::text::expr_source(expr)
}
