//! The main window's size and position, kept across starts in
//! `<data dir>/window.json`, and pulled back on screen when the monitor it was
//! on is gone (a laptop taken from the office's second screen to a puskesmas
//! visit). Geometry only, nothing about the user: the file is plain JSON.
//!
//! [`place`] is pure (tested below); [`restore`] and [`save`] are the effects.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A window's outer position and inner size in physical pixels.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    #[serde(default)]
    pub maximized: bool,
}

/// A monitor's rectangle in physical pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Area {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// How much of the window's top band (where the title bar is) must lie on a
/// monitor for the user to grab it: otherwise the window is moved.
const GRAB_WIDTH: i64 = 120;
const GRAB_HEIGHT: i64 = 32;
/// Smaller than this is a broken file, not a choice (the window's own
/// minimum is 960 × 600 logical pixels).
const MIN_SIDE: u32 = 200;

/// Where the window saved at `saved` goes on `monitors` (the first is the
/// primary one): where it was if its title bar can still be grabbed on some
/// monitor; otherwise the same size, shrunk to fit, centred on the primary
/// monitor. `None` when there is no usable saved geometry or no monitor (the
/// window keeps the size from tauri.conf.json).
pub fn place(saved: Geometry, monitors: &[Area]) -> Option<Geometry> {
    let primary = *monitors.first()?;
    if saved.width < MIN_SIDE || saved.height < MIN_SIDE {
        return None;
    }
    if monitors.iter().any(|m| grabbable(&saved, m)) {
        return Some(saved);
    }
    let width = saved.width.min(primary.width);
    let height = saved.height.min(primary.height);
    Some(Geometry {
        x: primary.x + ((primary.width - width) / 2) as i32,
        y: primary.y + ((primary.height - height) / 2) as i32,
        width,
        height,
        maximized: saved.maximized,
    })
}

/// Whether the top band of the window overlaps `m` by at least
/// GRAB_WIDTH × GRAB_HEIGHT pixels.
fn grabbable(g: &Geometry, m: &Area) -> bool {
    let (gx0, gy0) = (i64::from(g.x), i64::from(g.y));
    let (gx1, gy1) = (gx0 + i64::from(g.width), gy0 + GRAB_HEIGHT);
    let (mx0, my0) = (i64::from(m.x), i64::from(m.y));
    let (mx1, my1) = (mx0 + i64::from(m.width), my0 + i64::from(m.height));
    let w = gx1.min(mx1) - gx0.max(mx0);
    let h = gy1.min(my1) - gy0.max(my0);
    w >= GRAB_WIDTH && h >= GRAB_HEIGHT
}

/// The file the geometry is kept in.
pub fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("window.json")
}

/// The saved geometry, if any; an unreadable file counts as none.
pub fn load(data_dir: &Path) -> Option<Geometry> {
    load_json(&file(data_dir))
}

/// Keep `g` (see [`save_json`]).
pub fn save(data_dir: &Path, g: &Geometry) -> std::io::Result<()> {
    save_json(&file(data_dir), g)
}

/// A small settings file of this machine (window.json, display.json), if
/// it can be read; an unreadable or broken one counts as none.
pub(crate) fn load_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Written to `NAME.tmp` and renamed, so a crash leaves the old file or the
/// new one, never half of one.
pub(crate) fn save_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec(value).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(tmp, path)
}

/// Puts `window` where it was at the last close (see [`place`]).
pub fn restore(window: &tauri::WebviewWindow, data_dir: &Path) {
    let Some(saved) = load(data_dir) else { return };
    let monitors: Vec<Area> = primary_first(window)
        .iter()
        .map(|m| Area {
            x: m.position().x,
            y: m.position().y,
            width: m.size().width,
            height: m.size().height,
        })
        .collect();
    let Some(g) = place(saved, &monitors) else {
        return;
    };
    let _ = window.set_size(tauri::PhysicalSize::new(g.width, g.height));
    let _ = window.set_position(tauri::PhysicalPosition::new(g.x, g.y));
    if g.maximized {
        let _ = window.maximize();
    }
}

