//! Registry builders for the transforms that use Strudel's seeded random
//! numbers (`degrade sometimes shuffle ...`) and for the Euclidean rhythms.
//! The algorithms live in `pattern::random` and `pattern::euclid`; this file
//! only unpacks arguments, as Strudel's `register` does.

use super::args::{register, Steps};
use super::{Transform, TransformArg};
use crate::pattern::{euclid, random, silence, Pattern, Value};
use std::sync::Arc;

/// `degradeBy 0.5` on every call, as Strudel's `degrade`.
const DEGRADE_AMOUNT: f64 = 0.5;
const SOMETIMES: f64 = 0.5;
const OFTEN: f64 = 0.75;
const RARELY: f64 = 0.25;

pub(super) fn degrade(_: Vec<TransformArg>) -> Transform {
    Arc::new(|pat: Pattern<Value>| random::degrade_by(&pat, DEGRADE_AMOUNT).with_steps(pat.steps))
}

pub(super) fn degrade_by(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::Keep, |a, pat| match a[0].num() {
        Some(amount) => random::degrade_by(pat, amount),
        None => silence(),
    })
}

pub(super) fn undegrade_by(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::Keep, |a, pat| match a[0].num() {
        Some(amount) => random::undegrade_by(pat, amount),
        None => silence(),
    })
}

pub(super) fn sometimes_by(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].num(), a[1].function()) {
            (Some(amount), Some(f)) => random::sometimes_by(pat, amount, f.as_ref()),
            _ => silence(),
        }
    })
}

fn sometimes_with(args: Vec<TransformArg>, amount: f64) -> Transform {
    register(args, Steps::FromResult, move |a, pat| {
        match a[0].function() {
            Some(f) => random::sometimes_by(pat, amount, f.as_ref()),
            None => silence(),
        }
    })
}

pub(super) fn sometimes(args: Vec<TransformArg>) -> Transform {
    sometimes_with(args, SOMETIMES)
}

pub(super) fn often(args: Vec<TransformArg>) -> Transform {
    sometimes_with(args, OFTEN)
}

pub(super) fn rarely(args: Vec<TransformArg>) -> Transform {
    sometimes_with(args, RARELY)
}

pub(super) fn some_cycles_by(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].num(), a[1].function()) {
            (Some(amount), Some(f)) => random::some_cycles_by(pat, amount, f.as_ref()),
            _ => silence(),
        }
    })
}

pub(super) fn shuffle(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| match a[0].frac() {
        Some(parts) => random::shuffle(pat, parts),
        None => silence(),
    })
}

pub(super) fn scramble(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| match a[0].frac() {
        Some(parts) => random::scramble(pat, parts),
        None => silence(),
    })
}

pub(super) fn euclid(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].whole_number(), a[1].whole_number()) {
            (Some(pulses), Some(steps)) => euclid::euclid(pat, pulses, steps),
            _ => silence(),
        }
    })
}

pub(super) fn euclid_rot(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (
            a[0].whole_number(),
            a[1].whole_number(),
            a[2].whole_number(),
        ) {
            (Some(pulses), Some(steps), Some(rotation)) => {
                euclid::euclid_rot(pat, pulses, steps, rotation)
            }
            _ => silence(),
        }
    })
}

pub(super) fn euclid_legato(args: Vec<TransformArg>) -> Transform {
    register(args, Steps::FromResult, |a, pat| {
        match (a[0].whole_number(), a[1].whole_number()) {
            (Some(pulses), Some(steps)) => euclid::euclid_legato(pat, pulses, steps, 0),
            _ => silence(),
        }
    })
}
