//! Pattern expressions to patterns: strings are mini-notation, numbers are
//! constants, `$ t args` applies a transform from the registry, `# param v`
//! sets a control on every event, `s`/`note`/`n` make event patterns.
//!
//! This is what `phonon query` evaluates, and what lowering uses for every
//! pattern inside a program. It knows nothing about signals: an oscillator or
//! filter here is a diagnostic.

use crate::codes;
use crate::dsp::spec as dsp_spec;
use crate::pattern::transform::{self, ParamKind, Transform, TransformArg};
use crate::pattern::{
    fastcat, mini, pure, signals, silence, slowcat, stack, Fraction, Pattern, Value,
};
use crate::resolve_names::suggest_name;
use phonon_syntax::ast::{Arg, BinOp, Expr, ExprKind, StepKind};
use phonon_syntax::{Diagnostic, Span};
use std::collections::HashMap;

/// Per-event parameters that `#` sets on an event pattern (and that make an
/// event pattern when called on their own: `s "bd"`, `note "c4"`).
pub const EVENT_PARAMS: &[&str] = &[
    "s",
    "sound",
    "n",
    "note",
    "gain",
    "pan",
    "speed",
    "begin",
    "end",
    "cut",
    "legato",
    "attack",
    "decay",
    "sustain",
    "release",
    "velocity",
    "amp",
    "orbit",
    "unit",
    "accelerate",
    "coarse",
    "shape",
    "vowel",
];

/// Event-parameter groups set by one call: `# adsr 0.01 0.1 0.7 0.3`.
pub const EVENT_PARAM_GROUPS: &[(&str, &[&str])] = &[
    ("adsr", &["attack", "decay", "sustain", "release"]),
    ("ad", &["attack", "decay"]),
    ("ar", &["attack", "release"]),
];

/// Functions that combine patterns.
pub const COMBINERS: &[&str] = &["stack", "cat", "slowcat", "fastcat", "silence"];

/// Strudel's continuous signals, patterns when called with no argument.
pub const CONTINUOUS: &[&str] = &[
    "sine", "cosine", "saw", "isaw", "tri", "square", "rand", "perlin",
];

/// Whether `name` is one of the names a pattern expression understands.
pub fn is_pattern_name(name: &str) -> bool {
    EVENT_PARAMS.contains(&name)
        || EVENT_PARAM_GROUPS.iter().any(|(n, _)| *n == name)
        || COMBINERS.contains(&name)
        || CONTINUOUS.contains(&name)
        || transform::lookup(name).is_some()
}

/// The pattern buses a pattern expression may read (`~melody` in
/// `note ~melody`): name (without `~`) to defining expression.
#[derive(Clone, Debug, Default)]
pub struct PatternBuses<'a> {
    definitions: HashMap<&'a str, &'a Expr>,
}

impl<'a> PatternBuses<'a> {
    pub fn new(definitions: impl IntoIterator<Item = (&'a str, &'a Expr)>) -> PatternBuses<'a> {
        PatternBuses {
            definitions: definitions.into_iter().collect(),
        }
    }
}

/// Evaluates a standalone pattern expression (no buses).
pub fn eval_pattern_expr(expr: &Expr) -> Result<Pattern<Value>, Vec<Diagnostic>> {
    eval_pattern_with(expr, &PatternBuses::default())
}

/// Evaluates a pattern expression that may read pattern buses.
pub fn eval_pattern_with(
    expr: &Expr,
    buses: &PatternBuses,
) -> Result<Pattern<Value>, Vec<Diagnostic>> {
    Evaluator::new(buses).pattern(expr)
}

/// Builds the transform of a `$` step (`fast 2`, `every 3 (fast 2)`).
pub fn eval_transform_step(
    step: &Expr,
    buses: &PatternBuses,
) -> Result<Transform, Vec<Diagnostic>> {
    Evaluator::new(buses).function(step)
}

/// The exact value of a constant arithmetic expression (`1/3`, `-0.25`,
/// `2 * 3`), or `None` if it is not one.
pub fn constant_value(expr: &Expr) -> Option<Fraction> {
    match &expr.kind {
        ExprKind::Number(n) => Fraction::parse(&n.text).or_else(|| Fraction::from_f64(n.value)),
        ExprKind::Neg(inner) => constant_value(inner).map(|v| -v),
        ExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = (constant_value(lhs)?, constant_value(rhs)?);
            Some(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if b.is_zero() => return None,
                BinOp::Div => a / b,
            })
        }
        _ => None,
    }
}

