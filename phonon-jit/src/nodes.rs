//! Per-sample code for each graph operation: how many state slots it keeps,
//! what they start at, and the instructions for one sample. Each node here
//! restates, in Cranelift instructions, the reference node of
//! `phonon_ir::dsp` named in its doc line; the differential tests in
//! `tests/nodes.rs` hold the two together. Not the loop around the nodes
//! (see `kernel`).

use crate::delay_lines;
use crate::emit::{buffer_flags, Emit};
use crate::emit_dynamics::{self, Segments};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::F32X4;
use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_frontend::Variable;
use phonon_ir::dsp::{svf, NodeKind, CONTROL_PERIOD};
use phonon_ir::graph::Op;

/// Whether the code generator has code for an operation.
pub fn supports(op: &Op) -> bool {
    use NodeKind as K;
    match op {
        Op::Dsp(kind) => !matches!(kind, K::Pan),
        _ => true,
    }
}

/// Whether the code of `op` outputs a finite value whatever its inputs
/// (each of these replaces a non-finite result by 0, or cannot make one).
pub fn always_finite(op: &Op) -> bool {
    use NodeKind as K;
    match op {
        Op::Add | Op::Sub | Op::Mul | Op::Div => true,
        Op::Dsp(kind) => matches!(
            kind,
            K::Sine
                | K::Saw
                | K::Square
                | K::Pulse
                | K::Tri
                | K::Noise
                | K::Pink
                | K::Lpf
                | K::Hpf
                | K::Bpf
                | K::Notch
                | K::Rlpf
                | K::Rhpf
                | K::Gain
                | K::Clip
                | K::Tanh
                | K::Distortion
                | K::Mtof
                | K::Line
                | K::Lag
                | K::Bitcrush
        ),
        _ => false,
    }
}

/// The state slots an operation keeps between samples (each slot is one
/// `f32` per lane), and their values after `new`/`reset`. `seed` feeds the
/// noise generators.
pub fn initial_state(op: &Op, rate: f32, seed: u64) -> Vec<f32> {
    use NodeKind as K;
    match op {
        Op::Delay1 => vec![0.0],
        Op::Dsp(kind) => match kind {
            K::Sine | K::Line => vec![0.0],
            // phase, then the output line's slots 0..4 (slot 4 is always
            // empty between samples).
            K::Saw | K::Square | K::Pulse | K::Tri => vec![0.0; 1 + LINE_SLOTS],
            K::Noise => vec![f32::from_bits(xorshift_start(seed))],
            K::Pink => {
                let mut state = vec![0.0; 8];
                state[0] = f32::from_bits(xorshift_start(seed));
                state
            }
            K::Lpf | K::Hpf | K::Bpf | K::Notch | K::Rlpf | K::Rhpf => {
                let (g, k) = svf::coefficients(rate, 1000.0, 0.707);
                // ic1, ic2, g, k, g_step, k_step
                vec![0.0, 0.0, g, k, 0.0, 0.0]
            }
            // countdown, held value
            K::Bitcrush => vec![0.0, 0.0],
            // last output, and 1 once there is one
            K::Lag => vec![0.0, 0.0],
            K::Delay | K::Reverb | K::Chorus => delay_lines::initial_state(*kind, rate),
            K::Adsr | K::Ad | K::Ar => emit_dynamics::ENVELOPE_INITIAL.to_vec(),
            // the gain reduction in dB
            K::Compressor => vec![0.0],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// How many of an operation's last state slots live in memory instead of
/// registers: values read every sample but written rarely (the SVF's glide
/// steps, set once per control period), which would otherwise hold a vector
/// register through the whole loop, delay lines (see `delay_lines`), and
/// the output lines of band-limited oscillators (see [`OutputLine`]).
pub fn memory_slots(op: &Op, rate: f32) -> usize {
    use NodeKind as K;
    match op {
        Op::Dsp(K::Lpf | K::Hpf | K::Bpf | K::Notch | K::Rlpf | K::Rhpf) => 2,
        Op::Dsp(kind) if has_output_line(*kind) => LINE_SLOTS,
        Op::Dsp(kind @ (K::Delay | K::Reverb | K::Chorus)) => {
            delay_lines::memory_slots(*kind, rate)
        }
        _ => 0,
    }
}

/// Whether `kind` is a band-limited oscillator, with an [`OutputLine`].
pub(crate) fn has_output_line(kind: NodeKind) -> bool {
    use NodeKind as K;
    matches!(kind, K::Saw | K::Square | K::Pulse | K::Tri)
}

/// Whether the code of `op` does work on control samples only (see
/// [`SampleClock`]): the SVF family's coefficients.
pub(crate) fn has_control_work(op: &Op) -> bool {
    use NodeKind as K;
    matches!(
        op,
        Op::Dsp(K::Lpf | K::Hpf | K::Bpf | K::Notch | K::Rlpf | K::Rhpf)
    )
}

/// A node's state as its code sees it.
pub(crate) struct NodeState<'s> {
    /// Variables of the register slots, in slot order.
    pub registers: &'s [Variable],
    /// Byte offsets in the state memory of the memory slots, in order.
    pub memory: &'s [i32],
    /// The first argument (an oscillator's frequency) is the same on every
    /// sample of this loop, so the work on it alone may leave the loop.
    pub steady_first: bool,
    /// A `sine` computes its sine in `f64` (see `phase_inputs`).
    pub precise_sine: bool,
    /// A bound on the magnitude of the first argument (a filter's signal
    /// input) in every lane, where its kernel guarantees one (see
    /// `bounds`).
    pub first_bound: Option<f32>,
    /// A band-limited oscillator's output line (see [`blep_osc`]).
    pub line: Option<OutputLine>,
    /// In a time-packed function, how many consecutive samples the lanes
    /// hold (see `kernel::time_packable`): 4, or 1 in lane 0. The state
    /// stays scalar.
    pub time_steps: Option<usize>,
}

/// Where a band-limited oscillator keeps its output line during a loop: an
/// array in the stack frame, one vector per output sample of the chunk and
/// [`LINE_SLOTS`] more, that holds sample `i` at `i` slot strides from its
/// start. Before the loop the line's state slots fill its first
/// [`LINE_SLOTS`] elements; after it, they take the last ones back.
#[derive(Clone, Copy)]
pub(crate) struct OutputLine {
    /// The address of this sample's element.
    pub at: Value,
    /// Bytes per element (one vector).
    pub stride: i32,
}

/// How many of a band-limited oscillator's state slots (after its phase)
/// hold its output line between blocks.
pub(crate) const LINE_SLOTS: usize = 4;

/// The xorshift32 state after seeding, as `osc::Noise` seeds it: the seed
/// through SplitMix64's finaliser, low bit forced so the state is nonzero.
pub fn xorshift_start(seed: u64) -> u32 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z as u32) | 1
}

