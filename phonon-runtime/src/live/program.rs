//! A compiled program ready for the hot swap: a [`Renderer`] on a
//! [`LiveEngine`] (compiled or interpreted kernels on the stage scheduler's
//! persistent worker threads) plus what it needs to continue the program it
//! replaces. Matching the
//! old graph to the new one happens here, off the audio thread, output by
//! output: an output whose signal graph is unchanged (same operations,
//! constants, control patterns and node labels; an event pattern's text may
//! differ, since it only decides which voices start next) continues
//! exactly: its nodes adopt their old state by stable identity (bus or
//! output name plus position in its chain) and its voices ring on. Any
//! other output fades: the new one fades in while the old one, its state
//! untouched, fades out; in the new one, a node the edit left alone starts
//! from a copy of its predecessor's state (a reverb tail rings on), and a
//! new or changed node starts fresh. The swap itself only trades and copies
//! states, into memory allocated beforehand.

use crate::engine::Renderer;
use crate::live::engine::{EngineKind, LiveEngine};
use crate::live::player::LiveProgram;
use crate::voices::ProgramVoices;
use phonon_ir::graph::{Channel, Graph, NodeId, Op, OutputId, PatternId, StagedProgram};
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A program that can take over from the one before it.
pub struct LiveRenderer {
    renderer: Renderer<LiveEngine, ProgramVoices>,
    id: u64,
    /// Per output: the channel pair it plays on with `--outputs split`.
    channel_pairs: Vec<usize>,
    /// The program this one was matched against, and how to continue it.
    predecessor: Option<Succession>,
    /// Whether the last `take_over` followed `predecessor`'s plan (when it
    /// replaced another program, every output fades).
    matched: bool,
}

struct Succession {
    id: u64,
    /// `(node here, node in the predecessor)` whose state moves over: the
    /// predecessor has no further use for it.
    moved: Vec<(NodeId, NodeId)>,
    /// Pairs whose state is copied: the predecessor's node still sounds in
    /// an output that fades out.
    copied: Vec<(NodeId, NodeId)>,
    /// `(event pattern here, event pattern in the predecessor)`.
    voice_pairs: Vec<(PatternId, PatternId)>,
    plan: SwapPlan,
}

