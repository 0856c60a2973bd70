//! The statement and expression parser: source text to [`Program`] plus every
//! diagnostic.
//!
//! The file is cut into statements first ([`crate::split`]); each statement is
//! scanned ([`crate::scan`]), parsed by the pest grammar in `grammar.pest`, and
//! turned into the AST here. A broken statement is reported and left out of
//! the program; the others are still parsed.

use crate::ast::{
    Arg, BinOp, Expr, ExprKind, Ident, Number, OutputTarget, Program, Statement, StatementKind,
    StepKind, StrLit, TempoUnit,
};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::scan::{self, Token};
use crate::span::Span;
use crate::split::split_statements;
use crate::syntax_error::{self, Context};
use pest::iterators::Pair;
use pest::Parser as _;
use std::ops::Range;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct Grammar;

/// A parsed file: the statements that parsed, and a diagnostic for each one
/// that did not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a whole `.ph` file. Never panics; a broken statement never hides
/// the statements around it.
pub fn parse(source: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for range in split_statements(source) {
        match parse_statement(source, range.clone()) {
            Ok(statement) => parsed.program.statements.push(statement),
            Err(diagnostics) => {
                parsed
                    .program
                    .broken_buses
                    .extend(defined_bus(source, range));
                parsed.diagnostics.extend(diagnostics);
            }
        }
    }
    parsed
}

/// The `~name` a statement starts with, if any: the bus it meant to define.
fn defined_bus(source: &str, range: Range<usize>) -> Option<Ident> {
    let text = source.get(range.clone())?;
    let start = range.start + (text.len() - text.trim_start().len());
    let rest = source.get(start..range.end)?.strip_prefix('~')?;
    let len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (len > 0).then(|| Ident {
        name: rest[..len].to_string(),
        span: Span::new(start, start + 1 + len),
    })
}

/// Parses one expression on its own (`phonon query '"bd sn" $ fast 2'`): the
/// whole text is one expression, whatever its lines.
pub fn parse_expression(source: &str) -> (Option<Expr>, Vec<Diagnostic>) {
    let range = 0..source.len();
    match parse_with(source, range, Rule::expression, Context::Expression) {
        Ok(pair) => {
            let mut builder = Builder::new(0);
            let expr = pair
                .into_inner()
                .next()
                .filter(|p| p.as_rule() == Rule::expr)
                .map(|p| builder.expr(p));
            if builder.diagnostics.is_empty() {
                (expr, Vec::new())
            } else {
                (None, builder.diagnostics)
            }
        }
        Err(diagnostics) => (None, diagnostics),
    }
}

fn parse_statement(source: &str, range: Range<usize>) -> Result<Statement, Vec<Diagnostic>> {
    let offset = range.start;
    let pair = parse_with(source, range, Rule::statement, Context::Statement)?;
    let mut builder = Builder::new(offset);
    let statement = pair
        .into_inner()
        .find(|p| p.as_rule() != Rule::EOI)
        .map(|p| builder.statement(p));
    match statement {
        Some(statement) if builder.diagnostics.is_empty() => Ok(statement),
        _ => Err(builder.diagnostics),
    }
}

/// Scans and parses `source[range]` as `rule`; on failure, the one diagnostic
/// that says why.
fn parse_with(
    source: &str,
    range: Range<usize>,
    rule: Rule,
    context: Context,
) -> Result<Pair<'_, Rule>, Vec<Diagnostic>> {
    let tokens: Vec<Token> = scan::scan(source, range.clone()).map_err(|d| vec![d])?;
    let text = source.get(range.clone()).unwrap_or("");
    match Grammar::parse(rule, text) {
        Ok(mut pairs) => pairs.next().ok_or_else(Vec::new),
        Err(error) => {
            let at = match error.location {
                pest::error::InputLocation::Pos(pos) => pos,
                pest::error::InputLocation::Span((start, _)) => start,
            };
            let diagnostic = syntax_error::describe(source, &tokens, range.start + at, context);
            Err(vec![diagnostic])
        }
    }
}

