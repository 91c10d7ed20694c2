//! Where the default store lives: the user's data directory, the same folder
//! Tauri's `app_data_dir()` gives for our identifier, so the CLI and the app
//! open the same store. `POSKO_DATA_DIR` overrides it (tests, training copies).

use std::path::PathBuf;

pub const IDENTIFIER: &str = "id.posko.desktop";

pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("POSKO_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(IDENTIFIER)
}
