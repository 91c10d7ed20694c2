//! Real-window end-to-end harness for the Posko desktop app.
//!
//! Each [`App`] starts its own `tauri-driver` (which starts `/usr/bin/WebKitWebDriver`)
//! on free ports, opens a WebDriver session with fantoccini, and so launches
//! `target/debug/posko-app` in a real WebKitGTK window. The app finds its store through
//! `POSKO_DATA_DIR`, set on the driver process and inherited by the app.
//!
//! Requirements (scripts/setup.sh installs them, scripts/test.sh runs the suite):
//! - the app built with the current UI: `npm --prefix ui run build && cargo test --workspace --no-run`;
//! - `tauri-driver` (`cargo install tauri-driver@^2 --locked`) and `webkit2gtk-driver`;
//! - an X display and a session bus with an unlocked Secret Service:
//!   `scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" cargo test --workspace --test e2e -- --ignored --test-threads=1`.
//!
//! Environment overrides: `POSKO_APP_BIN` (the app binary), `TAURI_DRIVER` (the driver),
//! `CARGO_TARGET_DIR` (where the binary, screenshots and logs live).
//!
//! ```no_run
//! # async fn demo() {
//! let mut app = posko_e2e::App::launch_fresh().await;
//! app.wait_for(r#"[data-testid="app-root"]"#).await;
//! app.screenshot("started").await;
//! app.close().await;
//! # }
//! ```

