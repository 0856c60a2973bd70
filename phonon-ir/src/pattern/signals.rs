//! Strudel's continuous 0..1 signals with a period of one cycle, as patterns:
//! `sine cosine saw isaw tri square rand perlin`.
//!
//! Each query returns one hap without a whole, covering the query and valued
//! at the query's begin (Strudel's `signal`). These are pattern values, not
//! audio oscillators: `sine 440` is a different thing, decided by the caller.

use super::core::{fastcat, signal, Pattern};
use super::fraction::Fraction;
use super::random::{perlin, rand};
use super::value::Value;
use std::f64::consts::PI;

/// The names [`continuous`] knows.
pub const SIGNAL_NAMES: [&str; 8] = [
    "sine", "cosine", "saw", "isaw", "tri", "square", "rand", "perlin",
];

/// The continuous signal called `name`, or `None` if there is none.
pub fn continuous(name: &str) -> Option<Pattern<Value>> {
    Some(match name {
        "sine" => sine(),
        // Strudel's cosine is the sine a quarter cycle early.
        "cosine" => sine().early(Fraction::new(1, 4)),
        "saw" => saw(),
        "isaw" => isaw(),
        "tri" => fastcat(vec![saw(), isaw()]),
        "square" => signal(|t: Fraction| Value::Num(((t.to_f64() * 2.0) % 2.0).floor())),
        "rand" => rand(),
        "perlin" => perlin(),
        _ => return None,
    })
}

fn sine() -> Pattern<Value> {
    signal(|t: Fraction| Value::Num(((PI * 2.0 * t.to_f64()).sin() + 1.0) / 2.0))
}

fn saw() -> Pattern<Value> {
    signal(|t: Fraction| Value::Num(t.to_f64() % 1.0))
}

fn isaw() -> Pattern<Value> {
    signal(|t: Fraction| Value::Num(1.0 - t.to_f64() % 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(name: &str, begin: Fraction, end: Fraction) -> Vec<(Option<()>, f64)> {
        continuous(name)
            .expect("known signal")
            .query_arc(begin, end)
            .into_iter()
            .map(|h| (h.whole.map(|_| ()), h.value.as_f64().unwrap_or(f64::NAN)))
            .collect()
    }

    #[test]
    fn signals_are_valued_at_the_query_begin() {
        let q = Fraction::new(1, 4);
        assert_eq!(at("saw", q, Fraction::new(1, 2)), vec![(None, 0.25)]);
        assert_eq!(at("isaw", q, Fraction::new(1, 2)), vec![(None, 0.75)]);
        assert_eq!(
            at("square", Fraction::new(3, 4), Fraction::ONE),
            vec![(None, 1.0)]
        );
        assert!((at("sine", q, q)[0].1 - 1.0).abs() < 1e-12);
        assert!((at("cosine", Fraction::ZERO, Fraction::ZERO)[0].1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn tri_rises_then_falls() {
        assert_eq!(
            at("tri", Fraction::new(1, 4), Fraction::new(1, 4))[0].1,
            0.5
        );
        assert_eq!(
            at("tri", Fraction::new(3, 4), Fraction::new(3, 4))[0].1,
            0.5
        );
        // A query across the half cycle sees both halves.
        assert_eq!(at("tri", Fraction::new(1, 4), Fraction::new(3, 4)).len(), 2);
    }

    #[test]
    fn unknown_names_are_none() {
        assert!(continuous("sine2").is_none());
        assert!(SIGNAL_NAMES.iter().all(|n| continuous(n).is_some()));
    }
}
