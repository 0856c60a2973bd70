//! The hot swap. A [`Player`] is the [`BlockSource`] an audio output pulls
//! from; its [`PlayerControl`] lives on the control thread. New programs
//! travel to the player through a one-slot lock-free ring buffer and old
//! ones travel back through another, so the player never allocates, frees,
//! locks or waits: it only moves boxes.
//!
//! The player mixes each program's outputs itself, so a swap is decided
//! output by output: an output the new program continues exactly is not
//! touched; a changed output crossfades (equal power, about 20 ms) from the
//! old program's copy to the new one; a removed output fades out and a new
//! one fades in. Outputs go to the stereo master (`--outputs mix`) or each
//! to its own channel pair (`--outputs split`), through a limiter per pair.

use crate::audio::BlockSource;
use phonon_ir::dsp::master::Limiter;
use rtrb::{Consumer, Producer, RingBuffer};
use std::f32::consts::FRAC_PI_2;

/// A program that can replace another while audio plays: it renders its
/// outputs unmixed, and says at the swap which of them continue the old
/// program's and which fade.
pub trait LiveProgram: Send + 'static {
    /// Renders the next `frames` samples (at most the player's block) of
    /// every output. Must not allocate, lock or block.
    fn render_outputs(&mut self, frames: usize);
    fn output_count(&self) -> usize;
    /// Output `index`'s samples from the last `render_outputs`.
    fn output(&self, index: usize) -> (&[f32], &[f32]);
    /// The channel pair output `index` plays on with `--outputs split`
    /// (0 for `out` and `o1`, 1 for `o2`, ...).
    fn channel_pair(&self, index: usize) -> usize;
    /// Called at the block boundary where `self` replaces `old`: continue
    /// `old`'s cycle clock and adopt the state of what did not change. Must
    /// not allocate, lock or block.
    fn take_over(&mut self, old: &mut Self);
    /// After `take_over`: whether output `index` fades in (it is new, or
    /// changed) rather than continuing the old program's exactly.
    fn fades_in(&self, index: usize) -> bool;
    /// After `take_over`: whether the old program's output `index` fades
    /// out (it was changed or removed).
    fn old_fades_out(&self, index: usize) -> bool;
}

/// How the player moved from the old program to the new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handover {
    /// Every output continues the old program's exactly: switched at once.
    Seamless,
    /// Some outputs fade in or out (equal-power curves); the others
    /// continued untouched.
    Crossfade,
}

/// The player took program `generation` and plays it from `frame`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapEvent {
    pub generation: u64,
    pub frame: u64,
    pub handover: Handover,
}

struct Incoming<P> {
    program: Box<P>,
    generation: u64,
}

/// Where the outputs go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    /// Every output summed into one stereo master.
    Mix,
    /// Output N on channels 2N-1 and 2N (`out` with `o1`); outputs beyond
    /// `pairs` are not heard.
    Split { pairs: usize },
}

impl Routing {
    pub fn channels(self) -> usize {
        match self {
            Routing::Mix => 2,
            Routing::Split { pairs } => 2 * pairs.max(1),
        }
    }
}

/// Sizes fixed before audio starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlayerConfig {
    /// The largest block the output will ask for.
    pub max_block_frames: usize,
    /// The crossfade's length in frames (about 20 ms).
    pub fade_frames: usize,
    pub routing: Routing,
    pub rate: u32,
}

impl PlayerConfig {
    /// A 20 ms crossfade at `rate`, to the stereo master.
    pub fn new(rate: u32, max_block_frames: usize) -> PlayerConfig {
        PlayerConfig {
            max_block_frames: max_block_frames.max(1),
            fade_frames: (rate as usize / 50).max(1),
            routing: Routing::Mix,
            rate,
        }
    }

    pub fn with_routing(self, routing: Routing) -> PlayerConfig {
        PlayerConfig { routing, ..self }
    }
}

