//! The voices of `render` and `run`: the sample library from the search
//! order, one voice engine per event pattern, samples preloaded off the
//! audio thread, and every sample warning printed as `warning: ...`.

use phonon_ir::graph::Graph;
use phonon_ir::pattern::Fraction;
use phonon_runtime::samples::{SampleLibrary, SampleWarning, SearchPaths};
use phonon_runtime::voices::ProgramVoices;
use std::path::PathBuf;
use std::sync::Arc;

/// Cycles queried ahead to load samples before playback; a sample first
/// named later is loaded in the block that needs it.
const PRELOAD_CYCLES: i64 = 16;

/// Scans the sample folders (`--samples`, then `PHONON_SAMPLES`,
/// `./samples`, SuperDirt's folder, then the default kit), printing a
/// warning for each folder that cannot be read.
pub fn open_library(samples_flag: Option<PathBuf>) -> Arc<SampleLibrary> {
    let library = SampleLibrary::new(&SearchPaths::from_process(samples_flag));
    print_warnings(library.scan_warnings());
    Arc::new(library)
}

/// The voices of `graph`'s event patterns, `count` per pattern, with the
/// samples of the first cycles loaded (and their warnings printed).
pub fn build(
    graph: &Graph,
    library: &Arc<SampleLibrary>,
    rate: u32,
    count: usize,
) -> ProgramVoices {
    let mut voices = ProgramVoices::new(graph, Arc::clone(library), rate, count);
    print_warnings(&voices.preload(Fraction::from_int(PRELOAD_CYCLES)));
    voices
}

/// One `warning: ...` line per sample problem on stderr (an unknown bank
/// names the nearest ones).
pub fn print_warnings(warnings: &[SampleWarning]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

/// `--voices N`: at least one.
pub fn parse_voice_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "`{text}` is not a voice count; give a whole number above 0, like 32 or 128"
        )),
    }
}
