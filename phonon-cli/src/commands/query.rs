//! `phonon query 'EXPR'`: the events of a pattern expression over a span of
//! cycles, as a table with a piano roll, or as conformance-format JSON.

use crate::output::print_stdout;
use crate::{diagnostics, haps};
use anyhow::bail;
use phonon_ir::pattern::{Fraction, TimeSpan};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A Phonon pattern expression, e.g. '"bd sn" $ fast 2' or 's "bd*2" # speed 2'.
    expr: String,
    /// Start of the query in cycles: an integer, decimal or ratio like 1/3.
    #[arg(long, default_value = "0", value_parser = parse_time)]
    from: Fraction,
    /// End of the query in cycles.
    #[arg(long, default_value = "1", value_parser = parse_time)]
    to: Fraction,
    /// Print `{"haps":[...]}` in the format of the conformance cases.
    #[arg(long)]
    json: bool,
}

fn parse_time(text: &str) -> Result<Fraction, String> {
    Fraction::parse(text)
        .ok_or_else(|| format!("`{text}` is not a time in cycles; write 2, 0.5 or 1/3"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.to < args.from {
        bail!(
            "--to ({}) is before --from ({}); the query span must not run backwards",
            args.to,
            args.from
        );
    }
    let (expr, mut problems) = phonon_syntax::parse_expression(&args.expr);
    let pattern = match expr {
        Some(expr) if problems.iter().all(|d| !d.is_error()) => {
            match phonon_ir::eval_pattern::eval_pattern_expr(&expr) {
                Ok(pattern) => Some(pattern),
                Err(errors) => {
                    problems.extend(errors);
                    None
                }
            }
        }
        _ => None,
    };
    let Some(pattern) = pattern else {
        diagnostics::print("<expression>", &args.expr, &problems);
        return Ok(ExitCode::from(1));
    };
    let span = TimeSpan::new(args.from, args.to);
    let mut events = pattern.query(span);
    haps::sort_haps(&mut events);
    if args.json {
        print_stdout(&format!("{}\n", haps::to_json(&events)))?;
    } else {
        print_stdout(&haps::to_table(&events, span))?;
    }
    Ok(ExitCode::SUCCESS)
}