/// Turns pest pairs of one statement into the AST, collecting the faults the
/// grammar lets through on purpose (arguments after a number, a step that is
/// not a function).
struct Builder {
    /// Where the parsed text starts in the file.
    offset: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Builder {
    fn new(offset: usize) -> Builder {
        Builder {
            offset,
            diagnostics: Vec::new(),
        }
    }

    fn span(&self, pair: &Pair<Rule>) -> Span {
        let span = pair.as_span();
        Span::new(self.offset + span.start(), self.offset + span.end())
    }

    fn ident(&self, pair: &Pair<Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    fn statement(&mut self, pair: Pair<Rule>) -> Statement {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let kind = match rule {
            Rule::tempo_stmt => {
                let keyword = inner.next().map(|p| p.as_str().to_string());
                let unit = match keyword.as_deref() {
                    Some("bpm") => TempoUnit::BeatsPerMinute,
                    _ => TempoUnit::CyclesPerSecond,
                };
                StatementKind::Tempo {
                    unit,
                    value: self.last_expr(inner),
                }
            }
            Rule::output_stmt => {
                let name = match inner.next() {
                    Some(p) => self.ident(&p),
                    None => self.missing_name(span),
                };
                let number = self.output_number(&name);
                StatementKind::Output {
                    target: OutputTarget { number, name },
                    value: self.last_expr(inner),
                }
            }
            Rule::bus_stmt => {
                let name = match inner.next() {
                    Some(p) => self.bus_ident(&p),
                    None => self.missing_name(span),
                };
                StatementKind::Bus {
                    name,
                    value: self.last_expr(inner),
                }
            }
            _ => StatementKind::Hush,
        };
        // The pair's span runs on over trailing whitespace and comments.
        let end = match &kind {
            StatementKind::Tempo { value, .. }
            | StatementKind::Bus { value, .. }
            | StatementKind::Output { value, .. } => value.span.end,
            StatementKind::Hush => span.start + "hush".len() as u32,
        };
        Statement {
            kind,
            span: Span {
                start: span.start,
                end,
            },
        }
    }

    /// The statement's expression: its last child (after the name and `:`/`$`).
    fn last_expr(&mut self, inner: pest::iterators::Pairs<Rule>) -> Expr {
        match inner.last() {
            Some(pair) if pair.as_rule() == Rule::expr => self.expr(pair),
            _ => self.empty(),
        }
    }

    fn output_number(&mut self, name: &Ident) -> Option<u32> {
        let digits = name
            .name
            .strip_prefix("out")
            .or_else(|| name.name.get(1..))
            .filter(|d| !d.is_empty())?;
        match digits.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::OUTPUT_NUMBER_TOO_LARGE,
                        format!("output number `{digits}` is too large"),
                    )
                    .at(name.span, "no such output")
                    .with_hint("number outputs from 1: `o1`, `o2`, ..."),
                );
                None
            }
        }
    }

    /// `~name`: the name without `~`, the span with it.
    fn bus_ident(&self, pair: &Pair<Rule>) -> Ident {
        Ident {
            name: pair.as_str().trim_start_matches('~').to_string(),
            span: self.span(pair),
        }
    }

    /// `sum (step application step_tail)*`: each step wraps the chain so far.
    fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let mut inner = pair.into_inner();
        let mut chain = match inner.next() {
            Some(sum) => self.sum(sum),
            None => return self.empty(),
        };
        while let (Some(op), Some(target), Some(tail)) = (inner.next(), inner.next(), inner.next())
        {
            let kind = if op.as_str() == "#" {
                StepKind::Chain
            } else {
                StepKind::Transform
            };
            let step = self.step_target(target, kind);
            let span = chain.span.to(step.span);
            chain = Expr {
                kind: ExprKind::Step {
                    kind,
                    input: Box::new(chain),
                    step: Box::new(step),
                },
                span,
            };
            chain = self.continue_arithmetic(chain, tail);
        }
        chain
    }

    /// Arithmetic after a step's application, with the chain as the left operand.
    fn continue_arithmetic(&mut self, mut lhs: Expr, tail: Pair<Rule>) -> Expr {
        let mut inner = tail.into_inner();
        while let (Some(op), Some(rhs)) = (inner.next(), inner.next()) {
            let rhs = match rhs.as_rule() {
                Rule::term => self.term(rhs),
                _ => self.unary(rhs),
            };
            lhs = binary(bin_op(&op), lhs, rhs);
        }
        lhs
    }

    fn sum(&mut self, pair: Pair<Rule>) -> Expr {
        self.left_fold(pair, Builder::term)
    }

    fn term(&mut self, pair: Pair<Rule>) -> Expr {
        self.left_fold(pair, Builder::unary)
    }

    /// `operand (op operand)*`, left-associative.
    fn left_fold(
        &mut self,
        pair: Pair<Rule>,
        operand: fn(&mut Builder, Pair<Rule>) -> Expr,
    ) -> Expr {
        let mut inner = pair.into_inner();
        let mut lhs = match inner.next() {
            Some(first) => operand(self, first),
            None => return self.empty(),
        };
        while let (Some(op), Some(rhs)) = (inner.next(), inner.next()) {
            let rhs = operand(self, rhs);
            lhs = binary(bin_op(&op), lhs, rhs);
        }
        lhs
    }

    /// `-* application`. A single `-` glued to a number literal is part of it
    /// (`-1` is the number -1); any other minus is negation.
    fn unary(&mut self, pair: Pair<Rule>) -> Expr {
        let mut signs = Vec::new();
        let mut operand = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::neg_sign => signs.push(self.span(&child)),
                _ => operand = Some(self.application(child)),
            }
        }
        let mut expr = match operand {
            Some(expr) => expr,
            None => self.empty(),
        };
        if let (Some(&sign), ExprKind::Number(number)) = (signs.last(), &expr.kind) {
            if sign.end == expr.span.start {
                let text = format!("-{}", number.text);
                expr = Expr {
                    kind: ExprKind::Number(Number {
                        value: -number.value,
                        text,
                    }),
                    span: sign.to(expr.span),
                };
                signs.pop();
            }
        }
        for sign in signs.into_iter().rev() {
            let span = sign.to(expr.span);
            expr = Expr {
                kind: ExprKind::Neg(Box::new(expr)),
                span,
            };
        }
        expr
    }

    /// `head arg arg ...`: a call when the head is a name; any other head
    /// followed by arguments is an error.
    fn application(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let Some(head) = inner.next() else {
            return self.empty();
        };
        let args: Vec<Pair<Rule>> = inner.collect();
        if head.as_rule() == Rule::name {
            let func = self.ident(&head);
            let args = args.into_iter().map(|a| self.arg(a)).collect();
            return Expr {
                kind: ExprKind::Call { func, args },
                span,
            };
        }
        let head_span = self.span(&head);
        let head_text = head.as_str().to_string();
        let head_rule = head.as_rule();
        let expr = self.atom(head);
        if let Some(first) = args.first() {
            self.diagnostics.push(not_a_function(
                head_rule,
                &head_text,
                head_span,
                self.span(first),
            ));
        }
        expr
    }

    fn arg(&mut self, pair: Pair<Rule>) -> Arg {
        if pair.as_rule() != Rule::keyword_arg {
            return Arg::Positional(self.atom(pair));
        }
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = match inner.next() {
            Some(p) => Ident {
                name: p.as_str().to_string(),
                span: Span::new(span.start as usize, self.span(&p).end as usize),
            },
            None => self.missing_name(span),
        };
        let value = match inner.next() {
            Some(p) => self.atom(p),
            None => self.empty(),
        };
        Arg::Keyword { name, value }
    }

    fn atom(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number | Rule::neg_number => {
                let text = pair.as_str().to_string();
                let value = text.parse().unwrap_or(f64::NAN);
                ExprKind::Number(Number { text, value })
            }
            Rule::string => {
                let content = pair.into_inner().next();
                let (value, content) = match content {
                    Some(c) => (c.as_str().to_string(), self.span(&c)),
                    None => (String::new(), span),
                };
                ExprKind::Str(StrLit { value, content })
            }
            Rule::bus_ref => ExprKind::Bus(self.bus_ident(&pair)),
            Rule::list => ExprKind::List(pair.into_inner().map(|e| self.expr(e)).collect()),
            Rule::paren => {
                let inner = pair.into_inner().next();
                let expr = match inner {
                    Some(e) => self.expr(e),
                    None => self.empty(),
                };
                // The parentheses belong to the expression's extent as written.
                return Expr { span, ..expr };
            }
            Rule::name => ExprKind::Call {
                func: self.ident(&pair),
                args: Vec::new(),
            },
            _ => return self.application(pair),
        };
        Expr { kind, span }
    }

    /// The right side of `#` or `$`: a call or a bus.
    fn step_target(&mut self, pair: Pair<Rule>, kind: StepKind) -> Expr {
        let head_rule = pair.clone().into_inner().next().map(|p| p.as_rule());
        let expr = self.application(pair);
        if !matches!(head_rule, Some(Rule::name | Rule::bus_ref)) {
            let found = match head_rule {
                Some(Rule::number) => "a number",
                Some(Rule::string) => "a string",
                Some(Rule::list) => "a list",
                _ => "a parenthesised expression",
            };
            let symbol = kind.symbol();
            let hint = if head_rule == Some(Rule::paren) {
                format!("drop the parentheses: `{symbol} f args`")
            } else if kind == StepKind::Chain {
                "`#` takes a name with its arguments, e.g. `# gain 0.8`, or a bus, e.g. `# ~fx`"
                    .to_string()
            } else {
                "`$` takes a transform with its arguments, e.g. `$ fast 2`".to_string()
            };
            self.diagnostics.push(
                Diagnostic::error(
                    codes::EXPECTED_STEP,
                    format!("expected a function name or `~bus` after `{symbol}`, found {found}"),
                )
                .at(expr.span, format!("{found} cannot be a step"))
                .with_hint(hint),
            );
        }
        expr
    }

    /// Stands in for a name the grammar guarantees but pest's tree lacks;
    /// recorded as an error so it never reaches the program.
    fn missing_name(&mut self, span: Span) -> Ident {
        self.diagnostics.push(
            Diagnostic::error(codes::UNEXPECTED_TOKEN, "expected a name")
                .at(span, "expected a name"),
        );
        Ident {
            name: String::new(),
            span,
        }
    }

    /// Stands in for an expression the grammar guarantees but pest's tree
    /// lacks; recorded as an error so it never reaches the program.
    fn empty(&mut self) -> Expr {
        let span = Span::new(self.offset, self.offset);
        self.diagnostics.push(
            Diagnostic::error(codes::EXPECTED_EXPRESSION, "expected an expression")
                .at(span, "expected an expression"),
        );
        Expr {
            kind: ExprKind::List(Vec::new()),
            span,
        }
    }
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr {
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    }
}

