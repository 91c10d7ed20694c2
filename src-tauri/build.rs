//! Declares the app's own commands to Tauri so each gets an `allow-<name>`
//! permission, and capabilities (src-tauri/capabilities/) grant exactly the
//! ones the UI uses. The list is read from the `commands![...]` block in
//! commands.rs, the single source of truth.

fn command_names() -> Vec<String> {
    let src = std::fs::read_to_string("src-tauri/commands.rs").expect("read src-tauri/commands.rs");
    let start = src
        .rfind("commands![")
        .expect("commands![ block in commands.rs")
        + "commands![".len();
    let end = start + src[start..].find("];").expect("end of commands![ block");
    // One command per line: `name: Input => Output,`.
    src[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .map(|l| l.split(':').next().unwrap_or(l).trim().to_owned())
        .collect()
}

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/commands.rs");
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    // AppManifest wants &'static names; a build script runs once, so leaking is fine.
    let names: &'static [&'static str] = Vec::leak(
        command_names()
            .into_iter()
            .map(|n| &*String::leak(n))
            .collect(),
    );
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(names)),
    )
    .expect("tauri-build failed");
}
