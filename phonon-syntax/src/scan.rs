//! Tokens of one statement, and the faults that are clearest found by a plain
//! left-to-right scan: brackets, strings, malformed numbers and runaway size.
//!
//! The grammar only runs on statements that pass this scan, so its failures
//! are about order ("expected an expression after `+`"), never about a
//! bracket three lines up. The tokens also give those failures their words.

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use std::ops::Range;

/// Deeper bracket nesting than this is refused, so that no input can exhaust
/// the stack of the recursive grammar or of the passes that walk the tree.
pub(crate) const MAX_NESTING: usize = 48;
/// More operators than this in one statement are refused for the same reason:
/// the tree of a chain is as deep as the chain is long.
pub(crate) const MAX_OPERATORS: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Number,
    Str,
    Name,
    /// `~name`.
    Bus,
    /// Any other single character: brackets, operators, `:`, `,`, stray text.
    Punct(char),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    pub fn text(self, source: &str) -> &str {
        source.get(self.span.range()).unwrap_or("")
    }

    pub fn is_punct(self, c: char) -> bool {
        self.kind == TokenKind::Punct(c)
    }
}

/// Scans `source[range]`: its tokens, or the first fault found.
pub(crate) fn scan(source: &str, range: Range<usize>) -> Result<Vec<Token>, Diagnostic> {
    let text = source.get(range.clone()).unwrap_or("");
    let mut scanner = Scanner {
        text,
        offset: range.start,
        pos: 0,
        tokens: Vec::new(),
        open: Vec::new(),
        operators: 0,
    };
    scanner.run()?;
    if let Some(&(opener, span)) = scanner.open.last() {
        let end = scanner.tokens.last().map_or(span.end, |t| t.span.end);
        let closer = if opener == '(' { ')' } else { ']' };
        return Err(Diagnostic::error(
            codes::UNCLOSED_BRACKET,
            format!("unclosed `{opener}`"),
        )
        .at(span, format!("this `{opener}` is never closed"))
        .with_note(
            Span::new(end as usize, end as usize),
            "the statement ends here",
        )
        .with_hint(format!(
            "add `{closer}` where the bracket should end; a statement goes on to the next line only while a bracket is open or the next line is indented"
        )));
    }
    Ok(scanner.tokens)
}

