//! A whole staged program as native code: every lane group of
//! `pack_lanes` compiled, its state and one arena of block buffers allocated
//! up front, and the functions run in stage order. It fills no buffer
//! itself: the engine renders the external inputs (controls, voices, cycle
//! gates) into [`JitProgram::buffer_mut`] before each block.

use crate::call::{HostAccess, StageRunner, StageTicket, StagedFunction};
use crate::kernel::{CompiledKernel, JitModule, KernelOptions};
use crate::lanes::LaneForm;
use crate::node_state::NodeStateSlots;
use crate::pack_lanes::{fuse_groups, pack_lanes, packing_summary, LaneGroup, GROUPS_PER_FUNCTION};
use crate::JitError;
use phonon_ir::graph::{NodeId, StagedProgram};
use std::fmt::Write;
use std::ops::Range;
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

impl JitProgram {
    /// The same program, its functions runnable stage by stage from several
    /// threads at once (see [`StagedFunctions`]); state and buffers as they
    /// are now.
    pub fn into_staged(self) -> Result<StagedFunctions, JitError> {
        let compile_time = self.compile_time();
        let mut stages: Vec<Range<usize>> = Vec::new();
        let mut initial_states = Vec::with_capacity(self.functions.len());
        let mut functions = Vec::with_capacity(self.functions.len());
        let mut node_states = vec![None; self.buffer_of.len()];
        for (index, function) in self.functions.iter().enumerate() {
            for &(node, slots) in function.kernel.node_states() {
                if let Some(entry) = node_states.get_mut(node.index()) {
                    *entry = Some((index, slots));
                }
            }
        }
        for (index, (function, groups)) in self.functions.into_iter().zip(&self.groups).enumerate()
        {
            let stage = groups.first().map_or(0, |group| group.stage.index());
            // Functions come in stage order (`pack_lanes`); a stage with no
            // function keeps an empty range.
            while stages.len() <= stage {
                stages.push(index..index);
            }
            stages[stage].end = index + 1;
            initial_states.push(function.kernel.initial_state());
            functions.push(StagedFunction {
                code: function.kernel.into_native(),
                state: function.state,
                inputs: function.inputs,
                outputs: function.outputs,
                stage,
            });
        }
        let arena_len = self.arena.len();
        let runner =
            StageRunner::new(functions, arena_len, self.max_frames).map_err(JitError::Stage)?;
        if let Some(mut host) = runner.host() {
            host.arena_mut().copy_from_slice(&self.arena);
        }
        Ok(StagedFunctions {
            runner,
            stages,
            initial_states,
            groups: self.groups,
            summary: self.summary,
            buffer_of: self.buffer_of,
            node_states,
            external: self.external,
            compile_time,
        })
    }
}

/// A compiled program whose functions the caller runs itself, stage by
/// stage, the functions of a stage on any threads at once: the scheduler's
/// form of [`JitProgram`]. The caller fills the external inputs and reads
/// the outputs through [`StagedFunctions::host`] between stages.
#[derive(Debug)]
pub struct StagedFunctions {
    runner: StageRunner,
    /// Per stage of the program, its functions.
    stages: Vec<Range<usize>>,
    initial_states: Vec<Vec<f32>>,
    groups: Vec<Vec<LaneGroup>>,
    summary: String,
    buffer_of: Vec<Option<usize>>,
    /// Per node with state: its function and where its state lies there.
    node_states: Vec<Option<(usize, NodeStateSlots)>>,
    external: Vec<NodeId>,
    compile_time: Duration,
}

impl StagedFunctions {
    /// Per stage, the functions that compute it.
    pub fn stages(&self) -> &[Range<usize>] {
        &self.stages
    }

    /// Per function, its lane groups (so its kernels).
    pub fn groups(&self) -> &[Vec<LaneGroup>] {
        &self.groups
    }

    pub fn external_inputs(&self) -> &[NodeId] {
        &self.external
    }

    /// Where node `node`'s state lies: its function and slots; `None` for
    /// a node without state.
    pub fn node_state(&self, node: NodeId) -> Option<(usize, NodeStateSlots)> {
        *self.node_states.get(node.index())?
    }

    pub fn packing_summary(&self) -> &str {
        &self.summary
    }

    /// Time spent in Cranelift, summed over the functions.
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    pub fn max_frames(&self) -> usize {
        self.runner.max_frames()
    }

    /// Opens (or joins) stage `stage` to run its functions; `None` while
    /// another stage or the host holds the program.
    pub fn enter(&self, stage: usize) -> Option<StageTicket<'_>> {
        self.runner.enter(stage)
    }

    /// Every buffer, by node, while no function runs; `None` while a stage
    /// is open.
    pub fn host(&self) -> Option<ProgramHost<'_>> {
        Some(ProgramHost {
            access: self.runner.host()?,
            program: self,
        })
    }
}

/// The caller's hold on a [`StagedFunctions`] between stages.
pub struct ProgramHost<'a> {
    access: HostAccess<'a>,
    program: &'a StagedFunctions,
}

