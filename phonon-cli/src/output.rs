//! Writing a command's results to stdout. A reader that stops early
//! (`phonon emit-ir song.ph | head`) closes the pipe: that ends the output,
//! it is not an error and must not panic, as `print!` would.

use std::io::{ErrorKind, Write};

/// Writes `text` to stdout; a closed pipe quietly ends the output.
pub fn print_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
