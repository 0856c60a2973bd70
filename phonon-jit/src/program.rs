//! A whole staged program as native code: every lane group of
//! `pack_lanes` compiled, its state and one arena of block buffers allocated
//! up front, and the functions run in stage order. It fills no buffer
//! itself: the engine renders the external inputs (controls, voices, cycle
//! gates) into [`JitProgram::buffer_mut`] before each block.

use crate::kernel::{CompiledKernel, JitModule, KernelOptions};
use crate::lanes::LaneForm;
use crate::pack_lanes::{fuse_groups, pack_lanes, packing_summary, LaneGroup, GROUPS_PER_FUNCTION};
use crate::JitError;
use phonon_ir::graph::{NodeId, StagedProgram};
use std::fmt::Write;
use std::time::Duration;

/// One compiled function with its state and where its buffers live.
#[derive(Debug)]
struct Function {
    kernel: CompiledKernel,
    state: Vec<f32>,
    inputs: Vec<usize>,
    outputs: Vec<usize>,
}

/// A compiled program; see the module docs.
#[derive(Debug)]
pub struct JitProgram {
    functions: Vec<Function>,
    /// Per function, its lane groups.
    groups: Vec<Vec<LaneGroup>>,
    summary: String,
    /// Every buffer a function reads or writes, `max_frames` apart.
    arena: Vec<f32>,
    /// Arena offset of each node's buffer, where it has one.
    buffer_of: Vec<Option<usize>>,
    external: Vec<NodeId>,
    max_frames: usize,
    clock: u64,
}

impl JitProgram {
    /// Compiles every kernel of `staged`, packing isomorphic ones when
    /// `pack`; blocks may be up to `max_frames` long.
    pub fn compile(
        jit: &JitModule,
        staged: &StagedProgram,
        options: KernelOptions,
        pack: bool,
        max_frames: usize,
    ) -> Result<JitProgram, JitError> {
        let groups = fuse_groups(pack_lanes(staged, pack), GROUPS_PER_FUNCTION);
        let summary = packing_summary(staged, &groups);
        let kernels = groups
            .iter()
            .map(|function| {
                let forms: Vec<Vec<LaneForm>> =
                    function.iter().map(|group| group.forms.clone()).collect();
                jit.compile_fused(&forms, function[0].packed(), options)
            })
            .collect::<Result<Vec<_>, _>>()?;

        let node_count = staged.graph.nodes.len();
        let mut buffer_of: Vec<Option<usize>> = vec![None; node_count];
        let mut produced = vec![false; node_count];
        let mut next = 0;
        let mut place = |id: NodeId, buffer_of: &mut Vec<Option<usize>>| -> usize {
            *buffer_of[id.index()].get_or_insert_with(|| {
                next += max_frames;
                next - max_frames
            })
        };
        let mut functions = Vec::with_capacity(kernels.len());
        for kernel in kernels {
            let outputs: Vec<usize> = kernel
                .output_nodes()
                .into_iter()
                .map(|id| {
                    produced[id.index()] = true;
                    place(id, &mut buffer_of)
                })
                .collect();
            let inputs = kernel
                .input_nodes()
                .into_iter()
                .map(|id| place(id, &mut buffer_of))
                .collect();
            functions.push(Function {
                state: kernel.initial_state(),
                kernel,
                inputs,
                outputs,
            });
        }
        let external = (0..node_count)
            .filter(|&i| buffer_of[i].is_some() && !produced[i])
            .map(NodeId::new)
            .collect();
        Ok(JitProgram {
            functions,
            groups,
            summary,
            arena: vec![0.0; next],
            buffer_of,
            external,
            max_frames,
            clock: 0,
        })
    }

    /// The nodes whose buffers the engine must fill before each block.
    pub fn external_inputs(&self) -> &[NodeId] {
        &self.external
    }

    /// A node's block buffer (`max_frames` long), if any function reads or
    /// writes it.
    pub fn buffer(&self, node: NodeId) -> Option<&[f32]> {
        let start = (*self.buffer_of.get(node.index())?)?;
        Some(&self.arena[start..start + self.max_frames])
    }

    pub fn buffer_mut(&mut self, node: NodeId) -> Option<&mut [f32]> {
        let start = (*self.buffer_of.get(node.index())?)?;
        Some(&mut self.arena[start..start + self.max_frames])
    }

    /// Runs every function for one block of `frames` samples; allocates
    /// nothing.
    pub fn process(&mut self, frames: usize) -> Result<(), JitError> {
        let frames = frames.min(self.max_frames);
        for function in &mut self.functions {
            function.kernel.process_in_arena(
                self.clock,
                frames,
                &mut function.state,
                &mut self.arena,
                &function.inputs,
                &function.outputs,
            )?;
        }
        self.clock += frames as u64;
        Ok(())
    }

    /// Back to the state after `compile`.
    pub fn reset(&mut self) {
        for function in &mut self.functions {
            function
                .state
                .copy_from_slice(&function.kernel.initial_state());
        }
        self.arena.fill(0.0);
        self.clock = 0;
    }

    /// Per function, the lane groups it runs.
    pub fn groups(&self) -> &[Vec<LaneGroup>] {
        &self.groups
    }

    /// One line per function: which kernels, scalar or packed.
    pub fn packing_summary(&self) -> &str {
        &self.summary
    }

    /// Time spent in Cranelift, summed over the functions.
    pub fn compile_time(&self) -> Duration {
        self.functions.iter().map(|f| f.kernel.compile_time()).sum()
    }

    /// The packing summary followed by each function's Cranelift IR.
    pub fn clif_text(&self) -> String {
        let mut text = self.summary.clone();
        for (f, function) in self.functions.iter().enumerate() {
            let _ = write!(text, "\n; f{f}\n{}", function.kernel.clif());
        }
        text
    }
}

/// `phonon emit-ir --stage clif`: the packing and the Cranelift IR of every
/// function of `staged`, compiled for the host.
pub fn clif_text(
    staged: &StagedProgram,
    options: KernelOptions,
    pack: bool,
) -> Result<String, JitError> {
    let jit = JitModule::host()?;
    let program = JitProgram::compile(&jit, staged, options, pack, 1)?;
    Ok(program.clif_text())
}