impl ProgramHost<'_> {
    /// A node's block buffer (`max_frames` long), if any function reads or
    /// writes it.
    pub fn buffer(&self, node: NodeId) -> Option<&[f32]> {
        let start = (*self.program.buffer_of.get(node.index())?)?;
        self.access.buffer(start)
    }

    pub fn buffer_mut(&mut self, node: NodeId) -> Option<&mut [f32]> {
        let start = (*self.program.buffer_of.get(node.index())?)?;
        self.access.buffer_mut(start)
    }

    /// Hot swap: copies the running state of node `there` of `old` (another
    /// program, held by its host too) into node `here` of this one, leaving
    /// `old`'s as it is. Returns `false`, changing nothing, when either node
    /// has no state or their layouts differ (the node then starts fresh).
    /// Allocates nothing.
    pub fn copy_node_state(
        &mut self,
        here: NodeId,
        old: &mut ProgramHost<'_>,
        there: NodeId,
    ) -> bool {
        let (Some((function, slots)), Some((old_function, old_slots))) =
            (self.program.node_state(here), old.program.node_state(there))
        else {
            return false;
        };
        match (
            self.access.state_mut(function),
            old.access.state_mut(old_function),
        ) {
            (Some(to), Some(from)) => slots.copy_from(to, &old_slots, from),
            _ => false,
        }
    }

    /// Back to the state after `compile`: every state initial, every buffer
    /// silent.
    pub fn reset(&mut self) {
        for (function, initial) in self.program.initial_states.iter().enumerate() {
            if let Some(state) = self.access.state_mut(function) {
                state.copy_from_slice(initial);
            }
        }
        self.access.arena_mut().fill(0.0);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::StageError;

    fn compiled(source: &str) -> JitProgram {
        let parsed = phonon_syntax::parse(source);
        let staged = phonon_ir::compile(&parsed.program).staged.unwrap();
        let jit = JitModule::host().unwrap();
        JitProgram::compile(&jit, &staged, KernelOptions { rate: 44_100.0 }, false, 64).unwrap()
    }

    /// The runner's functions as `into_staged` would hand them over.
    fn staged_functions(program: JitProgram) -> (Vec<StagedFunction>, usize) {
        let arena = program.arena.len();
        let functions = program
            .functions
            .into_iter()
            .zip(&program.groups)
            .map(|(f, groups)| StagedFunction {
                code: f.kernel.into_native(),
                state: f.state,
                inputs: f.inputs,
                outputs: f.outputs,
                stage: groups[0].stage.index(),
            })
            .collect();
        (functions, arena)
    }

    #[test]
    fn a_function_reading_what_another_of_its_stage_writes_is_refused() {
        let program = compiled("~lfo: sine 2\no1: saw 110 * ~lfo\no2: saw 220 * ~lfo\n");
        let (mut functions, arena) = staged_functions(program);
        let stage = functions.last().unwrap().stage;
        let writer = functions.iter().position(|f| f.stage == stage).unwrap();
        let reader = functions.len() - 1;
        assert_ne!(writer, reader);
        // As it compiled: the two outputs share no buffer.
        let written = functions[writer].outputs[0];
        let (ok, _) = staged_functions(compiled(
            "~lfo: sine 2\no1: saw 110 * ~lfo\no2: saw 220 * ~lfo\n",
        ));
        assert!(StageRunner::new(ok, arena, 64).is_ok());
        functions[reader].inputs[0] = written + 10;
        assert!(matches!(
            StageRunner::new(functions, arena, 64),
            Err(StageError::Overlap { .. })
        ));
    }

    #[test]
    fn buffers_outside_the_arena_are_refused() {
        let (mut functions, arena) = staged_functions(compiled("o1: saw 110 * 0.1\n"));
        functions[0].outputs[0] = arena - 10;
        assert!(matches!(
            StageRunner::new(functions, arena, 64),
            Err(StageError::OutsideArena { function: 0 })
        ));
    }

    #[test]
    fn the_gate_keeps_stages_and_the_host_apart() {
        let program = compiled("~lfo: sine 2\no1: saw 110 * ~lfo\no2: saw 220 * ~lfo\n")
            .into_staged()
            .unwrap();
        assert!(program.stages().len() >= 2);
        let last = program.stages().len() - 1;
        let in_last = program.stages()[last].start;
        let first = program.enter(0).unwrap();
        let second = program.enter(0).unwrap();
        assert!(program.enter(last).is_none(), "one stage at a time");
        assert!(program.host().is_none(), "no host while a stage runs");
        assert!(matches!(
            first.run(in_last, 0, 64),
            Err(StageError::WrongStage { .. })
        ));
        assert!(matches!(
            first.run(program.stages()[0].start, 0, 65),
            Err(StageError::LongBlock { .. })
        ));
        first.run(program.stages()[0].start, 0, 64).unwrap();
        drop(first);
        assert!(program.host().is_none(), "the second ticket still holds");
        drop(second);
        let host = program.host().unwrap();
        assert!(program.enter(0).is_none(), "no stage while the host holds");
        drop(host);
        assert!(program.enter(last).unwrap().run(in_last, 0, 64).is_ok());
    }
}
