//! The samples one voice engine has asked for, loaded once from the shared
//! [`SampleLibrary`] and kept by name, with the warnings met on the way.
//! Used while preparing a block, never inside the mixing loop.

use std::collections::HashMap;
use std::sync::Arc;

use crate::samples::{SampleKey, SampleLibrary, SampleWarning, SharedSample};

/// Loaded samples by key; `None` marks a name that failed (warned once).
#[derive(Debug)]
pub struct SampleCache {
    library: Arc<SampleLibrary>,
    rate: u32,
    loaded: HashMap<SampleKey, Option<SharedSample>>,
    /// Warnings not yet taken.
    warnings: Vec<SampleWarning>,
    /// Every warning ever given, so that each is given once.
    reported: Vec<SampleWarning>,
}

impl SampleCache {
    /// A cache that loads from `library`, converted to `rate` Hz.
    pub fn new(library: Arc<SampleLibrary>, rate: u32) -> SampleCache {
        SampleCache {
            library,
            rate: rate.max(1),
            loaded: HashMap::new(),
            warnings: Vec::new(),
            reported: Vec::new(),
        }
    }

    /// The output rate samples are loaded at, in Hz.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The sample `name` (`bd` or `bd:3`) names, with `index` replacing its
    /// index when given; `None` (and a warning, the first time) when it
    /// cannot be loaded.
    pub fn get(&mut self, name: &str, index: Option<i64>) -> Option<SharedSample> {
        let key = match SampleKey::parse(name) {
            Ok(key) => SampleKey {
                index: index.unwrap_or(key.index),
                ..key
            },
            Err(warning) => {
                self.warn(warning);
                return None;
            }
        };
        if let Some(found) = self.loaded.get(&key) {
            return found.clone();
        }
        let loaded = match self.library.load(&key, self.rate) {
            Ok(buffer) => Some(buffer),
            Err(warning) => {
                self.warn(warning);
                None
            }
        };
        self.loaded.insert(key, loaded.clone());
        loaded
    }

    /// Hands over the warnings gathered since the last call; each distinct
    /// warning is given once in the cache's life.
    pub fn take_warnings(&mut self) -> Vec<SampleWarning> {
        std::mem::take(&mut self.warnings)
    }

    fn warn(&mut self, warning: SampleWarning) {
        if !self.reported.contains(&warning) {
            self.reported.push(warning.clone());
            self.warnings.push(warning);
        }
    }
}
