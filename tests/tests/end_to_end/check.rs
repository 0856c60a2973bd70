//! `phonon check`: every diagnostic code rendered as the user sees it
//! (snapshots in `tests/fixtures/diagnostics/`, one or more per code), exit
//! codes, JSON for editors, and the shipped programs.

use phonon_tests::{
    expect_file, ph_files, phonon, shared_dir, stderr, stdout, temp_dir, workspace_root,
};
use std::path::{Path, PathBuf};

/// The folder of diagnostic fixtures: `<CODE>_<what>.ph` and its `.stderr`.
fn fixtures_dir() -> PathBuf {
    workspace_root().join("tests/fixtures/diagnostics")
}

/// The code a fixture is named after: `E0101_unknown_function.ph` -> `E0101`.
fn named_code(file: &Path) -> &str {
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    stem.split('_').next().unwrap_or("")
}

/// The severity and code of the first diagnostic in rendered text, from its
/// header line (`error[E0101]: unknown function ...`).
fn first_diagnostic(rendered: &str) -> Option<(&str, &str)> {
    rendered.lines().find_map(|line| {
        let (severity, rest) = line.split_once('[')?;
        let (code, _) = rest.split_once("]: ")?;
        matches!(severity, "error" | "warning").then_some((severity, code))
    })
}

/// Each fixture is a small program with one kind of mistake; its `.stderr`
/// file is what `phonon check` prints for it, exactly as a performer sees it.
/// The first diagnostic has the code the fixture is named after; a fixture
/// for a warning has no errors, so the check passes (exit 0).
#[test]
fn every_error_kind_renders_as_snapshot() {
    let dir = fixtures_dir();
    let files = ph_files(&dir);
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap();
        let output = phonon(&dir, &["check", name]);
        let rendered = stderr(&output);
        let Some((severity, code)) = first_diagnostic(&rendered) else {
            panic!("{name} gives no diagnostic:\n{rendered}");
        };
        assert_eq!(
            code,
            named_code(&file),
            "{name}: the first diagnostic should have the code in the fixture's name:\n{rendered}"
        );
        let expected_exit = if severity == "warning" { 0 } else { 1 };
        assert_eq!(
            output.status.code(),
            Some(expected_exit),
            "{name}: a fixture for a {severity} should exit {expected_exit}:\n{rendered}"
        );
        expect_file(&file.with_extension("stderr"), &rendered);
    }
}

/// Every diagnostic code, of the statement parser, the mini-notation parser
/// and the semantic checks, has a fixture whose snapshot starts with it, and
/// every fixture is named after a real code. (Every code can be produced from
/// a `.ph` file, so none is exempt.)
#[test]
fn every_diagnostic_code_has_a_fixture() {
    let codes: Vec<&str> = phonon_syntax::codes::ALL
        .iter()
        .chain(phonon_syntax::mini::CODES)
        .chain(phonon_ir::codes::ALL)
        .map(|(code, _)| *code)
        .collect();
    let fixtures = ph_files(&fixtures_dir());
    for file in &fixtures {
        assert!(
            codes.contains(&named_code(file)),
            "{} is not named `<CODE>_<what>.ph` after a known code",
            file.display()
        );
    }
    let missing: Vec<&str> = codes
        .iter()
        .copied()
        .filter(|code| {
            !fixtures.iter().any(|file| {
                let snapshot =
                    std::fs::read_to_string(file.with_extension("stderr")).unwrap_or_default();
                named_code(file) == *code
                    && first_diagnostic(&snapshot).is_some_and(|(_, first)| first == *code)
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no fixture in {} starts with these codes: {missing:?}",
        fixtures_dir().display()
    );
}

#[test]
fn clean_program_exits_zero() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("ok.ph"),
        "tempo: 0.5\nout: sine 440 * 0.2\n",
    )
    .unwrap();
    let output = phonon(dir.path(), &["check", "ok.ph"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn json_diagnostics_give_line_and_column() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("typo.ph"), "out: sine 440 # lfp 800 0.7\n").unwrap();
    let output = phonon(dir.path(), &["check", "typo.ph", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    let first = &json["diagnostics"][0];
    assert_eq!(first["start"]["line"], 1);
    assert_eq!(
        first["start"]["column"], 17,
        "the caret belongs under `lfp`: {json}"
    );
    assert!(
        first["hint"].as_str().unwrap_or("").contains("lpf"),
        "suggests lpf: {json}"
    );
}

#[test]
fn missing_file_is_a_clear_error() {
    let dir = temp_dir();
    let output = phonon(dir.path(), &["check", "nope.ph"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot read nope.ph"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn every_workload_passes_check() {
    let workloads = shared_dir().join("workloads");
    for file in ph_files(&workloads) {
        let output = phonon(&workloads, &["check", file.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}:\n{}",
            file.display(),
            stderr(&output)
        );
    }
}

#[test]
fn shipped_examples_pass_check() {
    let examples = workspace_root().join("examples");
    for file in ph_files(&examples) {
        let output = phonon(&examples, &["check", file.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}:\n{}",
            file.display(),
            stderr(&output)
        );
    }
}

/// Regression: `phonon emit-ir song.ph | head` panicked on the closed pipe.
/// The query prints megabytes, far more than a pipe buffers.
#[test]
fn a_reader_that_stops_early_is_no_crash() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let workloads = shared_dir().join("workloads");
    let mut child = Command::new(phonon_tests::phonon_binary())
        .current_dir(&workloads)
        .args(["query", "\"bd*64\"", "--to", "200", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("phonon starts");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // Dropping our end closes the pipe while phonon is still writing.
    let output = child.wait_with_output().expect("phonon finishes");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}
