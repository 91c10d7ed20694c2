//! Moving a store to another machine: one file, protected by a passphrase.
//!
//! Export: an online copy of the store (SQLite backup API) encrypted by
//! SQLCipher under a fresh random key `Ke`, then the stream `Ke || copy`
//! encrypted with a key derived from the passphrase (Argon2id, 64 MiB, t=3)
//! with XChaCha20-Poly1305 in 64 KiB chunks (STREAM construction: the nonce
//! carries a random prefix, the chunk counter and a last-chunk flag; every
//! chunk authenticates the header). Nothing is ever on disk in clear: the
//! temporary copy is already SQLCipher-encrypted.
//!
//! Import: the header is checked (a verifier tells a wrong passphrase from a
//! damaged file before anything is decrypted), every chunk is authenticated
//! (a truncated or altered file is refused), the copy is checked like a
//! backup (integrity, schema not newer), re-keyed to a new random key filed
//! in this machine's keychain under a new store id, and only then put in
//! place. A folder that already holds data is refused.
//!
//! File layout: `POSKOEXP` · version byte (1) · header length (u32 LE) ·
//! header JSON ([`ExportHeader`]) · chunks (each `min(64 KiB, rest)` bytes of
//! plaintext + 16-byte tag; the last one flagged, possibly empty).

use std::fs;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use posko_domain::role::{Permission, Role};
use posko_domain::validation::{FieldError, FieldErrorCode};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::app::{Posko, require};
use crate::audit::{AuditAction, AuditEvent};
use crate::backup;
use crate::clock::Clock;
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::keychain::SecretStore;
use crate::model::Actor;
use crate::seal::{self, KdfParams};

const MAGIC: &[u8; 8] = b"POSKOEXP";
const VERSION: u8 = 1;
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const MAX_HEADER: u32 = 64 * 1024;
pub const MIN_PASSPHRASE: usize = 12;
const IMPORT_PARTIAL: &str = "posko.db.import-new";

