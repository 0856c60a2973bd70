//! The registry table: every transform's name, aliases, parameters, summary
//! and builder. The builders unpack checked arguments and call the
//! implementations in `time`, `structure` and `values`.

use super::args::{register, Steps};
use super::structure::{self, Apply};
use super::values::{self, NumOp};
use super::{chance, time, ParamKind, Transform, TransformArg, TransformSpec};
use crate::pattern::{pure, silence, Fraction, Pattern, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

use ParamKind::{Function, Functions, Number};

pub(super) static SPECS: &[TransformSpec] = &[
    TransformSpec {
        name: "fast",
        aliases: &["density"],
        params: &[Number],
        summary: "speeds the pattern up by a factor",
        example: "fast 2",
        build: fast,
    },
    TransformSpec {
        name: "slow",
        aliases: &["sparsity"],
        params: &[Number],
        summary: "slows the pattern down by a factor",
        example: "slow 2",
        build: slow,
    },
    TransformSpec {
        name: "hurry",
        aliases: &[],
        params: &[Number],
        summary: "speeds the pattern up and multiplies the `speed` control by the same factor",
        example: "hurry 2",
        build: hurry,
    },
    TransformSpec {
        name: "rev",
        aliases: &[],
        params: &[],
        summary: "reverses each cycle",
        example: "rev",
        build: rev,
    },
    TransformSpec {
        name: "every",
        aliases: &["firstOf"],
        params: &[Number, Function],
        summary: "applies the function in the first of every n cycles (cycles 0, n, 2n, ...)",
        example: "every 3 (fast 2)",
        build: first_of,
    },
    TransformSpec {
        name: "lastOf",
        aliases: &[],
        params: &[Number, Function],
        summary: "applies the function in the last of every n cycles (cycles n-1, 2n-1, ...)",
        example: "lastOf 4 rev",
        build: last_of,
    },
    TransformSpec {
        name: "whenmod",
        aliases: &[],
        params: &[Number, Number, Function],
        summary:
            "applies the function in cycles whose number modulo a is at least b (Tidal's whenmod)",
        example: "whenmod 4 2 (fast 2)",
        build: whenmod,
    },
    TransformSpec {
        name: "iter",
        aliases: &[],
        params: &[Number],
        summary: "divides the cycle into n parts and starts each cycle one part later",
        example: "iter 4",
        build: iter,
    },
    TransformSpec {
        name: "iterBack",
        aliases: &["iterback"],
        params: &[Number],
        summary: "like iter, but moves through the parts backwards",
        example: "iterBack 4",
        build: iter_back,
    },
    TransformSpec {
        name: "palindrome",
        aliases: &[],
        params: &[],
        summary: "plays every second cycle reversed (lastOf 2 rev)",
        example: "palindrome",
        build: palindrome,
    },
    TransformSpec {
        name: "ply",
        aliases: &[],
        params: &[Number],
        summary: "repeats each event n times within its own span",
        example: "ply 2",
        build: ply,
    },
    TransformSpec {
        name: "off",
        aliases: &[],
        params: &[Number, Function],
        summary: "stacks the function's result, shifted later by a time, on the pattern",
        example: "off 0.125 (add 12)",
        build: off,
    },
    TransformSpec {
        name: "superimpose",
        aliases: &[],
        params: &[Functions],
        summary: "stacks each function's result on the pattern",
        example: "superimpose (fast 2)",
        build: superimpose,
    },
    TransformSpec {
        name: "layer",
        aliases: &[],
        params: &[Functions],
        summary: "stacks each function's result, without the original",
        example: "layer rev (fast 2)",
        build: layer,
    },
    TransformSpec {
        name: "euclid",
        aliases: &[],
        params: &[Number, Number],
        summary: "plays the pattern on k of n evenly spread steps (Bjorklund's algorithm)",
        example: "euclid 3 8",
        build: chance::euclid,
    },
    TransformSpec {
        name: "euclidRot",
        aliases: &["euclidrot"],
        params: &[Number, Number, Number],
        summary: "euclid with the rhythm rotated right by a number of steps",
        example: "euclidRot 3 8 2",
        build: chance::euclid_rot,
    },
    TransformSpec {
        name: "euclidLegato",
        aliases: &[],
        params: &[Number, Number],
        summary: "euclid with each event lasting until the next",
        example: "euclidLegato 3 8",
        build: chance::euclid_legato,
    },
    TransformSpec {
        name: "struct",
        aliases: &[],
        params: &[ParamKind::Pattern],
        summary: "takes the structure from a pattern of true and false values",
        example: "struct \"x ~ x x\"",
        build: struct_,
    },
    TransformSpec {
        name: "mask",
        aliases: &[],
        params: &[ParamKind::Pattern],
        summary: "silences the pattern where a pattern of true and false values is false",
        example: "mask \"1 [0 1]\"",
        build: mask,
    },
    TransformSpec {
        name: "segment",
        aliases: &["seg"],
        params: &[Number],
        summary: "samples the pattern n times per cycle, making a continuous pattern discrete",
        example: "segment 4",
        build: segment,
    },
    TransformSpec {
        name: "range",
        aliases: &[],
        params: &[Number, Number],
        summary: "scales values from 0..1 to min..max",
        example: "range 200 800",
        build: range,
    },
    TransformSpec {
        name: "linger",
        aliases: &[],
        params: &[Number],
        summary:
            "repeats the first fraction of each cycle (the last, if negative) to fill the cycle",
        example: "linger 0.25",
        build: linger,
    },
    TransformSpec {
        name: "chunk",
        aliases: &["slowchunk", "slowChunk"],
        params: &[Number, Function],
        summary:
            "divides the cycle into n parts and applies the function to one part per cycle, in turn",
        example: "chunk 4 (hurry 2)",
        build: chunk,
    },
    TransformSpec {
        name: "chunkBack",
        aliases: &["chunkback"],
        params: &[Number, Function],
        summary: "like chunk, but moves through the parts backwards",
        example: "chunkBack 4 (add 7)",
        build: chunk_back,
    },
    TransformSpec {
        name: "brak",
        aliases: &[],
        params: &[],
        summary: "every other cycle, squashes the cycle into half and shifts it a quarter later",
        example: "brak",
        build: brak,
    },
    TransformSpec {
        name: "press",
        aliases: &[],
        params: &[],
        summary: "syncopates: moves each event halfway into its own span",
        example: "press",
        build: press,
    },
    TransformSpec {
        name: "pressBy",
        aliases: &[],
        params: &[Number],
        summary: "moves each event the given fraction into its own span",
        example: "pressBy 0.25",
        build: press_by,
    },
    TransformSpec {
        name: "swing",
        aliases: &[],
        params: &[Number],
        summary: "swings n slices per cycle by a third (swingBy (1/3) n)",
        example: "swing 4",
        build: swing,
    },
    TransformSpec {
        name: "swingBy",
        aliases: &[],
        params: &[Number, Number],
        summary: "delays the second half of each of n slices per cycle by amount/2 of a slice",
        example: "swingBy (1/3) 4",
        build: swing_by,
    },
    TransformSpec {
        name: "inside",
        aliases: &[],
        params: &[Number, Function],
        summary: "applies the function to the pattern slowed by a factor, then speeds it back up",
        example: "inside 2 rev",
        build: inside,
    },
    TransformSpec {
        name: "outside",
        aliases: &[],
        params: &[Number, Function],
        summary: "applies the function to the pattern sped up by a factor, then slows it back down",
        example: "outside 2 rev",
        build: outside,
    },
    TransformSpec {
        name: "zoom",
        aliases: &[],
        params: &[Number, Number],
        summary: "plays the part begin..end of each cycle stretched over the cycle",
        example: "zoom 0.25 0.75",
        build: zoom,
    },
    TransformSpec {
        name: "compress",
        aliases: &[],
        params: &[Number, Number],
        summary: "squeezes each cycle into begin..end, leaving silence around it",
        example: "compress 0.25 0.75",
        build: compress,
    },
    TransformSpec {
        name: "focus",
        aliases: &[],
        params: &[Number, Number],
        summary: "like compress, but without gaps: the pattern continues around the span",
        example: "focus 0.25 0.75",
        build: focus,
    },
    TransformSpec {
        name: "fastGap",
        aliases: &["fastgap"],
        params: &[Number],
        summary: "speeds each cycle up by a factor and plays it once, leaving a gap",
        example: "fastGap 2",
        build: fast_gap,
    },
    TransformSpec {
        name: "echo",
        aliases: &[],
        params: &[Number, Number, Number],
        summary: "stacks n copies, each a time later, the i-th with gain feedback^i",
        example: "echo 3 0.125 0.5",
        build: echo,
    },
    TransformSpec {
        name: "stut",
        aliases: &[],
        params: &[Number, Number, Number],
        summary: "echo with the last two arguments swapped: count, feedback, time",
        example: "stut 3 0.5 0.125",
        build: stut,
    },
    TransformSpec {
        name: "echoWith",
        aliases: &["echowith", "stutWith", "stutwith"],
        params: &[Number, Number, Function],
        summary: "stacks n copies, each a time later and passed through the function once more",
        example: "echoWith 3 (1/8) (add 12)",
        build: echo_with,
    },
    TransformSpec {
        name: "repeatCycles",
        aliases: &[],
        params: &[Number],
        summary: "plays each cycle n times",
        example: "repeatCycles 2",
        build: repeat_cycles,
    },
    TransformSpec {
        name: "bite",
        aliases: &[],
        params: &[Number, Number],
        summary: "cuts each cycle into n slices and plays them in the order of an index pattern",
        example: "bite 4 \"0 2 1 3\"",
        build: bite,
    },
    TransformSpec {
        name: "within",
        aliases: &[],
        params: &[Number, Number, Function],
        summary: "applies the function to the events starting within begin..end of each cycle",
        example: "within 0 0.5 (fast 2)",
        build: within,
    },
    TransformSpec {
        name: "add",
        aliases: &[],
        params: &[Number],
        summary: "adds to each value (note names count as MIDI numbers)",
        example: "add 12",
        build: add,
    },
    TransformSpec {
        name: "sub",
        aliases: &[],
        params: &[Number],
        summary: "subtracts from each value (note names count as MIDI numbers)",
        example: "sub 1",
        build: sub,
    },
    TransformSpec {
        name: "mul",
        aliases: &[],
        params: &[Number],
        summary: "multiplies each value",
        example: "mul 2",
        build: mul,
    },
    TransformSpec {
        name: "invert",
        aliases: &["inv"],
        params: &[],
        summary: "swaps true and false (1 and 0) in a pattern",
        example: "invert",
        build: invert,
    },
    TransformSpec {
        name: "degrade",
        aliases: &[],
        params: &[],
        summary: "drops events at random, each with probability 1/2",
        example: "degrade",
        build: chance::degrade,
    },
    TransformSpec {
        name: "degradeBy",
        aliases: &[],
        params: &[Number],
        summary: "drops events at random with the given probability",
        example: "degradeBy 0.25",
        build: chance::degrade_by,
    },
    TransformSpec {
        name: "undegradeBy",
        aliases: &[],
        params: &[Number],
        summary: "keeps exactly the events that degradeBy (1 - p) would drop",
        example: "undegradeBy 0.25",
        build: chance::undegrade_by,
    },
    TransformSpec {
        name: "sometimesBy",
        aliases: &[],
        params: &[Number, Function],
        summary: "applies the function to events chosen at random with the given probability",
        example: "sometimesBy 0.3 (add 12)",
        build: chance::sometimes_by,
    },
    TransformSpec {
        name: "sometimes",
        aliases: &[],
        params: &[Function],
        summary: "applies the function to half of the events, chosen at random",
        example: "sometimes (add 12)",
        build: chance::sometimes,
    },
    TransformSpec {
        name: "often",
        aliases: &[],
        params: &[Function],
        summary: "applies the function to events chosen at random with probability 3/4",
        example: "often (ply 2)",
        build: chance::often,
    },
    TransformSpec {
        name: "rarely",
        aliases: &[],
        params: &[Function],
        summary: "applies the function to events chosen at random with probability 1/4",
        example: "rarely (ply 2)",
        build: chance::rarely,
    },
    TransformSpec {
        name: "someCyclesBy",
        aliases: &[],
        params: &[Number, Function],
        summary: "applies the function to whole cycles chosen at random with the given probability",
        example: "someCyclesBy 0.5 (fast 2)",
        build: chance::some_cycles_by,
    },
    TransformSpec {
        name: "shuffle",
        aliases: &[],
        params: &[Number],
        summary: "plays the n parts of each cycle in a random order, each once",
        example: "shuffle 4",
        build: chance::shuffle,
    },
    TransformSpec {
        name: "scramble",
        aliases: &[],
        params: &[Number],
        summary: "plays n parts of each cycle chosen at random, repeats allowed",
        example: "scramble 4",
        build: chance::scramble,
    },
    TransformSpec {
        name: "early",
        aliases: &["rotL"],
        params: &[Number],
        summary: "shifts the pattern earlier by a number of cycles",
        example: "early 0.25",
        build: early,
    },
    TransformSpec {
        name: "late",
        aliases: &["rotR"],
        params: &[Number],
        summary: "shifts the pattern later by a number of cycles",
        example: "late 0.25",
        build: late,
    },
];

// ---- builders -------------------------------------------------------------

/// A registered transform with one time-valued argument.
fn with_time(
    args: Vec<TransformArg>,
    steps: Steps,
    body: fn(&Pattern<Value>, Fraction) -> Pattern<Value>,
) -> Transform {
    register(args, steps, move |a, pat| match a[0].frac() {
        Some(x) => body(pat, x),
        None => silence(),
    })
}

/// A registered transform with two time-valued arguments.
fn with_two_times(
    args: Vec<TransformArg>,
    body: fn(&Pattern<Value>, Fraction, Fraction) -> Pattern<Value>,
) -> Transform {
    register(args, Steps::FromResult, move |a, pat| {
        match (a[0].frac(), a[1].frac()) {
            (Some(x), Some(y)) => body(pat, x, y),
            _ => silence(),
        }
    })
}

/// A registered transform with a count and a function (`every 3 f`).
fn with_count_and_function(
    args: Vec<TransformArg>,
    steps: Steps,
    body: fn(&Pattern<Value>, i64, Apply) -> Pattern<Value>,
) -> Transform {
    register(args, steps, move |a, pat| {
        match (a[0].whole_number(), a[1].function()) {
            (Some(n), Some(f)) => body(pat, n, f.as_ref()),
            _ => silence(),
        }
    })
}

/// A registered transform with a time and a function (`inside 2 rev`).
fn with_time_and_function(
    args: Vec<TransformArg>,
    body: fn(&Pattern<Value>, Fraction, Apply) -> Pattern<Value>,
) -> Transform {
    register(args, Steps::FromResult, move |a, pat| {
        match (a[0].frac(), a[1].function()) {
            (Some(x), Some(f)) => body(pat, x, f.as_ref()),
            _ => silence(),
        }
    })
}

fn functions(args: Vec<TransformArg>) -> Vec<Transform> {
    args.into_iter()
        .filter_map(|arg| match arg {
            TransformArg::Function(f) => Some(f),
            TransformArg::Pattern(_) => None,
        })
        .collect()
}

fn first_pattern(args: Vec<TransformArg>) -> Pattern<Value> {
    args.into_iter()
        .find_map(|arg| match arg {
            TransformArg::Pattern(p) => Some(p),
            TransformArg::Function(_) => None,
        })
        .unwrap_or_else(silence)
}

fn fast(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::Keep, |pat, factor| pat.fast(factor))
}

