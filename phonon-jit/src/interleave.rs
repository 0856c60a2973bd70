//! Moves one chunk of samples between a packed group's four lane buffers
//! and an interleaved scratch slot (one `f32x4` per sample). The sample
//! loops then read an input, or write an output, with one vector access
//! instead of four scalar ones, each through a pointer that would otherwise
//! be reloaded from the stack every sample; here the pointers stay in
//! registers and four samples move at a time through a 4×4 transpose.

use crate::emit::buffer_flags;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F32X4, I32, I32X4, I64, I8X16};
use cranelift_codegen::ir::{
    ConstantData, Endianness, InstBuilder, MemFlagsData, StackSlot, Value,
};
use cranelift_frontend::FunctionBuilder;

/// One packed slot's transfer: the table entries holding its lane buffer
/// pointers, and its scratch slot.
pub(crate) struct Transfer {
    /// The pointer table (the function's inputs or outputs parameter).
    pub table: Value,
    /// Byte offset in `table` of each lane's pointer (one to four lanes).
    pub entries: Vec<i32>,
    pub scratch: StackSlot,
}

/// Bytes per interleaved sample.
const STRIDE: i64 = 16;

/// What [`move_inputs`] found about a chunk of inputs.
pub(crate) struct HeldInputs {
    /// True (`i8`) when every input holds one value (per lane) through the
    /// chunk, as controls do between pattern steps. The scratch slots are
    /// then left unfilled: the loops read `first` instead.
    pub steady: Value,
    /// Per transfer, its scratch slot and its chunk's first sample.
    pub first: Vec<(StackSlot, Value)>,
}

/// Emits the code that moves samples `first..end` of every input transfer
/// into its scratch slot, unless they all hold still; the builder
/// continues in a new block after it. Sample `i` sits at byte `4 i` of a
/// lane buffer and `16 (i - first)` of its scratch slot. The test of
/// stillness reads each lane's samples in place, so a steady chunk (most
/// chunks) costs one compare per four samples and lane, and no shuffles.
pub(crate) fn move_inputs(
    b: &mut FunctionBuilder,
    transfers: &[Transfer],
    first: Value,
    end: Value,
) -> Option<HeldInputs> {
    if transfers.is_empty() {
        return None;
    }
    let flags = buffer_flags();
    let pointers = lane_pointers(b, transfers);
    let first_byte = b.ins().ishl_imm_u(first, 2);
    let references: Vec<Value> = pointers
        .iter()
        .map(|lanes| gather(b, lanes, first_byte))
        .collect();
    // Each lane's first sample in all four lanes, to compare four samples
    // of that lane at once.
    let lane_references: Vec<[Value; 4]> = references
        .iter()
        .map(|&reference| {
            [0u8, 1, 2, 3].map(|lane| {
                let value = b.ins().extractlane(reference, lane);
                b.ins().splat(F32X4, value)
            })
        })
        .collect();
    let varying = b.declare_var(I32X4);
    let zero = b.ins().iconst(I32, 0);
    let none = b.ins().splat(I32X4, zero);
    b.def_var(varying, none);
    let mark = |b: &mut FunctionBuilder, values: Value, reference: Value| {
        let differs = b.ins().fcmp(FloatCC::NotEqual, values, reference);
        let so_far = b.use_var(varying);
        let so_far = b.ins().bor(so_far, differs);
        b.def_var(varying, so_far);
    };
    sample_loop(
        b,
        first,
        end,
        &mut |b, byte, _| {
            for (lanes, lane_references) in pointers.iter().zip(&lane_references) {
                for (lane, &reference) in lane_references.iter().enumerate() {
                    let address = lane_address(b, lanes, lane, byte);
                    let four = b.ins().load(F32X4, flags, address, 0);
                    mark(b, four, reference);
                }
            }
        },
        &mut |b, byte, _| {
            for (lanes, &reference) in pointers.iter().zip(&references) {
                let vector = gather(b, lanes, byte);
                mark(b, vector, reference);
            }
        },
    );
    let varying = b.use_var(varying);
    let any = b.ins().vany_true(varying);
    let steady = b.ins().icmp_imm_u(IntCC::Equal, any, 0);

    let fill = b.create_block();
    let filled = b.create_block();
    b.ins().brif(any, fill, &[], filled, &[]);
    b.seal_block(fill);
    b.switch_to_block(fill);
    let bases = scratch_bases(b, transfers);
    sample_loop(
        b,
        first,
        end,
        &mut |b, byte, local| {
            for (lanes, &base) in pointers.iter().zip(&bases) {
                let scratch = b.ins().iadd(base, local);
                let rows = [0, 1, 2, 3].map(|lane| {
                    let address = lane_address(b, lanes, lane, byte);
                    b.ins().load(F32X4, flags, address, 0)
                });
                for (s, column) in transpose(b, rows).into_iter().enumerate() {
                    b.ins()
                        .store(flags, column, scratch, s as i32 * STRIDE as i32);
                }
            }
        },
        &mut |b, byte, local| {
            for (lanes, &base) in pointers.iter().zip(&bases) {
                let scratch = b.ins().iadd(base, local);
                let vector = gather(b, lanes, byte);
                b.ins().store(flags, vector, scratch, 0);
            }
        },
    );
    b.ins().jump(filled, &[]);
    b.seal_block(filled);
    b.switch_to_block(filled);
    Some(HeldInputs {
        steady,
        first: transfers
            .iter()
            .map(|transfer| transfer.scratch)
            .zip(references)
            .collect(),
    })
}