/// What one sample's code may ask about time.
pub(crate) struct SampleClock {
    /// On a control sample (absolute index a multiple of
    /// [`CONTROL_PERIOD`]): a scalar `i8`, true when the index is 0. `None`
    /// on every other sample, and on every sample of a loop without a node
    /// that [`has_control_work`] (which must name every node that reads it).
    pub control: Option<Value>,
}

/// Emits one sample of `op`; `args` are its inputs' values this sample and
/// `state` its slots' variables. Returns the output value, or `None` for an
/// operation this module has no code for (see [`supports`]; constants and
/// external buffers are materialised by the kernel, not here).
pub(crate) fn lower(
    e: &mut Emit,
    op: &Op,
    args: &[Value],
    node_state: &NodeState,
    clock: &SampleClock,
    rate: f32,
) -> Option<Value> {
    let state = node_state.registers;
    let value = match op {
        // An overflow is contained where it happens, as in the reference:
        // an infinite output would make the master limiter silence the mix.
        Op::Add => {
            let sum = e.add(args[0], args[1]);
            e.finite_or_zero(sum)
        }
        Op::Sub => {
            let difference = e.sub(args[0], args[1]);
            e.finite_or_zero(difference)
        }
        Op::Mul => {
            let product = e.mul(args[0], args[1]);
            e.finite_or_zero(product)
        }
        Op::Div => {
            let quotient = e.div(args[0], args[1]);
            e.finite_or_zero(quotient)
        }
        Op::Neg => e.neg(args[0]),
        Op::Delay1 => e.b.use_var(state[0]),
        Op::PanLeft | Op::PanRight => pan(e, args[0], args[1], matches!(op, Op::PanLeft)),
        Op::Dsp(kind) => dsp(e, *kind, args, node_state, clock, rate)?,
        Op::Const(_) | Op::Control(_) | Op::Voices(..) | Op::CycleGate => return None,
    };
    Some(value)
}