fn slow(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::FromResult, |pat, factor| pat.slow(factor))
}

fn hurry(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        let (Some(rate), Some(factor)) = (a[0].num(), a[0].frac()) else {
            return silence();
        };
        let speed = Value::Map(BTreeMap::from([("speed".to_string(), Value::Num(rate))]));
        values::op_in(&pat.fast(factor), &pure(speed), NumOp::Mul)
    })
}

fn rev(_: Vec<TransformArg>) -> Transform {
    Arc::new(|pat: Pattern<Value>| pat.rev())
}

fn first_of(args: Vec<TransformArg>) -> Transform {
    with_count_and_function(args, Steps::FromResult, |pat, n, f| {
        structure::first_of(pat, n, f, false)
    })
}

fn last_of(args: Vec<TransformArg>) -> Transform {
    with_count_and_function(args, Steps::FromResult, |pat, n, f| {
        structure::first_of(pat, n, f, true)
    })
}

fn whenmod(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].frac(), a[1].frac(), a[2].function()) {
            (Some(period), Some(threshold), Some(f)) => {
                structure::when_mod(pat, period, threshold, f.as_ref())
            }
            _ => silence(),
        }
    })
}

fn iter(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::Keep, |pat, times| {
        time::iter(pat, times, false)
    })
}

