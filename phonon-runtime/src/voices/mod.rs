//! Event patterns made audible: `s "bd*4"`, `note "c4 e4" # s saw`. A
//! [`VoiceEngine`] owns one event pattern, the samples it uses and a fixed
//! [`VoicePool`], and renders it block by block into a stereo pair.
//!
//! Each block has two phases:
//!
//! 1. **Preparation** ([`events::collect_onsets`]): when the block passes
//!    the end of the query-ahead window, the pattern is queried for the next
//!    window (up to a cycle, [`LOOKAHEAD_SAMPLES`] at most) and every event
//!    starting in it is parsed into numbers, its sample resolved to a shared
//!    buffer. This allocates, and loads a sample not met before (see below);
//!    the blocks between refills query nothing.
//! 2. **Mixing**: voices render in segments between the window's onsets
//!    that fall in the block, each new voice starting on the exact sample of
//!    its onset. This allocates nothing, takes no lock and reads no
//!    strings.
//!
//! Samples: [`VoiceEngine::preload`] queries the first cycles and loads every
//! sample named there before playback. A name first seen later is loaded
//! during that block's preparation: fine offline, but in live playback the
//! block that first uses it pays for the file read and decode, so a live
//! host should preload generously (and may preload again after a hot swap).
//!
//! Not here: effects after the voices (`# lpf` on the mix is a graph node),
//! buses and outputs (the caller adds the block where the program names it).

pub mod cache;
pub mod events;
pub mod pool;
pub mod program;
mod voice;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use phonon_ir::pattern::{Fraction, Pattern, TimeSpan, Value};

use crate::clock::SampleClock;
use crate::controls::LOOKAHEAD_SAMPLES;
use crate::samples::{SampleLibrary, SampleWarning};
pub use cache::SampleCache;
pub use events::{collect_onsets, parse_event, Envelope, EventParams, Instrument, Onset, Waveform};
pub use pool::{VoicePool, DEFAULT_VOICE_COUNT};
pub use program::ProgramVoices;

/// One event pattern's voices.
#[derive(Debug)]
pub struct VoiceEngine {
    pattern: Pattern<Value>,
    samples: SampleCache,
    pool: VoicePool,
    /// The onsets of the query-ahead window, offsets counted from
    /// `window_start`, in offset order. Reused from window to window.
    onsets: Vec<Onset>,
    /// The next onset to start.
    next: usize,
    /// The window covers samples `[window_start, window_end)`.
    window_start: u64,
    window_end: u64,
    /// Where the next block should start; a block elsewhere (a jump, the
    /// first block of a program taking over mid-piece) queries from its own
    /// start.
    position: u64,
}

impl VoiceEngine {
    /// An engine for `pattern` (values are control maps, see [`events`]),
    /// loading samples from `library` at `rate` Hz, with `capacity` voices.
    pub fn new(
        pattern: Pattern<Value>,
        library: Arc<SampleLibrary>,
        rate: u32,
        capacity: usize,
    ) -> VoiceEngine {
        VoiceEngine {
            pattern,
            samples: SampleCache::new(library, rate),
            pool: VoicePool::new(capacity, rate),
            onsets: Vec::with_capacity(64),
            next: 0,
            window_start: 0,
            window_end: 0,
            position: 0,
        }
    }

    /// Loads every sample the pattern names in its first `cycles` cycles,
    /// returning the warnings met (each sample that cannot be loaded plays
    /// as silence).
    pub fn preload(&mut self, cycles: Fraction) -> Vec<SampleWarning> {
        if cycles > Fraction::ZERO {
            for hap in self.pattern.query(TimeSpan::new(Fraction::ZERO, cycles)) {
                parse_event(&hap.value, &mut self.samples);
            }
        }
        self.samples.take_warnings()
    }

    /// Renders samples `[start, start + len)` into `left` and `right`
    /// (overwritten; `len` is the shorter of the two).
    pub fn render_block(
        &mut self,
        clock: &SampleClock,
        start: u64,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let len = left.len().min(right.len());
        let (left, right) = (&mut left[..len], &mut right[..len]);
        left.fill(0.0);
        right.fill(0.0);
        if start != self.position {
            self.drop_window(start);
        }
        let end = start + len as u64;
        let mut rendered = 0;
        let mut covered = start;
        while covered < end {
            if covered >= self.window_end {
                self.refill(clock, covered);
            }
            let stop = end.min(self.window_end);
            while let Some(onset) = self.onsets.get(self.next) {
                let at = self.window_start + onset.offset as u64;
                if at >= stop {
                    break;
                }
                let offset = (at.max(start) - start) as usize;
                if offset > rendered {
                    self.pool
                        .render(&mut left[rendered..offset], &mut right[rendered..offset]);
                    rendered = offset;
                }
                self.pool.start(&onset.params, onset.duration);
                self.next += 1;
            }
            covered = stop;
        }
        self.pool
            .render(&mut left[rendered..], &mut right[rendered..]);
        self.position = end;
    }

    /// Forgets the window, so that the next one starts at `start`.
    fn drop_window(&mut self, start: u64) {
        self.onsets.clear();
        self.next = 0;
        self.window_start = start;
        self.window_end = start;
    }

    /// Queries the window that starts at `from` (the previous one's end).
    fn refill(&mut self, clock: &SampleClock, from: u64) {
        let end = clock.lookahead_end(from, LOOKAHEAD_SAMPLES, 1);
        collect_onsets(
            &self.pattern,
            clock,
            from,
            (end - from) as usize,
            &mut self.samples,
            &mut self.onsets,
        );
        self.next = 0;
        self.window_start = from;
        self.window_end = end;
    }

    /// Warnings about samples first met while rendering, since the last call.
    pub fn take_warnings(&mut self) -> Vec<SampleWarning> {
        self.samples.take_warnings()
    }

    /// Silences every voice, so that rendering from the start again
    /// reproduces the output exactly. Loaded samples are kept.
    pub fn reset(&mut self) {
        self.pool.reset();
        self.drop_window(0);
        self.position = 0;
    }

    /// Hot swap: this engine continues the voices `old` is playing (their
    /// tails ring on; this engine's pattern starts the next ones), and
    /// `old` is left with this engine's silent pool. Swaps buffers only, so
    /// it allocates nothing.
    pub fn take_voices_from(&mut self, old: &mut VoiceEngine) {
        std::mem::swap(&mut self.pool, &mut old.pool);
    }

    /// The voice pool, to inspect.
    pub fn pool(&self) -> &VoicePool {
        &self.pool
    }
}
