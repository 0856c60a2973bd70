//! Transforms that move, stretch, repeat or cut time: `iter`, `ply`,
//! `zoom`, `linger`, `repeatCycles`, `inside`, `swingBy`, `pressBy`,
//! `segment`, `echoWith` and friends, each with exact (constant) arguments.
//!
//! The plain speed and shift operations (`fast`, `early`, `compress`,
//! `focus`, `fastGap`, `rev`) live on `Pattern` itself in `core.rs`.

use super::structure::struct_by;
use crate::pattern::{pure, silence, slowcat, stack, Fraction, Pattern, TimeSpan, Value};

/// Divides each cycle into `times` parts and starts each cycle one part
/// later than the one before (`iter`), or one part earlier (`iterBack`,
/// `back = true`). A cycle of `times` cycles, as Strudel's `slowcat` of the
/// shifted patterns.
pub fn iter(pat: &Pattern<Value>, times: Fraction, back: bool) -> Pattern<Value> {
    // Strudel builds `times` shifted copies (an array whose length is `times`
    // rounded down); each cycle plays one of them.
    let count = times.floor_int();
    if count <= 0 {
        return silence();
    }
    let shifted = move |pat: &Pattern<Value>, index: i64| {
        let shift = Fraction::from_int(index) / times;
        if back {
            pat.late(shift)
        } else {
            pat.early(shift)
        }
    };
    cycle_through(pat, count, shifted).with_steps(pat.steps)
}

/// Strudel's `slowcat` over `count` patterns made on demand by `make(pat, i)`,
/// so that a large count allocates nothing: cycle `c` plays pattern
/// `c mod count`, shifted so that no cycle of any of them is skipped.
fn cycle_through(
    pat: &Pattern<Value>,
    count: i64,
    make: impl Fn(&Pattern<Value>, i64) -> Pattern<Value> + Send + Sync + 'static,
) -> Pattern<Value> {
    if count == 1 {
        return make(pat, 0);
    }
    let pat = pat.clone();
    let total = Fraction::from_int(count);
    Pattern::new(move |span: TimeSpan| {
        let index = span.begin.floor_int().rem_euclid(count);
        let offset = span.begin.floor() - (span.begin / total).floor();
        make(&pat, index)
            .with_hap_time(move |t| t + offset)
            .query(span.with_time(|t| t - offset))
    })
    .split_queries()
}

/// Repeats each event `factor` times within its own span (`ply`).
pub fn ply(pat: &Pattern<Value>, factor: Fraction) -> Pattern<Value> {
    let steps = pat.steps.map(|s| s * factor);
    pat.fmap(move |v| pure(v).fast(factor))
        .squeeze_join()
        .with_steps(steps)
}

/// Applies `f` to the pattern slowed by `factor`, then speeds the result
/// back up (`inside 2 rev` reverses each half cycle).
pub fn inside(
    pat: &Pattern<Value>,
    factor: Fraction,
    f: &dyn Fn(Pattern<Value>) -> Pattern<Value>,
) -> Pattern<Value> {
    if factor.is_zero() {
        return silence();
    }
    f(pat.slow(factor)).fast(factor)
}

/// Applies `f` to the pattern sped up by `factor`, then slows the result
/// back down (`outside 2 rev` reverses pairs of cycles).
pub fn outside(
    pat: &Pattern<Value>,
    factor: Fraction,
    f: &dyn Fn(Pattern<Value>) -> Pattern<Value>,
) -> Pattern<Value> {
    if factor.is_zero() {
        return silence();
    }
    f(pat.fast(factor)).slow(factor)
}

/// Plays the part `[begin, end)` of each cycle stretched over the whole
/// cycle (`zoom`); an empty or reversed span is nothing.
pub fn zoom(pat: &Pattern<Value>, begin: Fraction, end: Fraction) -> Pattern<Value> {
    if begin >= end {
        return crate::pattern::nothing();
    }
    let width = end - begin;
    let steps = pat.steps.map(|s| s * width);
    pat.with_query_span(move |span| span.with_cycle(|t| t * width + begin))
        .with_hap_span(move |span| span.with_cycle(|t| (t - begin) / width))
        .split_queries()
        .with_steps(steps)
}