fn iter_back(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::Keep, |pat, times| time::iter(pat, times, true))
}

fn palindrome(_: Vec<TransformArg>) -> Transform {
    Arc::new(|pat: Pattern<Value>| {
        let steps = pat.steps;
        structure::first_of(&pat, 2, &|p| p.rev(), true).with_steps(steps)
    })
}

fn ply(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::FromResult, time::ply)
}

fn off(args: Vec<TransformArg>) -> Transform {
    with_time_and_function(args, structure::off)
}

fn superimpose(args: Vec<TransformArg>) -> Transform {
    let fs = functions(args);
    Arc::new(move |pat: Pattern<Value>| {
        let applies: Vec<Apply> = fs.iter().map(|f| f.as_ref() as Apply).collect();
        structure::superimpose(&pat, &applies)
    })
}

fn layer(args: Vec<TransformArg>) -> Transform {
    let fs = functions(args);
    Arc::new(move |pat: Pattern<Value>| {
        let applies: Vec<Apply> = fs.iter().map(|f| f.as_ref() as Apply).collect();
        structure::layer(&pat, &applies)
    })
}

fn struct_(args: Vec<TransformArg>) -> Transform {
    let shape = first_pattern(args);
    Arc::new(move |pat: Pattern<Value>| structure::struct_by(&pat, &shape))
}

