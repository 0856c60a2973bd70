//! Code for the level-shaping nodes: the gated envelopes `adsr`, `ad` and
//! `ar` (`phonon_ir::dsp::env`) and the `compressor`
//! (`phonon_ir::dsp::compressor`), with the inlined `ln` and `exp`
//! approximations the compressor needs. Each function restates its
//! reference node sample for sample; `tests/dynamics.rs` holds them
//! together.
//! Not the loop around the nodes (see `kernel`), nor their dispatch (see
//! `nodes`).
//!
//! # Approximation error bounds (measured against `f64` in tests)
//!
//! - [`ln`]: Cephes `logf` (S. L. Moshier, Cephes Math Library): the
//!   argument split as `m 2^k` with `m` in `sqrt(0.5)..sqrt(2)`, then
//!   `ln(1 + f)` as `f - f²/2 + f³ P(f)` with Cephes' degree-8 minimax `P`,
//!   and `k ln 2` added in two parts (Cody and Waite). Cephes states a peak
//!   relative error of 7.6e-8 on normal numbers. Tested through the
//!   compressor's level `20 log10 |x|` for `|x|` in `1e-6..1e6`, read back
//!   from its gain: within 2.5e-5 dB of exact, and within 1.5 times the
//!   error of the reference's libm `log10` read back the same way (the
//!   `f32` rounding of levels near ±120 dB, 7.6e-6 dB an ulp, dominates).
//! - [`exp`]: Cephes `expf`: `x = k ln 2 + r` with `|r| <= ln 2 / 2` (Cody
//!   and Waite reduction), `e^r` as `1 + r + r² Q(r)` with Cephes' degree-5
//!   minimax `Q`, and `2^k` applied as two normal powers so results down in
//!   the subnormal range round once. Cephes states a peak relative error of
//!   2.3e-7 on `-87..88`; tested below 3e-7 on `-6.9..6.9` (the compressor's
//!   makeup gain, `10^(dB / 20)` for `-60..60` dB), and against the
//!   reference compressor down to `e^-82` (a 1e30 input). Results under
//!   `e^-104` are 0, as `f32` rounds them.

use crate::emit::Emit;
use crate::nodes::{rust_max, NodeState};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::{I32, I32X4};
use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_frontend::Variable;
use std::f32::consts::{LN_10, LOG2_E, SQRT_2};

/// `ln 2` in two parts whose sum is exact in `f32` arithmetic (Cody and
/// Waite), so `k ln 2` loses nothing for the `k` these functions see.
const LN_2_HIGH: f32 = 0.693_359_4;
const LN_2_LOW: f32 = -2.121_944_4e-4;

/// `ln(x)` for positive normal `x` (the caller keeps it there); see the
/// module docs for the bound.
pub(crate) fn ln(e: &mut Emit, x: Value) -> Value {
    // x = m 2^k with m in 0.5..1, read from the bits.
    let bits = e.bitcast_to_int(x);
    let biased = e.int_ushr(bits, 23);
    let bias = e.splat_int(126);
    let exponent = e.b.ins().isub(biased, bias);
    let mantissa_mask = e.splat_int(0x007F_FFFF);
    let mantissa = e.b.ins().band(bits, mantissa_mask);
    let half_exponent = e.splat_int(0x3F00_0000);
    let mantissa = e.b.ins().bor(mantissa, half_exponent);
    let m = e.bitcast_to_float(mantissa);
    let float = e.float_type();
    let k = e.b.ins().fcvt_from_sint(float, exponent);

    // Below sqrt(0.5), use 2m and k - 1 so that f = m - 1 is small.
    let low = e.compare_const(FloatCC::LessThan, m, SQRT_2 / 2.0);
    let doubled = e.add(m, m);
    let m = e.select(low, doubled, m);
    let k_less = e.add_const(k, -1.0);
    let k = e.select(low, k_less, k);
    let f = e.add_const(m, -1.0);

    let f2 = e.mul(f, f);
    let p = e.polynomial(
        f,
        &[
            0.333_333_3,
            -2.499_999_4e-1,
            2.000_071_4e-1,
            -1.666_805_8e-1,
            1.424_932_3e-1,
            -1.242_014_1e-1,
            1.167_699_9e-1,
            -1.151_461e-1,
            7.037_683_6e-2,
        ],
    );
    let f3 = e.mul(f2, f);
    let y = e.mul(p, f3);
    let y = e.fma_const(k, LN_2_LOW, y);
    let y = e.fma_const(f2, -0.5, y);
    let y = e.add(f, y);
    e.fma_const(k, LN_2_HIGH, y)
}

