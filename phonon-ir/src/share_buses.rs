//! Bus sharing: lowering expands a bus at every place it is read, so a bus
//! used by several outputs exists once per use; this pass merges the copies
//! (nodes with the same operation, inputs and source span) so that it is
//! computed once and every reader hears the same signal, noise included.
//!
//! Two different source expressions are never merged, even if they look alike:
//! `noise + noise` stays two independent noises.

use crate::eliminate_dead_nodes::redirect;
use crate::graph::{Graph, NodeId, Op, PatternId};
use std::collections::HashMap;

/// Merges copies in place; returns how many nodes were merged away. The
/// merged-away nodes stay unread, for `eliminate_dead_nodes`.
pub fn share_buses(graph: &mut Graph) -> usize {
    let pattern_of = canonical_patterns(graph);
    let mut replacement: Vec<NodeId> = graph.node_ids().collect();
    let mut seen: HashMap<(String, Vec<NodeId>, u32, u32), NodeId> = HashMap::new();
    let mut merged = 0;
    for index in 0..graph.nodes.len() {
        let node = &mut graph.nodes[index];
        if let Op::Control(p) | Op::Voices(p, _) = &mut node.op {
            *p = pattern_of[p.index()];
        }
        // A Delay1's input is the back edge, created after it: leave it as it is.
        if node.op != Op::Delay1 {
            node.inputs = node.inputs.iter().map(|i| replacement[i.index()]).collect();
        }
        let key = (
            node.op.name(),
            node.inputs.clone(),
            node.span.start,
            node.span.end,
        );
        match seen.get(&key) {
            Some(&first) => {
                replacement[index] = first;
                merged += 1;
            }
            None => {
                seen.insert(key, NodeId::new(index));
            }
        }
    }
    redirect(graph, &replacement);
    merged
}

/// For each pattern, the first pattern made from the same source text at the
/// same place with the same kind.
fn canonical_patterns(graph: &Graph) -> Vec<PatternId> {
    let mut first: HashMap<(u32, u32, &str, &str), PatternId> = HashMap::new();
    graph
        .patterns
        .iter()
        .enumerate()
        .map(|(index, p)| {
            *first
                .entry((p.span.start, p.span.end, p.kind.name(), p.text.as_str()))
                .or_insert(PatternId::new(index))
        })
        .collect()
}
