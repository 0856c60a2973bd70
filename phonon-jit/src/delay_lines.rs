//! Per-sample code for the nodes that keep a delay line: `delay`, `reverb`
//! and `chorus`, each restating its reference in `phonon_ir::dsp` (the
//! differential tests in `tests/nodes.rs` hold them together). Not the
//! memoryless or register-only nodes (see `nodes`).
//!
//! # Where the lines live
//!
//! A line is a run of memory-resident state slots (`nodes::memory_slots`),
//! so it is allocated with the rest of the state before the first block and
//! reset with it. Element `k` of lane `l` sits at slot `first + k`, lane `l`
//! (slots are `width` floats wide): a packed group keeps its four lanes'
//! lines interleaved.
//!
//! Every write position is a counter in the bits of lane 0 of its own slot.
//! All lanes of a group start at 0 together and advance by one each sample,
//! so one counter serves every lane: writes (and the reverb's fixed-length
//! reads) are one vector access, and only reads at a per-lane delay (the
//! delay's time, the chorus's voices) load lane by lane. When the reference
//! meets a non-finite result it zeroes the line (and rewinds its counters);
//! here the lanes that failed are zeroed and the counter runs on. A line
//! holding only zeros reads the same from any position, so the output does
//! not change.

use crate::emit::{buffer_flags, Emit};
use crate::nodes::NodeState;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F32X4, F64, I32, I64};
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value};
use phonon_ir::dsp::{delay, NodeKind};
use std::f32::consts::TAU;

/// `reverb::COMB_TUNING`: Freeverb's comb lengths at 44.1 kHz.
const COMB_TUNING: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
/// `reverb::ALLPASS_TUNING`.
const ALLPASS_TUNING: [usize; 4] = [556, 441, 341, 225];
const REVERB_TUNING_RATE: f32 = 44_100.0;
/// Counters, then the combs' low-pass stores, then the lines.
const REVERB_COUNTERS: usize = COMB_TUNING.len() + ALLPASS_TUNING.len();
const REVERB_STORES: usize = COMB_TUNING.len();

/// `chorus::CENTRE_SECONDS` and `chorus::SWING_SECONDS`.
const CHORUS_CENTRE: f32 = 0.015;
const CHORUS_SWING: f32 = 0.005;
const CHORUS_VOICES: usize = 3;

/// The delay's line length, as `delay::Delay::new` sizes it.
fn delay_length(rate: f32) -> usize {
    (delay::MAX_SECONDS * rate).max(0.0).ceil() as usize + 2
}

/// `reverb::scaled_length`.
fn reverb_length(tuning: usize, rate: f32) -> usize {
    ((tuning as f32 * rate / REVERB_TUNING_RATE).round() as usize).max(1)
}

fn reverb_lengths(rate: f32) -> impl Iterator<Item = usize> {
    COMB_TUNING
        .into_iter()
        .chain(ALLPASS_TUNING)
        .map(move |tuning| reverb_length(tuning, rate))
}

/// The chorus's line length, as `chorus::Chorus::new` sizes it.
fn chorus_length(rate: f32) -> usize {
    ((CHORUS_CENTRE + CHORUS_SWING) * rate).max(0.0).ceil() as usize + 3
}

/// How many state slots a delay-line node keeps; all of them but the
/// chorus's LFO phase (slot 0) are memory slots.
fn slot_count(kind: NodeKind, rate: f32) -> usize {
    match kind {
        NodeKind::Delay => 1 + delay_length(rate),
        NodeKind::Reverb => REVERB_COUNTERS + REVERB_STORES + reverb_lengths(rate).sum::<usize>(),
        NodeKind::Chorus => 2 + chorus_length(rate),
        _ => 0,
    }
}

/// The state slots after `new`/`reset`: everything 0 (a counter of 0 has
/// the bits of 0.0).
pub(crate) fn initial_state(kind: NodeKind, rate: f32) -> Vec<f32> {
    vec![0.0; slot_count(kind, rate)]
}

/// How many of the node's last slots live in memory.
pub(crate) fn memory_slots(kind: NodeKind, rate: f32) -> usize {
    match kind {
        NodeKind::Chorus => slot_count(kind, rate) - 1,
        _ => slot_count(kind, rate),
    }
}

/// One circular line of a delay-line node, in the node's state slots: its
/// write counter's slot, its first element's slot and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LineSlots {
    pub counter: usize,
    pub first: usize,
    pub len: usize,
}

