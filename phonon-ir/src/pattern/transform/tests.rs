//! Registry tests: names, argument checking, and the constant-versus-pattern
//! argument rule that every transform shares.

use super::*;
use crate::pattern::{fastcat, pure, slowcat, Fraction, Hap, TimeSpan};

fn f(n: i128, d: i128) -> Fraction {
    Fraction::new(n, d)
}

fn num(x: f64) -> TransformArg {
    TransformArg::Pattern(pure(Value::Num(x)))
}

fn func(name: &str, args: Vec<TransformArg>) -> TransformArg {
    TransformArg::Function(build(name, args).expect("valid transform"))
}

fn seq(words: &str) -> Pattern<Value> {
    fastcat(
        words
            .split_whitespace()
            .map(|w| pure(Value::from(w)))
            .collect(),
    )
}

fn spans(haps: &[Hap<Value>]) -> Vec<(Option<TimeSpan>, TimeSpan)> {
    let mut spans: Vec<_> = haps.iter().map(|h| (h.whole, h.part)).collect();
    spans.sort_by_key(|s| (s.1.begin, s.1.end));
    spans
}

#[test]
fn every_listed_name_is_registered() {
    let names = "fast slow hurry rev every firstOf lastOf whenmod iter iterBack palindrome ply off \
                 superimpose layer struct mask segment range linger chunk chunkBack brak press \
                 pressBy swing swingBy inside outside zoom compress focus fastGap echo stut echoWith \
                 repeatCycles bite within add sub mul invert early late rotL rotR density euclid euclidRot \
                 euclidLegato degrade degradeBy undegradeBy sometimes sometimesBy often rarely \
                 someCyclesBy shuffle scramble";
    let missing: Vec<&str> = names
        .split_whitespace()
        .filter(|n| lookup(n).is_none())
        .collect();
    assert!(missing.is_empty(), "not registered: {missing:?}");
    assert_eq!(lookup("rotL").map(|s| s.name), Some("early"));
    assert_eq!(lookup("firstOf").map(|s| s.name), Some("every"));
}

#[test]
fn names_are_unique() {
    let mut names: Vec<&str> = all().iter().flat_map(TransformSpec::names).collect();
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count);
}

#[test]
fn wrong_arguments_are_explained_in_words() {
    let err = build("every", vec![num(3.0)]).err();
    assert_eq!(
        err.as_deref(),
        Some("`every` takes a number pattern and a function, like `every 3 (fast 2)`")
    );
    let err = build("fast", vec![func("rev", vec![])]).err();
    assert_eq!(
        err.as_deref(),
        Some("`fast` takes a number pattern, like `fast 2`")
    );
    let err = build("rev", vec![num(1.0)]).err();
    assert_eq!(err.as_deref(), Some("`rev` takes no arguments, like `rev`"));
    let err = build("superimpose", vec![]).err();
    assert_eq!(
        err.as_deref(),
        Some("`superimpose` takes one or more functions, like `superimpose (fast 2)`")
    );
    let err = build("fsat", vec![num(2.0)]).err();
    assert_eq!(
        err.as_deref(),
        Some("unknown transform `fsat`; did you mean `fast`?")
    );
}

#[test]
fn superimpose_takes_any_number_of_functions() {
    let t = build(
        "superimpose",
        vec![func("fast", vec![num(2.0)]), func("rev", vec![])],
    )
    .expect("valid");
    assert_eq!(t(seq("a b")).query_arc(f(0, 1), f(1, 1)).len(), 2 + 4 + 2);
}

#[test]
fn constant_arguments_never_cut_haps() {
    // A two-cycle event stays whole under a constant `late`.
    let long = seq("a").slow(Fraction::from_int(2));
    let t = build("late", vec![num(0.5)]).expect("valid");
    let haps = t(long).query_arc(f(0, 1), f(2, 1));
    let whole = Some(TimeSpan::new(f(1, 2), f(5, 2)));
    assert_eq!(
        spans(&haps)[1..],
        [(whole, TimeSpan::new(f(1, 2), f(2, 1)))]
    );
}

