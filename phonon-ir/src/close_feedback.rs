//! Feedback: finds the cycles among buses and decides where each is cut by
//! a one-sample delay, before lowering, so every engine closes every cycle
//! at the same place.
//!
//! The buses are walked depth first in order of definition, following their
//! references in source order; a reference back to a bus still on the walk
//! closes a cycle and is the one that reads the bus one sample late.

use crate::check_types::{TExpr, TKind, Type, TypedProgram};
use crate::codes;
use crate::resolve_names::BusId;
use phonon_syntax::{Diagnostic, Span};
use std::collections::BTreeSet;

/// Where the cycles are cut.
#[derive(Clone, Debug, Default)]
pub struct FeedbackPlan {
    /// `(from, to)`: inside `from`'s definition, every reference to `to`
    /// reads it one sample late.
    pub delayed: BTreeSet<(BusId, BusId)>,
    /// Per bus: whether it lies on a cycle (such a bus is lowered once).
    pub on_cycle: Vec<bool>,
}

pub fn close_feedback(typed: &TypedProgram) -> (FeedbackPlan, Vec<Diagnostic>) {
    let count = typed.buses.len();
    let references: Vec<Vec<(BusId, Span)>> = typed.buses.iter().map(bus_references).collect();
    let mut plan = FeedbackPlan {
        delayed: BTreeSet::new(),
        on_cycle: vec![false; count],
    };
    let mut diagnostics = Vec::new();
    let mut state = vec![Visit::New; count];
    for root in 0..count {
        if state[root] != Visit::New {
            continue;
        }
        // Iterative depth-first walk: (bus, index of the next reference).
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = Visit::OnStack;
        while let Some(&mut (bus, ref mut next)) = stack.last_mut() {
            let Some(&(target, span)) = references[bus].get(*next) else {
                state[bus] = Visit::Done;
                stack.pop();
                continue;
            };
            *next += 1;
            match state[target.index()] {
                Visit::New => {
                    state[target.index()] = Visit::OnStack;
                    stack.push((target.index(), 0));
                }
                Visit::OnStack => {
                    let from = BusId(bus as u32);
                    if typed.buses[target.index()].ty != Type::Signal
                        && typed.buses[target.index()].ty != Type::Invalid
                    {
                        let name = &typed.names.bus(target).name;
                        diagnostics.push(
                            Diagnostic::error(
                                codes::PATTERN_CYCLE,
                                format!("`~{name}` is read inside its own definition, but it is not a signal"),
                            )
                            .at(span, "this reference closes a cycle")
                            .with_hint("only signal buses can feed back (through a one-sample delay)"),
                        );
                    }
                    plan.delayed.insert((from, target));
                }
                Visit::Done => {}
            }
        }
    }
    for (bus, on_cycle) in plan.on_cycle.iter_mut().enumerate() {
        *on_cycle = reaches_itself(&references, bus);
    }
    (plan, diagnostics)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    OnStack,
    Done,
}

/// Whether `bus` can reach itself through references.
fn reaches_itself(references: &[Vec<(BusId, Span)>], bus: usize) -> bool {
    let mut seen = vec![false; references.len()];
    let mut stack: Vec<usize> = references[bus].iter().map(|(t, _)| t.index()).collect();
    while let Some(b) = stack.pop() {
        if b == bus {
            return true;
        }
        if !std::mem::replace(&mut seen[b], true) {
            stack.extend(references[b].iter().map(|(t, _)| t.index()));
        }
    }
    false
}

/// The buses an expression reads, in source order.
pub fn bus_references(t: &TExpr) -> Vec<(BusId, Span)> {
    let mut found = Vec::new();
    collect(t, &mut found);
    found
}

fn collect(t: &TExpr, found: &mut Vec<(BusId, Span)>) {
    match &t.kind {
        TKind::Bus(id) => found.push((*id, t.span)),
        TKind::Node { input, params, .. } => {
            if let Some(input) = input {
                collect(input, found);
            }
            params.iter().flatten().for_each(|p| collect(p, found));
        }
        TKind::Binary { lhs, rhs, .. } => {
            collect(lhs, found);
            collect(rhs, found);
        }
        TKind::Neg(inner) => collect(inner, found),
        TKind::Apply { input, processor } => {
            collect(input, found);
            collect(processor, found);
        }
        TKind::Mix(items) => items.iter().for_each(|i| collect(i, found)),
        TKind::Number(_) | TKind::Pattern { .. } | TKind::Hole | TKind::Invalid => {}
    }
}
