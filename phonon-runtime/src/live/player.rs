//! The hot swap. A [`Player`] is the [`BlockSource`] an audio output pulls
//! from; its [`PlayerControl`] lives on the control thread. New programs
//! travel to the audio thread through a one-slot lock-free ring buffer and
//! old ones travel back through another, so the audio thread never
//! allocates, frees, locks or waits: it only moves boxes.

use crate::audio::BlockSource;
use rtrb::{Consumer, Producer, RingBuffer};
use std::f32::consts::FRAC_PI_2;

/// A program that can replace another while audio plays.
pub trait LiveProgram: BlockSource {
    /// Called on the audio thread at the block boundary where `self`
    /// replaces `old`: continue `old`'s cycle clock, and adopt the state of
    /// every node whose identity (bus or output name plus position in its
    /// chain) did not change. Must not allocate, lock or block. Says whether
    /// the outputs need a crossfade from `old`.
    fn take_over(&mut self, old: &mut Self) -> Handover;
}

/// How the audio thread moves from the old program to the new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handover {
    /// The new program continues the old one exactly: switch at once.
    Seamless,
    /// Something audible changed: fade the old program out and the new one
    /// in with equal-power curves.
    Crossfade,
}

/// The audio thread took program `generation` and plays it from `frame`.
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

/// Sizes fixed before audio starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlayerConfig {
    /// The largest block the output will ask for.
    pub max_block_frames: usize,
    /// The crossfade's length in frames (about 20 ms).
    pub fade_frames: usize,
}

impl PlayerConfig {
    /// A 20 ms crossfade at `rate`.
    pub fn new(rate: u32, max_block_frames: usize) -> PlayerConfig {
        PlayerConfig {
            max_block_frames: max_block_frames.max(1),
            fade_frames: (rate as usize / 50).max(1),
        }
    }
}

/// Programs waiting to be dropped, and swap events: the audio thread adds
/// at most one of each per block; the control thread drains them.
const RETURN_CAPACITY: usize = 4;
const EVENT_CAPACITY: usize = 64;

/// The audio-thread side.
pub struct Player<P> {
    current: Box<P>,
    /// The program being faded out, still rendering until the fade ends.
    fading: Option<Box<P>>,
    fade_done: usize,
    /// A program the return queue had no room for; sent on the next block.
    retiring: Option<Box<P>>,
    fade_frames: usize,
    scratch_left: Vec<f32>,
    scratch_right: Vec<f32>,
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
    (
        Player {
            current: initial,
            fading: None,
            fade_done: 0,
            retiring: None,
            fade_frames: config.fade_frames.max(1),
            scratch_left: vec![0.0; config.max_block_frames],
            scratch_right: vec![0.0; config.max_block_frames],
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
        let handover = program.take_over(&mut self.current);
        let old = std::mem::replace(&mut self.current, program);
        match handover {
            Handover::Seamless => self.retire(old),
            Handover::Crossfade => {
                self.fading = Some(old);
                self.fade_done = 0;
            }
        }
        // A full event queue only loses a status message.
        let _ = self.events.push(SwapEvent {
            generation,
            frame: self.frames,
            handover,
        });
    }

    /// Mixes the fading program under the new one, in scratch-sized pieces.
    fn crossfade(&mut self, left: &mut [f32], right: &mut [f32]) {
        let Some(old) = self.fading.as_mut() else {
            return;
        };
        let chunk = self.scratch_left.len();
        let mut start = 0;
        while start < left.len() {
            let end = (start + chunk).min(left.len());
            let frames = end - start;
            let (old_left, old_right) = (
                &mut self.scratch_left[..frames],
                &mut self.scratch_right[..frames],
            );
            old.render_block(old_left, old_right);
            for i in 0..frames {
                let progress = ((self.fade_done + 1) as f32 / self.fade_frames as f32).min(1.0);
                let (gain_old, gain_new) =
                    ((progress * FRAC_PI_2).cos(), (progress * FRAC_PI_2).sin());
                left[start + i] = left[start + i] * gain_new + old_left[i] * gain_old;
                right[start + i] = right[start + i] * gain_new + old_right[i] * gain_old;
                self.fade_done += 1;
            }
            start = end;
        }
        if self.fade_done >= self.fade_frames {
            if let Some(old) = self.fading.take() {
                self.retire(old);
            }
        }
    }
}

impl<P: LiveProgram> BlockSource for Player<P> {
    fn render_block(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.take_incoming();
        self.current.render_block(left, right);
        self.crossfade(left, right);
        self.frames += left.len() as u64;
    }
}

impl<P> PlayerControl<P> {
    /// Hands `program` to the audio thread; returns its generation, which
    /// its [`SwapEvent`] will carry. A program still waiting for the slot
    /// is superseded and dropped here.
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
    /// the programs the audio thread has sent back. Call it often.
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