fn mask(args: Vec<TransformArg>) -> Transform {
    let mask = first_pattern(args);
    Arc::new(move |pat: Pattern<Value>| structure::mask_by(&pat, &mask))
}

fn segment(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::FromResult, time::segment)
}

fn range(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].num(), a[1].num()) {
            (Some(min), Some(max)) => values::range(pat, min, max),
            _ => silence(),
        }
    })
}

fn linger(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::Keep, time::linger)
}

fn chunk(args: Vec<TransformArg>) -> Transform {
    with_count_and_function(args, Steps::Keep, |pat, n, f| {
        structure::chunk(pat, n, f, false)
    })
}

fn chunk_back(args: Vec<TransformArg>) -> Transform {
    with_count_and_function(args, Steps::Keep, |pat, n, f| {
        structure::chunk(pat, n, f, true)
    })
}

fn brak(_: Vec<TransformArg>) -> Transform {
    Arc::new(|pat: Pattern<Value>| time::brak(&pat))
}

fn press(_: Vec<TransformArg>) -> Transform {
    Arc::new(|pat: Pattern<Value>| time::press_by(&pat, Fraction::new(1, 2)))
}

fn press_by(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::FromResult, time::press_by)
}

fn swing(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::FromResult, |pat, slices| {
        time::swing_by(pat, 1.0 / 3.0, slices)
    })
}

