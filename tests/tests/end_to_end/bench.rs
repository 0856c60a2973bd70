//! `phonon bench`: the JSON report has exactly the documented schema, the
//! table names every stage and output, and `--engine jit` measures compiled code.

use phonon_tests::{phonon, shared_file, stderr, stdout, temp_dir};
use serde_json::Value;

/// The keys of a JSON object, in order.
fn keys(object: &Value) -> Vec<&str> {
    object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn sorted(mut names: Vec<&str>) -> Vec<&str> {
    names.sort_unstable();
    names
}

fn is_fraction_or_time(value: &Value) -> bool {
    value.as_f64().is_some_and(|x| x.is_finite() && x >= 0.0)
}

#[test]
fn json_has_exactly_the_documented_schema() {
    for engine in ["interp", "jit"] {
        json_has_the_documented_schema_for(engine);
    }
}

/// synth16 on `engine` (both run it on the stage scheduler, the JIT its
/// compiled functions, packed or not).
fn json_has_the_documented_schema_for(engine: &str) {
    let dir = temp_dir();
    let program = shared_file("workloads/synth16.ph");
    let program = program.to_str().unwrap();
    let output = phonon(
        dir.path(),
        &[
            "bench",
            program,
            "--engine",
            engine,
            "--threads",
            "1,2",
            "--blocks",
            "30",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_str(stdout(&output).trim()).expect("one JSON object");
    assert_eq!(
        sorted(keys(&report)),
        sorted(vec![
            "program",
            "compile_ms",
            "block_samples",
            "rate",
            "engine",
            "runs",
            "stages",
            "outputs"
        ])
    );
    assert_eq!(report["program"], program);
    assert!(is_fraction_or_time(&report["compile_ms"]));
    assert_eq!(report["block_samples"], 512);
    assert_eq!(report["rate"], 44100);
    assert_eq!(report["engine"], engine);

    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for (run, threads) in runs.iter().zip([1, 2]) {
        assert_eq!(
            sorted(keys(run)),
            sorted(vec![
                "threads",
                "median_us",
                "p99_us",
                "rt_factor",
                "budget_share"
            ])
        );
        assert_eq!(run["threads"], threads);
        let median = run["median_us"].as_f64().unwrap();
        assert!(median > 0.0 && run["p99_us"].as_f64().unwrap() >= median);
        assert!(run["rt_factor"].as_f64().unwrap() > 0.0);
        let share = run["budget_share"].as_f64().unwrap();
        assert!(
            (share - median / 11610.0).abs() < 1e-9,
            "share is a fraction of 11610 µs"
        );
    }

    // synth16: the shared LFO in one stage, then 16 outputs side by side
    // (the kernels of the stage, however the JIT packs them).
    let stages = report["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 2);
    for (index, stage) in stages.iter().enumerate() {
        assert_eq!(
            sorted(keys(stage)),
            sorted(vec!["id", "kernels", "median_us"])
        );
        assert_eq!(stage["id"], index);
        assert!(is_fraction_or_time(&stage["median_us"]));
    }
    assert_eq!(stages[1]["kernels"], 16);
    let outputs = report["outputs"].as_array().unwrap();
    let names: Vec<&str> = outputs
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (1..=16).map(|n| format!("o{n}")).collect();
    assert_eq!(names, expected);
    for output in outputs {
        assert_eq!(sorted(keys(output)), sorted(vec!["name", "median_us"]));
        assert!(output["median_us"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn the_table_shows_every_thread_count_stage_and_output() {
    let dir = temp_dir();
    // Two outputs, each with its own kernel, in one stage.
    std::fs::write(
        dir.path().join("two.ph"),
        "~lfo: sine 0.5\no1: saw 110 * ~lfo\no2: sine 220 * 0.1\n",
    )
    .unwrap();
    let output = phonon(
        dir.path(),
        &["bench", "two.ph", "--threads", "1,2", "--blocks", "20"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    for needle in [
        "median µs",
        "p99 µs",
        "real-time",
        "budget",
        "compiled in",
        "s0",
        "o1",
        "o2",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let rows = text
        .lines()
        .filter(|l| l.trim_start().starts_with(['1', '2']))
        .count();
    assert!(rows >= 2, "a row per thread count:\n{text}");
}

#[test]
fn the_jit_engine_measures_compiled_code() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("one.ph"),
        "out: saw 110 # lpf 800 0.7 * 0.2\n",
    )
    .unwrap();
    let output = phonon(
        dir.path(),
        &[
            "bench", "one.ph", "--engine", "jit", "--blocks", "50", "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(json["engine"], "jit", "{json}");
    assert_eq!(json["runs"][0]["threads"], 1);
    assert!(
        json["runs"][0]["median_us"]
            .as_f64()
            .is_some_and(|us| us > 0.0),
        "{json}"
    );
}

#[test]
fn a_program_with_errors_exits_with_1() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("bad.ph"), "out: sine +\n").unwrap();
    let output = phonon(dir.path(), &["bench", "bad.ph", "--blocks", "5"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}
