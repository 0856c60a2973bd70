//! The reference interpreter cut along kernel lines: one
//! [`KernelInterpreter`] owns the DSP state and buffers of one kernel's
//! nodes, so the kernels of a stage can run on different threads without
//! sharing anything mutable. It is not a scheduler (the runtime decides which
//! thread runs which kernel) and it computes exactly what
//! [`crate::interpret::Interpreter`] computes, sample for sample.
//!
//! A kernel reads nodes of earlier stages through *imports*: buffers it owns
//! that the scheduler fills with a copy of the producing kernel's buffer
//! before the kernel runs. Constants it reads from elsewhere become local
//! constants, filled once. Every buffer is allocated by
//! [`KernelInterpreter::new`]; `process` and `reset` never allocate.

use crate::dsp::MonoNode;
use crate::graph::{KernelId, NodeId, Op, StagedProgram};
use crate::interpret::{evaluate, prepare, Args, BlockInputs, NodeRun, Prepared};

/// One kernel of a staged program, ready to run on any thread.
pub struct KernelInterpreter {
    kernel: KernelId,
    /// Per slot: the graph node whose samples the slot holds. Slots are the
    /// imports first, then local constants, then the kernel's own nodes.
    slot_nodes: Vec<NodeId>,
    /// How many leading slots are imports.
    import_count: usize,
    /// Per slot; the inputs of each run name slots, not graph nodes.
    runs: Vec<NodeRun>,
    /// One buffer of `max_block` samples per slot.
    buffers: Vec<Vec<f32>>,
    /// The slots of the kernel's own nodes, in evaluation order.
    order: Vec<usize>,
    /// `(delay slot, its input's slot)` for every `Delay1`; when not empty
    /// the kernel runs sample by sample.
    delays: Vec<(usize, usize)>,
    max_block: usize,
}

impl KernelInterpreter {
    /// Prepares kernel `kernel` of `program` to run at `rate` Hz in blocks of
    /// at most `max_block` samples. `None` for a kernel id out of range.
    pub fn new(
        program: &StagedProgram,
        kernel: KernelId,
        rate: u32,
        max_block: usize,
    ) -> Option<KernelInterpreter> {
        let graph = &program.graph;
        let own = &program.kernels.get(kernel.index())?.nodes;
        let is_own = |id: &NodeId| own.contains(id);
        let mut imports = Vec::new();
        let mut constants = Vec::new();
        for &id in own {
            for input in &graph.node(id).inputs {
                if is_own(input) || imports.contains(input) || constants.contains(input) {
                    continue;
                }
                if matches!(graph.node(*input).op, Op::Const(_)) {
                    constants.push(*input);
                } else {
                    imports.push(*input);
                }
            }
        }
        let import_count = imports.len();
        let slot_nodes: Vec<NodeId> = imports
            .into_iter()
            .chain(constants)
            .chain(own.iter().copied())
            .collect();
        let slot_of = |id: NodeId| slot_nodes.iter().position(|&n| n == id);
        let first_own = slot_nodes.len() - own.len();
        let runs = slot_nodes
            .iter()
            .enumerate()
            .map(|(slot, &id)| {
                let node = graph.node(id);
                let prepared = if slot < first_own {
                    Prepared::Const
                } else {
                    prepare(&node.op, id, rate)
                };
                let inputs = node
                    .inputs
                    .iter()
                    .map(|&input| NodeId::new(slot_of(input).unwrap_or(usize::MAX)))
                    .collect();
                NodeRun { prepared, inputs }
            })
            .collect();
        let buffers = slot_nodes
            .iter()
            .map(|&id| match graph.node(id).op {
                Op::Const(value) => vec![value; max_block],
                _ => vec![0.0; max_block],
            })
            .collect();
        let delays = (first_own..slot_nodes.len())
            .filter(|&slot| graph.node(slot_nodes[slot]).op == Op::Delay1)
            .filter_map(|slot| {
                let input = *graph.node(slot_nodes[slot]).inputs.first()?;
                Some((slot, slot_of(input)?))
            })
            .collect();
        Some(KernelInterpreter {
            kernel,
            import_count,
            runs,
            buffers,
            order: (first_own..slot_nodes.len()).collect(),
            delays,
            max_block,
            slot_nodes,
        })
    }

    pub fn kernel(&self) -> KernelId {
        self.kernel
    }

    /// The nodes of other kernels this kernel reads, in import-slot order
    /// (import `i` is slot `i`).
    pub fn imports(&self) -> &[NodeId] {
        &self.slot_nodes[..self.import_count]
    }

