//! Support for Phonon's end-to-end tests: the real `phonon` binary, the
//! `../shared` folder, temporary folders. The tests themselves live in
//! `tests/tests/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root (the folder holding the virtual manifest).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `../shared` beside the checkout, or a panic that says what is missing.
pub fn shared_dir() -> PathBuf {
    let dir = workspace_root().join("../shared");
    assert!(
        dir.is_dir(),
        "the shared folder is missing: expected {} beside the checkout (conformance cases, workloads, corpus)",
        dir.display()
    );
    dir
}

/// A file under `../shared`, or a panic naming the missing file.
pub fn shared_file(relative: &str) -> PathBuf {
    let path = shared_dir().join(relative);
    assert!(path.exists(), "missing shared file: {}", path.display());
    path
}

/// The Phonon programs (`.ph`, and the earlier `.phonon`) in a folder, sorted by name.
pub fn ph_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ph" || e == "phonon"))
        .collect();
    files.sort();
    files
}

/// The path of the `phonon` binary built with this test's profile. It is
/// (re)built once per test process, so tests never run a stale binary.
pub fn phonon_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // Test executables live in target/<profile>/deps/.
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps layout");
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .current_dir(workspace_root())
            .args(["build", "--quiet", "-p", "phonon-cli"]);
        if release {
            build.arg("--release");
        }
        let status = build.status().expect("cargo can be run");
        assert!(status.success(), "building the phonon binary failed");
        profile_dir.join(format!("phonon{}", std::env::consts::EXE_SUFFIX))
    })
}

/// Runs `phonon` with these arguments in `dir`.
pub fn phonon(dir: &Path, args: &[&str]) -> Output {
    Command::new(phonon_binary())
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("phonon binary runs")
}

/// A fresh temporary folder, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary folder")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Compares `actual` with the golden file at `path`; with `UPDATE_EXPECT=1`
/// in the environment, writes `actual` there instead (re-blessing).
pub fn expect_file(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {} (run with UPDATE_EXPECT=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs from the output (UPDATE_EXPECT=1 re-blesses it)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}
