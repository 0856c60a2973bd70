//! Writes the default kit: renders every recipe of
//! `phonon_runtime::samples::kit_recipes` and saves it under
//! `phonon-runtime/kit/<bank>/<bank><n>.wav`, replacing the folder's WAVs.
//! Run with `cargo run -p phonon-runtime --example make_kit`.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use phonon_runtime::samples::kit::{render_kit_files, KIT_DIR};

fn main() -> ExitCode {
    match write_kit(Path::new(KIT_DIR)) {
        Ok(total_bytes) => {
            println!("wrote the kit to {KIT_DIR} ({total_bytes} bytes)");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("make_kit: {message}");
            ExitCode::FAILURE
        }
    }
}

fn write_kit(kit_dir: &Path) -> Result<usize, String> {
    let files = render_kit_files().map_err(|e| format!("encoding failed: {e}"))?;
    let mut total_bytes = 0;
    for file in &files {
        let bank_dir = kit_dir.join(file.bank);
        // Old variants must not linger: the folder holds exactly the recipes.
        if bank_dir.exists() {
            fs::remove_dir_all(&bank_dir)
                .map_err(|e| format!("cannot clear {}: {e}", bank_dir.display()))?;
        }
    }
    for file in &files {
        let bank_dir = kit_dir.join(file.bank);
        fs::create_dir_all(&bank_dir)
            .map_err(|e| format!("cannot create {}: {e}", bank_dir.display()))?;
        let path = bank_dir.join(&file.file_name);
        fs::write(&path, &file.bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        total_bytes += file.bytes.len();
    }
    Ok(total_bytes)
}
