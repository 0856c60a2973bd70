//! Lowers one kernel, or up to four isomorphic kernels packed as lanes, to a
//! single block function. The block runs in chunks of 64 samples; within a
//! chunk, the kernel's phases (one stateful node each with the stateless
//! nodes that feed it, see `phases_of`) run one loop after another, each
//! with its own state in registers and the values a later phase reads
//! passed through a scratch slot. Not the choice of which kernels to pack
//! (see `pack_lanes`).

use crate::bounds::magnitude_bounds;
use crate::call::{Layout, NativeCode, CTX_CLOCK_OFFSET, CTX_FRAMES_OFFSET};
use crate::emit::{buffer_flags, ConstantPool, Emit};
use crate::interleave::{move_inputs, move_outputs, Transfer};
use crate::lanes::{LaneForm, Operand, Role};
use crate::node_state::NodeStateSlots;
use crate::nodes::{self, NodeState, OutputLine, SampleClock, LINE_SLOTS};
use crate::JitError;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, F32X4, I64};
use cranelift_codegen::ir::{
    AbiParam, Block, Function, InstBuilder, Signature, StackSlot, StackSlotData, StackSlotKind,
    UserFuncName, Value,
};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetFrontendConfig};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Module};
use phonon_ir::dsp::{NodeKind, CONTROL_PERIOD};
use phonon_ir::graph::{NodeId, Op};
use phonon_ir::interpret::noise_seed;
use std::ops::Range;
use std::time::{Duration, Instant};

/// Lanes of a packed function.
pub const PACK_WIDTH: usize = 4;

/// The host code generator: Cranelift's native ISA with `opt_level=speed`.
#[derive(Clone)]
pub struct JitModule {
    isa: OwnedTargetIsa,
    fma: bool,
    disassemble: bool,
}

impl std::fmt::Debug for JitModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitModule")
            .field("isa", &self.isa.name())
            .field("fma", &self.fma)
            .finish()
    }
}

/// What a kernel is compiled for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KernelOptions {
    /// Sample rate, Hz (folded into the code). Noise generators are seeded
    /// by node as the interpreter seeds them (`interpret::noise_seed`).
    pub rate: f32,
}

impl JitModule {
    /// Detects the host (AVX, AVX2, FMA, AVX-512 through
    /// `cranelift-native`) and sets it up for speed.
    pub fn host() -> Result<JitModule, JitError> {
        let mut flags = settings::builder();
        let settings = [
            ("opt_level", "speed"),
            ("is_pic", "false"),
            ("use_colocated_libcalls", "false"),
            (
                "enable_verifier",
                if cfg!(debug_assertions) {
                    "true"
                } else {
                    "false"
                },
            ),
        ];
        for (name, value) in settings {
            flags
                .set(name, value)
                .map_err(|e| JitError::Isa(format!("{name}={value}: {e}")))?;
        }
        let isa = cranelift_native::builder()
            .map_err(|e| JitError::Isa(e.to_string()))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::Isa(e.to_string()))?;
        let fma = isa
            .isa_flags()
            .iter()
            .any(|flag| flag.name == "has_fma" && flag.as_bool() == Some(true));
        Ok(JitModule {
            isa,
            fma,
            disassemble: false,
        })
    }

    /// Keeps the machine code of every function as text (see
    /// [`CompiledKernel::disassembly`]); costs compile time.
    pub fn with_disassembly(mut self, on: bool) -> JitModule {
        self.disassemble = on;
        self
    }

    /// Whether the host fuses multiply-add (the code uses `fma` if so).
    pub fn has_fma(&self) -> bool {
        self.fma
    }

    /// Compiles `lanes` (one kernel, or up to [`PACK_WIDTH`] of the same
    /// shape) into one block function; `packed` picks `f32x4` code even
    /// for one lane.
    pub fn compile(
        &self,
        lanes: &[LaneForm],
        packed: bool,
        options: KernelOptions,
    ) -> Result<CompiledKernel, JitError> {
        self.compile_fused(&[lanes.to_vec()], packed, options)
    }

    /// Compiles several lane groups (each one kernel or up to
    /// [`PACK_WIDTH`] isomorphic ones) into one function whose phase loops
    /// run the same phase of them all: their loop-carried chains are
    /// independent, so the CPU overlaps them. Keep it to two or three packed
    /// groups: Cranelift has 16 vector registers.
    pub fn compile_fused(
        &self,
        groups: &[Vec<LaneForm>],
        packed: bool,
        options: KernelOptions,
    ) -> Result<CompiledKernel, JitError> {
        let started = Instant::now();
        if groups.is_empty() {
            return Err(JitError::NoLanes);
        }
        let width = if packed || groups.iter().any(|lanes| lanes.len() > 1) {
            PACK_WIDTH
        } else {
            1
        };
        for lanes in groups {
            check_group(lanes, width)?;
        }
        let mut plans = Vec::with_capacity(groups.len());
        let mut slot_base = 0;
        for lanes in groups {
            let plan = StatePlan::new(lanes, width, options, slot_base);
            slot_base += plan.initial.len() / width;
            plans.push(plan);
        }
        let node_states = groups
            .iter()
            .zip(&plans)
            .flat_map(|(lanes, plan)| plan.node_states(lanes, width, options.rate))
            .collect();
        let mut initial: Vec<f32> = plans
            .iter()
            .flat_map(|p| p.initial.iter().copied())
            .collect();
        let in_memory: Vec<bool> = plans
            .iter()
            .flat_map(|p| p.in_memory.iter().copied())
            .collect();
        let mut signature = Signature::new(self.isa.default_call_conv());
        for _ in 0..4 {
            signature.params.push(AbiParam::new(I64));
        }
        let mut function = Function::with_name_signature(UserFuncName::default(), signature);
        let constants = build_function(
            &mut function,
            &FunctionPlan {
                groups,
                plans: &plans,
                in_memory: &in_memory,
                state_len: initial.len(),
                width,
            },
            self.fma,
            options.rate,
            self.isa.frontend_config(),
        )?;
        initial.extend(constants);
        let clif = function.display().to_string();

        let builder = JITBuilder::with_isa(self.isa.clone(), default_libcall_names());
        let mut module = JITModule::new(builder);
        let id = module
            .declare_anonymous_function(&function.signature)
            .map_err(|e| JitError::Codegen(e.to_string()))?;
        let mut context = Context::for_function(function);
        context.set_disasm(self.disassemble);
        module
            .define_function(id, &mut context)
            .map_err(|e| JitError::Codegen(format!("{e:?}")))?;
        let disassembly = if self.disassemble {
            context.compiled_code().and_then(|code| code.vcode.clone())
        } else {
            None
        };
        let layout = Layout {
            state_len: initial.len(),
            inputs: groups.iter().map(|g| g[0].inputs.len() * g.len()).sum(),
            outputs: groups.iter().map(|g| g[0].outputs.len() * g.len()).sum(),
        };
        let code =
            NativeCode::finish(module, id, layout).map_err(|e| JitError::Codegen(e.to_string()))?;
        Ok(CompiledKernel {
            code,
            groups: groups.to_vec(),
            node_states,
            width,
            initial_state: initial,
            clif,
            disassembly,
            compile_time: started.elapsed(),
        })
    }
}

