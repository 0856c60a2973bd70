//! A compiled program ready for the hot swap: the interpreted [`Renderer`]
//! plus what it needs to continue the program it replaces. Matching the
//! old graph's nodes to the new one's happens here, off the audio thread,
//! by stable identity: a node's label (bus or output name plus position in
//! its chain) and its operation. Event patterns are matched by the label of
//! their `voices` node, so the voices playing ring on through the swap. The
//! swap itself only trades states.

use crate::audio::BlockSource;
use crate::engine::{Interpreter, Renderer};
use crate::live::player::{Handover, LiveProgram};
use crate::voices::ProgramVoices;
use phonon_ir::graph::{Channel, Graph, NodeId, Op, PatternId, StagedProgram};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A program that can take over from the one before it.
pub struct LiveRenderer {
    renderer: Renderer<Interpreter, ProgramVoices>,
    id: u64,
    /// The program this one was matched against, and how to continue it.
    predecessor: Option<Succession>,
}

struct Succession {
    id: u64,
    /// `(node here, node in the predecessor)`.
    pairs: Vec<(NodeId, NodeId)>,
    /// `(event pattern here, event pattern in the predecessor)`.
    voice_pairs: Vec<(PatternId, PatternId)>,
    handover: Handover,
}

impl LiveRenderer {
    /// The first program: starts from sample 0. `voices` must have been
    /// built for `program` at `rate` (and preloaded: this is off the audio
    /// thread).
    pub fn new(
        program: StagedProgram,
        voices: ProgramVoices,
        rate: u32,
        max_block: usize,
    ) -> LiveRenderer {
        LiveRenderer {
            renderer: Renderer::interpreted_with(program, voices, rate, max_block),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            predecessor: None,
        }
    }

    /// A program to follow `previous` (the one playing, or about to be):
    /// its nodes are matched to `previous`'s now, so the swap is cheap.
    pub fn following(
        previous: &Lineage,
        program: StagedProgram,
        voices: ProgramVoices,
        rate: u32,
        max_block: usize,
    ) -> LiveRenderer {
        let mut next = LiveRenderer::new(program, voices, rate, max_block);
        let old = &previous.graph;
        let new = &next.renderer.program().graph;
        let pairs = match_nodes(old, new);
        let voice_pairs = match_event_patterns(old, new);
        // Every old node lives on, so nothing needs fading out; new nodes
        // start fresh. Otherwise something was removed or rebuilt: fade.
        let handover =
            if pairs.len() == stateful_count(old) && old.outputs.len() <= new.outputs.len() {
                Handover::Seamless
            } else {
                Handover::Crossfade
            };
        next.predecessor = Some(Succession {
            id: previous.id,
            pairs,
            voice_pairs,
            handover,
        });
        next
    }

    pub fn program(&self) -> &StagedProgram {
        self.renderer.program()
    }

    /// What a later program needs to know to follow this one; kept by the
    /// control thread after this program has gone to the audio thread.
    pub fn lineage(&self) -> Lineage {
        Lineage {
            id: self.id,
            graph: self.renderer.program().graph.clone(),
        }
    }
}

/// A program's identity and graph, for matching its successor's nodes.
#[derive(Clone, Debug)]
pub struct Lineage {
    id: u64,
    graph: Graph,
}

fn is_stateful(op: &Op) -> bool {
    matches!(op, Op::Dsp(_) | Op::Delay1)
}

fn stateful_count(graph: &Graph) -> usize {
    graph.nodes.iter().filter(|n| is_stateful(&n.op)).count()
}

/// Nodes with state that keep their label and operation from `old` to `new`.
pub fn match_nodes(old: &Graph, new: &Graph) -> Vec<(NodeId, NodeId)> {
    let by_label: HashMap<&str, NodeId> = old
        .node_ids()
        .filter_map(|id| {
            let node = old.node(id);
            let label = node.label.as_deref()?;
            is_stateful(&node.op).then_some((label, id))
        })
        .collect();
    new.node_ids()
        .filter_map(|id| {
            let node = new.node(id);
            let label = node.label.as_deref()?;
            if !is_stateful(&node.op) {
                return None;
            }
            let &old_id = by_label.get(label)?;
            (old.node(old_id).op == node.op).then_some((id, old_id))
        })
        .collect()
}