fn dsp(
    e: &mut Emit,
    kind: NodeKind,
    args: &[Value],
    node_state: &NodeState,
    clock: &SampleClock,
    rate: f32,
) -> Option<Value> {
    use NodeKind as K;
    let state = node_state.registers;
    let dt = |e: &mut Emit| phase_step(e, args[0], rate, node_state.steady_first);
    let value = match kind {
        K::Sine => {
            let dt = dt(e);
            sine(e, dt, state, node_state.precise_sine, node_state.time_steps)
        }
        K::Saw => {
            let dt = dt(e);
            blep_osc(e, dt, Shape::Saw, state[0], node_state.line?)
        }
        K::Square => {
            let dt = dt(e);
            let (width, next) = (e.splat(0.5), e.splat(1.5));
            blep_osc(
                e,
                dt,
                Shape::Pulse { width, next },
                state[0],
                node_state.line?,
            )
        }
        K::Pulse => {
            let dt = dt(e);
            let width = e.clamp_finite(args[1], 0.0, 1.0);
            let one = e.splat(1.0);
            let next = e.add(one, width);
            blep_osc(
                e,
                dt,
                Shape::Pulse { width, next },
                state[0],
                node_state.line?,
            )
        }
        K::Tri => {
            let dt = dt(e);
            blep_osc(e, dt, Shape::Tri, state[0], node_state.line?)
        }
        K::Noise => noise(e, state),
        K::Pink => pink(e, state),
        K::Lpf | K::Rlpf => svf_tick(e, args, svf::FilterMode::Lowpass, node_state, clock, rate),
        K::Hpf | K::Rhpf => svf_tick(e, args, svf::FilterMode::Highpass, node_state, clock, rate),
        K::Bpf => svf_tick(e, args, svf::FilterMode::Bandpass, node_state, clock, rate),
        K::Notch => svf_tick(e, args, svf::FilterMode::Notch, node_state, clock, rate),
        K::Gain => {
            let y = e.mul(args[0], args[1]);
            e.finite_or_zero(y)
        }
        K::Clip => clip(e, args[0], args[1], args[2]),
        K::Tanh => {
            let y = e.tanh(args[0]);
            e.finite_or_zero(y)
        }
        K::Distortion => distortion(e, args[0], args[1], args[2]),
        K::Bitcrush => bitcrush(e, args[0], args[1], args[2], state),
        K::Line => line(e, args[0], args[1], args[2], state, rate),
        K::Lag => lag(e, args[0], args[1], state, rate),
        K::Mtof => {
            let semitones = e.add_const(args[0], -69.0);
            let octaves = e.mul_const(semitones, 1.0 / 12.0);
            let ratio = e.exp2(octaves);
            let hz = e.mul_const(ratio, 440.0);
            e.finite_or_zero(hz)
        }
        K::Delay => delay_lines::delay(e, args, node_state, rate),
        K::Reverb => delay_lines::reverb(e, args, node_state, rate),
        K::Chorus => delay_lines::chorus(e, args, node_state, rate),
        K::Adsr | K::Ad | K::Ar => {
            let segments = match kind {
                K::Adsr => Segments {
                    attack: args[1],
                    decay: args[2],
                    sustain: args[3],
                    release: args[4],
                    one_shot: false,
                },
                K::Ad => Segments {
                    attack: args[1],
                    decay: args[2],
                    sustain: e.splat(0.0),
                    release: e.splat(0.0),
                    one_shot: true,
                },
                _ => Segments {
                    attack: args[1],
                    decay: e.splat(0.0),
                    sustain: e.splat(1.0),
                    release: args[2],
                    one_shot: false,
                },
            };
            emit_dynamics::envelope(e, args[0], &segments, state, rate)
        }
        K::Compressor => emit_dynamics::compressor(e, args, node_state, rate),
        K::Pan => return None,
    };
    Some(value)
}

/// Phase increment per sample: `osc::phase_step`. With a `steady`
/// frequency its constants load from a loop-invariant address, so the
/// clamp and the division run once before the loop.
fn phase_step(e: &mut Emit, freq: Value, rate: f32, steady: bool) -> Value {
    e.constants.hoisting = steady;
    let freq = e.clamp_finite(freq, 0.0, rate * 0.5);
    let rate = e.splat(rate);
    let dt = e.div(freq, rate);
    e.constants.hoisting = false;
    dt
}

/// `phase + dt`, wrapped back into `0..1` as the oscillators do.
fn wrap_phase(e: &mut Emit, advanced: Value) -> Value {
    let wrapped = e.add_const(advanced, -1.0);
    let past_end = e.compare_const(FloatCC::GreaterThanOrEqual, advanced, 1.0);
    e.select(past_end, wrapped, advanced)
}

/// `osc::Sine`, advancing by the phase step `dt`; `precise` picks the `f64`
/// sine over the `f32` one.
fn sine(
    e: &mut Emit,
    dt: Value,
    state: &[Variable],
    precise: bool,
    time_steps: Option<usize>,
) -> Value {
    if let Some(steps) = time_steps {
        return time_packed_sine(e, dt, state[0], precise, steps);
    }
    let phase = e.b.use_var(state[0]);
    // `TAU * phase` rounded to f32 first, as the reference does.
    let radians = e.mul_const(phase, std::f32::consts::TAU);
    let y = if precise {
        e.sin_radians_f64(radians)
    } else {
        e.sin_radians_f32(radians)
    };
    let advanced = e.add(phase, dt);
    let next = wrap_phase(e, advanced);
    e.b.def_var(state[0], next);
    y
}

/// [`sine`] over `steps` consecutive samples, lane `k` sample `k` (`dt` per
/// sample likewise): the scalar phase advances one sample at a time, as the
/// reference's does, and one vector sine serves them all.
fn time_packed_sine(
    e: &mut Emit,
    dt: Value,
    phase_var: Variable,
    precise: bool,
    steps: usize,
) -> Value {
    let mut phase = e.b.use_var(phase_var);
    let one = e.b.ins().f32const(1.0);
    let mut phases = Vec::with_capacity(steps);
    for step in 0..steps {
        phases.push(phase);
        let step_dt = e.b.ins().extractlane(dt, step as u8);
        let advanced = e.b.ins().fadd(phase, step_dt);
        let wrapped = e.b.ins().fsub(advanced, one);
        let past_end = e.b.ins().fcmp(FloatCC::GreaterThanOrEqual, advanced, one);
        phase = e.b.ins().select(past_end, wrapped, advanced);
    }
    e.b.def_var(phase_var, phase);
    let mut lanes = e.b.ins().scalar_to_vector(F32X4, phases[0]);
    for lane in 1..e.lanes {
        let value = phases[lane.min(steps - 1)];
        lanes = e.b.ins().insertlane(lanes, value, lane as u8);
    }
    let radians = e.mul_const(lanes, std::f32::consts::TAU);
    if precise {
        e.sin_radians_f64(radians)
    } else {
        e.sin_radians_f32(radians)
    }
}

