//! Golden tests of the IR text forms: each `golden/*.ph` compiles, and its
//! graph after the passes (`.ir`) and its staged dataflow (`.dataflow`) must
//! match the side files. Files named `err_*.ph` must fail; their rendered
//! diagnostics are in `.diag`. Re-bless with `UPDATE_EXPECT=1`.

use phonon_ir::text::{dataflow_to_text, graph_to_text};
use phonon_syntax::span::LineIndex;
use phonon_syntax::Diagnostic;
use std::path::{Path, PathBuf};

fn golden_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ph"))
        .collect();
    files.sort();
    files
}

/// Compares `actual` with the file, or rewrites the file under `UPDATE_EXPECT=1`.
fn expect_file(path: &Path, actual: &str) -> Result<(), String> {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{} differs (re-bless with UPDATE_EXPECT=1)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        ))
    }
}

/// Diagnostics one per line: `severity code line:col message [hint]`.
pub fn render_diagnostics(source: &str, diagnostics: &[Diagnostic]) -> String {
    let lines = LineIndex::new(source);
    diagnostics
        .iter()
        .map(|d| {
            let at = d.primary_span().map_or_else(
                || "-".to_string(),
                |s| {
                    let (line, col) = lines.line_col(source, s.start as usize);
                    format!("{line}:{col}")
                },
            );
            let severity = if d.is_error() { "error" } else { "warning" };
            let hint = d
                .hint
                .as_deref()
                .map(|h| format!(" [hint: {h}]"))
                .unwrap_or_default();
            format!("{severity} {} {at} {}{hint}\n", d.code, d.message)
        })
        .collect()
}

#[test]
fn golden_programs_match_their_text_forms() {
    let mut failures = Vec::new();
    let files = golden_files();
    assert!(
        files.len() >= 10,
        "expected the golden programs, found {}",
        files.len()
    );
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable golden file");
        let parsed = phonon_syntax::parse(&source);
        let compiled = phonon_ir::compile(&parsed.program);
        let mut diagnostics = parsed.diagnostics.clone();
        diagnostics.extend(compiled.diagnostics.iter().cloned());
        let is_error_case = file
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("err_"));
        let results = if is_error_case {
            if !diagnostics.iter().any(Diagnostic::is_error) {
                failures.push(format!("{}: expected errors, got none", file.display()));
                continue;
            }
            vec![expect_file(
                &file.with_extension("diag"),
                &render_diagnostics(&source, &diagnostics),
            )]
        } else {
            let Some(staged) = &compiled.staged else {
                failures.push(format!(
                    "{}: does not compile:\n{}",
                    file.display(),
                    render_diagnostics(&source, &diagnostics)
                ));
                continue;
            };
            vec![
                expect_file(
                    &file.with_extension("ir"),
                    &graph_to_text(&staged.graph, &source),
                ),
                expect_file(&file.with_extension("dataflow"), &dataflow_to_text(staged)),
            ]
        };
        failures.extend(results.into_iter().filter_map(Result::err));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