/// Emits the code that moves samples `first..end` of every output
/// transfer from its scratch slot into its lane buffers; the builder
/// continues in a new block after it.
pub(crate) fn move_outputs(
    b: &mut FunctionBuilder,
    transfers: &[Transfer],
    first: Value,
    end: Value,
) {
    if transfers.is_empty() {
        return;
    }
    let flags = buffer_flags();
    let pointers = lane_pointers(b, transfers);
    let bases = scratch_bases(b, transfers);
    sample_loop(
        b,
        first,
        end,
        &mut |b, byte, local| {
            for (lanes, &base) in pointers.iter().zip(&bases) {
                let scratch = b.ins().iadd(base, local);
                let rows =
                    [0, 1, 2, 3].map(|s| b.ins().load(F32X4, flags, scratch, s * STRIDE as i32));
                for (lane, column) in transpose(b, rows).into_iter().enumerate().take(lanes.len()) {
                    let address = b.ins().iadd(lanes[lane], byte);
                    b.ins().store(flags, column, address, 0);
                }
            }
        },
        &mut |b, byte, local| {
            for (lanes, &base) in pointers.iter().zip(&bases) {
                let scratch = b.ins().iadd(base, local);
                let vector = b.ins().load(F32X4, flags, scratch, 0);
                for (lane, &pointer) in lanes.iter().enumerate() {
                    let scalar = b.ins().extractlane(vector, lane as u8);
                    let address = b.ins().iadd(pointer, byte);
                    b.ins().store(flags, scalar, address, 0);
                }
            }
        },
    );
}

/// Each transfer's lane buffer pointers, freshly loaded: short-lived values
/// the loops can keep in registers.
fn lane_pointers(b: &mut FunctionBuilder, transfers: &[Transfer]) -> Vec<Vec<Value>> {
    let flags = buffer_flags();
    transfers
        .iter()
        .map(|t| {
            t.entries
                .iter()
                .map(|&offset| b.ins().load(I64, flags, t.table, offset))
                .collect()
        })
        .collect()
}

fn scratch_bases(b: &mut FunctionBuilder, transfers: &[Transfer]) -> Vec<Value> {
    transfers
        .iter()
        .map(|t| b.ins().stack_addr(I64, t.scratch, 0))
        .collect()
}

/// The code emitted per step of [`sample_loop`], given the byte offsets of
/// its first sample in a lane buffer and in a scratch slot.
type Step<'s> = dyn FnMut(&mut FunctionBuilder, Value, Value) + 's;