/// Every line of a `kind` node at `rate` (none for other kinds), in slot
/// order, as the code below lays them out.
pub(crate) fn line_slots(kind: NodeKind, rate: f32) -> impl Iterator<Item = LineSlots> {
    let single = match kind {
        NodeKind::Delay => Some(LineSlots {
            counter: 0,
            first: 1,
            len: delay_length(rate),
        }),
        NodeKind::Chorus => Some(LineSlots {
            counter: 1,
            first: 2,
            len: chorus_length(rate),
        }),
        _ => None,
    };
    let reverb = (kind == NodeKind::Reverb).then(|| {
        reverb_lengths(rate).enumerate().scan(
            REVERB_COUNTERS + REVERB_STORES,
            |first, (counter, len)| {
                let line = LineSlots {
                    counter,
                    first: *first,
                    len,
                };
                *first += len;
                Some(line)
            },
        )
    });
    single.into_iter().chain(reverb.into_iter().flatten())
}

/// A circular buffer in the state memory: the byte offset of element 0
/// (lane 0) and its length in elements.
#[derive(Clone, Copy)]
struct Line {
    first: i32,
    len: usize,
}

fn slot_bytes(e: &Emit) -> i32 {
    (e.lanes * 4) as i32
}

/// A write counter (an `i32` in lane 0 of the slot at `at`).
fn load_counter(e: &mut Emit, at: i32) -> Value {
    let pointer = e.constants.pointer;
    e.b.ins().load(I32, buffer_flags(), pointer, at)
}

/// Stores `counter + 1`, wrapped to 0 at `len`.
fn advance_counter(e: &mut Emit, counter: Value, len: usize, at: i32) {
    let next = e.b.ins().iadd_imm_s(counter, 1);
    let at_end = e.b.ins().icmp_imm_s(IntCC::Equal, next, len as i64);
    let zero = e.b.ins().iconst(I32, 0);
    let wrapped = e.b.ins().select(at_end, zero, next);
    let pointer = e.constants.pointer;
    e.b.ins().store(buffer_flags(), wrapped, pointer, at);
}

/// The address of element `index` (an `i32` in `0..len`) of every line,
/// less the line's `first` offset.
fn element_base(e: &mut Emit, index: Value) -> Value {
    let wide = e.b.ins().uextend(I64, index);
    let shift = i64::from(slot_bytes(e).trailing_zeros());
    let bytes = e.b.ins().ishl_imm_u(wide, shift);
    let pointer = e.constants.pointer;
    e.b.ins().iadd(pointer, bytes)
}

/// Every lane's element `index`, one access.
fn read_shared(e: &mut Emit, line: Line, index: Value) -> Value {
    let base = element_base(e, index);
    let ty = e.float_type();
    e.b.ins().load(ty, buffer_flags(), base, line.first)
}

fn write_shared(e: &mut Emit, line: Line, index: Value, value: Value) {
    let base = element_base(e, index);
    e.b.ins().store(buffer_flags(), value, base, line.first);
}

/// Lane `l`'s element `indices[l]` (one index per lane), lane by lane.
fn gather(e: &mut Emit, line: Line, indices: &[Value]) -> Value {
    let load = |e: &mut Emit, lane: usize| {
        let base = element_base(e, indices[lane]);
        let offset = line.first + 4 * lane as i32;
        e.b.ins().load(F32, buffer_flags(), base, offset)
    };
    let first = load(e, 0);
    if e.lanes == 1 {
        return first;
    }
    let mut vector = e.b.ins().scalar_to_vector(F32X4, first);
    for lane in 1..e.lanes {
        let scalar = load(e, lane);
        vector = e.b.ins().insertlane(vector, scalar, lane as u8);
    }
    vector
}

/// Per lane, the index `whole + extra` elements before `from`, wrapped into
/// `0..len`; `whole` holds whole numbers in `0..=len - 2` and `extra` is 0
/// or 1, so one wrap suffices.
fn indices_back(e: &mut Emit, from: Value, whole: Value, extra: i64, len: usize) -> Vec<Value> {
    (0..e.lanes)
        .map(|lane| {
            let scalar = if e.lanes == 1 {
                whole
            } else {
                e.b.ins().extractlane(whole, lane as u8)
            };
            let back = e.b.ins().fcvt_to_sint_sat(I32, scalar);
            let index = e.b.ins().isub(from, back);
            let index = e.b.ins().iadd_imm_s(index, -extra);
            let negative = e.b.ins().icmp_imm_s(IntCC::SignedLessThan, index, 0);
            let wrapped = e.b.ins().iadd_imm_s(index, len as i64);
            e.b.ins().select(negative, wrapped, index)
        })
        .collect()
}

