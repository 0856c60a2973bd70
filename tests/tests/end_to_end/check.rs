//! `phonon check`: every error kind rendered as the user sees it (snapshots
//! in `tests/fixtures/diagnostics/`), exit codes, JSON for editors, and the
//! shipped programs.

use phonon_tests::{
    expect_file, ph_files, phonon, shared_dir, stderr, stdout, temp_dir, workspace_root,
};

/// Each fixture is a broken program; its `.stderr` file is what `phonon
/// check` prints for it, exactly as a performer sees it.
#[test]
fn every_error_kind_renders_as_snapshot() {
    let dir = workspace_root().join("tests/fixtures/diagnostics");
    let files = ph_files(&dir);
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap();
        let output = phonon(&dir, &["check", name]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name} should fail the check:\n{}",
            stderr(&output)
        );
        expect_file(&file.with_extension("stderr"), &stderr(&output));
    }
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