fn swing_by(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].num(), a[1].frac()) {
            (Some(amount), Some(slices)) => time::swing_by(pat, amount, slices),
            _ => silence(),
        }
    })
}

fn inside(args: Vec<TransformArg>) -> Transform {
    with_time_and_function(args, time::inside)
}

fn outside(args: Vec<TransformArg>) -> Transform {
    with_time_and_function(args, time::outside)
}

fn zoom(args: Vec<TransformArg>) -> Transform {
    with_two_times(args, time::zoom)
}

fn compress(args: Vec<TransformArg>) -> Transform {
    with_two_times(args, |pat, begin, end| pat.compress(begin, end))
}

fn focus(args: Vec<TransformArg>) -> Transform {
    with_two_times(args, |pat, begin, end| {
        if begin == end {
            return silence();
        }
        pat.focus(begin, end)
    })
}

fn fast_gap(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::FromResult, |pat, factor| pat.fast_gap(factor))
}

fn echo(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].num(), a[1].frac(), a[2].num()) {
            (Some(times), Some(time), Some(feedback)) => time::echo(pat, times, time, feedback),
            _ => silence(),
        }
    })
}

fn stut(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].num(), a[1].num(), a[2].frac()) {
            (Some(times), Some(feedback), Some(time)) => time::echo(pat, times, time, feedback),
            _ => silence(),
        }
    })
}