/// Checks that a lane group can be one `width`-lane slice of a function.
fn check_group(lanes: &[LaneForm], width: usize) -> Result<(), JitError> {
    let first = lanes.first().ok_or(JitError::NoLanes)?;
    if lanes.len() > width {
        return Err(JitError::TooManyLanes(lanes.len()));
    }
    if let Some(odd) = lanes.iter().find(|lane| !first.same_shape(lane)) {
        return Err(JitError::NotIsomorphic {
            first: first.nodes.first().copied(),
            other: odd.nodes.first().copied(),
        });
    }
    for (position, role) in first.roles.iter().enumerate() {
        if let Role::Compute { op, .. } = role {
            if !nodes::supports(op) {
                return Err(JitError::Unsupported {
                    node: first.nodes[position],
                    op: op.name(),
                });
            }
        }
    }
    Ok(())
}

/// A compiled kernel (or packed group) with what a caller needs to run it.
#[derive(Debug)]
pub struct CompiledKernel {
    code: NativeCode,
    groups: Vec<Vec<LaneForm>>,
    /// Every node with state, and where it lies in the function's state.
    node_states: Vec<(NodeId, NodeStateSlots)>,
    width: usize,
    initial_state: Vec<f32>,
    clif: String,
    disassembly: Option<String>,
    compile_time: Duration,
}

impl CompiledKernel {
    /// The kernels this function computes: lane groups, one kernel per
    /// lane.
    pub fn groups(&self) -> &[Vec<LaneForm>] {
        &self.groups
    }

    /// Every node of the function that has state, and where that state
    /// lies in the function's state memory.
    pub fn node_states(&self) -> &[(NodeId, NodeStateSlots)] {
        &self.node_states
    }

    /// 1 for scalar code, [`PACK_WIDTH`] for `f32x4` code.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The state after `new`/`reset`; a caller keeps its own copy and
    /// passes it to every [`CompiledKernel::process`].
    pub fn initial_state(&self) -> Vec<f32> {
        self.initial_state.clone()
    }

    /// The nodes whose buffers `process` reads, in the order it wants them
    /// (group by group; within a group input slot by slot, lane by lane
    /// within a slot).
    pub fn input_nodes(&self) -> Vec<NodeId> {
        self.groups
            .iter()
            .flat_map(|lanes| {
                (0..lanes[0].inputs.len())
                    .flat_map(move |slot| lanes.iter().map(move |lane| lane.inputs[slot]))
            })
            .collect()
    }

    /// The nodes whose buffers `process` writes, in order (as for inputs).
    pub fn output_nodes(&self) -> Vec<NodeId> {
        self.groups
            .iter()
            .flat_map(|lanes| {
                lanes[0]
                    .outputs
                    .iter()
                    .flat_map(move |&position| lanes.iter().map(move |lane| lane.nodes[position]))
            })
            .collect()
    }

    /// The Cranelift IR of the function, before machine lowering.
    pub fn clif(&self) -> &str {
        &self.clif
    }

    /// The machine code as text, when the module was asked to keep it.
    pub fn disassembly(&self) -> Option<&str> {
        self.disassembly.as_deref()
    }

    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    /// Runs one block; buffers in the orders of [`Self::input_nodes`] and
    /// [`Self::output_nodes`], each at least `frames` long.
    pub fn process(
        &mut self,
        clock: u64,
        frames: usize,
        state: &mut [f32],
        inputs: &[&[f32]],
        outputs: &mut [&mut [f32]],
    ) -> Result<(), JitError> {
        self.code
            .run(clock, frames, state, inputs, outputs)
            .map_err(JitError::Call)
    }
}

impl CompiledKernel {
    /// Runs one block with every buffer in `arena` (see
    /// `NativeCode::run_in_arena`): offsets in the orders of
    /// [`Self::input_nodes`] and [`Self::output_nodes`].
    pub fn process_in_arena(
        &mut self,
        clock: u64,
        frames: usize,
        state: &mut [f32],
        arena: &mut [f32],
        inputs: &[usize],
        outputs: &[usize],
    ) -> Result<(), JitError> {
        self.code
            .run_in_arena(clock, frames, state, arena, inputs, outputs)
            .map_err(JitError::Call)
    }
}

/// Where each position's state slots live, and their initial values.
struct StatePlan {
    /// First slot of each position (meaningful where it has slots).
    base: Vec<usize>,
    count: Vec<usize>,
    /// Per slot of this group: kept in memory rather than in a register
    /// across samples.
    in_memory: Vec<bool>,
    /// This group's slots, `slot * width + lane`.
    initial: Vec<f32>,
}

/// Everything `build_function` lays out.
struct FunctionPlan<'p> {
    groups: &'p [Vec<LaneForm>],
    plans: &'p [StatePlan],
    /// Per slot of the whole function.
    in_memory: &'p [bool],
    /// State slots of the whole function times the width (the constant pool
    /// follows).
    state_len: usize,
    width: usize,
}

impl StatePlan {
    /// The state of every real lane's nodes (not the padding lanes of a
    /// packed function with fewer than `width` kernels).
    fn node_states(
        &self,
        lanes: &[LaneForm],
        width: usize,
        rate: f32,
    ) -> Vec<(NodeId, NodeStateSlots)> {
        lanes
            .iter()
            .enumerate()
            .flat_map(|(lane, form)| {
                form.nodes
                    .iter()
                    .enumerate()
                    .filter(|&(position, _)| self.count[position] > 0)
                    .map(move |(position, &node)| {
                        let lines = match &form.roles[position] {
                            Role::Compute {
                                op:
                                    Op::Dsp(
                                        kind @ (NodeKind::Delay
                                        | NodeKind::Reverb
                                        | NodeKind::Chorus),
                                    ),
                                ..
                            } => Some(*kind),
                            _ => None,
                        };
                        let slots = NodeStateSlots {
                            first: self.base[position],
                            count: self.count[position],
                            width,
                            lane,
                            lines,
                            rate,
                        };
                        (node, slots)
                    })
            })
            .collect()
    }

