//! A bare Tauri window (see Cargo.toml): the reference the cold-start
//! benchmark measures Posko against.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running the bare window");
}
