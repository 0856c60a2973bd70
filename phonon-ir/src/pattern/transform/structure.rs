//! Transforms that choose, combine or restructure: conditional application
//! (`every firstOf lastOf whenmod chunk within when`), layering (`off
//! superimpose layer`), structure from another pattern (`struct mask`) and
//! slicing (`bite`).
//!
//! Cycle conventions follow Strudel 1.2.6: `every n f` applies `f` in cycles
//! 0, n, 2n, ...; `lastOf n f` in cycles n-1, 2n-1, ...; negative cycles that
//! are not multiples of n play nothing, as Strudel's `slowcatPrime` does.

use super::time::{iter, repeat_cycles, zoom};
use super::values::js_truthy;
use crate::pattern::{pure, silence, stack, Fraction, Pattern, TimeSpan, Value};

/// A transform applied to a pattern (a function argument of a transform).
pub type Apply<'a> = &'a dyn Fn(Pattern<Value>) -> Pattern<Value>;

/// Applies `f` in one cycle out of every `n`: the first (`every`/`firstOf`)
/// or, with `last`, the last (`lastOf`). `n` below 1 is silence (Strudel
/// cannot build the cycle list).
pub fn first_of(pat: &Pattern<Value>, n: i64, f: Apply, last: bool) -> Pattern<Value> {
    if n < 1 {
        return silence();
    }
    let special_index = if last { n - 1 } else { 0 };
    let applied = f(pat.clone());
    let plain = pat.clone();
    Pattern::new(move |span: TimeSpan| {
        // JavaScript's remainder: negative cycles give negative indices,
        // which select nothing.
        match span.begin.floor_int() % n {
            index if index < 0 => Vec::new(),
            index if index == special_index => applied.query(span),
            _ => plain.query(span),
        }
    })
    .split_queries()
}

/// Applies `f` in the cycles whose start, modulo `period`, is at least
/// `threshold` (`whenmod 4 2 f`: cycles 2, 3, 6, 7, ...). Tidal's
/// `whenmod`; Strudel 1.2.6 has none. A period of zero never applies `f`.
pub fn when_mod(
    pat: &Pattern<Value>,
    period: Fraction,
    threshold: Fraction,
    f: Apply,
) -> Pattern<Value> {
    if period.is_zero() {
        return pat.clone();
    }
    let applied = f(pat.clone());
    let plain = pat.clone();
    Pattern::new(move |span: TimeSpan| {
        let position = span.begin - period * (span.begin / period).floor();
        if position >= threshold {
            applied.query(span)
        } else {
            plain.query(span)
        }
    })
    .split_queries()
}

/// Plays `f(pat)` where `condition` is true and `pat` where it is false, cut
/// at the condition's event boundaries (Strudel's `when` with a patterned
/// condition; a constant condition picks one side whole).
pub fn when(pat: &Pattern<Value>, condition: &Pattern<Value>, f: Apply) -> Pattern<Value> {
    if let Some(constant) = &condition.pure {
        return if js_truthy(constant) {
            f(pat.clone())
        } else {
            pat.clone()
        };
    }
    let applied = f(pat.clone());
    let plain = pat.clone();
    condition
        .app_left(&pure(()), |c, _| js_truthy(c))
        .fmap(move |on| if on { applied.clone() } else { plain.clone() })
        .inner_join()
}

/// Divides each cycle into `n` parts and applies `f` to one part per cycle,
/// moving forwards (`chunk`) or, with `back`, backwards (`chunkBack`).
/// Each source cycle is repeated `n` times, as Strudel 1.2.6 does.
pub fn chunk(pat: &Pattern<Value>, n: i64, f: Apply, back: bool) -> Pattern<Value> {
    if n < 1 {
        return silence();
    }
    let parts = Fraction::from_int(n);
    // `n` steps per cycle, true in the first: Strudel's `sequence(true, false, ...)`.
    let first_step = pure(Value::Bool(true)).fast(parts).with_hap(|hap| {
        let first = hap.whole.is_some_and(|w| w.begin.cycle_pos().is_zero());
        hap.with_value(|_| Value::Bool(first))
    });
    // Moving the chunk forwards means shifting the flags later in time.
    let flags = iter(&first_step, parts, !back);
    when(&repeat_cycles(pat, parts), &flags, f)
}