    /// The plan of one lane group whose slots start at `slot_base`.
    fn new(
        lanes: &[LaneForm],
        width: usize,
        options: KernelOptions,
        slot_base: usize,
    ) -> StatePlan {
        let positions = lanes[0].roles.len();
        let mut base = Vec::with_capacity(positions);
        let mut count = Vec::with_capacity(positions);
        let mut initial = Vec::new();
        let mut in_memory = Vec::new();
        for position in 0..positions {
            let per_lane: Vec<Vec<f32>> = (0..width)
                .map(|lane| {
                    let form = &lanes[lane.min(lanes.len() - 1)];
                    match &form.roles[position] {
                        Role::Compute { op, .. } => {
                            let seed = noise_seed(form.nodes[position]);
                            nodes::initial_state(op, options.rate, seed)
                        }
                        _ => Vec::new(),
                    }
                })
                .collect();
            let slots = per_lane[0].len();
            let memory = match &lanes[0].roles[position] {
                Role::Compute { op, .. } => nodes::memory_slots(op, options.rate),
                _ => 0,
            };
            in_memory.extend((0..slots).map(|slot| slot + memory >= slots));
            base.push(slot_base + initial.len() / width);
            count.push(slots);
            for slot in 0..slots {
                initial.extend(per_lane.iter().map(|values| values[slot]));
            }
        }
        StatePlan {
            base,
            count,
            in_memory,
            initial,
        }
    }
}

/// Samples per chunk: each phase loop runs over one chunk before the next
/// phase starts, so a value crossing phases needs this many scratch slots.
const CHUNK: usize = 64;

/// Splits a kernel's positions into phases, each loop of which holds fewer
/// values across samples than one fused loop would (Cranelift keeps 16
/// vector registers and spills the rest every sample): a cut after every
/// stateful node but the last, so each stateful node runs with the
/// stateless nodes that feed it. A kernel with a `Delay1` (a feedback
/// cycle) stays whole.
fn phases_of(form: &LaneForm, state: &StatePlan) -> Vec<Range<usize>> {
    let feedback = form
        .roles
        .iter()
        .any(|role| matches!(role, Role::Compute { op: Op::Delay1, .. }));
    let stateful: Vec<usize> = (0..form.roles.len())
        .filter(|&position| state.count[position] > 0)
        .collect();
    if feedback || stateful.len() < 2 {
        return vec![0..form.roles.len()];
    }
    let mut cuts: Vec<usize> = stateful[..stateful.len() - 1]
        .iter()
        .map(|&position| position + 1)
        .collect();
    cuts.push(form.roles.len());
    let mut start = 0;
    cuts.into_iter()
        .map(|end| {
            let range = start..end;
            start = end;
            range
        })
        .collect()
}

/// Per position: whether a later phase reads its (computed) value.
fn crossing_positions(form: &LaneForm, phases: &[Range<usize>]) -> Vec<bool> {
    let phase_of = |position: usize| phases.iter().position(|r| r.contains(&position));
    let mut crosses = vec![false; form.roles.len()];
    for (position, role) in form.roles.iter().enumerate() {
        if let Role::Compute { operands, .. } = role {
            for operand in operands {
                if let Operand::Node(p) = *operand {
                    let computed = matches!(form.roles[p], Role::Compute { .. });
                    if computed && phase_of(p) < phase_of(position) {
                        crosses[p] = true;
                    }
                }
            }
        }
    }
    crosses
}

/// The value of constant `position` in each of `width` lanes (the last
/// kernel's repeated in lanes without one), if it is a constant.
fn constant_lanes(lanes: &[LaneForm], width: usize, position: usize) -> Option<Vec<f32>> {
    (0..width)
        .map(
            |lane| match lanes[lane.min(lanes.len() - 1)].roles[position] {
                Role::Const(value) => Some(value),
                _ => None,
            },
        )
        .collect()
}

/// Whether constant `position` is read only as an oscillator's frequency:
/// then it and the phase step made from it are the same on every sample,
/// and may leave the loop.
fn only_oscillator_frequency(form: &LaneForm, position: usize) -> bool {
    use phonon_ir::dsp::NodeKind as K;
    let mut read = false;
    for role in &form.roles {
        if let Role::Compute { op, operands } = role {
            for (index, operand) in operands.iter().enumerate() {
                if *operand != Operand::Node(position) {
                    continue;
                }
                let oscillator = matches!(
                    op,
                    Op::Dsp(K::Sine | K::Saw | K::Square | K::Pulse | K::Tri)
                );
                if index != 0 || !oscillator {
                    return false;
                }
                read = true;
            }
        }
    }
    read && form.outputs.iter().all(|&output| output != position)
}

/// Whether position holds a `Mul` of a computed value (finite by
/// `nodes::always_finite`) and a constant of magnitude at most 1 in every
/// lane: a product that is finite, so it needs no check.
fn bounded_product(lanes: &[LaneForm], width: usize, position: usize) -> bool {
    let Role::Compute {
        op: Op::Mul,
        operands,
    } = &lanes[0].roles[position]
    else {
        return false;
    };
    let [Operand::Node(a), Operand::Node(b)] = operands[..] else {
        return false;
    };
    let small = |p: usize| {
        constant_lanes(lanes, width, p)
            .is_some_and(|values| values.iter().all(|value| value.abs() <= 1.0))
    };
    let finite = |p: usize| matches!(&lanes[0].roles[p], Role::Compute { op, .. } if nodes::always_finite(op));
    (small(a) && finite(b)) || (small(b) && finite(a))
}

/// Whether loop `phase` (see `phases_of`) runs a node with control-rate
/// work (see [`nodes::has_control_work`]) in any group.
fn phase_has_control_work(
    groups: &[Vec<LaneForm>],
    phases: &[Vec<Range<usize>>],
    phase: usize,
) -> bool {
    groups.iter().zip(phases).any(|(lanes, ranges)| {
        ranges.get(phase).is_some_and(|range| {
            lanes[0].roles[range.clone()]
                .iter()
                .any(|role| matches!(role, Role::Compute { op, .. } if nodes::has_control_work(op)))
        })
    })
}

