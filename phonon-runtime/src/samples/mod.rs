//! Sample banks: the default kit (recipes and embedded files), decoding,
//! resampling and the Dirt-Samples style library that resolves `bd:3` to
//! audio. Everything here runs off the audio thread; the audio side only
//! reads the shared [`SampleBuffer`]s it is handed.

pub mod kit;
pub mod kit_recipes;
