//! The Tauri shell: wiring only. Commands live in `commands.rs`; everything
//! they do is a call into posko-core.

mod commands;
mod state;
mod sync_job;

pub use commands::{
    AppStatus, LaporCredentialsInput, LaporSettingsView, RegisterExportInput, SyncOverview,
    TemplateInput, ts_command_map,
};
pub use state::Shared;
pub use sync_job::SyncJobView;

use tauri::Manager;

/// Commands the UI may call. The capability test checks this list against
/// `capabilities/*.json`, both ways.
pub const COMMANDS: &[&str] = &commands::NAMES;

pub fn run() {
    let data_dir = posko_core::paths::default_data_dir();
    tauri::Builder::default()
        // A second start focuses the first window instead of opening the store twice.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        // Used from Rust only (commands::save_report_as); no dialog permission is granted.
        .plugin(tauri_plugin_dialog::init())
        .manage(Shared::open(data_dir))
        .setup(|app| {
            sync_job::spawn_timer(app.state::<Shared>().inner().clone());
            spawn_daily_backup(app.state::<Shared>().inner().clone());
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("error while running Posko");
}

/// The daily encrypted backup: checked at start and every hour
/// (`Posko::backup_if_due` takes one when the office day has none yet), and
/// the identity retention period applied (`Posko::apply_retention`; nothing
/// when it is 0, the default).
fn spawn_daily_backup(shared: Shared) {
    std::thread::spawn(move || {
        loop {
            if let Ok(p) = shared.store().as_mut() {
                if let Err(e) = p.backup_if_due() {
                    eprintln!("posko: daily backup failed: {}", e.code());
                }
                if let Err(e) = p.apply_retention(&posko_core::Actor::system()) {
                    eprintln!("posko: retention failed: {}", e.code());
                }
            }
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    });
}