/// Programs waiting to be dropped, and swap events: the player adds at
/// most one of each per block; the control thread drains them.
const RETURN_CAPACITY: usize = 4;
const EVENT_CAPACITY: usize = 64;

/// The side that renders (the render thread, or an audio callback).
pub struct Player<P> {
    current: Box<P>,
    /// The program being faded out, still rendering until the fade ends.
    fading: Option<Box<P>>,
    /// Frames of the fade played so far.
    fade_done: usize,
    /// A program the return queue had no room for; sent on the next block.
    retiring: Option<Box<P>>,
    fade_frames: usize,
    max_block: usize,
    routing: Routing,
    /// Planar mix buffers, two per channel pair, `max_block` long.
    bus: Vec<Vec<f32>>,
    limiters: Vec<Limiter>,
    incoming: Consumer<Incoming<P>>,
    retired: Producer<Box<P>>,
    events: Producer<SwapEvent>,
    frames: u64,
}

/// The control-thread side.
pub struct PlayerControl<P> {
    outgoing: Producer<Incoming<P>>,
    /// The newest program not yet in the slot; a newer one replaces it.
    pending: Option<Incoming<P>>,
    next_generation: u64,
    retired: Consumer<Box<P>>,
    events: Consumer<SwapEvent>,
}

/// A player that starts with `initial` (generation 0), and its control.
pub fn player<P: LiveProgram>(
    initial: Box<P>,
    config: PlayerConfig,
) -> (Player<P>, PlayerControl<P>) {
    let (outgoing, incoming) = RingBuffer::new(1);
    let (retired, retired_back) = RingBuffer::new(RETURN_CAPACITY);
    let (events, events_back) = RingBuffer::new(EVENT_CAPACITY);
    let max_block = config.max_block_frames.max(1);
    let channels = config.routing.channels();
    (
        Player {
            current: initial,
            fading: None,
            fade_done: 0,
            retiring: None,
            fade_frames: config.fade_frames.max(1),
            max_block,
            routing: config.routing,
            bus: vec![vec![0.0; max_block]; channels],
            limiters: (0..channels / 2)
                .map(|_| Limiter::new(config.rate as f32))
                .collect(),
            incoming,
            retired,
            events,
            frames: 0,
        },
        PlayerControl {
            outgoing,
            pending: None,
            next_generation: 1,
            retired: retired_back,
            events: events_back,
        },
    )
}

/// The equal-power gains `(old, new)` at frame `done` of a fade of `length`.
fn fade_gains(done: usize, length: usize) -> (f32, f32) {
    if done + 1 >= length {
        return (0.0, 1.0);
    }
    let angle = (done + 1) as f32 / length as f32 * FRAC_PI_2;
    (angle.cos(), angle.sin())
}

impl<P: LiveProgram> Player<P> {
    fn retire(&mut self, old: Box<P>) {
        if let Err(rtrb::PushError::Full(old)) = self.retired.push(old) {
            self.retiring = Some(old);
        }
    }

    /// Takes a waiting program, unless a fade or a return is still going
    /// on (a new program then waits a block or two).
    fn take_incoming(&mut self) {
        if let Some(old) = self.retiring.take() {
            self.retire(old);
        }
        if self.fading.is_some() || self.retiring.is_some() {
            return;
        }
        let Ok(Incoming {
            mut program,
            generation,
        }) = self.incoming.pop()
        else {
            return;
        };
        program.take_over(&mut self.current);
        let old = std::mem::replace(&mut self.current, program);
        let fades = (0..self.current.output_count()).any(|i| self.current.fades_in(i))
            || (0..old.output_count()).any(|i| self.current.old_fades_out(i));
        let handover = if fades {
            self.fading = Some(old);
            self.fade_done = 0;
            Handover::Crossfade
        } else {
            self.retire(old);
            Handover::Seamless
        };
        // A full event queue only loses a status message.
        let _ = self.events.push(SwapEvent {
            generation,
            frame: self.frames,
            handover,
        });
    }