type Eval<T> = Result<T, Vec<Diagnostic>>;

struct Evaluator<'b, 'a> {
    buses: &'b PatternBuses<'a>,
    /// Buses being evaluated, to report a bus defined through itself.
    in_progress: Vec<String>,
}

impl<'b, 'a> Evaluator<'b, 'a> {
    fn new(buses: &'b PatternBuses<'a>) -> Self {
        Evaluator {
            buses,
            in_progress: Vec::new(),
        }
    }

    fn pattern(&mut self, expr: &Expr) -> Eval<Pattern<Value>> {
        if let Some(value) = constant_value(expr) {
            return Ok(pure(Value::Num(value.to_f64())));
        }
        match &expr.kind {
            ExprKind::Number(n) => Ok(pure(Value::Num(n.value))),
            ExprKind::Str(lit) => mini_pattern(&lit.value, lit.content),
            ExprKind::Bus(name) => self.bus(&name.name, name.span),
            ExprKind::List(items) => Ok(stack(self.patterns(items)?)),
            ExprKind::Neg(inner) => Ok(self.pattern(inner)?.fmap(|v| map_number(v, |x| -x))),
            ExprKind::Binary { op, lhs, rhs } => {
                let (left, right) = both(self.pattern(lhs), self.pattern(rhs))?;
                let op = *op;
                Ok(left.app_left(&right, move |a, b| arithmetic(op, a, b)))
            }
            ExprKind::Step { kind, input, step } => {
                let input = self.pattern(input);
                match kind {
                    StepKind::Transform => {
                        let (input, f) = both(input, self.function(step))?;
                        Ok(f(input))
                    }
                    StepKind::Chain => {
                        let (input, controls) = both(input, self.controls(step))?;
                        Ok(controls
                            .into_iter()
                            .fold(input, |pat, (name, value)| set_control(&pat, name, &value)))
                    }
                }
            }
            ExprKind::Call { func, args } => self.call(&func.name, func.span, args, expr.span),
        }
    }

    fn patterns(&mut self, exprs: &[Expr]) -> Eval<Vec<Pattern<Value>>> {
        let mut errors = Vec::new();
        let mut pats = Vec::new();
        for e in exprs {
            match self.pattern(e) {
                Ok(p) => pats.push(p),
                Err(mut es) => errors.append(&mut es),
            }
        }
        if errors.is_empty() {
            Ok(pats)
        } else {
            Err(errors)
        }
    }

    fn bus(&mut self, name: &str, span: Span) -> Eval<Pattern<Value>> {
        let Some(definition) = self.buses.definitions.get(name).copied() else {
            let known: Vec<&str> = self.buses.definitions.keys().copied().collect();
            let mut d = Diagnostic::error(codes::UNKNOWN_BUS, format!("no bus named `~{name}`"))
                .at(span, "not defined anywhere in the program");
            if let Some(near) = suggest_name(name, known) {
                d = d.with_hint(format!("did you mean `~{near}`?"));
            }
            return Err(vec![d]);
        };
        if self.in_progress.iter().any(|n| n == name) {
            return Err(vec![Diagnostic::error(
                codes::PATTERN_CYCLE,
                format!("the pattern bus `~{name}` is defined in terms of itself"),
            )
            .at(span, "read while it is being defined")
            .with_hint(
                "only signal buses can feed back; a pattern needs a definition without itself",
            )]);
        }
        self.in_progress.push(name.to_string());
        let result = self.pattern(definition);
        self.in_progress.pop();
        result
    }

