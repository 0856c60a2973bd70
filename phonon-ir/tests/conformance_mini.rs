//! Strudel conformance for mini-notation alone: every case of
//! `shared/conformance/strudel.jsonl` without transforms (categories mini,
//! random and signal), compared hap for hap as a multiset; plus the random
//! cases whose transforms are the random functions themselves.

use phonon_ir::pattern::mini::parse_pattern;
use phonon_ir::pattern::random::{
    degrade_by, scramble, shuffle, some_cycles_by, sometimes_by, undegrade_by,
};
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
    transforms: Vec<Json>,
    category: String,
    mini: String,
    arc: (Fraction, Fraction),
    haps: Vec<Json>,
}

const CONFORMANCE_FILE: &str = "shared/conformance/strudel.jsonl";

/// `shared/conformance/strudel.jsonl` in the nearest folder above the crate
/// that has it (`../../shared` from the main checkout, one more level up from
/// a worktree); the main checkout's path if none has it. The environment
/// variable `PHONON_CONFORMANCE_FILE` names another file in the same format.
fn conformance_file() -> PathBuf {
    if let Some(path) = std::env::var_os("PHONON_CONFORMANCE_FILE") {
        return PathBuf::from(path);
    }
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .ancestors()
        .map(|dir| dir.join(CONFORMANCE_FILE))
        .find(|path| path.exists())
        .unwrap_or_else(|| crate_dir.join("../..").join(CONFORMANCE_FILE))
}

fn load_cases() -> Vec<Case> {
    load_all_cases()
        .into_iter()
        .filter(|case| case.transforms.is_empty())
        .collect()
}

fn load_all_cases() -> Vec<Case> {
    let path = conformance_file();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing conformance file {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str::<Json>(line).expect("each line is JSON"))
        .map(|case| Case {
            id: case["id"].as_str().unwrap_or_default().to_string(),
            transforms: case["transforms"].as_array().cloned().unwrap_or_default(),
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

/// Runs the cases and prints per-category pass counts and every failure with
/// a short diff; returns the failures.
fn run_cases(
    cases: &[Case],
    build: impl Fn(&Case) -> Result<Pattern<Value>, String>,
) -> Vec<String> {
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in cases {
        let entry = counts.entry(case.category.clone()).or_default();
        entry.1 += 1;
        let outcome = build(case).map(|pat| {
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
    failures
}

#[test]
fn mini_notation_matches_strudel() {
    let cases = load_cases();
    assert!(
        !cases.is_empty(),
        "no cases without transforms in {}",
        conformance_file().display()
    );
    let failures = run_cases(&cases, pattern_for);
    assert!(
        failures.is_empty(),
        "{} conformance cases fail (listed above)",
        failures.len()
    );
}

fn constant(arg: &Json) -> Option<f64> {
    arg.as_str().and_then(|text| text.parse::<f64>().ok())
}

/// `add n` or `fast n` with a constant: the function arguments these cases need.
fn function_of(arg: &Json) -> Option<Box<dyn Fn(Pattern<Value>) -> Pattern<Value>>> {
    let call = arg.as_array()?;
    let amount = constant(call.get(1)?)?;
    match call.first()?.as_str()? {
        "add" => Some(Box::new(move |pat: Pattern<Value>| {
            pat.fmap(move |v| Value::Num(v.as_f64().unwrap_or(f64::NAN) + amount))
        })),
        "fast" => Some(Box::new(move |pat: Pattern<Value>| {
            pat.fast(Fraction::from_f64(amount).unwrap_or(Fraction::ONE))
        })),
        _ => None,
    }
}

/// The random functions with their arguments patternified as Strudel does
/// (the transforms' job in the real pipeline).
fn apply_random(pat: &Pattern<Value>, transform: &Json) -> Option<Pattern<Value>> {
    let call = transform.as_array()?;
    let name = call.first()?.as_str()?;
    let arg = call.get(1);
    let amount = arg.and_then(constant);
    Some(match name {
        "degradeBy" | "undegradeBy" => {
            let by = if name == "degradeBy" {
                degrade_by
            } else {
                undegrade_by
            };
            match amount {
                Some(x) => by(pat, x),
                None => {
                    let amounts = parse_pattern(arg?.as_str()?).ok()?;
                    let source = pat.clone();
                    amounts
                        .inner_bind(move |x| by(&source, x.as_f64().unwrap_or(0.0)))
                        .with_steps(pat.steps)
                }
            }
        }
        "sometimesBy" => sometimes_by(pat, amount?, &*function_of(call.get(2)?)?),
        "sometimes" => sometimes_by(pat, 0.5, &*function_of(arg?)?),
        "someCyclesBy" => some_cycles_by(pat, amount?, &*function_of(call.get(2)?)?),
        "shuffle" => shuffle(pat, Fraction::from_f64(amount?)?),
        "scramble" => scramble(pat, Fraction::from_f64(amount?)?),
        _ => return None,
    })
}

#[test]
fn random_functions_match_strudel() {
    let cases: Vec<Case> = load_all_cases()
        .into_iter()
        .filter(|case| case.category == "random" && !case.transforms.is_empty())
        .filter(|case| {
            let pat = parse_pattern(&case.mini).ok();
            pat.is_some_and(|p| {
                case.transforms
                    .iter()
                    .all(|t| apply_random(&p, t).is_some())
            })
        })
        .collect();
    assert!(
        cases.len() >= 8,
        "expected the degradeBy, sometimes and shuffle cases"
    );
    let failures = run_cases(&cases, |case| {
        let mut pat = parse_pattern(&case.mini).map_err(|e| format!("{e:?}"))?;
        for transform in &case.transforms {
            pat = apply_random(&pat, transform).ok_or("unsupported transform")?;
        }
        Ok(pat)
    });
    assert!(
        failures.is_empty(),
        "{} random cases fail (listed above)",
        failures.len()
    );
}