/// Whether a scalar function may run four consecutive samples in the lanes
/// of an `f32x4` ("time-packed"): every node is stateless but `sine`s,
/// whose phases advance one sample at a time, and each group is one loop
/// (so no value crosses between loops). An LFO is the typical case.
fn time_packable(
    groups: &[Vec<LaneForm>],
    plans: &[StatePlan],
    phases: &[Vec<Range<usize>>],
) -> bool {
    use phonon_ir::dsp::NodeKind as K;
    phases.iter().all(|ranges| ranges.len() == 1)
        && groups.iter().zip(plans).all(|(lanes, state)| {
            lanes[0]
                .roles
                .iter()
                .zip(&state.count)
                .all(|(role, &slots)| match role {
                    Role::Compute { op, .. } => *op == Op::Dsp(K::Sine) || slots == 0,
                    Role::Const(_) | Role::Input(_) => true,
                })
        })
}

/// Whether every lane of a group reads input `slot` from one node (read
/// once and splat).
fn shared_input(lanes: &[LaneForm], slot: usize) -> bool {
    lanes
        .iter()
        .all(|lane| lane.inputs[slot] == lanes[0].inputs[slot])
}

/// Writes the block function for `lanes` into `function`.
fn build_function(
    function: &mut Function,
    plan: &FunctionPlan,
    fma: bool,
    rate: f32,
    frontend: TargetFrontendConfig,
) -> Result<Vec<f32>, JitError> {
    let mut builder_context = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(function, &mut builder_context);
    let flags = buffer_flags();
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    let (ctx, state_ptr, inputs_ptr, outputs_ptr) = (params[0], params[1], params[2], params[3]);
    let width = plan.width;
    let float = if width == 1 { F32 } else { F32X4 };

    let frames = b.ins().load(I64, flags, ctx, CTX_FRAMES_OFFSET);
    let clock = b.ins().load(I64, flags, ctx, CTX_CLOCK_OFFSET);
    // Each group's pointers follow the previous group's in the tables.
    let table = |b: &mut FunctionBuilder, base: Value, first: usize, slots: usize, lanes: usize| {
        (0..slots)
            .map(|slot| {
                (0..lanes)
                    .map(|lane| {
                        let offset = ((first + slot * lanes + lane) * 8) as i32;
                        b.ins().load(I64, flags, base, offset)
                    })
                    .collect()
            })
            .collect::<Vec<Vec<Value>>>()
    };
    let (mut first_input, mut first_output) = (0, 0);
    let mut tables = Vec::with_capacity(plan.groups.len());
    // A packed group's inputs (unless every lane reads one node) and
    // outputs go through interleaved scratch slots, moved a chunk at a
    // time (see `interleave`).
    let mut scratch = Vec::with_capacity(plan.groups.len());
    let (mut to_scratch, mut from_scratch) = (Vec::new(), Vec::new());
    for lanes in plan.groups {
        let (inputs, outputs) = (lanes[0].inputs.len(), lanes[0].outputs.len());
        let input_ptrs = table(&mut b, inputs_ptr, first_input, inputs, lanes.len());
        let output_ptrs = table(&mut b, outputs_ptr, first_output, outputs, lanes.len());
        let transfer = |b: &mut FunctionBuilder,
                        table: Value,
                        first: usize,
                        slot: usize,
                        list: &mut Vec<Transfer>| {
            let slot_data = StackSlotData::new(StackSlotKind::ExplicitSlot, CHUNK as u32 * 16, 4);
            let stack_slot = b.create_sized_stack_slot(slot_data);
            list.push(Transfer {
                table,
                entries: (0..lanes.len())
                    .map(|lane| ((first + slot * lanes.len() + lane) * 8) as i32)
                    .collect(),
                scratch: stack_slot,
            });
            Some(stack_slot)
        };
        let input_scratch: Vec<Option<StackSlot>> = (0..inputs)
            .map(|slot| {
                if width == 1 || shared_input(lanes, slot) {
                    return None;
                }
                transfer(&mut b, inputs_ptr, first_input, slot, &mut to_scratch)
            })
            .collect();
        let output_scratch: Vec<Option<StackSlot>> = (0..outputs)
            .map(|slot| {
                if width == 1 {
                    return None;
                }
                transfer(&mut b, outputs_ptr, first_output, slot, &mut from_scratch)
            })
            .collect();
        first_input += inputs * lanes.len();
        first_output += outputs * lanes.len();
        tables.push((input_ptrs, output_ptrs));
        scratch.push((input_scratch, output_scratch));
    }

    let slot_bytes = (width * 4) as i32;
    let state_vars: Vec<Option<Variable>> = (0..plan.state_len / width)
        .map(|slot| {
            if plan.in_memory[slot] {
                return None;
            }
            Some(b.declare_var(float))
        })
        .collect();
    // The constant pool is addressed through a pointer reloaded from the
    // stack each sample. Constants then load from a loop-varying address
    // and may be marked movable (so each load sits at its use and folds into
    // the instruction) without Cranelift hoisting them all out of the loop
    // into registers it does not have.
    let pool_slot =
        b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
    b.ins().stack_store(I64, state_ptr, pool_slot, 0);
    let counter = b.declare_var(I64);
    let chunk_start = b.declare_var(I64);
    let zero = b.ins().iconst(I64, 0);
    b.def_var(chunk_start, zero);

    // Each group's positions fall into phases (see `phases_of`); phase `j`
    // of every group runs in loop `j`, over one chunk of samples at a time,
    // values that later phases read passing through a scratch slot.
    let phases: Vec<Vec<Range<usize>>> = plan
        .groups
        .iter()
        .zip(plan.plans)
        .map(|(lanes, state)| phases_of(&lanes[0], state))
        .collect();
    let phase_count = phases.iter().map(Vec::len).max().unwrap_or(1);
    let bounds: Vec<Vec<Option<f32>>> = plan
        .groups
        .iter()
        .map(|lanes| magnitude_bounds(lanes))
        .collect();
    let scratch_stride = (width * 4) as u32;
    // Each band-limited oscillator's output line (see `nodes::OutputLine`).
    let lines: Vec<Vec<Option<StackSlot>>> = plan
        .groups
        .iter()
        .map(|lanes| {
            lanes[0]
                .roles
                .iter()
                .map(|role| match role {
                    Role::Compute {
                        op: Op::Dsp(kind), ..
                    } if nodes::has_output_line(*kind) => {
                        Some(b.create_sized_stack_slot(StackSlotData::new(
                            StackSlotKind::ExplicitSlot,
                            (CHUNK + LINE_SLOTS) as u32 * scratch_stride,
                            4,
                        )))
                    }
                    _ => None,
                })
                .collect()
        })
        .collect();

    // An oscillator's output line already holds its samples where a later
    // phase reads them.
    let crossings: Vec<Vec<Option<StackSlot>>> = plan
        .groups
        .iter()
        .zip(&phases)
        .zip(&lines)
        .map(|((lanes, ranges), lines)| {
            crossing_positions(&lanes[0], ranges)
                .into_iter()
                .zip(lines)
                .map(|(crosses, line)| {
                    crosses.then(|| {
                        line.unwrap_or_else(|| {
                            b.create_sized_stack_slot(StackSlotData::new(
                                StackSlotKind::ExplicitSlot,
                                CHUNK as u32 * scratch_stride,
                                4,
                            ))
                        })
                    })
                })
                .collect()
        })
        .collect();

    // The loops: per chunk, per phase a loop over the chunk's samples. A
    // phase with control-rate work has two straight-line copies of the
    // sample's code: with that work, once per control period, and without
    // it, in an inner loop over the period's other samples. Straight-line
    // bodies let Cranelift place every value next to its use instead of
    // holding it across a branch.
    let chunk_head = b.create_block();
    let exit = b.create_block();
    let empty = b.ins().icmp_imm_u(IntCC::Equal, frames, 0);
    b.ins().brif(empty, exit, &[], chunk_head, &[]);

    b.switch_to_block(chunk_head);
    let chunk_first = b.use_var(chunk_start);
    let chunk_full = b.ins().iadd_imm_u(chunk_first, CHUNK as i64);
    let short = b.ins().icmp(IntCC::UnsignedLessThan, frames, chunk_full);
    let chunk_end = b.ins().select(short, frames, chunk_full);
    // A chunk whose inputs hold still (between pattern steps) runs its own
    // copy of the loops, which reads each input once before them, so the
    // work on inputs alone (an oscillator's phase step) leaves the loop.
    let held_inputs = move_inputs(&mut b, &to_scratch, chunk_first, chunk_end);
    let time_packed = width == 1 && time_packable(plan.groups, plan.plans, &phases);
    let emit_lanes = if time_packed { PACK_WIDTH } else { width };
    let mut constants = ConstantPool::new((plan.state_len * 4) as i32, emit_lanes, state_ptr);
    let chunk_done = b.create_block();
    let variants: Vec<(bool, Block)> = match &held_inputs {
        Some(held) => {
            let (steady_loops, varying_loops) = (b.create_block(), b.create_block());
            b.ins()
                .brif(held.steady, steady_loops, &[], varying_loops, &[]);
            vec![(true, steady_loops), (false, varying_loops)]
        }
        None => {
            let loops = b.create_block();
            b.ins().jump(loops, &[]);
            vec![(false, loops)]
        }
    };
    for (steady, loops) in variants {
        b.seal_block(loops);
        b.switch_to_block(loops);
        let held: Vec<Vec<Option<Value>>> = scratch
            .iter()
            .map(|(input_scratch, _)| {
                input_scratch
                    .iter()
                    .map(|stack_slot| {
                        let stack_slot = stack_slot.filter(|_| steady)?;
                        let held = held_inputs.as_ref()?;
                        let (_, first) = held.first.iter().find(|(s, _)| *s == stack_slot)?;
                        Some(*first)
                    })
                    .collect()
            })
            .collect();
        for phase in 0..phase_count {
            // This phase's register state comes in before its loop and goes
            // back after it, so no loop holds another phase's state.
            let phase_slots: Vec<(usize, Variable)> = plan
                .plans
                .iter()
                .zip(&phases)
                .filter_map(|(state, ranges)| ranges.get(phase).map(|range| (state, range)))
                .flat_map(|(state, range)| {
                    range.clone().flat_map(move |position| {
                        state.base[position]..state.base[position] + state.count[position]
                    })
                })
                .filter_map(|slot| Some((slot, state_vars[slot]?)))
                .collect();
            for &(slot, var) in &phase_slots {
                let value = b
                    .ins()
                    .load(float, flags, state_ptr, slot as i32 * slot_bytes);
                b.def_var(var, value);
            }
            // Output lines: their state slots (after the phase) hold the
            // elements from this chunk's first sample on.
            let phase_lines: Vec<(StackSlot, usize)> = plan
                .plans
                .iter()
                .zip(&phases)
                .zip(&lines)
                .filter_map(|((state, ranges), lines)| Some((state, ranges.get(phase)?, lines)))
                .flat_map(|(state, range, lines)| {
                    range.clone().filter_map(move |position| {
                        Some((lines[position]?, state.base[position] + 1))
                    })
                })
                .collect();
            let element = scratch_stride as i32;
            for &(line, first_slot) in &phase_lines {
                for j in 0..LINE_SLOTS {
                    let at = (first_slot + j) as i32 * slot_bytes;
                    let value = b.ins().load(float, flags, state_ptr, at);
                    b.ins().stack_store(I64, value, line, j as i32 * element);
                }
            }
            b.def_var(counter, chunk_first);
            // A time-packed function runs four samples per iteration while
            // four remain, then one per iteration; any other, one.
            let passes: &[Option<usize>] = if time_packed {
                &[Some(PACK_WIDTH), Some(1)]
            } else {
                &[None]
            };
            for &time_steps in passes {
                let header = b.create_block();
                let plain_body = b.create_block();
                let latch = b.create_block();
                let after = b.create_block();
                b.ins().jump(header, &[]);

                b.switch_to_block(header);
                let i = b.use_var(counter);
                // A loop without control-rate work has one body and no test.
                // One with some runs the control sample's code at the start
                // of each control period, then an inner loop over the plain
                // samples up to the next control sample, which tests nothing
                // per sample.
                let mut plain_run: Option<(Block, Value)> = None;
                let bodies = if let Some(steps) = time_steps {
                    let last = b.ins().iadd_imm_u(i, steps as i64);
                    let fits = b
                        .ins()
                        .icmp(IntCC::UnsignedLessThanOrEqual, last, chunk_end);
                    b.ins().brif(fits, plain_body, &[], after, &[]);
                    vec![(plain_body, None)]
                } else if phase_has_control_work(plan.groups, &phases, phase) {
                    let control_body = b.create_block();
                    let run_check = b.create_block();
                    let n = b.ins().iadd(clock, i);
                    let low_bits = b.ins().band_imm_u(n, (CONTROL_PERIOD - 1) as i64);
                    let period_start = b.ins().isub(i, low_bits);
                    let next_control = b.ins().iadd_imm_u(period_start, CONTROL_PERIOD as i64);
                    let before_end = b
                        .ins()
                        .icmp(IntCC::UnsignedLessThan, next_control, chunk_end);
                    let run_end = b.ins().select(before_end, next_control, chunk_end);
                    let is_control = b.ins().icmp_imm_u(IntCC::Equal, low_bits, 0);
                    b.ins().brif(is_control, control_body, &[], run_check, &[]);
                    b.seal_block(control_body);
                    plain_run = Some((run_check, run_end));
                    vec![(control_body, Some(n))]
                } else {
                    b.ins().jump(plain_body, &[]);
                    vec![(plain_body, None)]
                };
                // A plain run's body is entered from its check, made below.
                if plain_run.is_none() {
                    b.seal_block(plain_body);
                }

                let samples: Vec<SampleCode> = plan
                    .groups
                    .iter()
                    .zip(plan.plans)
                    .zip(tables.iter().zip(&scratch).zip(&held))
                    .zip(phases.iter().zip(&crossings))
                    .zip(bounds.iter().zip(&lines))
                    .filter_map(
                        |(
                            (
                                (
                                    (lanes, state),
                                    (
                                        (
                                            (input_ptrs, output_ptrs),
                                            (input_scratch, output_scratch),
                                        ),
                                        held,
                                    ),
                                ),
                                (ranges, crossing),
                            ),
                            (bounds, lines),
                        )| {
                            Some(SampleCode {
                                lanes,
                                width,
                                input_ptrs,
                                output_ptrs,
                                input_scratch,
                                output_scratch,
                                held,
                                state,
                                in_memory: plan.in_memory,
                                state_vars: &state_vars,
                                slot_bytes,
                                rate,
                                range: ranges.get(phase)?.clone(),
                                crossing,
                                bounds,
                                lines,
                                time_steps,
                            })
                        },
                    )
                    .collect();
                let body = Body {
                    samples: &samples,
                    pool_slot,
                    chunk_first,
                    scratch_stride,
                    lanes: emit_lanes,
                    fma,
                };
                for (block, control_sample) in bodies {
                    b.switch_to_block(block);
                    let is_first = control_sample.map(|n| b.ins().icmp_imm_u(IntCC::Equal, n, 0));
                    body.emit(
                        &mut b,
                        &mut constants,
                        i,
                        &SampleClock { control: is_first },
                    )?;
                    match plain_run {
                        Some((run_check, _)) => {
                            let next = b.ins().iadd_imm_u(i, 1);
                            b.def_var(counter, next);
                            b.ins().jump(run_check, &[]);
                        }
                        None => {
                            b.ins().jump(latch, &[]);
                        }
                    }
                }
                if let Some((run_check, run_end)) = plain_run {
                    let run_done = latch;
                    b.switch_to_block(run_check);
                    let k = b.use_var(counter);
                    let more = b.ins().icmp(IntCC::UnsignedLessThan, k, run_end);
                    b.ins().brif(more, plain_body, &[], run_done, &[]);
                    b.seal_block(plain_body);
                    b.switch_to_block(plain_body);
                    body.emit(&mut b, &mut constants, k, &SampleClock { control: None })?;
                    let next = b.ins().iadd_imm_u(k, 1);
                    b.def_var(counter, next);
                    b.ins().jump(run_check, &[]);
                    b.seal_block(run_check);
                    b.seal_block(run_done);
                    b.switch_to_block(run_done);
                    b.def_var(counter, run_end);
                    let more = b.ins().icmp(IntCC::UnsignedLessThan, run_end, chunk_end);
                    b.ins().brif(more, header, &[], after, &[]);
                    b.seal_block(header);
                    b.seal_block(after);
                    b.switch_to_block(after);
                    continue;
                }
                b.seal_block(latch);

                b.switch_to_block(latch);
                let next = b.ins().iadd_imm_u(i, time_steps.unwrap_or(1) as i64);
                b.def_var(counter, next);
                if time_steps.is_some() {
                    b.ins().jump(header, &[]);
                } else {
                    let more = b.ins().icmp(IntCC::UnsignedLessThan, next, chunk_end);
                    b.ins().brif(more, header, &[], after, &[]);
                }
                b.seal_block(header);
                b.seal_block(after);
                b.switch_to_block(after);
            }
            for &(slot, var) in &phase_slots {
                let value = b.use_var(var);
                b.ins()
                    .store(flags, value, state_ptr, slot as i32 * slot_bytes);
            }
            let done = b.ins().isub(chunk_end, chunk_first);
            let done_bytes = b.ins().imul_imm_u(done, i64::from(scratch_stride));
            for &(line, first_slot) in &phase_lines {
                let start = b.ins().stack_addr(I64, line, 0);
                let next = b.ins().iadd(start, done_bytes);
                for j in 0..LINE_SLOTS {
                    let value = b.ins().load(float, flags, next, j as i32 * element);
                    let at = (first_slot + j) as i32 * slot_bytes;
                    b.ins().store(flags, value, state_ptr, at);
                }
            }
        }
        b.ins().jump(chunk_done, &[]);
    }
    b.seal_block(chunk_done);
    b.switch_to_block(chunk_done);
    move_outputs(&mut b, &from_scratch, chunk_first, chunk_end);
    b.def_var(chunk_start, chunk_end);
    let more = b.ins().icmp(IntCC::UnsignedLessThan, chunk_end, frames);
    b.ins().brif(more, chunk_head, &[], exit, &[]);
    b.seal_block(chunk_head);

    b.switch_to_block(exit);
    b.seal_block(exit);
    b.ins().return_(&[]);
    b.finalize(frontend);
    Ok(constants.values)
}

