//! Which `sine` nodes need the precise sine: those whose output reaches an
//! input that a node integrates into a phase (an oscillator's frequency,
//! the chorus's LFO rate).
//!
//! Why: the fast `f32` sine differs from the reference's `sin` by up to an
//! ulp on many samples, unbiased but never cancelling exactly. A value that
//! only passes through (to a filter, a gain, the mix) carries that ulp and
//! no more; a phase sums it over every sample, and a saw or square turns the
//! drifted phase into a jump at a different sample: 1.4e-4 after a second
//! for `saw (sine 3 * 400 + 500)`. The `f64` sine agrees with the reference
//! but for rare near-ties, at twice the cost, so it goes only where a phase
//! would integrate the difference (see `emit`'s error bounds).

use phonon_ir::dsp::{spec, NodeKind};
use phonon_ir::graph::{Graph, Op};

/// The input of `kind` that it integrates into a phase, as an index into
/// its node's inputs (the signal input first, then the parameters), or
/// `None` for a node without one.
pub fn integrated_input(kind: NodeKind) -> Option<usize> {
    use NodeKind as K;
    let param = match kind {
        K::Sine | K::Saw | K::Square | K::Tri | K::Pulse => "freq",
        K::Chorus => "rate",
        _ => return None,
    };
    let spec = spec::of(kind);
    let param = spec.param_index(param)?;
    Some(param + usize::from(spec.has_input || spec.gated))
}

/// Marks, by node index, every `sine` node whose output reaches an
/// [`integrated_input`] through any chain of nodes (across kernels, stages
/// and buses, feedback included): a backward walk from those inputs.
pub fn sines_feeding_a_phase(graph: &Graph) -> Vec<bool> {
    let mut reached = vec![false; graph.nodes.len()];
    let mut stack: Vec<_> = graph
        .nodes
        .iter()
        .filter_map(|node| match node.op {
            Op::Dsp(kind) => integrated_input(kind).and_then(|i| node.inputs.get(i).copied()),
            _ => None,
        })
        .collect();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut reached[id.index()], true) {
            continue;
        }
        stack.extend(graph.node(id).inputs.iter().copied());
    }
    graph
        .nodes
        .iter()
        .zip(reached)
        .map(|(node, reached)| reached && node.op == Op::Dsp(NodeKind::Sine))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labels of the program's `sine` nodes: those marked precise, then
    /// the rest.
    fn sines(source: &str) -> (Vec<String>, Vec<String>) {
        let parsed = phonon_syntax::parse(source);
        let staged = phonon_ir::compile(&parsed.program)
            .staged
            .expect("compiles");
        let graph = &staged.graph;
        let marked = sines_feeding_a_phase(graph);
        let (precise, fast): (Vec<_>, Vec<_>) = graph
            .node_ids()
            .filter(|id| graph.node(*id).op == Op::Dsp(NodeKind::Sine))
            .partition(|id| marked[id.index()]);
        let label =
            |id: &phonon_ir::graph::NodeId| graph.node(*id).label.clone().unwrap_or_default();
        (
            precise.iter().map(label).collect(),
            fast.iter().map(label).collect(),
        )
    }

    #[test]
    fn the_sine_a_saw_frequency_follows_is_precise_and_the_cutoff_sine_is_not() {
        let (precise, fast) =
            sines("out: saw (sine 3 * 400 + 500) # lpf (sine 0.7 * 3000 + 3100) 0.7 * 0.2\n");
        // The saw's frequency chain starts with its sine; the cutoff's sine
        // comes after the saw in the output's chain.
        assert_eq!(
            (precise, fast),
            (vec!["out.1".into()], vec!["out.8".into()])
        );
    }

    #[test]
    fn synth16_sines_are_fast() {
        // synth16's shared LFO (a filter cutoff) and a sine voice.
        let (precise, fast) = sines(
            "~lfo: sine 0.25\no1: saw \"55 82.5 110\" # lpf (~lfo * 1500 + 800) 0.7 * 0.05\n\
             o13: sine \"220 330 440\" * 0.05\n",
        );
        assert!(precise.is_empty(), "{precise:?}");
        assert_eq!(fast.len(), 2);
    }

    #[test]
    fn the_walk_crosses_buses_and_feedback() {
        let (precise, fast) =
            sines("~lfo: sine 2\n~depth: ~lfo * 100\no1: saw (~depth + 220)\no2: sine 330\n");
        assert_eq!((precise.len(), fast.len()), (1, 1), "{precise:?} {fast:?}");
        let (precise, _) = sines("out: saw 110 # chorus (sine 0.1 + 1)\n");
        assert_eq!(precise.len(), 1);
        let (precise, _) = sines("~a: sine (~a * 10 + 200)\nout: ~a\n");
        assert_eq!(precise.len(), 1);
        let (precise, _) = sines("~a: sine 3\nout: square (~a * 10 + 200) + tri (~a + 50)\n");
        assert_eq!(precise.len(), 1);
    }
}