    /// The next swap the audio thread made, if any.
    pub fn next_event(&mut self) -> Option<SwapEvent> {
        self.events.pop().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sine whose phase carries over when its frequency is unchanged.
    struct Tone {
        frequency: f32,
        phase: f32,
        rate: f32,
    }

    impl BlockSource for Tone {
        fn render_block(&mut self, left: &mut [f32], right: &mut [f32]) {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                *l = (self.phase * std::f32::consts::TAU).sin();
                *r = *l;
                self.phase = (self.phase + self.frequency / self.rate).fract();
            }
        }
    }

    impl LiveProgram for Tone {
        fn take_over(&mut self, old: &mut Tone) -> Handover {
            if old.frequency == self.frequency {
                self.phase = old.phase;
                Handover::Seamless
            } else {
                Handover::Crossfade
            }
        }
    }

    fn tone(frequency: f32) -> Box<Tone> {
        Box::new(Tone {
            frequency,
            phase: 0.0,
            rate: 1000.0,
        })
    }

    fn play(player: &mut Player<Tone>, frames: usize) -> Vec<f32> {
        let (mut left, mut right) = (vec![0.0; frames], vec![0.0; frames]);
        player.render_block(&mut left, &mut right);
        left
    }

    #[test]
    fn an_unchanged_program_continues_without_a_seam() {
        let (mut player, mut control) = player(tone(10.0), PlayerConfig::new(1000, 64));
        let mut swapped = play(&mut player, 30);
        let generation = control.send(tone(10.0));
        swapped.extend(play(&mut player, 30));
        let mut reference = player_without_swap(60);
        reference.truncate(60);
        assert_eq!(swapped, reference);
        let event = control.next_event().expect("a swap event");
        assert_eq!(
            (event.generation, event.frame, event.handover),
            (generation, 30, Handover::Seamless)
        );
    }

    fn player_without_swap(frames: usize) -> Vec<f32> {
        let (mut player, _control) = player(tone(10.0), PlayerConfig::new(1000, 64));
        play(&mut player, frames)
    }

    #[test]
    fn a_changed_program_crossfades_with_equal_power() {
        // 20 frames of fade at 1 kHz; blocks of 8 frames, scratch of 4.
        let (mut player, mut control) = player(tone(10.0), PlayerConfig::new(1000, 4));
        play(&mut player, 8);
        control.send(tone(50.0));
        let mut out = Vec::new();
        for _ in 0..4 {
            out.extend(play(&mut player, 8));
        }
        // Equal power: the two gains' squares sum to one at every frame, so
        // the output stays within the two tones' combined bound.
        assert!(out
            .iter()
            .all(|x| x.abs() <= std::f32::consts::SQRT_2 + 1e-6));
        let mut fresh = Tone {
            frequency: 50.0,
            phase: 0.0,
            rate: 1000.0,
        };
        let mut expected = vec![0.0; 32];
        let mut unused = vec![0.0; 32];
        fresh.render_block(&mut expected, &mut unused);
        // After the fade only the new tone is heard, starting fresh.
        for i in 20..32 {
            assert!((out[i] - expected[i]).abs() < 1e-6, "frame {i}");
        }
        control.service();
        assert!(
            control.retired.is_empty(),
            "the old program was dropped by the control side"
        );
    }

    #[test]
    fn the_old_program_comes_back_to_the_control_thread() {
        let (mut player, mut control) = player(tone(10.0), PlayerConfig::new(1000, 64));
        control.send(tone(10.0));
        play(&mut player, 16);
        assert_eq!(
            control.retired.slots(),
            1,
            "returned, not dropped on the audio thread"
        );
        control.service();
        assert_eq!(control.retired.slots(), 0);
    }

    #[test]
    fn a_newer_program_supersedes_one_still_waiting() {
        let (mut player, mut control) = player(tone(10.0), PlayerConfig::new(1000, 64));
        control.send(tone(20.0));
        control.send(tone(30.0));
        control.send(tone(40.0));
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
        assert_eq!(player.current.frequency, 40.0);
    }
}
