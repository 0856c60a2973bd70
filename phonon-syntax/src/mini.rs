//! Mini-notation (the text inside a pattern string) to a syntax tree with
//! byte spans, or diagnostics that say what is wrong in words.
//!
//! The grammar (`mini.pest`) follows Strudel 1.2.6's krill parser. This module
//! knows no pattern semantics: the tree says what the text says, and
//! phonon-ir turns it into a pattern.

use crate::diagnostic::Diagnostic;
use crate::span::Span;
use pest::iterators::Pair;
use pest::Parser as _;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "mini.pest"]
struct MiniParser;

/// Deeper bracket nesting than this is refused before parsing, so that no
/// input can exhaust the parser's stack.
const MAX_NESTING: usize = 64;

/// Every mini-notation diagnostic code with a one-line description, in order
/// (the statement parser's codes are in `codes::ALL`). The codes are written
/// where they are raised, below; a test keeps those and this list in step.
pub const CODES: &[(&str, &str)] = &[
    ("E0200", "unclosed bracket in mini-notation"),
    ("E0201", "empty mini-notation string"),
    (
        "E0202",
        "closing bracket with nothing open in mini-notation",
    ),
    ("E0203", "bracket closed by the wrong kind in mini-notation"),
    ("E0204", "expected a number after `*`, `/` or `%`"),
    ("E0205", "expected a value after `:` or `..`"),
    (
        "E0206",
        "expected a pattern after `,`, `|` or `.`, or the three mixed",
    ),
    ("E0207", "empty brackets in mini-notation"),
    ("E0208", "malformed euclidean rhythm"),
    ("E0209", "mini-notation nested too deeply"),
    ("E0210", "unexpected character in mini-notation"),
];

