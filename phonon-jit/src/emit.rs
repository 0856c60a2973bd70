//! Lane-generic instruction helpers: the same calls build scalar `f32` code
//! (one lane) or `f32x4` code (four packed lanes), plus the inlined
//! polynomial approximations of `sin`, `tan`, `exp2` and `tanh`. Knows nothing
//! about nodes or graphs.
//!
//! # Approximation error bounds (absolute, measured against `f64` in tests)
//!
//! - [`Emit::sin_turns`] (`sin(2π p)`): range reduction to a quarter period,
//!   then the odd Taylor polynomial of degree 11 on `[-π/2, π/2]`, whose
//!   truncation error is below `(π/2)^13 / 13! ≈ 6e-8`; with `f32` rounding
//!   the result is within 2.5e-7 of the true sine.
//! - [`Emit::sin_radians_f32`] (`sin t`, `t` in `0..=2π`): reduction by
//!   `π` and a degree-9 minimax polynomial, in `f32` (with fused
//!   multiply-add), four lanes to an operation. Checked exhaustively over
//!   every `f32` in `0..=2π`: within 1.1921e-7 (2^-23, two ulp just below
//!   1) of the reference's `f32` `sin` and 1.25e-7 of the true sine;
//!   `tests/nodes.rs` holds it to 1.2e-7. The differences are unbiased
//!   (mean 4e-10 over a uniformly sampled phase, against a mean size of
//!   1e-8) but frequent.
//! - [`Emit::sin_radians_f64`] (`sin t`): computed in `f64` (reduction by
//!   `π`, a degree-13 minimax polynomial with relative error below 7e-14)
//!   and rounded once, so it agrees with the reference's `f32` `sin` (whose
//!   argument `TAU * phase` both round alike) but for rare one-ulp
//!   near-ties; `tests/nodes.rs` holds it to 1.2e-7 too. It costs twice the
//!   `f32` one, so only a `sine` whose output reaches an oscillator's
//!   frequency uses it (see `phase_inputs`): an oscillator integrates every
//!   ulp its frequency differs by into phase drift, which a saw's jumps turn
//!   into a visible difference (1.4e-4 after a second for `saw (sine 3 *
//!   400 + 500)` with the `f32` sine).
//! - [`Emit::tan_radians`] (`tan t`, `t` in `0..=0.45π`, the SVF's
//!   prewarp) has two forms, picked by width:
//!   - [`Emit::tan_radians_f64`], in scalar code: computed in `f64`
//!     (reduction by `π/2`, polynomials with relative error below 3e-14)
//!     and rounded once, so the SVF, which rounds its argument `PI * fc /
//!     rate` as the reference does, agrees with its `f32` `tan` but for
//!     rare one-ulp near-ties.
//!   - [`Emit::tan_radians_f32`], in packed code: the ratio of two
//!     [`Emit::sin_radians_f32`]; relative error below 2.1e-7 (within 3
//!     ulp of `f32` `tan`, checked on every seventh `f32` from 2^-31 up),
//!     far below what the SVF tests' 1e-4 can see. It needs few enough
//!     registers that the packed filter loop keeps its state in registers;
//!     in scalar code two `f32` sines cost more than one `f64` pass.
//! - [`Emit::exp2`]: `2^round(x)` built from the exponent bits times the
//!   degree-6 Taylor polynomial of `e^(f ln 2)` for `f` in `-0.5..0.5`:
//!   relative error below 3e-7 for an exact argument, and exact at integers
//!   (`mtof`, whose argument `(m - 69) / 12` is itself rounded to `f32`,
//!   measures within 1e-6 of the exact frequency).
//! - [`Emit::tanh`]: `1 - 2 / (e^(2|x|) + 1)` with the sign of `x`, through
//!   [`Emit::exp2`]; absolute error below 3e-7 (tested on `-10..10`).

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::{F32, F32X4, F64, F64X2, I32, I32X4, I64, I64X2, I8X16};
use cranelift_codegen::ir::{ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use std::f32::consts::{LN_2, LOG2_E, TAU};

/// Builds lane-generic instructions into a function.
pub(crate) struct Emit<'a, 'b> {
    pub b: &'b mut FunctionBuilder<'a>,
    /// 1 (scalar `f32`) or 4 (`f32x4`).
    pub lanes: usize,
    /// Whether the host has fused multiply-add (Cranelift never fuses on its own).
    pub fma: bool,
    pub constants: &'b mut ConstantPool,
}

/// Float constants, kept in the state memory after the state slots and
/// loaded where used. Built as immediates, Cranelift would hoist every
/// constant out of the sample loop and, with only 16 vector registers,
/// spill most of them; a load right at the use folds into the instruction
/// as a memory operand instead.
#[derive(Debug)]
pub(crate) struct ConstantPool {
    /// Where the pool starts in the state memory, in bytes.
    pub base: i32,
    /// `lanes` values per entry.
    pub values: Vec<f32>,
    lanes: usize,
    /// The state pointer the pool (and memory-resident state) is addressed
    /// from.
    pub pointer: Value,
    /// The function's own state pointer, the same in every loop.
    invariant: Value,
    /// While set, constants load through `invariant`, so Cranelift may
    /// hoist them, and the work on them, out of the sample loop (for a
    /// value that is the same on every sample of the loop).
    pub hoisting: bool,
}

impl ConstantPool {
    pub fn new(base: i32, lanes: usize, pointer: Value) -> ConstantPool {
        ConstantPool {
            base,
            values: Vec::new(),
            lanes,
            pointer,
            invariant: pointer,
            hoisting: false,
        }
    }

    /// The byte offset of a new entry holding `values` (one per lane).
    /// Every use gets its own entry: two loads of one address would be
    /// merged into one value that then lives, and spills, between its uses.
    fn offset_of(&mut self, values: &[f32]) -> i32 {
        self.values.extend_from_slice(values);
        let index = self.values.len() / self.lanes - 1;
        self.base + (index * self.lanes * 4) as i32
    }

    /// The byte offset of a new entry holding `value` as `f64` in every
    /// `f64` lane: one `f64` for scalar code, an `f64x2` for packed code.
    fn offset_of_f64(&mut self, value: f64) -> i32 {
        let bits = value.to_bits();
        let halves = [
            f32::from_bits(bits as u32),
            f32::from_bits((bits >> 32) as u32),
        ];
        let entry: Vec<f32> = halves
            .iter()
            .copied()
            .cycle()
            .take(self.lanes.max(2))
            .collect();
        let stride = entry.len();
        if self.values.len() % stride != 0 {
            let padding = stride - self.values.len() % stride;
            self.values.extend(std::iter::repeat_n(0.0, padding));
        }
        self.values.extend_from_slice(&entry);
        let index = self.values.len() / stride - 1;
        self.base + (index * stride * 4) as i32
    }
}

/// Flags for loads and stores of buffers the caller vouches for (see `call`).
pub(crate) fn buffer_flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// `sin(x) / x` as a polynomial in `x²` on `|x| <= π/2` (see
/// [`Emit::sin_radians_f64`]).
const SIN_OVER_X: [f64; 7] = [
    0.999_999_999_999_937_5,
    -0.166_666_666_664_320_42,
    0.008_333_333_318_750_628,
    -0.000_198_412_664_088_305_85,
    2.755_693_169_121_003e-6,
    -2.502_950_976_163_457_5e-8,
    1.540_103_890_286_623_8e-10,
];

/// `(sin(r) - r) / r³` as a polynomial in `z = r²` on `|r| <= π/2` (see
/// [`Emit::sin_radians_f32`]): fitted to the relative error of `sin`, minimax
/// by Lawson's iteration, below 6.1e-9 (a tenth of an `f32` ulp), its error
/// alternating in sign.
const SIN_TAIL: [f32; 4] = [
    -0.166_666_6,
    0.008_333_066_5,
    -0.000_198_096_01,
    2.605_774_6e-6,
];

/// `k!` as `f64`, for Taylor coefficients.
fn factorial(k: u32) -> f64 {
    (1..=k).map(f64::from).product()
}

/// Lane-changing bitcasts between vector types need an explicit byte order.
fn bitcast_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl<'a, 'b> Emit<'a, 'b> {
    pub fn float_type(&self) -> Type {
        if self.lanes == 1 {
            F32
        } else {
            F32X4
        }
    }

    fn int_type(&self) -> Type {
        if self.lanes == 1 {
            I32
        } else {
            I32X4
        }
    }

    pub fn splat(&mut self, value: f32) -> Value {
        let values = vec![value; self.lanes];
        self.per_lane(&values)
    }

    /// A constant that may differ per lane (`values.len() == lanes`).
    pub fn per_lane(&mut self, values: &[f32]) -> Value {
        let offset = self.constants.offset_of(values);
        let ty = self.float_type();
        let pointer = if self.constants.hoisting {
            self.constants.invariant
        } else {
            self.constants.pointer
        };
        let movable = buffer_flags().with_readonly().with_can_move();
        self.b.ins().load(ty, movable, pointer, offset)
    }

    pub fn splat_int(&mut self, value: i32) -> Value {
        let scalar = self.b.ins().iconst(I32, i64::from(value));
        if self.lanes == 1 {
            scalar
        } else {
            self.b.ins().splat(I32X4, scalar)
        }
    }

    /// A state slot kept in memory (see `nodes::memory_slots`).
    pub fn load_state(&mut self, offset: i32) -> Value {
        let ty = self.float_type();
        let pointer = self.constants.pointer;
        self.b.ins().load(ty, buffer_flags(), pointer, offset)
    }

    pub fn store_state(&mut self, value: Value, offset: i32) {
        let pointer = self.constants.pointer;
        self.b.ins().store(buffer_flags(), value, pointer, offset);
    }

    pub fn add(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fadd(a, b)
    }

    pub fn sub(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fsub(a, b)
    }

    pub fn mul(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fmul(a, b)
    }

    pub fn div(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fdiv(a, b)
    }

    /// `-a`: the sign bit flipped with a mask from the pool (Cranelift's
    /// own `fneg` builds the mask in two instructions every time).
    pub fn neg(&mut self, a: Value) -> Value {
        let mask = self.splat(f32::from_bits(0x8000_0000));
        self.b.ins().bxor(a, mask)
    }

    /// `|a|`: the sign bit cleared with a mask from the pool (as `neg`).
    pub fn abs(&mut self, a: Value) -> Value {
        let mask = self.splat(f32::from_bits(0x7fff_ffff));
        self.b.ins().band(a, mask)
    }

    pub fn min(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fmin(a, b)
    }

    pub fn max(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fmax(a, b)
    }

    /// `a * b + c`, fused where the host can.
    pub fn fma(&mut self, a: Value, b: Value, c: Value) -> Value {
        if self.fma {
            self.b.ins().fma(a, b, c)
        } else {
            let product = self.b.ins().fmul(a, b);
            self.b.ins().fadd(product, c)
        }
    }

    /// `a * k + c` for a constant `k`.
    pub fn fma_const(&mut self, a: Value, k: f32, c: Value) -> Value {
        let k = self.splat(k);
        self.fma(a, k, c)
    }

    pub fn mul_const(&mut self, a: Value, k: f32) -> Value {
        let k = self.splat(k);
        self.mul(a, k)
    }

    pub fn add_const(&mut self, a: Value, k: f32) -> Value {
        let k = self.splat(k);
        self.add(a, k)
    }

    /// A lane mask: `i8` for one lane, `i32x4` for four.
    pub fn compare(&mut self, cc: FloatCC, a: Value, b: Value) -> Value {
        self.b.ins().fcmp(cc, a, b)
    }

    pub fn compare_const(&mut self, cc: FloatCC, a: Value, k: f32) -> Value {
        let k = self.splat(k);
        self.compare(cc, a, k)
    }

    pub fn and_masks(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().band(a, b)
    }

    /// A scalar that is nonzero when any lane of `mask` is set (for `brif`).
    pub fn any_lane(&mut self, mask: Value) -> Value {
        if self.lanes == 1 {
            mask
        } else {
            self.b.ins().vhigh_bits(I32, mask)
        }
    }

    /// Per lane: `mask ? a : b`.
    pub fn select(&mut self, mask: Value, a: Value, b: Value) -> Value {
        if self.lanes == 1 {
            self.b.ins().select(mask, a, b)
        } else {
            let mask = self.b.ins().bitcast(F32X4, bitcast_flags(), mask);
            self.b.ins().bitselect(mask, a, b)
        }
    }

    /// Per lane: `mask ? x : 0`, as one `and` with the mask.
    pub fn keep_where(&mut self, mask: Value, x: Value) -> Value {
        if self.lanes == 1 {
            let zero = self.splat(0.0);
            self.b.ins().select(mask, x, zero)
        } else {
            let mask = self.b.ins().bitcast(F32X4, bitcast_flags(), mask);
            self.b.ins().band(x, mask)
        }
    }

    /// True where the lane is neither NaN nor infinite.
    pub fn is_finite(&mut self, x: Value) -> Value {
        let magnitude = self.abs(x);
        self.compare_const(FloatCC::LessThan, magnitude, f32::INFINITY)
    }

    pub fn finite_or_zero(&mut self, x: Value) -> Value {
        let finite = self.is_finite(x);
        let zero = self.splat(0.0);
        self.select(finite, x, zero)
    }

    /// `phonon_ir::dsp::flush_denormal`.
    pub fn flush_denormal(&mut self, x: Value) -> Value {
        let magnitude = self.abs(x);
        let tiny = self.compare_const(FloatCC::LessThan, magnitude, phonon_ir::dsp::DENORMAL_FLOOR);
        let zero = self.splat(0.0);
        self.select(tiny, zero, x)
    }

    /// [`Emit::flush_denormal`] that also zeroes a non-finite `x`.
    pub fn flush_denormal_and_non_finite(&mut self, x: Value) -> Value {
        let magnitude = self.abs(x);
        let large = self.compare_const(
            FloatCC::GreaterThanOrEqual,
            magnitude,
            phonon_ir::dsp::DENORMAL_FLOOR,
        );
        let finite = self.compare_const(FloatCC::LessThan, magnitude, f32::INFINITY);
        let normal = self.and_masks(large, finite);
        let zero = self.splat(0.0);
        self.select(normal, x, zero)
    }

    /// `phonon_ir::dsp::clamp_finite`: NaN reads as `lo`, and `lo` wins
    /// over `hi`.
    pub fn clamp_finite(&mut self, x: Value, lo: f32, hi: f32) -> Value {
        let (lo, hi) = (self.splat(lo), self.splat(hi));
        // x.min(hi) keeps a NaN x; the `lo` test then fails for NaN and so
        // picks `lo`, as it does below `lo` (and when `lo > hi`).
        let above = self.compare(FloatCC::LessThan, hi, x);
        let capped = self.select(above, hi, x);
        let inside = self.compare(FloatCC::GreaterThan, capped, lo);
        self.select(inside, capped, lo)
    }

    /// `f32::round` (half away from zero), which `nearest` (half to even)
    /// is not.
    pub fn round_half_away(&mut self, x: Value) -> Value {
        let whole = self.b.ins().trunc(x);
        let fraction = self.sub(x, whole);
        let fraction = self.abs(fraction);
        let up = self.compare_const(FloatCC::GreaterThanOrEqual, fraction, 0.5);
        let one = self.splat(1.0);
        let signed_one = self.with_sign_of(one, x);
        let away = self.add(whole, signed_one);
        self.select(up, away, whole)
    }

    /// Horner evaluation of `c[0] + c[1] x + c[2] x² + ...`.
    pub fn polynomial(&mut self, x: Value, coefficients: &[f32]) -> Value {
        let mut acc = self.splat(coefficients[coefficients.len() - 1]);
        for &c in coefficients[..coefficients.len() - 1].iter().rev() {
            let c = self.splat(c);
            acc = self.fma(acc, x, c);
        }
        acc
    }

    /// `sin(2π p)` for any finite `p` (in turns).
    pub fn sin_turns(&mut self, p: Value) -> Value {
        let whole = self.b.ins().nearest(p);
        let x = self.sub(p, whole);
        // x in -0.5..0.5; mirror the outer quarters onto -0.25..0.25.
        let half = self.splat(0.5);
        let upper = self.sub(half, x);
        let minus_half = self.splat(-0.5);
        let lower = self.sub(minus_half, x);
        let above = self.compare_const(FloatCC::GreaterThan, x, 0.25);
        let below = self.compare_const(FloatCC::LessThan, x, -0.25);
        let folded = self.select(below, lower, x);
        let folded = self.select(above, upper, folded);
        let t = self.mul_const(folded, TAU);
        let t2 = self.mul(t, t);
        let odd = self.polynomial(
            t2,
            &[
                1.0,
                -1.0 / 6.0,
                1.0 / 120.0,
                -1.0 / 5040.0,
                1.0 / 362_880.0,
                -1.0 / 39_916_800.0,
            ],
        );
        self.mul(t, odd)
    }

    /// `sin(t)` and `cos(t)` of one `f64` or `f64x2` `t` in radians (`|t|`
    /// below about 1e6), accurate far beyond `f32`. Reduction by `π/2` in
    /// two parts (fdlibm's `pio2_1`, `pio2_1t`: `n * pio2_1` is exact), then
    /// the Taylor polynomials to degree 13 and 14 on `[-π/4, π/4]`
    /// (truncation below 3e-14), picked and signed by quadrant.
    fn sin_cos_f64(&mut self, t: Value) -> (Value, Value) {
        const PIO2_1: f64 = 1.570_796_326_734_125_614_17;
        const PIO2_1T: f64 = 6.077_100_506_506_192_249_32e-11;
        let scaled = self.mul_f64(t, std::f64::consts::FRAC_2_PI);
        let n = self.b.ins().nearest(scaled);
        let minus_hi = self.splat_f64(-PIO2_1);
        let r = self.fma(n, minus_hi, t);
        let minus_lo = self.splat_f64(-PIO2_1T);
        let r = self.fma(n, minus_lo, r);
        let z = self.b.ins().fmul(r, r);
        // sin r = r (1 - z/3! + z²/5! - ...), cos r = 1 - z/2! + z²/4! - ...
        let sin_terms: Vec<f64> = (0..7)
            .map(|i| (-1f64).powi(i) / factorial(2 * i as u32 + 1))
            .collect();
        let cos_terms: Vec<f64> = (0..8)
            .map(|i| (-1f64).powi(i) / factorial(2 * i as u32))
            .collect();
        let odd = self.polynomial_f64(z, &sin_terms);
        let sine = self.b.ins().fmul(r, odd);
        let cosine = self.polynomial_f64(z, &cos_terms);
        // Quadrant n mod 4 = 4 frac(n / 4): sin t = (sin r, cos r, -sin r,
        // -cos r) and cos t = (cos r, -sin r, -cos r, sin r) by quadrant.
        let quarter = self.mul_f64(n, 0.25);
        let whole = self.b.ins().floor(quarter);
        let phase = self.b.ins().fsub(quarter, whole);
        let [q1, q2, q3] = [0.25, 0.5, 0.75].map(|at| {
            let at = self.splat_f64(at);
            self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, phase, at)
        });
        let q1_not_q2 = self.b.ins().band_not(q1, q2);
        let odd_quadrant = self.b.ins().bxor(q1_not_q2, q3);
        let q1_not_q3 = self.b.ins().band_not(q1, q3);
        let sin_base = self.select_f64(odd_quadrant, cosine, sine);
        let cos_base = self.select_f64(odd_quadrant, sine, cosine);
        let minus_sin = self.b.ins().fneg(sin_base);
        let minus_cos = self.b.ins().fneg(cos_base);
        let sine = self.select_f64(q2, minus_sin, sin_base);
        let cosine = self.select_f64(q1_not_q3, minus_cos, cos_base);
        (sine, cosine)
    }

    /// The lanes of `x` as `f64`: one `f64`, or two `f64x2` (lanes 0-1 and
    /// 2-3).
    fn to_f64_halves(&mut self, x: Value) -> Vec<Value> {
        if self.lanes == 1 {
            return vec![self.b.ins().fpromote(F64, x)];
        }
        let low = self.b.ins().fvpromote_low(x);
        let bytes = self.b.ins().bitcast(I8X16, bitcast_flags(), x);
        let swap: Vec<u8> = (8..16).chain(0..8).collect();
        let mask = self.b.func.dfg.immediates.push(ConstantData::from(swap));
        let swapped = self.b.ins().shuffle(bytes, bytes, mask);
        let swapped = self.b.ins().bitcast(F32X4, bitcast_flags(), swapped);
        let high = self.b.ins().fvpromote_low(swapped);
        vec![low, high]
    }

    /// The inverse of [`Emit::to_f64_halves`], rounding to `f32`.
    fn from_f64_halves(&mut self, halves: &[Value]) -> Value {
        if self.lanes == 1 {
            return self.b.ins().fdemote(F32, halves[0]);
        }
        let low = self.b.ins().fvdemote(halves[0]);
        let high = self.b.ins().fvdemote(halves[1]);
        let low = self.b.ins().bitcast(I8X16, bitcast_flags(), low);
        let high = self.b.ins().bitcast(I8X16, bitcast_flags(), high);
        let join: Vec<u8> = (0..8).chain(16..24).collect();
        let mask = self.b.func.dfg.immediates.push(ConstantData::from(join));
        let joined = self.b.ins().shuffle(low, high, mask);
        self.b.ins().bitcast(F32X4, bitcast_flags(), joined)
    }

    /// An `f64` constant in every lane of the `f64` type of this width.
    fn splat_f64(&mut self, value: f64) -> Value {
        let offset = self.constants.offset_of_f64(value);
        let ty = if self.lanes == 1 { F64 } else { F64X2 };
        let pointer = self.constants.pointer;
        let movable = buffer_flags().with_readonly().with_can_move();
        self.b.ins().load(ty, movable, pointer, offset)
    }

    fn mul_f64(&mut self, a: Value, k: f64) -> Value {
        let k = self.splat_f64(k);
        self.b.ins().fmul(a, k)
    }

    fn polynomial_f64(&mut self, x: Value, coefficients: &[f64]) -> Value {
        let mut acc = self.splat_f64(coefficients[coefficients.len() - 1]);
        for &c in coefficients[..coefficients.len() - 1].iter().rev() {
            let c = self.splat_f64(c);
            acc = self.fma(acc, x, c);
        }
        acc
    }

    /// The polynomial `c[0] + c[1] x + ...` as its even and odd halves in
    /// `x²`, each by Horner: one operation more than Horner in `x`, with
    /// the dependency chain about half as long, so that the samples of a
    /// loop overlap.
    fn polynomial_f64_split(&mut self, x: Value, coefficients: &[f64]) -> Value {
        let x2 = self.b.ins().fmul(x, x);
        let even: Vec<f64> = coefficients.iter().copied().step_by(2).collect();
        let odd: Vec<f64> = coefficients.iter().copied().skip(1).step_by(2).collect();
        let even = self.polynomial_f64(x2, &even);
        let odd = self.polynomial_f64(x2, &odd);
        self.fma(odd, x, even)
    }

    fn select_f64(&mut self, mask: Value, a: Value, b: Value) -> Value {
        if self.lanes == 1 {
            self.b.ins().select(mask, a, b)
        } else {
            let mask = self.b.ins().bitcast(F64X2, bitcast_flags(), mask);
            self.b.ins().bitselect(mask, a, b)
        }
    }

    /// `sin(t)` for `t` in radians in `0..=2π` (an oscillator's phase
    /// angle), in `f32` lanes, four to an operation: the reduction by `π`
    /// (`sin t = (-1)^n sin(t - nπ)`) is exact but for one rounding (`t -
    /// n π_hi` is exact by Sterbenz's lemma for `n` of 0, 1 or 2), then
    /// `r + r z Q(z)`, `z = r²`, with [`SIN_TAIL`]. See the module's error
    /// bounds.
    pub fn sin_radians_f32(&mut self, t: Value) -> Value {
        // Adding 1.5 * 2^23 rounds to an integer (to even, as `nearest`)
        // held in the low bits of the mantissa, so the sum's last bit is
        // the parity of `n`.
        const ROUNDER: f32 = 12_582_912.0;
        const PI_HI: f32 = std::f32::consts::PI;
        const PI_LO: f32 = (std::f64::consts::PI - PI_HI as f64) as f32;
        let inverse_pi = self.splat(std::f32::consts::FRAC_1_PI);
        let rounder = self.splat(ROUNDER);
        let shifted = self.fma(t, inverse_pi, rounder);
        let rounder = self.splat(ROUNDER);
        let n = self.sub(shifted, rounder);
        let r = self.fma_const(n, -PI_HI, t);
        let r = self.fma_const(n, -PI_LO, r);
        let z = self.mul(r, r);
        let tail = self.polynomial(z, &SIN_TAIL);
        let rz = self.mul(r, z);
        let sine = self.fma(rz, tail, r);
        // Odd n flips the sign: its parity bit moved to the sign bit.
        let bits = self.bitcast_to_int(shifted);
        let sign = self.int_shl(bits, 31);
        let sine = self.bitcast_to_int(sine);
        let signed = self.int_xor(sine, sign);
        self.bitcast_to_float(signed)
    }

    /// `sin(t)`, `t` in radians (`|t|` below about 1e6), computed in `f64`
    /// and rounded once like `sin_cos_f64`, more cheaply: the
    /// reduction is by `π` (`sin t = (-1)^n sin(t - nπ)`) and one odd
    /// polynomial of degree 13 covers `[-π/2, π/2]`: fitted to the relative
    /// error of `sin`, minimax by Lawson's iteration, below 7e-14 (as small
    /// as the degree-17 Taylor polynomial's, two multiply-adds fewer), its
    /// error alternating in sign so that rare misrounded near-ties carry no
    /// bias. See the module's error bounds.
    pub fn sin_radians_f64(&mut self, t: Value) -> Value {
        let halves = self.to_f64_halves(t);
        let sines: Vec<Value> = halves.into_iter().map(|half| self.sin_f64(half)).collect();
        self.from_f64_halves(&sines)
    }

    fn sin_f64(&mut self, t: Value) -> Value {
        // fdlibm's pio2_1 and pio2_1t, doubled: n * PI_HI is exact.
        const PI_HI: f64 = 2.0 * 1.570_796_326_734_125_614_17;
        const PI_LO: f64 = 2.0 * 6.077_100_506_506_192_249_32e-11;
        // Adding 1.5 * 2^52 rounds to an integer (to even, as `nearest`)
        // held in the low bits of the mantissa, so the sum's last bit is
        // the parity of `n`.
        const ROUNDER: f64 = 6_755_399_441_055_744.0;
        let inverse_pi = self.splat_f64(std::f64::consts::FRAC_1_PI);
        let rounder = self.splat_f64(ROUNDER);
        let shifted = self.fma(t, inverse_pi, rounder);
        let rounder = self.splat_f64(ROUNDER);
        let n = self.b.ins().fsub(shifted, rounder);
        let minus_hi = self.splat_f64(-PI_HI);
        let r = self.fma(n, minus_hi, t);
        let minus_lo = self.splat_f64(-PI_LO);
        let r = self.fma(n, minus_lo, r);
        let z = self.b.ins().fmul(r, r);
        let odd = self.polynomial_f64_split(z, &SIN_OVER_X);
        let sine = self.b.ins().fmul(r, odd);
        // Odd n flips the sign: its parity bit moved to the sign bit.
        let (float, int) = if self.lanes == 1 {
            (F64, I64)
        } else {
            (F64X2, I64X2)
        };
        let bits = self.b.ins().bitcast(int, bitcast_flags(), shifted);
        let sign = self.b.ins().ishl_imm_u(bits, 63);
        let sign = self.b.ins().bitcast(float, bitcast_flags(), sign);
        self.b.ins().bxor(sine, sign)
    }

    /// `tan(t)` for `t` in `0..=0.45π` (the SVF's prewarp): in packed code
    /// [`Emit::tan_radians_f32`], in scalar code [`Emit::tan_radians_f64`].
    /// Packed, the `f64` pair per lane pair leaves the filter loop too few
    /// registers for its state; scalar, one `f64` pass costs less than two
    /// `f32` sines.
    pub fn tan_radians(&mut self, t: Value) -> Value {
        if self.lanes == 1 {
            self.tan_radians_f64(t)
        } else {
            self.tan_radians_f32(t)
        }
    }

    /// `tan(t)`: the ratio of the `f64` sine and cosine of `sin_cos_f64`,
    /// rounded once. See the module's error bounds.
    pub fn tan_radians_f64(&mut self, t: Value) -> Value {
        let halves = self.to_f64_halves(t);
        let ratios: Vec<Value> = halves
            .into_iter()
            .map(|half| {
                let (sine, cosine) = self.sin_cos_f64(half);
                self.b.ins().fdiv(sine, cosine)
            })
            .collect();
        self.from_f64_halves(&ratios)
    }

    /// `tan(t)` for `t` in `0..=0.45π`: `sin t / sin(π/2 - t)` through
    /// [`Emit::sin_radians_f32`], in `f32` lanes; `π/2 - t` is exact but for
    /// one rounding. See the module's error bounds.
    pub fn tan_radians_f32(&mut self, t: Value) -> Value {
        const HALF_PI_HI: f32 = std::f32::consts::FRAC_PI_2;
        const HALF_PI_LO: f32 = (std::f64::consts::FRAC_PI_2 - HALF_PI_HI as f64) as f32;
        let sine = self.sin_radians_f32(t);
        let half_pi = self.splat(HALF_PI_HI);
        let complement = self.sub(half_pi, t);
        let complement = self.add_const(complement, HALF_PI_LO);
        let cosine = self.sin_radians_f32(complement);
        self.div(sine, cosine)
    }

    /// `cos(2π p)`.
    pub fn cos_turns(&mut self, p: Value) -> Value {
        let shifted = self.add_const(p, 0.25);
        self.sin_turns(shifted)
    }

    /// `2^x`, with `x` clamped to `-126..126`.
    pub fn exp2(&mut self, x: Value) -> Value {
        let x = self.clamp_finite(x, -126.0, 126.0);
        let whole = self.b.ins().nearest(x);
        let fraction = self.sub(x, whole);
        let u = self.mul_const(fraction, LN_2);
        let mantissa = self.polynomial(
            u,
            &[
                1.0,
                1.0,
                0.5,
                1.0 / 6.0,
                1.0 / 24.0,
                1.0 / 120.0,
                1.0 / 720.0,
            ],
        );
        let int_type = self.int_type();
        let exponent = self.b.ins().fcvt_to_sint_sat(int_type, whole);
        let bias = self.splat_int(127);
        let biased = self.b.ins().iadd(exponent, bias);
        let shift = self.b.ins().iconst(I32, 23);
        let bits = self.b.ins().ishl(biased, shift);
        let scale = self.bitcast_to_float(bits);
        self.mul(mantissa, scale)
    }

    /// `tanh(x)`; NaN stays NaN.
    pub fn tanh(&mut self, x: Value) -> Value {
        let magnitude = self.abs(x);
        // tanh(9) rounds to 1 in f32.
        let limit = self.splat(9.0);
        let magnitude = self.min(magnitude, limit);
        let doubled = self.mul_const(magnitude, 2.0 * LOG2_E);
        let e = self.exp2(doubled);
        let one = self.splat(1.0);
        let denominator = self.add(e, one);
        let two = self.splat(2.0);
        let ratio = self.div(two, denominator);
        let t = self.sub(one, ratio);
        let signed = self.with_sign_of(t, x);
        // `exp2` reads NaN as its lower bound; keep NaN NaN.
        let nan = self.compare(FloatCC::Unordered, x, x);
        self.select(nan, x, signed)
    }

    /// `magnitude` (non-negative) with the sign bit of `x`: `fcopysign`,
    /// which Cranelift's x64 backend lacks for vectors.
    fn with_sign_of(&mut self, magnitude: Value, x: Value) -> Value {
        let bits = self.bitcast_to_int(x);
        let sign_mask = self.splat_int(i32::MIN);
        let sign = self.b.ins().band(bits, sign_mask);
        let magnitude = self.bitcast_to_int(magnitude);
        let signed = self.b.ins().bor(magnitude, sign);
        self.bitcast_to_float(signed)
    }

    pub fn bitcast_to_float(&mut self, x: Value) -> Value {
        let ty = self.float_type();
        self.b.ins().bitcast(ty, bitcast_flags(), x)
    }

    pub fn bitcast_to_int(&mut self, x: Value) -> Value {
        let ty = self.int_type();
        self.b.ins().bitcast(ty, bitcast_flags(), x)
    }

    /// Integer per-lane helpers for the noise generators.
    pub fn int_xor(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().bxor(a, b)
    }

    pub fn int_shl(&mut self, a: Value, amount: i64) -> Value {
        let amount = self.b.ins().iconst(I32, amount);
        self.b.ins().ishl(a, amount)
    }

    pub fn int_ushr(&mut self, a: Value, amount: i64) -> Value {
        let amount = self.b.ins().iconst(I32, amount);
        self.b.ins().ushr(a, amount)
    }

    /// Converts non-negative integers below 2^24 to floats exactly.
    pub fn int_to_float(&mut self, a: Value) -> Value {
        let ty = self.float_type();
        self.b.ins().fcvt_from_sint(ty, a)
    }
}
