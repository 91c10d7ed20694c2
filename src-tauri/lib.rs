//! The Tauri shell: wiring only. Commands live in `commands.rs`; everything
//! they do is a call into posko-core.

mod commands;
mod daily_job;
pub mod display;
mod memory;
mod state;
mod sync_job;
mod warm_job;
pub mod window_state;

pub use commands::ImportMappingInput;
pub use commands::{
    AppStatus, LaporCredentialsInput, LaporSettingsView, MonevExportInput, RegisterExportInput,
    SyncOverview, TemplateInput, VisitsExportInput, ts_command_map,
};
pub use state::Shared;
pub use sync_job::SyncJobView;

use tauri::Manager;
use tauri_plugin_notification::NotificationExt;

/// Commands the UI may call. The capability test checks this list against
/// `capabilities/*.json`, both ways.
pub const COMMANDS: &[&str] = &commands::NAMES;

pub fn run() {
    memory::at_start();
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
        // Deadline reminders, sent from Rust only (no notification permission for the window).
        .plugin(tauri_plugin_notification::init())
        // Signature-checked updates, off: tauri.conf.json names the release
        // public key but no endpoint, and the window has no updater permission.
        // Turning it on is a release decision (README, "Updates").
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(Shared::open(data_dir.clone()))
        .setup(move |app| {
            if let Some(w) = app.get_webview_window("main") {
                window_state::restore(&w, &data_dir);
                display::apply(&w, display::load(&data_dir));
            }
            sync_job::spawn_timer(app.state::<Shared>().inner().clone());
            daily_job::spawn(app.state::<Shared>().inner().clone());
            spawn_reminders(app.handle().clone());
            Ok(())
        })
        .on_window_event(|window, event| {
            // Kept when the window is closed (not on every move: a crash keeps the last close's).
            if let tauri::WindowEvent::CloseRequested { .. } = event
                && let Some(w) = window.app_handle().get_webview_window(window.label())
            {
                let dir = window.app_handle().state::<Shared>().0.dir.clone();
                if let Some(g) = window_state::current(&w, &dir)
                    && let Err(e) = window_state::save(&dir, &g)
                {
                    eprintln!("posko: window position not kept: {e}");
                }
            }
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("error while running Posko");
}

/// The deadline reminder (posko_core::reminder): a desktop notification a few
/// seconds after start and again on each new office day, when open complaints
/// are overdue or due today. Counts only, never names.
fn spawn_reminders(app: tauri::AppHandle) {
    std::thread::spawn(move || {
        let mut last_day = None;
        std::thread::sleep(std::time::Duration::from_secs(5));
        loop {
            let shared = app.state::<Shared>().inner().clone();
            let reminder = match shared.store().as_ref() {
                Ok(p) => p.deadline_reminder(shared.lang()),
                Err(_) => Ok(None),
            };
            match reminder {
                Ok(Some(r)) if last_day != Some(r.day) => {
                    let shown = app
                        .notification()
                        .builder()
                        .title(&r.title)
                        .body(&r.body)
                        .show();
                    match shown {
                        Ok(()) => {
                            eprintln!(
                                "posko: reminder shown: {} overdue, {} due today",
                                r.overdue, r.due_today
                            );
                            last_day = Some(r.day);
                        }
                        Err(e) => eprintln!("posko: reminder not shown: {e}"),
                    }
                }
                Ok(_) => {}
                Err(e) => eprintln!("posko: reminder not computed: {}", e.code()),
            }
            std::thread::sleep(std::time::Duration::from_secs(15 * 60));
        }
    });
}