/// A parsed mini-notation string.
#[derive(Clone, Debug, PartialEq)]
pub struct MiniAst {
    /// The whole string: a sequence, or a stack, choice or feet of sequences.
    pub root: MiniNode,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MiniNode {
    pub kind: MiniKind,
    /// For a bracketed group, the span includes the brackets.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MiniKind {
    /// A word, a number or a rest.
    Atom(Atom),
    /// `a b c`: elements side by side in one cycle.
    Sequence(Sequence),
    /// `a b, c d`: sequences played together (each child is a `Sequence`).
    Stack(Vec<MiniNode>),
    /// `a | b`: one sequence chosen at random each cycle.
    RandomChoice(Vec<MiniNode>),
    /// `a b . c d`: sequences as equal feet of one cycle.
    Feet(Vec<MiniNode>),
    /// `<a b, c d e>`: one step per cycle, for each layer.
    Alternation(Vec<MiniNode>),
    /// `{a b, c d e}%4`: layers aligned step by step; `steps_per_cycle` is
    /// the slice after `%`.
    Polymeter {
        layers: Vec<MiniNode>,
        steps_per_cycle: Option<Box<MiniNode>>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    /// Written with a leading `^`: this sequence sets the step count.
    pub marks_steps: bool,
    pub elements: Vec<Element>,
}

/// One step of a sequence with its operators, in source order (`bd*2?`).
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    pub body: MiniNode,
    pub ops: Vec<Op>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    pub kind: OpKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OpKind {
    /// `@3`, or `@` alone.
    Weight(Option<f64>),
    /// `_`: one more step of length (`_3` adds three minus one).
    Elongate(Option<f64>),
    /// `!3`, or `!` alone (one more repetition).
    Replicate(Option<f64>),
    /// `?`, `?0.3`: drop events at random with this probability.
    Degrade(Option<f64>),
    /// `*factor`.
    Fast(Box<MiniNode>),
    /// `/factor`.
    Slow(Box<MiniNode>),
    /// `(pulses,steps)` or `(pulses,steps,rotation)`.
    Euclid {
        pulses: Box<Element>,
        steps: Box<Element>,
        rotation: Option<Box<Element>>,
    },
    /// `:3`: appends a value (`bd:3` is the list `[bd, 3]`).
    Tail(Box<MiniNode>),
    /// `.. 3`: counts from this value to that one.
    Range(Box<MiniNode>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Atom {
    /// The word as written.
    pub text: String,
    pub kind: AtomKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AtomKind {
    /// `~` or `-`.
    Rest,
    /// A word that JavaScript's `Number()` reads as a number: `1`, `-0.5`, `1e3`, `.5`.
    Number(f64),
    /// Anything else: a sample name, a note name (`c4`, `a#3`), a word.
    Word,
}

/// Parses mini-notation. `offset` is added to every span, so that callers can
/// pass the string's position in the file (`StrLit.content.start`).
pub fn parse_mini(text: &str, offset: u32) -> Result<MiniAst, Vec<Diagnostic>> {
    let at = |start: usize, end: usize| Span::new(start, end).shifted(offset);
    if text.trim_matches(is_mini_space).is_empty() {
        let span = at(0, text.len());
        return Err(vec![Diagnostic::error(
            "E0201",
            "empty mini-notation string",
        )
        .at(span, "nothing to play here")
        .with_hint("write `~` for a pattern of silence")]);
    }
    let bracket_errors = check_brackets(text, offset);
    if !bracket_errors.is_empty() {
        return Err(bracket_errors);
    }
    match MiniParser::parse(Rule::mini, text) {
        Ok(mut pairs) => {
            let Some(mini) = pairs.next() else {
                return Err(vec![unexpected_at(text, 0, offset)]);
            };
            let builder = TreeBuilder { offset };
            let root = mini
                .into_inner()
                .find(|p| p.as_rule() == Rule::stack_or_choose)
                .map(|p| builder.stack_or_choose(p));
            match root {
                Some(root) => Ok(MiniAst { root }),
                None => Err(vec![unexpected_at(text, 0, offset)]),
            }
        }
        Err(error) => {
            let position = match error.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((start, _)) => start,
            };
            Err(vec![explain_failure(text, position, offset)])
        }
    }
}

fn is_mini_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{A0}')
}

/// What JavaScript's `Number(text)` gives for a mini-notation word, if it is a
/// number (Strudel decides number versus word this way).
pub fn js_number(text: &str) -> Option<f64> {
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    if body == "Infinity" {
        return Some(sign * f64::INFINITY);
    }
    let radix = |prefix: [&str; 2], radix: u32| {
        let digits = prefix.iter().find_map(|p| text.strip_prefix(p))?;
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        // JavaScript reads any number of digits; so does this fold (in floating point).
        Some(digits.chars().fold(0.0, |acc, c| {
            acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
        }))
    };
    if let Some(n) = radix(["0x", "0X"], 16)
        .or_else(|| radix(["0o", "0O"], 8))
        .or_else(|| radix(["0b", "0B"], 2))
    {
        return Some(n);
    }
    let bytes = body.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let int_digits = digits(&mut i);
    let mut frac_digits = 0;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        frac_digits = digits(&mut i);
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    body.parse::<f64>().ok().map(|n| sign * n)
}

// ---- building the tree --------------------------------------------------------

struct TreeBuilder {
    offset: u32,
}

impl TreeBuilder {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(s.start(), s.end()).shifted(self.offset)
    }

    /// A `stack_or_choose` pair: one sequence, or several joined by `,`, `|` or `.`.
    fn stack_or_choose(&self, pair: Pair<Rule>) -> MiniNode {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let head = inner.next().map(|p| self.sequence(p));
        let tail = inner.next();
        let Some(head) = head else {
            return empty_sequence(span);
        };
        let Some(tail) = tail else {
            return head;
        };
        let kind_of_tail = tail.as_rule();
        let mut sequences = vec![head];
        sequences.extend(tail.into_inner().map(|p| self.sequence(p)));
        let kind = match kind_of_tail {
            Rule::choose_tail => MiniKind::RandomChoice(sequences),
            Rule::dot_tail => MiniKind::Feet(sequences),
            _ => MiniKind::Stack(sequences),
        };
        MiniNode { kind, span }
    }

    fn sequence(&self, pair: Pair<Rule>) -> MiniNode {
        let span = self.span(&pair);
        let mut marks_steps = false;
        let mut elements = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::steps_marker => marks_steps = true,
                Rule::element => elements.push(self.element(p)),
                _ => {}
            }
        }
        MiniNode {
            kind: MiniKind::Sequence(Sequence {
                marks_steps,
                elements,
            }),
            span,
        }
    }

