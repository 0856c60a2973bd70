//! `parse_expression`, the entry point of `phonon query`: one expression,
//! whatever its lines, with the same diagnostics as in a statement.

use phonon_syntax::{expr_to_text, parse_expression};

fn tree(source: &str) -> String {
    let (expr, diagnostics) = parse_expression(source);
    assert!(diagnostics.is_empty(), "{source}: {diagnostics:?}");
    expr_to_text(&expr.expect("an expression"))
}

#[test]
fn a_pattern_with_a_transform() {
    assert_eq!(
        tree("\"bd sn\" $ fast 2"),
        "($ @0..16\n  (str @0..7 \"bd sn\" @1..6)\n  (call @10..16 fast@10..14\n    (num @15..16 2)))\n"
    );
}

#[test]
fn lines_do_not_split_an_expression() {
    // `\n` and ` ` are one byte each, so the spans agree too.
    assert_eq!(tree("s \"bd*2\"\n# speed 2"), tree("s \"bd*2\" # speed 2"));
}

#[test]
fn errors_are_reported_at_their_column() {
    let (expr, diagnostics) = parse_expression("fast 2 +");
    assert!(expr.is_none());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, "E0004");
    assert_eq!(diagnostics[0].primary_span().map(|s| s.start), Some(8));

    let (_, diagnostics) = parse_expression("");
    assert_eq!(diagnostics[0].code, "E0004");

    let (_, diagnostics) = parse_expression("3 4");
    assert_eq!(diagnostics[0].code, "E0010");

    let (_, diagnostics) = parse_expression("a = 3");
    assert_eq!(diagnostics[0].message, "unexpected `=`");
    assert_eq!(diagnostics[0].primary_span().map(|s| s.start), Some(2));
}