fn echo_with(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].num(), a[1].frac(), a[2].function()) {
            (Some(times), Some(time), Some(f)) => {
                time::echo_with(pat, times, time, &|copy, _| f(copy))
            }
            _ => silence(),
        }
    })
}

fn repeat_cycles(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::Keep, time::repeat_cycles)
}

fn bite(args: Vec<TransformArg>) -> Transform {
    let mut patterns = args.into_iter().filter_map(|arg| match arg {
        TransformArg::Pattern(p) => Some(p),
        TransformArg::Function(_) => None,
    });
    let slices = patterns.next().unwrap_or_else(silence);
    let indices = patterns.next().unwrap_or_else(silence);
    Arc::new(move |pat: Pattern<Value>| structure::bite(&pat, &slices, &indices))
}

fn within(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].frac(), a[1].frac(), a[2].function()) {
            (Some(begin), Some(end), Some(f)) => structure::within(pat, begin, end, f.as_ref()),
            _ => silence(),
        }
    })
}

fn arithmetic(args: Vec<TransformArg>, op: NumOp) -> Transform {
    let operand = first_pattern(args);
    Arc::new(move |pat: Pattern<Value>| values::op_in(&pat, &operand, op))
}

fn add(args: Vec<TransformArg>) -> Transform {
    arithmetic(args, NumOp::Add)
}

fn sub(args: Vec<TransformArg>) -> Transform {
    arithmetic(args, NumOp::Sub)
}

fn mul(args: Vec<TransformArg>) -> Transform {
    arithmetic(args, NumOp::Mul)
}

fn invert(_: Vec<TransformArg>) -> Transform {
    Arc::new(|pat: Pattern<Value>| values::invert(&pat).with_steps(pat.steps))
}

fn early(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::Keep, |pat, offset| pat.early(offset))
}

fn late(args: Vec<TransformArg>) -> Transform {
    with_time(args, Steps::Keep, |pat, offset| pat.late(offset))
}
