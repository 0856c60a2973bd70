//! Constant folding: arithmetic on constants becomes a constant, a constant
//! pattern becomes a constant, `x + 0`, `x * 1`, `x - 0` and `x / 1` become
//! `x`, and `x * 0` becomes 0. A `Delay1` is never folded: it carries state
//! across samples.
//!
//! Folded-away nodes stay in the graph, unread, for `eliminate_dead_nodes`.

use crate::eliminate_dead_nodes::redirect;
use crate::graph::{Graph, NodeId, Op};
use crate::pattern::Value;

/// Folds in place; returns how many nodes were folded or bypassed.
pub fn fold_constants(graph: &mut Graph) -> usize {
    let mut replacement: Vec<NodeId> = graph.node_ids().collect();
    let mut folded = 0;
    // Lowering creates inputs before their readers (except a Delay1's back
    // edge), so one pass in id order sees every input already folded.
    for index in 0..graph.nodes.len() {
        let inputs: Vec<NodeId> = graph.nodes[index]
            .inputs
            .iter()
            .map(|i| replacement[i.index()])
            .collect();
        let constant = |id: NodeId| match graph.nodes.get(id.index()).map(|n| &n.op) {
            Some(Op::Const(value)) => Some(*value),
            _ => None,
        };
        let args: Vec<Option<f32>> = inputs.iter().map(|&i| constant(i)).collect();
        let outcome = match (&graph.nodes[index].op, args.as_slice()) {
            (Op::Add, [Some(a), Some(b)]) => Fold::Const(a + b),
            (Op::Sub, [Some(a), Some(b)]) => Fold::Const(a - b),
            (Op::Mul, [Some(a), Some(b)]) => Fold::Const(a * b),
            (Op::Div, [Some(a), Some(b)]) => Fold::Const(finite_or_zero(a / b)),
            (Op::Neg, [Some(a)]) => Fold::Const(-a),
            // Signals are finite (a node outputs 0 instead of NaN or infinity).
            (Op::Mul, [Some(z), None] | [None, Some(z)]) if *z == 0.0 => Fold::Const(0.0),
            (Op::Add, [Some(z), None]) if *z == 0.0 => Fold::Bypass(inputs[1]),
            (Op::Add | Op::Sub, [None, Some(z)]) if *z == 0.0 => Fold::Bypass(inputs[0]),
            (Op::Mul, [Some(one), None]) if *one == 1.0 => Fold::Bypass(inputs[1]),
            (Op::Mul | Op::Div, [None, Some(one)]) if *one == 1.0 => Fold::Bypass(inputs[0]),
            (Op::Control(p), []) => match &graph.pattern(*p).pattern.pure {
                Some(Value::Num(n)) => Fold::Const(*n as f32),
                _ => Fold::Keep,
            },
            _ => Fold::Keep,
        };
        let node = &mut graph.nodes[index];
        match outcome {
            Fold::Const(value) => {
                node.op = Op::Const(value);
                node.inputs.clear();
                folded += 1;
            }
            Fold::Bypass(input) => {
                replacement[index] = input;
                folded += 1;
            }
            Fold::Keep => node.inputs = inputs,
        }
    }
    redirect(graph, &replacement);
    folded
}

enum Fold {
    Keep,
    Const(f32),
    Bypass(NodeId),
}

fn finite_or_zero(x: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}