/// `e^x`; NaN stays NaN, `x` above 88.8 gives infinity; see the module docs
/// for the bound.
pub(crate) fn exp(e: &mut Emit, x: Value) -> Value {
    let clamped = e.clamp_finite(x, -104.0, 88.8);
    let scaled = e.mul_const(clamped, LOG2_E);
    let k = e.b.ins().nearest(scaled);
    let minus_k = e.neg(k);
    let r = e.fma_const(minus_k, LN_2_HIGH, clamped);
    let r = e.fma_const(minus_k, LN_2_LOW, r);
    let q = e.polynomial(
        r,
        &[
            0.5,
            1.666_666_5e-1,
            4.166_579_6e-2,
            8.333_452e-3,
            1.398_2e-3,
            1.987_569_1e-4,
        ],
    );
    let r2 = e.mul(r, r);
    let tail = e.fma(q, r2, r);
    let mantissa = e.add_const(tail, 1.0);

    // 2^k as 2^(k >> 1) 2^(k - (k >> 1)): both normal for k in -150..128.
    let int_type = if e.lanes == 1 { I32 } else { I32X4 };
    let k = e.b.ins().fcvt_to_sint_sat(int_type, k);
    let one = e.b.ins().iconst(I32, 1);
    let first = e.b.ins().sshr(k, one);
    let second = e.b.ins().isub(k, first);
    let mut y = mantissa;
    for power in [first, second] {
        let bias = e.splat_int(127);
        let biased = e.b.ins().iadd(power, bias);
        let bits = e.int_shl(biased, 23);
        let scale = e.bitcast_to_float(bits);
        y = e.mul(y, scale);
    }
    let nan = e.compare(FloatCC::Unordered, x, x);
    e.select(nan, x, y)
}

/// Envelope stages as state values (`env::Stage`).
const IDLE: f32 = 0.0;
const ATTACK: f32 = 1.0;
const DECAY: f32 = 2.0;
const SUSTAIN: f32 = 3.0;
const RELEASE: f32 = 4.0;

/// The envelopes' state after `new`/`reset`: stage, level, last gate,
/// release start level.
pub(crate) const ENVELOPE_INITIAL: [f32; 4] = [IDLE, 0.0, 0.0, 0.0];

/// The times and levels of one envelope sample (`env::Segments::tick`'s
/// parameters).
pub(crate) struct Segments {
    pub attack: Value,
    pub decay: Value,
    pub sustain: Value,
    pub release: Value,
    /// `ad`: the gate closing never starts a release, the decay ends idle.
    pub one_shot: bool,
}

/// `env::Segments::tick`: reads the gate, moves the level, outputs it.
/// Branch-free: every stage's step is chosen by selects, so packed lanes in
/// different stages run the same code. Uses no fused multiply-add, so the
/// output is bit-identical to the reference.
pub(crate) fn envelope(
    e: &mut Emit,
    gate: Value,
    segments: &Segments,
    state: &[Variable],
    rate: f32,
) -> Value {
    let [stage_var, level_var, last_gate_var, release_from_var] =
        [state[0], state[1], state[2], state[3]];
    let stage = e.b.use_var(stage_var);
    let level = e.b.use_var(level_var);
    let last_gate = e.b.use_var(last_gate_var);
    let release_from = e.b.use_var(release_from_var);
    let zero = e.splat(0.0);
    let one = e.splat(1.0);

    // NaN and anything at or below 0 read as a closed gate.
    let open = e.compare_const(FloatCC::GreaterThan, gate, 0.0);
    let gate = e.select(open, gate, zero);
    let sustain = e.clamp_finite(segments.sustain, 0.0, 1.0);

    let changed = e.compare(FloatCC::NotEqual, gate, last_gate);
    let trigger = e.and_masks(open, changed);
    let stage_value = |e: &mut Emit, value: f32| e.splat(value);
    let attack_stage = stage_value(e, ATTACK);
    let release_stage = stage_value(e, RELEASE);
    let (stage, release_from) = if segments.one_shot {
        (e.select(trigger, attack_stage, stage), release_from)
    } else {
        let closed = e.compare_const(FloatCC::Equal, gate, 0.0);
        let was_open = e.compare_const(FloatCC::GreaterThan, last_gate, 0.0);
        let active = e.compare_const(FloatCC::NotEqual, stage, IDLE);
        let releasing = e.and_masks(closed, was_open);
        let releasing = e.and_masks(releasing, active);
        let stage = e.select(releasing, release_stage, stage);
        let stage = e.select(trigger, attack_stage, stage);
        (stage, e.select(releasing, level, release_from))
    };

    let in_attack = e.compare_const(FloatCC::Equal, stage, ATTACK);
    let in_decay = e.compare_const(FloatCC::Equal, stage, DECAY);
    let in_sustain = e.compare_const(FloatCC::Equal, stage, SUSTAIN);
    let in_release = e.compare_const(FloatCC::Equal, stage, RELEASE);

    // The moving stages: one step of `span / max(secs * rate, 1)`.
    let decay_span = e.sub(one, sustain);
    let span = e.select(in_decay, decay_span, release_from);
    let span = e.select(in_attack, one, span);
    let secs = e.select(in_decay, segments.decay, segments.release);
    let secs = e.select(in_attack, segments.attack, secs);
    let secs = e.clamp_finite(secs, 0.0, f32::INFINITY);
    let samples = e.mul_const(secs, rate);
    let samples = e.max(samples, one);
    let step = e.div(span, samples);
    let rising = e.add(level, step);
    let falling = e.sub(level, step);
    let moved = e.select(in_attack, rising, falling);

    // A segment ends on the first sample that reaches its target.
    let target = e.select(in_decay, sustain, zero);
    let target = e.select(in_attack, one, target);
    let attack_done = e.compare_const(FloatCC::GreaterThanOrEqual, moved, 1.0);
    let attack_done = e.and_masks(in_attack, attack_done);
    let fall_done = e.compare(FloatCC::LessThanOrEqual, moved, target);
    let falling_stage = e.b.ins().bor(in_decay, in_release);
    let fall_done = e.and_masks(falling_stage, fall_done);
    let reached = e.b.ins().bor(attack_done, fall_done);
    let after_decay = stage_value(e, if segments.one_shot { IDLE } else { SUSTAIN });
    let idle_stage = stage_value(e, IDLE);
    let next_stage = e.select(in_decay, after_decay, idle_stage);
    let decay_stage = stage_value(e, DECAY);
    let next_stage = e.select(in_attack, decay_stage, next_stage);
    let stage = e.select(reached, next_stage, stage);
    let moved = e.select(reached, target, moved);

    let held = e.select(in_sustain, sustain, zero);
    let moving = e.b.ins().bor(falling_stage, in_attack);
    let level = e.select(moving, moved, held);
    let level = e.flush_denormal(level);

    // A non-finite level resets the envelope and outputs 0.
    let finite = e.is_finite(level);
    let level = e.select(finite, level, zero);
    let stage = e.select(finite, stage, idle_stage);
    let last_gate = e.select(finite, gate, zero);
    let release_from = e.select(finite, release_from, zero);
    e.b.def_var(stage_var, stage);
    e.b.def_var(level_var, level);
    e.b.def_var(last_gate_var, last_gate);
    e.b.def_var(release_from_var, release_from);
    level
}

