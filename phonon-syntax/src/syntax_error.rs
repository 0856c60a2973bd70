//! Words for a grammar failure: what came before the failing position says
//! what was expected there, in the user's terms, never as a rule name.

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::scan::{Token, TokenKind};
use crate::span::Span;
use crate::split::is_output_name;

/// What the failing text was being parsed as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// A statement: its first tokens are a head (`~name`, `out`, `tempo`) and `:`/`$`.
    Statement,
    /// A lone expression.
    Expression,
}

const STATEMENT_FORMS: &str =
    "a statement is `tempo: 0.5`, `bpm: 120`, `~name: expr`, `out: expr`, `o1: expr`, `d1: expr` or `hush`";

/// The diagnostic for a grammar failure at byte `pos` (in the file) of a
/// statement whose tokens are `tokens`.
pub(crate) fn describe(source: &str, tokens: &[Token], pos: usize, context: Context) -> Diagnostic {
    let next_index = tokens.partition_point(|t| (t.span.start as usize) < pos);
    let next = tokens.get(next_index).copied();
    let prev = next_index.checked_sub(1).map(|i| (i, tokens[i]));
    let text = |t: Token| t.text(source).to_string();

    let Some((prev_index, prev)) = prev else {
        // The grammar reports a wrong binding after a valid head at the start
        // of the statement, so the head is checked here.
        return match (context, next) {
            (Context::Statement, Some(head)) if is_statement_head(source, head) => {
                after_statement_head(source, head, tokens.get(1).copied())
            }
            (Context::Statement, _) => unknown_statement(source, next, tokens.get(1).copied()),
            (Context::Expression, _) => expected_expression_at_start(source, next),
        };
    };
    let is_head = context == Context::Statement && prev_index == 0;
    let is_binding = context == Context::Statement && prev_index == 1;
    let found = |label: &str| match next {
        Some(t) => (t.span, format!("{label}, found `{}`", text(t))),
        None => (end_of(prev), format!("{label} here")),
    };

    if is_head {
        return after_statement_head(source, prev, next);
    }
    if is_binding {
        let (span, label) = found("expected an expression");
        let head = text(tokens[0]);
        let example = match head.as_str() {
            "tempo" | "cps" => "0.5",
            "bpm" => "120",
            _ => "sine 440 * 0.2",
        };
        let binding = if prev.is_punct('$') { " $" } else { ":" };
        return Diagnostic::error(
            codes::EXPECTED_EXPRESSION,
            format!("expected an expression after `{}`", text(prev)),
        )
        .at(span, label)
        .with_hint(format!(
            "give the statement a value: `{head}{binding} {example}`"
        ));
    }
    match prev.kind {
        TokenKind::Punct(step @ ('#' | '$')) => {
            let (span, label) = found("expected a function name or `~bus`");
            let example = if step == '#' {
                "`# lpf 800 0.7` or `# ~fx`"
            } else {
                "`$ fast 2` or `$ every 4 rev`"
            };
            Diagnostic::error(
                codes::EXPECTED_STEP,
                format!("expected a function name or `~bus` after `{step}`"),
            )
            .at(span, label)
            .with_hint(format!(
                "`{step}` takes a name with its arguments or a bus: {example}"
            ))
        }
        TokenKind::Punct(op @ ('+' | '-' | '*' | '/')) => {
            let (span, label) = found("expected an expression");
            Diagnostic::error(
                codes::EXPECTED_EXPRESSION,
                format!("expected an expression after `{op}`"),
            )
            .at(span, label)
            .with_hint(format!(
                "put a number, a name with its arguments, a `~bus` or a parenthesised expression after `{op}`, or remove the `{op}`"
            ))
        }
        TokenKind::Punct(':') => {
            let (span, label) = found("expected a parameter name");
            Diagnostic::error(
                codes::BAD_KEYWORD_ARGUMENT,
                "expected a parameter name after `:`",
            )
            .at(span, label)
            .with_hint("a keyword argument is `:name value`, e.g. `lpf 800 :q 0.7`")
        }
        TokenKind::Name if is_keyword_name(tokens, prev_index) => {
            let (span, label) = found("expected a value");
            Diagnostic::error(
                codes::BAD_KEYWORD_ARGUMENT,
                format!("expected a value after `:{}`", text(prev)),
            )
            .at(span, label)
            .with_hint(format!("give the parameter a value: `:{} 0.8`", text(prev)))
        }
        TokenKind::Punct(open @ ('(' | '[' | ',')) => {
            let (span, label) = found("expected an expression");
            Diagnostic::error(
                codes::EXPECTED_EXPRESSION,
                format!("expected an expression after `{open}`"),
            )
            .at(span, label)
            .with_hint("brackets and list items hold expressions: `(a + b)`, `[1, 2]`")
        }
        _ => match next {
            Some(token) => unexpected(source, tokens, next_index, token),
            None => Diagnostic::error(codes::UNEXPECTED_TOKEN, "unexpected end of statement")
                .at(end_of(prev), "the statement ends here")
                .with_hint("finish the expression or remove what is left over"),
        },
    }
}

