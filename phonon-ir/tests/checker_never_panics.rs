//! Property tests: no text makes `parse` followed by `compile` and `check`
//! panic, and every diagnostic they give points inside the source, on
//! character boundaries, with a primary label for the caret, and speaks in
//! words rather than the grammars' rule names. Inputs are
//! random strings of the language's characters and tokens, and random edits
//! of the shared workloads and the shipped examples.

use phonon_syntax::Diagnostic;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// The nearest `shared` folder above the crate (`../../shared` from the main
/// checkout; worktrees reach it through a `shared` link one level higher).
fn shared_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|a| a.join("shared"))
        .find(|d| d.join("workloads").is_dir())
        .unwrap_or_else(|| {
            panic!(
                "no `shared/workloads` folder above {} (the shared workloads these tests mutate)",
                manifest.display()
            )
        })
}

fn ph_sources(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ph"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
        })
        .collect()
}

/// Every shared workload and every shipped example.
static PROGRAMS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let workloads = ph_sources(&shared_dir().join("workloads"));
    assert!(!workloads.is_empty(), "no workloads in shared/workloads");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut programs = workloads;
    programs.extend(ph_sources(&examples));
    programs
});

/// The rule names of both pest grammars that could not pass for words: those
/// with an underscore (`stack_or_choose`) and pest's capitalised built-ins.
static RULE_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let syntax_src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../phonon-syntax/src");
    let mut names = vec!["EOI".to_string()];
    for grammar in ["grammar.pest", "mini.pest"] {
        let path = syntax_src.join(grammar);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        names.extend(text.lines().filter_map(|line| {
            let (name, _) = line.split_once('=')?;
            let name = name.trim();
            let is_rule =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let looks_like_a_word = !name.contains('_') && name != name.to_uppercase();
            (is_rule && !looks_like_a_word).then(|| name.to_string())
        }));
    }
    assert!(
        names.len() > 10,
        "no rule names found in {}",
        syntax_src.display()
    );
    names
});

fn diagnostics_are_sound(source: &str, diagnostics: &[Diagnostic]) -> Result<(), TestCaseError> {
    for diagnostic in diagnostics {
        let words = std::iter::once(&diagnostic.message)
            .chain(diagnostic.labels.iter().map(|l| &l.message))
            .chain(&diagnostic.hint);
        for text in words {
            for rule in RULE_NAMES.iter() {
                let leaks = text
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .any(|word| word == rule);
                prop_assert!(!leaks, "{diagnostic:?} names the grammar rule `{rule}`");
            }
        }
        prop_assert!(
            diagnostic.primary_span().is_some(),
            "{diagnostic:?} has no primary label"
        );
        for label in &diagnostic.labels {
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            prop_assert!(
                start <= end && end <= source.len(),
                "{diagnostic:?} lies outside {source:?}"
            );
            prop_assert!(
                source.is_char_boundary(start) && source.is_char_boundary(end),
                "{diagnostic:?} splits a character in {source:?}"
            );
        }
    }
    Ok(())
}

/// Parses, compiles and checks `source`; a panic anywhere fails the case.
fn survives(source: &str) -> Result<(), TestCaseError> {
    let parsed = phonon_syntax::parse(source);
    diagnostics_are_sound(source, &parsed.diagnostics)?;
    let compiled = phonon_ir::compile(&parsed.program);
    diagnostics_are_sound(source, &compiled.diagnostics)?;
    prop_assert_eq!(
        compiled.staged.is_some(),
        !compiled.has_errors(),
        "a staged program exactly when there are no errors"
    );
    diagnostics_are_sound(source, &phonon_ir::check(&parsed.program))?;
    Ok(())
}

/// Characters that matter to the statement grammar or the mini-notation,
/// plus multibyte ones and any character at all.
fn language_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec![
            '(', ')', '[', ']', '<', '>', '{', '}', '"', '~', '#', '$', ':', ',', '-', '+', '*',
            '/', '!', '@', '?', '_', '|', '%', '^', '.', ' ', ' ', '\n', '\t', 'e', 'o', 's',
            'a', 'b', 'd', 'n', '0', '1', '3', '8', 'é', '→', '𝄞',
        ]),
        1 => any::<char>(),
    ]
}

