//! The recovery key and key rotation.
//!
//! **Recovery key.** The store key lives only in the OS keychain; if that
//! entry is lost (a reinstalled Windows profile, a wiped keyring) the store
//! could not be opened. So at setup Posko makes a recovery key: 23 random
//! bytes plus a 2-byte checksum (typos are told apart from a wrong key),
//! shown once as 8 groups of 5 base32 characters, printed and kept in a safe.
//! From it Argon2id (parameters and salt in `posko.store.json`, not secret)
//! derives an X25519 private key; only the public key is stored. The store
//! key is kept in `posko.store.json` *wrapped* to that public key (an
//! ephemeral X25519 key, SHA-256 of the shared secret as the key of
//! ChaCha20-Poly1305, the store id as associated data). Because wrapping needs
//! only the public key, a key rotation re-wraps the new key without the
//! recovery key, and someone who copies the keychain (the old key) learns
//! nothing from the file about the new one.
//!
//! **Key rotation** (`PRAGMA rekey` to a new random key) touches three places
//! that cannot change together: the database file, the keychain entry and the
//! wrapped copy (plus the backups, which are under the store key). The
//! sequence, each step durable before the next, and what an open after a
//! crash at each point finds (`finish_rotation`, run by `db::open`):
//!
//! 1. keychain `store-key-next:<id>` = new key.
//!    Crash: file has no rotation state; the DB opens with the old key; the
//!    stray entry opens nothing and is overwritten by the next rotation.
//! 2. `posko.store.json`: `rotation = rekeying`, `recovery.wrapped_next` =
//!    new key wrapped (old `wrapped` kept).
//!    Crash: the keychain key still opens the DB → rotation abandoned
//!    (state and `wrapped_next` cleared, `next` deleted).
//! 3. `PRAGMA rekey` (rollback-journal mode: one transaction; a crash inside
//!    it rolls back to the old key on the next open).
//!    Crash after it: the keychain key fails, `next` opens → go on with 4.
//! 4. keychain `store-key-prev:<id>` = old key, then `store-key:<id>` = new.
//!    Crash: main == next → go on with 5.
//! 5. `posko.store.json`: `wrapped` = `wrapped_next`, `rotation = backups`.
//! 6. keychain: delete `next`.
//! 7. every backup still under the old key (`prev`) is re-keyed through a
//!    `.partial` copy renamed over it (each file is old or new, never half).
//! 8. `posko.store.json`: no rotation state; keychain: delete `prev`.
//!
//! Steps 4–8 are `finish_rotation`, the same code on the happy path and
//! after a crash.

use std::path::Path;
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use chrono::{DateTime, Utc};
use posko_domain::role::{Permission, Role};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::app::{Posko, require};
use crate::audit::{AuditAction, AuditEvent};
use crate::backup;
use crate::clock::Clock;
use crate::db::{self, key_account};
use crate::error::{CoreError, CoreResult};
use crate::i18n::{Lang, t, t_with};
use crate::keychain::SecretStore;
use crate::model::Actor;
use crate::seal::{self, KdfParams};

/// Argon2id for the recovery key: the secret has 184 random bits, so the
/// work factor only needs to be decent (OWASP's minimum for passwords).
const KDF_M_KIB: u32 = 19 * 1024;
const KDF_T: u32 = 2;
const KDF_P: u32 = 1;
const RANDOM_LEN: usize = 23;
const CHECK_LEN: usize = 2;
/// 25 bytes = 40 base32 characters = 8 groups of 5.
const GROUP: usize = 5;

pub fn next_account(store_id: &str) -> String {
    format!("store-key-next:{store_id}")
}

pub fn prev_account(store_id: &str) -> String {
    format!("store-key-prev:{store_id}")
}

/// A key wrapped to the recovery public key (all base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wrapped {
    pub eph_public: String,
    pub nonce: String,
    pub ciphertext: String,
}

/// What `posko.store.json` keeps about the recovery key (nothing secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryBlock {
    pub kdf: KdfParams,
    pub public_key: String,
    pub wrapped: Wrapped,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_next: Option<Wrapped>,
    pub created_at: DateTime<Utc>,
}

/// A key rotation under way (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rotation {
    Rekeying,
    Backups,
}

