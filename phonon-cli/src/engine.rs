//! `--engine`: which engine renders a program, and the JIT's fallback to the
//! reference interpreter when Cranelift cannot compile for this machine.

use phonon_ir::graph::StagedProgram;
use phonon_runtime::jit_engine::JitEngine;
use phonon_runtime::schedule::{Compiled, Scheduler};

/// Which engine runs the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// Native code compiled with Cranelift (falls back to the interpreter,
    /// with a note, if it cannot compile for this machine).
    Jit,
    /// The reference interpreter, the oracle the JIT is tested against.
    Interp,
}

/// The compiled engine for `program`, or `None` (after saying why on
/// stderr) when the interpreter has to render it.
pub fn compile_jit(program: &StagedProgram, rate: u32, max_block: usize) -> Option<JitEngine> {
    match JitEngine::new(program, rate, max_block) {
        Ok(engine) => Some(engine),
        Err(error) => {
            eprintln!("note: rendering with the interpreter: {error}");
            None
        }
    }
}

/// The compiled program on the stage scheduler with `threads` threads, or
/// `None` (after saying why on stderr) when the interpreter has to run it.
pub fn compile_scheduled(
    program: &StagedProgram,
    rate: u32,
    max_block: usize,
    threads: usize,
) -> Option<Scheduler<Compiled>> {
    match Scheduler::compiled(program, rate, max_block, threads) {
        Ok(scheduler) => Some(scheduler),
        Err(error) => {
            eprintln!("note: measuring the interpreter: {error}");
            None
        }
    }
}
