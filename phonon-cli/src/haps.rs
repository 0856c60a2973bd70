//! Formats pattern events for `phonon query`: the conformance JSON format, a
//! readable table, and a small text piano roll per cycle.

use phonon_ir::pattern::{Fraction, Hap, TimeSpan, Value};
use std::cmp::Ordering;
use std::fmt::Write as _;

/// Sorts haps in the conformance order: part begin, whole begin (continuous
/// first), part end, value text, whole end.
pub fn sort_haps(haps: &mut [Hap<Value>]) {
    haps.sort_by(|a, b| {
        a.part
            .begin
            .cmp(&b.part.begin)
            .then_with(|| compare_whole_begin(a.whole, b.whole))
            .then_with(|| a.part.end.cmp(&b.part.end))
            .then_with(|| a.value.to_json().cmp(&b.value.to_json()))
            .then_with(|| a.whole.map(|w| w.end).cmp(&b.whole.map(|w| w.end)))
    });
}

fn compare_whole_begin(a: Option<TimeSpan>, b: Option<TimeSpan>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => a.begin.cmp(&b.begin),
    }
}

fn span_json(span: TimeSpan) -> String {
    format!("[\"{}\",\"{}\"]", span.begin, span.end)
}

/// `{"haps":[...]}` with each hap exactly as in `shared/conformance/`.
pub fn to_json(haps: &[Hap<Value>]) -> String {
    let mut out = String::from("{\"haps\":[");
    for (i, hap) in haps.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let whole = hap.whole.map_or_else(|| "null".to_string(), span_json);
        let _ = write!(
            out,
            "{{\"whole\":{whole},\"part\":{},\"value\":{}}}",
            span_json(hap.part),
            hap.value.to_json()
        );
    }
    out.push_str("]}");
    out
}

/// A value as a person reads it: words bare, numbers plain, controls as `k=v`.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Num(_) | Value::Bool(_) => value.to_json(),
        Value::List(items) => items
            .iter()
            .map(display_value)
            .collect::<Vec<_>>()
            .join(":"),
        Value::Map(map) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", display_value(v)))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn span_text(span: TimeSpan) -> String {
    format!("{} → {}", span.begin, span.end)
}

/// The events as a table, then a piano roll for each cycle the query touches.
pub fn to_table(haps: &[Hap<Value>], query: TimeSpan) -> String {
    let rows: Vec<[String; 3]> = haps
        .iter()
        .map(|h| {
            let whole = h
                .whole
                .map_or_else(|| "(continuous)".to_string(), span_text);
            [whole, span_text(h.part), display_value(&h.value)]
        })
        .collect();
    let width = |i: usize, title: &str| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
            .max(title.len())
    };
    let (w0, w1) = (width(0, "whole"), width(1, "part"));
    let mut out = String::new();
    let _ = writeln!(out, "{:<w0$}  {:<w1$}  value", "whole", "part");
    for [whole, part, value] in &rows {
        let _ = writeln!(out, "{whole:<w0$}  {part:<w1$}  {value}");
    }
    let _ = writeln!(
        out,
        "{} events from {} to {}",
        haps.len(),
        query.begin,
        query.end
    );
    for cycle in query.span_cycles() {
        out.push('\n');
        out.push_str(&piano_roll(haps, cycle));
    }
    out
}

/// Columns per cycle: the smallest grid on which every boundary in the cycle
/// falls, capped so rows stay readable.
const MAX_COLUMNS: i128 = 64;

fn grid_columns(haps: &[&Hap<Value>], cycle: Fraction) -> i128 {
    let mut columns: i128 = 1;
    for hap in haps {
        let span = hap.whole.unwrap_or(hap.part);
        for t in [span.begin, span.end, hap.part.begin, hap.part.end] {
            let denom = (t - cycle).denom();
            let lcm = num_integer_lcm(columns, denom);
            if lcm > MAX_COLUMNS {
                return MAX_COLUMNS;
            }
            columns = lcm;
        }
    }
    // Very coarse grids read badly; give each step a few characters.
    let mut scaled = columns;
    while scaled * 2 <= 32 {
        scaled *= 2;
    }
    scaled
}

fn num_integer_lcm(a: i128, b: i128) -> i128 {
    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 {
            a.abs()
        } else {
            gcd(b, a % b)
        }
    }
    (a / gcd(a, b) * b).abs()
}

fn piano_roll(haps: &[Hap<Value>], span: TimeSpan) -> String {
    let cycle = span.begin.sam();
    let in_cycle: Vec<&Hap<Value>> = haps
        .iter()
        .filter(|h| h.part.begin >= cycle && h.part.begin < cycle + Fraction::ONE)
        .collect();
    let mut out = format!("cycle {}\n", cycle);
    if in_cycle.is_empty() {
        out.push_str("  (silent)\n");
        return out;
    }
    let columns = grid_columns(&in_cycle, cycle);
    let column_of = |t: Fraction| {
        let pos = ((t - cycle) * Fraction::new(columns, 1)).floor_int();
        pos.clamp(0, columns as i64) as usize
    };
    let mut names: Vec<String> = Vec::new();
    for hap in &in_cycle {
        let name = display_value(&hap.value);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let label_width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for name in &names {
        let mut row = vec!['.'; columns as usize];
        for hap in in_cycle.iter().filter(|h| &display_value(&h.value) == name) {
            let (start, end) = (
                column_of(hap.part.begin),
                column_of(hap.part.end).max(column_of(hap.part.begin) + 1),
            );
            for (i, cell) in row
                .iter_mut()
                .enumerate()
                .take(end.min(columns as usize))
                .skip(start)
            {
                *cell = if hap.whole.is_none() {
                    '~'
                } else if i == start && hap.has_onset() {
                    'x'
                } else {
                    '='
                };
            }
        }
        let label: String = name.chars().take(24).collect();
        let _ = writeln!(
            out,
            "  {label:>label_width$} |{}|",
            row.into_iter().collect::<String>()
        );
    }
    out
}