/// `compressor::Compressor::tick`; `args`: input, threshold, ratio, attack,
/// release, makeup. State: the smoothed gain reduction in dB.
pub(crate) fn compressor(e: &mut Emit, args: &[Value], node_state: &NodeState, rate: f32) -> Value {
    let (x, threshold, ratio, attack, release, makeup) =
        (args[0], args[1], args[2], args[3], args[4], args[5]);
    let reduction_var = node_state.registers[0];
    let reduction = e.b.use_var(reduction_var);
    let zero = e.splat(0.0);
    let one = e.splat(1.0);

    // level = 20 log10(max(|x|, 1e-6)): NaN reads as the floor, infinity
    // stays infinite.
    let magnitude = e.abs(x);
    let floor = e.splat(1e-6);
    let floored = rust_max(e, floor, magnitude);
    let log = ln(e, floored);
    let level = e.mul_const(log, 20.0 / LN_10);
    let infinite = e.compare_const(FloatCC::Equal, magnitude, f32::INFINITY);
    let infinity = e.splat(f32::INFINITY);
    let level = e.select(infinite, infinity, level);

    let threshold = e.clamp_finite(threshold, -120.0, 24.0);
    let over = e.sub(level, threshold);
    let over = rust_max(e, over, zero);
    let ratio = e.clamp_finite(ratio, 1.0, 100.0);
    let inverse = e.div(one, ratio);
    let slope = e.sub(one, inverse);
    let want = e.mul(over, slope);

    // The attack coefficient while the reduction grows, release otherwise:
    // exp(-1 / samples), 0 for an instant (0 s) time.
    let growing = e.compare(FloatCC::GreaterThan, want, reduction);
    let secs = e.select(growing, attack, release);
    let secs = e.clamp_finite(secs, 0.0, 10.0);
    let samples = e.mul_const(secs, rate);
    let minus_one = e.splat(-1.0);
    let exponent = e.div(minus_one, samples);
    let a = exp(e, exponent);
    let timed = e.compare_const(FloatCC::GreaterThan, samples, 0.0);
    let a = e.select(timed, a, zero);

    // Rounded as the reference rounds it (no fused multiply-add): the
    // recursion would otherwise accumulate one rounding difference per
    // sample over the release time, 1e-4 dB and more at 100 dB of reduction.
    let kept = e.sub(one, a);
    let toward = e.mul(kept, want);
    let held = e.mul(a, reduction);
    let reduction = e.add(held, toward);
    let reduction = e.flush_denormal(reduction);

    let makeup = e.clamp_finite(makeup, -60.0, 60.0);
    let gain_db = e.sub(makeup, reduction);
    let twenty = e.splat(20.0);
    let gain_exponent = e.div(gain_db, twenty);
    let gain_exponent = e.mul_const(gain_exponent, LN_10);
    let gain = exp(e, gain_exponent);
    let y = e.mul(x, gain);

    // A non-finite output or reduction outputs 0 and clears the reduction.
    let y_finite = e.is_finite(y);
    let reduction_finite = e.is_finite(reduction);
    let finite = e.and_masks(y_finite, reduction_finite);
    let reduction = e.select(finite, reduction, zero);
    e.b.def_var(reduction_var, reduction);
    e.select(finite, y, zero)
}
