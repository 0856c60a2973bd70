//! Decodes WAV, FLAC, OGG/Vorbis and MP3 bytes into a [`SampleBuffer`] with
//! symphonia. Reads no files and never panics: a bad stream is a
//! [`DecodeError`].

use std::io::Cursor;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::buffer::SampleBuffer;

/// Why a stream could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not a format or codec this build reads.
    #[error("not a readable audio format ({0})")]
    Unsupported(String),
    /// The stream is damaged or truncated before any audio.
    #[error("damaged audio data ({0})")]
    Corrupt(String),
    /// The stream decoded to zero frames.
    #[error("the file holds no audio")]
    NoAudio,
}

/// Decodes a whole audio stream held in memory. `extension` (e.g. `"mp3"`)
/// helps the format probe; the content decides. Packets that fail to decode
/// mid-stream are skipped, as players do; a stream that breaks off keeps the
/// audio decoded so far.
pub fn decode_audio(bytes: &[u8], extension: Option<&str>) -> Result<SampleBuffer, DecodeError> {
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    if let Some(extension) = extension {
        hint.with_extension(extension);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            source,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| classify(&e))?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| DecodeError::Unsupported("no audio track".to_string()))?;
    let track_id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|params| params.audio())
        .ok_or_else(|| DecodeError::Unsupported("no audio codec parameters".to_string()))?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|e| classify(&e))?;

    let mut rate = 0;
    let mut source_channels = 0;
    let mut interleaved = Vec::new();
    let mut packet_samples: Vec<f32> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(e) if interleaved.is_empty() => return Err(classify(&e)),
            Err(_) => break,
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(decoded) => {
                rate = decoded.spec().rate();
                source_channels = decoded.spec().channels().count();
                decoded.copy_to_vec_interleaved(&mut packet_samples);
                interleaved.extend_from_slice(&packet_samples);
            }
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(e) if interleaved.is_empty() => return Err(classify(&e)),
            Err(_) => break,
        }
    }
    if interleaved.is_empty() || rate == 0 || source_channels == 0 {
        return Err(DecodeError::NoAudio);
    }
    let (channels, samples) = keep_two_channels(source_channels, interleaved);
    SampleBuffer::new(rate, channels, samples)
        .ok_or_else(|| DecodeError::Corrupt("inconsistent channel layout".to_string()))
}

/// Mono and stereo pass through; wider layouts keep their first two channels
/// (front left and right in every common layout).
fn keep_two_channels(source_channels: usize, interleaved: Vec<f32>) -> (u16, Vec<f32>) {
    match source_channels {
        1 => (1, interleaved),
        2 => (2, interleaved),
        _ => {
            let samples = interleaved
                .chunks_exact(source_channels)
                .flat_map(|frame| [frame[0], frame[1]])
                .collect();
            (2, samples)
        }
    }
}

fn classify(error: &SymphoniaError) -> DecodeError {
    match error {
        SymphoniaError::Unsupported(what) => DecodeError::Unsupported((*what).to_string()),
        other => DecodeError::Corrupt(other.to_string()),
    }
}