/// The recovery key, shown once. `secret` is the text to print and keep.
#[derive(Clone, Serialize, TS)]
pub struct RecoveryKey {
    pub secret: String,
    pub created_at: DateTime<Utc>,
    /// Identifies which key this is (printed on the sheet; not secret).
    pub fingerprint: String,
    pub store_id: String,
}

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryKey")
            .field("secret", &"<redacted>")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl Drop for RecoveryKey {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret.zeroize();
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RecoveryStatus {
    pub configured: bool,
    pub created_at: Option<DateTime<Utc>>,
    pub fingerprint: Option<String>,
}

/// Where the recovery sheet was saved (never the key itself).
#[derive(Debug, Clone, Serialize, TS)]
pub struct RecoverySheetSaved {
    #[ts(as = "String")]
    pub path: std::path::PathBuf,
    pub fingerprint: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RotationReport {
    /// Backups re-encrypted under the new key.
    pub backups_rekeyed: u32,
    /// The recovery key's wrapped copy now holds the new key.
    pub recovery_rewrapped: bool,
}

/// The recovery key as typed on the unlock screen.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RecoveryInput {
    pub recovery_key: String,
}

fn checksum(random: &[u8]) -> [u8; CHECK_LEN] {
    let h = Sha256::new()
        .chain_update(b"posko-recovery-v1")
        .chain_update(random)
        .finalize();
    [h[0], h[1]]
}

fn format_secret(random: &[u8; RANDOM_LEN]) -> String {
    let mut all = Zeroizing::new(random.to_vec());
    all.extend_from_slice(&checksum(random));
    let text = Zeroizing::new(seal::base32(&all));
    text.as_bytes()
        .chunks(GROUP)
        .map(|c| std::str::from_utf8(c).expect("base32 is ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

/// The random part of a typed recovery key; spaces, dashes and case do not
/// matter, and 0/1/8 are read as O/I/B.
pub fn parse_secret(typed: &str) -> CoreResult<Zeroizing<Vec<u8>>> {
    let norm: Zeroizing<String> = Zeroizing::new(
        typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                '0' => 'O',
                '1' => 'I',
                '8' => 'B',
                c => c,
            })
            .collect(),
    );
    let bytes = Zeroizing::new(
        (norm.len() == (RANDOM_LEN + CHECK_LEN) * 8 / 5)
            .then(|| seal::unbase32(&norm))
            .flatten()
            .ok_or(CoreError::RecoveryKeyInvalid)?,
    );
    let (random, check) = bytes.split_at(RANDOM_LEN);
    if check != checksum(random) {
        return Err(CoreError::RecoveryKeyInvalid);
    }
    Ok(Zeroizing::new(random.to_vec()))
}

fn keypair(kdf: &KdfParams, random: &[u8]) -> CoreResult<(StaticSecret, PublicKey)> {
    let seed = kdf.derive(random)?;
    let sk = StaticSecret::from(*seed);
    let pk = PublicKey::from(&sk);
    Ok((sk, pk))
}

fn wrap_key(
    eph_shared: &[u8; 32],
    eph_public: &PublicKey,
    public: &PublicKey,
) -> Zeroizing<[u8; 32]> {
    let h = Sha256::new()
        .chain_update(b"posko-recovery-wrap-v1")
        .chain_update(eph_shared)
        .chain_update(eph_public.as_bytes())
        .chain_update(public.as_bytes())
        .finalize();
    Zeroizing::new(h.into())
}

fn public_of(block: &RecoveryBlock) -> CoreResult<PublicKey> {
    let bytes: [u8; 32] =
        seal::unb64(&block.public_key)?
            .try_into()
            .map_err(|_| CoreError::StoreUnreadable {
                detail: "posko.store.json: recovery public key".into(),
            })?;
    Ok(PublicKey::from(bytes))
}

/// Wrap `hex_key` to `public` (an ephemeral key each time).
fn wrap(public: &PublicKey, hex_key: &str, store_id: &str) -> Wrapped {
    let eph = StaticSecret::from(*seal::random::<32>());
    let eph_public = PublicKey::from(&eph);
    let shared = eph.diffie_hellman(public);
    let k = wrap_key(shared.as_bytes(), &eph_public, public);
    let nonce = seal::random::<12>();
    let ct = ChaCha20Poly1305::new(k.as_ref().into())
        .encrypt(
            Nonce::from_slice(nonce.as_ref()),
            Payload {
                msg: hex_key.as_bytes(),
                aad: store_id.as_bytes(),
            },
        )
        .expect("encryption of a short message cannot fail");
    Wrapped {
        eph_public: seal::b64(eph_public.as_bytes()),
        nonce: seal::b64(nonce.as_ref()),
        ciphertext: seal::b64(&ct),
    }
}

fn unwrap(sk: &StaticSecret, w: &Wrapped, store_id: &str) -> CoreResult<Zeroizing<String>> {
    let public = PublicKey::from(sk);
    let eph: [u8; 32] = seal::unb64(&w.eph_public)?
        .try_into()
        .map_err(|_| CoreError::RecoveryKeyWrong)?;
    let eph = PublicKey::from(eph);
    let shared = sk.diffie_hellman(&eph);
    let k = wrap_key(shared.as_bytes(), &eph, &public);
    let nonce = seal::unb64(&w.nonce)?;
    if nonce.len() != 12 {
        return Err(CoreError::RecoveryKeyWrong);
    }
    let pt = ChaCha20Poly1305::new(k.as_ref().into())
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &seal::unb64(&w.ciphertext)?,
                aad: store_id.as_bytes(),
            },
        )
        .map_err(|_| CoreError::RecoveryKeyWrong)?;
    String::from_utf8(pt)
        .map(Zeroizing::new)
        .map_err(|_| CoreError::RecoveryKeyWrong)
}

