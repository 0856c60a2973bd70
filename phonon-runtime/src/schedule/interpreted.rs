//! The scheduler's work for the reference interpreter: one unit per kernel
//! ([`KernelInterpreter`]), each in its own `Mutex`, taken by the one thread
//! that runs it (uncontended, so an atomic swap and no allocation). A
//! kernel reads earlier stages only by copying their buffers under that
//! kernel's lock; the block's inputs are a copy behind an `RwLock` that the
//! workers only read while the caller waits. No `unsafe`.

use super::pool::{lock, Share};
use super::StageWork;
use phonon_ir::graph::{KernelId, NodeId, OutputId, StagedProgram};
use phonon_ir::interpret::{BlockInputs, OutputBuffers};
use phonon_ir::interpret_kernel::KernelInterpreter;
use std::ops::Range;
use std::sync::{Mutex, PoisonError, RwLock};

/// One buffer a kernel copies from an earlier stage before it runs.
#[derive(Clone, Copy, Debug)]
struct Import {
    source: usize,
    source_slot: usize,
    slot: usize,
}

/// A staged program's kernels as the scheduler's units.
pub struct Interpreted {
    /// In stage order.
    kernels: Box<[Mutex<KernelInterpreter>]>,
    imports: Box<[Box<[Import]>]>,
    /// The current block's inputs, copied in by the caller.
    inputs: RwLock<BlockInputs>,
    /// Per graph node: `(kernel position, slot)` of the kernel computing it.
    node_slots: Vec<Option<(usize, usize)>>,
    /// Per output: the `(kernel position, slot)` of its left and right.
    outputs: Vec<[Option<(usize, usize)>; 2]>,
}

impl Interpreted {
    /// Every kernel of `program` that computes something, in stage order,
    /// with the units of each stage and each unit's kernel.
    pub(super) fn new(
        program: &StagedProgram,
        rate: u32,
        max_block: usize,
    ) -> (Interpreted, Vec<Range<usize>>, Vec<KernelId>) {
        let mut kernels = Vec::new();
        let mut stages: Vec<Range<usize>> = Vec::new();
        let mut kept_ids = Vec::new();
        for stage in &program.stages {
            let start = kernels.len();
            for &id in &stage.kernels {
                if let Some(kernel) = KernelInterpreter::new(program, id, rate, max_block) {
                    kernels.push(kernel);
                    kept_ids.push(id);
                }
            }
            stages.push(start..kernels.len());
        }
        let mut node_slots = vec![None; program.graph.nodes.len()];
        for (position, kernel) in kernels.iter().enumerate() {
            for &node in &program.kernel(kernel.kernel()).nodes {
                if let (Some(slot), Some(entry)) =
                    (kernel.slot_of_own(node), node_slots.get_mut(node.index()))
                {
                    *entry = Some((position, slot));
                }
            }
        }
        let imports = kernels
            .iter()
            .map(|kernel| {
                kernel
                    .imports()
                    .iter()
                    .enumerate()
                    .filter_map(|(slot, node)| {
                        let (source, source_slot) = node_slots.get(node.index()).copied()??;
                        Some(Import {
                            source,
                            source_slot,
                            slot,
                        })
                    })
                    .collect()
            })
            .collect();
        let slot_of = |node: NodeId| node_slots.get(node.index()).copied().flatten();
        let outputs = program
            .graph
            .outputs
            .iter()
            .map(|o| [slot_of(o.left), slot_of(o.right)])
            .collect();
        let work = Interpreted {
            kernels: kernels.into_iter().map(Mutex::new).collect(),
            imports,
            inputs: RwLock::new(BlockInputs::new(&program.graph, max_block)),
            node_slots,
            outputs,
        };
        (work, stages, kept_ids)
    }

    /// Runs kernel `k`: copies its imports, then computes it.
    fn run_kernel(&self, k: usize, inputs: &BlockInputs) {
        let frames = inputs.frames();
        let mut kernel = lock(&self.kernels[k]);
        for import in self.imports[k].iter() {
            let source = lock(&self.kernels[import.source]);
            let samples = source.buffer(import.source_slot, frames);
            let target = kernel.import_mut(import.slot);
            let len = samples.len().min(target.len());
            target[..len].copy_from_slice(&samples[..len]);
        }
        kernel.process(inputs);
    }

    /// Hot swap: takes over the running state of `old`'s nodes; see
    /// [`super::Scheduler::adopt_state`].
    pub(super) fn adopt_state(&self, old: &Interpreted, pairs: &[(NodeId, NodeId)]) {
        for &(here, there) in pairs {
            if let Some(((k_new, slot_new), (k_old, slot_old))) = self.pair_slots(old, here, there)
            {
                let mut new_kernel = lock(&self.kernels[k_new]);
                let mut old_kernel = lock(&old.kernels[k_old]);
                new_kernel.swap_state(slot_new, &mut old_kernel, slot_old);
            }
        }
    }

    /// Hot swap while `old` plays on: copies the running state of `old`'s
    /// nodes; see [`super::Scheduler::copy_state`].
    pub(super) fn copy_state(&self, old: &Interpreted, pairs: &[(NodeId, NodeId)]) {
        for &(here, there) in pairs {
            if let Some(((k_new, slot_new), (k_old, slot_old))) = self.pair_slots(old, here, there)
            {
                let mut new_kernel = lock(&self.kernels[k_new]);
                let old_kernel = lock(&old.kernels[k_old]);
                new_kernel.copy_state(slot_new, &old_kernel, slot_old);
            }
        }
    }

    /// The `(kernel position, slot)` of node `here` and of `old`'s `there`.
    fn pair_slots(
        &self,
        old: &Interpreted,
        here: NodeId,
        there: NodeId,
    ) -> Option<((usize, usize), (usize, usize))> {
        let slot = |w: &Interpreted, node: NodeId| w.node_slots.get(node.index()).copied()?;
        Some((slot(self, here)?, slot(old, there)?))
    }
}

impl StageWork for Interpreted {
    fn begin_block(&self, inputs: &BlockInputs) {
        self.inputs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .copy_from(inputs);
    }

    fn run_share(&self, _stage: usize, share: &Share<'_>) {
        let inputs = self.inputs.read().unwrap_or_else(PoisonError::into_inner);
        share.run_each(|k| self.run_kernel(k, &inputs));
    }

    fn end_block(&self, inputs: &BlockInputs, out: &mut OutputBuffers) {
        let frames = inputs.frames();
        out.set_frames(frames);
        for (index, sides) in self.outputs.iter().enumerate() {
            let (left, right) = out.output_mut(OutputId::new(index));
            for (target, side) in [left, right].into_iter().zip(sides) {
                match side {
                    Some((k, slot)) => {
                        let kernel = lock(&self.kernels[*k]);
                        let samples = kernel.buffer(*slot, frames);
                        let len = samples.len().min(target.len());
                        target[..len].copy_from_slice(&samples[..len]);
                        target[len..].fill(0.0);
                    }
                    None => target.fill(0.0),
                }
            }
        }
    }

    fn reset(&self) {
        for kernel in self.kernels.iter() {
            lock(kernel).reset();
        }
    }
}