/// The naive waveform of a band-limited oscillator.
#[derive(Clone, Copy)]
enum Shape {
    Saw,
    /// With its (already clamped) width, and the next period's falling
    /// edge, `1 + width`.
    Pulse {
        width: Value,
        next: Value,
    },
    Tri,
}

/// A discontinuity: where in the phase, whether the value or the slope
/// jumps, and by how much.
struct Jump {
    at: Place,
    corner: bool,
    height: Value,
}

/// Where a jump sits in the phase, which decides its test: the reference
/// asks `phase < at <= advanced`, and as the phase is always in `0..1` the
/// first half holds for any `at >= 1`.
#[derive(Clone, Copy)]
enum Place {
    /// In `0..=1`.
    Within(Value),
    /// At 1: crossed exactly when the phase wraps.
    End,
    /// At or beyond 1, in the next period.
    Beyond(Value),
}

/// `osc::BlepOsc::tick` for one of the shapes: naive value into the line,
/// advance by the phase step `dt`, every crossed jump's residual into slots
/// 1..4, pop slot 0. Slot `j` is the line's element `j` strides on from
/// this sample's, so the line moves on by itself as the samples do, where
/// slots held in variables would be copied along on every sample.
fn blep_osc(e: &mut Emit, dt: Value, shape: Shape, phase_var: Variable, line: OutputLine) -> Value {
    let phase = e.b.use_var(phase_var);
    let flags = buffer_flags();
    let float = e.float_type();
    let slot_offset = |j: usize| j as i32 * line.stride;
    // Slot 4 starts empty.
    let zero = e.splat(0.0);
    e.b.ins()
        .store(flags, zero, line.at, slot_offset(LINE_SLOTS));

    let (naive, jumps) = match shape {
        Shape::Saw => {
            let twice = e.mul_const(phase, 2.0);
            let naive = e.add_const(twice, -1.0);
            let height = e.splat(-2.0);
            (
                naive,
                vec![Jump {
                    at: Place::End,
                    corner: false,
                    height,
                }],
            )
        }
        Shape::Pulse { width, next } => {
            let below = e.compare(FloatCC::LessThan, phase, width);
            let (high, low) = (e.splat(1.0), e.splat(-1.0));
            let naive = e.select(below, high, low);
            let (down, up) = (e.splat(-2.0), e.splat(2.0));
            let jumps = vec![
                Jump {
                    at: Place::Within(width),
                    corner: false,
                    height: down,
                },
                Jump {
                    at: Place::End,
                    corner: false,
                    height: up,
                },
                Jump {
                    at: Place::Beyond(next),
                    corner: false,
                    height: down,
                },
            ];
            (naive, jumps)
        }
        Shape::Tri => {
            let rising = e.mul_const(phase, 4.0);
            let four = e.splat(4.0);
            let two = e.splat(2.0);
            let falling = e.sub(two, rising);
            let rising_again = e.sub(rising, four);
            let first = e.compare_const(FloatCC::LessThan, phase, 0.25);
            let middle = e.compare_const(FloatCC::LessThan, phase, 0.75);
            let naive = e.select(middle, falling, rising_again);
            let naive = e.select(first, rising, naive);
            let bend = e.mul_const(dt, 8.0);
            let minus_bend = e.neg(bend);
            let corners = [
                (Place::Within(e.splat(0.25)), minus_bend),
                (Place::Within(e.splat(0.75)), bend),
                (Place::Beyond(e.splat(1.25)), minus_bend),
            ];
            let jumps = corners
                .into_iter()
                .map(|(at, height)| Jump {
                    at,
                    corner: true,
                    height,
                })
                .collect();
            (naive, jumps)
        }
    };

    let pending = e.b.ins().load(float, flags, line.at, slot_offset(2));
    let with_naive = e.add(pending, naive);
    e.b.ins().store(flags, with_naive, line.at, slot_offset(2));
    let advanced = e.add(phase, dt);
    let wraps = e.compare_const(FloatCC::GreaterThanOrEqual, advanced, 1.0);
    let crossings: Vec<Value> = jumps
        .iter()
        .map(|jump| match jump.at {
            Place::Within(at) => {
                let after_start = e.compare(FloatCC::LessThan, phase, at);
                let reached = e.compare(FloatCC::LessThanOrEqual, at, advanced);
                e.and_masks(after_start, reached)
            }
            Place::End => wraps,
            Place::Beyond(at) => e.compare(FloatCC::LessThanOrEqual, at, advanced),
        })
        .collect();
    // A jump is crossed, and the phase wraps, about once a period: the
    // residuals and the wrap are computed in a block that most samples
    // branch around (so no mask lives past it), the others just keep the
    // advanced phase.
    let mut any = crossings[0];
    for &crossed in &crossings[1..] {
        any = e.b.ins().bor(any, crossed);
    }
    if !jumps.iter().any(|jump| matches!(jump.at, Place::End)) {
        any = e.b.ins().bor(any, wraps);
    }
    let any = e.any_lane(any);
    e.b.def_var(phase_var, advanced);
    let correct = e.b.create_block();
    let join = e.b.create_block();
    e.b.ins().brif(any, correct, &[], join, &[]);
    e.b.seal_block(correct);
    e.b.switch_to_block(correct);
    // The block finds each crossing (and the wrap) again, as the sign of a
    // difference, the same as each compare above for these finite
    // values, but not merged with it: so no mask lives across the branch,
    // where Cranelift would store it to the stack on every sample.
    let reached =
        |e: &mut Emit, past: Value| e.compare_const(FloatCC::GreaterThanOrEqual, past, 0.0);
    let wrapped = e.add_const(advanced, -1.0);
    let wraps_here = reached(e, wrapped);
    for jump in &jumps {
        let (past, crossed) = match jump.at {
            Place::End => (wrapped, wraps_here),
            Place::Within(at) => {
                let past = e.sub(advanced, at);
                let reached_at = reached(e, past);
                let ahead = e.sub(at, phase);
                let after_start = e.compare_const(FloatCC::GreaterThan, ahead, 0.0);
                (past, e.and_masks(after_start, reached_at))
            }
            Place::Beyond(at) => {
                let past = e.sub(advanced, at);
                (past, reached(e, past))
            }
        };
        let since = e.div(past, dt);
        let since = e.clamp_finite(since, 0.0, 1.0);
        let residuals = if jump.corner {
            blamp_residuals(e, since)
        } else {
            blep_residuals(e, since)
        };
        for (j, residual) in (1..=LINE_SLOTS).zip(residuals) {
            let slot = e.b.ins().load(float, flags, line.at, slot_offset(j));
            let scaled = e.mul(jump.height, residual);
            let added = e.add(slot, scaled);
            let slot = e.select(crossed, added, slot);
            e.b.ins().store(flags, slot, line.at, slot_offset(j));
        }
    }
    let next_phase = e.select(wraps_here, wrapped, advanced);
    e.b.def_var(phase_var, next_phase);
    e.b.ins().jump(join, &[]);
    e.b.seal_block(join);
    e.b.switch_to_block(join);

    // Pop: the sample finished two steps ago leaves; the line moves on.
    // The reference resets on a non-finite output, which cannot happen
    // here: the naive value is within ±1, `dt` and the width are clamped,
    // `since` is clamped to 0..1 (a NaN reads as 0), so every residual and
    // height is bounded and the line stays finite.
    e.b.ins().load(float, flags, line.at, slot_offset(0))
}

