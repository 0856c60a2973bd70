//! The pattern transforms (`fast 2`, `every 3 (fast 2)`, `off 0.125 (add
//! 12)`, ...) and their registry: the one table that the query command, the
//! name checker and the conformance test all read.
//!
//! Semantics follow Strudel 1.2.6 hap for hap: constant arguments never cut
//! haps; patterned arguments are sampled per event and inner-joined, as
//! Strudel's `register` does. The implementations live in `time`,
//! `structure`, `values` and `chance`; this module only checks arguments and
//! dispatches.

pub(crate) mod args;
mod chance;
mod registry;
pub mod structure;
pub mod time;
pub mod values;

use crate::pattern::{Pattern, Value};
use std::fmt;
use std::sync::Arc;

/// A pattern transform, ready to apply.
pub type Transform = Arc<dyn Fn(Pattern<Value>) -> Pattern<Value> + Send + Sync>;

/// One argument given to a transform.
#[derive(Clone)]
pub enum TransformArg {
    /// A value argument. A constant is a pattern whose `pure` field is set
    /// (`pattern::pure(Value::Num(2.0))`); it never cuts haps. Any other
    /// pattern is a patterned argument.
    Pattern(Pattern<Value>),
    /// A function argument, such as `(fast 2)` in `every 3 (fast 2)`.
    Function(Transform),
}

impl fmt::Debug for TransformArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransformArg::Pattern(pat) => f.debug_tuple("Pattern").field(pat).finish(),
            TransformArg::Function(_) => f.write_str("Function"),
        }
    }
}

/// What kind of argument a transform parameter takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A number, constant or patterned (`2`, `"<1 2>"`).
    Number,
    /// A pattern of any values, such as a structure (`"x ~ x x"`).
    Pattern,
    /// A transform (`(fast 2)`).
    Function,
    /// One or more transforms, as all the remaining arguments.
    Functions,
}

impl ParamKind {
    /// The parameter kind in words, with its article (`a number pattern`).
    pub fn describe(self) -> &'static str {
        match self {
            ParamKind::Number => "a number pattern",
            ParamKind::Pattern => "a pattern",
            ParamKind::Function => "a function",
            ParamKind::Functions => "one or more functions",
        }
    }

    fn takes_function(self) -> bool {
        matches!(self, ParamKind::Function | ParamKind::Functions)
    }
}

/// One transform in the registry.
#[derive(Debug)]
pub struct TransformSpec {
    /// The name as Strudel spells it.
    pub name: &'static str,
    /// Other names for the same transform (Strudel's own, and `rotL`/`rotR`).
    pub aliases: &'static [&'static str],
    /// The parameters in order, before the pattern being transformed.
    pub params: &'static [ParamKind],
    /// What the transform does, in one line.
    pub summary: &'static str,
    /// A typical use, as written in a Phonon program.
    pub example: &'static str,
    build: fn(Vec<TransformArg>) -> Transform,
}

impl TransformSpec {
    /// Every name this transform answers to, its own first.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.name).chain(self.aliases.iter().copied())
    }

    /// How to call it, in words: "`every` takes a number pattern and a
    /// function, like `every 3 (fast 2)`".
    pub fn usage(&self, called_as: &str) -> String {
        if self.params.is_empty() {
            return format!("`{called_as}` takes no arguments, like `{}`", self.example);
        }
        let kinds: Vec<&str> = self.params.iter().map(|p| p.describe()).collect();
        let list = match kinds.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        format!("`{called_as}` takes {list}, like `{}`", self.example)
    }

    fn accepts(&self, args: &[TransformArg]) -> bool {
        let variadic = self.params.last() == Some(&ParamKind::Functions);
        let arity_ok = if variadic {
            args.len() >= self.params.len()
        } else {
            args.len() == self.params.len()
        };
        arity_ok
            && args.iter().enumerate().all(|(i, arg)| {
                let kind = self.params.get(i).or(self.params.last()).copied();
                let is_function = matches!(arg, TransformArg::Function(_));
                kind.is_some_and(|k| k.takes_function() == is_function)
            })
    }
}

/// Every transform, in a stable order.
pub fn all() -> &'static [TransformSpec] {
    registry::SPECS
}

/// The transform with this name or alias.
pub fn lookup(name: &str) -> Option<&'static TransformSpec> {
    registry::SPECS
        .iter()
        .find(|spec| spec.names().any(|n| n == name))
}

/// The known transform name closest to `name`, for "did you mean" hints.
pub fn suggest(name: &str) -> Option<&'static str> {
    registry::SPECS
        .iter()
        .flat_map(TransformSpec::names)
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The transform `name` with its arguments, checked for number and kind.
/// The error says how to call it, in words.
pub fn build(name: &str, args: Vec<TransformArg>) -> Result<Transform, String> {
    let Some(spec) = lookup(name) else {
        return Err(match suggest(name) {
            Some(near) => format!("unknown transform `{name}`; did you mean `{near}`?"),
            None => format!("unknown transform `{name}`"),
        });
    };
    if !spec.accepts(&args) {
        return Err(spec.usage(name));
    }
    Ok((spec.build)(args))
}

#[cfg(test)]
mod tests;