/// `near + frac * (far - near)`, unfused as the reference computes it.
fn lerp(e: &mut Emit, near: Value, far: Value, frac: Value) -> Value {
    let span = e.sub(far, near);
    let step = e.mul(frac, span);
    e.add(near, step)
}

/// The linear read `d` elements before `from` (per lane, `d` in
/// `0..=len - 2`), as both references read.
fn read_behind(e: &mut Emit, line: Line, from: Value, d: Value) -> Value {
    let whole = e.b.ins().floor(d);
    let frac = e.sub(d, whole);
    let near_at = indices_back(e, from, whole, 0, line.len);
    let far_at = indices_back(e, from, whole, 1, line.len);
    let near = gather(e, line, &near_at);
    let far = gather(e, line, &far_at);
    lerp(e, near, far, frac)
}

/// `x + mix * (wet - x)` with `mix` clamped to `0..1`.
fn blend(e: &mut Emit, x: Value, wet: Value, mix: Value) -> Value {
    let mix = e.clamp_finite(mix, 0.0, 1.0);
    let difference = e.sub(wet, x);
    let scaled = e.mul(mix, difference);
    e.add(x, scaled)
}

/// Zeroes `slots` slots from byte offset `first` in the lanes where `keep`
/// is false, in a loop that samples with every lane kept branch around.
fn clear_failed_lanes(e: &mut Emit, keep: Value, first: i32, slots: usize) {
    let all_kept = if e.lanes == 1 {
        keep
    } else {
        let bits = e.b.ins().vhigh_bits(I32, keep);
        e.b.ins().icmp_imm_s(IntCC::Equal, bits, (1 << e.lanes) - 1)
    };
    let clear = e.b.create_block();
    let after = e.b.create_block();
    let address = e.b.append_block_param(clear, I64);
    let start = e.constants.pointer;
    e.b.ins()
        .brif(all_kept, after, &[], clear, &[BlockArg::Value(start)]);

    e.b.switch_to_block(clear);
    let step = slot_bytes(e);
    let zero = e.splat(0.0);
    let cleared = if e.lanes == 1 {
        zero
    } else {
        let old = e.b.ins().load(F32X4, buffer_flags(), address, first);
        e.select(keep, old, zero)
    };
    e.b.ins().store(buffer_flags(), cleared, address, first);
    let next = e.b.ins().iadd_imm_s(address, i64::from(step));
    let end = e.b.ins().iadd_imm_s(start, i64::from(step) * slots as i64);
    let done = e.b.ins().icmp(IntCC::Equal, next, end);
    e.b.ins()
        .brif(done, after, &[], clear, &[BlockArg::Value(next)]);
    e.b.seal_block(clear);
    e.b.seal_block(after);
    e.b.switch_to_block(after);
}

/// `f32::sin(t)`, computed in `f64` and rounded once, so that it agrees
/// with the reference's (nearly correctly rounded) `sinf` to the last bit
/// on all but rare halfway cases. The chorus needs that: a voice's read
/// position moves by `0.005 s * rate` samples per unit of sine, and in a
/// feedback loop through a chorus a last-bit difference grows.
///
/// Per lane: Cody-Waite reduction by quarter turns (`π/2` as fdlibm's
/// 33-bit head plus tail; `q * head` is exact for the `|q| <= 8` of the
/// chorus's arguments, which stay below 11 radians), then the Taylor
/// polynomial of the sine (to degree 13) or the cosine (to degree 14) of
/// `r` in `-π/4..π/4` by quadrant; truncation errors below 3e-14.
fn sin_radians(e: &mut Emit, t: Value) -> Value {
    if e.lanes == 1 {
        return sin_lane(e, t);
    }
    let first = e.b.ins().extractlane(t, 0);
    let first = sin_lane(e, first);
    let mut vector = e.b.ins().scalar_to_vector(F32X4, first);
    for lane in 1..e.lanes as u8 {
        let scalar = e.b.ins().extractlane(t, lane);
        let sine = sin_lane(e, scalar);
        vector = e.b.ins().insertlane(vector, sine, lane);
    }
    vector
}

