//! Real-window end-to-end tests: each test launches target/debug/posko-app through
//! tauri-driver on its own empty data directory.
//!
//! Run with scripts/test.sh, or by hand (after `npm --prefix ui run build` and
//! `cargo build --bin posko-app`):
//!   scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" \
//!     cargo test -p posko-e2e -- --test-threads=1

use std::time::Duration;

use posko_e2e::App;

const APP_ROOT: &str = r#"[data-testid="app-root"]"#;

#[tokio::test]
async fn window_opens_with_title() {
    let mut app = App::launch_fresh().await;

    assert_eq!(
        app.native_window_title().await,
        "Posko",
        "native window title"
    );
    app.wait_for_within(APP_ROOT, Duration::from_secs(15)).await;
    assert_eq!(
        app.title().await,
        "Posko",
        "document title (ui/index.html <title>)"
    );
    app.screenshot("window").await;

    app.close().await;
}
