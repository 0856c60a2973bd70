//! `--outputs`: whether a program's outputs are summed into one stereo
//! master or each played on a channel pair of its own.

/// Where the outputs go.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// All outputs summed into one stereo master.
    Mix,
    /// Output N on channels 2N-1 and 2N (`out` and `o1` on 1-2, `o2` on
    /// 3-4, ...), each pair limited on its own.
    Split,
}
