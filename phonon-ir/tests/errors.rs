//! Each error kind of the semantic checks: its code, its message, and the
//! column its caret points at.

use phonon_syntax::span::LineIndex;
use phonon_syntax::Diagnostic;

/// The errors of a one-file program (syntax and meaning).
fn errors(source: &str) -> Vec<Diagnostic> {
    let parsed = phonon_syntax::parse(source);
    assert!(
        parsed.diagnostics.iter().all(|d| !d.is_error()),
        "syntax errors: {:?}",
        parsed.diagnostics
    );
    phonon_ir::check(&parsed.program)
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect()
}

/// The single error of `source`: (code, message, 1-based line and column, hint).
fn only_error(source: &str) -> (&'static str, String, (usize, usize), String) {
    let found = errors(source);
    assert_eq!(
        found.len(),
        1,
        "expected one error for {source:?}, got {found:#?}"
    );
    let d = &found[0];
    let span = d.primary_span().expect("a primary label");
    let at = LineIndex::new(source).line_col(source, span.start as usize);
    (
        d.code,
        d.message.clone(),
        at,
        d.hint.clone().unwrap_or_default(),
    )
}

#[test]
fn unknown_node_suggests_the_nearest_name() {
    let (code, message, at, hint) = only_error("out: saw 110 # lfp 800 0.7\n");
    assert_eq!(code, "E0101");
    assert_eq!(message, "unknown function `lfp`");
    assert_eq!(at, (1, 16));
    assert_eq!(hint, "did you mean `lpf`?");
}

#[test]
fn unknown_bus_suggests_a_defined_bus() {
    let (code, message, at, hint) = only_error("~drums: s \"bd sn\"\nout: ~drum * 0.5\n");
    assert_eq!(code, "E0102");
    assert_eq!(message, "no bus named `~drum`");
    assert_eq!(at, (2, 6));
    assert_eq!(hint, "did you mean `~drums`?");
}

#[test]
fn unknown_transform_suggests_a_transform() {
    let (code, message, at, hint) = only_error("out: s \"bd sn\" $ fsat 2\n");
    assert_eq!(code, "E0103");
    assert_eq!(message, "unknown transform `fsat`");
    assert_eq!(at, (1, 18));
    assert_eq!(hint, "did you mean `fast`?");
}

#[test]
fn unknown_keyword_suggests_a_parameter() {
    let (code, message, at, hint) = only_error("out: saw 55 # lpf 800 :qq 0.7\n");
    assert_eq!(code, "E0104");
    assert_eq!(message, "`lpf` has no parameter `qq`");
    assert_eq!(at, (1, 23));
    assert!(hint.starts_with("did you mean `:q`?"), "{hint}");
}

#[test]
fn word_pattern_as_cutoff_is_a_type_error() {
    let (code, message, at, _) = only_error("out: saw 55 # lpf \"bd sn\" 0.7\n");
    assert_eq!(code, "E0105");
    assert_eq!(
        message,
        "`lpf` cutoff expects a number or a signal, found a pattern of words"
    );
    assert_eq!(at, (1, 19));
}

#[test]
fn transform_as_output_is_a_type_error() {
    let (code, message, at, hint) = only_error("out: fast 2\n");
    assert_eq!(code, "E0105");
    assert_eq!(
        message,
        "output `out` expects a signal, found a pattern transform"
    );
    assert_eq!(at, (1, 6));
    assert!(hint.contains("$ fast 2"), "{hint}");
}

#[test]
fn processor_without_input_says_how_to_give_one() {
    let (code, message, at, hint) = only_error("out: lpf 800 0.7\n");
    assert_eq!(code, "E0105");
    assert_eq!(message, "`lpf` needs a signal input");
    assert_eq!(at, (1, 6));
    assert!(hint.contains("saw 55 # lpf"), "{hint}");
}

