//! Staging: flattens the graph into stages of independent kernels, where
//! every kernel depends only on kernels of earlier stages.
//!
//! A node belongs to the kernel of the set of outputs that read it: the nodes
//! only output `o3` reads form `o3`'s kernel; the nodes several outputs read
//! (a shared bus) form a shared kernel, split into independent pieces. A
//! feedback cycle is never split: all its nodes are read by the same outputs.
//! Kernels are placed as late as possible, so every output kernel lands in the
//! last stage and independent outputs run side by side.

use crate::graph::{
    Graph, Kernel, KernelId, KernelKind, NodeId, Op, OutputId, Stage, StagedProgram,
};
use std::collections::{BTreeMap, BTreeSet};

pub fn build_stages(graph: Graph) -> StagedProgram {
    let owners = owners_of_nodes(&graph);
    let in_cycle = nodes_in_cycles(&graph);

    // Group nodes by who reads them, then split each group into pieces that
    // do not touch each other.
    let mut groups: BTreeMap<&[OutputId], Vec<NodeId>> = BTreeMap::new();
    for id in graph.node_ids() {
        if !owners[id.index()].is_empty() {
            groups.entry(&owners[id.index()]).or_default().push(id);
        }
    }
    let mut kernel_of: Vec<Option<usize>> = vec![None; graph.nodes.len()];
    let mut kernels: Vec<Kernel> = Vec::new();
    for (owner_set, members) in &groups {
        for piece in connected_pieces(&graph, members) {
            let kind = match owner_set {
                [only] => KernelKind::Output(*only),
                _ => KernelKind::Shared {
                    buses: bus_names(&graph, &piece, |_| true),
                },
            };
            let feedback = bus_names(&graph, &piece, |id| in_cycle[id.index()]);
            for id in &piece {
                kernel_of[id.index()] = Some(kernels.len());
            }
            kernels.push(Kernel {
                kind,
                nodes: piece,
                feedback,
            });
        }
    }

    // Which kernels read which: `readers[k]` are the kernels that need `k`.
    let mut readers: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); kernels.len()];
    for (index, node) in graph.nodes.iter().enumerate() {
        let Some(reader) = kernel_of[index] else {
            continue;
        };
        for input in &node.inputs {
            if let Some(source) = kernel_of[input.index()] {
                if source != reader {
                    readers[source].insert(reader);
                }
            }
        }
    }
    // Height: the longest chain of readers after a kernel. Kernels only read
    // kernels of strictly larger owner sets or disjoint pieces, so the
    // kernel graph is acyclic; the fixpoint below settles within its size.
    let mut height = vec![0usize; kernels.len()];
    for _ in 0..kernels.len() {
        let mut changed = false;
        for k in 0..kernels.len() {
            let h = readers[k].iter().map(|&r| height[r] + 1).max().unwrap_or(0);
            if h != height[k] {
                height[k] = h;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let last = height.iter().copied().max().unwrap_or(0);
    let stage_of = |k: usize| last - height[k];

    // Number kernels stage by stage, in order of their first node.
    let mut order: Vec<usize> = (0..kernels.len()).collect();
    order.sort_by_key(|&k| (stage_of(k), kernels[k].nodes.first().copied()));
    let mut stages: Vec<Stage> = Vec::new();
    let mut sorted_kernels = Vec::with_capacity(kernels.len());
    for (new_index, &k) in order.iter().enumerate() {
        let stage = stage_of(k);
        while stages.len() <= stage {
            stages.push(Stage {
                kernels: Vec::new(),
            });
        }
        stages[stage].kernels.push(KernelId::new(new_index));
        let mut kernel = kernels[k].clone();
        kernel.nodes = evaluation_order(&graph, &kernel.nodes);
        sorted_kernels.push(kernel);
    }
    StagedProgram {
        graph,
        kernels: sorted_kernels,
        stages,
    }
}

/// For every node, the outputs that read it (sorted), following every edge.
fn owners_of_nodes(graph: &Graph) -> Vec<Vec<OutputId>> {
    let mut owners: Vec<Vec<OutputId>> = vec![Vec::new(); graph.nodes.len()];
    for (index, output) in graph.outputs.iter().enumerate() {
        let output_id = OutputId::new(index);
        let mut stack = vec![output.left, output.right];
        while let Some(id) = stack.pop() {
            let set = &mut owners[id.index()];
            if set.last() == Some(&output_id) {
                continue;
            }
            set.push(output_id);
            stack.extend(graph.node(id).inputs.iter().copied());
        }
    }
    owners
}

/// Marks the nodes on a feedback cycle: those a `Delay1` reaches and that
/// reach it back.
fn nodes_in_cycles(graph: &Graph) -> Vec<bool> {
    let mut readers: Vec<Vec<NodeId>> = vec![Vec::new(); graph.nodes.len()];
    for id in graph.node_ids() {
        for input in &graph.node(id).inputs {
            readers[input.index()].push(id);
        }
    }
    let mut in_cycle = vec![false; graph.nodes.len()];
    for id in graph
        .node_ids()
        .filter(|&id| graph.node(id).op == Op::Delay1)
    {
        let upstream = reach(graph.nodes.len(), id, |n| graph.node(n).inputs.clone());
        let downstream = reach(graph.nodes.len(), id, |n| readers[n.index()].clone());
        for (index, flag) in in_cycle.iter_mut().enumerate() {
            *flag |= upstream[index] && downstream[index];
        }
    }
    in_cycle
}

fn reach(len: usize, start: NodeId, next: impl Fn(NodeId) -> Vec<NodeId>) -> Vec<bool> {
    let mut seen = vec![false; len];
    let mut stack = vec![start];
    while let Some(id) = stack.pop() {
        if !std::mem::replace(&mut seen[id.index()], true) {
            stack.extend(next(id));
        }
    }
    seen
}

/// Splits `members` into the pieces connected by edges among themselves.
fn connected_pieces(graph: &Graph, members: &[NodeId]) -> Vec<Vec<NodeId>> {
    let position: BTreeMap<NodeId, usize> =
        members.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut parent: Vec<usize> = (0..members.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, id) in members.iter().enumerate() {
        for input in &graph.node(*id).inputs {
            if let Some(&j) = position.get(input) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut pieces: BTreeMap<usize, Vec<NodeId>> = BTreeMap::new();
    for (i, id) in members.iter().enumerate() {
        let r = root(&mut parent, i);
        pieces.entry(r).or_default().push(*id);
    }
    pieces.into_values().collect()
}

/// The distinct bus names (`~lfo`) in the labels of the chosen nodes.
fn bus_names(graph: &Graph, nodes: &[NodeId], keep: impl Fn(NodeId) -> bool) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for &id in nodes.iter().filter(|&&id| keep(id)) {
        let Some(label) = &graph.node(id).label else {
            continue;
        };
        let name = label.split('.').next().unwrap_or(label);
        if name.starts_with('~') && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// `nodes` in an order where each comes after its inputs from the same list
/// (a `Delay1`'s input does not count: it is last sample's value). Ties go to
/// the lower id, so the order is deterministic.
fn evaluation_order(graph: &Graph, nodes: &[NodeId]) -> Vec<NodeId> {
    let members: BTreeSet<NodeId> = nodes.iter().copied().collect();
    let mut waiting_on: BTreeMap<NodeId, usize> = BTreeMap::new();
    let mut readers: BTreeMap<NodeId, Vec<NodeId>> = BTreeMap::new();
    for &id in nodes {
        let node = graph.node(id);
        let inputs: BTreeSet<NodeId> = if node.op == Op::Delay1 {
            BTreeSet::new()
        } else {
            node.inputs
                .iter()
                .copied()
                .filter(|i| members.contains(i))
                .collect()
        };
        waiting_on.insert(id, inputs.len());
        for input in inputs {
            readers.entry(input).or_default().push(id);
        }
    }
    let mut ready: BTreeSet<NodeId> = waiting_on
        .iter()
        .filter(|(_, &n)| n == 0)
        .map(|(&id, _)| id)
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(id) = ready.pop_first() {
        order.push(id);
        for reader in readers.get(&id).into_iter().flatten() {
            if let Some(count) = waiting_on.get_mut(reader) {
                *count -= 1;
                if *count == 0 {
                    ready.insert(*reader);
                }
            }
        }
    }
    // A cycle without a Delay1 cannot come out of lowering; should one slip
    // in, its nodes keep id order rather than disappear.
    for &id in nodes {
        if !order.contains(&id) {
            order.push(id);
        }
    }
    order
}