use std::fs::{self, File};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::elements::Element;
pub use fantoccini::{Client, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;

/// How long [`App::wait_for`] waits by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for a DOM change to reach the screen before a screenshot
/// (without it WebKit hands back the previous frame).
pub const SETTLE: Duration = Duration::from_millis(300);
/// How long tauri-driver may take to listen, and the app to open a session.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(15);
const SESSION_TIMEOUT: Duration = Duration::from_secs(60);
/// The native window's WM_CLASS instance, as GTK sets it from the binary name.
const WM_CLASS_INSTANCE: &str = "posko-app";

/// A running Posko window under WebDriver control.
///
/// Dropping it (also while a test panics) ends the driver, WebKitWebDriver and the app;
/// [`App::close`] does the same after ending the WebDriver session politely.
pub struct App {
    client: Option<Client>,
    driver: Child,
    data_dir: PathBuf,
    /// Keeps a fresh data directory alive for the lifetime of the app (see [`App::launch_fresh`]).
    _temp: Option<TempDir>,
    test_name: String,
    driver_log: PathBuf,
    port: u16,
    shots: u32,
}

impl App {
    /// Launches the app on a new, empty data directory that is deleted afterwards.
    pub async fn launch_fresh() -> App {
        let temp = tempfile::Builder::new()
            .prefix("posko-e2e-data-")
            .tempdir()
            .expect("cannot create a temporary data directory");
        let mut app = Self::launch_with(temp.path(), &[]).await;
        app._temp = Some(temp);
        app
    }

    /// Launches the app with its store in `data_dir` (kept afterwards: relaunch on the same
    /// directory to test that data survives a restart).
    pub async fn launch(data_dir: &Path) -> App {
        Self::launch_with(data_dir, &[]).await
    }

    /// Launches the app with its store in `data_dir` and extra command-line `args`.
    pub async fn launch_with(data_dir: &Path, args: &[&str]) -> App {
        Self::launch_with_env(data_dir, args, &[]).await
    }

    /// Like [`App::launch_with`], with extra environment variables for the app
    /// (for example a D-Bus address that leads nowhere, to test an unreachable keychain).
    pub async fn launch_with_env(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> App {
        Self::launch_binary(&app_binary(), data_dir, args, env).await
    }

    /// Launches another Tauri program the same way (the bare window the
    /// cold-start figure compares with: the `posko-bare-window` bin of this package).
    pub async fn launch_binary(
        application: &Path,
        data_dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> App {
        let test_name = current_test_name();
        let application = application.to_path_buf();
        let driver_bin = tauri_driver_binary();
        fs::create_dir_all(data_dir)
            .unwrap_or_else(|e| panic!("cannot create data directory {}: {e}", data_dir.display()));
        let data_dir = data_dir
            .canonicalize()
            .expect("cannot resolve the data directory");

        let (port, native_port) = two_free_ports();
        let log_dir = target_dir().join("e2e-logs");
        fs::create_dir_all(&log_dir).expect("cannot create target/e2e-logs");
        let driver_log = log_dir.join(format!("{test_name}-driver.log"));
        let log = File::create(&driver_log).expect("cannot create the driver log");

        let mut cmd = Command::new(&driver_bin);
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .env("POSKO_DATA_DIR", &data_dir)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cannot duplicate the log handle"))
            .stderr(log)
            // Own process group: WebKitWebDriver and the app join it, so one signal ends all.
            .process_group(0);
        let mut driver = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e}\n  install it with `cargo install tauri-driver@^2 --locked` (scripts/setup.sh does)",
                driver_bin.display()
            )
        });

        if let Err(why) = wait_for_port(port, &mut driver) {
            kill_group(&mut driver);
            panic!(
                "tauri-driver did not come up on port {port}: {why}\n  driver log: {}\n{}",
                driver_log.display(),
                tail(&driver_log)
            );
        }

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({ "application": application, "args": args }),
        );
        let webdriver = format!("http://127.0.0.1:{port}");
        // tauri-driver starts WebKitWebDriver itself; on a loaded machine that one
        // may not listen yet when the first session request arrives. Try again a
        // few times before calling it a failure.
        let mut connected = None;
        for attempt in 0..4 {
            let mut builder = fantoccini::ClientBuilder::new(HttpConnector::new());
            builder.capabilities(caps.clone());
            let r = tokio::time::timeout(SESSION_TIMEOUT, builder.connect(&webdriver)).await;
            let retry = matches!(&r, Ok(Err(_))) && attempt < 3;
            connected = Some(r);
            if !retry {
                break;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let connected = connected.expect("at least one attempt");
        let client = match connected {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => {
                kill_group(&mut driver);
                panic!(
                    "WebDriver could not start {}: {e}\n  (is DISPLAY set, e.g. under xvfb-run? is the binary built?)\n  driver log: {}\n{}",
                    application.display(),
                    driver_log.display(),
                    tail(&driver_log)
                );
            }
            Err(_) => {
                kill_group(&mut driver);
                panic!(
                    "WebDriver session for {} not created within {SESSION_TIMEOUT:?}\n  driver log: {}\n{}",
                    application.display(),
                    driver_log.display(),
                    tail(&driver_log)
                );
            }
        };

        App {
            client: Some(client),
            driver,
            data_dir,
            _temp: None,
            test_name,
            driver_log,
            port,
            shots: 0,
        }
    }

    /// The WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the app is already closed")
    }

    /// The app's data directory (its `POSKO_DATA_DIR`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The name used for screenshots and logs (the test's name).
    pub fn test_name(&self) -> &str {
        &self.test_name
    }

    /// The port tauri-driver listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits up to [`DEFAULT_TIMEOUT`] for an element matching `css`.
    pub async fn wait_for(&mut self, css: &str) -> Element {
        self.wait_for_within(css, DEFAULT_TIMEOUT).await
    }

    /// Waits up to `timeout` for an element matching `css`; on timeout saves a screenshot
    /// and panics with the selector, the page's URL and title, and the driver log's tail.
    pub async fn wait_for_within(&mut self, css: &str, timeout: Duration) -> Element {
        let found = self
            .client()
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(e) => {
                let shot = self.screenshot("FAILED-wait").await;
                let url = self.client().current_url().await.map(|u| u.to_string());
                let title = self.client().title().await;
                panic!(
                    "element `{css}` did not appear within {timeout:?}: {e}\n  page url: {url:?}, title: {title:?}\n  screenshot: {}\n  driver log: {}\n{}",
                    shot.display(),
                    self.driver_log.display(),
                    tail(&self.driver_log)
                );
            }
        }
    }

    /// Waits for `css`, then clicks it.
    ///
    /// A click that fails (the element was drawn anew between finding and
    /// clicking, or something still covers it) is tried again with the
    /// element found afresh, as a user clicks again, for up to 5 s.
    pub async fn click(&mut self, css: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let element = self.wait_for(css).await;
            // Below the fold on a small screen: bring it into view as a user would scroll.
            let arg = serde_json::to_value(&element).expect("element reference");
            self.js("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
                .await;
            match element.click().await {
                Ok(()) => return,
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("click on `{css}` failed ({e:?}); trying again");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => {
                    let shot = self.screenshot("FAILED-click").await;
                    panic!(
                        "cannot click `{css}`: {e:?}\n  screenshot: {}\n  driver log: {}\n{}",
                        shot.display(),
                        self.driver_log.display(),
                        tail(&self.driver_log)
                    );
                }
            }
        }
    }

    /// The current `value` of the input `css` (what a form would submit).
    pub async fn value(&mut self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Waits for the input `css`, clears it and types `text`.
    pub async fn fill(&mut self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear `{css}`: {e}"));
        // WebDriver's clear fires no `input` event, so frameworks keep the old value;
        // an empty field is made the way a user makes it: select all, Backspace.
        let keys = if text.is_empty() {
            "\u{E009}a\u{E000}\u{E003}"
        } else {
            text
        };
        element
            .send_keys(keys)
            .await
            .unwrap_or_else(|e| panic!("cannot type into `{css}`: {e}"));
    }

    /// Picks the `<option value=...>` of the select `css` (and fires its change event).
    pub async fn select(&mut self, css: &str, value: &str) {
        let element = self.wait_for(css).await;
        // Set the value and fire the events a user's choice fires. Neither clicking an
        // <option> nor arrow keys work through WebKitWebDriver: both open GTK's popup
        // menu, which then swallows the keys meant for the next field.
        let arg = serde_json::to_value(&element).expect("element reference");
        let chosen = self
            .js(
                "const s = arguments[0];
                 if (![...s.options].some(o => o.value === arguments[1])) return null;
                 s.value = arguments[1];
                 s.dispatchEvent(new Event('input', {bubbles: true}));
                 s.dispatchEvent(new Event('change', {bubbles: true}));
                 return s.value;",
                vec![arg, json!(value)],
            )
            .await;
        assert_eq!(
            chosen,
            json!(value),
            "`{css}` has no option with value {value:?}"
        );
    }

    /// Puts a file into the `<input type=file>` `css` and fires `change`, as a
    /// user's pick in the file dialog would (the native dialog is out of
    /// WebDriver's reach; the input may be visually hidden behind a button).
    pub async fn attach_file(&mut self, css: &str, name: &str, mime: &str, bytes: &[u8]) {
        use base64::Engine as _;
        let element = self.wait_for(css).await;
        let arg = serde_json::to_value(&element).expect("element reference");
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        let n = self
            .js(
                "const [input, name, mime, b64] = arguments;
                 const bin = atob(b64);
                 const buf = new Uint8Array(bin.length);
                 for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
                 const dt = new DataTransfer();
                 dt.items.add(new File([buf], name, {type: mime}));
                 input.files = dt.files;
                 const n = input.files.length;
                 // The page may clear the input once it has read the file.
                 input.dispatchEvent(new Event('change', {bubbles: true}));
                 return n;",
                vec![arg, json!(name), json!(mime), json!(b64)],
            )
            .await;
        assert_eq!(n, json!(1), "`{css}` took the file");
    }

    /// How many elements match `css` right now (no waiting).
    pub async fn count(&self, css: &str) -> usize {
        self.client()
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Waits up to [`DEFAULT_TIMEOUT`] until exactly `n` elements match `css`.
    pub async fn wait_count(&mut self, css: &str, n: usize) {
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        loop {
            let got = self.count(css).await;
            if got == n {
                return;
            }
            if Instant::now() > deadline {
                let shot = self.screenshot("FAILED-count").await;
                panic!(
                    "expected {n} elements `{css}`, found {got}\n  screenshot: {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits up to `timeout` for `css`; `None` if it never appears (no panic).
    pub async fn maybe(&self, css: &str, timeout: Duration) -> Option<Element> {
        self.client()
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(css))
            .await
            .ok()
    }

    /// Waits until the text of `css` contains `needle`, and returns the text.
    pub async fn wait_text(&mut self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        loop {
            let text = match self.client().find(Locator::Css(css)).await {
                Ok(e) => text_of(&e).await,
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            if Instant::now() > deadline {
                let shot = self.screenshot("FAILED-text").await;
                panic!(
                    "`{css}` never contained {needle:?}; last text: {text:?}\n  screenshot: {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for `css` and returns its visible text.
    pub async fn text(&mut self, css: &str) -> String {
        let element = self.wait_for(css).await;
        text_of(&element).await
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client()
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n  script: {script}"))
    }

    /// The document's title, as WebDriver reports it.
    pub async fn title(&self) -> String {
        self.client()
            .title()
            .await
            .unwrap_or_else(|e| panic!("cannot read the document title: {e}"))
    }

    /// The title of the app's native (X11) window, as the window manager would show it.
    /// Waits up to [`DEFAULT_TIMEOUT`] for the window to be mapped with a title.
    pub async fn native_window_title(&self) -> String {
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        loop {
            match native_titles() {
                Ok(mut titles) if !titles.is_empty() => return titles.swap_remove(0),
                Ok(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Ok(_) => panic!(
                    "no X11 window of class `{WM_CLASS_INSTANCE}` with a title on DISPLAY={:?}",
                    std::env::var("DISPLAY").ok()
                ),
                Err(e) => panic!("cannot list X11 windows: {e}"),
            }
        }
    }

    /// Waits [`SETTLE`] for the frame to reach the screen, then saves
    /// `target/e2e-screenshots/<test>-<NN>-<step>.png` and returns its path.
    pub async fn screenshot(&mut self, step: &str) -> PathBuf {
        tokio::time::sleep(SETTLE).await;
        self.shots += 1;
        let dir = target_dir().join("e2e-screenshots");
        fs::create_dir_all(&dir).expect("cannot create target/e2e-screenshots");
        let path = dir.join(format!(
            "{}-{:02}-{}.png",
            self.test_name,
            self.shots,
            sanitize(step)
        ));
        match self.client().screenshot().await {
            Ok(png) => fs::write(&path, png)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display())),
            Err(e) => eprintln!("screenshot {} failed: {e}", path.display()),
        }
        path
    }

    /// The process of this session running `exe` (the app, not tauri-driver
    /// or WebKitWebDriver): a member of the driver's process group.
    pub fn process_of(&self, exe: &Path) -> Option<u32> {
        let group = self.driver.id();
        group_members(group)
            .into_iter()
            .find(|&pid| fs::read_link(format!("/proc/{pid}/exe")).ok().as_deref() == Some(exe))
    }

    /// Every process of this session's group (driver, WebKitWebDriver, the app
    /// and the WebKit processes it started) with its command name and resident
    /// memory in KiB.
    pub fn processes(&self) -> Vec<(u32, String, u64)> {
        group_members(self.driver.id())
            .into_iter()
            .filter_map(|pid| {
                let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
                let field = |name: &str| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.trim().to_owned())
                };
                let rss = field("VmRSS:")
                    .and_then(|v| v.split_whitespace().next()?.parse().ok())
                    .unwrap_or(0);
                Some((pid, field("Name:")?, rss))
            })
            .collect()
    }

    /// Ends the WebDriver session (closing the window), then stops tauri-driver,
    /// WebKitWebDriver and the app, and waits until they are gone.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let closing = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
            match closing {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("closing the WebDriver session failed: {e}"),
                Err(_) => eprintln!("closing the WebDriver session timed out"),
            }
        }
        kill_group(&mut self.driver);
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // No runtime to await the session's end here (a panicking test, or a test that
        // forgot `close`): stop the whole process group instead.
        self.client.take();
        kill_group(&mut self.driver);
    }
}

/// An element's text content. WebKitWebDriver's "visible text" drops text inside
/// `text-overflow: ellipsis` boxes, so read `textContent` instead.
pub async fn text_of(element: &Element) -> String {
    element
        .prop("textContent")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The test's name, from the test harness's thread name (`module::test` -> `module__test`).
fn current_test_name() -> String {
    let name = std::thread::current()
        .name()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("e2e-{}", std::process::id()));
    sanitize(&name.replace("::", "__"))
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The workspace root (this crate lives in `tests/e2e`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("cannot resolve the workspace root")
}

/// `CARGO_TARGET_DIR` (relative to the workspace root) or `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// The processes whose process group is `pgid` (from `/proc/*/stat`).
fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    // The command name may hold spaces and parentheses: fields follow the last ')'.
                    let rest = &stat[stat.rfind(')')? + 2..];
                    rest.split(' ').nth(2)?.parse::<u32>().ok()
                })
                == Some(pgid)
        })
        .collect()
}

