//! Every `ph` example in docs/ is a complete program that passes `phonon check`.

use phonon_tests::{phonon, stderr, temp_dir, workspace_root};

/// The fenced ```ph blocks of a markdown file, with the line each starts on.
fn ph_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in markdown.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```ph") => current = Some((number + 1, String::new())),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_documented_program_checks_clean() {
    let docs = workspace_root().join("docs");
    let dir = temp_dir();
    let mut count = 0;
    for entry in std::fs::read_dir(&docs).expect("docs folder") {
        let path = entry.expect("docs entry").path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let markdown = std::fs::read_to_string(&path).expect("readable doc");
        for (line, program) in ph_blocks(&markdown) {
            let file = dir.path().join(format!("example{count}.ph"));
            std::fs::write(&file, &program).expect("temp file");
            let output = phonon(dir.path(), &["check", file.to_str().unwrap()]);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}:{line}: documented example fails `phonon check`:\n{program}\n{}",
                path.display(),
                stderr(&output)
            );
            count += 1;
        }
    }
    assert!(count >= 5, "expected the documented examples, found {count}");
}