struct Scanner<'s> {
    text: &'s str,
    offset: usize,
    pos: usize,
    tokens: Vec<Token>,
    /// Open brackets and their spans, innermost last.
    open: Vec<(char, Span)>,
    operators: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.text[self.pos..].chars().nth(1)
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.offset + start, self.offset + end)
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        let span = self.span(start, self.pos);
        self.tokens.push(Token { kind, span });
    }

    fn eat_while(&mut self, keep: impl Fn(char) -> bool) {
        while let Some(c) = self.peek().filter(|&c| keep(c)) {
            self.pos += c.len_utf8();
        }
    }

    fn run(&mut self) -> Result<(), Diagnostic> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                c if c.is_whitespace() => self.pos += c.len_utf8(),
                '-' if self.peek_second() == Some('-') => self.eat_while(|c| c != '\n'),
                '"' => self.string(start)?,
                c if c.is_ascii_digit() => self.number(start)?,
                '.' if self.peek_second().is_some_and(|c| c.is_ascii_digit()) => {
                    self.number(start)?
                }
                c if is_ident_start(c) => {
                    self.eat_while(is_ident_char);
                    self.push(TokenKind::Name, start);
                }
                '~' if self.peek_second().is_some_and(is_ident_start) => {
                    self.pos += 1;
                    self.eat_while(is_ident_char);
                    self.push(TokenKind::Bus, start);
                }
                _ => {
                    self.pos += c.len_utf8();
                    self.push(TokenKind::Punct(c), start);
                    self.punct(c, self.span(start, self.pos))?;
                }
            }
        }
        Ok(())
    }

    /// Strings end on the same line: a missing `"` is reported at the opening
    /// quote instead of swallowing the following lines.
    fn string(&mut self, start: usize) -> Result<(), Diagnostic> {
        self.pos += 1;
        self.eat_while(|c| c != '"' && c != '\n');
        if self.peek() != Some('"') {
            return Err(Diagnostic::error(codes::UNCLOSED_STRING, "unclosed string")
                .at(self.span(start, start + 1), "this string is never closed")
                .with_hint("close it with `\"` on the same line: a string cannot span lines"));
        }
        self.pos += 1;
        self.push(TokenKind::Str, start);
        Ok(())
    }

    /// Takes the whole run of characters that could belong to a number and
    /// checks it, so `3x` or `1e` is one clear error rather than a number
    /// followed by a surprising name.
    fn number(&mut self, start: usize) -> Result<(), Diagnostic> {
        loop {
            self.eat_while(|c| is_ident_char(c) || c == '.');
            let after_exponent = self.text[start..self.pos].ends_with(['e', 'E']);
            let sign_then_digit = matches!(self.peek(), Some('+' | '-'))
                && self.peek_second().is_some_and(|c| c.is_ascii_digit());
            if !(after_exponent && sign_then_digit) {
                break;
            }
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        if !is_number(text) {
            // `1.2k` is how a cutoff is often said aloud.
            let hint = match text.strip_suffix('k') {
                Some(thousands) if is_number(thousands) && !thousands.contains(['e', 'E']) => {
                    format!("numbers take no unit suffix: write `{thousands}e3` for {thousands} thousand")
                }
                _ => "write numbers as `440`, `0.5`, `.5` or `1e3`; put a space between a number and a name".to_string(),
            };
            return Err(Diagnostic::error(
                codes::MALFORMED_NUMBER,
                format!("`{text}` is not a number"),
            )
            .at(self.span(start, self.pos), "malformed number")
            .with_hint(hint));
        }
        self.push(TokenKind::Number, start);
        Ok(())
    }

    fn punct(&mut self, c: char, span: Span) -> Result<(), Diagnostic> {
        match c {
            '(' | '[' => {
                self.open.push((c, span));
                if self.open.len() > MAX_NESTING {
                    return Err(too_complex(
                        span,
                        format!("brackets nest more than {MAX_NESTING} deep here"),
                    ));
                }
            }
            ')' | ']' => {
                let opener = if c == ')' { '(' } else { '[' };
                match self.open.pop() {
                    None => {
                        return Err(Diagnostic::error(
                            codes::UNEXPECTED_CLOSER,
                            format!("unexpected `{c}`"),
                        )
                        .at(span, format!("this `{c}` closes nothing"))
                        .with_hint(format!("remove it, or add the `{opener}` it should close")));
                    }
                    Some((open, open_span)) if open != opener => {
                        let expected = if open == '(' { ')' } else { ']' };
                        return Err(Diagnostic::error(
                            codes::MISMATCHED_BRACKET,
                            format!("expected `{expected}`, found `{c}`"),
                        )
                        .at(span, format!("this `{c}` does not match"))
                        .with_note(open_span, format!("this `{open}` is still open"))
                        .with_hint(format!(
                            "close `{open}` with `{expected}` before closing anything else"
                        )));
                    }
                    Some(_) => {}
                }
            }
            '+' | '-' | '*' | '/' | '#' | '$' => {
                self.operators += 1;
                if self.operators > MAX_OPERATORS {
                    return Err(too_complex(
                        span,
                        format!("more than {MAX_OPERATORS} operators and steps in one statement"),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn too_complex(span: Span, label: String) -> Diagnostic {
    Diagnostic::error(codes::TOO_COMPLEX, "statement is too complex")
        .at(span, label)
        .with_hint("split it into buses: `~part: ...` on its own line, then use `~part`")
}

pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `digits[.digits]` or `.digits`, then an optional exponent `e[+-]digits`.
fn is_number(text: &str) -> bool {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole.is_empty() || all_digits(whole)) && all_digits(fraction),
        None => all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for ok in ["440", "0.5", ".5", "1e3", "1E-3", "2.5e+2"] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in ["1e", "3x", "1.2.3", "1.", "e3", "1e+", "."] {
            assert!(!is_number(bad), "{bad}");
        }
    }

    #[test]
    fn tokens_skip_comments_and_keep_strings_whole() {
        let source = "out: s \"a -- b\" -- c\n  # lpf 1e3";
        let tokens = scan(source, 0..source.len()).unwrap();
        let texts: Vec<&str> = tokens.iter().map(|t| t.text(source)).collect();
        assert_eq!(texts, ["out", ":", "s", "\"a -- b\"", "#", "lpf", "1e3"]);
    }

    #[test]
    fn a_number_takes_an_exponent_sign_but_not_a_minus() {
        let source = "1e-3-2";
        let tokens = scan(source, 0..source.len()).unwrap();
        let texts: Vec<&str> = tokens.iter().map(|t| t.text(source)).collect();
        assert_eq!(texts, ["1e-3", "-", "2"]);
    }
}