/// When process `pid` started, from `/proc/<pid>/stat` (clock-tick resolution,
/// 10 ms on Linux) and the boot time in `/proc/stat`.
pub fn process_start(pid: u32) -> Option<std::time::SystemTime> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    // Field 22 of stat; `rest` starts at field 3.
    let ticks: u64 = rest.split(' ').nth(19)?.parse().ok()?;
    let btime: u64 = fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = u64::try_from(hz).ok().filter(|&h| h > 0)?;
    Some(
        std::time::UNIX_EPOCH
            + Duration::from_secs(btime)
            + Duration::from_nanos(ticks * 1_000_000_000 / hz),
    )
}

/// Absolute path of the debug app binary (`POSKO_APP_BIN` overrides).
pub fn app_binary() -> PathBuf {
    let path = match std::env::var_os("POSKO_APP_BIN") {
        Some(p) => PathBuf::from(p),
        None => target_dir().join("debug").join("posko-app"),
    };
    let path = if path.is_absolute() {
        path
    } else {
        workspace_root().join(path)
    };
    assert!(
        path.is_file(),
        "app binary {} not found: build it first with\n  npm --prefix ui run build && cargo build --bin posko-app",
        path.display()
    );
    path
}

/// `TAURI_DRIVER`, else `tauri-driver` on PATH, else `$CARGO_HOME/bin` or `~/.cargo/bin`.
fn tauri_driver_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("tauri-driver")));
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        candidates.push(PathBuf::from(home).join("bin/tauri-driver"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cargo/bin/tauri-driver"));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "tauri-driver not found on PATH nor in $CARGO_HOME/bin or ~/.cargo/bin\n  install it with `cargo install tauri-driver@^2 --locked` (scripts/setup.sh does)"
            )
        })
}