fn bin_op(pair: &Pair<Rule>) -> BinOp {
    match pair.as_str() {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        _ => BinOp::Div,
    }
}

/// `3 4`, `~lfo 2`, `"bd" 2`: arguments after something that is not a name.
fn not_a_function(head: Rule, text: &str, head_span: Span, first_arg: Span) -> Diagnostic {
    let shown = if text.chars().count() <= 24 {
        format!("`{text}`")
    } else {
        "this".to_string()
    };
    let what = match head {
        Rule::number => "a number",
        Rule::string => "a string",
        Rule::bus_ref => "a bus",
        Rule::list => "a list",
        _ => "a parenthesised expression",
    };
    let hint = match head {
        Rule::paren => "put the arguments inside the parentheses: `(f a b)`".to_string(),
        Rule::bus_ref => format!(
            "a bus is a value, not a function: combine it with an operator (`{text} * 2`) or pass it to a function (`lpf {text} 0.7`)"
        ),
        _ => "only a name takes arguments (`lpf 800 0.7`); put an operator between values (`2 * 3`) or `#`/`$` before a function".to_string(),
    };
    Diagnostic::error(
        codes::NOT_A_FUNCTION,
        format!("{shown} is {what} and cannot take arguments"),
    )
    .at(first_arg, "unexpected argument")
    .with_note(head_span, format!("this is {what}"))
    .with_hint(hint)
}
