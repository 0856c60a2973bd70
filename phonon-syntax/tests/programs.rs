//! The shared programs: every workload parses without a diagnostic, no
//! corpus program (written for the earlier Phonon) makes the parser panic, and
//! a broken bus definition is remembered so later stages add no second error.

use phonon_syntax::{parse, Diagnostic};
use std::path::{Path, PathBuf};

/// `/work/shared` seen from this crate (worktree or main checkout alike).
fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: the shared folder {} is missing (workloads and corpus live there)",
            dir.display()
        );
        None
    }
}

fn programs(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            path.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
        })
        .collect();
    files.sort();
    files
}

fn describe(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{} {} at {:?}", d.code, d.message, d.primary_span()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn every_workload_parses_cleanly() {
    let Some(shared) = shared() else { return };
    let files = programs(&shared.join("workloads"), &["ph"]);
    assert!(!files.is_empty(), "no workloads found");
    for path in files {
        let source = std::fs::read_to_string(&path).expect("read workload");
        let parsed = parse(&source);
        assert!(
            parsed.diagnostics.is_empty(),
            "{}: {}",
            path.display(),
            describe(&parsed.diagnostics)
        );
        assert!(!parsed.program.statements.is_empty(), "{}", path.display());
    }
}

/// The corpus files that use constructs Phonon does not have (pattern
/// variables `%name`, Tidal's `~*` / `~/` operators, `f $ "..."` as Haskell
/// application, a `#` line at the left margin). Every other corpus program
/// must parse cleanly: the corpus is the compatibility target.
const OUTSIDE_THE_LANGUAGE: &[&str] = &[
    "docs__examples__dynamic_pattern_transforms.ph",
    "phonemes__a.ph",
    "phonemes__b.ph",
    "phonemes__d.ph",
];

#[test]
fn the_corpus_parses_without_panics_and_in_the_language_cleanly() {
    let Some(shared) = shared() else { return };
    let files = programs(&shared.join("corpus/ekg-phonon"), &["ph", "phonon"]);
    assert!(
        files.len() > 100,
        "corpus incomplete: {} files",
        files.len()
    );
    let mut unexpected = Vec::new();
    for path in files {
        let source = std::fs::read_to_string(&path).expect("read corpus file");
        let parsed = parse(&source);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let outside = OUTSIDE_THE_LANGUAGE.contains(&name);
        if parsed.diagnostics.is_empty() == outside {
            unexpected.push(format!("{name}: {}", describe(&parsed.diagnostics)));
        }
    }
    assert!(
        unexpected.is_empty(),
        "corpus files parsed otherwise than expected:\n{}",
        unexpected.join("\n")
    );
}

#[test]
fn a_bus_whose_definition_fails_is_remembered_as_defined() {
    let parsed = phonon_syntax::parse("~bass saw 55\nout: ~bass * 0.2\n");
    assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
    let names: Vec<&str> = parsed
        .program
        .broken_buses
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(names, ["bass"]);
    assert_eq!(
        parsed.program.broken_buses[0].span,
        phonon_syntax::Span::new(0, 5)
    );
}
