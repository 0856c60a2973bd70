//! The `phonon` command. Thin: parses flags, calls the library crates, prints.

fn main() {
    println!("phonon {}", env!("CARGO_PKG_VERSION"));
}
