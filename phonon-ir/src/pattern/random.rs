//! Strudel 1.2.6's default ("legacy") pseudo-random generator, bit for bit,
//! and the pattern functions built on it: `rand`, `perlin`, `irand`,
//! degrading, `sometimesBy`, `someCyclesBy`, `shuffle` and `scramble`.
//!
//! The generator is seeded by time only: the value at time `t` is an xorshift
//! of `t` stretched so that 300 cycles cover 2^29 steps. The same query always
//! gives the same answer. Patterned arguments are the caller's business: these
//! functions take constants (see each function for how Strudel patternifies it).

use super::core::{pure, signal, stack, Pattern};
use super::fraction::Fraction;
use super::span::TimeSpan;
use super::value::Value;

const TWO_POW_29: f64 = 536_870_912.0;

/// One xorshift step on a 32-bit integer, as JavaScript's `<<` and `>>` do it.
fn xorwise(x: i32) -> i32 {
    let a = (x << 13) ^ x;
    let b = (a >> 17) ^ a;
    (b << 5) ^ b
}

/// The integer seed for time `t` (in cycles, as a double).
pub fn time_to_int_seed(t: f64) -> i32 {
    let scaled = t / 300.0;
    let fraction = scaled - scaled.trunc();
    // `trunc` of a value below 2^29 in magnitude: the cast is exact.
    xorwise((fraction * TWO_POW_29).trunc() as i32)
}

fn int_seed_to_rand(seed: i32) -> f64 {
    f64::from(seed % 536_870_912) / TWO_POW_29
}

/// The random number in `[0, 1)` at time `t` (Strudel's `timeToRand`).
pub fn time_to_rand(t: f64) -> f64 {
    int_seed_to_rand(time_to_int_seed(t)).abs()
}

/// `n` successive numbers from the seed at time `t`. Unlike [`time_to_rand`],
/// these keep their sign (Strudel's `timeToRands` with `n > 1`), so they lie
/// in `(-1, 1)`; `n == 1` gives `[time_to_rand(t)]`.
pub fn time_to_rands(t: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![time_to_rand(t)];
    }
    let mut seed = time_to_int_seed(t);
    let mut result = Vec::with_capacity(n);
    for _ in 0..n {
        result.push(int_seed_to_rand(seed));
        seed = xorwise(seed);
    }
    result
}

fn num(value: &Value) -> Option<f64> {
    value.as_f64()
}

/// A continuous pattern of random numbers in `[0, 1)`.
pub fn rand() -> Pattern<Value> {
    signal(|t: Fraction| Value::Num(time_to_rand(t.to_f64())))
}

/// Perlin noise in `[0, 1]`: random values at whole cycles, joined by a
/// smootherstep curve.
pub fn perlin() -> Pattern<Value> {
    signal(|t: Fraction| Value::Num(perlin_at(t.to_f64())))
}

fn perlin_at(t: f64) -> f64 {
    let before = t.floor();
    let after = before + 1.0;
    let x = t - before;
    let smoother = 6.0 * x.powf(5.0) - 15.0 * x.powf(4.0) + 10.0 * x.powf(3.0);
    let a = time_to_rand(before);
    let b = time_to_rand(after);
    a + smoother * (b - a)
}

/// A continuous pattern of random integers from 0 to `n - 1`
/// (`irand` with a constant; Strudel patternifies it with an inner join:
/// `n_pat.inner_bind(|n| irand(n))`).
pub fn irand(n: f64) -> Pattern<Value> {
    rand().fmap(move |v| Value::Num((num(&v).unwrap_or(0.0) * n).trunc()))
}

/// Keeps the events of `pat` for which `with` (sampled at the event's whole)
/// is above `amount` (Strudel's `_degradeByWith`). Keeps `pat`'s steps.
pub fn degrade_by_with(pat: &Pattern<Value>, with: &Pattern<Value>, amount: f64) -> Pattern<Value> {
    let above = with.filter_values(move |v| num(v).is_some_and(|x| x > amount));
    pat.app_left(&above, |a, _| a.clone()).with_steps(pat.steps)
}

/// Drops each event with probability `amount`, deciding by `rand` at the
/// event's onset. Strudel registers `degradeBy` as patternified: a patterned
/// amount is `amount_pat.inner_bind(|x| degrade_by(pat, x))` with `pat`'s
/// steps kept, so `degradeBy "<0.25 0.75>"` uses 0.25 in even cycles.
pub fn degrade_by(pat: &Pattern<Value>, amount: f64) -> Pattern<Value> {
    degrade_by_with(pat, &rand(), amount)
}

/// The complement of [`degrade_by`] with `1 - amount`: keeps exactly the
/// events `degrade_by(pat, amount)` drops. Patternified like `degrade_by`.
pub fn undegrade_by(pat: &Pattern<Value>, amount: f64) -> Pattern<Value> {
    degrade_by_with(pat, &inverted(rand()), amount)
}