/// Whole words of the language, so that random text reaches name
/// resolution and type checking rather than stopping at the grammar.
fn language_token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "out:",
        "o1:",
        "d1:",
        "o2 $",
        "tempo:",
        "bpm:",
        "hush",
        "~a:",
        "~b:",
        "~a",
        "~b",
        "~a $",
        "sine",
        "saw",
        "tri",
        "square",
        "noise",
        "lpf",
        "hpf",
        "delay",
        "reverb",
        "gain",
        "pan",
        "s",
        "n",
        "note",
        "speed",
        "fast",
        "slow",
        "rev",
        "every",
        "stack",
        "cat",
        "euclid",
        "degradeBy",
        "jux",
        "#",
        "$",
        "+",
        "-",
        "*",
        "/",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":q",
        ":cutoff",
        "0",
        "0.5",
        "2",
        "440",
        "-1",
        "1e9",
        "1e-9",
        "\"bd sn\"",
        "\"bd*2 [~ sn]\"",
        "\"<0 3 7>\"",
        "\"c e g\"",
        "\"bd(3,8)\"",
        "\"{a b c}%4\"",
        "\"a . b\"",
        "\"0 .. 3\"",
        "\"bd? sn!\"",
        "\"\"",
        "\n",
        "\n  ",
        " ",
    ])
}

#[derive(Clone, Debug)]
enum Edit {
    InsertChar(usize, char),
    DeleteChar(usize),
    ReplaceChar(usize, char),
    DuplicateChar(usize),
    InsertToken(usize, &'static str),
    DeleteLine(usize),
    DuplicateLine(usize),
    /// Moves a line to another place (a statement before its bus, say).
    MoveLine(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), language_char()).prop_map(|(at, c)| Edit::InsertChar(at, c)),
        any::<usize>().prop_map(Edit::DeleteChar),
        (any::<usize>(), language_char()).prop_map(|(at, c)| Edit::ReplaceChar(at, c)),
        any::<usize>().prop_map(Edit::DuplicateChar),
        (any::<usize>(), language_token()).prop_map(|(at, t)| Edit::InsertToken(at, t)),
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(from, to)| Edit::MoveLine(from, to)),
    ]
}

fn apply_char_edit(chars: &mut Vec<char>, edit: &Edit) {
    let len = chars.len();
    match *edit {
        Edit::InsertChar(at, c) => chars.insert(at % (len + 1), c),
        Edit::InsertToken(at, token) => {
            let at = at % (len + 1);
            chars.splice(at..at, token.chars());
        }
        Edit::DeleteChar(at) if len > 0 => {
            chars.remove(at % len);
        }
        Edit::ReplaceChar(at, c) if len > 0 => chars[at % len] = c,
        Edit::DuplicateChar(at) if len > 0 => chars.insert(at % len, chars[at % len]),
        _ => {}
    }
}

fn apply_line_edit(lines: &mut Vec<String>, edit: &Edit) {
    let len = lines.len();
    if len == 0 {
        return;
    }
    match *edit {
        Edit::DeleteLine(at) => {
            lines.remove(at % len);
        }
        Edit::DuplicateLine(at) => lines.insert(at % len, lines[at % len].clone()),
        Edit::MoveLine(from, to) => {
            let line = lines.remove(from % len);
            lines.insert(to % len, line);
        }
        _ => {}
    }
}

fn apply(source: &str, edits: &[Edit]) -> String {
    let mut text = source.to_string();
    for edit in edits {
        match edit {
            Edit::DeleteLine(_) | Edit::DuplicateLine(_) | Edit::MoveLine(..) => {
                let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
                apply_line_edit(&mut lines, edit);
                text = lines.join("\n");
            }
            _ => {
                let mut chars: Vec<char> = text.chars().collect();
                apply_char_edit(&mut chars, edit);
                text = chars.into_iter().collect();
            }
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        survives(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn random_language_characters_never_panic(
        chars in prop::collection::vec(language_char(), 0..160),
    ) {
        survives(&chars.into_iter().collect::<String>())?;
    }

    #[test]
    fn random_language_tokens_never_panic(
        tokens in prop::collection::vec(language_token(), 0..40),
    ) {
        survives(&tokens.join(" "))?;
    }

    #[test]
    fn mutated_programs_never_panic(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let program = which.get(&PROGRAMS);
        survives(&apply(program, &edits))?;
    }
}

#[test]
fn every_program_survives_unmutated() {
    for program in PROGRAMS.iter() {
        survives(program).unwrap_or_else(|e| panic!("{e}\n{program}"));
        let parsed = phonon_syntax::parse(program);
        let compiled = phonon_ir::compile(&parsed.program);
        assert!(
            !compiled.has_errors(),
            "a shipped program has errors: {:#?}",
            compiled.diagnostics
        );
    }
}
