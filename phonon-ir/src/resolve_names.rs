//! Name resolution: collects the program's buses, outputs and tempo, checks
//! that every `~bus`, function and `$` transform name exists (buses may be
//! used before their definition), and suggests the nearest known name when
//! one does not. Keyword names are checked with types, where the callee is known.

use crate::codes;
use crate::dsp::spec as dsp_spec;
use crate::eval_pattern::{
    unknown_function, COMBINERS, CONTINUOUS, EVENT_PARAMS, EVENT_PARAM_GROUPS,
};
use crate::pattern::transform;
use phonon_syntax::ast::{Expr, ExprKind, Program, StatementKind, StepKind, TempoUnit};
use phonon_syntax::{Diagnostic, Span};
use std::collections::HashMap;

/// A bus of [`Names::buses`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BusId(pub u32);

impl BusId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Debug)]
pub struct BusDef<'p> {
    /// Without the `~`.
    pub name: String,
    pub value: &'p Expr,
    /// The statement.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct OutputDef<'p> {
    /// As written: `out`, `o1`, `d2`.
    pub name: String,
    pub number: Option<u32>,
    pub value: &'p Expr,
    pub span: Span,
}

/// What the statements define, with every name checked.
#[derive(Clone, Debug)]
pub struct Names<'p> {
    /// One per bus name (the last definition wins), in order of definition.
    pub buses: Vec<BusDef<'p>>,
    pub bus_ids: HashMap<String, BusId>,
    /// One per output (the last definition wins), in source order.
    pub outputs: Vec<OutputDef<'p>>,
    /// The last `tempo:`/`cps:`/`bpm:` statement, if any.
    pub tempo: Option<(TempoUnit, &'p Expr)>,
    pub hush: bool,
}

impl Names<'_> {
    pub fn bus(&self, id: BusId) -> &BusDef<'_> {
        &self.buses[id.index()]
    }

    pub fn bus_id(&self, name: &str) -> Option<BusId> {
        self.bus_ids.get(name).copied()
    }
}

pub fn resolve_names(program: &Program) -> (Names<'_>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut names = Names {
        buses: Vec::new(),
        bus_ids: HashMap::new(),
        outputs: Vec::new(),
        tempo: None,
        hush: false,
    };
    for statement in &program.statements {
        match &statement.kind {
            StatementKind::Tempo { unit, value } => names.tempo = Some((*unit, value)),
            StatementKind::Hush => names.hush = true,
            StatementKind::Bus { name, value } => {
                let bare = name.name.trim_start_matches('~').to_string();
                let def = BusDef {
                    name: bare.clone(),
                    value,
                    span: statement.span,
                };
                if let Some(&id) = names.bus_ids.get(&bare) {
                    diagnostics.push(
                        Diagnostic::warning(
                            codes::DUPLICATE_BUS,
                            format!("`~{bare}` is defined twice"),
                        )
                        .at(name.span, "this definition replaces the earlier one")
                        .with_note(names.buses[id.index()].span, "first defined here")
                        .with_hint(format!(
                            "delete one of them, or give this one its own name: `~{bare}2:`"
                        )),
                    );
                    names.buses[id.index()] = def;
                } else {
                    names.bus_ids.insert(bare, BusId(names.buses.len() as u32));
                    names.buses.push(def);
                }
            }
            StatementKind::Output { target, value } => {
                let def = OutputDef {
                    name: target.name.name.clone(),
                    number: target.number,
                    value,
                    span: statement.span,
                };
                if let Some(earlier) = names.outputs.iter_mut().find(|o| o.number == target.number)
                {
                    diagnostics.push(
                        Diagnostic::warning(
                            codes::DUPLICATE_OUTPUT,
                            format!("output `{}` is defined twice", target.name.name),
                        )
                        .at(target.name.span, "this definition replaces the earlier one")
                        .with_note(earlier.span, "first defined here")
                        .with_hint(
                            "to hear both, give this one another output (`o2:`) or add them in one (`out: a + b`)",
                        ),
                    );
                    *earlier = def;
                } else {
                    names.outputs.push(def);
                }
            }
        }
    }
    // A bus whose definition failed to parse counts as defined: its fault is
    // reported already, and a read of it is no second mistake.
    let broken = program.broken_buses.iter().map(|b| b.name.as_str());
    let bus_names: Vec<&str> = names
        .buses
        .iter()
        .map(|b| b.name.as_str())
        .chain(broken)
        .collect();
    for statement in &program.statements {
        match &statement.kind {
            StatementKind::Tempo { value, .. }
            | StatementKind::Bus { value, .. }
            | StatementKind::Output { value, .. } => {
                check_expr(value, &bus_names, &mut diagnostics)
            }
            StatementKind::Hush => {}
        }
    }
    let mut read = std::collections::HashSet::new();
    for statement in &program.statements {
        if let StatementKind::Bus { value, .. } | StatementKind::Output { value, .. } =
            &statement.kind
        {
            buses_read(value, &mut read);
        }
    }
    for bus in &names.buses {
        if !read.contains(bus.name.as_str()) {
            diagnostics.push(
                Diagnostic::warning(codes::UNUSED_BUS, format!("`~{}` is never used", bus.name))
                    .at(bus.span, "no output or bus reads it")
                    .with_hint("read it in an output (`out: ~name`), or delete it"),
            );
        }
    }
    (names, diagnostics)
}

