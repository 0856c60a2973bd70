//! How transform arguments reach their implementations: Strudel's `register`
//! and its patternify step, which samples patterned arguments per event and
//! joins the results, while constant arguments take a fast path that never
//! cuts haps.

use super::{Transform, TransformArg};
use crate::pattern::{pure, Fraction, Pattern, Value};
use std::sync::Arc;

/// One argument value as a transform's implementation sees it: a value
/// sampled from an argument pattern, or a function.
#[derive(Clone)]
pub(crate) enum Arg {
    Value(Value),
    Function(Transform),
}

impl Arg {
    /// The number this argument holds, if it is one.
    pub(crate) fn num(&self) -> Option<f64> {
        match self {
            Arg::Value(Value::Num(n)) if !n.is_nan() => Some(*n),
            _ => None,
        }
    }

    /// The exact time value Strudel reads a number as (`Fraction(x)` in
    /// fraction.js: `0.1` is 1/10, `1/3` computed in floating point is 1/3).
    pub(crate) fn frac(&self) -> Option<Fraction> {
        self.num().and_then(Fraction::from_f64)
    }

    /// A whole number, for arguments that Strudel uses as an array length.
    pub(crate) fn whole_number(&self) -> Option<i64> {
        let n = self.num()?;
        (n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64)
    }

    pub(crate) fn function(&self) -> Option<&Transform> {
        match self {
            Arg::Function(f) => Some(f),
            Arg::Value(_) => None,
        }
    }
}

/// An argument as a pattern of `Arg`s: a function is a constant pattern of
/// itself, as in Strudel's `reify`.
pub(crate) fn arg_pattern(arg: TransformArg) -> Pattern<Arg> {
    match arg {
        TransformArg::Pattern(pat) => pat.fmap(Arg::Value),
        TransformArg::Function(f) => pure(Arg::Function(f)),
    }
}

/// Whether a registered transform keeps its input's step count
/// (Strudel's `preserveSteps`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Steps {
    Keep,
    FromResult,
}

type Body = dyn Fn(&[Arg], &Pattern<Value>) -> Pattern<Value> + Send + Sync;

/// Strudel's `register` with patternify and an inner join: when every
/// argument is constant, `body` gets the constants directly; otherwise the
/// first argument pattern is sampled per event, the others combined from the
/// left (`appLeft`), and the resulting pattern of patterns inner-joined, so
/// that haps are cut at the argument's event boundaries. `body` returns
/// silence for argument values it cannot use, as a failed Strudel query does.
pub(crate) fn register(
    args: Vec<TransformArg>,
    steps: Steps,
    body: impl Fn(&[Arg], &Pattern<Value>) -> Pattern<Value> + Send + Sync + 'static,
) -> Transform {
    let arg_pats: Vec<Pattern<Arg>> = args.into_iter().map(arg_pattern).collect();
    let body: Arc<Body> = Arc::new(body);
    Arc::new(move |pat: Pattern<Value>| {
        let result = apply_patterned(&arg_pats, &pat, &body);
        match steps {
            Steps::Keep => result.with_steps(pat.steps),
            Steps::FromResult => result,
        }
    })
}

/// Applies `body` to `pat` with arguments that may be patterns (the heart of
/// `register`; also used where Strudel calls a patterned method internally).
pub(crate) fn apply_patterned(
    arg_pats: &[Pattern<Arg>],
    pat: &Pattern<Value>,
    body: &Arc<Body>,
) -> Pattern<Value> {
    let constants: Vec<Arg> = arg_pats.iter().filter_map(|p| p.pure.clone()).collect();
    if constants.len() == arg_pats.len() {
        return body(&constants, pat);
    }
    let Some((first, rest)) = arg_pats.split_first() else {
        return body(&[], pat);
    };
    let mut combined: Pattern<Vec<Arg>> = first.fmap(|a| vec![a]);
    for next in rest {
        combined = combined.app_left(next, |values: &Vec<Arg>, value: &Arg| {
            let mut values = values.clone();
            values.push(value.clone());
            values
        });
    }
    let (pat, body) = (pat.clone(), body.clone());
    combined
        .fmap(move |values| body(&values, &pat))
        .inner_join()
}
