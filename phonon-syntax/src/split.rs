//! Cuts a source file into statements, before any grammar runs.
//!
//! One statement per line; a line that starts with whitespace, or follows an
//! unclosed `(` or `[`, continues the previous statement. Blank and
//! comment-only lines belong to no statement. Each statement is then parsed on
//! its own, which is what lets one broken statement never hide the others.

use std::ops::Range;

/// One non-blank line of the source.
struct Line {
    /// Byte range of the line without its `\n`.
    range: Range<usize>,
    /// Starts with whitespace: a continuation line.
    indented: bool,
    /// Could start a statement by itself (`~x:`, `out $`, `tempo:`, `hush`).
    statement_head: bool,
}

/// The byte ranges of the statements in `source`, in order. Each range starts
/// at the beginning of a line and ends at the end of a line (without `\n`).
pub(crate) fn split_statements(source: &str) -> Vec<Range<usize>> {
    let lines: Vec<Line> = non_blank_lines(source).collect();
    let mut statements: Vec<Range<usize>> = Vec::new();
    let mut depth = 0usize;
    for (index, line) in lines.iter().enumerate() {
        let continues = match statements.last() {
            None => false,
            Some(_) if line.indented => true,
            Some(_) => depth > 0 && !ends_unclosed_statement(source, &lines[index..], depth),
        };
        match statements.last_mut() {
            Some(current) if continues => current.end = line.range.end,
            _ => {
                statements.push(line.range.clone());
                depth = 0;
            }
        }
        depth = bracket_depth_after(&source[line.range.clone()], depth);
    }
    statements
}

/// Whether `lines[0]`, read while `depth` brackets are open, starts a new
/// statement after all. By the rule it continues the statement; but when it
/// sits at the left margin, starts like a statement, and it and its own
/// continuation lines never close those brackets, the bracket was most likely
/// forgotten. Cutting there reports the unclosed bracket once and lets the
/// statements after it parse, where the rule would swallow the rest of the file.
fn ends_unclosed_statement(source: &str, lines: &[Line], mut depth: usize) -> bool {
    let Some(first) = lines.first() else {
        return false;
    };
    if !first.statement_head {
        return false;
    }
    for (index, line) in lines.iter().enumerate() {
        if index > 0 && !line.indented && line.statement_head {
            break;
        }
        depth = bracket_depth_after(&source[line.range.clone()], depth);
        if depth == 0 {
            return false;
        }
    }
    true
}

fn non_blank_lines(source: &str) -> impl Iterator<Item = Line> + '_ {
    let mut offset = 0;
    source.split_inclusive('\n').filter_map(move |raw| {
        let start = offset;
        offset += raw.len();
        let text = raw.strip_suffix('\n').unwrap_or(raw);
        let content = text.trim_start();
        if content.is_empty() || content.starts_with("--") {
            return None;
        }
        Some(Line {
            range: start..start + text.len(),
            indented: content.len() != text.len(),
            statement_head: looks_like_statement_head(text),
        })
    })
}

/// The bracket depth after `line`, starting from `depth`. Strings end at the
/// end of their line and comments are skipped; a stray closer never takes the
/// depth below zero (the statement's own scan reports it).
fn bracket_depth_after(line: &str, mut depth: usize) -> usize {
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => break,
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

/// Whether a line starts like a statement: `hush`, `tempo:`/`cps:`/`bpm:`,
/// `~name` or an output name followed by `:` or `$`.
fn looks_like_statement_head(line: &str) -> bool {
    let word_end = |text: &str| {
        text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len())
    };
    let binding_follows = |rest: &str, allow_dollar: bool| {
        let rest = rest.trim_start();
        rest.starts_with(':') || (allow_dollar && rest.starts_with('$'))
    };
    if let Some(bus) = line.strip_prefix('~') {
        let end = word_end(bus);
        return end > 0 && binding_follows(&bus[end..], true);
    }
    let end = word_end(line);
    let (word, rest) = line.split_at(end);
    match word {
        "hush" => {
            let rest = rest.trim_start();
            rest.is_empty() || rest.starts_with("--")
        }
        "tempo" | "cps" | "bpm" => binding_follows(rest, false),
        _ => is_output_name(word) && binding_follows(rest, true),
    }
}

/// `out`, `outN`, `oN` or `dN`.
pub(crate) fn is_output_name(word: &str) -> bool {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if let Some(n) = word.strip_prefix("out") {
        return digits(n);
    }
    ["o", "d"].iter().any(|prefix| {
        word.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && digits(n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(source: &str) -> Vec<&str> {
        split_statements(source)
            .into_iter()
            .map(|r| &source[r])
            .collect()
    }

    #[test]
    fn one_statement_per_line() {
        assert_eq!(pieces("a: 1\nb: 2\n"), ["a: 1", "b: 2"]);
    }

    #[test]
    fn indented_lines_and_open_brackets_continue() {
        let source = "out: a +\n  b\n~x: f [1,\n2]\nhush";
        assert_eq!(pieces(source), ["out: a +\n  b", "~x: f [1,\n2]", "hush"]);
    }

    #[test]
    fn blank_and_comment_lines_are_nothing() {
        let source = "-- intro\n\nout: a\n  -- note\n\n  + b\n";
        assert_eq!(pieces(source), ["out: a\n  -- note\n\n  + b"]);
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let source = "out: s \"[bd\" -- (\nhush";
        assert_eq!(pieces(source), ["out: s \"[bd\" -- (", "hush"]);
    }

    #[test]
    fn an_unclosed_bracket_stops_at_the_next_statement_head() {
        let source = "~a: lpf (saw 55 800\n~b: sine 440\nout: ~a";
        assert_eq!(
            pieces(source),
            ["~a: lpf (saw 55 800", "~b: sine 440", "out: ~a"]
        );
    }

    #[test]
    fn a_later_closer_in_another_statement_does_not_hide_the_cut() {
        let source = "~a: lpf (saw 55\nout: sine 3\n~b: (a +\n  b)";
        assert_eq!(
            pieces(source),
            ["~a: lpf (saw 55", "out: sine 3", "~b: (a +\n  b)"]
        );
    }

    #[test]
    fn a_closed_bracket_may_span_a_statement_like_line() {
        let source = "out: stack [~a,\n~b $ fast 2]";
        assert_eq!(pieces(source), [source]);
    }

    #[test]
    fn statement_heads() {
        for head in ["hush", "tempo: 1", "~a $ x", "o12: x", "out3 $ x", "d1:x"] {
            assert!(looks_like_statement_head(head), "{head}");
        }
        for other in ["hushed", "tempo $ 1", "~ a: x", "o: x", "dx: 1", "sine 4"] {
            assert!(!looks_like_statement_head(other), "{other}");
        }
    }
}
