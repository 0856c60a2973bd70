//! The fixed voice pool: every slot allocated up front, oldest-first stealing
//! with a short fade, cut groups, and a mixer that starts each voice on the
//! exact sample of its onset by rendering in segments between onsets.
//!
//! The pool holds `capacity` sounding voices plus as many slots again for
//! voices fading out after being stolen or cut, so that a stolen voice can
//! finish its fade while the new one sounds. When every slot is busy, the
//! fading voice nearest the end of its fade is dropped to make room.

use super::events::{EventParams, Onset, SHORT_FADE_SECONDS};
use super::voice::Voice;

/// Voices a program gets unless told otherwise.
pub const DEFAULT_VOICE_COUNT: usize = 128;

#[derive(Debug)]
pub struct VoicePool {
    slots: Vec<Voice>,
    capacity: usize,
    rate: u32,
    fade_length: u32,
    next_serial: u64,
}

impl VoicePool {
    /// A pool of `capacity` voices (at least 1) at `rate` Hz. All memory the
    /// pool uses is allocated here.
    pub fn new(capacity: usize, rate: u32) -> VoicePool {
        let capacity = capacity.max(1);
        let rate = rate.max(1);
        let fade_length = ((SHORT_FADE_SECONDS * rate as f32).round() as u32).max(1);
        VoicePool {
            slots: vec![Voice::idle(); 2 * capacity],
            capacity,
            rate,
            fade_length,
            next_serial: 0,
        }
    }

    /// How many voices may sound at once (fading ones aside).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Voices sounding and not fading out.
    pub fn sounding(&self) -> usize {
        self.slots
            .iter()
            .filter(|v| v.active && v.fade_left.is_none())
            .count()
    }

    /// Voices fading out after being stolen or cut.
    pub fn fading(&self) -> usize {
        self.slots
            .iter()
            .filter(|v| v.active && v.fade_left.is_some())
            .count()
    }

    /// The length of the fade that stops a stolen or cut voice, in samples.
    pub fn fade_length(&self) -> u32 {
        self.fade_length
    }

    /// Starts a voice for `params` (an event `duration` samples long) at the
    /// current position: its first sample is the next one rendered. Stops
    /// the voices of its cut group and, when the pool is full, the oldest
    /// voice, each with the short fade. Never allocates; an event that
    /// cannot sound is ignored.
    pub fn start(&mut self, params: &EventParams, duration: u64) {
        if !Voice::can_sound(params) {
            return;
        }
        if let Some(group) = params.cut {
            for voice in self.slots.iter_mut() {
                if voice.active && voice.cut == Some(group) {
                    voice.fade_out();
                }
            }
        }
        if self.sounding() >= self.capacity {
            let oldest = self
                .slots
                .iter_mut()
                .filter(|v| v.active && v.fade_left.is_none())
                .min_by_key(|v| v.serial);
            if let Some(oldest) = oldest {
                oldest.fade_out();
            }
        }
        let slot = match self.slots.iter().position(|v| !v.active) {
            Some(free) => free,
            None => self.nearest_done_fading(),
        };
        let serial = self.next_serial;
        self.next_serial += 1;
        self.slots[slot].start(params, duration, serial, self.rate, self.fade_length);
    }

    /// Adds every active voice into `left` and `right` (up to the shorter).
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let (left, right) = (&mut left[..len], &mut right[..len]);
        for voice in self.slots.iter_mut().filter(|v| v.active) {
            voice.render(left, right);
        }
    }

    /// Adds one block into `left` and `right`, starting each onset's voice
    /// on its sample: voices render in segments that end at each onset.
    /// Onsets are expected in offset order; one earlier than the previous
    /// starts with it, and one past the block starts after it.
    pub fn render_with_onsets(&mut self, onsets: &[Onset], left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let mut rendered = 0;
        for onset in onsets {
            let at = onset.offset.min(len);
            if at > rendered {
                self.render(&mut left[rendered..at], &mut right[rendered..at]);
                rendered = at;
            }
            self.start(&onset.params, onset.duration);
        }
        self.render(&mut left[rendered..len], &mut right[rendered..len]);
    }

    /// Silences every voice and restarts the start order.
    pub fn reset(&mut self) {
        for voice in self.slots.iter_mut() {
            voice.stop();
        }
        self.next_serial = 0;
    }

    /// The start numbers (0 for the first voice started since `new` or
    /// `reset`, counting up) of the voices sounding and not fading, in slot
    /// order.
    pub fn sounding_serials(&self) -> impl Iterator<Item = u64> + '_ {
        self.slots
            .iter()
            .filter(|v| v.active && v.fade_left.is_none())
            .map(|v| v.serial)
    }

    /// The fading slot closest to silence, to be reused when all are busy.
    fn nearest_done_fading(&self) -> usize {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.fade_left.map(|left| (left, v.serial, i)))
            .min()
            .map_or(0, |(_, _, i)| i)
    }
}