    fn sequences(&self, pair: Pair<Rule>) -> Vec<MiniNode> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::sequence)
            .map(|p| self.sequence(p))
            .collect()
    }

    fn element(&self, pair: Pair<Rule>) -> Element {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let body = match inner.next() {
            Some(p) => self.slice(p),
            None => empty_sequence(span),
        };
        let ops = inner.map(|p| self.op(p)).collect();
        Element { body, ops, span }
    }

    fn slice(&self, pair: Pair<Rule>) -> MiniNode {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::word => {
                let text = pair.as_str().to_string();
                let kind = if text == "~" || text == "-" {
                    AtomKind::Rest
                } else {
                    js_number(&text).map_or(AtomKind::Word, AtomKind::Number)
                };
                MiniNode {
                    kind: MiniKind::Atom(Atom { text, kind }),
                    span,
                }
            }
            Rule::sub_cycle => match pair.into_inner().next() {
                Some(inner) => MiniNode {
                    span,
                    ..self.stack_or_choose(inner)
                },
                None => empty_sequence(span),
            },
            Rule::slow_sequence => {
                let layers = pair
                    .into_inner()
                    .next()
                    .map(|p| self.sequences(p))
                    .unwrap_or_default();
                MiniNode {
                    kind: MiniKind::Alternation(layers),
                    span,
                }
            }
            Rule::polymeter => {
                let mut layers = Vec::new();
                let mut steps_per_cycle = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::polymeter_stack => layers = self.sequences(p),
                        Rule::polymeter_steps => {
                            steps_per_cycle =
                                p.into_inner().next().map(|s| Box::new(self.slice(s)));
                        }
                        _ => {}
                    }
                }
                MiniNode {
                    kind: MiniKind::Polymeter {
                        layers,
                        steps_per_cycle,
                    },
                    span,
                }
            }
            _ => empty_sequence(span),
        }
    }

    fn op(&self, pair: Pair<Rule>) -> Op {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let number = |inner: &mut pest::iterators::Pairs<Rule>| {
            inner.next().and_then(|p| p.as_str().parse::<f64>().ok())
        };
        let kind = match rule {
            Rule::op_weight => OpKind::Weight(number(&mut inner)),
            Rule::op_elongate => OpKind::Elongate(number(&mut inner)),
            Rule::op_replicate => OpKind::Replicate(number(&mut inner)),
            Rule::op_degrade => OpKind::Degrade(number(&mut inner)),
            Rule::op_euclid => {
                let mut args = inner.map(|p| Box::new(self.element(p)));
                let pulses = args.next().unwrap_or_else(|| Box::new(empty_element(span)));
                let steps = args.next().unwrap_or_else(|| Box::new(empty_element(span)));
                OpKind::Euclid {
                    pulses,
                    steps,
                    rotation: args.next(),
                }
            }
            _ => {
                let arg = Box::new(
                    inner
                        .next()
                        .map_or_else(|| empty_sequence(span), |p| self.slice(p)),
                );
                match rule {
                    Rule::op_slow => OpKind::Slow(arg),
                    Rule::op_tail => OpKind::Tail(arg),
                    Rule::op_range => OpKind::Range(arg),
                    _ => OpKind::Fast(arg),
                }
            }
        };
        Op { kind, span }
    }
}

/// Stands in where the grammar guarantees a child; never reached for input the
/// grammar accepted, but keeps the builder total.
fn empty_sequence(span: Span) -> MiniNode {
    MiniNode {
        kind: MiniKind::Sequence(Sequence {
            marks_steps: false,
            elements: Vec::new(),
        }),
        span,
    }
}

fn empty_element(span: Span) -> Element {
    Element {
        body: empty_sequence(span),
        ops: Vec::new(),
        span,
    }
}

// ---- diagnostics --------------------------------------------------------------

fn closer_of(open: char) -> char {
    match open {
        '[' => ']',
        '<' => '>',
        '{' => '}',
        _ => ')',
    }
}