/// One copy of a loop's sample code: every group's [`SampleCode`] at the
/// sample the loop's counter names.
struct Body<'s, 'k> {
    samples: &'s [SampleCode<'k>],
    /// Holds the constant pool's pointer (see `pool_slot` in
    /// `build_function`).
    pool_slot: StackSlot,
    chunk_first: Value,
    scratch_stride: u32,
    lanes: usize,
    fma: bool,
}

impl Body<'_, '_> {
    /// Emits the code of sample `index`: the pool pointer reloaded from the
    /// stack, the sample's byte offsets, then each group's code.
    fn emit(
        &self,
        b: &mut FunctionBuilder,
        constants: &mut ConstantPool,
        index: Value,
        clock: &SampleClock,
    ) -> Result<(), JitError> {
        constants.pointer = b.ins().stack_load(I64, I64, self.pool_slot, 0);
        let in_chunk = b.ins().isub(index, self.chunk_first);
        let at = SampleAt {
            offset: b.ins().ishl_imm_u(index, 2),
            local: b.ins().imul_imm_u(in_chunk, i64::from(self.scratch_stride)),
        };
        let mut e = Emit {
            b,
            lanes: self.lanes,
            fma: self.fma,
            constants,
        };
        for sample in self.samples {
            sample.emit(&mut e, at, clock)?;
        }
        Ok(())
    }
}