fn inverted(pat: Pattern<Value>) -> Pattern<Value> {
    pat.fmap(|v| Value::Num(1.0 - num(&v).unwrap_or(0.0)))
}

/// Applies `f` to a random selection of the events (probability `amount`),
/// passing the others through. As in Strudel, the result is an inner join
/// over a constant pattern of `amount`, so it is cut at cycle boundaries even
/// when `amount` is a constant. For a patterned amount, Strudel does
/// `amount_pat.inner_bind(|x| sometimes_by(pat, x, f))` (after sampling the
/// function argument, a pure pattern, with `app_left` over the amount's haps).
pub fn sometimes_by(
    pat: &Pattern<Value>,
    amount: f64,
    f: &dyn Fn(Pattern<Value>) -> Pattern<Value>,
) -> Pattern<Value> {
    let both = stack(vec![
        degrade_by(pat, amount),
        f(undegrade_by(pat, 1.0 - amount)),
    ]);
    pure(Value::Num(amount)).inner_bind(move |_| both.clone())
}

/// Like [`sometimes_by`], but decides once per cycle (by `rand` at the cycle's
/// start) whether the whole cycle goes through `f`. Patternified the same way.
pub fn some_cycles_by(
    pat: &Pattern<Value>,
    amount: f64,
    f: &dyn Fn(Pattern<Value>) -> Pattern<Value>,
) -> Pattern<Value> {
    let kept = degrade_by_with(pat, &segment_by(&rand(), Fraction::ONE), amount);
    let changed = f(degrade_by_with(
        pat,
        &segment_by(&inverted(rand()), Fraction::ONE),
        1.0 - amount,
    ));
    let both = stack(vec![kept, changed]);
    pure(Value::Num(amount)).inner_bind(move |_| both.clone())
}

/// Chooses, per hap of `chooser` (values in `[0, 1)`), one of `options`,
/// taking the structure from the chosen pattern (Strudel's `chooseInWith`).
pub fn choose_in_with(chooser: &Pattern<Value>, options: Vec<Pattern<Value>>) -> Pattern<Value> {
    if options.is_empty() {
        return super::core::silence();
    }
    let count = options.len();
    chooser.inner_bind(move |v| {
        let scaled = num(v).unwrap_or(0.0) * count as f64 + 0.0;
        let index = scaled.floor().clamp(0.0, (count - 1) as f64) as usize;
        options[index].clone()
    })
}

/// Plays the `n` parts of each cycle in a random order, each once per cycle.
/// Strudel patternifies `shuffle` with an inner join over `n`.
pub fn shuffle(pat: &Pattern<Value>, n: Fraction) -> Pattern<Value> {
    let Some(parts) = part_count(n) else {
        return super::core::silence();
    };
    rearrange_with(&random_run(parts), parts, pat)
}

/// Plays `n` random parts of each cycle, with repeats (Strudel's `scramble`,
/// patternified like `shuffle`).
pub fn scramble(pat: &Pattern<Value>, n: Fraction) -> Pattern<Value> {
    let Some(parts) = part_count(n) else {
        return super::core::silence();
    };
    let indices = segment_by(&irand(parts as f64), Fraction::from_int(parts as i64));
    rearrange_with(&indices, parts, pat)
}

/// Strudel builds `n` zoomed copies of the pattern: `n` must be a small
/// positive whole number.
fn part_count(n: Fraction) -> Option<usize> {
    const MOST_PARTS: i128 = 4096;
    (n.denom() == 1 && (1..=MOST_PARTS).contains(&n.numer())).then(|| n.numer() as usize)
}

