//! The stable text forms of the IR levels, for `phonon emit-ir` and the
//! golden tests: the graph one node per line, and the staged dataflow.
//!
//! Graph: `n12 = lpf n10 n11 n3  ; o1.1 @4:12` (inputs in spec order; the
//! label and the source line:column after `;`), patterns as
//! `p0 = hz "55 110" @2:9`, outputs as `o1 = n7` (mono) or `out = n8 n9`.
//! Dataflow: each stage with its kernels, which are independent of each
//! other, and each kernel's nodes in evaluation order.

use crate::graph::{Graph, KernelKind, StagedProgram};
use phonon_syntax::ast::{Arg, Expr, ExprKind};
use phonon_syntax::span::LineIndex;
use phonon_syntax::Span;
use std::fmt::Write as _;

pub fn graph_to_text(graph: &Graph, source: &str) -> String {
    let lines = LineIndex::new(source);
    let at = |span: Span| {
        let (line, column) = lines.line_col(source, span.start as usize);
        format!("@{line}:{column}")
    };
    let mut out = String::new();
    let _ = writeln!(out, "tempo {} cps", graph.tempo_cps);
    for (index, p) in graph.patterns.iter().enumerate() {
        let _ = writeln!(
            out,
            "p{index} = {} {}  {}",
            p.kind.name(),
            p.text,
            at(p.span)
        );
    }
    for (index, node) in graph.nodes.iter().enumerate() {
        let mut line = format!("n{index} = {}", node.op.name());
        for input in &node.inputs {
            let _ = write!(line, " {input}");
        }
        let label = node.label.as_deref().unwrap_or("-");
        let _ = writeln!(out, "{line}  ; {label} {}", at(node.span));
    }
    for output in &graph.outputs {
        if output.left == output.right {
            let _ = writeln!(out, "{} = {}", output.name, output.left);
        } else {
            let _ = writeln!(out, "{} = {} {}", output.name, output.left, output.right);
        }
    }
    out
}

pub fn dataflow_to_text(staged: &StagedProgram) -> String {
    let mut out = String::new();
    for (index, stage) in staged.stages.iter().enumerate() {
        let count = stage.kernels.len();
        let parallel = if count > 1 { ", independent" } else { "" };
        let _ = writeln!(
            out,
            "stage s{index}: {count} kernel{}{parallel}",
            if count == 1 { "" } else { "s" }
        );
        for &kernel_id in &stage.kernels {
            let kernel = staged.kernel(kernel_id);
            let what = match &kernel.kind {
                KernelKind::Output(o) => staged
                    .graph
                    .outputs
                    .get(o.index())
                    .map_or_else(|| o.to_string(), |output| format!("output {}", output.name)),
                KernelKind::Shared { buses } if buses.is_empty() => "shared".to_string(),
                KernelKind::Shared { buses } => format!("shared {}", buses.join(" ")),
            };
            let feedback = if kernel.feedback.is_empty() {
                String::new()
            } else {
                format!(" (feedback {})", kernel.feedback.join(" "))
            };
            let nodes: Vec<String> = kernel.nodes.iter().map(|n| n.to_string()).collect();
            let _ = writeln!(out, "  {kernel_id} {what}{feedback}: {}", nodes.join(" "));
        }
    }
    out
}

/// An expression written back as Phonon source, fully parenthesised where
/// precedence needs it (`saw "55 110" $ fast 2`).
pub fn expr_source(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Number(n) => n.text.clone(),
        ExprKind::Str(s) => format!("\"{}\"", s.value),
        ExprKind::Bus(name) => format!("~{}", name.name.trim_start_matches('~')),
        ExprKind::Call { func, args } => {
            let mut text = func.name.clone();
            for arg in args {
                text.push(' ');
                match arg {
                    Arg::Positional(e) => text.push_str(&atom_source(e)),
                    Arg::Keyword { name, value } => {
                        let _ = write!(
                            text,
                            ":{} {}",
                            name.name.trim_start_matches(':'),
                            atom_source(value)
                        );
                    }
                }
            }
            text
        }
        ExprKind::List(items) => {
            let items: Vec<String> = items.iter().map(expr_source).collect();
            format!("[{}]", items.join(", "))
        }
        ExprKind::Neg(inner) => format!("-{}", atom_source(inner)),
        ExprKind::Binary { op, lhs, rhs } => {
            format!(
                "{} {} {}",
                operand_source(lhs),
                op.symbol(),
                operand_source(rhs)
            )
        }
        ExprKind::Step { kind, input, step } => {
            format!(
                "{} {} {}",
                expr_source(input),
                kind.symbol(),
                expr_source(step)
            )
        }
    }
}

fn atom_source(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Number(_) | ExprKind::Str(_) | ExprKind::Bus(_) | ExprKind::List(_) => {
            expr_source(expr)
        }
        ExprKind::Call { args, .. } if args.is_empty() => expr_source(expr),
        _ => format!("({})", expr_source(expr)),
    }
}

fn operand_source(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Step { .. } | ExprKind::Binary { .. } => format!("({})", expr_source(expr)),
        _ => expr_source(expr),
    }
}
