//! Transforms that change values, not time: `add sub mul range invert`, and
//! the control setters `hurry` and `echo` rely on (`speed`, `gain`).
//!
//! Arithmetic follows Strudel's operator composers: the argument is combined
//! from the left (`appLeft`), so the input keeps its structure; note names
//! count as their MIDI numbers (`"c3"` + 12 is 60); control maps combine key
//! by key. Where Strudel would throw (a word such as `"bd"` plus a number),
//! the value is left unchanged instead.

use crate::pattern::note::note_to_midi;
use crate::pattern::{Pattern, Value};
use std::collections::BTreeMap;

/// A binary numeric operator as Strudel's `add`/`sub`/`mul` apply it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumOp {
    Add,
    Sub,
    Mul,
}

impl NumOp {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            NumOp::Add => a + b,
            NumOp::Sub => a - b,
            NumOp::Mul => a * b,
        }
    }
}

/// `pat` combined with `arg` by `op`, structure from `pat` (Strudel's
/// `pat.add(arg)` and friends, the `in` flavour).
pub fn op_in(pat: &Pattern<Value>, arg: &Pattern<Value>, op: NumOp) -> Pattern<Value> {
    pat.app_left(arg, move |a, b| compose(a, b, op))
}

/// Scales values from 0..1 to `min..max` (Strudel's `range`:
/// `pat.mul(max - min).add(min)`).
pub fn range(pat: &Pattern<Value>, min: f64, max: f64) -> Pattern<Value> {
    let scaled = op_in(
        pat,
        &crate::pattern::pure(Value::Num(max - min)),
        NumOp::Mul,
    );
    op_in(&scaled, &crate::pattern::pure(Value::Num(min)), NumOp::Add)
}

/// Swaps true and false, reading every value for its JavaScript truthiness
/// (Strudel's `invert`): `"1 0"` becomes `false true`.
pub fn invert(pat: &Pattern<Value>) -> Pattern<Value> {
    pat.fmap(|v| Value::Bool(!js_truthy(&v)))
}

/// JavaScript truthiness, which Strudel's `struct`, `mask` and `invert` use:
/// `0`, `NaN`, `false` and the empty word are false; every other value,
/// including lists and control maps, is true.
pub fn js_truthy(value: &Value) -> bool {
    match value {
        Value::Num(n) => *n != 0.0 && !n.is_nan(),
        Value::Bool(b) => *b,
        Value::Str(s) => !s.is_empty(),
        Value::List(_) | Value::Map(_) => true,
    }
}

/// A value read as a number the way Strudel's `parseNumeral` does: numbers,
/// numeric words, booleans, and note names as MIDI numbers.
pub fn numeral(value: &Value) -> Option<f64> {
    match value {
        Value::Num(n) => Some(*n),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Str(s) => {
            let trimmed = s.trim();
            if trimmed.is_empty() {
                return Some(0.0);
            }
            trimmed
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .or_else(|| note_to_midi(s))
        }
        Value::List(_) | Value::Map(_) => None,
    }
}

/// Sets control `name` on a value, replacing an earlier setting (Strudel's
/// `pat.gain(x)` on each value).
pub fn set_control(value: Value, name: &str, control: Value) -> Value {
    value.with_control(name, control)
}

/// Combines control `name` into a value by multiplication: a value that
/// already has the control gets the product, any other gets the control
/// (how `hurry` sets `speed`).
pub fn mul_control(value: Value, name: &str, factor: f64) -> Value {
    let existing = match &value {
        Value::Map(map) => map.get(name).cloned(),
        _ => None,
    };
    let combined = match existing {
        Some(old) => match numeral(&old) {
            Some(n) => Value::Num(n * factor),
            None => old,
        },
        None => Value::Num(factor),
    };
    value.with_control(name, combined)
}

