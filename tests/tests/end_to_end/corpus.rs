//! The earlier Phonon's programs (`shared/corpus/ekg-phonon/`) as a
//! compatibility survey: each program either passes `phonon check` or fails
//! with a diagnostic naming a construct the language does not have. The
//! survey (one line per program) is a golden file, so any change in what
//! the corpus needs shows up in review.

use phonon_tests::{expect_file, ph_files, phonon, shared_dir, stderr, workspace_root};

/// The first error line of a rendered check, e.g.
/// "error[E0101]: unknown function `fm`".
fn first_error(rendered: &str) -> Option<&str> {
    rendered.lines().find(|l| l.starts_with("error["))
}

/// Error codes that mean "this construct is not in Phonon's language" (an
/// unknown name, a syntax the grammar does not have) rather than a mistake
/// in the program.
const MISSING_CONSTRUCT: &[&str] = &[
    "E0001", "E0005", "E0011", "E0015", // statement or token syntax Phonon lacks
    "E0101", "E0103", "E0104",
    "E0107", // unknown function, transform, parameter; extra argument
    "E0210", // mini-notation character Phonon lacks (chords `c3'min7`)
];

#[test]
fn corpus_programs_pass_or_name_the_missing_construct() {
    let corpus = shared_dir().join("corpus/ekg-phonon");
    let mut survey = String::new();
    let mut passing = 0;
    let files = ph_files(&corpus);
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let output = phonon(&corpus, &["check", &name]);
        let rendered = stderr(&output);
        match output.status.code() {
            Some(0) => {
                passing += 1;
                survey.push_str(&format!("{name}: ok\n"));
            }
            Some(1) => {
                let error = first_error(&rendered)
                    .unwrap_or_else(|| panic!("{name}: no error line in\n{rendered}"));
                survey.push_str(&format!("{name}: {error}\n"));
                let code = &error[6..11];
                // Two corpus programs read buses they never define (E0102): a
                // real mistake in the program, kept visible in the survey.
                assert!(
                    MISSING_CONSTRUCT.contains(&code) || code == "E0102",
                    "{name} fails with {error}, which is not a missing construct:\n{rendered}"
                );
            }
            other => panic!("{name}: phonon check exited with {other:?} (a crash?):\n{rendered}"),
        }
    }
    survey.push_str(&format!("{passing} of {} programs pass\n", files.len()));
    expect_file(
        &workspace_root().join("tests/fixtures/corpus_survey.txt"),
        &survey,
    );
}
