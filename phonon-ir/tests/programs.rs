//! Real programs: every shared workload compiles without errors (synth16's
//! 16 outputs in one stage), and the earlier Phonon's corpus never makes the
//! compiler panic.

use phonon_ir::graph::KernelKind;
use std::path::{Path, PathBuf};

/// `shared/<sub>` beside the checkout (`CARGO_MANIFEST_DIR/../../shared`),
/// or beside any enclosing folder (a worktree nested deeper).
fn shared_dir(sub: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let expected = manifest.join("../../shared").join(sub);
    manifest
        .ancestors()
        .map(|a| a.join("shared").join(sub))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "missing folder {} (the shared workloads and corpus)",
                expected.display()
            )
        })
}

fn ph_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ph"))
        .collect();
    files.sort();
    files
}

fn compile_file(path: &Path) -> (String, phonon_ir::Compiled, Vec<phonon_syntax::Diagnostic>) {
    let source = std::fs::read_to_string(path).expect("readable program");
    let parsed = phonon_syntax::parse(&source);
    let compiled = phonon_ir::compile(&parsed.program);
    (source, compiled, parsed.diagnostics)
}

#[test]
fn every_workload_compiles_without_errors() {
    let files = ph_files(&shared_dir("workloads"));
    assert!(!files.is_empty(), "no workloads found");
    for file in files {
        let (_, compiled, syntax) = compile_file(&file);
        let errors: Vec<_> = syntax
            .iter()
            .chain(&compiled.diagnostics)
            .filter(|d| d.is_error())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
        assert!(
            compiled.staged.is_some(),
            "{}: no staged program",
            file.display()
        );
    }
}

#[test]
fn synth16_runs_its_outputs_in_one_stage() {
    let (_, compiled, _) = compile_file(&shared_dir("workloads").join("synth16.ph"));
    let staged = compiled.staged.expect("synth16 compiles");
    let last = staged.stages.last().expect("stages");
    let outputs = last
        .kernels
        .iter()
        .filter(|&&k| matches!(staged.kernel(k).kind, KernelKind::Output(_)))
        .count();
    assert_eq!(outputs, 16, "all 16 outputs in the last stage");
    assert_eq!(
        staged.stages.len(),
        2,
        "the shared ~lfo in an earlier stage"
    );
    assert!(
        matches!(&staged.kernel(staged.stages[0].kernels[0]).kind, KernelKind::Shared { buses } if buses == &["~lfo"])
    );
}

#[test]
fn timings_name_every_pass() {
    let (_, compiled, _) = compile_file(&shared_dir("workloads").join("stress16.ph"));
    let names: Vec<&str> = compiled.timings.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "resolve_names",
            "check_types",
            "close_feedback",
            "lower",
            "fold_constants",
            "share_buses",
            "eliminate_dead_nodes",
            "build_stages"
        ]
    );
}

/// Compiles the whole corpus; prints which programs fail and why (the
/// constructs of the earlier Phonon not in LANGUAGE.md). Must never panic.
#[test]
fn corpus_survey_never_panics() {
    let files = ph_files(&shared_dir("corpus/ekg-phonon"));
    assert!(
        files.len() > 100,
        "corpus incomplete: {} files",
        files.len()
    );
    let mut failing = 0;
    let mut causes: std::collections::BTreeMap<String, usize> = Default::default();
    for file in &files {
        let (source, compiled, syntax) = compile_file(file);
        let errors: Vec<_> = syntax
            .iter()
            .chain(&compiled.diagnostics)
            .filter(|d| d.is_error())
            .collect();
        if errors.is_empty() {
            continue;
        }
        failing += 1;
        let keys: std::collections::BTreeSet<String> = errors
            .iter()
            .map(|d| {
                let text = d
                    .primary_span()
                    .map_or("", |s| source.get(s.range()).unwrap_or(""));
                format!(
                    "{} {}",
                    d.code,
                    if d.code == "E0101" {
                        text
                    } else {
                        d.message.as_str()
                    }
                )
            })
            .collect();
        for key in keys {
            *causes.entry(key).or_default() += 1;
        }
    }
    let mut causes: Vec<_> = causes.into_iter().collect();
    causes.sort_by(|a, b| b.1.cmp(&a.1));
    eprintln!(
        "corpus: {} of {} programs have errors",
        failing,
        files.len()
    );
    for (cause, count) in causes {
        eprintln!("{count:5} programs  {cause}");
    }
}