/// Repeats the first `fraction` of each cycle to fill the cycle (`linger`).
///
/// A negative fraction repeats the last part of the cycle instead
/// (`linger (-0.25)` repeats the last quarter), as Tidal documents it.
/// Strudel 1.2.6 throws on negative values and Tidal also reverses the
/// repeated part; Phonon plays it forwards.
pub fn linger(pat: &Pattern<Value>, fraction: Fraction) -> Pattern<Value> {
    if fraction.is_zero() {
        return silence();
    }
    if fraction < Fraction::ZERO {
        return zoom(pat, Fraction::ONE + fraction, Fraction::ONE).slow(-fraction);
    }
    zoom(pat, Fraction::ZERO, fraction).slow(fraction)
}

/// Plays each source cycle `times` times (`repeatCycles`). Follows Strudel:
/// cycle `c` plays source cycle `floor(c / times)`.
pub fn repeat_cycles(pat: &Pattern<Value>, times: Fraction) -> Pattern<Value> {
    if times.is_zero() {
        return silence();
    }
    let source = pat.clone();
    Pattern::new(move |span: TimeSpan| {
        let cycle = span.begin.sam();
        let delta = cycle - (cycle / times).sam();
        source
            .query(span.with_time(|t| t - delta))
            .into_iter()
            .map(|hap| hap.with_span(|s| s.with_time(|t| t + delta)))
            .collect()
    })
    .split_queries()
    .with_steps(pat.steps)
}

/// Delays the second half of each of `n` slices per cycle by `amount / 2`
/// of a slice (`swingBy`: `inside n (late "0 amount/2")`, a patterned
/// `late`, so the swung events also leave onset-less fragments).
pub fn swing_by(pat: &Pattern<Value>, amount: f64, slices: Fraction) -> Pattern<Value> {
    let offsets =
        crate::pattern::fastcat(vec![pure(Value::Num(0.0)), pure(Value::Num(amount / 2.0))]);
    inside(pat, slices, &move |p: Pattern<Value>| {
        offsets.inner_bind(
            move |offset| match offset.as_f64().and_then(Fraction::from_f64) {
                Some(offset) => p.late(offset),
                None => silence(),
            },
        )
    })
}

/// Moves each event's start `fraction` of the way into its span, squeezing
/// the event into the rest (`pressBy`; `press` is `pressBy 0.5`).
pub fn press_by(pat: &Pattern<Value>, fraction: Fraction) -> Pattern<Value> {
    pat.fmap(move |v| pure(v).compress(fraction, Fraction::ONE))
        .squeeze_join()
}

/// Samples the pattern `rate` times per cycle (`segment`): the structure of
/// `rate` equal steps, each taking the values that overlap it.
pub fn segment(pat: &Pattern<Value>, rate: Fraction) -> Pattern<Value> {
    struct_by(pat, &pure(Value::Bool(true)).fast(rate)).with_steps(Some(rate))
}

/// Stacks `times` copies, the i-th delayed by `i * time` and passed through
/// `f(copy, i)` (`echoWith`; `echo` and `stut` lower the gain per copy).
/// Strudel counts copies as an array length: `times` rounded down.
pub fn echo_with(
    pat: &Pattern<Value>,
    times: f64,
    time: Fraction,
    f: &dyn Fn(Pattern<Value>, usize) -> Pattern<Value>,
) -> Pattern<Value> {
    let count = copies(times);
    stack(
        (0..count)
            .map(|i| f(pat.late(time * Fraction::from_int(i as i64)), i))
            .collect(),
    )
}

/// `times` copies with gain `feedback^i` on the i-th (`echo`, `stut`).
pub fn echo(pat: &Pattern<Value>, times: f64, time: Fraction, feedback: f64) -> Pattern<Value> {
    echo_with(pat, times, time, &|copy, i| {
        let gain = Value::Num(feedback.powf(i as f64));
        set_gain(&copy, gain)
    })
}