    /// The slot holding `node`'s samples, if this kernel computes it.
    /// A linear search: for building schedules, not for the audio path.
    pub fn slot_of_own(&self, node: NodeId) -> Option<usize> {
        let first_own = self.order.first().copied()?;
        (first_own..self.slot_nodes.len()).find(|&slot| self.slot_nodes[slot] == node)
    }

    /// Import `slot`'s whole buffer, for the scheduler to fill (silence in a
    /// slot that is not an import).
    pub fn import_mut(&mut self, slot: usize) -> &mut [f32] {
        if slot < self.import_count {
            &mut self.buffers[slot]
        } else {
            &mut []
        }
    }

    /// The first `frames` samples of slot `slot` (empty if out of range).
    pub fn buffer(&self, slot: usize, frames: usize) -> &[f32] {
        self.buffers
            .get(slot)
            .map_or(&[], |b| &b[..frames.min(b.len())])
    }

    /// Computes `inputs.frames()` samples (at most `max_block`) of every node
    /// of the kernel; the imports must already hold this block's samples.
    pub fn process(&mut self, inputs: &BlockInputs) {
        let frames = inputs.frames().min(self.max_block);
        if self.delays.is_empty() {
            for k in 0..self.order.len() {
                self.run_slot(self.order[k], inputs, 0, frames);
            }
            return;
        }
        for i in 0..frames {
            for k in 0..self.order.len() {
                self.run_slot(self.order[k], inputs, i, i + 1);
            }
            for d in 0..self.delays.len() {
                let (delay, input) = self.delays[d];
                let value = self.buffers[input].get(i).copied().unwrap_or(0.0);
                if let Prepared::Delay1 { previous } = &mut self.runs[delay].prepared {
                    *previous = value;
                }
            }
        }
    }

    /// Every node back to its initial state.
    pub fn reset(&mut self) {
        for run in &mut self.runs {
            match &mut run.prepared {
                Prepared::Dsp {
                    node: Some(dsp), ..
                } => dsp.reset(),
                Prepared::Delay1 { previous } => *previous = 0.0,
                _ => {}
            }
        }
    }

    /// Hot swap: trades the running state of own node `here` with `old`'s
    /// own node `there` when both are the same operation (see
    /// [`crate::interpret::Interpreter::adopt_state`]). Allocates nothing.
    pub fn swap_state(&mut self, here: usize, old: &mut KernelInterpreter, there: usize) {
        let (Some(new_run), Some(old_run)) = (self.runs.get_mut(here), old.runs.get_mut(there))
        else {
            return;
        };
        match (&mut new_run.prepared, &mut old_run.prepared) {
            (Prepared::Dsp { node: a, .. }, Prepared::Dsp { node: b, .. }) => std::mem::swap(a, b),
            (Prepared::Delay1 { previous: a }, Prepared::Delay1 { previous: b }) => {
                std::mem::swap(a, b)
            }
            _ => {}
        }
    }

    /// Hot swap while `old` plays on (fading out): copies the running state
    /// of `old`'s own node `there` into own node `here` when both are the
    /// same operation, leaving `old`'s untouched. Allocates nothing for
    /// nodes built at the same rate.
    pub fn copy_state(&mut self, here: usize, old: &KernelInterpreter, there: usize) {
        let (Some(new_run), Some(old_run)) = (self.runs.get_mut(here), old.runs.get(there)) else {
            return;
        };
        match (&mut new_run.prepared, &old_run.prepared) {
            (
                Prepared::Dsp {
                    node: Some(new_dsp),
                    ..
                },
                Prepared::Dsp {
                    node: Some(old_dsp),
                    ..
                },
            ) => {
                let new_dsp: &mut dyn MonoNode = new_dsp.as_mut();
                let old_dsp: &dyn MonoNode = old_dsp.as_ref();
                new_dsp.copy_state_from(old_dsp.as_any());
            }
            (Prepared::Delay1 { previous: a }, Prepared::Delay1 { previous: b }) => *a = *b,
            _ => {}
        }
    }