fn fingerprint(block: &RecoveryBlock) -> String {
    let h = hex::encode(Sha256::digest(block.public_key.as_bytes()));
    format!("{}-{}", &h[..4], &h[4..8]).to_uppercase()
}

/// Does `hex_key` open the database at `path`? (Reads page 1 only.)
pub(crate) fn key_opens(path: &Path, hex_key: &str) -> bool {
    let Ok(c) = Connection::open(path) else {
        return false;
    };
    let _ = c.execute_batch("PRAGMA cipher_log_level = NONE;");
    c.execute_batch(&Zeroizing::new(format!("PRAGMA key = \"x'{hex_key}'\";")))
        .is_ok()
        && c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .is_ok()
}

/// Re-encrypt one backup from `from` to `to` through a `.partial` copy.
/// `false` when there was nothing to do (already under `to`, or under
/// neither key).
fn rekey_backup(path: &Path, from: &str, to: &str) -> CoreResult<bool> {
    if key_opens(path, to) || !key_opens(path, from) {
        return Ok(false);
    }
    let partial = backup::partial_of(path);
    std::fs::copy(path, &partial)?;
    let res = (|| -> CoreResult<()> {
        let c = Connection::open(&partial)?;
        c.execute_batch(&Zeroizing::new(format!(
            "PRAGMA key = \"x'{from}'\"; PRAGMA rekey = \"x'{to}'\";"
        )))?;
        c.close().map_err(|(_, e)| CoreError::from(e))?;
        std::fs::File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, path)?;
        Ok(())
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    res.map(|_| true)
}

/// Steps 4–8 of a rotation (module documentation): called by `rotate_key`
/// and by `db::open` when `posko.store.json` says a rotation is under way.
pub(crate) fn finish_rotation(
    dir: &Path,
    secrets: &dyn SecretStore,
) -> CoreResult<Option<RotationReport>> {
    let mut f = db::read_store_file(dir)?;
    let Some(state) = f.rotation else {
        return Ok(None);
    };
    let id = f.store_id.clone();
    let path = db::db_path(dir);
    let mut recovery_rewrapped = false;
    if state == Rotation::Rekeying {
        let main = secrets.get(&key_account(&id))?.map(Zeroizing::new);
        let next = secrets.get(&next_account(&id))?.map(Zeroizing::new);
        match (&main, &next) {
            (Some(m), Some(n)) if m == n => {} // step 4 done
            (Some(m), _) if key_opens(&path, m) => {
                // The rekey never happened (or rolled back): abandon.
                f.rotation = None;
                if let Some(r) = f.recovery.as_mut() {
                    r.wrapped_next = None;
                }
                db::write_store_file(dir, &f)?;
                secrets.delete(&next_account(&id))?;
                return Ok(None);
            }
            (_, Some(n)) if key_opens(&path, n) => {
                // Step 4: remember the old key for the backups, then the new one.
                if let Some(m) = &main {
                    secrets.set(&prev_account(&id), m)?;
                }
                secrets.set(&key_account(&id), n)?;
            }
            (None, None) => return Err(CoreError::KeyMissing),
            _ => {
                return Err(CoreError::StoreUnreadable {
                    detail: "neither the current nor the next key opens the store".into(),
                });
            }
        }
        // Step 5.
        if let Some(r) = f.recovery.as_mut()
            && let Some(w) = r.wrapped_next.take()
        {
            r.wrapped = w;
            recovery_rewrapped = true;
        }
        f.rotation = Some(Rotation::Backups);
        db::write_store_file(dir, &f)?;
        // Step 6.
        secrets.delete(&next_account(&id))?;
    }
    // Step 7.
    let main = Zeroizing::new(
        secrets
            .get(&key_account(&id))?
            .ok_or(CoreError::KeyMissing)?,
    );
    let mut backups_rekeyed = 0;
    if let Some(prev) = secrets.get(&prev_account(&id))?.map(Zeroizing::new) {
        for b in backup::list(dir)? {
            if rekey_backup(&b.path, &prev, &main)? {
                backups_rekeyed += 1;
            }
        }
    }
    // Step 8.
    f.rotation = None;
    db::write_store_file(dir, &f)?;
    secrets.delete(&prev_account(&id))?;
    Ok(Some(RotationReport {
        backups_rekeyed,
        recovery_rewrapped,
    }))
}

/// Who opened a store with its recovery key (no one is signed in yet).
fn recovery_actor() -> Actor {
    Actor {
        user_id: None,
        username: "recovery".into(),
        display_name: "Kunci pemulihan".into(),
        role: Role::Admin,
    }
}

impl Posko {
    pub fn recovery_status(&self, actor: &Actor) -> CoreResult<RecoveryStatus> {
        require(actor, Permission::ManageStore)?;
        let f = db::read_store_file(&self.db.dir)?;
        Ok(RecoveryStatus {
            configured: f.recovery.is_some(),
            created_at: f.recovery.as_ref().map(|r| r.created_at),
            fingerprint: f.recovery.as_ref().map(fingerprint),
        })
    }

    /// Make a new recovery key (replacing any older one, which stops working)
    /// and return it. The only time its text exists: show it, print it,
    /// forget it.
    pub fn create_recovery_key(&mut self, actor: &Actor) -> CoreResult<RecoveryKey> {
        require(actor, Permission::ManageStore)?;
        let dir = self.db.dir.clone();
        let mut f = db::read_store_file(&dir)?;
        if f.rotation.is_some() {
            return Err(CoreError::StoreLocked);
        }
        let random = seal::random::<RANDOM_LEN>();
        let kdf = KdfParams::new(KDF_M_KIB, KDF_T, KDF_P);
        let (_sk, pk) = keypair(&kdf, random.as_ref())?;
        let now = self.now();
        let block = RecoveryBlock {
            kdf,
            public_key: seal::b64(pk.as_bytes()),
            wrapped: wrap(&pk, &self.db.key, &f.store_id),
            wrapped_next: None,
            created_at: now,
        };
        let fp = fingerprint(&block);
        let replaced = f.recovery.replace(block).is_some();
        db::write_store_file(&dir, &f)?;
        self.record_audit(
            actor,
            &AuditEvent::new(AuditAction::RecoveryKeyCreate)
                .on("recovery_key", &fp)
                .detail(serde_json::json!({ "replaced": replaced })),
        )?;
        Ok(RecoveryKey {
            secret: format_secret(&random),
            created_at: now,
            fingerprint: fp,
            store_id: f.store_id,
        })
    }

    /// Open a store whose keychain entry is lost (or wrong) with its
    /// recovery key; the store key is filed in this machine's keychain again.
    pub fn open_with_recovery_key(
        dir: &Path,
        secrets: &dyn SecretStore,
        clock: Arc<dyn Clock>,
        recovery_key: &str,
    ) -> CoreResult<Posko> {
        if !db::store_exists(dir) {
            return Err(CoreError::NotInitialized);
        }
        let mut f = db::read_store_file(dir)?;
        let r = f.recovery.clone().ok_or(CoreError::RecoveryNotConfigured)?;
        let random = parse_secret(recovery_key)?;
        let (sk, pk) = keypair(&r.kdf, &random)?;
        if seal::b64(pk.as_bytes()) != r.public_key {
            return Err(CoreError::RecoveryKeyWrong);
        }
        let path = db::db_path(dir);
        let current = unwrap(&sk, &r.wrapped, &f.store_id)?;
        let key = if key_opens(&path, &current) {
            current
        } else {
            // A rotation stopped between the rekey and the re-wrap.
            let next = match &r.wrapped_next {
                Some(w) => unwrap(&sk, w, &f.store_id)?,
                None => {
                    return Err(CoreError::StoreUnreadable {
                        detail: "the recovered key does not open the store".into(),
                    });
                }
            };
            if !key_opens(&path, &next) {
                return Err(CoreError::StoreUnreadable {
                    detail: "the recovered key does not open the store".into(),
                });
            }
            let mut block = r.clone();
            block.wrapped = block.wrapped_next.take().expect("checked above");
            f.recovery = Some(block);
            f.rotation = None;
            db::write_store_file(dir, &f)?;
            next
        };
        secrets.set(&key_account(&f.store_id), &key)?;
        let p = Posko::open(dir, secrets, clock, false)?;
        p.record_audit(
            &recovery_actor(),
            &AuditEvent::new(AuditAction::RecoveryOpen).on("recovery_key", fingerprint(&r)),
        )?;
        Ok(p)
    }

    /// Rotate the store key (see the module documentation for the sequence).
    /// Refused while another program has the store open.
    pub fn rotate_key(
        &mut self,
        actor: &Actor,
        secrets: &dyn SecretStore,
    ) -> CoreResult<RotationReport> {
        self.rotate_key_until(actor, secrets, u8::MAX)
    }

    /// `rotate_key`, stopping after step `stop_after` as a crash would (tests).
    #[doc(hidden)]
    pub fn rotate_key_until(
        &mut self,
        actor: &Actor,
        secrets: &dyn SecretStore,
        stop_after: u8,
    ) -> CoreResult<RotationReport> {
        require(actor, Permission::ManageStore)?;
        let dir = self.db.dir.clone();
        let id = self.db.store_id.clone();
        let mut f = db::read_store_file(&dir)?;
        if f.rotation.is_some() {
            return Err(CoreError::StoreLocked);
        }
        let stopped = RotationReport {
            backups_rekeyed: 0,
            recovery_rewrapped: false,
        };
        let new = Zeroizing::new(hex::encode(seal::random::<32>().as_ref()));
        // 1.
        secrets.set(&next_account(&id), &new)?;
        if stop_after == 1 {
            return Ok(stopped);
        }
        // 2.
        if let Some(r) = f.recovery.as_mut() {
            r.wrapped_next = Some(wrap(&public_of(r)?, &new, &id));
        }
        f.rotation = Some(Rotation::Rekeying);
        db::write_store_file(&dir, &f)?;
        if stop_after == 2 {
            return Ok(stopped);
        }
        // 3. One transaction in rollback-journal mode; switching modes fails
        // while another connection has the store open (the background
        // checkpoint connection is closed first).
        self.db.pause_checkpoints();
        let conn = &self.db.conn;
        let rekeyed = (|| -> CoreResult<()> {
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("delete") {
                return Err(CoreError::StoreLocked);
            }
            conn.execute_batch(&Zeroizing::new(format!("PRAGMA rekey = \"x'{}'\";", *new)))?;
            Ok(())
        })();
        let _ = conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()));
        if let Err(e) = rekeyed {
            self.db.attach_checkpoints()?;
            // Nothing changed in the file: undo steps 2 and 1.
            f.rotation = None;
            if let Some(r) = f.recovery.as_mut() {
                r.wrapped_next = None;
            }
            db::write_store_file(&dir, &f)?;
            secrets.delete(&next_account(&id))?;
            return Err(e);
        }
        self.db.key = new;
        self.db.attach_checkpoints()?;
        if stop_after == 3 {
            return Ok(stopped);
        }
        // 4–8.
        let report = finish_rotation(&dir, secrets)?.unwrap_or(stopped);
        self.record_audit(
            actor,
            &AuditEvent::new(AuditAction::KeyRotate).detail(serde_json::json!({
                "backups_rekeyed": report.backups_rekeyed,
                "recovery_rewrapped": report.recovery_rewrapped,
            })),
        )?;
        Ok(report)
    }

    /// The recovery sheet as a one-page PDF (posko-report): the same lines
    /// as [`recovery_sheet_lines`], the key set large.
    pub fn recovery_sheet_pdf(&self, key: &RecoveryKey, lang: Lang) -> Vec<u8> {
        let lines = self.recovery_sheet(key, lang);
        let unit_name = self
            .cache
            .office
            .as_ref()
            .map(|o| o.unit_name.clone())
            .unwrap_or_default();
        let body = lines
            .iter()
            .skip(1)
            .map(|l| {
                if l.is_empty() {
                    posko_report::SheetLine::Space
                } else if l.contains(&key.secret)
                    || key.secret.contains(l.replace("  ", "-").as_str())
                {
                    posko_report::SheetLine::Big(l.clone())
                } else {
                    posko_report::SheetLine::Text(l.clone())
                }
            })
            .collect();
        posko_report::render_sheet(&posko_report::Sheet {
            title: lines.first().cloned().unwrap_or_default(),
            unit_name,
            lines: body,
            doc_date: self.zone().local_date(key.created_at),
        })
        .bytes
    }

    /// "Simpan kunci pemulihan": a new recovery key (the old one stops
    /// working), its sheet written as a PDF to `dest` (beside, then renamed).
    /// The key's text goes nowhere else.
    pub fn save_recovery_sheet(
        &mut self,
        actor: &Actor,
        dest: &Path,
    ) -> CoreResult<RecoverySheetSaved> {
        let key = self.create_recovery_key(actor)?;
        let pdf = self.recovery_sheet_pdf(&key, self.lang());
        let mut tmp = dest.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = std::path::PathBuf::from(tmp);
        std::fs::write(&tmp, &pdf)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, dest)?;
        Ok(RecoverySheetSaved {
            path: dest.to_path_buf(),
            fingerprint: key.fingerprint.clone(),
            created_at: key.created_at,
        })
    }

    /// The recovery sheet as lines of text, for printing (posko-report) or
    /// showing: what it is, the unit, the key in groups, how to use it.
    pub fn recovery_sheet(&self, key: &RecoveryKey, lang: Lang) -> Vec<String> {
        recovery_sheet_lines(
            &self
                .cache
                .office
                .as_ref()
                .map(|o| o.unit_name.clone())
                .unwrap_or_default(),
            key,
            lang,
        )
    }
}