/// `osc::blep_residual` at `x - 2, x - 1, x, x + 1` for `x` in `0..=1`: one
/// polynomial piece per slot (the piece boundaries fall on the ends of the
/// slot's range, where the pieces agree, except at `x = 1` for the second
/// slot, where the reference takes the next piece).
fn blep_residuals(e: &mut Emit, x: Value) -> [Value; 4] {
    let x2 = e.mul(x, x);
    let x3 = e.mul(x2, x);
    let x4 = e.mul(x2, x2);
    let first = e.mul_const(x4, 1.0 / 24.0);

    // Second slot: t = x - 1 in -1..0.
    let t = e.add_const(x, -1.0);
    let t2 = e.mul(t, t);
    let t3 = e.mul(t2, t);
    let t4 = e.mul(t2, t2);
    let half = e.splat(0.5);
    let acc = e.fma_const(t, 2.0 / 3.0, half);
    let acc = e.fma_const(t3, -1.0 / 3.0, acc);
    let second = e.fma_const(t4, -1.0 / 8.0, acc);
    let at_end = e.compare_const(FloatCC::Equal, x, 1.0);
    let minus_half = e.splat(-0.5);
    let second = e.select(at_end, minus_half, second);

    // Third slot: x in 0..1.
    let acc = e.fma_const(x, -2.0 / 3.0, half);
    let acc = e.fma_const(x3, 1.0 / 3.0, acc);
    let acc = e.fma_const(x4, -1.0 / 8.0, acc);
    let third = e.neg(acc);

    // Fourth slot: u = 1 - x.
    let one = e.splat(1.0);
    let u = e.sub(one, x);
    let u2 = e.mul(u, u);
    let u4 = e.mul(u2, u2);
    let fourth = e.mul_const(u4, -1.0 / 24.0);
    [first, second, third, fourth]
}

/// `osc::blamp_residual` at `x - 2, x - 1, x, x + 1` for `x` in `0..=1`
/// (continuous, so each slot is one piece).
fn blamp_residuals(e: &mut Emit, x: Value) -> [Value; 4] {
    let outer = |e: &mut Emit, u: Value| {
        let u2 = e.mul(u, u);
        let u4 = e.mul(u2, u2);
        let u5 = e.mul(u4, u);
        e.mul_const(u5, 1.0 / 120.0)
    };
    let inner = |e: &mut Emit, a: Value| {
        let a2 = e.mul(a, a);
        let a4 = e.mul(a2, a2);
        let a5 = e.mul(a4, a);
        let base = e.splat(7.0 / 30.0);
        let acc = e.fma_const(a, -0.5, base);
        let acc = e.fma_const(a2, 1.0 / 3.0, acc);
        let acc = e.fma_const(a4, -1.0 / 12.0, acc);
        e.fma_const(a5, 1.0 / 40.0, acc)
    };
    let one = e.splat(1.0);
    let mirrored = e.sub(one, x);
    let first = outer(e, x);
    let second = inner(e, mirrored);
    let third = inner(e, x);
    let fourth = outer(e, mirrored);
    [first, second, third, fourth]
}