/// Strudel's `_composeOp` for the numeric operators: plain values combine as
/// numbers; if either side is a control map, the plain side becomes
/// `{value: x}` and the maps combine key by key.
fn compose(a: &Value, b: &Value, op: NumOp) -> Value {
    match (a, b) {
        (Value::Map(_), _) | (_, Value::Map(_)) => {
            let left = as_map(a);
            let right = as_map(b);
            if right.len() == 1 && right.contains_key("value") {
                // Strudel refuses arithmetic with a bare value on a control map.
                return Value::Map(left);
            }
            let mut result = left.clone();
            for (key, right_value) in &right {
                let combined = match left.get(key) {
                    Some(left_value) => combine_numbers(left_value, right_value, op),
                    None => right_value.clone(),
                };
                result.insert(key.clone(), combined);
            }
            Value::Map(result)
        }
        _ => combine_numbers(a, b, op),
    }
}

fn combine_numbers(a: &Value, b: &Value, op: NumOp) -> Value {
    match (numeral(a), numeral(b)) {
        (Some(x), Some(y)) => Value::Num(op.apply(x, y)),
        _ => a.clone(),
    }
}

fn as_map(value: &Value) -> BTreeMap<String, Value> {
    match value {
        Value::Map(map) => map.clone(),
        other => BTreeMap::from([("value".to_string(), other.clone())]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{fastcat, pure, Fraction};

    fn values(pat: &Pattern<Value>) -> Vec<String> {
        pat.query_arc(Fraction::ZERO, Fraction::ONE)
            .into_iter()
            .map(|h| h.value.to_json())
            .collect()
    }

    #[test]
    fn note_names_add_as_midi_numbers() {
        let pat = fastcat(vec![pure(Value::from("c3")), pure(Value::Num(2.0))]);
        let added = op_in(&pat, &pure(Value::Num(12.0)), NumOp::Add);
        assert_eq!(values(&added), vec!["60", "14"]);
    }

    #[test]
    fn words_are_left_unchanged() {
        let added = op_in(&pure(Value::from("bd")), &pure(Value::Num(1.0)), NumOp::Add);
        assert_eq!(values(&added), vec![r#""bd""#]);
    }

    #[test]
    fn control_maps_combine_key_by_key() {
        let hurried = pure(Value::from("bd")).fmap(|v| mul_control(v, "speed", 2.0));
        assert_eq!(values(&hurried), vec![r#"{"speed":2,"value":"bd"}"#]);
        let twice = hurried.fmap(|v| mul_control(v, "speed", 3.0));
        assert_eq!(values(&twice), vec![r#"{"speed":6,"value":"bd"}"#]);
        let map = Value::Map(BTreeMap::from([("n".to_string(), Value::Num(1.0))]));
        let unchanged = op_in(&pure(map), &pure(Value::Num(1.0)), NumOp::Add);
        assert_eq!(values(&unchanged), vec![r#"{"n":1}"#]);
    }

    #[test]
    fn constant_operands_cut_at_cycle_boundaries_as_in_strudel() {
        // Strudel combines the operand from the left (`appLeft` with a pure
        // pattern), so an event spanning two cycles comes back in two parts.
        let long = pure(Value::Num(1.0)).slow(Fraction::from_int(2));
        let added = op_in(&long, &pure(Value::Num(1.0)), NumOp::Add);
        let parts: Vec<_> = added
            .query_arc(Fraction::ZERO, Fraction::from_int(2))
            .into_iter()
            .map(|h| (h.part.begin, h.part.end))
            .collect();
        assert_eq!(
            parts,
            [
                (Fraction::ZERO, Fraction::ONE),
                (Fraction::ONE, Fraction::from_int(2))
            ]
        );
    }

    #[test]
    fn invert_reads_truthiness() {
        let pat = fastcat(vec![
            pure(Value::Num(1.0)),
            pure(Value::Num(0.0)),
            pure(Value::from("x")),
        ]);
        assert_eq!(values(&invert(&pat)), vec!["false", "true", "false"]);
    }

    #[test]
    fn range_scales_unit_values() {
        let pat = fastcat(vec![pure(Value::Num(0.0)), pure(Value::Num(0.5))]);
        assert_eq!(values(&range(&pat, 1.0, 5.0)), vec!["1", "3"]);
    }
}