/// Text layout of the recovery sheet (one line per entry; the key on its own
/// line in groups of 5, then the same in two halves for copying by hand).
pub fn recovery_sheet_lines(unit_name: &str, key: &RecoveryKey, lang: Lang) -> Vec<String> {
    let groups: Vec<&str> = key.secret.split('-').collect();
    let half = groups.len() / 2;
    vec![
        t(lang, "recovery_sheet.title"),
        String::new(),
        t_with(lang, "recovery_sheet.unit", &[("unit", unit_name)]),
        t_with(lang, "recovery_sheet.store", &[("store", &key.store_id)]),
        t_with(
            lang,
            "recovery_sheet.created",
            &[(
                "date",
                &key.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            )],
        ),
        t_with(
            lang,
            "recovery_sheet.fingerprint",
            &[("fingerprint", &key.fingerprint)],
        ),
        String::new(),
        key.secret.clone(),
        String::new(),
        groups[..half].join("  "),
        groups[half..].join("  "),
        String::new(),
        t(lang, "recovery_sheet.use"),
        t(lang, "recovery_sheet.keep"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_format_and_parse_and_catch_typos() {
        let random = seal::random::<RANDOM_LEN>();
        let s = format_secret(&random);
        assert_eq!(s.len(), 8 * 5 + 7, "{s}");
        assert_eq!(s.split('-').count(), 8);
        assert_eq!(&parse_secret(&s).unwrap()[..], &random[..]);
        assert_eq!(
            &parse_secret(&s.to_lowercase().replace('-', " ")).unwrap()[..],
            &random[..]
        );
        // One character changed: the checksum says so.
        let mut typo: Vec<char> = s.chars().collect();
        typo[3] = if typo[3] == 'A' { 'B' } else { 'A' };
        let typo: String = typo.into_iter().collect();
        assert_eq!(
            parse_secret(&typo).unwrap_err().code(),
            "RECOVERY_KEY_INVALID"
        );
        assert_eq!(
            parse_secret("ABC").unwrap_err().code(),
            "RECOVERY_KEY_INVALID"
        );
        assert_eq!(parse_secret("").unwrap_err().code(), "RECOVERY_KEY_INVALID");
    }

    #[test]
    fn wrapping_round_trips_only_with_the_right_key_and_store() {
        let kdf = KdfParams::new(64, 1, 1);
        let (sk, pk) = keypair(&kdf, b"random part").unwrap();
        let w = wrap(&pk, "ab".repeat(32).as_str(), "store-1");
        assert_eq!(*unwrap(&sk, &w, "store-1").unwrap(), "ab".repeat(32));
        assert!(unwrap(&sk, &w, "store-2").is_err());
        let (other, _) = keypair(&kdf, b"another part").unwrap();
        assert!(unwrap(&other, &w, "store-1").is_err());
    }

    fn store(
        dir: &Path,
        secrets: &crate::keychain::MemorySecrets,
    ) -> (Posko, Arc<crate::clock::FixedClock>) {
        let clock = Arc::new(crate::clock::FixedClock::new(Utc::now()));
        let mut p = Posko::open(dir, secrets, clock.clone(), true).unwrap();
        p.init_office("Puskesmas Uji", "PKM-UJI", posko_domain::OfficeZone::Wib)
            .unwrap();
        (p, clock)
    }

    fn count(p: &Posko) -> i64 {
        p.connection()
            .query_row("SELECT count(*) FROM topics", [], |r| r.get(0))
            .unwrap()
    }

    /// A crash after every step of the rotation: the next open (and the
    /// recovery key, and the backups) still work, and no key is left over.
    #[test]
    fn a_rotation_interrupted_at_any_step_is_finished_or_undone_on_open() {
        for stop in 1..=3u8 {
            let dir = tempfile::tempdir().unwrap();
            let secrets = crate::keychain::MemorySecrets::default();
            let (mut p, clock) = store(dir.path(), &secrets);
            let admin = Actor::system();
            let rk = p.create_recovery_key(&admin).unwrap();
            let b = p.take_backup(backup::BackupKind::Daily, 5).unwrap();
            let topics = count(&p);
            let id = p.store_id().to_owned();
            let old = secrets.get(&key_account(&id)).unwrap().unwrap();
            p.rotate_key_until(&admin, &secrets, stop).unwrap();
            drop(p); // the "crash"
            let p = Posko::open(dir.path(), &secrets, clock.clone(), false).unwrap();
            assert_eq!(count(&p), topics, "stop after {stop}");
            let main = secrets.get(&key_account(&id)).unwrap().unwrap();
            assert_eq!(main == old, stop < 3, "stop after {stop}: rotated?");
            // After step 1 only, the unused next key stays (it opens nothing
            // and the next rotation overwrites it); otherwise nothing is left.
            let next_left = secrets.get(&next_account(&id)).unwrap().is_some();
            assert_eq!(next_left, stop == 1, "stop after {stop}");
            assert!(secrets.get(&prev_account(&id)).unwrap().is_none());
            let f = db::read_store_file(dir.path()).unwrap();
            assert_eq!(f.rotation, None);
            assert!(f.recovery.as_ref().unwrap().wrapped_next.is_none());
            // Backups follow the store key.
            assert!(key_opens(&b.path, &main), "stop after {stop}");
            assert!(backup::check_file(&b.path, &main).is_ok());
            drop(p);
            // The recovery key opens it after the keychain entry is lost.
            secrets.delete(&key_account(&id)).unwrap();
            let p = Posko::open_with_recovery_key(dir.path(), &secrets, clock, &rk.secret).unwrap();
            assert_eq!(count(&p), topics);
            assert_eq!(secrets.get(&key_account(&id)).unwrap().unwrap(), main);
        }
    }
}