/// One xorshift32 step on the state in `slot`; returns `-1..1` like
/// `XorShift32::next_bipolar`.
fn xorshift_bipolar(e: &mut Emit, slot: Variable) -> Value {
    let bits = e.b.use_var(slot);
    let mut x = e.bitcast_to_int(bits);
    let shifted = e.int_shl(x, 13);
    x = e.int_xor(x, shifted);
    let shifted = e.int_ushr(x, 17);
    x = e.int_xor(x, shifted);
    let shifted = e.int_shl(x, 5);
    x = e.int_xor(x, shifted);
    let stored = e.bitcast_to_float(x);
    e.b.def_var(slot, stored);
    let top = e.int_ushr(x, 8);
    let top = e.int_to_float(top);
    let unit = e.mul_const(top, 1.0 / (1u32 << 23) as f32);
    e.add_const(unit, -1.0)
}

/// `osc::Noise`.
fn noise(e: &mut Emit, state: &[Variable]) -> Value {
    xorshift_bipolar(e, state[0])
}

/// `osc::Pink`: Kellet's six one-poles plus the direct terms.
fn pink(e: &mut Emit, state: &[Variable]) -> Value {
    const POLES: [(f32, f32); 6] = [
        (0.99886, 0.0555179),
        (0.99332, 0.0750759),
        (0.96900, 0.153852),
        (0.86650, 0.3104856),
        (0.55000, 0.5329522),
        (-0.7616, -0.0168980),
    ];
    let white = xorshift_bipolar(e, state[0]);
    let mut sum = e.b.use_var(state[7]);
    for (i, (pole, gain)) in POLES.into_iter().enumerate() {
        let previous = e.b.use_var(state[1 + i]);
        let driven = e.mul_const(white, gain);
        let next = e.fma_const(previous, pole, driven);
        let next = e.flush_denormal(next);
        e.b.def_var(state[1 + i], next);
        sum = e.add(sum, next);
    }
    let pink = e.fma_const(white, 0.5362, sum);
    let last = e.mul_const(white, 0.115926);
    e.b.def_var(state[7], last);
    let scaled = e.mul_const(pink, phonon_ir::dsp::osc::Pink::SCALE);
    let (lo, hi) = (e.splat(-1.0), e.splat(1.0));
    let capped = e.min(scaled, hi);
    e.max(capped, lo)
}