/// Unclosed, unopened and mismatched brackets, found before parsing so that
/// the message can point at the bracket itself.
fn check_brackets(text: &str, offset: u32) -> Vec<Diagnostic> {
    let at = |start: usize, c: char| Span::new(start, start + c.len_utf8()).shifted(offset);
    let mut open: Vec<(usize, char)> = Vec::new();
    let mut errors = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '[' | '<' | '{' | '(' => {
                open.push((i, c));
                if open.len() > MAX_NESTING {
                    return vec![
                        Diagnostic::error("E0209", "mini-notation nested too deeply")
                            .at(at(i, c), format!("more than {MAX_NESTING} brackets deep"))
                            .with_hint("flatten the pattern, or build it from several strings"),
                    ];
                }
            }
            ']' | '>' | '}' | ')' => match open.last() {
                Some(&(_, o)) if closer_of(o) == c => {
                    open.pop();
                }
                Some(&(start, o)) => {
                    errors.push(
                        Diagnostic::error(
                            "E0203",
                            format!("`{c}` does not close the `{o}` before it"),
                        )
                        .at(at(i, c), format!("expected `{}` here", closer_of(o)))
                        .with_note(at(start, o), format!("this `{o}` is still open"))
                        .with_hint(format!("close `{o}` with `{}` first", closer_of(o))),
                    );
                    return errors;
                }
                None => errors.push(
                    Diagnostic::error("E0202", format!("unexpected `{c}` in mini-notation"))
                        .at(at(i, c), "nothing is open here")
                        .with_hint("remove it, or add the opening bracket it closes"),
                ),
            },
            _ => {}
        }
    }
    for (start, o) in open {
        errors.push(
            Diagnostic::error("E0200", format!("unclosed `{o}` in mini-notation"))
                .at(at(start, o), "opened here")
                .with_hint(format!("add a matching `{}`", closer_of(o))),
        );
    }
    errors
}

/// Turns the position where the grammar stopped into a message in words.
fn explain_failure(text: &str, position: usize, offset: u32) -> Diagnostic {
    let position = position.min(text.len());
    let before = text[..position].trim_end_matches(is_mini_space);
    let previous = before.chars().next_back();
    let previous_at = before
        .len()
        .saturating_sub(previous.map_or(0, char::len_utf8));
    let span_of_previous =
        |c: char| Span::new(previous_at, previous_at + c.len_utf8()).shifted(offset);
    let here = text[position..].chars().next();
    let span_here = Span::new(position, position + here.map_or(0, char::len_utf8)).shifted(offset);
    let innermost_open = innermost_open_bracket(&text[..position]);
    match previous {
        Some(op @ ('*' | '/')) => {
            let what = if op == '*' {
                "speed it up"
            } else {
                "slow it down"
            };
            return Diagnostic::error("E0204", format!("expected a number after `{op}`"))
                .at(span_of_previous(op), format!("`{op}` needs a factor"))
                .with_hint(format!(
                    "write e.g. `bd{op}2` to {what}, or a pattern like `bd{op}<2 3>`"
                ));
        }
        Some('%') => {
            return Diagnostic::error("E0204", "expected a number of steps after `%`")
                .at(span_of_previous('%'), "`%` needs a step count")
                .with_hint("write e.g. `{bd sn hh}%4`");
        }
        Some(':') if !before.ends_with("::") => {
            return Diagnostic::error("E0205", "expected a value after `:`")
                .at(span_of_previous(':'), "`:` needs a value")
                .with_hint("write e.g. `bd:3` for the fourth `bd` sample");
        }
        Some('.') if before.ends_with("..") => {
            return Diagnostic::error("E0205", "expected a value after `..`")
                .at(
                    Span::new(previous_at - 1, previous_at + 1).shifted(offset),
                    "a range needs an end",
                )
                .with_hint("write e.g. `0 .. 3`");
        }
        Some(sep @ (',' | '|' | '.')) => {
            return Diagnostic::error("E0206", format!("expected a pattern after `{sep}`"))
                .at(span_of_previous(sep), "nothing follows")
                .with_hint(format!("remove the `{sep}`, or write a step after it"));
        }
        Some(open @ ('[' | '<' | '{')) if matches!(here, Some(']' | '>' | '}')) => {
            return Diagnostic::error(
                "E0207",
                format!("empty `{open}{}` in mini-notation", closer_of(open)),
            )
            .at(span_of_previous(open).to(span_here), "nothing inside")
            .with_hint("write `~` for a rest");
        }
        _ => {}
    }
    if innermost_open == Some('(') {
        return Diagnostic::error(
            "E0208",
            "a euclidean rhythm needs `(pulses,steps)` or `(pulses,steps,rotation)`",
        )
        .at(
            span_here,
            if here == Some(')') {
                "expected `,` and a number of steps before `)`"
            } else {
                "unexpected here"
            },
        )
        .with_hint("write e.g. `bd(3,8)` or `bd(3,8,2)`");
    }
    match here {
        Some(sep @ ('|' | ',')) => {
            let (message, hint) = if matches!(innermost_open, Some('<' | '{')) && sep == '|' {
                (
                    "`|` cannot be used inside `<...>` or `{...}`".to_string(),
                    "wrap the choice in brackets: `<a [b | c]>`".to_string(),
                )
            } else {
                (
                    "cannot mix `,`, `|` and `.` in one group".to_string(),
                    "put one of the groups in brackets: `[a | b], c`".to_string(),
                )
            };
            Diagnostic::error("E0206", message)
                .at(span_here, "here")
                .with_hint(hint)
        }
        _ => unexpected_at(text, position, offset),
    }
}