#[test]
fn missing_required_argument_names_it() {
    let (code, message, at, _) = only_error("out: saw 55 # delay\n");
    assert_eq!(code, "E0106");
    assert_eq!(message, "`delay` needs its `time` argument");
    assert_eq!(at, (1, 15));
}

#[test]
fn too_many_arguments_points_at_the_extra_one() {
    let (code, _, at, _) = only_error("out: saw 55 # lpf 800 0.7 3\n");
    assert_eq!(code, "E0107");
    assert_eq!(at, (1, 27));
}

#[test]
fn parameter_given_twice() {
    let (code, _, at, _) = only_error("out: saw 55 # lpf 800 0.7 :q 2\n");
    assert_eq!(code, "E0108");
    assert_eq!(at, (1, 27));
}

#[test]
fn event_parameter_on_a_signal() {
    let (code, _, at, _) = only_error("out: saw 55 # speed 2\n");
    assert_eq!(code, "E0105");
    assert_eq!(at, (1, 15));
}

#[test]
fn no_output_is_only_a_warning() {
    let parsed = phonon_syntax::parse("~a: sine 440\n");
    let diagnostics = phonon_ir::check(&parsed.program);
    assert!(
        diagnostics.iter().all(|d| !d.is_error()),
        "{diagnostics:#?}"
    );
    assert!(diagnostics
        .iter()
        .any(|d| d.code == "E0111" && d.message == "no output: the program is silent"));
}

#[test]
fn a_bad_tempo_is_reported() {
    let (code, _, at, _) = only_error("tempo: -1\nout: sine 440\n");
    assert_eq!(code, "E0112");
    assert_eq!(at, (1, 8));
}

#[test]
fn feedback_is_allowed_but_a_pattern_cycle_is_not() {
    assert!(errors("~a: sine 440 + ~a * 0.5\nout: ~a * 0.1\n").is_empty());
    // A bus read inside its own definition is a signal, and `cat` needs patterns.
    let found = errors("~p: cat \"1 2\" ~p\nout: sine ~p\n");
    assert!(found.iter().any(|d| d.code == "E0114"), "{found:#?}");
}

#[test]
fn every_code_is_unique() {
    let mut codes: Vec<&str> = phonon_ir::codes::ALL.iter().map(|(c, _)| *c).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), phonon_ir::codes::ALL.len());
}

/// The codes of every warning `source` gets.
fn warning_codes(source: &str) -> Vec<&'static str> {
    let parsed = phonon_syntax::parse(source);
    phonon_ir::check(&parsed.program)
        .into_iter()
        .filter(|d| !d.is_error())
        .map(|d| d.code)
        .collect()
}

#[test]
fn a_transform_that_reaches_no_pattern_is_a_warning_and_one_that_does_is_not() {
    for dropped in [
        "~p: sine 3 + (~p $ fast 2) * 0.5\nout: ~p\n",
        "~a: sine 3 # lpf 300 0.5\nout: ~a $ fast 2\n",
        "out: sine 3 $ fast 2\n",
    ] {
        assert_eq!(warning_codes(dropped), ["E0116"], "{dropped}");
    }
    for applied in [
        "out: saw \"55 110\" $ fast 2\n",
        "~n: \"55 110\"\nout: saw ~n $ fast 2\n",
        "out: saw 55 # lpf \"300 900\" 0.5 $ fast 2\n",
        "out: s \"bd sn\" $ fast 2\n",
    ] {
        assert_eq!(warning_codes(applied), Vec::<&str>::new(), "{applied}");
    }
}

#[test]
fn a_node_parameter_used_as_a_function_names_its_node() {
    let (code, _, at, hint) = only_error("out: s \"bd sn\" # room 0.3\n");
    assert_eq!(code, "E0101");
    assert_eq!(at, (1, 18));
    assert_eq!(
        hint,
        "`room` is a parameter of `reverb`, not a function: write `# reverb :room 0.5` (or its value in position)"
    );
}