/// [`sin_radians`] of one `f32`.
fn sin_lane(e: &mut Emit, t: Value) -> Value {
    const HEAD: f64 = 1.570_796_326_734_125_6;
    const TAIL: f64 = 6.077_100_506_506_192e-11;
    let b = &mut e.b;
    let t = b.ins().fpromote(F64, t);
    let two_over_pi = b.ins().f64const(std::f64::consts::FRAC_2_PI);
    let scaled = b.ins().fmul(t, two_over_pi);
    let q = b.ins().nearest(scaled);
    let head = b.ins().f64const(HEAD);
    let tail = b.ins().f64const(TAIL);
    let q_head = b.ins().fmul(q, head);
    let r = b.ins().fsub(t, q_head);
    let q_tail = b.ins().fmul(q, tail);
    let r = b.ins().fsub(r, q_tail);
    let s = b.ins().fmul(r, r);
    let mut horner = |coefficients: &[f64]| {
        let mut acc = b.ins().f64const(coefficients[coefficients.len() - 1]);
        for &c in coefficients[..coefficients.len() - 1].iter().rev() {
            let c = b.ins().f64const(c);
            let scaled = b.ins().fmul(acc, s);
            acc = b.ins().fadd(scaled, c);
        }
        acc
    };
    let mut factorial = 1.0;
    let mut odd = Vec::new();
    let mut even = Vec::new();
    for n in 0..15 {
        if n > 0 {
            factorial *= f64::from(n);
        }
        let sign = if (n / 2) % 2 == 0 { 1.0 } else { -1.0 };
        if n % 2 == 0 {
            even.push(sign / factorial);
        } else {
            odd.push(sign / factorial);
        }
    }
    let odd = horner(&odd);
    let cosine = horner(&even);
    let sine = b.ins().fmul(r, odd);
    // q mod 4 picks sin, cos, -sin, -cos of r.
    let quarter = b.ins().f64const(0.25);
    let turns = b.ins().fmul(q, quarter);
    let turns = b.ins().floor(turns);
    let four = b.ins().f64const(4.0);
    let whole_turns = b.ins().fmul(turns, four);
    let quadrant = b.ins().fsub(q, whole_turns);
    let one = b.ins().f64const(1.0);
    let three = b.ins().f64const(3.0);
    let two = b.ins().f64const(2.0);
    let is_one = b.ins().fcmp(FloatCC::Equal, quadrant, one);
    let is_three = b.ins().fcmp(FloatCC::Equal, quadrant, three);
    let use_cosine = b.ins().bor(is_one, is_three);
    let value = b.ins().select(use_cosine, cosine, sine);
    let negated = b.ins().fneg(value);
    let lower_half = b.ins().fcmp(FloatCC::GreaterThanOrEqual, quadrant, two);
    let value = b.ins().select(lower_half, negated, value);
    b.ins().fdemote(F32, value)
}

/// `delay::Delay::tick`. Slots: the write counter, then the line.
pub(crate) fn delay(e: &mut Emit, args: &[Value], node_state: &NodeState, rate: f32) -> Value {
    let (x, time, feedback, mix) = (args[0], args[1], args[2], args[3]);
    let memory = node_state.memory;
    let counter_at = memory[0];
    let line = Line {
        first: memory[1],
        len: memory.len() - 1,
    };
    let longest = (line.len - 2) as f32;
    let samples = e.mul_const(time, rate);
    let d = e.clamp_finite(samples, 1.0, longest.max(1.0));
    let write = load_counter(e, counter_at);
    let delayed = read_behind(e, line, write, d);
    let feedback = e.clamp_finite(feedback, 0.0, 0.99);
    let echo = e.mul(feedback, delayed);
    let fed = e.add(x, echo);
    let fed = e.flush_denormal(fed);
    let y = blend(e, x, delayed, mix);
    let y_finite = e.is_finite(y);
    let fed_finite = e.is_finite(fed);
    let keep = e.and_masks(y_finite, fed_finite);
    let zero = e.splat(0.0);
    let stored = e.select(keep, fed, zero);
    write_shared(e, line, write, stored);
    advance_counter(e, write, line.len, counter_at);
    clear_failed_lanes(e, keep, line.first, line.len);
    e.select(keep, y, zero)
}