/// Where one sample sits.
#[derive(Clone, Copy)]
struct SampleAt {
    /// Byte offset in every buffer.
    offset: Value,
    /// Byte offset in every scratch slot.
    local: Value,
}

/// The code of one sample: every node of the kernel in order, the `Delay1`
/// updates and the output stores.
struct SampleCode<'k> {
    lanes: &'k [LaneForm],
    width: usize,
    input_ptrs: &'k [Vec<Value>],
    output_ptrs: &'k [Vec<Value>],
    /// Per input slot, the interleaved scratch slot it is read from
    /// instead of its lane buffers, where it has one.
    input_scratch: &'k [Option<StackSlot>],
    /// Per output slot, the interleaved scratch slot it is written to.
    output_scratch: &'k [Option<StackSlot>],
    /// Per input slot, its value for the whole loop, where the chunk's
    /// inputs hold still (see `move_inputs`).
    held: &'k [Option<Value>],
    state: &'k StatePlan,
    /// Per slot of the whole function.
    in_memory: &'k [bool],
    state_vars: &'k [Option<Variable>],
    slot_bytes: i32,
    rate: f32,
    /// The positions this loop computes (one phase, see `phases_of`).
    range: Range<usize>,
    /// Per position, the scratch slot its value passes through to later
    /// phases.
    crossing: &'k [Option<StackSlot>],
    /// Per position, its magnitude bound (see `bounds`).
    bounds: &'k [Option<f32>],
    /// Per position, its output line's stack slot, if it has one.
    lines: &'k [Option<StackSlot>],
    /// In a time-packed function (see `time_packable`), how many
    /// consecutive samples this code computes: 4, or 1 in lane 0.
    time_steps: Option<usize>,
}

