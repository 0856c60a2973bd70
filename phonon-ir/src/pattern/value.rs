//! The values that patterns carry: numbers, words, `bd:3`-style lists,
//! control maps (`{"speed":2,"value":"bd"}`) and booleans.

use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Num(f64),
    /// A word or a note name, as written (`"bd"`, `"c#4"`).
    Str(String),
    Bool(bool),
    /// The `:`-separated parts of an atom: `bd:3` is `[Str("bd"), Num(3)]`.
    List(Vec<Value>),
    /// Named controls; a plain value set to a control lives under `"value"`.
    Map(BTreeMap<String, Value>),
}

impl Value {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Truthiness as Strudel uses it for masks and structs: `false`, `0`,
    /// and the rest words `~`/`-` are false.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Num(n) => *n != 0.0,
            Value::Bool(b) => *b,
            Value::Str(s) => !s.is_empty() && s != "~" && s != "-" && s != "false",
            Value::List(_) | Value::Map(_) => true,
        }
    }

    /// Sets control `name` on this value: a map gets the key, any other value
    /// becomes `{"value": v, name: x}`.
    pub fn with_control(self, name: &str, control: Value) -> Value {
        let mut map = match self {
            Value::Map(map) => map,
            other => BTreeMap::from([("value".to_string(), other)]),
        };
        map.insert(name.to_string(), control);
        Value::Map(map)
    }

    /// Compact JSON text with sorted keys and numbers written as JavaScript
    /// writes them (shortest round trip; integers without a decimal point).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Num(n) => out.push_str(&js_number(*n)),
            Value::Str(s) => write_json_string(out, s),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Map(map) => {
                out.push('{');
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(out, key);
                    out.push(':');
                    item.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Num(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

/// A number as JavaScript's `String(n)` writes it for the values patterns
/// produce: `2`, `2.5`, `-0.25`, `1e+21`.
pub fn js_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if n == 0.0 {
        return "0".into();
    }
    let magnitude = n.abs();
    if (1e-7..1e21).contains(&magnitude) {
        format!("{n}")
    } else {
        // JavaScript switches to exponent form outside that range: `1e+21`, `1e-7`.
        let text = format!("{n:e}");
        match text.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => text,
        }
    }
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_javascript_does() {
        assert_eq!(js_number(2.0), "2");
        assert_eq!(js_number(2.5), "2.5");
        assert_eq!(js_number(-0.25), "-0.25");
        assert_eq!(js_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(js_number(1e21), "1e+21");
    }

    #[test]
    fn controls_wrap_plain_values() {
        let v = Value::from("bd").with_control("speed", Value::Num(2.0));
        assert_eq!(v.to_json(), r#"{"speed":2,"value":"bd"}"#);
        let list = Value::List(vec!["bd".into(), Value::Num(3.0)]);
        assert_eq!(list.to_json(), r#"["bd",3]"#);
    }
}
