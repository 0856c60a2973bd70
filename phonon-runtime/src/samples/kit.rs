//! The default kit as shipped: the WAV files under `phonon-runtime/kit/`,
//! embedded in the binary so that `s "bd sn"` plays from any folder with no
//! download. The sounds themselves come from [`super::kit_recipes`].

use std::io::Cursor;

use super::kit_recipes::{kit_sounds, KIT_SAMPLE_RATE};

/// Where the shipped kit lives in the source tree (`<bank>/<bank><n>.wav`).
/// Only the generator and the tests read it; the library uses [`EMBEDDED_KIT`].
pub const KIT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/kit");

/// One shipped kit file, embedded at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// Bank (folder) name, e.g. `bd`.
    pub bank: &'static str,
    /// File name inside the bank, e.g. `bd0.wav`.
    pub file_name: &'static str,
    /// The file's bytes (16-bit mono 44.1 kHz WAV).
    pub bytes: &'static [u8],
}

macro_rules! kit_file {
    ($bank:literal, $file:literal) => {
        EmbeddedFile {
            bank: $bank,
            file_name: $file,
            bytes: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/kit/",
                $bank,
                "/",
                $file
            )),
        }
    };
}

/// Every shipped kit file, banks in kit order, files sorted by name.
/// To add a variant: add its recipe, run `cargo run -p phonon-runtime
/// --example make_kit`, then list the new file here (the regeneration test
/// fails until the list, the folder and the recipes agree).
pub const EMBEDDED_KIT: &[EmbeddedFile] = &[
    kit_file!("bd", "bd0.wav"),
    kit_file!("bd", "bd1.wav"),
    kit_file!("bd", "bd2.wav"),
    kit_file!("bd", "bd3.wav"),
    kit_file!("sn", "sn0.wav"),
    kit_file!("sn", "sn1.wav"),
    kit_file!("sn", "sn2.wav"),
    kit_file!("sn", "sn3.wav"),
    kit_file!("hh", "hh0.wav"),
    kit_file!("hh", "hh1.wav"),
    kit_file!("hh", "hh2.wav"),
    kit_file!("hh", "hh3.wav"),
    kit_file!("oh", "oh0.wav"),
    kit_file!("oh", "oh1.wav"),
    kit_file!("oh", "oh2.wav"),
    kit_file!("oh", "oh3.wav"),
    kit_file!("cp", "cp0.wav"),
    kit_file!("cp", "cp1.wav"),
    kit_file!("cp", "cp2.wav"),
    kit_file!("cp", "cp3.wav"),
    kit_file!("rim", "rim0.wav"),
    kit_file!("rim", "rim1.wav"),
    kit_file!("rim", "rim2.wav"),
    kit_file!("lt", "lt0.wav"),
    kit_file!("lt", "lt1.wav"),
    kit_file!("lt", "lt2.wav"),
    kit_file!("mt", "mt0.wav"),
    kit_file!("mt", "mt1.wav"),
    kit_file!("mt", "mt2.wav"),
    kit_file!("ht", "ht0.wav"),
    kit_file!("ht", "ht1.wav"),
    kit_file!("ht", "ht2.wav"),
    kit_file!("cb", "cb0.wav"),
    kit_file!("cb", "cb1.wav"),
    kit_file!("cb", "cb2.wav"),
];

/// Encodes samples as the kit's file format: 16-bit mono WAV at
/// [`KIT_SAMPLE_RATE`], each sample rounded to the nearest step.
pub fn encode_kit_wav(samples: &[f32]) -> Result<Vec<u8>, hound::Error> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: KIT_SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut bytes, spec)?;
    for &sample in samples {
        let step = (f64::from(sample) * f64::from(i16::MAX)).round();
        writer.write_sample(step.clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16)?;
    }
    writer.finalize()?;
    Ok(bytes.into_inner())
}

/// One rendered kit file, as `make_kit` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Bank (folder) name.
    pub bank: &'static str,
    /// File name inside the bank, e.g. `bd0.wav`.
    pub file_name: String,
    /// The WAV bytes.
    pub bytes: Vec<u8>,
}

/// Renders the whole kit as files, in kit order. This is what `make_kit`
/// writes and what the shipped files must equal byte for byte.
pub fn render_kit_files() -> Result<Vec<RenderedFile>, hound::Error> {
    kit_sounds()
        .into_iter()
        .map(|sound| {
            Ok(RenderedFile {
                bank: sound.bank,
                file_name: sound.file_name(),
                bytes: encode_kit_wav(&sound.samples)?,
            })
        })
        .collect()
}
