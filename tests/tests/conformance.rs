//! Strudel conformance: every case in `shared/conformance/strudel.jsonl` is
//! built from its mini-notation and transforms (through the transform
//! registry, as `phonon query` does), queried over its arc, and compared
//! with the haps Strudel 1.2.6 returned, as a multiset.
//!
//! Times compare exactly; values compare as JSON, numbers within 1e-9.

use phonon_ir::pattern::mini::parse_pattern;
use phonon_ir::pattern::signals::continuous;
use phonon_ir::pattern::transform::{self, Transform, TransformArg};
use phonon_ir::pattern::{pure, Fraction, Hap, Pattern, TimeSpan, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::io::Write;

const SIGNAL_NAMES: [&str; 8] = [
    "sine", "cosine", "saw", "isaw", "tri", "square", "rand", "perlin",
];
const TOLERANCE: f64 = 1e-9;

struct Case {
    id: String,
    category: String,
    mini: String,
    transforms: Vec<Json>,
    arc: TimeSpan,
    haps: Vec<ExpectedHap>,
}

#[derive(Debug)]
struct ExpectedHap {
    whole: Option<TimeSpan>,
    part: TimeSpan,
    value: Json,
}

#[test]
fn strudel_conformance() {
    let path = phonon_tests::shared_file("conformance/strudel.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let cases: Vec<Case> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            parse_case(line).unwrap_or_else(|e| panic!("strudel.jsonl line {}: {e}", n + 1))
        })
        .collect();
    assert!(!cases.is_empty(), "no cases in {}", path.display());

    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let entry = counts.entry(case.category.as_str()).or_default();
        entry.1 += 1;
        match run_case(case) {
            Ok(()) => entry.0 += 1,
            Err(diff) => failures.push(format!("{}: {diff}", case.id)),
        }
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(category, (passed, total))| format!("{category}: {passed}/{total}"))
        .collect();
    // Written to stderr directly (not with `eprintln!`, which the test
    // harness captures) so every test run shows the counts.
    let _ = writeln!(
        std::io::stderr(),
        "strudel conformance: {} ({} cases)",
        summary.join(", "),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} conformance cases fail ({})\n{}",
        failures.len(),
        cases.len(),
        summary.join(", "),
        failures.join("\n")
    );
}

/// Builds and queries one case; the error is a short diff.
fn run_case(case: &Case) -> Result<(), String> {
    let mut pat = base_pattern(case)?;
    for step in &case.transforms {
        pat = transform_from_json(step)?(pat);
    }
    let actual = pat.query(case.arc);
    compare(&case.haps, &actual)
}

fn base_pattern(case: &Case) -> Result<Pattern<Value>, String> {
    let is_signal_case = matches!(case.category.as_str(), "signal" | "random");
    if is_signal_case && SIGNAL_NAMES.contains(&case.mini.as_str()) {
        return continuous(&case.mini)
            .ok_or_else(|| format!("no continuous signal `{}`", case.mini));
    }
    mini(&case.mini)
}

fn mini(text: &str) -> Result<Pattern<Value>, String> {
    parse_pattern(text).map_err(|diagnostics| {
        let messages: Vec<String> = diagnostics.iter().map(|d| d.message.clone()).collect();
        format!(
            "mini-notation {text:?} does not parse: {}",
            messages.join("; ")
        )
    })
}

/// `["name", arg, ...]`: a transform from the registry.
fn transform_from_json(step: &Json) -> Result<Transform, String> {
    let items = step
        .as_array()
        .ok_or_else(|| format!("transform is not a list: {step}"))?;
    let (name, args) = items.split_first().ok_or("empty transform list")?;
    let name = name
        .as_str()
        .ok_or_else(|| format!("transform name is not a string: {name}"))?;
    let args = args
        .iter()
        .map(arg_from_json)
        .collect::<Result<Vec<_>, _>>()?;
    transform::build(name, args)
}

