//! The stable codes of the semantic checks' diagnostics (names, types,
//! arguments, buses, outputs), defined here and nowhere else. Codes are never
//! reused: a retired kind keeps its number.

/// A function name that is no node, transform, event parameter or built-in.
pub const UNKNOWN_FUNCTION: &str = "E0101";
/// `~name` where no bus of that name is defined.
pub const UNKNOWN_BUS: &str = "E0102";
/// A name after `$` that is not a pattern transform.
pub const UNKNOWN_TRANSFORM: &str = "E0103";
/// `:name` that is not a parameter (or alias) of the function it is given to,
/// or a `#` step on an event pattern that names no event parameter.
pub const UNKNOWN_PARAMETER: &str = "E0104";
/// An expression of the wrong type where it stands (a word pattern as a
/// cutoff, a transform as an output, a processor with no input...).
pub const TYPE_MISMATCH: &str = "E0105";
/// A required parameter with no argument and no default.
pub const MISSING_ARGUMENT: &str = "E0106";
/// More positional arguments than the function has parameters.
pub const TOO_MANY_ARGUMENTS: &str = "E0107";
/// A parameter given twice (by position and by name, or by name twice).
pub const DUPLICATE_ARGUMENT: &str = "E0108";
/// A bus defined twice; the last definition wins (a warning).
pub const DUPLICATE_BUS: &str = "E0109";
/// An output defined twice; the last definition wins (a warning).
pub const DUPLICATE_OUTPUT: &str = "E0110";
/// A program with no output: it is silent (a warning).
pub const NO_OUTPUT: &str = "E0111";
/// A tempo that is not a positive constant.
pub const BAD_TEMPO: &str = "E0112";
/// A pattern or effect bus that is defined in terms of itself: only signal
/// buses may form a feedback cycle.
pub const PATTERN_CYCLE: &str = "E0113";
/// A value that must be known before the program runs (a time argument, a
/// step count) given as an audio-rate signal.
pub const NOT_A_PATTERN: &str = "E0114";
/// A defined bus that nothing reads (a warning).
pub const UNUSED_BUS: &str = "E0115";
/// A `$` transform on a signal with no pattern inside (a signal bus, a
/// feedback read, a plain oscillator): it would change nothing (a warning).
pub const TRANSFORM_WITHOUT_PATTERN: &str = "E0116";

/// Every code with a one-line description, in order.
pub const ALL: &[(&str, &str)] = &[
    (UNKNOWN_FUNCTION, "unknown function"),
    (UNKNOWN_BUS, "unknown bus"),
    (UNKNOWN_TRANSFORM, "unknown pattern transform"),
    (UNKNOWN_PARAMETER, "unknown parameter"),
    (TYPE_MISMATCH, "wrong type of value"),
    (MISSING_ARGUMENT, "missing required argument"),
    (TOO_MANY_ARGUMENTS, "too many arguments"),
    (DUPLICATE_ARGUMENT, "parameter given twice"),
    (DUPLICATE_BUS, "bus defined twice"),
    (DUPLICATE_OUTPUT, "output defined twice"),
    (NO_OUTPUT, "no output: the program is silent"),
    (BAD_TEMPO, "tempo must be a positive number"),
    (
        PATTERN_CYCLE,
        "pattern or effect bus defined in terms of itself",
    ),
    (NOT_A_PATTERN, "a signal where a pattern is needed"),
    (UNUSED_BUS, "bus defined but never used"),
    (
        TRANSFORM_WITHOUT_PATTERN,
        "pattern transform on a signal with no pattern in it",
    ),
];

#[cfg(test)]
mod tests {
    use super::ALL;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for (code, _) in ALL {
            assert!(seen.insert(*code), "duplicate code {code}");
            assert!(
                code.len() == 5 && code.starts_with("E01"),
                "bad code {code}"
            );
        }
    }
}
