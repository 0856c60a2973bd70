//! The engine a live program renders on: native code compiled with
//! Cranelift (`phonon run`'s default) or the reference interpreter, both on
//! the stage scheduler, and how node state crosses a swap between two of
//! the same kind. Compiling happens where the engine is built, on the
//! control thread; the swap only copies or trades state.

use crate::engine::Engine;
use crate::schedule::{Compiled, Interpreted, Scheduler};
use phonon_ir::graph::{NodeId, StagedProgram};
use phonon_ir::interpret::{BlockInputs, OutputBuffers};
use phonon_jit::JitError;

/// Which engine renders a live program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EngineKind {
    /// Compiled kernels (a program the JIT cannot compile yet falls back
    /// to the interpreter).
    #[default]
    Jit,
    /// The reference interpreter.
    Interp,
}

/// A live program's engine; see the module docs.
pub enum LiveEngine {
    Compiled(Scheduler<Compiled>),
    Interpreted(Scheduler<Interpreted>),
}

impl LiveEngine {
    /// `program` on the interpreter, on `threads` threads.
    pub fn interpreted(
        program: &StagedProgram,
        rate: u32,
        max_block: usize,
        threads: usize,
    ) -> LiveEngine {
        LiveEngine::Interpreted(Scheduler::new(program, rate, max_block, threads.max(1)))
    }

    /// `program` compiled to native code, on `threads` threads; fails when
    /// a node has no code generation yet.
    pub fn compiled(
        program: &StagedProgram,
        rate: u32,
        max_block: usize,
        threads: usize,
    ) -> Result<LiveEngine, JitError> {
        Scheduler::compiled(program, rate, max_block, threads.max(1)).map(LiveEngine::Compiled)
    }

    /// The engine `kind` names, or the interpreter with the reason when the
    /// JIT cannot compile `program`.
    pub fn build(
        kind: EngineKind,
        program: &StagedProgram,
        rate: u32,
        max_block: usize,
        threads: usize,
    ) -> (LiveEngine, Option<JitError>) {
        let interpreted = || LiveEngine::interpreted(program, rate, max_block, threads);
        match kind {
            EngineKind::Interp => (interpreted(), None),
            EngineKind::Jit => match LiveEngine::compiled(program, rate, max_block, threads) {
                Ok(engine) => (engine, None),
                Err(error) => (interpreted(), Some(error)),
            },
        }
    }

    pub fn kind(&self) -> EngineKind {
        match self {
            LiveEngine::Compiled(_) => EngineKind::Jit,
            LiveEngine::Interpreted(_) => EngineKind::Interp,
        }
    }

    /// Hot swap from `old`, of the same kind (otherwise nothing crosses):
    /// the state of `moved` pairs (`(node here, node in old)`) is taken
    /// from `old`, which has no further use for it, and that of `copied`
    /// pairs is copied, `old` still playing it while it fades out. Compiled
    /// state is copied either way, and the sample clock continues. Returns
    /// whether the state crossed. Allocates nothing.
    pub fn carry_state(
        &mut self,
        old: &mut LiveEngine,
        moved: &[(NodeId, NodeId)],
        copied: &[(NodeId, NodeId)],
    ) -> bool {
        match (self, old) {
            (LiveEngine::Interpreted(new), LiveEngine::Interpreted(old)) => {
                new.copy_state(old, copied);
                new.adopt_state(old, moved);
                true
            }
            (LiveEngine::Compiled(new), LiveEngine::Compiled(old)) => {
                new.copy_state(old, copied);
                new.copy_state(old, moved);
                true
            }
            _ => false,
        }
    }
}

impl Engine for LiveEngine {
    fn process_block(&mut self, inputs: &BlockInputs, out: &mut OutputBuffers) {
        match self {
            LiveEngine::Compiled(engine) => engine.process_block(inputs, out),
            LiveEngine::Interpreted(engine) => engine.process_block(inputs, out),
        }
    }

    fn process_and_mix(
        &mut self,
        inputs: &BlockInputs,
        out: &mut OutputBuffers,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        match self {
            LiveEngine::Compiled(engine) => engine.process_and_mix(inputs, out, left, right),
            LiveEngine::Interpreted(engine) => engine.process_and_mix(inputs, out, left, right),
        }
    }

    fn reset(&mut self) {
        match self {
            LiveEngine::Compiled(engine) => engine.reset(),
            LiveEngine::Interpreted(engine) => engine.reset(),
        }
    }
}