impl SampleCode<'_> {
    fn emit(&self, e: &mut Emit, at: SampleAt, sample_clock: &SampleClock) -> Result<(), JitError> {
        let (lanes, width, state, state_vars) =
            (self.lanes, self.width, self.state, self.state_vars);
        let (input_ptrs, output_ptrs, offset) = (self.input_ptrs, self.output_ptrs, at.offset);
        let (slot_bytes, rate, flags) = (self.slot_bytes, self.rate, buffer_flags());
        let form = &lanes[0];
        let lane_count = lanes.len();
        let same_node_in_every_lane = |slot: usize| shared_input(lanes, slot);
        let local = at.local;
        let (input_scratch, held) = (self.input_scratch, self.held);
        let mut loaded: Vec<Option<Value>> = vec![None; form.inputs.len()];
        let mut load_input = |e: &mut Emit, slot: usize| -> Value {
            if let Some(value) = loaded[slot] {
                return value;
            }
            let read = |e: &mut Emit, lane: usize| {
                let address = e.b.ins().iadd(input_ptrs[slot][lane], offset);
                // Inputs are never written during the call, so the load may
                // move to its first use instead of holding a register.
                let movable = flags.with_readonly().with_can_move();
                e.b.ins().load(F32, movable, address, 0)
            };
            let value = if let Some(steps) = self.time_steps {
                let address = e.b.ins().iadd(input_ptrs[slot][0], offset);
                let movable = flags.with_readonly().with_can_move();
                if steps == 1 {
                    let scalar = e.b.ins().load(F32, movable, address, 0);
                    e.b.ins().splat(F32X4, scalar)
                } else {
                    e.b.ins().load(F32X4, movable, address, 0)
                }
            } else if let Some(value) = held[slot] {
                value
            } else if let Some(stack_slot) = input_scratch[slot] {
                let address = e.b.ins().stack_addr(I64, stack_slot, 0);
                let address = e.b.ins().iadd(address, local);
                let movable = flags.with_readonly().with_can_move();
                e.b.ins().load(F32X4, movable, address, 0)
            } else if width == 1 {
                read(e, 0)
            } else if same_node_in_every_lane(slot) {
                let scalar = read(e, 0);
                e.b.ins().splat(F32X4, scalar)
            } else {
                let first = read(e, 0);
                let mut vector = e.b.ins().scalar_to_vector(F32X4, first);
                for lane in 1..width {
                    let scalar = if lane < lane_count {
                        read(e, lane)
                    } else {
                        first
                    };
                    vector = e.b.ins().insertlane(vector, scalar, lane as u8);
                }
                vector
            };
            loaded[slot] = Some(value);
            value
        };

        let mut values: Vec<Option<Value>> = vec![None; form.roles.len()];
        // Values of earlier phases: computed ones from their scratch slots;
        // constants and inputs are simply made again.
        let float = e.float_type();
        for (position, slot) in self.crossing[..self.range.start].iter().enumerate() {
            if let Some(slot) = slot {
                let address = e.b.ins().stack_addr(I64, *slot, 0);
                let address = e.b.ins().iadd(address, local);
                values[position] = Some(e.b.ins().load(float, flags, address, 0));
            }
        }
        for (position, role) in form.roles.iter().enumerate() {
            let earlier = position < self.range.start;
            if position >= self.range.end
                || (earlier && !matches!(role, Role::Const(_) | Role::Input(_)))
            {
                continue;
            }
            let value = match role {
                Role::Const(_) => {
                    let per_lane = constant_lanes(lanes, e.lanes, position).ok_or(
                        JitError::NotIsomorphic {
                            first: lanes[0].nodes.first().copied(),
                            other: None,
                        },
                    )?;
                    e.constants.hoisting = only_oscillator_frequency(form, position);
                    let value = e.per_lane(&per_lane);
                    e.constants.hoisting = false;
                    value
                }
                Role::Compute {
                    op: Op::Mul,
                    operands,
                } if bounded_product(lanes, width, position) => {
                    let operand = |operand: &Operand| match *operand {
                        Operand::Node(p) => values[p],
                        Operand::Input(_) => None,
                    };
                    let out_of_order = || JitError::OutOfOrder {
                        node: form.nodes[position],
                    };
                    let a = operand(&operands[0]).ok_or_else(out_of_order)?;
                    let b = operand(&operands[1]).ok_or_else(out_of_order)?;
                    e.mul(a, b)
                }
                Role::Input(slot) => load_input(e, *slot),
                Role::Compute { op, operands } => {
                    let args: Vec<Value> = if *op == Op::Delay1 {
                        Vec::new()
                    } else {
                        operands
                            .iter()
                            .map(|operand| match *operand {
                                Operand::Node(p) => values[p].ok_or(JitError::OutOfOrder {
                                    node: form.nodes[position],
                                }),
                                Operand::Input(slot) => Ok(load_input(e, slot)),
                            })
                            .collect::<Result<_, _>>()?
                    };
                    let slots = state.base[position]..state.base[position] + state.count[position];
                    let registers: Vec<Variable> =
                        slots.clone().filter_map(|slot| state_vars[slot]).collect();
                    let memory: Vec<i32> = slots
                        .filter(|&slot| self.in_memory[slot])
                        .map(|slot| slot as i32 * slot_bytes)
                        .collect();
                    let held_input = |slot: usize| self.held[slot].is_some();
                    let steady_first = match operands.first() {
                        Some(Operand::Input(slot)) => held_input(*slot),
                        Some(Operand::Node(p)) => match form.roles[*p] {
                            Role::Input(slot) => held_input(slot),
                            Role::Const(_) => only_oscillator_frequency(form, *p),
                            Role::Compute { .. } => false,
                        },
                        None => false,
                    };
                    let node_state = NodeState {
                        registers: &registers,
                        memory: &memory,
                        steady_first,
                        precise_sine: lanes.iter().any(|lane| lane.precise_sines[position]),
                        first_bound: match operands.first() {
                            Some(Operand::Node(p)) => self.bounds[*p],
                            _ => None,
                        },
                        time_steps: self.time_steps,
                        line: self.lines[position].map(|line| {
                            let start = e.b.ins().stack_addr(I64, line, 0);
                            OutputLine {
                                at: e.b.ins().iadd(start, local),
                                stride: (self.width * 4) as i32,
                            }
                        }),
                    };
                    nodes::lower(e, op, &args, &node_state, sample_clock, rate).ok_or_else(
                        || JitError::Unsupported {
                            node: form.nodes[position],
                            op: op.name(),
                        },
                    )?
                }
            };
            values[position] = Some(value);
            let written = self.lines[position].is_some();
            if let (false, false, Some(slot)) = (earlier, written, self.crossing[position]) {
                let address = e.b.ins().stack_addr(I64, slot, 0);
                let address = e.b.ins().iadd(address, local);
                e.b.ins().store(flags, value, address, 0);
            }
        }

        // Each `Delay1` remembers its input for the next sample (a kernel
        // with one is a single phase).
        for (position, role) in form
            .roles
            .iter()
            .enumerate()
            .filter(|(p, _)| self.range.contains(p))
        {
            if let Role::Compute {
                op: Op::Delay1,
                operands,
            } = role
            {
                let source = match operands.first() {
                    Some(Operand::Node(p)) => values[*p],
                    Some(Operand::Input(slot)) => Some(load_input(e, *slot)),
                    None => None,
                }
                .ok_or(JitError::OutOfOrder {
                    node: form.nodes[position],
                })?;
                let remembered = state_vars[state.base[position]].ok_or(JitError::OutOfOrder {
                    node: form.nodes[position],
                })?;
                e.b.def_var(remembered, source);
            }
        }

        for (slot, &position) in form.outputs.iter().enumerate() {
            if !self.range.contains(&position) {
                continue;
            }
            let value = values[position].ok_or(JitError::OutOfOrder {
                node: form.nodes[position],
            })?;
            if let Some(stack_slot) = self.output_scratch[slot] {
                let address = e.b.ins().stack_addr(I64, stack_slot, 0);
                let address = e.b.ins().iadd(address, local);
                e.b.ins().store(flags, value, address, 0);
                continue;
            }
            for (lane, &pointer) in output_ptrs[slot].iter().enumerate() {
                let scalar = if self.time_steps == Some(1) {
                    e.b.ins().extractlane(value, 0)
                } else if width == 1 {
                    value
                } else {
                    e.b.ins().extractlane(value, lane as u8)
                };
                let address = e.b.ins().iadd(pointer, offset);
                e.b.ins().store(flags, scalar, address, 0);
            }
        }

        Ok(())
    }
}

