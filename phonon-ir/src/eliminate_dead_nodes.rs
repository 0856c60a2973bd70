//! Dead-node elimination: drops every node and pattern no output reads, and
//! renumbers the survivors densely, keeping their relative order.

use crate::graph::{Graph, NodeId, Op, PatternId};

/// Removes unreachable nodes and unused patterns; returns how many nodes went.
pub fn eliminate_dead_nodes(graph: &mut Graph) -> usize {
    let reached = graph.reachable_from_outputs();
    let mut new_node_id = vec![None; graph.nodes.len()];
    let mut kept = 0;
    for (index, live) in reached.iter().enumerate() {
        if *live {
            new_node_id[index] = Some(NodeId::new(kept));
            kept += 1;
        }
    }

    let mut pattern_used = vec![false; graph.patterns.len()];
    for (node, live) in graph.nodes.iter().zip(&reached) {
        if let (true, Op::Control(p) | Op::Voices(p, _)) = (*live, &node.op) {
            pattern_used[p.index()] = true;
        }
    }
    let mut new_pattern_id = vec![None; graph.patterns.len()];
    let mut patterns_kept = 0;
    for (index, used) in pattern_used.iter().enumerate() {
        if *used {
            new_pattern_id[index] = Some(PatternId::new(patterns_kept));
            patterns_kept += 1;
        }
    }

    let removed = graph.nodes.len() - kept;
    let nodes = std::mem::take(&mut graph.nodes);
    // A live node's inputs are live too, so every lookup below succeeds.
    let remap = |id: NodeId| new_node_id[id.index()].unwrap_or(id);
    graph.nodes = nodes
        .into_iter()
        .zip(&reached)
        .filter(|(_, live)| **live)
        .map(|(mut node, _)| {
            node.inputs = node.inputs.iter().map(|&i| remap(i)).collect();
            if let Op::Control(p) | Op::Voices(p, _) = &mut node.op {
                *p = new_pattern_id[p.index()].unwrap_or(*p);
            }
            node
        })
        .collect();
    let patterns = std::mem::take(&mut graph.patterns);
    graph.patterns = patterns
        .into_iter()
        .zip(&pattern_used)
        .filter(|(_, used)| **used)
        .map(|(p, _)| p)
        .collect();
    for output in &mut graph.outputs {
        output.left = remap(output.left);
        output.right = remap(output.right);
    }
    removed
}

/// Points every input and output at its replacement: `replacement[i]` is the
/// node that now stands for node `i` (itself when unchanged). Chains of
/// replacements are followed to their end.
pub(crate) fn redirect(graph: &mut Graph, replacement: &[NodeId]) {
    let resolve = |mut id: NodeId| {
        // Replacements always point at a different node that was kept, and
        // never form a loop, so this terminates.
        let mut steps = 0;
        while replacement[id.index()] != id && steps < replacement.len() {
            id = replacement[id.index()];
            steps += 1;
        }
        id
    };
    for node in &mut graph.nodes {
        for input in &mut node.inputs {
            *input = resolve(*input);
        }
    }
    for output in &mut graph.outputs {
        output.left = resolve(output.left);
        output.right = resolve(output.right);
    }
}