/// The names of the buses an expression reads.
fn buses_read<'e>(expr: &'e Expr, read: &mut std::collections::HashSet<&'e str>) {
    match &expr.kind {
        ExprKind::Bus(name) => {
            read.insert(name.name.trim_start_matches('~'));
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| buses_read(a.value(), read)),
        ExprKind::List(items) => items.iter().for_each(|e| buses_read(e, read)),
        ExprKind::Neg(inner) => buses_read(inner, read),
        ExprKind::Binary { lhs: a, rhs: b, .. }
        | ExprKind::Step {
            input: a, step: b, ..
        } => {
            buses_read(a, read);
            buses_read(b, read);
        }
        ExprKind::Number(_) | ExprKind::Str(_) => {}
    }
}

/// Every function-like name a program may call: nodes and their aliases,
/// transforms, event parameters, pattern functions.
pub fn known_function_names() -> impl Iterator<Item = &'static str> {
    dsp_spec::all()
        .iter()
        .flat_map(|spec| std::iter::once(spec.name).chain(spec.aliases.iter().copied()))
        .chain(transform::all().iter().flat_map(|spec| spec.names()))
        .chain(EVENT_PARAMS.iter().copied())
        .chain(EVENT_PARAM_GROUPS.iter().map(|(name, _)| *name))
        .chain(COMBINERS.iter().copied())
        .chain(CONTINUOUS.iter().copied())
}

/// The candidate nearest to `name`, if it is near enough to be a typo.
pub fn suggest_name<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(distance, c)| {
            *distance <= 2.max(c.len() / 3) && *distance < c.len().max(name.len())
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

fn is_known_function(name: &str) -> bool {
    known_function_names().any(|n| n == name)
}

fn check_expr(expr: &Expr, buses: &[&str], diagnostics: &mut Vec<Diagnostic>) {
    match &expr.kind {
        ExprKind::Number(_) | ExprKind::Str(_) => {}
        ExprKind::Bus(name) => {
            let bare = name.name.trim_start_matches('~');
            if !buses.contains(&bare) {
                let mut d =
                    Diagnostic::error(codes::UNKNOWN_BUS, format!("no bus named `~{bare}`"))
                        .at(name.span, "not defined anywhere in the program");
                d = match suggest_name(bare, buses.iter().copied()) {
                    Some(near) => d.with_hint(format!("did you mean `~{near}`?")),
                    None => d.with_hint(format!("define it on its own line: `~{bare}: sine 440`")),
                };
                diagnostics.push(d);
            }
        }
        ExprKind::Call { func, args } => {
            if !is_known_function(&func.name) {
                let mut d = unknown_function(&func.name, func.span, &[]);
                // `out: bass` beside `~bass: ...` lacks only the `~`: say that
                // rather than suggest a function that happens to be near.
                if buses.contains(&func.name.as_str()) {
                    d = d.with_hint(format!(
                        "did you mean the bus `~{}`? a bus is read with its `~`",
                        func.name
                    ));
                }
                diagnostics.push(d);
            }
            let word_arguments = matches!(func.name.as_str(), "s" | "sound" | "vowel");
            for arg in args {
                let value = arg.value();
                // `# s saw`: a bare name given to `s` is an instrument, not a call.
                if word_arguments
                    && matches!(&value.kind, ExprKind::Call { args, .. } if args.is_empty())
                {
                    continue;
                }
                check_expr(value, buses, diagnostics);
            }
        }
        ExprKind::List(items) => items.iter().for_each(|e| check_expr(e, buses, diagnostics)),
        ExprKind::Neg(inner) => check_expr(inner, buses, diagnostics),
        ExprKind::Binary { lhs, rhs, .. } => {
            check_expr(lhs, buses, diagnostics);
            check_expr(rhs, buses, diagnostics);
        }
        ExprKind::Step { kind, input, step } => {
            check_expr(input, buses, diagnostics);
            match (kind, &step.kind) {
                (StepKind::Transform, ExprKind::Call { func, args })
                    if transform::lookup(&func.name).is_none() =>
                {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_TRANSFORM,
                        format!("unknown transform `{}`", func.name),
                    )
                    .at(func.span, "not a pattern transform");
                    if crate::eval_pattern::EVENT_PARAMS.contains(&func.name.as_str()) {
                        // Tidal's `slow 8 $ s "bd sn"` applies right to left;
                        // Phonon's `$` takes the pattern first.
                        d = d.with_hint(format!(
                            "Phonon writes the pattern first and the transform after `$`: `{} ... $ slow 2`",
                            func.name
                        ));
                    } else if let Some(near) = transform::suggest(&func.name) {
                        d = d.with_hint(format!("did you mean `{near}`?"));
                    }
                    diagnostics.push(d);
                    args.iter()
                        .for_each(|a| check_expr(a.value(), buses, diagnostics));
                }
                _ => check_expr(step, buses, diagnostics),
            }
        }
    }
}
