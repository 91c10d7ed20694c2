//! Tauri's build step for the bare window (bare/main.rs, tauri.conf.json).
fn main() {
    tauri_build::build();
}
