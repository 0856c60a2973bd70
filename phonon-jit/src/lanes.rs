//! The form of one kernel as the code generator sees it (positions instead
//! of node ids, external buffers as numbered input slots), and the test of
//! whether kernels are isomorphic enough to share one `f32x4` function.

use phonon_ir::graph::{Graph, NodeId, Op};
use std::collections::HashMap;

/// Where a node's input comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// An earlier (or, for `Delay1`, any) position of the same kernel.
    Node(usize),
    /// An external buffer: input slot `n`.
    Input(usize),
}

/// How a position gets its value.
#[derive(Clone, Debug, PartialEq)]
pub enum Role {
    /// A constant, folded into the code.
    Const(f32),
    /// Read from an external buffer (a `Control`, `Voices` or `CycleGate`
    /// node: the engine renders it): input slot `n`.
    Input(usize),
    /// Computed from operands.
    Compute { op: Op, operands: Vec<Operand> },
}

/// One kernel in code-generator form.
#[derive(Clone, Debug)]
pub struct LaneForm {
    /// The kernel's nodes, in evaluation order; positions index this.
    pub nodes: Vec<NodeId>,
    pub roles: Vec<Role>,
    /// The node each input slot reads: a node of another kernel (its output
    /// buffer), or an input node of this one (its rendered buffer).
    pub inputs: Vec<NodeId>,
    /// Positions whose values leave the kernel, in output-slot order.
    pub outputs: Vec<usize>,
    /// By position: a `sine` that takes the precise `f64` sine, because its
    /// output reaches a phase (see `phase_inputs`). Not part of the shape:
    /// a packed group uses the precise sine where any lane needs it.
    pub precise_sines: Vec<bool>,
}

impl LaneForm {
    /// Analyses a kernel: `nodes` in evaluation order; `exported` says which
    /// of them something outside the kernel reads.
    pub fn analyse(graph: &Graph, nodes: &[NodeId], exported: &dyn Fn(NodeId) -> bool) -> LaneForm {
        let position: HashMap<NodeId, usize> =
            nodes.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        let mut inputs: Vec<NodeId> = Vec::new();
        let slot_of = |id: NodeId, inputs: &mut Vec<NodeId>| -> usize {
            match inputs.iter().position(|&known| known == id) {
                Some(slot) => slot,
                None => {
                    inputs.push(id);
                    inputs.len() - 1
                }
            }
        };
        let roles = nodes
            .iter()
            .map(|&id| {
                let node = graph.node(id);
                match &node.op {
                    Op::Const(value) => Role::Const(*value),
                    Op::Control(_) | Op::Voices(..) | Op::CycleGate => {
                        Role::Input(slot_of(id, &mut inputs))
                    }
                    op => Role::Compute {
                        op: op.clone(),
                        operands: node
                            .inputs
                            .iter()
                            .map(|input| match position.get(input) {
                                Some(&p) => Operand::Node(p),
                                None => Operand::Input(slot_of(*input, &mut inputs)),
                            })
                            .collect(),
                    },
                }
            })
            .collect();
        let outputs = nodes
            .iter()
            .enumerate()
            .filter(|(_, &id)| exported(id))
            .map(|(i, _)| i)
            .collect();
        LaneForm {
            nodes: nodes.to_vec(),
            roles,
            inputs,
            outputs,
            precise_sines: vec![false; nodes.len()],
        }
    }

    /// Marks the positions whose node `precise` (indexed by node) marks as
    /// needing the precise sine; `analyse` leaves every sine fast.
    pub fn with_precise_sines(mut self, precise: &[bool]) -> LaneForm {
        self.precise_sines = self
            .nodes
            .iter()
            .map(|id| precise.get(id.index()).copied().unwrap_or(false))
            .collect();
        self
    }

    /// Whether `other` computes the same thing with different constants and
    /// buffers, so both can run as lanes of one function.
    pub fn same_shape(&self, other: &LaneForm) -> bool {
        self.roles.len() == other.roles.len()
            && self.inputs.len() == other.inputs.len()
            && self.outputs == other.outputs
            && self.roles.iter().zip(&other.roles).all(|pair| match pair {
                (Role::Const(_), Role::Const(_)) => true,
                (a, b) => a == b,
            })
    }

    /// A short description of the shape: the operations in order.
    pub fn signature(&self, graph: &Graph) -> String {
        self.nodes
            .iter()
            .zip(&self.roles)
            .filter(|(_, role)| matches!(role, Role::Compute { .. }))
            .map(|(&id, _)| graph.node(id).op.name())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Hand-built kernel forms for unit tests.
#[cfg(test)]
pub(crate) mod test_forms {
    use super::{LaneForm, Operand, Role};
    use phonon_ir::graph::{NodeId, Op};

    /// A kernel of `roles` whose last position is its one output.
    pub(crate) fn form(roles: Vec<Role>) -> LaneForm {
        let count = roles.len();
        LaneForm {
            nodes: (0..count).map(NodeId::new).collect(),
            roles,
            inputs: vec![NodeId::new(99)],
            outputs: vec![count - 1],
            precise_sines: vec![false; count],
        }
    }

    /// `op` over the values of `operands` (positions).
    pub(crate) fn compute(op: Op, operands: &[usize]) -> Role {
        Role::Compute {
            op,
            operands: operands.iter().map(|&p| Operand::Node(p)).collect(),
        }
    }
}