/// The window's current geometry (the size before maximising is not known
/// to Tauri, so a maximised window keeps its last normal size on disk).
pub fn current(window: &tauri::WebviewWindow, data_dir: &Path) -> Option<Geometry> {
    let maximized = window.is_maximized().unwrap_or(false);
    if maximized {
        let mut g = load(data_dir).unwrap_or(Geometry {
            x: 0,
            y: 0,
            width: 1280,
            height: 800,
            maximized: true,
        });
        g.maximized = true;
        return Some(g);
    }
    if window.is_minimized().unwrap_or(false) {
        return None;
    }
    let pos = window.outer_position().ok()?;
    let size = window.inner_size().ok()?;
    Some(Geometry {
        x: pos.x,
        y: pos.y,
        width: size.width,
        height: size.height,
        maximized: false,
    })
}

fn primary_first(window: &tauri::WebviewWindow) -> Vec<tauri::Monitor> {
    let mut all = window.available_monitors().unwrap_or_default();
    if let Ok(Some(primary)) = window.primary_monitor()
        && let Some(i) = all
            .iter()
            .position(|m| m.position() == primary.position() && m.size() == primary.size())
    {
        let p = all.remove(i);
        all.insert(0, p);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICE: Area = Area {
        x: 0,
        y: 0,
        width: 1920,
        height: 1080,
    };
    const SECOND: Area = Area {
        x: 1920,
        y: 0,
        width: 1280,
        height: 1024,
    };

    fn g(x: i32, y: i32, width: u32, height: u32) -> Geometry {
        Geometry {
            x,
            y,
            width,
            height,
            maximized: false,
        }
    }

    #[test]
    fn a_window_on_a_screen_that_is_still_there_stays() {
        assert_eq!(
            place(g(100, 80, 1200, 700), &[OFFICE]),
            Some(g(100, 80, 1200, 700))
        );
        // On the second screen while it is connected.
        let on_second = g(2000, 50, 1200, 900);
        assert_eq!(place(on_second, &[OFFICE, SECOND]), Some(on_second));
        // Partly off the right edge, title bar still reachable.
        let hanging = g(1700, 100, 1200, 700);
        assert_eq!(place(hanging, &[OFFICE]), Some(hanging));
    }

    #[test]
    fn a_window_left_on_a_monitor_that_is_gone_comes_back_centred_and_fitted() {
        // Saved on the second screen; the laptop now has only its own 1366 × 768.
        let laptop = Area {
            x: 0,
            y: 0,
            width: 1366,
            height: 768,
        };
        let placed = place(g(2000, 50, 1200, 900), &[laptop]).unwrap();
        assert_eq!(placed, g(83, 0, 1200, 768));
        // Title bar above the top of the screen: moved, same size.
        let placed = place(g(100, -500, 800, 600), &[OFFICE]).unwrap();
        assert_eq!(placed, g(560, 240, 800, 600));
    }

    #[test]
    fn the_title_bar_must_be_grabbable_not_just_a_corner_visible() {
        // Only 40 px of the window's left edge on screen.
        let sliver = g(1880, 100, 900, 600);
        assert_ne!(place(sliver, &[OFFICE]), Some(sliver));
    }

    #[test]
    fn nonsense_is_ignored() {
        assert_eq!(place(g(0, 0, 10, 10), &[OFFICE]), None);
        assert_eq!(place(g(0, 0, 1200, 800), &[]), None);
    }

    #[test]
    fn maximised_stays_maximised_after_being_moved_back() {
        let mut saved = g(5000, 5000, 1200, 800);
        saved.maximized = true;
        assert!(place(saved, &[OFFICE]).unwrap().maximized);
    }

    #[test]
    fn save_and_load_round_trip_and_a_broken_file_counts_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), None);
        let saved = g(10, 20, 1300, 850);
        save(dir.path(), &saved).unwrap();
        assert_eq!(load(dir.path()), Some(saved));
        std::fs::write(file(dir.path()), "{not json").unwrap();
        assert_eq!(load(dir.path()), None);
    }
}
