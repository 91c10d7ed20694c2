//! The shell's state: the open store (or why it could not be opened), the
//! signed-in user and the UI language. Shared across commands behind mutexes;
//! commands run on Tauri's blocking pool, never on the UI thread.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use posko_core::clock::SystemClock;
use posko_core::keychain::OsKeychain;
use posko_core::{Actor, CoreError, Lang, Posko};

pub struct Inner {
    pub dir: PathBuf,
    pub store: Mutex<Result<Posko, CoreError>>,
    pub session: Mutex<Option<Actor>>,
    pub lang: Mutex<Lang>,
    pub sync: crate::sync_job::SyncJobs,
    /// The file picked for import (name, bytes) until it is confirmed:
    /// the window names no file, it only confirms the one it was shown.
    pub pending_import: Mutex<Option<(String, Vec<u8>)>>,
}

#[derive(Clone)]
pub struct Shared(pub Arc<Inner>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one command must not brick the app: take the data as it is.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn pending_import(&self) -> MutexGuard<'_, Option<(String, Vec<u8>)>> {
        lock(&self.0.pending_import)
    }

    /// Open (or create) the store at start. A failure is kept and shown by the
    /// UI with its remedy; the app never falls back to an unencrypted store.
    pub fn open(dir: PathBuf) -> Shared {
        let store = Self::try_open(&dir);
        let lang = store.as_ref().map(|p| p.lang()).unwrap_or_default();
        Shared(Arc::new(Inner {
            dir,
            store: Mutex::new(store),
            session: Mutex::new(None),
            lang: Mutex::new(lang),
            sync: Default::default(),
            pending_import: Mutex::new(None),
        }))
    }

    fn try_open(dir: &std::path::Path) -> Result<Posko, CoreError> {
        let p = Posko::open(dir, &OsKeychain::new(), Arc::new(SystemClock), true)?;
        // Complaint sheets with identities live only for a session.
        p.purge_complaint_sheets();
        Ok(p)
    }

    /// A second connection to the store for a background job (sync, the
    /// daily backup, the monev cache), so the app's own stays free. Only an
    /// existing store is opened.
    pub fn open_own(&self) -> Result<Posko, CoreError> {
        Posko::open(
            &self.0.dir,
            &OsKeychain::new(),
            Arc::new(SystemClock),
            false,
        )
    }

    /// Tests: set the store up as an office with `complaints` demo complaints.
    #[cfg(test)]
    pub fn set_up_with(&self, complaints: u64) {
        let mut g = self.store();
        let p = g.as_mut().expect("store open");
        p.init_office("Puskesmas Uji", "PKM-UJI", posko_domain::OfficeZone::Wib)
            .expect("office");
        posko_core::demo::generate(p, complaints, 3, 200, |_| {}).expect("demo");
    }

    /// Try again after the user fixed the keychain.
    pub fn retry_open(&self) {
        let mut g = lock(&self.0.store);
        if g.is_err() {
            *g = Self::try_open(&self.0.dir);
        }
    }

    pub fn store(&self) -> MutexGuard<'_, Result<Posko, CoreError>> {
        lock(&self.0.store)
    }

    pub fn session(&self) -> Option<Actor> {
        lock(&self.0.session).clone()
    }

    pub fn set_session(&self, a: Option<Actor>) {
        *lock(&self.0.session) = a;
    }

    pub fn lang(&self) -> Lang {
        *lock(&self.0.lang)
    }

    pub fn set_lang(&self, l: Lang) {
        *lock(&self.0.lang) = l;
    }
}