#[test]
fn patterned_arguments_cut_haps_at_their_events() {
    // `fast "<1 2>"` over "a b": cycle 1 plays at double speed; with a
    // patterned `late "0 0.25"` the shifted events are cut at 1/2.
    let t = build(
        "late",
        vec![TransformArg::Pattern(fastcat(vec![
            pure(Value::Num(0.0)),
            pure(Value::Num(0.25)),
        ]))],
    )
    .expect("valid");
    let haps = t(seq("a b")).query_arc(f(0, 1), f(1, 1));
    assert_eq!(
        spans(&haps),
        [
            (
                Some(TimeSpan::new(f(0, 1), f(1, 2))),
                TimeSpan::new(f(0, 1), f(1, 2))
            ),
            (
                Some(TimeSpan::new(f(1, 4), f(3, 4))),
                TimeSpan::new(f(1, 2), f(3, 4))
            ),
            (
                Some(TimeSpan::new(f(3, 4), f(5, 4))),
                TimeSpan::new(f(3, 4), f(1, 1))
            ),
        ]
    );
    let alternating = slowcat(vec![pure(Value::Num(1.0)), pure(Value::Num(2.0))]);
    let fast = build("fast", vec![TransformArg::Pattern(alternating)]).expect("valid");
    let cycle_one = fast(seq("a b")).query_arc(f(1, 1), f(2, 1));
    assert_eq!(cycle_one.len(), 4);
}

#[test]
fn hurry_sets_speed_and_echo_sets_gain() {
    let hurried = build("hurry", vec![num(2.0)]).expect("valid")(seq("bd"));
    let values: Vec<String> = hurried
        .query_arc(f(0, 1), f(1, 1))
        .iter()
        .map(|h| h.value.to_json())
        .collect();
    assert_eq!(
        values,
        [r#"{"speed":2,"value":"bd"}"#, r#"{"speed":2,"value":"bd"}"#]
    );
}

#[test]
fn far_arcs_keep_the_shape_of_cycle_zero() {
    let chain = [
        build("every", vec![num(3.0), func("fast", vec![num(2.0)])]),
        build("off", vec![num(0.125), func("rev", vec![])]),
        build("chunk", vec![num(4.0), func("hurry", vec![num(2.0)])]),
        build("swingBy", vec![num(1.0 / 3.0), num(4.0)]),
        build("linger", vec![num(0.75)]),
        build("ply", vec![num(1.5)]),
    ];
    let pat = chain
        .into_iter()
        .map(|t| t.expect("valid"))
        .fold(seq("a b c d"), |pat, t| t(pat));
    // Multiples of 36 cycles line up every period in the chain (linger 3/4
    // stretches cycles by 4/3 before chunk repeats them in fours). The near
    // arc starts after cycle 0 because `off` looks back into cycle -1, which
    // `every` leaves silent, as Strudel does.
    let near_start = Fraction::from_int(36);
    let far = Fraction::from_int(1_000_000 - 1_000_000 % 36);
    let shift = |hap: &Hap<Value>, by: Fraction| {
        let moved = |s: TimeSpan| s.with_time(|t| t - by);
        (hap.whole.map(moved), moved(hap.part), hap.value.to_json())
    };
    let mut near: Vec<_> = pat
        .query_arc(near_start, near_start + f(12, 1))
        .iter()
        .map(|h| shift(h, near_start))
        .collect();
    let mut away: Vec<_> = pat
        .query_arc(far, far + f(12, 1))
        .iter()
        .map(|h| shift(h, far))
        .collect();
    let key = |h: &(Option<TimeSpan>, TimeSpan, String)| (h.1.begin, h.1.end, h.2.clone());
    near.sort_by_key(key);
    away.sort_by_key(key);
    assert!(near.len() > 48);
    assert_eq!(near, away);
}