/// `svf::Svf::tick`: control-rate coefficients with their glide, then the
/// trapezoidal SVF.
///
/// Two departures from the reference, both far below the tests' 1e-4, buy
/// a loop with no masking on the recursive chain:
/// - the state is flushed below [`phonon_ir::dsp::DENORMAL_FLOOR`] on
///   control samples (before the update) rather than after every update,
///   so a decaying tail differs by less than the floor for at most one
///   control period;
/// - the outputs `v1`, `v2` come from the updated state (`ic = 2 v - ic`,
///   so `v = (ic + ic') / 2`), which rounds differently by an ulp.
///
/// A non-finite output or state still clears both states and outputs 0 on
/// that very sample, in a block that the sample branches around unless a
/// lane needs it. Where the signal input is bounded (see `bounds`: an
/// oscillator, say) none can occur, and the per-sample test goes: the
/// bilinear transform maps the passive analog filter (damping `k >= 1 /
/// MAX_Q > 0`) to a state update that is a contraction whatever `g` and `k`
/// (modulated or not), so the state stays within a modest multiple of the
/// input's bound, and the reference's reset never fires. Should rounding
/// ever prove that wrong, control samples still clear a non-finite state.
fn svf_tick(
    e: &mut Emit,
    args: &[Value],
    mode: svf::FilterMode,
    node_state: &NodeState,
    clock: &SampleClock,
    rate: f32,
) -> Value {
    let (x, cutoff, q) = (args[0], args[1], args[2]);
    let state = node_state.registers;
    let [ic1_var, ic2_var, g_var, k_var] = [state[0], state[1], state[2], state[3]];
    let [g_step_at, k_step_at] = [node_state.memory[0], node_state.memory[1]];

    let bounded = node_state
        .first_bound
        .is_some_and(|bound| bound <= SVF_BOUNDED_INPUT);
    if let Some(is_first) = clock.control {
        for var in [ic1_var, ic2_var] {
            let value = e.b.use_var(var);
            let flushed = if bounded {
                e.flush_denormal_and_non_finite(value)
            } else {
                e.flush_denormal(value)
            };
            e.b.def_var(var, flushed);
        }
        let top = svf::MAX_CUTOFF.min(0.45 * rate);
        let fc = e.clamp_finite(cutoff, svf::MIN_CUTOFF, top);
        // `PI * fc / rate`, rounded step by step as the reference does.
        let pi_fc = e.mul_const(fc, std::f32::consts::PI);
        let rate = e.splat(rate);
        let radians = e.div(pi_fc, rate);
        let target_g = e.tan_radians(radians);
        let q = e.clamp_finite(q, svf::MIN_Q, svf::MAX_Q);
        let one = e.splat(1.0);
        let target_k = e.div(one, q);
        // On sample 0 the coefficients jump to the target (the steps stay
        // 0); on later control samples they glide there over the period.
        let period = 1.0 / CONTROL_PERIOD as f32;
        for (target, value_var, step_at) in
            [(target_g, g_var, g_step_at), (target_k, k_var, k_step_at)]
        {
            let current = e.b.use_var(value_var);
            let distance = e.sub(target, current);
            let glide = e.mul_const(distance, period);
            let old_step = e.load_state(step_at);
            let step = e.b.ins().select(is_first, old_step, glide);
            e.store_state(step, step_at);
            let value = e.b.ins().select(is_first, target, current);
            e.b.def_var(value_var, value);
        }
    }

    let g = e.b.use_var(g_var);
    let g_step = e.load_state(g_step_at);
    let g = e.add(g, g_step);
    e.b.def_var(g_var, g);
    let k = e.b.use_var(k_var);
    let k_step = e.load_state(k_step_at);
    let k = e.add(k, k_step);
    e.b.def_var(k_var, k);

    let ic1 = e.b.use_var(ic1_var);
    let ic2 = e.b.use_var(ic2_var);
    // The state-space form of `svf::Svf::tick` with its coefficients
    // doubled (`b1 = 2 a2`, `b2 = 2 a3`, `a11 = 2 a1 - 1`), factored over
    // `d = x - ic2`: the recursion is one multiply-add deep in `ic1`.
    // `a11 = 1 - b1 (g + k)` (the same value, as `2 a1 - 1 = (1 - g (g +
    // k)) a1`) saves the constant `2` and rounds closer than `2 a1 - 1`.
    let one = e.splat(1.0);
    let g_plus_k = e.add(g, k);
    let denominator = e.fma(g, g_plus_k, one);
    let twice_g = e.add(g, g);
    let b1 = e.div(twice_g, denominator);
    let minus_b1 = e.b.ins().fneg(b1);
    let a11 = e.fma(minus_b1, g_plus_k, one);
    let b2 = e.mul(g, b1);
    let d = e.sub(x, ic2);
    let b1d = e.mul(b1, d);
    let next_ic1 = e.fma(a11, ic1, b1d);
    let toward_x = e.fma(b2, d, ic2);
    let next_ic2 = e.fma(b1, ic1, toward_x);

    let half_sum = |e: &mut Emit, a: Value, b: Value| {
        let sum = e.add(a, b);
        e.mul_const(sum, 0.5)
    };
    let y = match mode {
        svf::FilterMode::Lowpass => half_sum(e, ic2, next_ic2),
        svf::FilterMode::Bandpass => {
            let v1 = half_sum(e, ic1, next_ic1);
            e.mul(k, v1)
        }
        svf::FilterMode::Notch => {
            let v1 = half_sum(e, ic1, next_ic1);
            let band = e.mul(k, v1);
            e.sub(x, band)
        }
        svf::FilterMode::Highpass => {
            let v1 = half_sum(e, ic1, next_ic1);
            let band = e.mul(k, v1);
            let notch = e.sub(x, band);
            let v2 = half_sum(e, ic2, next_ic2);
            e.sub(notch, v2)
        }
    };

    e.b.def_var(ic1_var, next_ic1);
    e.b.def_var(ic2_var, next_ic2);
    if bounded {
        return y;
    }
    // `y - y` is NaN exactly where `y` is not finite, and so is `y` where
    // a state it sums (scaled by finite non-zero factors, with the finite
    // previous states) is not finite; only a state outside `y` needs its
    // own `state * 0` term. The fewer operations here, the faster the
    // loop, which is bound by issue width rather than by the recursion.
    let output_probe = e.sub(y, y);
    let state_outside_output = match mode {
        svf::FilterMode::Lowpass => Some(next_ic1),
        svf::FilterMode::Bandpass | svf::FilterMode::Notch => Some(next_ic2),
        svf::FilterMode::Highpass => None,
    };
    let probe = match state_outside_output {
        Some(state) => {
            let zero = e.splat(0.0);
            e.fma(state, zero, output_probe)
        }
        None => output_probe,
    };
    let broken = e.compare(FloatCC::Unordered, probe, probe);
    let any_broken = e.any_lane(broken);
    let output = e.b.declare_var(e.float_type());
    e.b.def_var(output, y);
    let clear = e.b.create_block();
    let join = e.b.create_block();
    e.b.ins().brif(any_broken, clear, &[], join, &[]);
    e.b.seal_block(clear);
    e.b.switch_to_block(clear);
    let finite = e.compare(FloatCC::Ordered, probe, probe);
    for var in [output, ic1_var, ic2_var] {
        let value = e.b.use_var(var);
        let kept = e.keep_where(finite, value);
        e.b.def_var(var, kept);
    }
    e.b.ins().jump(join, &[]);
    e.b.seal_block(join);
    e.b.switch_to_block(join);
    e.b.use_var(output)
}

/// The largest bound on an SVF's signal input (see `svf_tick`) for which
/// it leaves out the per-sample finiteness test: far below where any gain
/// the filter can have would approach `f32::MAX`.
const SVF_BOUNDED_INPUT: f32 = 1e6;

/// `Rust`'s `a.min(b)`: a NaN `b` yields `a`.
fn rust_min(e: &mut Emit, a: Value, b: Value) -> Value {
    let smaller = e.compare(FloatCC::LessThan, b, a);
    e.select(smaller, b, a)
}