/// Sets the `gain` control on every value, cut at cycle boundaries as
/// Strudel's `pat.gain(x)` (a constant combined from the left) is.
fn set_gain(pat: &Pattern<Value>, gain: Value) -> Pattern<Value> {
    pat.app_left(&pure(gain), |v, g| {
        super::values::set_control(v.clone(), "gain", g.clone())
    })
}

/// The most copies `echo`-style transforms make; more would only cost time.
const MAX_COPIES: usize = 4096;

fn copies(times: f64) -> usize {
    if times.is_nan() || times < 1.0 {
        0
    } else {
        (times.floor() as usize).min(MAX_COPIES)
    }
}

/// Every other cycle, squashes the cycle into its first half and shifts it
/// a quarter cycle later (`brak`).
pub fn brak(pat: &Pattern<Value>) -> Pattern<Value> {
    let toggle = slowcat(vec![pure(Value::Bool(false)), pure(Value::Bool(true))]);
    super::structure::when(pat, &toggle, &|p| {
        crate::pattern::fastcat(vec![p, silence()]).late(Fraction::new(1, 4))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{fastcat, Hap};

    /// A hap's spans moved `offset` cycles earlier, to compare shapes.
    fn shifted(hap: &Hap<Value>, offset: Fraction) -> (Option<TimeSpan>, TimeSpan) {
        let shift = |s: TimeSpan| s.with_time(|t| t - offset);
        (hap.whole.map(shift), shift(hap.part))
    }

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

    /// Onsets in `[b, e)` as (begin, word), in time order.
    fn onsets(pat: &Pattern<Value>, b: i64, e: i64) -> Vec<(Fraction, String)> {
        let mut haps: Vec<_> = pat
            .query_arc(Fraction::from_int(b), Fraction::from_int(e))
            .into_iter()
            .filter(|h| h.has_onset())
            .map(|h| (h.part.begin, h.value.as_str().unwrap_or("?").to_string()))
            .collect();
        haps.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        haps
    }

    fn words(pat: &Pattern<Value>, cycle: i64) -> Vec<String> {
        onsets(pat, cycle, cycle + 1)
            .into_iter()
            .map(|(_, w)| w)
            .collect()
    }

    #[test]
    fn iter_starts_each_cycle_one_part_later() {
        let pat = iter(&seq("a b c d"), Fraction::from_int(4), false);
        assert_eq!(words(&pat, 0), ["a", "b", "c", "d"]);
        assert_eq!(words(&pat, 1), ["b", "c", "d", "a"]);
        assert_eq!(words(&pat, 3), ["d", "a", "b", "c"]);
        assert_eq!(words(&pat, 4), ["a", "b", "c", "d"]);
        let back = iter(&seq("a b c d"), Fraction::from_int(4), true);
        assert_eq!(words(&back, 1), ["d", "a", "b", "c"]);
    }

    #[test]
    fn linger_repeats_the_start_or_with_a_negative_fraction_the_end() {
        let pat = seq("a b c d e f g h");
        assert_eq!(
            words(&linger(&pat, f(1, 4)), 0),
            ["a", "b", "a", "b", "a", "b", "a", "b"]
        );
        assert_eq!(
            words(&linger(&pat, f(-1, 4)), 0),
            ["g", "h", "g", "h", "g", "h", "g", "h"]
        );
        assert_eq!(
            words(&linger(&pat, f(-1, 2)), 2),
            ["e", "f", "g", "h", "e", "f", "g", "h"]
        );
        assert!(linger(&pat, Fraction::ZERO)
            .query_arc(f(0, 1), f(1, 1))
            .is_empty());
    }

    #[test]
    fn repeat_cycles_plays_each_cycle_n_times() {
        let cycles = slowcat(vec![
            pure(Value::from("a")),
            pure(Value::from("b")),
            pure(Value::from("c")),
        ]);
        let pat = repeat_cycles(&cycles, Fraction::from_int(2));
        let played: Vec<String> = (0..6).flat_map(|c| words(&pat, c)).collect();
        assert_eq!(played, ["a", "a", "b", "b", "c", "c"]);
    }

    #[test]
    fn swing_by_leaves_fragments_besides_the_swung_onsets() {
        let pat = swing_by(&seq("h h h h h h h h"), 1.0 / 3.0, Fraction::from_int(4));
        let haps = pat.query_arc(f(0, 1), f(1, 1));
        let starts: Vec<Fraction> = onsets(&pat, 0, 1).into_iter().map(|(t, _)| t).collect();
        assert_eq!(
            starts,
            [
                f(0, 1),
                f(1, 6),
                f(1, 4),
                f(5, 12),
                f(1, 2),
                f(2, 3),
                f(3, 4),
                f(11, 12)
            ]
        );
        // The delayed copy of each slice's second event spills over the
        // slice boundary, leaving a fragment without an onset there.
        let fragments: Vec<_> = haps.iter().filter(|h| !h.has_onset()).collect();
        assert_eq!(fragments.len(), 4);
        assert!(fragments
            .iter()
            .all(|h| h.whole.is_some_and(|w| w.begin < h.part.begin)));
    }

    #[test]
    fn echo_lowers_the_gain_of_each_copy() {
        let pat = echo(&seq("bd"), 3.0, f(1, 8), 0.5);
        let mut haps: Vec<_> = pat
            .query_arc(f(0, 1), f(1, 1))
            .into_iter()
            .filter(|h| h.has_onset())
            .map(|h| (h.part.begin, h.value.to_json()))
            .collect();
        haps.sort_by_key(|h| h.0);
        assert_eq!(
            haps,
            [
                (f(0, 1), r#"{"gain":1,"value":"bd"}"#.to_string()),
                (f(1, 8), r#"{"gain":0.5,"value":"bd"}"#.to_string()),
                (f(1, 4), r#"{"gain":0.25,"value":"bd"}"#.to_string()),
            ]
        );
    }

    #[test]
    fn ply_and_press_stay_inside_each_event() {
        assert_eq!(
            words(&ply(&seq("a b"), Fraction::from_int(2)), 0),
            ["a", "a", "b", "b"]
        );
        let pressed = onsets(&press_by(&seq("a b"), f(1, 2)), 0, 1);
        assert_eq!(
            pressed,
            [(f(1, 4), "a".to_string()), (f(3, 4), "b".to_string())]
        );
    }

    #[test]
    fn zoom_stretches_part_of_a_cycle() {
        assert_eq!(
            words(&zoom(&seq("a b c d"), f(1, 4), f(3, 4)), 5),
            ["b", "c"]
        );
        assert!(zoom(&seq("a"), f(1, 2), f(1, 2))
            .query_arc(f(0, 1), f(1, 1))
            .is_empty());
    }

    #[test]
    fn brak_squashes_every_other_cycle() {
        let pat = brak(&seq("a b"));
        assert_eq!(
            onsets(&pat, 0, 1),
            [(f(0, 1), "a".to_string()), (f(1, 2), "b".to_string())]
        );
        assert_eq!(
            onsets(&pat, 1, 2),
            [(f(5, 4), "a".to_string()), (f(3, 2), "b".to_string())]
        );
    }

    #[test]
    fn far_cycles_have_the_same_shape_as_cycle_zero() {
        let pat = iter(
            &ply(
                &swing_by(&seq("a b c"), 0.25, Fraction::from_int(2)),
                f(3, 2),
            ),
            Fraction::from_int(3),
            false,
        );
        let far = Fraction::from_int(3_000_000);
        let near: Vec<_> = pat
            .query_arc(f(0, 1), f(3, 1))
            .iter()
            .map(|h| shifted(h, Fraction::ZERO))
            .collect();
        let away: Vec<_> = pat
            .query_arc(far, far + f(3, 1))
            .iter()
            .map(|h| shifted(h, far))
            .collect();
        assert!(!near.is_empty());
        assert_eq!(near, away);
    }
}