/// `:name`, with the colon glued to the name and not the statement's binding.
fn is_keyword_name(tokens: &[Token], index: usize) -> bool {
    index >= 2 && {
        let colon = tokens[index - 1];
        colon.is_punct(':') && colon.span.end == tokens[index].span.start
    }
}

fn is_statement_head(source: &str, token: Token) -> bool {
    match token.kind {
        TokenKind::Bus => true,
        TokenKind::Name => {
            let word = token.text(source);
            matches!(word, "hush" | "tempo" | "cps" | "bpm") || is_output_name(word)
        }
        _ => false,
    }
}

fn end_of(token: Token) -> Span {
    Span::new(token.span.end as usize, token.span.end as usize)
}

fn unknown_statement(source: &str, first: Option<Token>, second: Option<Token>) -> Diagnostic {
    let Some(first) = first else {
        return Diagnostic::error(codes::UNKNOWN_STATEMENT, "empty statement")
            .with_hint(STATEMENT_FORMS);
    };
    let word = first.text(source);
    if let TokenKind::Punct(op @ ('#' | '$' | '+' | '-' | '*' | '/')) = first.kind {
        return Diagnostic::error(
            codes::DANGLING_CONTINUATION,
            format!("a statement cannot start with `{op}`"),
        )
        .at(
            first.span,
            "this line is at the left margin, so it starts a new statement",
        )
        .with_hint("indent this line to continue the statement above it");
    }
    let label = match first.kind {
        TokenKind::Punct('%') => "`%` is not part of Phonon".to_string(),
        _ => format!("`{word}` does not start a statement"),
    };
    if let Some(known) = nearest_statement_word(word) {
        return Diagnostic::error(codes::UNKNOWN_STATEMENT, "unknown statement")
            .at(first.span, format!("`{word}` does not start a statement"))
            .with_hint(format!("did you mean `{known}`?"));
    }
    let hint = match first.kind {
        // `drums: ...` is a bus definition without its `~`; `out: drums: ...`
        // would be no better.
        TokenKind::Name if second.is_some_and(|t| t.is_punct(':')) => {
            format!("a bus name starts with `~`: `~{word}:`; an output is `out:`, `o1:` or `d1:`")
        }
        TokenKind::Punct('%') => {
            format!("define a named pattern as a bus instead: `~speed: \"1 2\"`; {STATEMENT_FORMS}")
        }
        TokenKind::Name | TokenKind::Str | TokenKind::Number | TokenKind::Punct('(') => {
            format!("to play an expression, write `out: ` before it; {STATEMENT_FORMS}")
        }
        _ => STATEMENT_FORMS.to_string(),
    };
    Diagnostic::error(codes::UNKNOWN_STATEMENT, "unknown statement")
        .at(first.span, label)
        .with_hint(hint)
}

/// The statement word closest to a misspelling (`tmepo` -> `tempo`), if any is close.
fn nearest_statement_word(word: &str) -> Option<&'static str> {
    if word.len() < 2 || !word.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    ["tempo", "cps", "bpm", "out", "hush"]
        .into_iter()
        .map(|known| (strsim::damerau_levenshtein(word, known), known))
        .filter(|&(distance, known)| distance <= known.len() / 2)
        .min()
        .map(|(_, known)| known)
}

