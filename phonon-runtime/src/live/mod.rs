//! Live coding: a program is replaced while it plays. [`player`] is the
//! audio-thread side (takes a new program at a block boundary through a
//! lock-free slot, crossfades, sends the old one back to be dropped
//! elsewhere); [`watch`] notices when the file is saved. Parsing, checking
//! and compiling happen on the caller's thread, never on the audio thread.

pub mod engine;
pub mod player;
pub mod program;
pub mod watch;
