//! Golden tests: every `tests/ok/*.ph` parses cleanly to the tree in its
//! `.ast` file; every `tests/err/*.ph` gives the diagnostics in its `.diag`
//! file. `UPDATE_EXPECT=1 cargo test -p phonon-syntax` re-blesses them.

use phonon_syntax::span::LineIndex;
use phonon_syntax::{ast_to_text, parse, Diagnostic, Severity};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn cases(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ph"))
        .collect();
    files.sort();
    files
}

/// Compares `actual` with the side file, or rewrites it under UPDATE_EXPECT.
fn check(expected_path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected_path, actual).expect("write expectation");
        return;
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_default();
    if expected != actual {
        failures.push(format!(
            "{} differs (UPDATE_EXPECT=1 re-blesses)\n--- expected\n{expected}\n--- actual\n{actual}",
            expected_path.display()
        ));
    }
}

/// Diagnostics as plain text: code, line:column, message, labels and hint.
fn render(source: &str, diagnostics: &[Diagnostic]) -> String {
    let index = LineIndex::new(source);
    let position = |offset: u32| {
        let (line, column) = index.line_col(source, offset as usize);
        format!("{line}:{column}")
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        let severity = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        let primary = diagnostic
            .primary_span()
            .map_or("?".to_string(), |s| position(s.start));
        let _ = writeln!(
            out,
            "{} {severity} {primary}: {}",
            diagnostic.code, diagnostic.message
        );
        for label in &diagnostic.labels {
            let kind = if label.primary { "primary" } else { "note" };
            let _ = writeln!(
                out,
                "  {kind} {}-{}: {}",
                position(label.span.start),
                position(label.span.end),
                label.message
            );
        }
        if let Some(hint) = &diagnostic.hint {
            let _ = writeln!(out, "  hint: {hint}");
        }
    }
    out
}

#[test]
fn ok_cases_parse_to_their_trees() {
    let mut failures = Vec::new();
    let files = cases("ok");
    assert!(
        files.len() >= 15,
        "expected at least 15 ok cases, found {}",
        files.len()
    );
    for path in files {
        let source = std::fs::read_to_string(&path).expect("read case");
        let parsed = parse(&source);
        if !parsed.diagnostics.is_empty() {
            failures.push(format!(
                "{} has diagnostics:\n{}",
                path.display(),
                render(&source, &parsed.diagnostics)
            ));
            continue;
        }
        check(
            &path.with_extension("ast"),
            &ast_to_text(&parsed.program),
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn err_cases_give_their_diagnostics() {
    let mut failures = Vec::new();
    let files = cases("err");
    assert!(
        files.len() >= 10,
        "expected at least 10 err cases, found {}",
        files.len()
    );
    for path in files {
        let source = std::fs::read_to_string(&path).expect("read case");
        let parsed = parse(&source);
        if parsed.diagnostics.is_empty() {
            failures.push(format!("{} parsed without diagnostics", path.display()));
            continue;
        }
        let mut actual = render(&source, &parsed.diagnostics);
        let _ = writeln!(
            actual,
            "-- statements that parsed: {}",
            parsed.program.statements.len()
        );
        check(&path.with_extension("diag"), &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