    /// The first bus channel of the pair output `pair` plays on, if any.
    fn bus_channel(&self, pair: usize) -> Option<usize> {
        match self.routing {
            Routing::Mix => Some(0),
            Routing::Split { .. } => Some(2 * pair).filter(|&c| c + 1 < self.bus.len()),
        }
    }

    /// Renders `frames` (at most `max_block`) into the bus, limited.
    fn render_chunk(&mut self, frames: usize) {
        for channel in &mut self.bus {
            channel[..frames].fill(0.0);
        }
        self.current.render_outputs(frames);
        let fading = self.fading.is_some();
        for index in 0..self.current.output_count() {
            let Some(channel) = self.bus_channel(self.current.channel_pair(index)) else {
                continue;
            };
            let fade = fading && self.current.fades_in(index);
            let (left, right) = self.current.output(index);
            let (bus_left, bus_right) = pair_mut(&mut self.bus, channel);
            mix_into(
                bus_left,
                left,
                fade,
                self.fade_done,
                self.fade_frames,
                false,
            );
            mix_into(
                bus_right,
                right,
                fade,
                self.fade_done,
                self.fade_frames,
                false,
            );
        }
        if let Some(mut old) = self.fading.take() {
            old.render_outputs(frames);
            for index in 0..old.output_count() {
                if !self.current.old_fades_out(index) {
                    continue;
                }
                let Some(channel) = self.bus_channel(old.channel_pair(index)) else {
                    continue;
                };
                let (left, right) = old.output(index);
                let (bus_left, bus_right) = pair_mut(&mut self.bus, channel);
                mix_into(bus_left, left, true, self.fade_done, self.fade_frames, true);
                mix_into(
                    bus_right,
                    right,
                    true,
                    self.fade_done,
                    self.fade_frames,
                    true,
                );
            }
            self.fade_done += frames;
            if self.fade_done >= self.fade_frames {
                self.retire(old);
            } else {
                self.fading = Some(old);
            }
        }
        for (pair, limiter) in self.limiters.iter_mut().enumerate() {
            let (left, right) = pair_mut(&mut self.bus, 2 * pair);
            limiter.process(&mut left[..frames], &mut right[..frames]);
        }
    }
}

/// Channels `first` and `first + 1` of the bus.
fn pair_mut(bus: &mut [Vec<f32>], first: usize) -> (&mut [f32], &mut [f32]) {
    let (left, right) = bus[first..].split_at_mut(1);
    (&mut left[0], &mut right[0])
}

/// Adds `signal` into `bus`, at full level or along the fade (from frame
/// `done` of `length`; `out` picks the fading-out curve).
fn mix_into(bus: &mut [f32], signal: &[f32], fade: bool, done: usize, length: usize, out: bool) {
    for (i, (sum, &x)) in bus.iter_mut().zip(signal).enumerate() {
        if fade {
            let (gain_old, gain_new) = fade_gains(done + i, length);
            *sum += x * if out { gain_old } else { gain_new };
        } else {
            *sum += x;
        }
    }
}

impl<P: LiveProgram> BlockSource for Player<P> {
    fn channels(&self) -> usize {
        self.bus.len()
    }

    fn render_block(&mut self, block: &mut [f32]) {
        self.take_incoming();
        let channels = self.bus.len();
        let frames = block.len() / channels;
        let mut done = 0;
        while done < frames {
            let len = (frames - done).min(self.max_block);
            self.render_chunk(len);
            for (i, frame) in block[done * channels..(done + len) * channels]
                .chunks_exact_mut(channels)
                .enumerate()
            {
                for (slot, channel) in frame.iter_mut().zip(&self.bus) {
                    *slot = channel[i];
                }
            }
            done += len;
        }
        self.frames += frames as u64;
    }
}