fn unexpected_at(text: &str, position: usize, offset: u32) -> Diagnostic {
    let position = position.min(text.len());
    match text[position..].chars().next() {
        Some(c) => Diagnostic::error("E0210", format!("unexpected `{c}` in mini-notation"))
            .at(Span::new(position, position + c.len_utf8()).shifted(offset), "not expected here")
            .with_hint("mini-notation has words, numbers, `~`, brackets `[] <> {}`, and the operators `* / ! @ _ ? : .. ( , | .`"),
        None => Diagnostic::error("E0210", "unexpected end of mini-notation")
            .at(Span::new(position, position).shifted(offset), "more was expected here")
            .with_hint("finish the step or group that is left open"),
    }
}

fn innermost_open_bracket(text: &str) -> Option<char> {
    let mut open = Vec::new();
    for c in text.chars() {
        match c {
            '[' | '<' | '{' | '(' => open.push(c),
            ']' | '>' | '}' | ')' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> MiniAst {
        parse_mini(text, 0).unwrap_or_else(|e| panic!("{text:?} failed: {e:?}"))
    }

    fn error(text: &str) -> Diagnostic {
        match parse_mini(text, 10) {
            Ok(ast) => panic!("{text:?} parsed: {ast:?}"),
            Err(mut errors) => errors.remove(0),
        }
    }

    fn elements(node: &MiniNode) -> &[Element] {
        match &node.kind {
            MiniKind::Sequence(s) => &s.elements,
            other => panic!("not a sequence: {other:?}"),
        }
    }

    #[test]
    fn codes_list_matches_the_codes_raised() {
        let source = include_str!("mini.rs");
        let code_part = &source[..source.find("#[cfg(test)]").unwrap_or(source.len())];
        let literals: Vec<&str> = code_part
            .match_indices("\"E0")
            .map(|(at, _)| &code_part[at + 1..at + 6])
            .collect();
        for code in &literals {
            assert!(
                CODES.iter().any(|(c, _)| c == code),
                "{code} is not in CODES"
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (code, _) in CODES {
            assert!(seen.insert(code), "{code} listed twice");
            assert!(
                code.starts_with("E02"),
                "{code} is not a mini-notation code"
            );
            // Once in the list, at least once where it is raised.
            assert!(
                literals.iter().filter(|c| *c == code).count() >= 2,
                "{code} is never raised"
            );
        }
    }

    #[test]
    fn words_numbers_and_rests() {
        let ast = parse("bd -1.5 ~ c#4 1e3 - .5");
        let kinds: Vec<AtomKind> = elements(&ast.root)
            .iter()
            .map(|e| match &e.body.kind {
                MiniKind::Atom(a) => a.kind,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                AtomKind::Word,
                AtomKind::Number(-1.5),
                AtomKind::Rest,
                AtomKind::Word,
                AtomKind::Number(1000.0),
                AtomKind::Rest,
                AtomKind::Number(0.5)
            ]
        );
    }

    #[test]
    fn spans_are_shifted_by_the_offset() {
        let ast = parse_mini("bd [sn hh]", 7).expect("parses");
        let elements = elements(&ast.root);
        assert_eq!(elements[0].body.span, Span::new(7, 9));
        assert_eq!(elements[1].body.span, Span::new(10, 17));
    }

    #[test]
    fn operators_keep_source_order() {
        let ast = parse("bd*2?0.3!3 sn@1.5 _ hh(3,8,2) cp:3 0 .. 3");
        let elements = elements(&ast.root);
        assert!(matches!(
            elements[0].ops.iter().map(|o| &o.kind).collect::<Vec<_>>()[..],
            [
                OpKind::Fast(_),
                OpKind::Degrade(Some(_)),
                OpKind::Replicate(Some(_))
            ]
        ));
        assert!(matches!(
            elements[1].ops[..],
            [
                Op {
                    kind: OpKind::Weight(Some(_)),
                    ..
                },
                Op {
                    kind: OpKind::Elongate(None),
                    ..
                }
            ]
        ));
        assert!(matches!(
            elements[2].ops[0].kind,
            OpKind::Euclid {
                rotation: Some(_),
                ..
            }
        ));
        assert!(matches!(elements[3].ops[0].kind, OpKind::Tail(_)));
        assert!(matches!(elements[4].ops[0].kind, OpKind::Range(_)));
    }

    #[test]
    fn groups() {
        assert!(matches!(parse("a b, c").root.kind, MiniKind::Stack(ref s) if s.len() == 2));
        assert!(
            matches!(parse("a | b | c").root.kind, MiniKind::RandomChoice(ref s) if s.len() == 3)
        );
        assert!(matches!(parse("a b . c").root.kind, MiniKind::Feet(ref s) if s.len() == 2));
        let ast = parse("<a b, c> {a b}%4 bd ! sn");
        let elements = elements(&ast.root);
        assert!(matches!(elements[0].body.kind, MiniKind::Alternation(ref l) if l.len() == 2));
        assert!(matches!(
            elements[1].body.kind,
            MiniKind::Polymeter {
                steps_per_cycle: Some(_),
                ..
            }
        ));
        assert!(matches!(elements[2].ops[0].kind, OpKind::Replicate(None)));
    }

    #[test]
    fn unclosed_bracket_points_at_the_bracket() {
        let e = error("bd [sn hh");
        assert_eq!(e.code, "E0200");
        assert_eq!(e.message, "unclosed `[` in mini-notation");
        assert_eq!(e.primary_span(), Some(Span::new(13, 14)));
        assert!(e.hint.is_some());
    }

    #[test]
    fn stray_and_mismatched_closers() {
        let e = error("bd ]");
        assert_eq!(
            (e.code, e.primary_span()),
            ("E0202", Some(Span::new(13, 14)))
        );
        let e = error("[bd>");
        assert_eq!(
            (e.code, e.primary_span()),
            ("E0203", Some(Span::new(13, 14)))
        );
    }

    #[test]
    fn missing_factor_after_star() {
        let e = error("bd* , sn");
        assert_eq!(e.message, "expected a number after `*`");
        assert_eq!(e.primary_span(), Some(Span::new(12, 13)));
        let e = error("bd/");
        assert_eq!(e.message, "expected a number after `/`");
    }

    #[test]
    fn other_errors_are_in_words() {
        assert_eq!(error("").code, "E0201");
        assert_eq!(error("[]").code, "E0207");
        assert_eq!(error("bd(3)").code, "E0208");
        assert_eq!(error("a, b | c").code, "E0206");
        assert_eq!(error("a ,").message, "expected a pattern after `,`");
        assert_eq!(error("bd:").message, "expected a value after `:`");
        assert_eq!(
            error("{a b}%").message,
            "expected a number of steps after `%`"
        );
        let e = error("bd $ sn");
        assert_eq!(
            (e.code, e.primary_span()),
            ("E0210", Some(Span::new(13, 14)))
        );
        assert_eq!(error(&"[".repeat(100)).code, "E0209");
    }

    #[test]
    fn js_numbers() {
        assert_eq!(js_number("0x10"), Some(16.0));
        assert_eq!(js_number("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(js_number("1."), Some(1.0));
        assert_eq!(js_number("inf"), None);
        assert_eq!(js_number("1_0"), None);
        assert_eq!(js_number("e3"), None);
        assert_eq!(js_number("-"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "[a-z0-9 ~_.,|!?@:%*/<>{}()\\[\\]^#-]{0,40}") {
            let _ = parse_mini(&text, 3);
        }

        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,30}") {
            let _ = parse_mini(&text, 0);
        }
    }
}
