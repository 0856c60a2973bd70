//! Strudel conformance for mini-notation alone: every case of
//! `shared/conformance/strudel.jsonl` without transforms (categories mini,
//! random and signal), compared hap for hap as a multiset.

use phonon_ir::pattern::mini::parse_pattern;
use phonon_ir::pattern::signals::continuous;
use phonon_ir::pattern::{Fraction, Hap, Pattern, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Floats computed by signals and the random generator may differ in the last
/// bits between math libraries.
const FLOAT_TOLERANCE: f64 = 1e-9;

struct Case {
    id: String,
    category: String,
    mini: String,
    arc: (Fraction, Fraction),
    haps: Vec<Json>,
}

const CONFORMANCE_FILE: &str = "shared/conformance/strudel.jsonl";

/// `shared/conformance/strudel.jsonl` in the nearest folder above the crate
/// that has it (`../../shared` from the main checkout, one more level up from
/// a worktree); the main checkout's path if none has it.
fn conformance_file() -> PathBuf {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .ancestors()
        .map(|dir| dir.join(CONFORMANCE_FILE))
        .find(|path| path.exists())
        .unwrap_or_else(|| crate_dir.join("../..").join(CONFORMANCE_FILE))
}

fn load_cases() -> Vec<Case> {
    let path = conformance_file();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing conformance file {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str::<Json>(line).expect("each line is JSON"))
        .filter(|case| case["transforms"].as_array().is_some_and(Vec::is_empty))
        .map(|case| Case {
            id: case["id"].as_str().unwrap_or_default().to_string(),
            category: case["category"].as_str().unwrap_or_default().to_string(),
            mini: case["mini"].as_str().unwrap_or_default().to_string(),
            arc: (rational(&case["arc"][0]), rational(&case["arc"][1])),
            haps: case["haps"].as_array().cloned().unwrap_or_default(),
        })
        .collect()
}

fn rational(json: &Json) -> Fraction {
    json.as_str()
        .and_then(Fraction::parse)
        .unwrap_or_else(|| panic!("not a rational: {json}"))
}

fn span_json(begin: Fraction, end: Fraction) -> Json {
    Json::Array(vec![
        Json::String(begin.to_string()),
        Json::String(end.to_string()),
    ])
}

fn hap_json(hap: &Hap<Value>) -> Json {
    let mut map = serde_json::Map::new();
    map.insert(
        "whole".into(),
        hap.whole.map_or(Json::Null, |w| span_json(w.begin, w.end)),
    );
    map.insert("part".into(), span_json(hap.part.begin, hap.part.end));
    map.insert(
        "value".into(),
        serde_json::from_str(&hap.value.to_json()).expect("values write JSON"),
    );
    Json::Object(map)
}

fn pattern_for(case: &Case) -> Result<Pattern<Value>, String> {
    if matches!(case.category.as_str(), "signal" | "random") {
        if let Some(signal) = continuous(&case.mini) {
            return Ok(signal);
        }
    }
    parse_pattern(&case.mini).map_err(|errors| format!("{errors:?}"))
}

/// Equal as JSON, numbers within the tolerance.
fn values_match(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= FLOAT_TOLERANCE
        }
        (Json::Array(xs), Json::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| values_match(x, y))
        }
        (Json::Object(xs), Json::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| values_match(x, y)))
        }
        _ => a == b,
    }
}

fn haps_match(a: &Json, b: &Json) -> bool {
    a["whole"] == b["whole"] && a["part"] == b["part"] && values_match(&a["value"], &b["value"])
}

/// The haps each side has that the other lacks (multiset difference).
fn diff(expected: &[Json], actual: &[Json]) -> (Vec<Json>, Vec<Json>) {
    let mut unmatched: Vec<Option<&Json>> = actual.iter().map(Some).collect();
    let mut missing = Vec::new();
    for want in expected {
        match unmatched
            .iter_mut()
            .find(|slot| slot.is_some_and(|got| haps_match(want, got)))
        {
            Some(slot) => *slot = None,
            None => missing.push(want.clone()),
        }
    }
    let extra = unmatched.into_iter().flatten().cloned().collect();
    (missing, extra)
}

fn brief(haps: &[Json]) -> String {
    let shown: Vec<String> = haps.iter().take(4).map(Json::to_string).collect();
    let more = haps.len().saturating_sub(4);
    if more > 0 {
        format!("{} (+{more} more)", shown.join(" "))
    } else {
        shown.join(" ")
    }
}

#[test]
fn mini_notation_matches_strudel() {
    let cases = load_cases();
    assert!(
        !cases.is_empty(),
        "no cases without transforms in {}",
        conformance_file().display()
    );
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let entry = counts.entry(case.category.clone()).or_default();
        entry.1 += 1;
        let outcome = pattern_for(case).map(|pat| {
            let haps: Vec<Json> = pat
                .query_arc(case.arc.0, case.arc.1)
                .iter()
                .map(hap_json)
                .collect();
            diff(&case.haps, &haps)
        });
        match outcome {
            Ok((missing, extra)) if missing.is_empty() && extra.is_empty() => entry.0 += 1,
            Ok((missing, extra)) => failures.push(format!(
                "{} {:?}: missing {} [{}], extra {} [{}]",
                case.id,
                case.mini,
                missing.len(),
                brief(&missing),
                extra.len(),
                brief(&extra)
            )),
            Err(error) => failures.push(format!(
                "{} {:?}: does not parse: {error}",
                case.id, case.mini
            )),
        }
    }
    for (category, (passed, total)) in &counts {
        println!("{category}: {passed}/{total} pass");
    }
    for failure in &failures {
        println!("FAIL {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} conformance cases fail (listed above)",
        failures.len()
    );
}