/// Two distinct free TCP ports on 127.0.0.1 (both listeners are held until both are chosen).
fn two_free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("cannot bind a free port");
    let b = TcpListener::bind("127.0.0.1:0").expect("cannot bind a free port");
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}

fn wait_for_port(port: u16, driver: &mut Child) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + DRIVER_START_TIMEOUT;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(format!("tauri-driver exited with {status}"));
        }
        if Instant::now() >= deadline {
            return Err(format!("nothing listening after {DRIVER_START_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM the driver's process group (tauri-driver, WebKitWebDriver, the app), wait up to
/// 3 s for it to empty, then SIGKILL whatever is left, and reap tauri-driver.
fn kill_group(driver: &mut Child) {
    let Ok(pgid) = libc::pid_t::try_from(driver.id()) else {
        return;
    };
    if matches!(driver.try_wait(), Ok(Some(_))) && !group_alive(pgid) {
        return;
    }
    // SAFETY: plain kill(2) on the process group we created for this app.
    unsafe { libc::kill(-pgid, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        let _ = driver.try_wait();
        if !group_alive(pgid) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above; ESRCH (group already gone) is fine.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
    let _ = driver.wait();
}

fn group_alive(pgid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that some process of the group exists.
    unsafe { libc::kill(-pgid, 0) == 0 }
}

/// Titles of the X11 windows whose WM_CLASS instance is `posko-app`, largest window first
/// (GTK also makes a tiny, untitled-or-program-named leader window).
fn native_titles() -> Result<Vec<String>, String> {
    let out = Command::new("xwininfo")
        .args(["-root", "-tree"])
        .output()
        .map_err(|e| format!("xwininfo: {e} (install x11-utils; scripts/setup.sh does)"))?;
    if !out.status.success() {
        return Err(format!(
            "xwininfo failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(parse_xwininfo_titles(
        &String::from_utf8_lossy(&out.stdout),
        WM_CLASS_INSTANCE,
    ))
}

/// Parses `xwininfo -root -tree` lines such as
/// `     0x1a00003 "Posko": ("posko-app" "Posko-app")  1280x800+0+0  +0+0`
/// into the titles of the given class, largest window first.
fn parse_xwininfo_titles(listing: &str, class_instance: &str) -> Vec<String> {
    let class = format!("(\"{class_instance}\" ");
    let mut found: Vec<(u64, String)> = listing
        .lines()
        .filter_map(|line| {
            let class_at = line.find(&class)?;
            let start = line.find(" \"")? + 2;
            let end = start + line[start..].find("\": (")?;
            let title = line[start..end].to_owned();
            // Geometry `WxH+X+Y` follows the closing parenthesis of the class.
            let after = &line[class_at..];
            let geometry = after[after.find(')')? + 1..].split_whitespace().next()?;
            let (w, rest) = geometry.split_once('x')?;
            let h = rest.split(['+', '-']).next()?;
            let area = w.parse::<u64>().ok()? * h.parse::<u64>().ok()?;
            (!title.is_empty()).then_some((area, title))
        })
        .collect();
    found.sort_by_key(|(area, _)| std::cmp::Reverse(*area));
    found.into_iter().map(|(_, title)| title).collect()
}

/// The last lines of a log file, indented, for panic messages.
fn tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(30);
    lines[from..]
        .iter()
        .map(|l| format!("    | {l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_xwininfo_titles() {
        let listing = r#"
xwininfo: Window id: 0x1ea (the root window) (has no name)

  Root window id: 0x1ea (the root window) (has no name)
  Parent window id: 0x0 (none)
     3 children:
     0x200001 (has no name): ()  10x10+-100+-100  +-100+-100
     0x200003 "posko-app": ("posko-app" "Posko-app")  10x10+10+10  +10+10
     0x200008 "Posko": ("posko-app" "Posko-app")  1280x800+0+0  +0+0
     0x300001 "Other": ("other" "Other")  10x10+0+0  +0+0
"#;
        assert_eq!(
            parse_xwininfo_titles(listing, "posko-app"),
            vec!["Posko".to_owned(), "posko-app".to_owned()]
        );
    }

    #[test]
    fn names_are_file_safe() {
        assert_eq!(sanitize("a b/c:d"), "a_b_c_d");
    }
}
