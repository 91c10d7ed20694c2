//! Declares the app's own commands to Tauri so each gets an `allow-<name>`
//! permission, and capabilities (src-tauri/capabilities/) grant exactly the
//! ones the UI uses. The list is read from the `commands![...]` block in
//! commands.rs, the single source of truth.

fn command_names() -> Vec<String> {
    let src = std::fs::read_to_string("src-tauri/commands.rs").expect("read src-tauri/commands.rs");
    let start = src.rfind("commands![").expect("commands![ block in commands.rs") + "commands![".len();
    let end = start + src[start..].find("];").expect("end of commands![ block");
    src[start..end]
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/commands.rs");
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let names = command_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(&names)),
    )
    .expect("tauri-build failed");
}
