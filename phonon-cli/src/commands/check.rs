//! `phonon check FILE.ph`: parse, resolve names and check types; print every
//! diagnostic.

use crate::diagnostics;
use crate::output::print_stdout;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The program to check.
    file: PathBuf,
    /// Print diagnostics as JSON (for editors) instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let source = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let name = args.file.display().to_string();
    let diagnostics = check_source(&source);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if args.json {
        print_stdout(&format!(
            "{}\n",
            diagnostics::to_json(&name, &source, &diagnostics)
        ))?;
    } else {
        print_report(&name, &source, &diagnostics);
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints the diagnostics and the closing count line, as `check` does
/// (other commands print a broken program's report the same way).
pub fn print_report(name: &str, source: &str, diagnostics: &[phonon_syntax::Diagnostic]) {
    diagnostics::print(name, source, diagnostics);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if errors == 0 {
        eprintln!(
            "{name}: ok ({warnings} warning{})",
            if warnings == 1 { "" } else { "s" }
        );
    } else {
        eprintln!(
            "{name}: {errors} error{}, {warnings} warning{}",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        );
    }
}

/// Every diagnostic for a source text: syntax first, then meaning.
pub fn check_source(source: &str) -> Vec<phonon_syntax::Diagnostic> {
    let parsed = phonon_syntax::parse(source);
    let mut diagnostics = parsed.diagnostics;
    let syntax_failed = diagnostics.iter().any(|d| d.is_error());
    // A statement that failed to parse is missing from the program, and may
    // well be its output: "no output" would then only add noise.
    let meaning = phonon_ir::check(&parsed.program)
        .into_iter()
        .filter(|d| !(syntax_failed && d.code == phonon_ir::codes::NO_OUTPUT));
    diagnostics.extend(meaning);
    diagnostics
}