/// A number or `n/d` ratio is a constant, any other string mini-notation,
/// a list a function.
fn arg_from_json(arg: &Json) -> Result<TransformArg, String> {
    match arg {
        Json::String(text) => match Fraction::parse(text) {
            Some(exact) => Ok(TransformArg::Pattern(pure(Value::Num(exact.to_f64())))),
            None => mini(text).map(TransformArg::Pattern),
        },
        Json::Array(_) => transform_from_json(arg).map(TransformArg::Function),
        other => Err(format!("argument is neither a string nor a list: {other}")),
    }
}

// ---- comparison ---------------------------------------------------------------

fn compare(expected: &[ExpectedHap], actual: &[Hap<Value>]) -> Result<(), String> {
    let actual: Vec<(Option<TimeSpan>, TimeSpan, Json)> = actual
        .iter()
        .map(|h| {
            let value = serde_json::from_str(&h.value.to_json()).unwrap_or(Json::Null);
            (h.whole, h.part, value)
        })
        .collect();
    let mut unmatched: Vec<bool> = vec![true; actual.len()];
    let mut missing = Vec::new();
    for want in expected {
        let found = actual
            .iter()
            .enumerate()
            .position(|(i, (whole, part, value))| {
                unmatched[i]
                    && *whole == want.whole
                    && *part == want.part
                    && json_close(value, &want.value)
            });
        match found {
            Some(i) => unmatched[i] = false,
            None => missing.push(show(want.whole, want.part, &want.value)),
        }
    }
    let unexpected: Vec<String> = actual
        .iter()
        .zip(&unmatched)
        .filter(|(_, free)| **free)
        .map(|((whole, part, value), _)| show(*whole, *part, value))
        .collect();
    if missing.is_empty() && unexpected.is_empty() {
        return Ok(());
    }
    Err(format!(
        "expected {} haps, got {}; missing {}; unexpected {}",
        expected.len(),
        actual.len(),
        first_few(&missing),
        first_few(&unexpected)
    ))
}

fn first_few(items: &[String]) -> String {
    const SHOWN: usize = 3;
    if items.is_empty() {
        return "none".into();
    }
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

fn show(whole: Option<TimeSpan>, part: TimeSpan, value: &Json) -> String {
    let whole = whole.map_or_else(|| "~".to_string(), |w| format!("{}-{}", w.begin, w.end));
    format!("[{whole} | {}-{} {value}]", part.begin, part.end)
}

fn json_close(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= TOLERANCE,
            _ => x == y,
        },
        (Json::Array(xs), Json::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_close(x, y))
        }
        (Json::Object(xs), Json::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| json_close(x, y)))
        }
        _ => a == b,
    }
}

// ---- reading cases ------------------------------------------------------------

fn parse_case(line: &str) -> Result<Case, String> {
    let json: Json = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let text = |key: &str| {
        json.get(key)
            .and_then(Json::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("missing string `{key}`"))
    };
    let list = |key: &str| {
        json.get(key)
            .and_then(Json::as_array)
            .cloned()
            .ok_or_else(|| format!("missing list `{key}`"))
    };
    let haps = list("haps")?
        .iter()
        .map(|hap| {
            let whole = match hap.get("whole") {
                Some(Json::Null) | None => None,
                Some(span) => Some(parse_span(span)?),
            };
            let part = parse_span(hap.get("part").ok_or("hap without `part`")?)?;
            let value = hap.get("value").cloned().ok_or("hap without `value`")?;
            Ok(ExpectedHap { whole, part, value })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Case {
        id: text("id")?,
        category: text("category")?,
        mini: text("mini")?,
        transforms: list("transforms")?,
        arc: parse_span(json.get("arc").ok_or("missing `arc`")?)?,
        haps,
    })
}

fn parse_span(json: &Json) -> Result<TimeSpan, String> {
    let ends: Vec<Fraction> = json
        .as_array()
        .ok_or_else(|| format!("span is not a list: {json}"))?
        .iter()
        .map(|t| {
            t.as_str()
                .and_then(Fraction::parse)
                .ok_or_else(|| format!("bad time {t}"))
        })
        .collect::<Result<_, _>>()?;
    match ends[..] {
        [begin, end] => Ok(TimeSpan::new(begin, end)),
        _ => Err(format!("span needs two times: {json}")),
    }
}