/// Applies `f` to the events that start within `[begin, end]` of each cycle
/// (both ends inclusive, as in Strudel) and stacks the rest unchanged.
pub fn within(pat: &Pattern<Value>, begin: Fraction, end: Fraction, f: Apply) -> Pattern<Value> {
    let position = |hap: &crate::pattern::Hap<Value>| hap.whole_or_part().begin.cycle_pos();
    let chosen = pat.filter_haps(move |h| (begin..=end).contains(&position(h)));
    let others = pat.filter_haps(move |h| !(begin..=end).contains(&position(h)));
    stack(vec![f(chosen), others])
}

/// The pattern and `f` of it delayed by `time`, together (`off`).
pub fn off(pat: &Pattern<Value>, time: Fraction, f: Apply) -> Pattern<Value> {
    stack(vec![pat.clone(), f(pat.late(time))])
}

/// The pattern together with each function's result (`superimpose`).
pub fn superimpose(pat: &Pattern<Value>, fs: &[Apply]) -> Pattern<Value> {
    let mut layers = vec![pat.clone()];
    layers.extend(fs.iter().map(|f| f(pat.clone())));
    stack(layers)
}

/// Each function's result, stacked, without the original (`layer`).
pub fn layer(pat: &Pattern<Value>, fs: &[Apply]) -> Pattern<Value> {
    stack(fs.iter().map(|f| f(pat.clone())).collect())
}

/// The structure of `structure` filled with the values of `pat`: an event
/// for every true (truthy) structure event (`struct`).
pub fn struct_by(pat: &Pattern<Value>, structure: &Pattern<Value>) -> Pattern<Value> {
    keep_some(pat.app_right(structure, |a, b| js_truthy(b).then(|| a.clone())))
}

/// `pat` silenced wherever `mask` is false or has no event, its events cut
/// at the mask's event boundaries (`mask`).
pub fn mask_by(pat: &Pattern<Value>, mask: &Pattern<Value>) -> Pattern<Value> {
    keep_some(pat.app_left(mask, |a, b| js_truthy(b).then(|| a.clone())))
}

fn keep_some(pat: Pattern<Option<Value>>) -> Pattern<Value> {
    let steps = pat.steps;
    Pattern::new(move |span| {
        pat.query(span)
            .into_iter()
            .filter_map(|hap| {
                let value = hap.value?;
                Some(crate::pattern::Hap::new(hap.whole, hap.part, value))
            })
            .collect()
    })
    .with_steps(steps)
}

/// Cuts each cycle into `slices` parts and plays them in the order `indices`
/// gives, each squeezed into its index event (`bite 4 "0 2 1 3"`). Indices
/// wrap as in Strudel (the remainder keeps the sign, so -1 reaches before
/// the cycle).
pub fn bite(
    pat: &Pattern<Value>,
    slices: &Pattern<Value>,
    indices: &Pattern<Value>,
) -> Pattern<Value> {
    let source = pat.clone();
    indices
        .app_left(slices, |i, n| (i.clone(), n.clone()))
        .fmap(move |(index, count)| slice(&source, &index, &count))
        .squeeze_join()
}

