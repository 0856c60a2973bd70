//! Note names to MIDI numbers and frequencies: `c4` is MIDI 60, `a4` is
//! 440 Hz; `#`/`s` sharpen, `b`/`f` flatten (repeatable), octave 3 when omitted,
//! as in Strudel's `noteToMidi`.

/// The MIDI number of a note name (`c4` -> 60, `a#3` -> 58, `eb2` -> 39,
/// `c` -> 48), or `None` if the text is not a note name.
pub fn note_to_midi(name: &str) -> Option<f64> {
    let lower = name.to_ascii_lowercase();
    let mut chars = lower.chars().peekable();
    let letter = chars.next()?;
    let chroma = match letter {
        'c' => 0,
        'd' => 2,
        'e' => 4,
        'f' => 5,
        'g' => 7,
        'a' => 9,
        'b' => 11,
        _ => return None,
    };
    let mut accidental = 0i32;
    while let Some(&c) = chars.peek() {
        match c {
            '#' | 's' => accidental += 1,
            'b' | 'f' => accidental -= 1,
            _ => break,
        }
        chars.next();
    }
    let rest: String = chars.collect();
    let octave: i32 = if rest.is_empty() {
        3
    } else {
        let valid = rest
            .strip_prefix('-')
            .unwrap_or(&rest)
            .chars()
            .all(|c| c.is_ascii_digit());
        if !valid {
            return None;
        }
        rest.parse().ok()?
    };
    Some(f64::from((octave + 1) * 12 + chroma + accidental))
}

/// Equal-tempered frequency of a MIDI number (A4 = MIDI 69 = 440 Hz).
pub fn midi_to_hz(midi: f64) -> f64 {
    440.0 * 2f64.powf((midi - 69.0) / 12.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_names_follow_strudel() {
        assert_eq!(note_to_midi("c4"), Some(60.0));
        assert_eq!(note_to_midi("a4"), Some(69.0));
        assert_eq!(note_to_midi("a#3"), Some(58.0));
        assert_eq!(note_to_midi("eb2"), Some(39.0));
        assert_eq!(note_to_midi("C"), Some(48.0));
        assert_eq!(note_to_midi("bd"), None);
        assert_eq!(note_to_midi("hh"), None);
        assert!((midi_to_hz(69.0) - 440.0).abs() < 1e-9);
    }
}