/// A loop over samples `first..end`, four at a time with `quad` and the
/// rest one at a time with `single`; the builder continues after it.
fn sample_loop(
    b: &mut FunctionBuilder,
    first: Value,
    end: Value,
    quad: &mut Step,
    single: &mut Step,
) {
    let index = b.declare_var(I64);
    b.def_var(index, first);
    let quad_head = b.create_block();
    let quad_body = b.create_block();
    let tail_head = b.create_block();
    let tail_body = b.create_block();
    let done = b.create_block();
    b.ins().jump(quad_head, &[]);

    b.switch_to_block(quad_head);
    let i = b.use_var(index);
    let after_four = b.ins().iadd_imm_u(i, 4);
    let fits = b
        .ins()
        .icmp(IntCC::UnsignedLessThanOrEqual, after_four, end);
    b.ins().brif(fits, quad_body, &[], tail_head, &[]);
    b.seal_block(quad_body);

    b.switch_to_block(quad_body);
    let (byte, local) = addresses(b, i, first);
    quad(b, byte, local);
    b.def_var(index, after_four);
    b.ins().jump(quad_head, &[]);
    b.seal_block(quad_head);

    b.switch_to_block(tail_head);
    let i = b.use_var(index);
    let more = b.ins().icmp(IntCC::UnsignedLessThan, i, end);
    b.ins().brif(more, tail_body, &[], done, &[]);
    b.seal_block(tail_body);

    b.switch_to_block(tail_body);
    let (byte, local) = addresses(b, i, first);
    single(b, byte, local);
    let next = b.ins().iadd_imm_u(i, 1);
    b.def_var(index, next);
    b.ins().jump(tail_head, &[]);
    b.seal_block(tail_head);

    b.switch_to_block(done);
    b.seal_block(done);
}

/// Byte `byte` of lane `lane`'s buffer (the last lane's where there are
/// fewer lanes).
fn lane_address(b: &mut FunctionBuilder, lanes: &[Value], lane: usize, byte: Value) -> Value {
    b.ins().iadd(lanes[lane.min(lanes.len() - 1)], byte)
}

/// One sample of four lane buffers (the last lane's repeated where there
/// are fewer) as an `f32x4`.
fn gather(b: &mut FunctionBuilder, lanes: &[Value], byte: Value) -> Value {
    let flags = buffer_flags();
    let load = |b: &mut FunctionBuilder, lane: usize| {
        let address = lane_address(b, lanes, lane, byte);
        b.ins().load(F32, flags, address, 0)
    };
    let first = load(b, 0);
    let mut vector = b.ins().scalar_to_vector(F32X4, first);
    for lane in 1..4 {
        let scalar = load(b, lane);
        vector = b.ins().insertlane(vector, scalar, lane as u8);
    }
    vector
}

/// Byte offsets of sample `i` in a lane buffer and in a scratch slot.
fn addresses(b: &mut FunctionBuilder, i: Value, first: Value) -> (Value, Value) {
    let byte = b.ins().ishl_imm_u(i, 2);
    let in_chunk = b.ins().isub(i, first);
    let local = b.ins().imul_imm_u(in_chunk, STRIDE);
    (byte, local)
}

/// The 4×4 transpose of four `f32x4` rows (row `r` lane `c` becomes row
/// `c` lane `r`): two rounds of two-source shuffles, which x64 lowers to
/// `unpcklps`/`unpckhps` and `movlhps`/`movhlps`-like single instructions.
fn transpose(b: &mut FunctionBuilder, rows: [Value; 4]) -> [Value; 4] {
    let [r0, r1, r2, r3] = rows;
    let low01 = shuffle(b, r0, r1, [0, 4, 1, 5]);
    let low23 = shuffle(b, r2, r3, [0, 4, 1, 5]);
    let high01 = shuffle(b, r0, r1, [2, 6, 3, 7]);
    let high23 = shuffle(b, r2, r3, [2, 6, 3, 7]);
    [
        shuffle(b, low01, low23, [0, 1, 4, 5]),
        shuffle(b, low01, low23, [2, 3, 6, 7]),
        shuffle(b, high01, high23, [0, 1, 4, 5]),
        shuffle(b, high01, high23, [2, 3, 6, 7]),
    ]
}

/// Lanes of `a` (0..4) and `b` (4..8) picked into one `f32x4`.
fn shuffle(b: &mut FunctionBuilder, x: Value, y: Value, lanes: [u8; 4]) -> Value {
    let little = MemFlagsData::new().with_endianness(Endianness::Little);
    let x = b.ins().bitcast(I8X16, little, x);
    let y = b.ins().bitcast(I8X16, little, y);
    let bytes: Vec<u8> = lanes
        .iter()
        .flat_map(|&lane| (0..4).map(move |byte| lane * 4 + byte))
        .collect();
    let mask = b.func.dfg.immediates.push(ConstantData::from(bytes));
    let picked = b.ins().shuffle(x, y, mask);
    b.ins().bitcast(F32X4, little, picked)
}