    fn call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[Arg],
        span: Span,
    ) -> Eval<Pattern<Value>> {
        let positional = positional_args(args)?;
        if EVENT_PARAMS.contains(&name) || EVENT_PARAM_GROUPS.iter().any(|(n, _)| *n == name) {
            let controls = self.controls_of(name, name_span, args, span)?;
            let base = pure(Value::Map(Default::default()));
            let mut result = None;
            for (control, value) in controls {
                let pat = match result.take() {
                    // The first control gives the structure, as `s "bd*2"` does.
                    None => value.fmap(move |v| control_map(control, v)),
                    Some(pat) => set_control(&pat, control, &value),
                };
                result = Some(pat);
            }
            return Ok(result.unwrap_or(base));
        }
        match name {
            "stack" => return Ok(stack(self.patterns(&flatten_lists(&positional))?)),
            "cat" | "slowcat" => return Ok(slowcat(self.patterns(&flatten_lists(&positional))?)),
            "fastcat" => return Ok(fastcat(self.patterns(&flatten_lists(&positional))?)),
            "silence" if positional.is_empty() => return Ok(silence()),
            _ => {}
        }
        if positional.is_empty() && CONTINUOUS.contains(&name) {
            if let Some(signal) = signals::continuous(name) {
                return Ok(signal);
            }
        }
        if let Some(spec) = transform::lookup(name) {
            let variadic = spec.params.last() == Some(&ParamKind::Functions);
            if !variadic && positional.len() == spec.params.len() + 1 {
                let (input, fargs) = positional.split_last().expect("at least one argument");
                let (input, f) = both(
                    self.pattern(input),
                    self.build(name, name_span, fargs, span),
                )?;
                return Ok(f(input));
            }
            return Err(vec![Diagnostic::error(
                codes::TYPE_MISMATCH,
                format!("`{name}` is a transform, not a pattern"),
            )
            .at(span, "a transform needs a pattern to act on")
            .with_hint(format!(
                "apply it with `$`: `s \"bd sn\" $ {}`",
                spec.example
            ))]);
        }
        if let Some(node) = dsp_spec::lookup(name) {
            // `sine 0.5` is an oscillator, yet bare `sine` is a pattern: say so
            // rather than list `sine` among the patterns.
            let hint = if CONTINUOUS.contains(&name) {
                format!("`{name}` alone, with no frequency, is a pattern that moves once per cycle: `{name} * 2 + 1`")
            } else {
                "patterns are strings, numbers, `s`, `note`, `stack`, `cat` and the continuous `sine`, `saw`, ...".to_string()
            };
            return Err(vec![Diagnostic::error(
                codes::NOT_A_PATTERN,
                format!("`{}` makes a signal, which is not a pattern", node.name),
            )
            .at(span, "an audio signal cannot be used as a pattern")
            .with_hint(hint)]);
        }
        Err(vec![unknown_function(name, name_span, &[])])
    }

    /// The controls a `#` step sets, each with its value pattern.
    fn controls(&mut self, step: &Expr) -> Eval<Vec<(&'static str, Pattern<Value>)>> {
        match &step.kind {
            ExprKind::Call { func, args } => {
                if EVENT_PARAMS.contains(&func.name.as_str())
                    || EVENT_PARAM_GROUPS.iter().any(|(n, _)| *n == func.name)
                {
                    return self.controls_of(&func.name, func.span, args, step.span);
                }
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_PARAMETER,
                    format!("`{}` is not an event parameter", func.name),
                )
                .at(func.span, "`#` on a pattern sets a parameter of each event");
                d = match dsp_spec::lookup(&func.name) {
                    Some(_) => d.with_hint(format!(
                        "`{}` processes audio; it belongs in a program (`phonon check`), not in a pattern query",
                        func.name
                    )),
                    None => match suggest_name(&func.name, EVENT_PARAMS.iter().copied()) {
                        Some(near) => d.with_hint(format!("did you mean `{near}`?")),
                        None => d.with_hint(format!("event parameters: {}", EVENT_PARAMS.join(", "))),
                    },
                };
                Err(vec![d])
            }
            _ => Err(vec![Diagnostic::error(
                codes::TYPE_MISMATCH,
                "`#` on a pattern takes a parameter name and its value",
            )
            .at(step.span, "expected a parameter such as `gain 0.8`")]),
        }
    }

    fn controls_of(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[Arg],
        span: Span,
    ) -> Eval<Vec<(&'static str, Pattern<Value>)>> {
        let positional = positional_args(args)?;
        let names: Vec<&'static str> = match EVENT_PARAM_GROUPS.iter().find(|(n, _)| *n == name) {
            Some((_, group)) => group.to_vec(),
            None => EVENT_PARAMS
                .iter()
                .copied()
                .filter(|p| *p == name)
                .collect(),
        };
        if positional.len() != names.len() {
            let what = if names.len() == 1 {
                "a value".to_string()
            } else {
                format!("{} values ({})", names.len(), names.join(", "))
            };
            return Err(vec![Diagnostic::error(
                if positional.len() < names.len() {
                    codes::MISSING_ARGUMENT
                } else {
                    codes::TOO_MANY_ARGUMENTS
                },
                format!("`{name}` takes {what}"),
            )
            .at(
                if positional.is_empty() {
                    name_span
                } else {
                    span
                },
                format!("given {}", positional.len()),
            )]);
        }
        let mut controls = Vec::new();
        let mut errors = Vec::new();
        for (control, arg) in names.into_iter().zip(positional) {
            let value = match (&arg.kind, control) {
                // `# s saw`: a bare name is the instrument's name.
                (ExprKind::Call { func, args }, "s" | "sound" | "vowel") if args.is_empty() => {
                    Ok(pure(Value::Str(func.name.clone())))
                }
                _ => self.pattern(arg),
            };
            match value {
                Ok(v) => controls.push((canonical_control(control), v)),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(controls)
        } else {
            Err(errors)
        }
    }

    /// A function argument or `$` step: `fast 2`, `rev`, `every 3 (fast 2)`.
    fn function(&mut self, expr: &Expr) -> Eval<Transform> {
        match &expr.kind {
            ExprKind::Call { func, args } => {
                let positional = positional_args(args)?;
                self.build(&func.name, func.span, &positional, expr.span)
            }
            _ => Err(vec![Diagnostic::error(
                codes::TYPE_MISMATCH,
                "expected a pattern transform",
            )
            .at(expr.span, "not a transform")
            .with_hint(
                "a transform is a name with its arguments: `fast 2`, `every 3 (fast 2)`",
            )]),
        }
    }

    fn build(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[&Expr],
        span: Span,
    ) -> Eval<Transform> {
        let Some(spec) = transform::lookup(name) else {
            let mut d = Diagnostic::error(
                codes::UNKNOWN_TRANSFORM,
                format!("unknown transform `{name}`"),
            )
            .at(name_span, "not a pattern transform");
            if let Some(near) = transform::suggest(name) {
                d = d.with_hint(format!("did you mean `{near}`?"));
            }
            return Err(vec![d]);
        };
        let mut built = Vec::new();
        let mut errors = Vec::new();
        for (i, arg) in args.iter().enumerate() {
            let kind = spec.params.get(i).or(spec.params.last()).copied();
            let value = match kind {
                Some(ParamKind::Function | ParamKind::Functions) => {
                    self.function(arg).map(TransformArg::Function)
                }
                _ => self.argument_pattern(arg).map(TransformArg::Pattern),
            };
            match value {
                Ok(v) => built.push(v),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        transform::build(name, built).map_err(|message| {
            vec![Diagnostic::error(
                if args.len() < spec.params.len() {
                    codes::MISSING_ARGUMENT
                } else {
                    codes::TYPE_MISMATCH
                },
                format!("wrong arguments for `{name}`"),
            )
            .at(
                span,
                format!(
                    "given {} argument{}",
                    args.len(),
                    if args.len() == 1 { "" } else { "s" }
                ),
            )
            .with_hint(message)]
        })
    }

    /// A transform's value argument: a string that is a plain number is a
    /// constant (so it never cuts haps); anything else is a pattern.
    fn argument_pattern(&mut self, arg: &Expr) -> Eval<Pattern<Value>> {
        if let ExprKind::Str(lit) = &arg.kind {
            if let Some(value) = Fraction::parse(&lit.value) {
                return Ok(pure(Value::Num(value.to_f64())));
            }
        }
        self.pattern(arg)
    }
}

/// A mini-notation string, with its diagnostics placed in the file.
pub fn mini_pattern(text: &str, content: Span) -> Eval<Pattern<Value>> {
    mini::parse_pattern(text).map_err(|diagnostics| {
        diagnostics
            .into_iter()
            .map(|mut d| {
                for label in &mut d.labels {
                    label.span = label.span.shifted(content.start);
                }
                d
            })
            .collect()
    })
}

/// The "unknown function" diagnostic, suggesting the nearest known name among
/// nodes, transforms, event parameters, pattern functions and `extra`.
pub fn unknown_function(name: &str, span: Span, extra: &[&'static str]) -> Diagnostic {
    let mut d = Diagnostic::error(
        codes::UNKNOWN_FUNCTION,
        format!("unknown function `{name}`"),
    )
    .at(span, "no node, transform or parameter has this name");
    if let Some(hint) = parameter_of_node_hint(name) {
        return d.with_hint(hint);
    }
    if let Some(near) = suggest_name(
        name,
        crate::resolve_names::known_function_names().chain(extra.iter().copied()),
    ) {
        d = d.with_hint(format!("did you mean `{near}`?"));
    }
    d
}

/// For a node parameter used as a function (`# room 0.3`, as SuperDirt
/// spells it), which nodes take it and how to write it.
fn parameter_of_node_hint(name: &str) -> Option<String> {
    let nodes: Vec<&crate::dsp::spec::NodeSpec> = crate::dsp::spec::all()
        .iter()
        .filter(|spec| spec.param_index(name).is_some())
        .collect();
    let first = nodes.first()?;
    let param = &first.params[first.param_index(name)?];
    let names: Vec<String> = nodes
        .iter()
        .take(4)
        .map(|n| format!("`{}`", n.name))
        .collect();
    Some(format!(
        "`{name}` is a parameter of {}, not a function: write `# {} :{} 0.5` (or its value in position)",
        names.join(", "),
        first.name,
        param.name
    ))
}

fn positional_args(args: &[Arg]) -> Eval<Vec<&Expr>> {
    let mut positional = Vec::new();
    for arg in args {
        match arg {
            Arg::Positional(e) => positional.push(e),
            Arg::Keyword { name, .. } => {
                return Err(vec![Diagnostic::error(
                    codes::UNKNOWN_PARAMETER,
                    format!(
                        "`:{}`: pattern functions take no keyword arguments",
                        name.name
                    ),
                )
                .at(
                    name.span,
                    "keyword arguments name the parameters of signal nodes",
                )]);
            }
        }
    }
    Ok(positional)
}

fn flatten_lists<'e>(args: &[&'e Expr]) -> Vec<Expr> {
    args.iter()
        .flat_map(|e| match &e.kind {
            ExprKind::List(items) => items.clone(),
            _ => vec![(*e).clone()],
        })
        .collect()
}

