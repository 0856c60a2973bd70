//! Event patterns made audible: `s "bd*4"`, `note "c4 e4" # s saw`. A
//! [`VoiceEngine`] owns one event pattern, the samples it uses and a fixed
//! [`VoicePool`], and renders it block by block into a stereo pair.
//!
//! Each block has two phases:
//!
//! 1. **Preparation** ([`events::collect_onsets`]): the pattern is queried
//!    for the block and every event starting in it is parsed into numbers,
//!    its sample resolved to a shared buffer. This allocates, and loads a
//!    sample not met before (see below).
//! 2. **Mixing** ([`VoicePool::render_with_onsets`]): voices render in
//!    segments between onsets, each new voice starting on the exact sample
//!    of its onset. This allocates nothing, takes no lock and reads no
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
    /// The block's onsets, reused from block to block.
    onsets: Vec<Onset>,
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
        collect_onsets(
            &self.pattern,
            clock,
            start,
            len,
            &mut self.samples,
            &mut self.onsets,
        );
        left[..len].fill(0.0);
        right[..len].fill(0.0);
        self.pool
            .render_with_onsets(&self.onsets, &mut left[..len], &mut right[..len]);
    }

    /// Warnings about samples first met while rendering, since the last call.
    pub fn take_warnings(&mut self) -> Vec<SampleWarning> {
        self.samples.take_warnings()
    }

    /// Silences every voice, so that rendering from the start again
    /// reproduces the output exactly. Loaded samples are kept.
    pub fn reset(&mut self) {
        self.pool.reset();
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
