//! `pack_lanes`: groups the kernels of each stage into functions. Kernels
//! of one stage whose shapes match (same operations and wiring, different
//! constants and buffers, like synth16's eight `saw # lpf` outputs) share one
//! `f32x4` function, up to four at a time, so even recursive filters run
//! four at once; the rest get scalar functions.

use crate::lanes::LaneForm;
use crate::PACK_WIDTH;
use phonon_ir::graph::{KernelId, NodeId, StageId, StagedProgram};
use std::fmt::Write;

/// The kernels one function computes, one per lane.
#[derive(Clone, Debug)]
pub struct LaneGroup {
    pub stage: StageId,
    pub kernels: Vec<KernelId>,
    pub forms: Vec<LaneForm>,
}

impl LaneGroup {
    /// Whether the group runs as `f32x4` code.
    pub fn packed(&self) -> bool {
        self.kernels.len() > 1
    }
}

/// Which nodes something outside their own kernel reads: another kernel or
/// an output. Indexed by node.
pub fn exported_nodes(staged: &StagedProgram) -> Vec<bool> {
    let graph = &staged.graph;
    let mut kernel_of: Vec<Option<usize>> = vec![None; graph.nodes.len()];
    for (k, kernel) in staged.kernels.iter().enumerate() {
        for node in &kernel.nodes {
            kernel_of[node.index()] = Some(k);
        }
    }
    let mut exported = vec![false; graph.nodes.len()];
    for (k, kernel) in staged.kernels.iter().enumerate() {
        for &node in &kernel.nodes {
            for input in &graph.node(node).inputs {
                if kernel_of[input.index()] != Some(k) {
                    exported[input.index()] = true;
                }
            }
        }
    }
    for output in &graph.outputs {
        exported[output.left.index()] = true;
        exported[output.right.index()] = true;
    }
    exported
}

/// Groups every stage's kernels: with `pack`, isomorphic kernels of a stage
/// share a function (greedily, in kernel order, up to [`PACK_WIDTH`]);
/// without, every kernel has its own. Groups come in stage order.
pub fn pack_lanes(staged: &StagedProgram, pack: bool) -> Vec<LaneGroup> {
    let exported = exported_nodes(staged);
    let is_exported = |id: NodeId| exported[id.index()];
    let mut groups: Vec<LaneGroup> = Vec::new();
    for (s, stage) in staged.stages.iter().enumerate() {
        let first_of_stage = groups.len();
        for &kernel_id in &stage.kernels {
            let form =
                LaneForm::analyse(&staged.graph, &staged.kernel(kernel_id).nodes, &is_exported);
            let open = groups[first_of_stage..].iter_mut().find(|group| {
                pack && group.forms.len() < PACK_WIDTH && group.forms[0].same_shape(&form)
            });
            match open {
                Some(group) => {
                    group.kernels.push(kernel_id);
                    group.forms.push(form);
                }
                None => groups.push(LaneGroup {
                    stage: StageId::new(s),
                    kernels: vec![kernel_id],
                    forms: vec![form],
                }),
            }
        }
    }
    groups
}

/// The packing as text: one line per function with its stage, width,
/// kernels and operation chain.
pub fn packing_summary(staged: &StagedProgram, groups: &[LaneGroup]) -> String {
    let mut text = String::new();
    let packed = groups.iter().filter(|g| g.packed()).count();
    let lanes: usize = groups.iter().map(|g| g.kernels.len()).sum();
    let _ = writeln!(
        text,
        "{} kernels in {} functions ({} packed f32x4, {} scalar)",
        lanes,
        groups.len(),
        packed,
        groups.len() - packed
    );
    for (f, group) in groups.iter().enumerate() {
        let kernels: Vec<String> = group.kernels.iter().map(|k| k.to_string()).collect();
        let _ = writeln!(
            text,
            "f{f} {} {} [{}]: {}",
            group.stage,
            if group.packed() { "f32x4" } else { "f32  " },
            kernels.join(" "),
            group.forms[0].signature(&staged.graph)
        );
    }
    text
}
