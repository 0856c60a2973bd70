//! Property tests: no input makes `parse` panic, every diagnostic span lies
//! within the source and on character boundaries, and every tree node's span
//! shows exactly the text the node was read from.

use phonon_syntax::ast::{Arg, Expr, ExprKind, Ident, StatementKind};
use phonon_syntax::{parse, parse_expression, Diagnostic};
use proptest::prelude::*;

/// Copies of the shared workloads (the golden `ok` cases keep them here so
/// this test compiles without the shared folder).
const WORKLOADS: &[&str] = &[
    include_str!("ok/workload_chain4.ph"),
    include_str!("ok/workload_drums.ph"),
    include_str!("ok/workload_feedback.ph"),
    include_str!("ok/workload_sine.ph"),
    include_str!("ok/workload_stress16.ph"),
    include_str!("ok/workload_synth16.ph"),
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

/// The text under a span, or a failure if the span is not a valid slice.
fn slice(source: &str, start: u32, end: u32) -> Result<&str, TestCaseError> {
    source
        .get(start as usize..end as usize)
        .ok_or_else(|| TestCaseError::fail(format!("span {start}..{end} is not a slice")))
}

fn ident_is_sound(source: &str, ident: &Ident, sigil: &str) -> Result<(), TestCaseError> {
    let text = slice(source, ident.span.start, ident.span.end)?;
    prop_assert_eq!(text, format!("{sigil}{}", ident.name));
    Ok(())
}

fn tree_is_sound(source: &str, expr: &Expr, outer: (u32, u32)) -> Result<(), TestCaseError> {
    let text = slice(source, expr.span.start, expr.span.end)?;
    prop_assert!(
        outer.0 <= expr.span.start && expr.span.end <= outer.1,
        "{expr:?} escapes its parent"
    );
    let inner = (expr.span.start, expr.span.end);
    match &expr.kind {
        // A parenthesised node's span includes its parentheses.
        ExprKind::Number(number) if text.starts_with('(') => {
            prop_assert!(text.contains(&number.text))
        }
        ExprKind::Number(number) => prop_assert_eq!(text, &number.text),
        ExprKind::Str(string) => {
            prop_assert_eq!(
                slice(source, string.content.start, string.content.end)?,
                &string.value
            )
        }
        ExprKind::Bus(name) => ident_is_sound(source, name, "~")?,
        ExprKind::Call { func, args } => {
            ident_is_sound(source, func, "")?;
            for arg in args {
                if let Arg::Keyword { name, .. } = arg {
                    ident_is_sound(source, name, ":")?;
                }
                tree_is_sound(source, arg.value(), inner)?;
            }
        }
        ExprKind::List(items) => {
            for item in items {
                tree_is_sound(source, item, inner)?;
            }
        }
        ExprKind::Neg(operand) => tree_is_sound(source, operand, inner)?,
        ExprKind::Binary { lhs, rhs, .. } => {
            tree_is_sound(source, lhs, inner)?;
            tree_is_sound(source, rhs, inner)?;
        }
        ExprKind::Step { input, step, .. } => {
            tree_is_sound(source, input, inner)?;
            tree_is_sound(source, step, inner)?;
        }
    }
    Ok(())
}

fn check(source: &str) -> Result<(), TestCaseError> {
    let parsed = parse(source);
    spans_are_sound(source, &parsed.diagnostics)?;
    for statement in &parsed.program.statements {
        let outer = (statement.span.start, statement.span.end);
        slice(source, outer.0, outer.1)?;
        match &statement.kind {
            StatementKind::Tempo { value, .. } | StatementKind::Output { value, .. } => {
                tree_is_sound(source, value, outer)?
            }
            StatementKind::Bus { name, value } => {
                ident_is_sound(source, name, "~")?;
                tree_is_sound(source, value, outer)?;
            }
            StatementKind::Hush => {}
        }
    }
    let (expr, diagnostics) = parse_expression(source);
    spans_are_sound(source, &diagnostics)?;
    if let Some(expr) = expr {
        tree_is_sound(source, &expr, (0, source.len() as u32))?;
    }
    Ok(())
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
fn every_workload_tree_is_sound() {
    for source in WORKLOADS {
        assert!(parse(source).diagnostics.is_empty());
        check(source).expect("sound tree");
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let heaviest_level = "f :k (a # g -1 $ h [";
    let deep = format!("out: {}1{}", heaviest_level.repeat(24), "])".repeat(24));
    assert!(
        parse(&deep).diagnostics.is_empty(),
        "48 brackets are allowed"
    );
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
