//! Renders diagnostics for people (codespan-reporting: file:line:column, the
//! source line, a caret under the fault, the hint) and for editors (JSON).

use codespan_reporting::diagnostic::{
    Diagnostic as Report, Label as ReportLabel, Severity as ReportSeverity,
};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};
use codespan_reporting::term::{self, Config};
use phonon_syntax::span::LineIndex;
use phonon_syntax::{Diagnostic, Severity};
use serde_json::{json, Value as Json};
use std::io::IsTerminal;

/// Whether stderr output should be coloured.
pub fn stderr_color() -> ColorChoice {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    }
}

fn to_report(diagnostic: &Diagnostic) -> Report<()> {
    let severity = match diagnostic.severity {
        Severity::Error => ReportSeverity::Error,
        Severity::Warning => ReportSeverity::Warning,
        Severity::Note => ReportSeverity::Note,
    };
    let labels = diagnostic
        .labels
        .iter()
        .map(|label| {
            let made = if label.primary {
                ReportLabel::primary((), label.span.range())
            } else {
                ReportLabel::secondary((), label.span.range())
            };
            made.with_message(&label.message)
        })
        .collect();
    let notes = diagnostic
        .hint
        .iter()
        .map(|h| format!("hint: {h}"))
        .collect();
    Report::new(severity)
        .with_code(diagnostic.code)
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

fn emit(writer: &mut dyn WriteColor, file_name: &str, source: &str, diagnostics: &[Diagnostic]) {
    let file = SimpleFile::new(file_name, source);
    let config = Config::default();
    for diagnostic in diagnostics {
        // Rendering can only fail on a span outside the source; the parser
        // guarantees spans inside it, so fall back to the bare message.
        if term::emit(writer, &config, &file, &to_report(diagnostic)).is_err() {
            let _ = writeln!(writer, "{}: {}", diagnostic.code, diagnostic.message);
        }
    }
}

/// Prints the diagnostics to stderr, coloured when stderr is a terminal.
pub fn print(file_name: &str, source: &str, diagnostics: &[Diagnostic]) {
    let mut stream = StandardStream::stderr(stderr_color());
    emit(&mut stream, file_name, source, diagnostics);
}

/// The diagnostics as JSON for editors: 1-based lines and columns (columns in
/// characters) plus byte offsets for every label.
pub fn to_json(file_name: &str, source: &str, diagnostics: &[Diagnostic]) -> Json {
    let index = LineIndex::new(source);
    let position = |offset: u32| {
        let (line, column) = index.line_col(source, offset as usize);
        json!({ "line": line, "column": column, "offset": offset })
    };
    let items: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let primary = d.primary_span();
            json!({
                "severity": match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                },
                "code": d.code,
                "message": d.message,
                "start": primary.map(|s| position(s.start)),
                "end": primary.map(|s| position(s.end)),
                "labels": d.labels.iter().map(|l| json!({
                    "start": position(l.span.start),
                    "end": position(l.span.end),
                    "message": l.message,
                    "primary": l.primary,
                })).collect::<Vec<_>>(),
                "hint": d.hint,
            })
        })
        .collect();
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    json!({
        "file": file_name,
        "errors": errors,
        "warnings": diagnostics.len() - errors,
        "diagnostics": items,
    })
}
