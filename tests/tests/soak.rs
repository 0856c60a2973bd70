//! Continuous playback of the stress workload on the null device: no
//! underrun in 10 s, or in 60 s with `PHONON_SOAK=1`. A test binary of its
//! own, because cargo runs test binaries one after another: the other
//! end-to-end tests, run in parallel threads, would otherwise take the
//! cores this real-time run is measuring.

use phonon_tests::{phonon, shared_file, stderr, temp_dir};

#[test]
fn the_stress_workload_plays_without_underruns() {
    let seconds = if std::env::var_os("PHONON_SOAK").is_some() {
        "60"
    } else {
        "10"
    };
    let dir = temp_dir();
    let workload = shared_file("workloads/stress16.ph");
    let workload = workload.to_str().expect("a UTF-8 path");
    let output = phonon(
        dir.path(),
        &["run", workload, "--device", "null", "--seconds", seconds],
    );
    let stderr = stderr(&output);
    assert!(output.status.success(), "phonon run failed:\n{stderr}");
    let status = stderr
        .lines()
        .find(|l| l.starts_with("stopped:"))
        .unwrap_or_else(|| panic!("no final status line:\n{stderr}"));
    assert!(status.contains("| 0 underruns |"), "{status}");
    eprintln!("{status}");
}
