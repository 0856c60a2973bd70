//! The stable text form of the AST: S-expressions with byte spans, one node
//! per line, indented by depth. Golden tests and `phonon emit-ir --stage ast`
//! print it; it changes only when the tree does.
//!
//! ```text
//! (bus @0..15 ~lfo@0..4
//!   (call @6..15 sine@6..10
//!     (num @11..15 0.5)))
//! ```
//!
//! Each node is `(kind @start..end fields...)`; a name is `name@start..end`
//! (a bus name with its `~`, a keyword with its `:`); a string also shows
//! the span of its contents.

use crate::ast::{Arg, Expr, ExprKind, Ident, Program, Statement, StatementKind, TempoUnit};
use crate::span::Span;
use std::fmt::Write as _;

/// The whole program, one statement after another.
pub fn ast_to_text(program: &Program) -> String {
    let mut out = String::new();
    for statement in &program.statements {
        write_statement(&mut out, statement);
        out.push('\n');
    }
    out
}

/// One expression on its own (for `phonon query` and tests).
pub fn expr_to_text(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, 0);
    out.push('\n');
    out
}

fn at(span: Span) -> String {
    format!("@{}..{}", span.start, span.end)
}

fn ident(prefix: &str, ident: &Ident) -> String {
    format!("{prefix}{}{}", ident.name, at(ident.span))
}

fn write_statement(out: &mut String, statement: &Statement) {
    let span = at(statement.span);
    let value = match &statement.kind {
        StatementKind::Tempo { unit, value } => {
            let unit = match unit {
                TempoUnit::CyclesPerSecond => "cps",
                TempoUnit::BeatsPerMinute => "bpm",
            };
            let _ = write!(out, "(tempo {span} {unit}");
            value
        }
        StatementKind::Bus { name, value } => {
            let _ = write!(out, "(bus {span} {}", ident("~", name));
            value
        }
        StatementKind::Output { target, value } => {
            let number = target
                .number
                .map_or_else(|| "main".to_string(), |n| n.to_string());
            let _ = write!(out, "(out {span} {number} {}", ident("", &target.name));
            value
        }
        StatementKind::Hush => {
            let _ = write!(out, "(hush {span})");
            return;
        }
    };
    child(out, value, 1);
    out.push(')');
}

/// A child expression on its own line, one level deeper.
fn child(out: &mut String, expr: &Expr, depth: usize) {
    out.push('\n');
    write_expr(out, expr, depth);
}

fn write_expr(out: &mut String, expr: &Expr, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
    let span = at(expr.span);
    match &expr.kind {
        ExprKind::Number(number) => {
            let _ = write!(out, "(num {span} {})", number.text);
        }
        ExprKind::Str(string) => {
            let _ = write!(
                out,
                "(str {span} {:?} {})",
                string.value,
                at(string.content)
            );
        }
        ExprKind::Bus(name) => {
            let _ = write!(out, "(bus-ref {span} {})", ident("~", name));
        }
        ExprKind::Call { func, args } => {
            let _ = write!(out, "(call {span} {}", ident("", func));
            for arg in args {
                match arg {
                    Arg::Positional(value) => child(out, value, depth + 1),
                    Arg::Keyword { name, value } => {
                        out.push('\n');
                        for _ in 0..=depth {
                            out.push_str("  ");
                        }
                        let _ = write!(out, "(kw {}", ident(":", name));
                        child(out, value, depth + 2);
                        out.push(')');
                    }
                }
            }
            out.push(')');
        }
        ExprKind::List(items) => {
            let _ = write!(out, "(list {span}");
            for item in items {
                child(out, item, depth + 1);
            }
            out.push(')');
        }
        ExprKind::Neg(operand) => {
            let _ = write!(out, "(neg {span}");
            child(out, operand, depth + 1);
            out.push(')');
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let _ = write!(out, "({} {span}", op.symbol());
            child(out, lhs, depth + 1);
            child(out, rhs, depth + 1);
            out.push(')');
        }
        ExprKind::Step { kind, input, step } => {
            let _ = write!(out, "({} {span}", kind.symbol());
            child(out, input, depth + 1);
            child(out, step, depth + 1);
            out.push(')');
        }
    }
}
