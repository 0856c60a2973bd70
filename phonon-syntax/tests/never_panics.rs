//! Property tests: no input makes `parse` panic, and every diagnostic span
//! lies within the source and on character boundaries.

use phonon_syntax::{parse, parse_expression, Diagnostic};
use proptest::prelude::*;

const WORKLOADS: &[&str] = &[
    include_str!("ok/workload_chain4.ph"),
    include_str!("ok/workload_feedback.ph"),
    include_str!("ok/workload_drums.ph"),
];

fn spans_are_sound(source: &str, diagnostics: &[Diagnostic]) -> Result<(), TestCaseError> {
    for diagnostic in diagnostics {
        prop_assert!(
            diagnostic.primary_span().is_some(),
            "{diagnostic:?} has no primary label"
        );
        for label in &diagnostic.labels {
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            prop_assert!(
                start <= end && end <= source.len(),
                "{diagnostic:?} outside {source:?}"
            );
            prop_assert!(
                source.is_char_boundary(start) && source.is_char_boundary(end),
                "{diagnostic:?} splits a character in {source:?}"
            );
        }
    }
    Ok(())
}

fn check(source: &str) -> Result<(), TestCaseError> {
    let parsed = parse(source);
    spans_are_sound(source, &parsed.diagnostics)?;
    for statement in &parsed.program.statements {
        prop_assert!(statement.span.end as usize <= source.len());
    }
    let (_, diagnostics) = parse_expression(source);
    spans_are_sound(source, &diagnostics)
}

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
}

/// Characters that matter to the grammar, plus multibyte ones.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            '(', ')', '[', ']', '"', '~', '#', '$', ':', ',', '-', '+', '*', '/', ' ', '\n', '\t',
            '.', 'e', '0', '7', 'a', '%', 'é', '→', '𝄞',
        ]),
        any::<char>(),
    ]
}

fn apply(source: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = source.chars().collect();
    for edit in edits {
        let len = chars.len();
        match *edit {
            Edit::Insert(at, c) => chars.insert(at % (len + 1), c),
            Edit::Delete(at) if len > 0 => {
                chars.remove(at % len);
            }
            Edit::Replace(at, c) if len > 0 => chars[at % len] = c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), interesting_char()).prop_map(|(at, c)| Edit::Insert(at, c)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), interesting_char()).prop_map(|(at, c)| Edit::Replace(at, c)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn random_strings_never_panic(source in "\\PC{0,120}") {
        check(&source)?;
    }

    #[test]
    fn random_grammar_soup_never_panics(chars in prop::collection::vec(interesting_char(), 0..120)) {
        let source: String = chars.into_iter().collect();
        check(&source)?;
    }

    #[test]
    fn mutated_workloads_never_panic(
        which in 0..WORKLOADS.len(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        check(&apply(WORKLOADS[which], &edits))?;
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    for depth in [10, 47, 48, 49, 200, 5000] {
        let source = format!("out: {}1{}", "(".repeat(depth), ")".repeat(depth));
        let parsed = parse(&source);
        assert_eq!(
            parsed.program.statements.len() + parsed.diagnostics.len(),
            1,
            "depth {depth}"
        );
        let list = format!("out: {}1{}", "[".repeat(depth), "]".repeat(depth));
        parse(&list);
    }
}

#[test]
fn long_chains_are_refused_not_overflowed() {
    for length in [100, 511, 512, 513, 100_000] {
        let sum = format!("out: 1{}", " + 1".repeat(length));
        let negations = format!("out: {}1", "- ".repeat(length));
        let steps = format!("out: a{}", " # b".repeat(length));
        for source in [sum, negations, steps] {
            let parsed = parse(&source);
            assert_eq!(
                parsed.program.statements.len() + parsed.diagnostics.len(),
                1
            );
        }
    }
}