/// `reverb::Reverb::tick`: eight damped combs in parallel into four
/// allpasses in series. Slots: the twelve write counters, the eight comb
/// stores, then the lines (combs, then allpasses).
pub(crate) fn reverb(e: &mut Emit, args: &[Value], node_state: &NodeState, rate: f32) -> Value {
    let (x, room, damp, mix) = (args[0], args[1], args[2], args[3]);
    let memory = node_state.memory;
    let room = e.clamp_finite(room, 0.0, 1.0);
    let feedback = e.mul_const(room, 0.28);
    let feedback = e.add_const(feedback, 0.7);
    let damp = e.clamp_finite(damp, 0.0, 1.0);
    let damp = e.mul_const(damp, 0.4);
    let one = e.splat(1.0);
    let keep_out = e.sub(one, damp);
    let driven = e.mul_const(x, 0.015);

    let lengths: Vec<usize> = reverb_lengths(rate).collect();
    let step = slot_bytes(e);
    let mut first = memory[REVERB_COUNTERS + REVERB_STORES];
    let mut lines = lengths.iter().enumerate().map(|(j, &len)| {
        let line = Line { first, len };
        first += len as i32 * step;
        (memory[j], line)
    });
    let mut wet = e.splat(0.0);
    for (store_at, (counter_at, line)) in memory[REVERB_COUNTERS..]
        .iter()
        .copied()
        .zip(lines.by_ref())
        .take(COMB_TUNING.len())
    {
        let index = load_counter(e, counter_at);
        let out = read_shared(e, line, index);
        let store = e.load_state(store_at);
        let kept = e.mul(out, keep_out);
        let damped = e.mul(store, damp);
        let store = e.add(kept, damped);
        let store = e.flush_denormal(store);
        e.store_state(store, store_at);
        let fed_back = e.mul(store, feedback);
        let input = e.add(driven, fed_back);
        let input = e.flush_denormal(input);
        write_shared(e, line, index, input);
        advance_counter(e, index, line.len, counter_at);
        wet = e.add(wet, out);
    }
    for (counter_at, line) in lines {
        let index = load_counter(e, counter_at);
        let delayed = read_shared(e, line, index);
        let half = e.mul_const(delayed, 0.5);
        let input = e.add(wet, half);
        let input = e.flush_denormal(input);
        write_shared(e, line, index, input);
        advance_counter(e, index, line.len, counter_at);
        wet = e.sub(delayed, wet);
    }

    let y = blend(e, x, wet, mix);
    let y_finite = e.is_finite(y);
    let wet_finite = e.is_finite(wet);
    let keep = e.and_masks(y_finite, wet_finite);
    let cleared = REVERB_STORES + lengths.iter().sum::<usize>();
    clear_failed_lanes(e, keep, memory[REVERB_COUNTERS], cleared);
    let zero = e.splat(0.0);
    e.select(keep, y, zero)
}

/// `chorus::Chorus::tick`: the input written first, then three voices read
/// behind it at delays swung by one sine LFO a third of a turn apart.
/// Slots: the LFO phase (a register), the write counter, then the line.
pub(crate) fn chorus(e: &mut Emit, args: &[Value], node_state: &NodeState, rate: f32) -> Value {
    let (x, lfo_rate, depth, mix) = (args[0], args[1], args[2], args[3]);
    let phase_var = node_state.registers[0];
    let memory = node_state.memory;
    let counter_at = memory[0];
    let line = Line {
        first: memory[1],
        len: memory.len() - 1,
    };
    let phase = e.b.use_var(phase_var);
    let newest = load_counter(e, counter_at);
    write_shared(e, line, newest, x);
    advance_counter(e, newest, line.len, counter_at);

    let depth = e.clamp_finite(depth, 0.0, 1.0);
    let swing = e.mul_const(depth, CHORUS_SWING);
    let mut wet = e.splat(0.0);
    for voice in 0..CHORUS_VOICES {
        let turns = e.add_const(phase, voice as f32 / CHORUS_VOICES as f32);
        let radians = e.mul_const(turns, TAU);
        let lfo = sin_radians(e, radians);
        let offset = e.mul(swing, lfo);
        let seconds = e.add_const(offset, CHORUS_CENTRE);
        let d = e.mul_const(seconds, rate);
        let d = e.clamp_finite(d, 0.0, (line.len - 2) as f32);
        let read = read_behind(e, line, newest, d);
        wet = e.add(wet, read);
    }
    let voices = e.splat(CHORUS_VOICES as f32);
    let wet = e.div(wet, voices);

    let lfo_rate = e.clamp_finite(lfo_rate, 0.0, 20.0);
    let sample_rate = e.splat(rate);
    let step = e.div(lfo_rate, sample_rate);
    let advanced = e.add(phase, step);
    let wrapped = e.add_const(advanced, -1.0);
    let past_end = e.compare_const(FloatCC::GreaterThanOrEqual, advanced, 1.0);
    let next_phase = e.select(past_end, wrapped, advanced);

    let y = blend(e, x, wet, mix);
    let keep = e.is_finite(y);
    let zero = e.splat(0.0);
    let next_phase = e.select(keep, next_phase, zero);
    e.b.def_var(phase_var, next_phase);
    clear_failed_lanes(e, keep, line.first, line.len);
    e.select(keep, y, zero)
}