/// Argon2id for passphrases people choose: heavier than for the recovery key.
const KDF_M_KIB: u32 = 64 * 1024;
const KDF_T: u32 = 3;
const KDF_P: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportHeader {
    pub format: u32,
    pub kdf: KdfParams,
    pub cipher: String,
    pub chunk: usize,
    /// Base64 of 15 random bytes (nonce = prefix · last flag · counter u64 BE).
    pub nonce_prefix: String,
    /// Base64 of 16 bytes derived from the passphrase key: a wrong passphrase
    /// is known before any chunk is read.
    pub verifier: String,
    pub created_at: DateTime<Utc>,
    pub source_store: String,
    pub unit_code: String,
    pub schema_version: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportReport {
    #[ts(as = "String")]
    pub path: PathBuf,
    pub bytes: u64,
    pub complaints: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportReport {
    pub store_id: String,
    pub source_store: String,
    pub exported_at: DateTime<Utc>,
    pub unit_code: String,
    pub complaints: u64,
    /// The imported store has no recovery key yet: make one now.
    pub recovery_key_needed: bool,
}

fn damaged(detail: impl Into<String>) -> CoreError {
    CoreError::ExportDamaged {
        detail: detail.into(),
    }
}

fn check_passphrase(p: &str) -> CoreResult<()> {
    let n = p.chars().count();
    if n < MIN_PASSPHRASE {
        Err(CoreError::validation(vec![FieldError::with_limit(
            "passphrase",
            FieldErrorCode::TooShort,
            MIN_PASSPHRASE as u64,
        )]))
    } else if p.len() > 1024 {
        Err(CoreError::validation(vec![FieldError::with_limit(
            "passphrase",
            FieldErrorCode::TooLong,
            1024,
        )]))
    } else {
        Ok(())
    }
}

/// (cipher key, verifier) from the passphrase.
fn keys(kdf: &KdfParams, passphrase: &str) -> CoreResult<(Zeroizing<[u8; 32]>, [u8; 16])> {
    let k = kdf.derive(passphrase.as_bytes())?;
    let enc: [u8; 32] = Sha256::new()
        .chain_update(b"posko-export-key-v1")
        .chain_update(k.as_ref())
        .finalize()
        .into();
    let v = Sha256::new()
        .chain_update(b"posko-export-verify-v1")
        .chain_update(k.as_ref())
        .finalize();
    let mut verifier = [0u8; 16];
    verifier.copy_from_slice(&v[..16]);
    Ok((Zeroizing::new(enc), verifier))
}

fn nonce(prefix: &[u8], last: bool, counter: u64) -> XNonce {
    let mut n = [0u8; 24];
    n[..15].copy_from_slice(prefix);
    n[15] = last as u8;
    n[16..].copy_from_slice(&counter.to_be_bytes());
    XNonce::from(n)
}

/// Encrypt `plain` (read to the end) into `out` after the header.
fn seal_stream(
    mut plain: impl Read,
    out: &mut impl Write,
    header_bytes: &[u8],
    cipher: &XChaCha20Poly1305,
    prefix: &[u8],
) -> CoreResult<()> {
    let mut buf = Zeroizing::new(vec![0u8; CHUNK]);
    let mut next = Zeroizing::new(vec![0u8; CHUNK]);
    let mut len = read_full(&mut plain, &mut buf)?;
    let mut counter = 0u64;
    loop {
        // Look ahead one chunk to know whether this one is the last.
        let next_len = if len == CHUNK {
            read_full(&mut plain, &mut next)?
        } else {
            0
        };
        let last = len < CHUNK || next_len == 0;
        let ct = cipher
            .encrypt(
                &nonce(prefix, last, counter),
                Payload {
                    msg: &buf[..len],
                    aad: header_bytes,
                },
            )
            .map_err(|_| CoreError::io("encryption failed"))?;
        out.write_all(&ct)?;
        if last {
            return Ok(());
        }
        std::mem::swap(&mut buf, &mut next);
        len = next_len;
        counter += 1;
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Read and check the header; (header, its bytes for the AAD).
fn read_header(r: &mut impl Read) -> CoreResult<(ExportHeader, Vec<u8>)> {
    let mut fixed = [0u8; 13];
    if read_full(r, &mut fixed)? < fixed.len() || &fixed[..8] != MAGIC {
        return Err(damaged("not a Posko export file"));
    }
    if fixed[8] != VERSION {
        return Err(damaged(format!("unknown export version {}", fixed[8])));
    }
    let len = u32::from_le_bytes(fixed[9..13].try_into().expect("4 bytes"));
    if len == 0 || len > MAX_HEADER {
        return Err(damaged("header length"));
    }
    let mut json = vec![0u8; len as usize];
    if read_full(r, &mut json)? < json.len() {
        return Err(damaged("header cut short"));
    }
    let h: ExportHeader =
        serde_json::from_slice(&json).map_err(|e| damaged(format!("header: {e}")))?;
    if h.format != 1 || h.chunk != CHUNK || h.cipher != "xchacha20poly1305-stream" {
        return Err(damaged("unsupported export parameters"));
    }
    let mut aad = fixed.to_vec();
    aad.extend_from_slice(&json);
    Ok((h, aad))
}

/// Decrypt the chunks after the header into `out`; a missing last chunk, a
/// chunk that does not authenticate or bytes after the last are refused.
fn open_stream(
    r: &mut impl Read,
    out: &mut impl Write,
    aad: &[u8],
    cipher: &XChaCha20Poly1305,
    prefix: &[u8],
) -> CoreResult<u64> {
    let mut buf = vec![0u8; CHUNK + TAG];
    let mut counter = 0u64;
    let mut total = 0u64;
    let mut len = read_full(r, &mut buf)?;
    loop {
        if len < TAG {
            return Err(damaged(format!("cut short at chunk {counter}")));
        }
        let mut probe = [0u8; 1];
        let at_end = len < buf.len() || read_full(r, &mut probe)? == 0;
        let pt = Zeroizing::new(
            cipher
                .decrypt(
                    &nonce(prefix, at_end, counter),
                    Payload {
                        msg: &buf[..len],
                        aad,
                    },
                )
                .map_err(|_| {
                    damaged(if at_end {
                        format!("cut short or altered at chunk {counter}")
                    } else {
                        format!("altered at chunk {counter}")
                    })
                })?,
        );
        out.write_all(&pt)?;
        total += pt.len() as u64;
        if at_end {
            return Ok(total);
        }
        buf[0] = probe[0];
        len = 1 + read_full(r, &mut buf[1..])?;
        counter += 1;
    }
}

/// Writes the first 32 bytes of the stream (the copy's key) to `key` and the
/// rest to `file`.
struct Split<'a> {
    key: &'a mut Zeroizing<Vec<u8>>,
    file: BufWriter<fs::File>,
}

impl Write for Split<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let need = 32usize.saturating_sub(self.key.len()).min(data.len());
        self.key.extend_from_slice(&data[..need]);
        self.file.write_all(&data[need..])?;
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn partial_path(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

impl Posko {
    /// Write the whole store to `out`, encrypted with `passphrase` (at
    /// least 12 characters). The file is written under `<out>.partial` and
    /// renamed when complete. Recorded in the audit log.
    pub fn export_store(
        &self,
        actor: &Actor,
        out: &Path,
        passphrase: &str,
    ) -> CoreResult<ExportReport> {
        require(actor, Permission::ManageStore)?;
        check_passphrase(passphrase)?;
        let copy_key = seal::random::<32>();
        let copy_hex = Zeroizing::new(hex::encode(copy_key.as_ref()));
        let copy = self
            .db
            .dir
            .join(format!("export-{}.tmp", uuid::Uuid::new_v4()));
        let partial = partial_path(out);
        let res = (|| -> CoreResult<u64> {
            backup::copy_into(&self.db.conn, &copy, &copy_hex)?;
            let kdf = KdfParams::new(KDF_M_KIB, KDF_T, KDF_P);
            let (enc, verifier) = keys(&kdf, passphrase)?;
            let prefix = seal::random::<15>();
            let header = ExportHeader {
                format: 1,
                kdf,
                cipher: "xchacha20poly1305-stream".into(),
                chunk: CHUNK,
                nonce_prefix: seal::b64(prefix.as_ref()),
                verifier: seal::b64(&verifier),
                created_at: self.now(),
                source_store: self.db.store_id.clone(),
                unit_code: self
                    .office()
                    .map(|o| o.unit_code.clone())
                    .unwrap_or_default(),
                schema_version: db::schema_version(),
            };
            let json = serde_json::to_vec(&header).expect("plain struct serialises");
            let mut aad = MAGIC.to_vec();
            aad.push(VERSION);
            aad.extend_from_slice(&(json.len() as u32).to_le_bytes());
            aad.extend_from_slice(&json);
            let file = fs::File::create(&partial)?;
            let mut w = BufWriter::new(file);
            w.write_all(&aad)?;
            let cipher = XChaCha20Poly1305::new(enc.as_ref().into());
            let plain = std::io::Cursor::new(copy_key.to_vec()).chain(fs::File::open(&copy)?);
            seal_stream(plain, &mut w, &aad, &cipher, prefix.as_ref())?;
            let file = w.into_inner().map_err(|e| CoreError::io(e.error()))?;
            file.sync_all()?;
            drop(file);
            fs::rename(&partial, out)?;
            Ok(fs::metadata(out)?.len())
        })();
        let _ = fs::remove_file(&copy);
        if res.is_err() {
            let _ = fs::remove_file(&partial);
        }
        let bytes = res?;
        let complaints: i64 =
            self.db
                .conn
                .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))?;
        self.record_audit(
            actor,
            &AuditEvent::new(AuditAction::Export)
                .on("export", "store")
                .detail(serde_json::json!({
                    "rows": complaints,
                    "identities": true,
                    "bytes": bytes,
                })),
        )?;
        Ok(ExportReport {
            path: out.to_owned(),
            bytes,
            complaints: complaints as u64,
        })
    }

    /// Create the store in `dir` from an export file: a new store id and a
    /// new key in this machine's keychain. Refused if `dir` holds a store
    /// with data (an empty one, as the app makes on first start, is replaced).
    pub fn import_store(
        dir: &Path,
        file: &Path,
        passphrase: &str,
        secrets: &dyn SecretStore,
        clock: Arc<dyn Clock>,
    ) -> CoreResult<(Posko, ImportReport)> {
        // An existing store must be empty (no unit, no user, no complaint).
        let replaced_id = if db::store_exists(dir) {
            let p = Posko::open(dir, secrets, clock.clone(), false)
                .map_err(|_| CoreError::StoreExists)?;
            let used: i64 = p.db.conn.query_row(
                "SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM users) + (SELECT count(*) FROM complaints)",
                [],
                |r| r.get(0),
            )?;
            if used > 0 {
                return Err(CoreError::StoreExists);
            }
            Some(p.db.store_id.clone())
        } else {
            None
        };
        let mut r = BufReader::new(fs::File::open(file).map_err(|e| {
            match e.kind() {
                std::io::ErrorKind::NotFound => CoreError::NotFound {
                    entity: "export",
                    id: file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                },
                _ => CoreError::io(e),
            }
        })?);
        let (h, aad) = read_header(&mut r)?;
        let (enc, verifier) = keys(&h.kdf, passphrase)?;
        if seal::b64(&verifier) != h.verifier {
            return Err(CoreError::PassphraseWrong);
        }
        let prefix = seal::unb64(&h.nonce_prefix)?;
        if prefix.len() != 15 {
            return Err(damaged("nonce prefix"));
        }
        fs::create_dir_all(dir)?;
        let partial = dir.join(IMPORT_PARTIAL);
        let mut copy_key = Zeroizing::new(Vec::with_capacity(32));
        let res = (|| -> CoreResult<Zeroizing<String>> {
            let mut split = Split {
                key: &mut copy_key,
                file: BufWriter::new(fs::File::create(&partial)?),
            };
            let cipher = XChaCha20Poly1305::new(enc.as_ref().into());
            open_stream(&mut r, &mut split, &aad, &cipher, &prefix)?;
            let f = split
                .file
                .into_inner()
                .map_err(|e| CoreError::io(e.error()))?;
            f.sync_all()?;
            drop(f);
            if copy_key.len() != 32 {
                return Err(damaged("no data"));
            }
            let copy_hex = Zeroizing::new(hex::encode(&copy_key[..]));
            backup::check_file(&partial, &copy_hex).map_err(|e| match e {
                CoreError::BackupInvalid { detail } => damaged(detail),
                other => other,
            })?;
            // This machine's own key.
            let new = Zeroizing::new(hex::encode(seal::random::<32>().as_ref()));
            let c = Connection::open(&partial)?;
            c.execute_batch(&Zeroizing::new(format!(
                "PRAGMA key = \"x'{}'\"; PRAGMA rekey = \"x'{}'\";",
                *copy_hex, *new
            )))?;
            c.close().map_err(|(_, e)| CoreError::from(e))?;
            Ok(new)
        })();
        let new_key = match res {
            Ok(k) => k,
            Err(e) => {
                let _ = fs::remove_file(&partial);
                return Err(e);
            }
        };
        // Keychain first (as for a new store), then the files.
        let store_id = uuid::Uuid::new_v4().to_string();
        secrets.set(&db::key_account(&store_id), &new_key)?;
        let live = db::db_path(dir);
        for suffix in ["", "-wal", "-shm"] {
            let mut p = live.as_os_str().to_owned();
            p.push(suffix);
            let _ = fs::remove_file(PathBuf::from(p));
        }
        db::write_store_file(
            dir,
            &db::StoreFile {
                store_id: store_id.clone(),
                format: 1,
                recovery: None,
                rotation: None,
            },
        )?;
        fs::rename(&partial, &live)?;
        if let Some(old) = replaced_id {
            secrets.delete(&db::key_account(&old))?;
        }
        let p = Posko::open(dir, secrets, clock, false)?;
        let complaints: i64 =
            p.db.conn
                .query_row("SELECT count(*) FROM complaints", [], |r| r.get(0))?;
        p.record_audit(
            &Actor {
                user_id: None,
                username: "import".into(),
                display_name: "Impor".into(),
                role: Role::Admin,
            },
            &AuditEvent::new(AuditAction::StoreImport)
                .on("store", &h.source_store)
                .detail(serde_json::json!({
                    "exported_at": h.created_at,
                    "unit_code": h.unit_code,
                })),
        )?;
        let report = ImportReport {
            store_id,
            source_store: h.source_store,
            exported_at: h.created_at,
            unit_code: h.unit_code,
            complaints: complaints as u64,
            recovery_key_needed: true,
        };
        Ok((p, report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(n: usize) {
        let plain: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
        let key = [7u8; 32];
        let cipher = XChaCha20Poly1305::new((&key).into());
        let prefix = [1u8; 15];
        let mut out = Vec::new();
        seal_stream(&plain[..], &mut out, b"hdr", &cipher, &prefix).unwrap();
        let chunks = n.div_ceil(CHUNK).max(1);
        assert_eq!(out.len(), n + chunks * TAG, "n = {n}");
        let mut back = Vec::new();
        open_stream(&mut &out[..], &mut back, b"hdr", &cipher, &prefix).unwrap();
        assert_eq!(back, plain);
        // Cut anywhere (also at a chunk boundary): refused.
        for cut in [
            out.len() - 1,
            out.len().saturating_sub(TAG + 1),
            CHUNK + TAG,
        ] {
            if cut >= out.len() {
                continue;
            }
            let mut sink = Vec::new();
            assert!(
                open_stream(&mut &out[..cut], &mut sink, b"hdr", &cipher, &prefix).is_err(),
                "n = {n}, cut = {cut}"
            );
        }
        // Another header: refused.
        let mut sink = Vec::new();
        assert!(open_stream(&mut &out[..], &mut sink, b"HDR", &cipher, &prefix).is_err());
    }

    #[test]
    fn streams_round_trip_and_refuse_truncation() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            roundtrip(n);
        }
    }
}
