//! A plain evaluator of a staged program over the reference nodes of
//! `phonon_ir::dsp`, block by block, node by node: the oracle for whole
//! programs in tests and the baseline in the bench. Programs with feedback
//! (`Delay1`) are out of its scope.

use phonon_ir::dsp::{self, master, MonoNode};
use phonon_ir::graph::{NodeId, Op, StagedProgram};
use phonon_ir::interpret::noise_seed;

pub struct Reference {
    order: Vec<NodeId>,
    ops: Vec<Op>,
    inputs: Vec<Vec<NodeId>>,
    nodes: Vec<Option<Box<dyn MonoNode>>>,
    pub buffers: Vec<Vec<f32>>,
}

impl Reference {
    /// Noise nodes are seeded by `interpret::noise_seed`, as the JIT seeds
    /// them.
    pub fn new(staged: &StagedProgram, rate: f32, max_frames: usize) -> Reference {
        let graph = &staged.graph;
        let order = staged
            .stages
            .iter()
            .flat_map(|stage| stage.kernels.iter())
            .flat_map(|&k| staged.kernel(k).nodes.iter().copied())
            .collect();
        let nodes = graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| match node.op {
                Op::Dsp(kind) => dsp::build(kind, rate, noise_seed(NodeId::new(i))),
                _ => None,
            })
            .collect();
        Reference {
            order,
            ops: graph.nodes.iter().map(|n| n.op.clone()).collect(),
            inputs: graph.nodes.iter().map(|n| n.inputs.clone()).collect(),
            nodes,
            buffers: vec![vec![0.0; max_frames]; graph.nodes.len()],
        }
    }

    /// One block; external inputs (controls) must already be in `buffers`.
    pub fn process(&mut self, frames: usize) {
        let mut scratch = vec![0.0f32; frames];
        for &id in &self.order {
            let i = id.index();
            let args: Vec<Vec<f32>> = self.inputs[i]
                .iter()
                .map(|a| self.buffers[a.index()][..frames].to_vec())
                .collect();
            let binary = |f: fn(f32, f32) -> f32, out: &mut [f32]| {
                for (k, y) in out.iter_mut().enumerate() {
                    *y = f(args[0][k], args[1][k]);
                }
            };
            match &self.ops[i] {
                Op::Const(c) => scratch.fill(*c),
                Op::Control(_) | Op::Voices(..) | Op::CycleGate => continue,
                Op::Add => binary(|a, b| finite_or_zero(a + b), &mut scratch),
                Op::Sub => binary(|a, b| finite_or_zero(a - b), &mut scratch),
                Op::Mul => binary(|a, b| finite_or_zero(a * b), &mut scratch),
                Op::Div => binary(|a, b| finite_or_zero(a / b), &mut scratch),
                Op::Neg => {
                    for (y, x) in scratch.iter_mut().zip(&args[0]) {
                        *y = -x;
                    }
                }
                Op::PanLeft | Op::PanRight => {
                    let left = matches!(self.ops[i], Op::PanLeft);
                    for (k, y) in scratch.iter_mut().enumerate() {
                        let (l, r) = master::Pan::tick(args[0][k], args[1][k]);
                        *y = if left { l } else { r };
                    }
                }
                Op::Dsp(kind) => {
                    let spec = dsp::spec::of(*kind);
                    let split = usize::from(spec.has_input || spec.gated);
                    let input: &[f32] = if split == 1 { &args[0] } else { &[] };
                    let params: Vec<&[f32]> = args[split..].iter().map(|a| a.as_slice()).collect();
                    let node = self.nodes[i].as_mut().expect("mono reference node");
                    node.process(input, &params, &mut scratch);
                }
                Op::Delay1 => panic!("the reference evaluator has no feedback"),
            }
            self.buffers[i][..frames].copy_from_slice(&scratch);
        }
    }
}

/// A non-finite result becomes 0, as every reference node does.
fn finite_or_zero(x: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}