fn slice(pat: &Pattern<Value>, index: &Value, count: &Value) -> Pattern<Value> {
    let (Some(index), Some(count)) = (
        index.as_f64().and_then(Fraction::from_f64),
        count.as_f64().and_then(Fraction::from_f64),
    ) else {
        return silence();
    };
    if count.is_zero() {
        return silence();
    }
    let ratio = index / count;
    let truncated = if ratio < Fraction::ZERO {
        ratio.ceil()
    } else {
        ratio.floor()
    };
    let begin = ratio - truncated;
    zoom(pat, begin, begin + Fraction::ONE / count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{fastcat, slowcat};

    fn f(n: i128, d: i128) -> Fraction {
        Fraction::new(n, d)
    }

    fn seq(words: &str) -> Pattern<Value> {
        fastcat(
            words
                .split_whitespace()
                .map(|w| pure(Value::from(w)))
                .collect(),
        )
    }

    fn nums(values: &[f64]) -> Pattern<Value> {
        fastcat(values.iter().map(|v| pure(Value::Num(*v))).collect())
    }

    /// Onset values of one cycle, in time order, as JSON.
    fn cycle(pat: &Pattern<Value>, c: i64) -> Vec<String> {
        let mut haps: Vec<_> = pat
            .query_arc(Fraction::from_int(c), Fraction::from_int(c + 1))
            .into_iter()
            .filter(|h| h.has_onset())
            .collect();
        haps.sort_by_key(|h| h.part.begin);
        haps.into_iter()
            .map(|h| {
                h.value
                    .as_str()
                    .map_or_else(|| h.value.to_json(), str::to_string)
            })
            .collect()
    }

    fn reversed(p: Pattern<Value>) -> Pattern<Value> {
        p.rev()
    }

    #[test]
    fn every_applies_in_the_first_cycle_of_each_group() {
        let pat = first_of(&seq("a b"), 3, &reversed, false);
        assert_eq!(cycle(&pat, 0), ["b", "a"]);
        assert_eq!(cycle(&pat, 1), ["a", "b"]);
        assert_eq!(cycle(&pat, 2), ["a", "b"]);
        assert_eq!(cycle(&pat, 3), ["b", "a"]);
        // Strudel's slowcatPrime: negative cycles off the multiples are silent.
        assert!(cycle(&pat, -1).is_empty());
        assert_eq!(cycle(&pat, -3), ["b", "a"]);
        assert!(first_of(&seq("a"), 0, &reversed, false)
            .query_arc(f(0, 1), f(1, 1))
            .is_empty());
    }

    #[test]
    fn last_of_applies_in_the_last_cycle_of_each_group() {
        let pat = first_of(&seq("a b"), 3, &reversed, true);
        assert_eq!(cycle(&pat, 0), ["a", "b"]);
        assert_eq!(cycle(&pat, 2), ["b", "a"]);
        assert_eq!(cycle(&pat, 5), ["b", "a"]);
    }

    #[test]
    fn whenmod_applies_from_the_threshold_on() {
        let pat = when_mod(
            &seq("a b"),
            Fraction::from_int(4),
            Fraction::from_int(2),
            &reversed,
        );
        let applied: Vec<bool> = (0..8).map(|c| cycle(&pat, c) == ["b", "a"]).collect();
        assert_eq!(
            applied,
            [false, false, true, true, false, false, true, true]
        );
    }

    #[test]
    fn chunk_moves_through_the_cycle() {
        let add7 = |p: Pattern<Value>| {
            super::super::values::op_in(
                &p,
                &pure(Value::Num(7.0)),
                super::super::values::NumOp::Add,
            )
        };
        let pat = chunk(&nums(&[0.0, 1.0, 2.0, 3.0]), 4, &add7, false);
        assert_eq!(cycle(&pat, 0), ["7", "1", "2", "3"]);
        assert_eq!(cycle(&pat, 1), ["0", "8", "2", "3"]);
        assert_eq!(cycle(&pat, 3), ["0", "1", "2", "10"]);
        let back = chunk(&nums(&[0.0, 1.0, 2.0, 3.0]), 4, &add7, true);
        assert_eq!(cycle(&back, 1), ["0", "1", "2", "10"]);
        // Source cycles repeat n times: cycle 1 of a changing pattern plays its cycle 0.
        let changing = slowcat(vec![seq("a b"), seq("c d")]);
        let unchanged = |p: Pattern<Value>| p;
        let repeated = chunk(&changing, 2, &unchanged, false);
        let played: Vec<Vec<String>> = (0..4).map(|c| cycle(&repeated, c)).collect();
        assert_eq!(played, [["a", "b"], ["a", "b"], ["c", "d"], ["c", "d"]]);
    }

    #[test]
    fn within_includes_both_ends() {
        let pat = within(&seq("a b c d"), f(0, 1), f(1, 2), &|p| {
            p.fast(Fraction::from_int(2))
        });
        assert_eq!(cycle(&pat, 0), ["a", "b", "c", "a", "b", "c", "d"]);
    }

    #[test]
    fn bite_squeezes_slices_into_index_events() {
        let pat = bite(
            &seq("a b c d e f g h"),
            &pure(Value::Num(4.0)),
            &nums(&[3.0, 0.0]),
        );
        assert_eq!(cycle(&pat, 0), ["g", "h", "a", "b"]);
        let wrapped = bite(&seq("a b c d"), &pure(Value::Num(2.0)), &nums(&[3.0]));
        assert_eq!(cycle(&wrapped, 0), ["c", "d"]);
    }

    #[test]
    fn struct_and_mask_keep_true_events() {
        let structure = nums(&[1.0, 0.0, 1.0, 1.0]);
        assert_eq!(cycle(&struct_by(&seq("a"), &structure), 0), ["a", "a", "a"]);
        let masked = mask_by(&seq("a b"), &nums(&[0.0, 1.0]));
        assert_eq!(cycle(&masked, 0), ["b"]);
    }
}
