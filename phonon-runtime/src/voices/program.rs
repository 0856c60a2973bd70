//! The voices of a whole program: one [`VoiceEngine`] per event pattern of
//! its graph, plugged into the renderer as its [`VoiceSource`]. Not the
//! voices themselves (see the engine) nor where they are mixed (the graph's
//! `voices` nodes feed the bus or output that names them).

use std::sync::Arc;

use phonon_ir::graph::{Graph, PatternId, PatternKind};
use phonon_ir::pattern::Fraction;

use super::VoiceEngine;
use crate::clock::SampleClock;
use crate::engine::VoiceSource;
use crate::samples::{SampleLibrary, SampleWarning};

/// One voice engine per event pattern, indexed by [`PatternId`].
#[derive(Debug)]
pub struct ProgramVoices {
    engines: Vec<Option<VoiceEngine>>,
}

impl ProgramVoices {
    /// Engines for every event pattern of `graph`, each with its own pool of
    /// `capacity` voices, loading samples from `library` at `rate` Hz.
    pub fn new(
        graph: &Graph,
        library: Arc<SampleLibrary>,
        rate: u32,
        capacity: usize,
    ) -> ProgramVoices {
        let engines = graph
            .patterns
            .iter()
            .map(|pattern| {
                (pattern.kind == PatternKind::Events).then(|| {
                    VoiceEngine::new(
                        pattern.pattern.clone(),
                        Arc::clone(&library),
                        rate,
                        capacity,
                    )
                })
            })
            .collect();
        ProgramVoices { engines }
    }

    /// Loads the samples every event pattern names in its first `cycles`
    /// cycles (see [`VoiceEngine::preload`]); each warning is listed once.
    pub fn preload(&mut self, cycles: Fraction) -> Vec<SampleWarning> {
        let mut warnings = Vec::new();
        for engine in self.engines.iter_mut().flatten() {
            for warning in engine.preload(cycles) {
                if !warnings.contains(&warning) {
                    warnings.push(warning);
                }
            }
        }
        warnings
    }

    /// Warnings about samples first met while rendering, since the last call.
    pub fn take_warnings(&mut self) -> Vec<SampleWarning> {
        let mut warnings = Vec::new();
        for engine in self.engines.iter_mut().flatten() {
            for warning in engine.take_warnings() {
                if !warnings.contains(&warning) {
                    warnings.push(warning);
                }
            }
        }
        warnings
    }

    /// Hot swap: for every `(here, there)` pair of event patterns, this
    /// program's engine `here` continues the voices `old`'s engine `there`
    /// is playing (see [`VoiceEngine::take_voices_from`]). Allocates nothing.
    pub fn take_voices_from(&mut self, old: &mut ProgramVoices, pairs: &[(PatternId, PatternId)]) {
        for &(here, there) in pairs {
            let new_engine = self.engines.get_mut(here.index()).and_then(Option::as_mut);
            let old_engine = old.engines.get_mut(there.index()).and_then(Option::as_mut);
            if let (Some(new_engine), Some(old_engine)) = (new_engine, old_engine) {
                new_engine.take_voices_from(old_engine);
            }
        }
    }

    /// The engine of one event pattern.
    pub fn engine(&self, pattern: PatternId) -> Option<&VoiceEngine> {
        self.engines.get(pattern.index())?.as_ref()
    }
}

impl VoiceSource for ProgramVoices {
    fn render(
        &mut self,
        pattern: PatternId,
        clock: &SampleClock,
        start: u64,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        match self.engines.get_mut(pattern.index()) {
            Some(Some(engine)) => engine.render_block(clock, start, left, right),
            _ => {
                left.fill(0.0);
                right.fill(0.0);
            }
        }
    }

    fn reset(&mut self) {
        for engine in self.engines.iter_mut().flatten() {
            engine.reset();
        }
    }
}
