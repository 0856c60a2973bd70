//! The compiler driver: a flat list of passes from the syntax tree to the
//! staged program, each timed, with every diagnostic collected.

use crate::build_stages::build_stages;
use crate::check_types::check_types;
use crate::close_feedback::close_feedback;
use crate::codes;
use crate::eliminate_dead_nodes::eliminate_dead_nodes;
use crate::fold_constants::fold_constants;
use crate::graph::{Graph, StagedProgram};
use crate::lower::lower;
use crate::resolve_names::resolve_names;
use crate::share_buses::share_buses;
use phonon_syntax::ast::Program;
use phonon_syntax::{Diagnostic, Span};
use std::time::{Duration, Instant};

/// What compiling a program gives.
#[derive(Debug)]
pub struct Compiled {
    /// The staged program; `None` when there are errors.
    pub staged: Option<StagedProgram>,
    /// The graph as lowered, before the graph passes (for `emit-ir`).
    pub lowered: Option<Graph>,
    /// Each pass with the time it took, in order.
    pub timings: Vec<(&'static str, Duration)>,
    /// Errors and warnings from every pass.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

pub fn compile(program: &Program) -> Compiled {
    let mut timings = Vec::new();
    let mut diagnostics = Vec::new();
    let mut timed = |name: &'static str, start: Instant| timings.push((name, start.elapsed()));

    let start = Instant::now();
    let (names, mut found) = resolve_names(program);
    diagnostics.append(&mut found);
    timed("resolve_names", start);

    let start = Instant::now();
    let (typed, mut found) = check_types(names);
    diagnostics.append(&mut found);
    timed("check_types", start);

    let start = Instant::now();
    let (plan, mut found) = close_feedback(&typed);
    diagnostics.append(&mut found);
    timed("close_feedback", start);

    let start = Instant::now();
    let (mut graph, mut found) = lower(&typed, &plan);
    diagnostics.append(&mut found);
    timed("lower", start);

    if typed.names.outputs.is_empty() && !typed.names.hush {
        diagnostics.push(
            Diagnostic::warning(codes::NO_OUTPUT, "no output: the program is silent")
                .at(Span::default(), "no `out:`, `o1:` or `d1:` statement")
                .with_hint("add an output, such as `out: sine 440 * 0.2`"),
        );
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Compiled {
            staged: None,
            lowered: None,
            timings,
            diagnostics,
        };
    }
    let lowered = graph.clone();

    let start = Instant::now();
    fold_constants(&mut graph);
    timed("fold_constants", start);

    let start = Instant::now();
    share_buses(&mut graph);
    timed("share_buses", start);

    let start = Instant::now();
    eliminate_dead_nodes(&mut graph);
    timed("eliminate_dead_nodes", start);

    let start = Instant::now();
    let staged = build_stages(graph);
    timed("build_stages", start);

    Compiled {
        staged: Some(staged),
        lowered: Some(lowered),
        timings,
        diagnostics,
    }
}

/// `phonon check`: every diagnostic of the semantic passes.
pub fn check(program: &Program) -> Vec<Diagnostic> {
    compile(program).diagnostics
}