fn expected_expression_at_start(source: &str, first: Option<Token>) -> Diagnostic {
    let diagnostic = Diagnostic::error(codes::EXPECTED_EXPRESSION, "expected an expression")
        .with_hint("an expression is a number, a string, a `~bus`, or a name with its arguments");
    match first {
        Some(token) => diagnostic.at(
            token.span,
            format!("expected an expression, found `{}`", token.text(source)),
        ),
        None => diagnostic.at(Span::new(0, 0), "the text is empty"),
    }
}

/// The head (`~name`, an output name, `tempo`, `hush`) was read; what follows is wrong.
fn after_statement_head(source: &str, head: Token, next: Option<Token>) -> Diagnostic {
    let word = head.text(source);
    let (span, found) = match next {
        Some(t) => (t.span, format!("`{}`", t.text(source))),
        None => (end_of(head), "the end of the line".to_string()),
    };
    match word {
        "hush" => Diagnostic::error(
            codes::UNEXPECTED_TOKEN,
            format!("unexpected {found} after `hush`"),
        )
        .at(span, "`hush` takes nothing after it")
        .with_hint("`hush` stands alone on its line"),
        "tempo" | "cps" | "bpm" => Diagnostic::error(
            codes::EXPECTED_TEMPO_COLON,
            format!("expected `:` after `{word}`"),
        )
        .at(span, format!("expected `:`, found {found}"))
        .with_hint(format!(
            "write `{word}: {}`",
            if word == "bpm" { "120" } else { "0.5" }
        )),
        _ => Diagnostic::error(
            codes::EXPECTED_BINDING,
            format!("expected `:` or `$` after `{word}`"),
        )
        .at(span, format!("expected `:` or `$`, found {found}"))
        .with_hint(format!("write `{word}: expr` or `{word} $ expr`")),
    }
}

/// A token that cannot stand where it is, with advice for the usual mistakes.
fn unexpected(source: &str, tokens: &[Token], index: usize, token: Token) -> Diagnostic {
    let text = token.text(source);
    let hint = match token.kind {
        TokenKind::Punct(',') if innermost_open(tokens, index) == Some('(') => {
            "arguments are separated by spaces: write `f a b`, not `f(a, b)`; a list is `[a, b]`"
                .to_string()
        }
        TokenKind::Punct(',') => "`,` separates the items of a list: `[a, b]`".to_string(),
        TokenKind::Punct(':') => {
            "`:` follows a statement's name (`~name: expr`) or starts a keyword argument glued to its name (`:q 0.8`)".to_string()
        }
        TokenKind::Punct('~') if source[token.span.end as usize..].starts_with(['*', '/', '+', '-']) => {
            "Tidal's structure operators (`~*`, `|+|`, ...) are not part of Phonon: use `*`, `/`, `+` or `-`".to_string()
        }
        TokenKind::Punct('|') => {
            "Tidal's structure operators (`|+|`, `|<`, `+|`, ...) are not part of Phonon: use `+`, `-`, `*` or `/`, or set a parameter with `#`: `# speed 2`".to_string()
        }
        TokenKind::Punct('~') => "a bus name follows `~` directly: `~drums`".to_string(),
        TokenKind::Punct('=') => "define a bus with `~name: expr`".to_string(),
        TokenKind::Punct('%') => {
            "`%` is not part of Phonon; define a named pattern as a bus: `~speed: \"1 2\"`".to_string()
        }
        _ => "expected an operator (`+ - * /`), a step (`#`, `$`) or the end of the statement"
            .to_string(),
    };
    Diagnostic::error(codes::UNEXPECTED_TOKEN, format!("unexpected `{text}`"))
        .at(token.span, "unexpected here")
        .with_hint(hint)
}

/// The innermost bracket open before token `index`.
fn innermost_open(tokens: &[Token], index: usize) -> Option<char> {
    let mut open = Vec::new();
    for token in &tokens[..index] {
        match token.kind {
            TokenKind::Punct(c @ ('(' | '[')) => open.push(c),
            TokenKind::Punct(')' | ']') => {
                open.pop();
            }
            _ => {}
        }
    }
    open.last().copied()
}