impl CompiledKernel {
    /// The native code alone, for a caller that keeps the state and buffers
    /// elsewhere (`program::StagedFunctions`).
    pub(crate) fn into_native(self) -> NativeCode {
        self.code
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::test_forms::{compute, form};
    use phonon_ir::dsp::NodeKind as K;

    fn packable(groups: &[Vec<LaneForm>]) -> bool {
        let plans: Vec<StatePlan> = groups
            .iter()
            .map(|lanes| StatePlan::new(lanes, 1, KernelOptions { rate: 44_100.0 }, 0))
            .collect();
        let phases: Vec<Vec<Range<usize>>> = groups
            .iter()
            .zip(&plans)
            .map(|(lanes, plan)| phases_of(&lanes[0], plan))
            .collect();
        time_packable(groups, &plans, &phases)
    }

    #[test]
    fn an_lfo_and_stateless_chains_run_four_samples_a_step() {
        let lfo = form(vec![
            Role::Input(0),
            compute(Op::Dsp(K::Sine), &[0]),
            Role::Const(500.0),
            compute(Op::Mul, &[1, 2]),
            compute(Op::Dsp(K::Tanh), &[3]),
        ]);
        let stateless = form(vec![Role::Input(0), compute(Op::Dsp(K::Tanh), &[0])]);
        assert!(packable(&[vec![lfo], vec![stateless]]));
    }

    #[test]
    fn other_state_or_two_loops_keep_one_sample_a_step() {
        let saw = form(vec![Role::Const(110.0), compute(Op::Dsp(K::Saw), &[0])]);
        assert!(
            !packable(&[vec![saw]]),
            "a saw's line runs sample by sample"
        );
        let two_sines = form(vec![
            Role::Const(3.0),
            compute(Op::Dsp(K::Sine), &[0]),
            compute(Op::Dsp(K::Sine), &[1]),
        ]);
        assert!(
            !packable(&[vec![two_sines]]),
            "two sines are two loops, a value crossing between them"
        );
    }
}
