//! `pack_lanes`: groups the kernels of each stage into functions. Kernels
//! of one stage whose shapes match (same operations and wiring, different
//! constants and buffers, like synth16's eight `saw # lpf` outputs) share one
//! `f32x4` function, up to four at a time, so even recursive filters run
//! four at once; the rest get scalar functions.

use crate::lanes::LaneForm;
use crate::phase_inputs::sines_feeding_a_phase;
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
    let precise_sines = sines_feeding_a_phase(&staged.graph);
    let mut groups: Vec<LaneGroup> = Vec::new();
    for (s, stage) in staged.stages.iter().enumerate() {
        let first_of_stage = groups.len();
        for &kernel_id in &stage.kernels {
            let form =
                LaneForm::analyse(&staged.graph, &staged.kernel(kernel_id).nodes, &is_exported)
                    .with_precise_sines(&precise_sines);
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

/// Packed groups fused into one function, at most this many: each adds
/// its loop-carried vectors to each phase loop (five for a `saw`, four for
/// an `lpf`), and Cranelift keeps 16 vector registers.
pub const GROUPS_PER_FUNCTION: usize = 2;

/// Puts consecutive packed groups of the same stage together, up to
/// `per_function`, so that one sample loop runs their independent chains
/// side by side; scalar groups stay alone.
pub fn fuse_groups(groups: Vec<LaneGroup>, per_function: usize) -> Vec<Vec<LaneGroup>> {
    let mut functions: Vec<Vec<LaneGroup>> = Vec::new();
    for group in groups {
        match functions.last_mut() {
            Some(last)
                if group.packed()
                    && last.len() < per_function
                    && last[0].packed()
                    && last[0].stage == group.stage =>
            {
                last.push(group)
            }
            _ => functions.push(vec![group]),
        }
    }
    functions
}

/// The packing as text: one line per function with its stage, width, and
/// each group's kernels and operation chain.
pub fn packing_summary(staged: &StagedProgram, functions: &[Vec<LaneGroup>]) -> String {
    let mut text = String::new();
    let groups: Vec<&LaneGroup> = functions.iter().flatten().collect();
    let packed = groups.iter().filter(|g| g.packed()).count();
    let lanes: usize = groups.iter().map(|g| g.kernels.len()).sum();
    let _ = writeln!(
        text,
        "{} kernels in {} groups ({} packed f32x4, {} scalar) in {} functions",
        lanes,
        groups.len(),
        packed,
        groups.len() - packed,
        functions.len()
    );
    for (f, function) in functions.iter().enumerate() {
        let parts: Vec<String> = function
            .iter()
            .map(|group| {
                let kernels: Vec<String> = group.kernels.iter().map(|k| k.to_string()).collect();
                format!(
                    "[{}]: {}",
                    kernels.join(" "),
                    group.forms[0].signature(&staged.graph)
                )
            })
            .collect();
        let packed = function[0].packed();
        let _ = writeln!(
            text,
            "f{f} {} {} {}",
            function[0].stage,
            if packed { "f32x4" } else { "f32  " },
            parts.join(" + ")
        );
    }
    text
}
