//! The OS keychain: the only place the store key (and later the national
//! service's credentials) is kept. Real backends: Windows Credential Manager,
//! macOS Keychain, Secret Service on Linux. There is no silent fallback: when
//! the keychain cannot be reached the caller gets `KeychainUnavailable`.

use crate::error::CoreError;

/// Where secrets live. The real implementation is [`OsKeychain`]; an in-memory
/// one exists only for unit tests.
pub trait SecretStore: Send + Sync {
    /// `Ok(None)` when there is no such entry; `Err` when the keychain itself failed.
    fn get(&self, account: &str) -> Result<Option<String>, CoreError>;
    fn set(&self, account: &str, secret: &str) -> Result<(), CoreError>;
    /// Deleting a missing entry is not an error.
    fn delete(&self, account: &str) -> Result<(), CoreError>;
}

/// The service name under which every Posko secret is filed.
pub const SERVICE: &str = "id.posko.desktop";

pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    pub fn new() -> Self {
        // Tests isolate themselves with a fresh keyring; the override lets two
        // installs on one account (e.g. a training copy) keep separate keys.
        let service =
            std::env::var("POSKO_KEYCHAIN_SERVICE").unwrap_or_else(|_| SERVICE.to_owned());
        OsKeychain { service }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, CoreError> {
        keyring::Entry::new(&self.service, account).map_err(unavailable)
    }
}

impl Default for OsKeychain {
    fn default() -> Self {
        Self::new()
    }
}

fn unavailable(e: keyring::Error) -> CoreError {
    CoreError::KeychainUnavailable {
        detail: e.to_string(),
    }
}

impl SecretStore for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<String>, CoreError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), CoreError> {
        self.entry(account)?
            .set_password(secret)
            .map_err(unavailable)
    }

    fn delete(&self, account: &str) -> Result<(), CoreError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// In-memory secrets for unit tests only (integration tests use the real keychain).
#[cfg(any(test, feature = "test-fakes"))]
#[derive(Default)]
pub struct MemorySecrets {
    map: std::sync::Mutex<std::collections::HashMap<String, String>>,
    pub broken: std::sync::atomic::AtomicBool,
}

#[cfg(any(test, feature = "test-fakes"))]
impl MemorySecrets {
    fn check(&self) -> Result<(), CoreError> {
        if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(CoreError::KeychainUnavailable {
                detail: "test: keychain down".into(),
            });
        }
        Ok(())
    }
}

#[cfg(any(test, feature = "test-fakes"))]
impl SecretStore for MemorySecrets {
    fn get(&self, account: &str) -> Result<Option<String>, CoreError> {
        self.check()?;
        Ok(self.map.lock().unwrap().get(account).cloned())
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), CoreError> {
        self.check()?;
        self.map
            .lock()
            .unwrap()
            .insert(account.to_owned(), secret.to_owned());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), CoreError> {
        self.check()?;
        self.map.lock().unwrap().remove(account);
        Ok(())
    }
}