/// `Rust`'s `a.max(b)`: a NaN `b` yields `a`.
pub(crate) fn rust_max(e: &mut Emit, a: Value, b: Value) -> Value {
    let larger = e.compare(FloatCC::GreaterThan, b, a);
    e.select(larger, b, a)
}

/// `shape::Clip`.
fn clip(e: &mut Emit, x: Value, lo: Value, hi: Value) -> Value {
    let capped = rust_min(e, x, hi);
    let y = rust_max(e, capped, lo);
    // A NaN input outputs 0; so does any non-finite result.
    e.finite_or_zero(y)
}

/// `shape::Distortion`.
fn distortion(e: &mut Emit, x: Value, drive: Value, mix: Value) -> Value {
    let drive = e.clamp_finite(drive, 1.0, 100.0);
    let mix = e.clamp_finite(mix, 0.0, 1.0);
    let driven = e.mul(drive, x);
    let wet = e.tanh(driven);
    let difference = e.sub(wet, x);
    let y = e.fma(mix, difference, x);
    e.finite_or_zero(y)
}

/// `shape::Bitcrush`: quantise on a countdown, hold in between.
fn bitcrush(e: &mut Emit, x: Value, bits: Value, factor: Value, state: &[Variable]) -> Value {
    let countdown = e.b.use_var(state[0]);
    let held = e.b.use_var(state[1]);
    let bits = e.clamp_finite(bits, 1.0, 24.0);
    let exponent = e.add_const(bits, -1.0);
    let levels = e.exp2(exponent);
    let scaled = e.mul(x, levels);
    let rounded = e.round_half_away(scaled);
    let quantised = e.div(rounded, levels);
    let take = e.compare_const(FloatCC::LessThanOrEqual, countdown, 0.0);
    let held = e.select(take, quantised, held);
    let factor = e.clamp_finite(factor, 1.0, f32::INFINITY);
    let wound = e.add(countdown, factor);
    let countdown = e.select(take, wound, countdown);
    let countdown = e.add_const(countdown, -1.0);
    let held_ok = e.is_finite(held);
    let countdown_ok = e.is_finite(countdown);
    let finite = e.and_masks(held_ok, countdown_ok);
    let zero = e.splat(0.0);
    let held = e.select(finite, held, zero);
    let countdown = e.select(finite, countdown, zero);
    e.b.def_var(state[0], countdown);
    e.b.def_var(state[1], held);
    held
}

/// `env::Line`.
fn line(e: &mut Emit, from: Value, to: Value, secs: Value, state: &[Variable], rate: f32) -> Value {
    let progress = e.b.use_var(state[0]);
    let span = e.sub(to, from);
    let y = e.fma(span, progress, from);
    let secs = e.clamp_finite(secs, 0.0, f32::INFINITY);
    let samples = e.mul_const(secs, rate);
    let one = e.splat(1.0);
    let samples = rust_max(e, samples, one);
    let step = e.div(one, samples);
    let next = e.add(progress, step);
    let next = rust_min(e, next, one);
    e.b.def_var(state[0], next);
    e.finite_or_zero(y)
}

/// `env::Lag`: a one-pole toward the input, starting at the first input.
fn lag(e: &mut Emit, x: Value, secs: Value, state: &[Variable], rate: f32) -> Value {
    let secs = e.clamp_finite(secs, 0.0, f32::INFINITY);
    let samples = e.mul_const(secs, rate);
    let one = e.splat(1.0);
    let per_sample = e.div(one, samples);
    let exponent = e.mul_const(per_sample, 0.001f32.log2());
    let b = e.exp2(exponent);
    let positive = e.compare_const(FloatCC::GreaterThan, samples, 0.0);
    let zero = e.splat(0.0);
    let b = e.select(positive, b, zero);
    let stored = e.b.use_var(state[0]);
    let started = e.b.use_var(state[1]);
    let has_previous = e.compare_const(FloatCC::Equal, started, 1.0);
    let previous = e.select(has_previous, stored, x);
    let gap = e.sub(previous, x);
    let y = e.fma(b, gap, x);
    let y = e.flush_denormal(y);
    let finite = e.is_finite(y);
    let y = e.select(finite, y, zero);
    let started = e.select(finite, one, zero);
    e.b.def_var(state[0], y);
    e.b.def_var(state[1], started);
    y
}

/// `Op::PanLeft`/`Op::PanRight`: `master::pan_gains` applied to `x`.
fn pan(e: &mut Emit, x: Value, pos: Value, left: bool) -> Value {
    let pos = e.clamp_finite(pos, -1.0, 1.0);
    let shifted = e.add_const(pos, 1.0);
    // theta / 2π in turns: (pos + 1) / 8.
    let turns = e.mul_const(shifted, 0.125);
    let turns = if left {
        turns
    } else {
        let quarter = e.splat(0.25);
        e.sub(quarter, turns)
    };
    let cosine = e.cos_turns(turns);
    let gain = e.mul_const(cosine, std::f32::consts::SQRT_2);
    let y = e.mul(x, gain);
    let finite = e.is_finite(x);
    let zero = e.splat(0.0);
    let y = e.select(finite, y, zero);
    e.finite_or_zero(y)
}
