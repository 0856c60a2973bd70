//! Code generation for Phonon: lowers the kernels of a staged program to
//! native block functions with Cranelift, one fused sample loop per kernel,
//! isomorphic kernels packed four to an `f32x4`. It never touches threads or
//! audio devices; the engine that calls these functions lives in
//! `phonon-runtime`.
//!
//! `unsafe` is denied everywhere except [`call`], the one module that calls
//! generated code (see its docs for the ABI and the invariants).

#![deny(unsafe_code)]

mod bounds;
#[allow(unsafe_code)]
pub mod call;
mod delay_lines;
mod emit;
mod emit_dynamics;
mod interleave;
pub mod kernel;
pub mod lanes;
pub mod node_state;
pub mod nodes;
pub mod pack_lanes;
mod phase_inputs;
pub mod program;

pub use call::{BlockCtx, CallError, HostAccess, Layout, StageError, StageRunner, StageTicket};
pub use kernel::{CompiledKernel, JitModule, KernelOptions, PACK_WIDTH};
pub use lanes::LaneForm;
pub use node_state::NodeStateSlots;
pub use pack_lanes::{fuse_groups, pack_lanes, packing_summary, LaneGroup};
pub use program::{clif_text, JitProgram, ProgramHost, StagedFunctions};

use phonon_ir::graph::NodeId;

/// Why a kernel could not be compiled or run.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    #[error("the host instruction set is not usable: {0}")]
    Isa(String),
    #[error("no code generation yet for `{op}` (node {node})")]
    Unsupported { node: NodeId, op: String },
    #[error("a kernel group needs at least one kernel")]
    NoLanes,
    #[error("{0} lanes do not fit one f32x4 function")]
    TooManyLanes(usize),
    #[error(
        "kernels starting at {first:?} and {other:?} differ in shape and cannot share a function"
    )]
    NotIsomorphic {
        first: Option<NodeId>,
        other: Option<NodeId>,
    },
    #[error("node {node} reads a value its kernel has not computed yet")]
    OutOfOrder { node: NodeId },
    #[error("Cranelift failed: {0}")]
    Codegen(String),
    #[error("call refused: {0}")]
    Call(CallError),
    #[error("functions cannot run stage by stage: {0}")]
    Stage(StageError),
}
