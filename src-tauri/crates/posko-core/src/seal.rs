//! Small crypto helpers shared by the recovery key (`recovery.rs`) and the
//! encrypted export (`transfer.rs`): Argon2id key derivation with stored
//! parameters, base64 for JSON, and RFC 4648 base32 for what people type.
//! Nothing here touches files or the keychain.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{CoreError, CoreResult};

/// Argon2id parameters, stored beside what they protect (not secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Always "argon2id".
    pub alg: String,
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    /// Base64 of 16 random bytes.
    pub salt: String,
}

impl KdfParams {
    /// Fresh parameters with a random salt.
    pub fn new(m_kib: u32, t: u32, p: u32) -> Self {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        KdfParams {
            alg: "argon2id".into(),
            m_kib,
            t,
            p,
            salt: b64(&salt),
        }
    }

    /// Refuse parameters that would make a file from elsewhere eat the
    /// machine (a hostile or damaged header).
    fn check(&self) -> CoreResult<()> {
        let sane = self.alg == "argon2id"
            && (8..=1024 * 1024).contains(&self.m_kib)
            && (1..=16).contains(&self.t)
            && (1..=8).contains(&self.p);
        if sane {
            Ok(())
        } else {
            Err(CoreError::BadRequest {
                detail: "unsupported key derivation parameters".into(),
            })
        }
    }

    /// 32 bytes derived from `secret`.
    pub fn derive(&self, secret: &[u8]) -> CoreResult<Zeroizing<[u8; 32]>> {
        self.check()?;
        let salt = unb64(&self.salt)?;
        let params = Params::new(self.m_kib, self.t, self.p, Some(32)).map_err(bad)?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(secret, &salt, out.as_mut())
            .map_err(bad)?;
        Ok(out)
    }
}

fn bad(e: impl std::fmt::Display) -> CoreError {
    CoreError::BadRequest {
        detail: e.to_string(),
    }
}

pub fn random<const N: usize>() -> Zeroizing<[u8; N]> {
    let mut b = Zeroizing::new([0u8; N]);
    rand::rng().fill_bytes(b.as_mut());
    b
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn unb64(s: &str) -> CoreResult<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(bad)
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(B32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Inverse of [`base32`]; `None` on a character outside the alphabet.
pub fn unbase32(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = B32.iter().position(|&x| x == c)? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trips() {
        for n in 0..40 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(unbase32(&base32(&bytes)).unwrap(), bytes);
        }
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert!(unbase32("ab").is_none());
    }

    #[test]
    fn derivation_depends_on_salt_and_secret_and_refuses_wild_params() {
        let k = KdfParams::new(64, 1, 1);
        let a = k.derive(b"secret").unwrap();
        assert_eq!(a, k.derive(b"secret").unwrap());
        assert_ne!(a, k.derive(b"secreT").unwrap());
        assert_ne!(a, KdfParams::new(64, 1, 1).derive(b"secret").unwrap());
        let wild = KdfParams {
            m_kib: u32::MAX,
            ..k
        };
        assert!(wild.derive(b"secret").is_err());
    }
}
