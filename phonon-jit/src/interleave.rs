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

/// Which way a chunk moves.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Direction {
    /// Lane buffers into the scratch slot (an input).
    ToScratch,
    /// The scratch slot into lane buffers (an output).
    FromScratch,
}

/// One packed slot's transfer: the table entries holding its lane buffer
/// pointers, and its scratch slot.
pub(crate) struct Transfer {
    /// The pointer table (the function's inputs or outputs parameter).
    pub table: Value,
    /// Byte offset in `table` of each lane's pointer (one to four lanes).
    pub entries: Vec<i32>,
    pub scratch: StackSlot,
    pub direction: Direction,
}

/// Bytes per interleaved sample.
const STRIDE: i64 = 16;

/// Emits the loop moving samples `first..end` of every transfer; the
/// builder continues in a new block after it. Sample `i` sits at byte
/// `4 i` of a lane buffer and `16 (i - first)` of its scratch slot.
/// Returns, when any transfer is an input, a flag (`i8`) that is true when
/// every input holds one value (per lane) through the chunk, as controls
/// do between pattern steps.
pub(crate) fn move_chunk(
    b: &mut FunctionBuilder,
    transfers: &[Transfer],
    first: Value,
    end: Value,
) -> Option<Value> {
    if transfers.is_empty() {
        return None;
    }
    let flags = buffer_flags();
    // Fresh loads: short-lived pointers the loop can keep in registers.
    let pointers: Vec<Vec<Value>> = transfers
        .iter()
        .map(|t| {
            t.entries
                .iter()
                .map(|&offset| b.ins().load(I64, flags, t.table, offset))
                .collect()
        })
        .collect();
    let bases: Vec<Value> = transfers
        .iter()
        .map(|t| b.ins().stack_addr(I64, t.scratch, 0))
        .collect();
    // Each input's first sample, and a mask of the lanes that differed from
    // it at some sample (a NaN always differs).
    let first_byte = b.ins().ishl_imm_u(first, 2);
    let references: Vec<Option<Value>> = transfers
        .iter()
        .zip(&pointers)
        .map(|(t, lanes)| {
            (t.direction == Direction::ToScratch).then(|| gather(b, lanes, first_byte))
        })
        .collect();
    let varying = b.declare_var(I32X4);
    let zero = b.ins().iconst(I32, 0);
    let none = b.ins().splat(I32X4, zero);
    b.def_var(varying, none);
    let mark = |b: &mut FunctionBuilder, column: Value, reference: Value| {
        let differs = b.ins().fcmp(FloatCC::NotEqual, column, reference);
        let so_far = b.use_var(varying);
        let so_far = b.ins().bor(so_far, differs);
        b.def_var(varying, so_far);
    };

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
    for (((transfer, lanes), &base), reference) in
        transfers.iter().zip(&pointers).zip(&bases).zip(&references)
    {
        let scratch = b.ins().iadd(base, local);
        let lane_at = |b: &mut FunctionBuilder, lane: usize| {
            let pointer = lanes[lane.min(lanes.len() - 1)];
            b.ins().iadd(pointer, byte)
        };
        match (transfer.direction, *reference) {
            (Direction::ToScratch, Some(reference)) => {
                let rows = [0, 1, 2, 3].map(|lane| {
                    let address = lane_at(b, lane);
                    b.ins().load(F32X4, flags, address, 0)
                });
                for (s, column) in transpose(b, rows).into_iter().enumerate() {
                    b.ins()
                        .store(flags, column, scratch, s as i32 * STRIDE as i32);
                    mark(b, column, reference);
                }
            }
            (Direction::ToScratch, None) => {}
            (Direction::FromScratch, _) => {
                let rows =
                    [0, 1, 2, 3].map(|s| b.ins().load(F32X4, flags, scratch, s * STRIDE as i32));
                for (lane, column) in transpose(b, rows).into_iter().enumerate().take(lanes.len()) {
                    let address = lane_at(b, lane);
                    b.ins().store(flags, column, address, 0);
                }
            }
        }
    }
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
    for (((transfer, lanes), &base), reference) in
        transfers.iter().zip(&pointers).zip(&bases).zip(&references)
    {
        let scratch = b.ins().iadd(base, local);
        match (transfer.direction, *reference) {
            (Direction::ToScratch, Some(reference)) => {
                let vector = gather(b, lanes, byte);
                b.ins().store(flags, vector, scratch, 0);
                mark(b, vector, reference);
            }
            (Direction::ToScratch, None) => {}
            (Direction::FromScratch, _) => {
                let vector = b.ins().load(F32X4, flags, scratch, 0);
                for (lane, &pointer) in lanes.iter().enumerate() {
                    let scalar = b.ins().extractlane(vector, lane as u8);
                    let address = b.ins().iadd(pointer, byte);
                    b.ins().store(flags, scalar, address, 0);
                }
            }
        }
    }
    let next = b.ins().iadd_imm_u(i, 1);
    b.def_var(index, next);
    b.ins().jump(tail_head, &[]);
    b.seal_block(tail_head);

    b.switch_to_block(done);
    b.seal_block(done);
    if references.iter().all(Option::is_none) {
        return None;
    }
    let varying = b.use_var(varying);
    let any = b.ins().vany_true(varying);
    Some(b.ins().icmp_imm_u(IntCC::Equal, any, 0))
}

/// One sample of four lane buffers (the last lane's repeated where there
/// are fewer) as an `f32x4`.
fn gather(b: &mut FunctionBuilder, lanes: &[Value], byte: Value) -> Value {
    let flags = buffer_flags();
    let load = |b: &mut FunctionBuilder, lane: usize| {
        let address = b.ins().iadd(lanes[lane.min(lanes.len() - 1)], byte);
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
