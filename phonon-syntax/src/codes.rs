//! The stable codes of the statement and expression parser's diagnostics.
//!
//! Every syntax error kind has one code, defined here and nowhere else, so
//! editors, tests and docs can rely on it. Codes are never reused: a retired
//! kind keeps its number.

/// A line that does not start with any statement form (`tempo:`, `~name:`,
/// `out:`, `o1:`, `d1:`, `hush`, ...).
pub const UNKNOWN_STATEMENT: &str = "E0001";
/// `~name` or an output name not followed by `:` or `$`.
pub const EXPECTED_BINDING: &str = "E0002";
/// `tempo`, `cps` or `bpm` not followed by `:`.
pub const EXPECTED_TEMPO_COLON: &str = "E0003";
/// An operator, `:`, `,` or bracket with no expression where one must be.
pub const EXPECTED_EXPRESSION: &str = "E0004";
/// `#` or `$` not followed by a function name (with its arguments) or a `~bus`.
pub const EXPECTED_STEP: &str = "E0005";
/// A `(` or `[` that is never closed in its statement.
pub const UNCLOSED_BRACKET: &str = "E0006";
/// A `)` or `]` with no opener.
pub const UNEXPECTED_CLOSER: &str = "E0007";
/// A `(` closed by `]`, or a `[` closed by `)`.
pub const MISMATCHED_BRACKET: &str = "E0008";
/// A `"` with no closing `"` on the same line.
pub const UNCLOSED_STRING: &str = "E0009";
/// A number, string, bus, list or parenthesised expression followed by
/// arguments: only a name can be applied.
pub const NOT_A_FUNCTION: &str = "E0010";
/// A character or token that cannot appear where it stands.
pub const UNEXPECTED_TOKEN: &str = "E0011";
/// `:` not followed by a parameter name, or `:name` not followed by a value.
pub const BAD_KEYWORD_ARGUMENT: &str = "E0012";
/// A statement nested or chained so deeply that it would exhaust the stack.
pub const TOO_COMPLEX: &str = "E0013";
/// Text that starts like a number but is not one (`1e`, `3x`, `1.2.3`).
pub const MALFORMED_NUMBER: &str = "E0014";
/// A line at the left margin that starts with `#`, `$` or an operator: it
/// begins a new statement instead of continuing the previous one.
pub const DANGLING_CONTINUATION: &str = "E0015";
/// An output number that does not fit (`o99999999999`).
pub const OUTPUT_NUMBER_TOO_LARGE: &str = "E0016";

/// Every code with a one-line description, in order (for `--explain`-style
/// listings and for the test that keeps codes unique).
pub const ALL: &[(&str, &str)] = &[
    (UNKNOWN_STATEMENT, "unknown statement"),
    (
        EXPECTED_BINDING,
        "expected `:` or `$` after a bus or output name",
    ),
    (
        EXPECTED_TEMPO_COLON,
        "expected `:` after `tempo`, `cps` or `bpm`",
    ),
    (EXPECTED_EXPRESSION, "expected an expression"),
    (
        EXPECTED_STEP,
        "expected a function or `~bus` after `#` or `$`",
    ),
    (UNCLOSED_BRACKET, "unclosed `(` or `[`"),
    (UNEXPECTED_CLOSER, "unexpected `)` or `]`"),
    (MISMATCHED_BRACKET, "bracket closed by the wrong kind"),
    (UNCLOSED_STRING, "unclosed string"),
    (NOT_A_FUNCTION, "only a name can take arguments"),
    (UNEXPECTED_TOKEN, "unexpected token"),
    (BAD_KEYWORD_ARGUMENT, "incomplete keyword argument"),
    (TOO_COMPLEX, "statement nested too deeply"),
    (MALFORMED_NUMBER, "malformed number"),
    (
        DANGLING_CONTINUATION,
        "line starts with an operator at the left margin",
    ),
    (OUTPUT_NUMBER_TOO_LARGE, "output number too large"),
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
                code.len() == 5 && code.starts_with("E00"),
                "bad code {code}"
            );
        }
    }
}