/// Event patterns whose left `voices` node keeps its label from `old` to
/// `new`, as `(pattern in new, pattern in old)`.
pub fn match_event_patterns(old: &Graph, new: &Graph) -> Vec<(PatternId, PatternId)> {
    let left_voices = |graph: &Graph| -> Vec<(String, PatternId)> {
        graph
            .nodes
            .iter()
            .filter_map(|node| match (&node.op, &node.label) {
                (Op::Voices(pattern, Channel::Left), Some(label)) => {
                    Some((label.clone(), *pattern))
                }
                _ => None,
            })
            .collect()
    };
    let by_label: HashMap<String, PatternId> = left_voices(old).into_iter().collect();
    let mut pairs: Vec<(PatternId, PatternId)> = Vec::new();
    for (label, pattern) in left_voices(new) {
        if let Some(&old_pattern) = by_label.get(&label) {
            // One pool can be handed over once, whatever shares it.
            if !pairs.iter().any(|&(n, o)| n == pattern || o == old_pattern) {
                pairs.push((pattern, old_pattern));
            }
        }
    }
    pairs
}

impl BlockSource for LiveRenderer {
    fn render_block(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.renderer.render_block(left, right);
    }
}

impl LiveProgram for LiveRenderer {
    fn take_over(&mut self, old: &mut LiveRenderer) -> Handover {
        match &self.predecessor {
            Some(succession) if succession.id == old.id => {
                let pairs = &succession.pairs;
                self.renderer
                    .take_over(&mut old.renderer, |new, old| new.adopt_state(old, pairs));
                self.renderer
                    .voices_mut()
                    .take_voices_from(old.renderer.voices_mut(), &succession.voice_pairs);
                succession.handover
            }
            // Matched against another program (one that never played):
            // continue the clock, start every node fresh, and fade.
            _ => {
                self.renderer.take_over(&mut old.renderer, |_, _| {});
                Handover::Crossfade
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::player::{player, PlayerConfig};

    fn compile(source: &str) -> StagedProgram {
        let parsed = phonon_syntax::parse(source);
        phonon_ir::compile(&parsed.program)
            .staged
            .expect("the test program compiles")
    }

    fn live(program: StagedProgram) -> LiveRenderer {
        let voices = kit_voices(&program);
        LiveRenderer::new(program, voices, 48_000, 256)
    }

    fn kit_voices(program: &StagedProgram) -> ProgramVoices {
        let library = std::sync::Arc::new(crate::samples::SampleLibrary::default_kit());
        ProgramVoices::new(&program.graph, library, 48_000, 16)
    }

    fn following(previous: &Lineage, program: StagedProgram) -> LiveRenderer {
        let voices = kit_voices(&program);
        LiveRenderer::following(previous, program, voices, 48_000, 256)
    }

    fn play(source: &mut impl BlockSource, frames: usize) -> Vec<f32> {
        let (mut left, mut right) = (vec![0.0; frames], vec![0.0; frames]);
        source.render_block(&mut left, &mut right);
        left
    }

    const SINE: &str = "~tone: sine 220 * 0.3\no1: ~tone\n";

    #[test]
    fn an_edit_that_keeps_a_bus_keeps_its_oscillator_running() {
        let mut alone = live(compile(SINE));
        let expected = play(&mut alone, 1024);

        let first = live(compile(SINE));
        let lineage = first.lineage();
        let (mut player, mut control) = player(Box::new(first), PlayerConfig::new(48_000, 256));
        let mut heard = play(&mut player, 512);
        let same_tone_retyped = "-- a comment\n~tone: sine 220 * 0.3\no1: ~tone\n";
        control.send(Box::new(following(&lineage, compile(same_tone_retyped))));
        heard.extend(play(&mut player, 512));
        assert_eq!(heard, expected);
        let event = control.next_event().expect("swapped");
        assert_eq!((event.frame, event.handover), (512, Handover::Seamless));
    }

    #[test]
    fn voices_playing_at_a_swap_ring_on_in_the_new_program() {
        const DRUM: &str = "o1: s \"bd\"\n";
        let mut alone = live(compile(DRUM));
        let expected = play(&mut alone, 4096);
        assert!(expected[1024..].iter().any(|&x| x != 0.0), "the kick rings");

        let first = live(compile(DRUM));
        let lineage = first.lineage();
        let (mut player, mut control) = player(Box::new(first), PlayerConfig::new(48_000, 256));
        let mut heard = play(&mut player, 1024);
        control.send(Box::new(following(
            &lineage,
            compile("-- edited\no1: s \"bd\"\n"),
        )));
        heard.extend(play(&mut player, 3072));
        assert_eq!(heard, expected);
    }

    #[test]
    fn removing_an_output_crossfades_and_unmatched_nodes_start_fresh() {
        let both = compile("~tone: sine 220 * 0.3\no1: ~tone\no2: saw 110 * 0.1\n");
        let old = live(both.clone()).lineage();
        let next = following(&old, compile(SINE));
        let succession = next.predecessor.as_ref().expect("follows");
        assert_eq!(succession.handover, Handover::Crossfade);
        let kept = match_nodes(&both.graph, &next.program().graph);
        assert_eq!(kept.len(), 1, "the sine of ~tone, by its label");
    }
}
