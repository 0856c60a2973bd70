//! What can go wrong while finding or loading a sample, as data. None of it
//! stops a program: each warning's sample plays as silence.

use std::fmt;
use std::path::PathBuf;

/// A problem with one sample name, file or search folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleWarning {
    /// No bank of that name in any search folder nor in the default kit.
    UnknownBank {
        /// The name asked for, e.g. `kik`.
        bank: String,
        /// Up to three existing bank names, nearest first.
        nearest: Vec<String>,
    },
    /// A sample name that is not `name` or `name:index`.
    BadName {
        /// The text as written.
        text: String,
    },
    /// A sample file that could not be read or decoded.
    Unreadable {
        /// The sample name that chose it, e.g. `bd:3`.
        name: String,
        /// The file, or `kit/<bank>/<file>` for the embedded kit.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// A folder given by `--samples` or `PHONON_SAMPLES` that cannot be read.
    MissingFolder {
        /// The folder.
        path: PathBuf,
        /// Where it was given: `--samples` or `PHONON_SAMPLES`.
        given_by: &'static str,
        /// What failed.
        reason: String,
    },
}

impl fmt::Display for SampleWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SampleWarning::UnknownBank { bank, nearest } => {
                write!(f, "no sample bank named `{bank}`; it plays as silence")?;
                if !nearest.is_empty() {
                    let names: Vec<String> = nearest.iter().map(|n| format!("`{n}`")).collect();
                    write!(f, " (nearest: {})", names.join(", "))?;
                }
                Ok(())
            }
            SampleWarning::BadName { text } => write!(
                f,
                "`{text}` is not a sample name (write `name` or `name:index`, e.g. `bd:3`); \
                 it plays as silence"
            ),
            SampleWarning::Unreadable { name, path, reason } => write!(
                f,
                "cannot load `{name}` from {}: {reason}; it plays as silence",
                path.display()
            ),
            SampleWarning::MissingFolder {
                path,
                given_by,
                reason,
            } => write!(
                f,
                "cannot read the sample folder {} given by {given_by}: {reason}",
                path.display()
            ),
        }
    }
}