/// Each cycle, a random permutation of `0..n`, one index per `1/n` of the
/// cycle (Strudel's `randrun`).
fn random_run(n: usize) -> Pattern<Value> {
    let permutation = signal(move |t: Fraction| {
        let seed_time = t.floor() + Fraction::new(1, 2);
        let rands = time_to_rands(seed_time.to_f64(), n);
        let mut order: Vec<usize> = (0..n).collect();
        // A stable sort, as JavaScript's, so equal values keep index order.
        order.sort_by(|&a, &b| {
            rands[a]
                .partial_cmp(&rands[b])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let position = (t.cycle_pos() * Fraction::from_int(n as i64)).floor_int();
        let slot = position.rem_euclid(n as i64) as usize;
        Value::Num(order[slot] as f64)
    });
    segment_by(&permutation, Fraction::from_int(n as i64))
}

/// Plays, for each index `i` of `indices`, part `i` of `n` of the cycle
/// (Strudel's `_rearrangeWith`).
fn rearrange_with(indices: &Pattern<Value>, n: usize, pat: &Pattern<Value>) -> Pattern<Value> {
    let count = Fraction::from_int(n as i64);
    let parts: Vec<Pattern<Value>> = (0..n as i64)
        .map(|i| {
            let part = zoom(
                pat,
                Fraction::from_int(i) / count,
                Fraction::from_int(i + 1) / count,
            );
            repeat_cycles(&part, count).fast(count)
        })
        .collect();
    indices.inner_bind(move |v| {
        let index = num(v).unwrap_or(0.0);
        if index >= 0.0 && (index as usize) < parts.len() && index.fract() == 0.0 {
            parts[index as usize].clone()
        } else {
            super::core::silence()
        }
    })
}

/// Samples `pat` `n` times per cycle: structure from a fast `pure`, values
/// from `pat` at each segment's start (Strudel's `segment`).
pub(crate) fn segment_by(pat: &Pattern<Value>, n: Fraction) -> Pattern<Value> {
    pat.app_right(&pure(Value::Bool(true)).fast(n), |a, _| a.clone())
        .with_steps(Some(n))
}

/// Plays `[begin, end)` of each cycle stretched to the whole cycle (Strudel's `zoom`).
fn zoom(pat: &Pattern<Value>, begin: Fraction, end: Fraction) -> Pattern<Value> {
    let width = end - begin;
    pat.with_query_span(move |span| span.with_cycle(|t| t * width + begin))
        .with_hap_span(move |span: TimeSpan| span.with_cycle(|t| (t - begin) / width))
        .split_queries()
}

/// Repeats each cycle `n` times (Strudel's `repeatCycles`; mini-notation's `!` uses it too).
pub(crate) fn repeat_cycles(pat: &Pattern<Value>, n: Fraction) -> Pattern<Value> {
    let source = pat.clone();
    Pattern::new(move |span: TimeSpan| {
        let cycle = span.begin.sam();
        let delta = cycle - (cycle / n).sam();
        source
            .query(span.with_time(|t| t - delta))
            .into_iter()
            .map(|hap| hap.with_span(|s| s.with_time(|t| t + delta)))
            .collect()
    })
    .split_queries()
    .with_steps(pat.steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values computed by hand from Strudel's signal.mjs: the seed is
    // xorshift(trunc(frac(t / 300) * 2^29)).
    #[test]
    fn seeds_follow_the_legacy_generator() {
        assert_eq!(time_to_int_seed(0.0), 0);
        // t = 300 * 2^-29: the scaled seed is 1, and xorshift(1) = 1 ^ 1<<13 ^ ... = 270369.
        assert_eq!(time_to_int_seed(300.0 / TWO_POW_29), 270_369);
        assert_eq!(time_to_rand(0.0), 0.0);
    }

    #[test]
    fn rand_matches_strudel() {
        // From Strudel 1.2.6: rand.queryArc(t, t)[0].value.
        let cases = [
            (0.5, 0.2604806162416935),
            (1.0, 0.5195421651005745),
            (0.25, 0.36975969187915325),
            (1000.125, 0.6239332370460033),
            (-1.5, 0.6083470769226551),
        ];
        for (t, expected) in cases {
            assert_eq!(time_to_rand(t), expected, "t = {t}");
        }
    }

    #[test]
    fn rands_keep_their_sign() {
        let rands = time_to_rands(0.5, 4);
        assert_eq!(rands.len(), 4);
        assert_eq!(rands[0].abs(), time_to_rand(0.5));
        assert!(rands.iter().all(|r| (-1.0..1.0).contains(r)));
    }

    #[test]
    fn perlin_joins_whole_cycle_values() {
        assert_eq!(perlin_at(2.0), time_to_rand(2.0));
        let mid = perlin_at(2.5);
        let (a, b) = (time_to_rand(2.0), time_to_rand(3.0));
        assert!((mid - (a + b) / 2.0).abs() < 1e-12);
        // From Strudel 1.2.6: perlin.queryArc(t, t)[0].value.
        assert!((perlin_at(0.25) - 0.05378073193423916).abs() < 1e-15);
        assert!((perlin_at(1000.125) - 0.9880312833473681).abs() < 1e-15);
    }

    #[test]
    fn degrade_and_undegrade_split_the_events() {
        let pat = pure(Value::from("x")).fast(Fraction::from_int(16));
        let span = (Fraction::ZERO, Fraction::from_int(4));
        let kept = degrade_by(&pat, 0.3).query_arc(span.0, span.1).len();
        let other = undegrade_by(&pat, 0.7).query_arc(span.0, span.1).len();
        assert_eq!(kept + other, 64);
        assert!(kept > 0 && other > 0);
    }

    #[test]
    fn shuffle_plays_each_part_once_per_cycle() {
        let parts: Vec<Pattern<Value>> = (0..4).map(|i| pure(Value::Num(f64::from(i)))).collect();
        let pat = super::super::core::fastcat(parts);
        for cycle in 0..8 {
            let mut values: Vec<i64> = shuffle(&pat, Fraction::from_int(4))
                .query_arc(Fraction::from_int(cycle), Fraction::from_int(cycle + 1))
                .into_iter()
                .map(|h| h.value.as_f64().unwrap_or(-1.0) as i64)
                .collect();
            values.sort_unstable();
            assert_eq!(values, vec![0, 1, 2, 3]);
        }
    }
}