impl<P> PlayerControl<P> {
    /// Hands `program` to the player; returns its generation, which its
    /// [`SwapEvent`] will carry. A program still waiting for the slot is
    /// superseded and dropped here.
    pub fn send(&mut self, program: Box<P>) -> u64 {
        let generation = self.next_generation;
        self.next_generation += 1;
        self.pending = Some(Incoming {
            program,
            generation,
        });
        self.service();
        generation
    }

    /// Moves a waiting program into the slot when it is free, and drops
    /// the programs the player has sent back. Call it often.
    pub fn service(&mut self) {
        while let Ok(old) = self.retired.pop() {
            drop(old);
        }
        if self.outgoing.slots() > 0 {
            if let Some(incoming) = self.pending.take() {
                if let Err(rtrb::PushError::Full(back)) = self.outgoing.push(incoming) {
                    self.pending = Some(back);
                }
            }
        }
    }

    /// Whether a sent program is still waiting to be taken.
    pub fn is_waiting(&self) -> bool {
        self.pending.is_some() || self.outgoing.slots() == 0
    }

    /// The next swap the player made, if any.
    pub fn next_event(&mut self) -> Option<SwapEvent> {
        self.events.pop().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sines, one per output on pair `index`; an output whose frequency is
    /// unchanged carries its phase over, others fade.
    struct Tones {
        frequencies: Vec<f32>,
        phases: Vec<f32>,
        buffers: Vec<Vec<f32>>,
        fades_in: Vec<bool>,
        old_fades_out: Vec<bool>,
        frames: usize,
    }

    const RATE: f32 = 1000.0;

    fn tones(frequencies: &[f32]) -> Box<Tones> {
        Box::new(Tones {
            frequencies: frequencies.to_vec(),
            phases: vec![0.0; frequencies.len()],
            buffers: vec![vec![0.0; 64]; frequencies.len()],
            fades_in: vec![true; frequencies.len()],
            old_fades_out: vec![true; 8],
            frames: 0,
        })
    }

    impl LiveProgram for Tones {
        fn render_outputs(&mut self, frames: usize) {
            for ((buffer, phase), frequency) in self
                .buffers
                .iter_mut()
                .zip(&mut self.phases)
                .zip(&self.frequencies)
            {
                for x in &mut buffer[..frames] {
                    *x = (*phase * std::f32::consts::TAU).sin() * 0.5;
                    *phase = (*phase + frequency / RATE).fract();
                }
            }
            self.frames = frames;
        }

        fn output_count(&self) -> usize {
            self.frequencies.len()
        }

        fn output(&self, index: usize) -> (&[f32], &[f32]) {
            let samples = &self.buffers[index][..self.frames];
            (samples, samples)
        }

        fn channel_pair(&self, index: usize) -> usize {
            index
        }

        fn take_over(&mut self, old: &mut Tones) {
            self.old_fades_out = vec![true; old.frequencies.len()];
            for i in 0..self.frequencies.len() {
                if old.frequencies.get(i) == Some(&self.frequencies[i]) {
                    self.phases[i] = old.phases[i];
                    self.fades_in[i] = false;
                    self.old_fades_out[i] = false;
                }
            }
        }

        fn fades_in(&self, index: usize) -> bool {
            self.fades_in[index]
        }

        fn old_fades_out(&self, index: usize) -> bool {
            self.old_fades_out[index]
        }
    }

    fn play(player: &mut Player<Tones>, frames: usize) -> Vec<f32> {
        let mut block = vec![0.0; frames * player.channels()];
        player.render_block(&mut block);
        block
    }

    /// Channel `channel` of interleaved `block`.
    fn channel(block: &[f32], channels: usize, channel: usize) -> Vec<f32> {
        block.chunks(channels).map(|f| f[channel]).collect()
    }

    #[test]
    fn an_unchanged_program_continues_without_a_seam() {
        let config = PlayerConfig::new(1000, 64);
        let (mut player, mut control) = player(tones(&[10.0]), config);
        let mut swapped = play(&mut player, 30);
        let generation = control.send(tones(&[10.0]));
        swapped.extend(play(&mut player, 30));
        let (mut alone, _control) = super::player(tones(&[10.0]), config);
        assert_eq!(swapped, play(&mut alone, 60));
        let event = control.next_event().expect("a swap event");
        assert_eq!(
            (event.generation, event.frame, event.handover),
            (generation, 30, Handover::Seamless)
        );
    }

    #[test]
    fn only_the_changed_output_crossfades_and_the_other_is_untouched() {
        // 20 frames of fade at 1 kHz; blocks of 8 frames, chunks of 4.
        let config = PlayerConfig::new(1000, 4).with_routing(Routing::Split { pairs: 2 });
        let (mut player, mut control) = player(tones(&[10.0, 30.0]), config);
        let mut out = play(&mut player, 8);
        control.send(tones(&[10.0, 50.0]));
        for _ in 0..4 {
            out.extend(play(&mut player, 8));
        }
        let (mut alone, _control) = super::player(tones(&[10.0, 30.0]), config);
        let unchanged = play(&mut alone, 40);
        assert_eq!(channel(&out, 4, 0), channel(&unchanged, 4, 0));
        assert_eq!(channel(&out, 4, 1), channel(&unchanged, 4, 1));

        let changed = channel(&out, 4, 2);
        // Equal power: the gains' squares sum to one, so the output stays
        // within the two tones' combined bound.
        assert!(changed
            .iter()
            .all(|x| x.abs() <= 0.5 * std::f32::consts::SQRT_2 + 1e-6));
        let (mut fresh, _control) = super::player(tones(&[0.0, 50.0]), config);
        let fresh = channel(&play(&mut fresh, 32), 4, 2);
        // After the fade only the new tone is heard, started fresh.
        for i in 20..32 {
            assert!((changed[8 + i] - fresh[i]).abs() < 1e-6, "frame {i}");
        }
        assert_eq!(changed[..8], channel(&unchanged, 4, 2)[..8]);
        control.service();
        assert!(
            control.retired.is_empty(),
            "the old program was dropped by the control side"
        );
        let event = control.next_event().expect("swapped");
        assert_eq!(event.handover, Handover::Crossfade);
    }

    #[test]
    fn a_removed_output_fades_out_to_silence() {
        let (mut player, mut control) = player(tones(&[10.0]), PlayerConfig::new(1000, 64));
        let before = play(&mut player, 10);
        control.send(tones(&[]));
        let after = play(&mut player, 40);
        let mut previous = before[before.len() - 2];
        for frame in after.chunks(2) {
            assert!((frame[0] - previous).abs() < 0.1, "no step");
            previous = frame[0];
        }
        assert!(after[40..].iter().all(|&x| x == 0.0), "silent after 20 ms");
    }

    #[test]
    fn the_old_program_comes_back_to_the_control_thread() {
        let (mut player, mut control) = player(tones(&[10.0]), PlayerConfig::new(1000, 64));
        control.send(tones(&[10.0]));
        play(&mut player, 16);
        assert_eq!(
            control.retired.slots(),
            1,
            "returned, not dropped on the player's thread"
        );
        control.service();
        assert_eq!(control.retired.slots(), 0);
    }

    #[test]
    fn a_newer_program_supersedes_one_still_waiting() {
        let (mut player, mut control) = player(tones(&[10.0]), PlayerConfig::new(1000, 64));
        control.send(tones(&[20.0]));
        control.send(tones(&[30.0]));
        control.send(tones(&[40.0]));
        for _ in 0..10 {
            play(&mut player, 16);
            control.service();
        }
        let generations: Vec<u64> = std::iter::from_fn(|| control.next_event())
            .map(|e| e.generation)
            .collect();
        assert_eq!(
            generations,
            vec![1, 3],
            "the first was already in the slot; the second was superseded"
        );
        assert_eq!(player.current.frequencies, vec![40.0]);
    }
}
