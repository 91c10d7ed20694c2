//! The text size a user picked for older eyes: the whole page zoomed by the
//! webview (WebKitGTK, WebView2), so text, boxes and the register's rows grow
//! together and nothing is cut off. Kept per machine, like the window's place,
//! in `<data dir>/display.json` (plain JSON, nothing about the user), and
//! applied to the window at start.
//!
//! [`TextScale`] and the file format are pure (tested below); [`apply`] is the
//! effect.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The three sizes offered: normal, large, larger (100 %, 115 %, 130 %).
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TextScale {
    #[default]
    Normal,
    Large,
    Larger,
}

impl TextScale {
    /// The webview's zoom factor.
    pub fn factor(self) -> f64 {
        match self {
            TextScale::Normal => 1.0,
            TextScale::Large => 1.15,
            TextScale::Larger => 1.3,
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
struct DisplayFile {
    #[serde(default)]
    text_scale: TextScale,
}

pub fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("display.json")
}

/// The saved size; a missing or broken file is the normal size (it only
/// affects how large the page is drawn).
pub fn load(data_dir: &Path) -> TextScale {
    crate::window_state::load_json::<DisplayFile>(&file(data_dir))
        .map(|f| f.text_scale)
        .unwrap_or_default()
}

/// Kept the way the window's place is (`window_state::save_json`: never half a file).
pub fn save(data_dir: &Path, scale: TextScale) -> std::io::Result<()> {
    crate::window_state::save_json(&file(data_dir), &DisplayFile { text_scale: scale })
}

pub fn apply(window: &tauri::WebviewWindow, scale: TextScale) {
    if let Err(e) = window.set_zoom(scale.factor()) {
        eprintln!("posko: text size not applied: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_is_kept_and_a_broken_file_is_normal() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), TextScale::Normal, "no file yet");
        save(dir.path(), TextScale::Larger).unwrap();
        assert_eq!(load(dir.path()), TextScale::Larger);
        save(dir.path(), TextScale::Large).unwrap();
        assert_eq!(load(dir.path()), TextScale::Large);
        std::fs::write(file(dir.path()), b"{\"text_scale\": \"huge\"").unwrap();
        assert_eq!(load(dir.path()), TextScale::Normal);
        assert!(!dir.path().join("display.json.tmp").exists());
    }

    #[test]
    fn factors_grow_with_the_size() {
        let f: Vec<f64> = [TextScale::Normal, TextScale::Large, TextScale::Larger]
            .map(TextScale::factor)
            .to_vec();
        assert_eq!(f, vec![1.0, 1.15, 1.3]);
        let json = serde_json::to_string(&TextScale::Larger).unwrap();
        assert_eq!(json, "\"larger\"");
    }
}