    /// Computes samples `from..to` of slot `slot`.
    fn run_slot(&mut self, slot: usize, inputs: &BlockInputs, from: usize, to: usize) {
        let run = &mut self.runs[slot];
        if matches!(run.prepared, Prepared::Const) {
            return;
        }
        // Taken out so its inputs can be read while it is written.
        let mut buffer = std::mem::take(&mut self.buffers[slot]);
        if let Some(out) = buffer.get_mut(from..to) {
            let args = Args {
                ids: &run.inputs,
                buffers: &self.buffers,
                from,
                to,
            };
            evaluate(&mut run.prepared, &args, inputs, from, out);
        }
        self.buffers[slot] = buffer;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::OutputId;
    use crate::interpret::{Interpreter, OutputBuffers};

    const RATE: u32 = 48_000;

    fn compile_source(source: &str) -> StagedProgram {
        let parsed = phonon_syntax::parse(source);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let compiled = crate::compile(&parsed.program);
        assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
        compiled.staged.expect("a staged program")
    }

    /// Runs every kernel in stage order, copying imports from the kernel
    /// that computes them, and returns each output's left and right.
    fn run_kernels(program: &StagedProgram, blocks: usize, block: usize) -> Vec<Vec<f32>> {
        let mut kernels: Vec<KernelInterpreter> = program
            .stages
            .iter()
            .flat_map(|stage| &stage.kernels)
            .map(|&k| KernelInterpreter::new(program, k, RATE, block).unwrap())
            .collect();
        let find = |kernels: &[KernelInterpreter], node: NodeId| {
            kernels
                .iter()
                .enumerate()
                .find_map(|(k, kernel)| Some((k, kernel.slot_of_own(node)?)))
        };
        let mut inputs = BlockInputs::new(&program.graph, block);
        let mut channels = vec![Vec::new(); program.graph.outputs.len() * 2];
        for b in 0..blocks {
            inputs.cycle_gate_mut().fill((b / 4 + 1) as f32);
            for k in 0..kernels.len() {
                for slot in 0..kernels[k].imports().len() {
                    let node = kernels[k].imports()[slot];
                    let (source, source_slot) = find(&kernels, node).unwrap();
                    let samples = kernels[source].buffer(source_slot, block).to_vec();
                    kernels[k].import_mut(slot).copy_from_slice(&samples);
                }
                kernels[k].process(&inputs);
            }
            for (o, output) in program.graph.outputs.iter().enumerate() {
                for (side, node) in [output.left, output.right].into_iter().enumerate() {
                    let (k, slot) = find(&kernels, node).unwrap();
                    channels[o * 2 + side].extend_from_slice(kernels[k].buffer(slot, block));
                }
            }
        }
        channels
    }

    fn run_interpreter(program: &StagedProgram, blocks: usize, block: usize) -> Vec<Vec<f32>> {
        let mut interpreter = Interpreter::new(program, RATE, block);
        let mut inputs = BlockInputs::new(&program.graph, block);
        let mut out = OutputBuffers::new(&program.graph, block);
        let mut channels = vec![Vec::new(); program.graph.outputs.len() * 2];
        for b in 0..blocks {
            inputs.cycle_gate_mut().fill((b / 4 + 1) as f32);
            interpreter.process_block(&inputs, &mut out);
            for o in 0..program.graph.outputs.len() {
                let (left, right) = out.output(OutputId::new(o));
                channels[o * 2].extend_from_slice(left);
                channels[o * 2 + 1].extend_from_slice(right);
            }
        }
        channels
    }

    #[test]
    fn kernels_run_one_by_one_equal_the_whole_interpreter() {
        let programs = [
            "~lfo: sine 0.5\no1: saw 110 # lpf (~lfo * 800 + 900) 0.7\no2: square 55 * ~lfo\no3: sine 330 * 0.2",
            "~src: sine 440 * 0.5\n~echo: (~src + ~echo * 0.6) # delay 0.01 0 1 # hpf 300 0.5\nout: ~src * 0.3 + ~echo * 0.3\no2: ~echo # reverb 0.7 0.5 0.3",
            "~lfo: sine 5\nout: square 220 # adsr 0.01 0.02 0.5 0.01 # pan ~lfo\no2: noise # bpf 2000 4 * ~lfo",
        ];
        for source in programs {
            let program = compile_source(source);
            assert!(program.kernels.len() > 1, "{source} has one kernel");
            let expected = run_interpreter(&program, 20, 256);
            assert!(expected.iter().flatten().any(|&x| x != 0.0));
            assert_eq!(run_kernels(&program, 20, 256), expected, "{source}");
        }
    }

    #[test]
    fn reset_reproduces_a_kernels_output() {
        let program = compile_source("out: saw 110 # lpf 900 0.7 # delay 0.01 0.5 0.5");
        let mut kernel = KernelInterpreter::new(&program, KernelId(0), RATE, 64).unwrap();
        let inputs = BlockInputs::new(&program.graph, 64);
        let render = |kernel: &mut KernelInterpreter| {
            kernel.process(&inputs);
            let last = kernel.order.last().copied().unwrap();
            kernel.buffer(last, 64).to_vec()
        };
        let first = render(&mut kernel);
        assert_ne!(render(&mut kernel), first, "state carries over");
        kernel.reset();
        assert_eq!(render(&mut kernel), first);
    }

    #[test]
    fn an_unknown_kernel_is_none() {
        let program = compile_source("out: sine 440");
        assert!(KernelInterpreter::new(&program, KernelId(7), RATE, 64).is_none());
    }
}