/// What a swap does to each output, decided when the new program is built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SwapPlan {
    /// Per output of the new program: whether it fades in (new or changed)
    /// rather than continuing the old one exactly.
    pub fades_in: Vec<bool>,
    /// Per output of the old program: whether it fades out.
    pub old_fades_out: Vec<bool>,
    /// Output names, for the report: changed (crossfading), added (fading
    /// in) and removed (fading out).
    pub changed: Vec<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl LiveRenderer {
    /// The first program, on `engine` (built for `program` at `rate`, with
    /// blocks of up to `max_block`, on the control thread): starts from
    /// sample 0. `voices` must have been built for `program` at `rate` (and
    /// preloaded: this is off the audio thread).
    pub fn new(
        program: StagedProgram,
        engine: LiveEngine,
        voices: ProgramVoices,
        rate: u32,
        max_block: usize,
    ) -> LiveRenderer {
        let channel_pairs = program
            .graph
            .outputs
            .iter()
            .map(|o| o.number.map_or(0, |n| n.saturating_sub(1) as usize))
            .collect();
        LiveRenderer {
            renderer: Renderer::new(program, engine, voices, rate, max_block),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            channel_pairs,
            predecessor: None,
            matched: false,
        }
    }

    /// A program to follow `previous` (the one playing, or about to be),
    /// otherwise as [`LiveRenderer::new`]: its outputs and nodes are matched
    /// to `previous`'s now, so the swap is cheap. State crosses the swap
    /// only between engines of one kind; after a switch of kind every
    /// output fades.
    pub fn following(
        previous: &Lineage,
        program: StagedProgram,
        engine: LiveEngine,
        voices: ProgramVoices,
        rate: u32,
        max_block: usize,
    ) -> LiveRenderer {
        let mut next = LiveRenderer::new(program, engine, voices, rate, max_block);
        let old = &previous.graph;
        let new = &next.renderer.program().graph;
        let (plan, continued) = plan_swap(old, new);
        // Every unchanged node carries its state over, in a changed output
        // too. A fading old output keeps its own state to the end of its
        // fade, so what it reads is copied; the rest simply moves.
        let fading_roots: Vec<NodeId> = old
            .outputs
            .iter()
            .zip(&plan.old_fades_out)
            .filter(|(_, &fades)| fades)
            .flat_map(|(o, _)| [o.left, o.right])
            .collect();
        let still_sounding = upstream(old, &fading_roots);
        let (moved, copied) = match_nodes(old, new)
            .into_iter()
            .partition(|(here, there)| continued.contains(here) && !still_sounding.contains(there));
        let voice_pairs = match_event_patterns(old, new)
            .into_iter()
            .filter(|(here, _)| {
                new.node_ids().any(|id| {
                    matches!(new.node(id).op, Op::Voices(p, _) if p == *here)
                        && continued.contains(&id)
                })
            })
            .collect();
        next.predecessor = Some(Succession {
            id: previous.id,
            moved,
            copied,
            voice_pairs,
            plan,
        });
        next
    }

    /// The engine this program renders on (the interpreter where the JIT
    /// refused it).
    pub fn engine_kind(&self) -> EngineKind {
        self.renderer.engine().kind()
    }

    pub fn program(&self) -> &StagedProgram {
        self.renderer.program()
    }

    /// How this program will take over from the one it follows.
    pub fn swap_plan(&self) -> Option<&SwapPlan> {
        self.predecessor.as_ref().map(|s| &s.plan)
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

/// Decides each output's fate, and returns the nodes of `new` that
/// continuing outputs read (whose state must move over).
fn plan_swap(old: &Graph, new: &Graph) -> (SwapPlan, HashSet<NodeId>) {
    let old_prints = fingerprints(old);
    let new_prints = fingerprints(new);
    let old_labels: HashMap<&str, &Op> = old
        .nodes
        .iter()
        .filter(|n| is_stateful(&n.op))
        .filter_map(|n| Some((n.label.as_deref()?, &n.op)))
        .collect();
    let mut plan = SwapPlan::default();
    let mut continued = HashSet::new();
    let mut continued_names = HashSet::new();
    for output in &new.outputs {
        let before = old.outputs.iter().find(|o| o.name == output.name);
        let reads = upstream(new, &[output.left, output.right]);
        let unchanged = before.is_some_and(|before| {
            old_prints[before.left.index()] == new_prints[output.left.index()]
                && old_prints[before.right.index()] == new_prints[output.right.index()]
                && reads.iter().all(|&id| {
                    let node = new.node(id);
                    !is_stateful(&node.op)
                        || node
                            .label
                            .as_deref()
                            .and_then(|label| old_labels.get(label))
                            .is_some_and(|&op| *op == node.op)
                })
        });
        plan.fades_in.push(!unchanged);
        if unchanged {
            continued.extend(reads);
            continued_names.insert(output.name.as_str());
        } else if before.is_some() {
            plan.changed.push(output.name.clone());
        } else {
            plan.added.push(output.name.clone());
        }
    }
    for output in &old.outputs {
        let kept = continued_names.contains(output.name.as_str());
        plan.old_fades_out.push(!kept);
        if !new.outputs.iter().any(|o| o.name == output.name) {
            plan.removed.push(output.name.clone());
        }
    }
    (plan, continued)
}

/// Every node that `roots` read, themselves included.
fn upstream(graph: &Graph, roots: &[NodeId]) -> HashSet<NodeId> {
    let mut seen = HashSet::new();
    let mut stack = roots.to_vec();
    while let Some(id) = stack.pop() {
        if seen.insert(id) {
            stack.extend(graph.node(id).inputs.iter().copied());
        }
    }
    seen
}

/// Per node, a hash of what its signal is made of: its label, operation
/// (constants by value, control patterns by their text) and inputs, all the
/// way up. An event pattern's text is left out: editing it changes which
/// voices start next, not the sound at the swap. A feedback cycle is cut
/// where the walk comes back to a node it is inside.
fn fingerprints(graph: &Graph) -> Vec<u64> {
    let mut prints = vec![None; graph.nodes.len()];
    let mut inside = vec![false; graph.nodes.len()];
    for id in graph.node_ids() {
        fingerprint(graph, id, &mut prints, &mut inside);
    }
    prints.into_iter().map(Option::unwrap_or_default).collect()
}

fn fingerprint(graph: &Graph, id: NodeId, prints: &mut [Option<u64>], inside: &mut [bool]) -> u64 {
    if let Some(print) = prints[id.index()] {
        return print;
    }
    let node = graph.node(id);
    let mut hasher = DefaultHasher::new();
    node.label.hash(&mut hasher);
    match &node.op {
        Op::Control(pattern) => {
            let pattern = graph.pattern(*pattern);
            ("control", &pattern.text, format!("{:?}", pattern.kind)).hash(&mut hasher);
        }
        Op::Voices(_, channel) => ("voices", format!("{channel:?}")).hash(&mut hasher),
        op => op.name().hash(&mut hasher),
    }
    if inside[id.index()] {
        return hasher.finish();
    }
    inside[id.index()] = true;
    for &input in &node.inputs {
        fingerprint(graph, input, prints, inside).hash(&mut hasher);
    }
    inside[id.index()] = false;
    let print = hasher.finish();
    prints[id.index()] = Some(print);
    print
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

impl LiveProgram for LiveRenderer {
    fn render_outputs(&mut self, frames: usize) {
        self.renderer.render_outputs(frames);
    }

    fn output_count(&self) -> usize {
        self.renderer.outputs().len()
    }

    fn output(&self, index: usize) -> (&[f32], &[f32]) {
        self.renderer.outputs().output(OutputId::new(index))
    }

    fn channel_pair(&self, index: usize) -> usize {
        self.channel_pairs.get(index).copied().unwrap_or(0)
    }

    fn take_over(&mut self, old: &mut LiveRenderer) {
        match &self.predecessor {
            Some(succession)
                if succession.id == old.id
                    && self.renderer.engine().kind() == old.renderer.engine().kind() =>
            {
                let (moved, copied) = (&succession.moved, &succession.copied);
                self.renderer.take_over(&mut old.renderer, |new, old| {
                    new.carry_state(old, moved, copied);
                });
                self.renderer
                    .voices_mut()
                    .take_voices_from(old.renderer.voices_mut(), &succession.voice_pairs);
                self.matched = true;
            }
            // Matched against another program (one that never played), or
            // on another kind of engine: continue the clock, start every
            // node fresh, and fade.
            _ => {
                self.renderer.take_over(&mut old.renderer, |_, _| {});
                self.matched = false;
            }
        }
    }

    fn fades_in(&self, index: usize) -> bool {
        match (&self.predecessor, self.matched) {
            (Some(succession), true) => succession.plan.fades_in.get(index) != Some(&false),
            _ => true,
        }
    }

    fn old_fades_out(&self, index: usize) -> bool {
        match (&self.predecessor, self.matched) {
            (Some(succession), true) => succession.plan.old_fades_out.get(index) != Some(&false),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::BlockSource;
    use crate::live::player::{player, Handover, Player, PlayerConfig, Routing};

    fn compile(source: &str) -> StagedProgram {
        let parsed = phonon_syntax::parse(source);
        phonon_ir::compile(&parsed.program)
            .staged
            .expect("the test program compiles")
    }

    fn live(program: StagedProgram) -> LiveRenderer {
        live_on(EngineKind::Interp, program)
    }

    fn live_on(kind: EngineKind, program: StagedProgram) -> LiveRenderer {
        let voices = kit_voices(&program);
        let (engine, refused) = LiveEngine::build(kind, &program, 48_000, 256, 1);
        assert!(refused.is_none(), "the JIT compiles the test program");
        LiveRenderer::new(program, engine, voices, 48_000, 256)
    }

    fn kit_voices(program: &StagedProgram) -> ProgramVoices {
        let library = std::sync::Arc::new(crate::samples::SampleLibrary::default_kit());
        ProgramVoices::new(&program.graph, library, 48_000, 16)
    }

    fn following(previous: &Lineage, source: &str) -> Box<LiveRenderer> {
        following_on(EngineKind::Interp, previous, source)
    }

    fn following_on(kind: EngineKind, previous: &Lineage, source: &str) -> Box<LiveRenderer> {
        let program = compile(source);
        let voices = kit_voices(&program);
        let (engine, refused) = LiveEngine::build(kind, &program, 48_000, 256, 2);
        assert!(refused.is_none(), "the JIT compiles the test program");
        Box::new(LiveRenderer::following(
            previous, program, engine, voices, 48_000, 256,
        ))
    }

    /// Runs the test body `$name(kind)` on each engine, as `$name::jit`
    /// and `$name::interp`.
    macro_rules! on_both_engines {
        ($name:ident) => {
            mod $name {
                #[test]
                fn jit() {
                    super::$name(super::EngineKind::Jit);
                }

                #[test]
                fn interp() {
                    super::$name(super::EngineKind::Interp);
                }
            }
        };
    }

    fn split(pairs: usize) -> PlayerConfig {
        PlayerConfig::new(48_000, 256).with_routing(Routing::Split { pairs })
    }

    /// Channel `channel` of `frames` frames.
    fn play(player: &mut Player<LiveRenderer>, frames: usize, channel: usize) -> Vec<f32> {
        let channels = player.channels();
        let mut block = vec![0.0; frames * channels];
        player.render_block(&mut block);
        block.chunks(channels).map(|f| f[channel]).collect()
    }

    fn alone(
        kind: EngineKind,
        source: &str,
        config: PlayerConfig,
        frames: usize,
        channel: usize,
    ) -> Vec<f32> {
        let (mut player, _control) = player(Box::new(live_on(kind, compile(source))), config);
        play(&mut player, frames, channel)
    }

    const SINE: &str = "~tone: sine 220 * 0.3\no1: ~tone\n";

    fn an_edit_that_keeps_a_bus_keeps_its_oscillator_running(kind: EngineKind) {
        let config = PlayerConfig::new(48_000, 256);
        let expected = alone(kind, SINE, config, 1024, 0);
        let first = live_on(kind, compile(SINE));
        let lineage = first.lineage();
        let (mut player, mut control) = player(Box::new(first), config);
        let mut heard = play(&mut player, 512, 0);
        control.send(following_on(
            kind,
            &lineage,
            "-- a comment\n~tone: sine 220 * 0.3\no1: ~tone\n",
        ));
        heard.extend(play(&mut player, 512, 0));
        assert_eq!(heard, expected);
        let event = control.next_event().expect("swapped");
        assert_eq!((event.frame, event.handover), (512, Handover::Seamless));
    }

    on_both_engines!(an_edit_that_keeps_a_bus_keeps_its_oscillator_running);

    fn voices_playing_at_a_swap_ring_on_in_the_new_program(kind: EngineKind) {
        const DRUM: &str = "o1: s \"bd\"\n";
        let config = PlayerConfig::new(48_000, 256);
        let expected = alone(kind, DRUM, config, 4096, 0);
        assert!(expected[1024..].iter().any(|&x| x != 0.0), "the kick rings");
        let first = live_on(kind, compile(DRUM));
        let lineage = first.lineage();
        let (mut player, mut control) = player(Box::new(first), config);
        let mut heard = play(&mut player, 1024, 0);
        control.send(following_on(kind, &lineage, "-- edited\no1: s \"bd\"\n"));
        heard.extend(play(&mut player, 3072, 0));
        assert_eq!(heard, expected);
    }

    on_both_engines!(voices_playing_at_a_swap_ring_on_in_the_new_program);

    fn editing_one_output_leaves_the_other_untouched(kind: EngineKind) {
        const BOTH: &str = "o1: sine 220 * 0.3\no2: saw 110 * 0.1\n";
        const EDITED: &str = "o1: sine 220 * 0.3\no2: saw 110 # lpf 800 * 0.1\n";
        let expected = alone(kind, BOTH, split(2), 4096, 0);
        let first = live_on(kind, compile(BOTH));
        let lineage = first.lineage();
        let next = following_on(kind, &lineage, EDITED);
        let plan = next.swap_plan().expect("follows").clone();
        assert_eq!(plan.fades_in, vec![false, true]);
        assert_eq!(plan.old_fades_out, vec![false, true]);
        assert_eq!(plan.changed, vec!["o2".to_string()]);
        let (mut player, mut control) = player(Box::new(first), split(2));
        let mut heard = play(&mut player, 1000, 0);
        control.send(next);
        heard.extend(play(&mut player, 3096, 0));
        assert_eq!(heard, expected, "o1 continued bit for bit");
        assert_eq!(
            control.next_event().map(|e| e.handover),
            Some(Handover::Crossfade)
        );
    }

    on_both_engines!(editing_one_output_leaves_the_other_untouched);

    /// Frames of the 20 ms crossfade at 48 kHz, and a margin past it.
    const AFTER_FADE: usize = 960 + 64;

    fn an_edited_chain_keeps_the_state_of_every_node_it_did_not_change(kind: EngineKind) {
        // Halving the final gain changes the output, so it crossfades; the
        // saw, filter and reverb keep their labels and carry their state
        // into the new version, which then plays exactly half of the
        // uninterrupted old one.
        const LOUD: &str = "o1: saw 55 # lpf 800 0.7 # reverb 0.8 0.5 0.4 * 0.25\n";
        const HALF: &str = "o1: saw 55 # lpf 800 0.7 # reverb 0.8 0.5 0.4 * 0.125\n";
        let config = PlayerConfig::new(48_000, 256);
        let expected = alone(kind, LOUD, config, 8192, 0);
        let first = live_on(kind, compile(LOUD));
        let lineage = first.lineage();
        let next = following_on(kind, &lineage, HALF);
        assert_eq!(next.swap_plan().unwrap().changed, vec!["o1".to_string()]);
        let (mut player, mut control) = player(Box::new(first), config);
        let mut heard = play(&mut player, 2048, 0);
        control.send(next);
        heard.extend(play(&mut player, 6144, 0));
        let event = control.next_event().expect("swapped");
        assert_eq!((event.frame, event.handover), (2048, Handover::Crossfade));
        assert_eq!(heard[..2048], expected[..2048]);
        let halved: Vec<f32> = expected[2048 + AFTER_FADE..]
            .iter()
            .map(|x| x * 0.5)
            .collect();
        assert!(halved.iter().any(|&x| x.abs() > 0.01));
        assert_eq!(heard[2048 + AFTER_FADE..], halved[..]);
    }

    on_both_engines!(an_edited_chain_keeps_the_state_of_every_node_it_did_not_change);

    fn a_reverb_tail_rings_on_when_an_edit_silences_its_source(kind: EngineKind) {
        // `* 0` folds the saw away, but the filter and reverb keep their
        // labels: a fresh reverb of silence would be silent.
        const PLAYING: &str = "o1: saw 55 * 0.5 # lpf 800 0.7 # reverb 0.8 0.5 0.4\n";
        const SILENCED: &str = "o1: saw 55 * 0 # lpf 1200 0.7 # reverb 0.8 0.5 0.4\n";
        let config = PlayerConfig::new(48_000, 256);
        let first = live_on(kind, compile(PLAYING));
        let lineage = first.lineage();
        let next = following_on(kind, &lineage, SILENCED);
        let copied = next.predecessor.as_ref().map(|s| s.copied.len());
        assert_eq!(copied, Some(2), "the filter and the reverb");
        let (mut player, mut control) = player(Box::new(first), config);
        play(&mut player, 24_000, 0);
        control.send(next);
        let heard = play(&mut player, 12_000, 0);
        let tail = &heard[AFTER_FADE..];
        let rms = (tail.iter().map(|x| x * x).sum::<f32>() / tail.len() as f32).sqrt();
        assert!(rms > 0.01, "the tail rings on: rms {rms}");
    }

    on_both_engines!(a_reverb_tail_rings_on_when_an_edit_silences_its_source);

    #[test]
    fn packed_reverbs_carry_their_tails_across_a_swap() {
        // Two chains of one shape share an f32x4 function, and with it the
        // reverb lines' write counters: the lines are copied turned to the
        // new function's counters.
        const BOTH: &str =
            "o1: saw 55 # reverb 0.8 0.5 0.4 * 0.25\no2: saw 82.5 # reverb 0.8 0.5 0.4 * 0.25\n";
        const EDITED: &str =
            "o1: saw 55 # reverb 0.8 0.5 0.4 * 0.25\no2: saw 82.5 # reverb 0.8 0.5 0.4 * 0.125\n";
        let first = live_on(EngineKind::Jit, compile(BOTH));
        let LiveEngine::Compiled(scheduler) = first.renderer.engine() else {
            panic!("compiled");
        };
        assert!(
            scheduler.work().packing_summary().contains("f32x4"),
            "packed: {}",
            scheduler.work().packing_summary()
        );
        let frames = 2048 + 4096;
        let (mut reference, _control) =
            player(Box::new(live_on(EngineKind::Jit, compile(BOTH))), split(2));
        let channels = reference.channels();
        let mut expected = vec![0.0; frames * channels];
        reference.render_block(&mut expected);
        let next = following_on(EngineKind::Jit, &first.lineage(), EDITED);
        let (mut player, mut control) = player(Box::new(first), split(2));
        let mut heard = vec![0.0; frames * channels];
        player.render_block(&mut heard[..2048 * channels]);
        control.send(next);
        player.render_block(&mut heard[2048 * channels..]);
        let channel = |block: &[f32], c: usize, from: usize| -> Vec<f32> {
            block.chunks(channels).skip(from).map(|f| f[c]).collect()
        };
        assert_eq!(
            channel(&heard, 0, 0),
            channel(&expected, 0, 0),
            "o1 continued"
        );
        let halved: Vec<f32> = channel(&expected, 2, 2048 + AFTER_FADE)
            .iter()
            .map(|x| x * 0.5)
            .collect();
        assert!(halved.iter().any(|&x| x.abs() > 0.01));
        assert_eq!(channel(&heard, 2, 2048 + AFTER_FADE), halved, "o2 halved");
    }

    #[test]
    fn an_edited_event_pattern_continues_and_a_changed_constant_fades() {
        let drums = live(compile("o1: s \"bd sn\"\n")).lineage();
        let next = following(&drums, "o1: s \"bd sn cp\"\n");
        assert_eq!(next.swap_plan().unwrap().fades_in, vec![false]);
        let sine = live(compile(SINE)).lineage();
        let louder = following(&sine, "~tone: sine 220 * 0.5\no1: ~tone\n");
        assert_eq!(louder.swap_plan().unwrap().fades_in, vec![true]);
        let renamed = following(&sine, "~other: sine 220 * 0.3\no1: ~other\n");
        assert_eq!(renamed.swap_plan().unwrap().fades_in, vec![true]);
    }

    #[test]
    fn removing_an_output_fades_it_and_keeps_the_rest() {
        let both = compile("~tone: sine 220 * 0.3\no1: ~tone\no2: saw 110 * 0.1\n");
        let old = live(both.clone()).lineage();
        let next = following(&old, SINE);
        let plan = next.swap_plan().expect("follows");
        assert_eq!(plan.fades_in, vec![false]);
        assert_eq!(plan.old_fades_out, vec![false, true]);
        assert_eq!(plan.removed, vec!["o2".to_string()]);
        let kept = next
            .predecessor
            .as_ref()
            .map(|s| (s.moved.len(), s.copied.len()));
        assert_eq!(kept, Some((1, 0)), "the sine of ~tone, by its label");
    }

    #[test]
    fn a_switch_of_engine_fades_every_output_in_and_out() {
        // The interpreter's state cannot cross into compiled code (after a
        // program the JIT refused, say): nothing carries over, so even an
        // unchanged output crossfades rather than restarting with a click.
        let mut first = live_on(EngineKind::Interp, compile(SINE));
        let mut next = following_on(EngineKind::Jit, &first.lineage(), SINE);
        assert_eq!(next.swap_plan().unwrap().fades_in, vec![false]);
        assert_eq!(next.engine_kind(), EngineKind::Jit);
        first.render_outputs(256);
        next.take_over(&mut first);
        assert!(next.fades_in(0) && next.old_fades_out(0));
    }
}