fn both<A, B>(a: Eval<A>, b: Eval<B>) -> Eval<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(mut x), Err(mut y)) => {
            x.append(&mut y);
            Err(x)
        }
        (Err(x), _) | (_, Err(x)) => Err(x),
    }
}

fn canonical_control(name: &str) -> &'static str {
    match name {
        "sound" => "s",
        other => EVENT_PARAMS
            .iter()
            .copied()
            .find(|p| *p == other)
            .unwrap_or("value"),
    }
}

/// The controls one value sets: `s "bd:3"` sets `s` to `bd` and `n` to 3.
fn control_entries(control: &'static str, value: Value) -> Vec<(String, Value)> {
    match (control, value) {
        ("s", Value::List(parts)) if !parts.is_empty() => {
            let mut parts = parts.into_iter();
            let mut entries = vec![(
                "s".to_string(),
                parts.next().unwrap_or(Value::Str(String::new())),
            )];
            if let Some(n) = parts.next() {
                entries.push(("n".to_string(), n));
            }
            entries
        }
        (name, value) => vec![(name.to_string(), value)],
    }
}

fn control_map(control: &'static str, value: Value) -> Value {
    Value::Map(control_entries(control, value).into_iter().collect())
}

/// `pat # control value`: structure from `pat`, the value at each of its events.
fn set_control(
    pat: &Pattern<Value>,
    control: &'static str,
    value: &Pattern<Value>,
) -> Pattern<Value> {
    pat.app_left(value, move |event, v| {
        control_entries(control, v.clone())
            .into_iter()
            .fold(event.clone(), |event, (name, v)| {
                event.with_control(&name, v)
            })
    })
}

fn map_number(value: Value, f: impl Fn(f64) -> f64) -> Value {
    match value {
        Value::Num(x) => Value::Num(f(x)),
        other => other,
    }
}

fn arithmetic(op: BinOp, a: &Value, b: &Value) -> Value {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => Value::Num(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => x / y,
        }),
        _ => a.clone(),
    }
}
