//! Sample banks: the default kit (recipes and embedded files), decoding,
//! resampling and the Dirt-Samples style library that resolves `bd:3` to
//! audio. Everything here runs off the audio thread; the audio side only
//! reads the shared [`SampleBuffer`]s it is handed.

pub mod bank;
pub mod buffer;
pub mod decode;
pub mod kit;
pub mod kit_recipes;
pub mod resample;
pub mod warning;

#[cfg(test)]
mod tests;

pub use bank::{
    BankInfo, ResolvedSample, RootOrigin, SampleKey, SampleLibrary, SampleRoot, SearchPaths,
};
pub use buffer::{SampleBuffer, SharedSample};
pub use decode::{decode_audio, DecodeError};
pub use resample::{resample, ResampleError};
pub use warning::SampleWarning;
