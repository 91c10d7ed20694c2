//! Remote statuses known so far.
//!
//! The **names** of the first six were seen in a real client (observed); the
//! **codes** are not public and are assumed (the simulator uses these). There
//! is no official full list, so clients must keep any code/name verbatim and
//! treat unknown ones as "needs checking", never as an error. The mapping to
//! local states is configuration in posko-core, not here.

use crate::endpoint::Provenance;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownStatus {
    pub code: &'static str,
    pub name: &'static str,
    /// Provenance of the name; codes are always assumed.
    pub name_provenance: Provenance,
}

const fn s(code: &'static str, name: &'static str, p: Provenance) -> KnownStatus {
    KnownStatus {
        code,
        name,
        name_provenance: p,
    }
}

pub const BELUM_TERVERIFIKASI: KnownStatus = s("1", "Belum Terverifikasi", Provenance::Observed);
pub const TERVERIFIKASI: KnownStatus = s("2", "Terverifikasi", Provenance::Observed);
pub const DALAM_PROSES: KnownStatus = s("3", "Dalam Proses", Provenance::Observed);
pub const SELESAI: KnownStatus = s("4", "Selesai", Provenance::Observed);
pub const DIARSIPKAN: KnownStatus = s("5", "Diarsipkan", Provenance::Observed);
pub const DITOLAK: KnownStatus = s("6", "Ditolak", Provenance::Observed);
/// After "bukan wewenang": the report left our institution (name assumed).
pub const BUKAN_WEWENANG: KnownStatus = s("7", "Bukan Wewenang", Provenance::Assumed);
/// Tunda (postponed) is a real admin action; the status name is assumed.
pub const DITUNDA: KnownStatus = s("8", "Ditunda", Provenance::Assumed);

/// Everything above, in lifecycle order.
pub const KNOWN_STATUSES: [KnownStatus; 8] = [
    BELUM_TERVERIFIKASI,
    TERVERIFIKASI,
    DALAM_PROSES,
    SELESAI,
    DIARSIPKAN,
    DITOLAK,
    BUKAN_WEWENANG,
    DITUNDA,
];

/// Look up by code first, then by name (case- and space-insensitive), because
/// the names are the better-known half.
pub fn known(code: Option<&str>, name: Option<&str>) -> Option<KnownStatus> {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    code.and_then(|c| KNOWN_STATUSES.into_iter().find(|k| k.code == c.trim()))
        .or_else(|| {
            let n = norm(name?);
            KNOWN_STATUSES.into_iter().find(|k| norm(k.name) == n)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup() {
        assert_eq!(known(Some("3"), None), Some(DALAM_PROSES));
        assert_eq!(known(None, Some("  dalam   PROSES ")), Some(DALAM_PROSES));
        assert_eq!(known(Some("99"), Some("Menunggu Verifikasi Ulang")), None);
        let mut codes: Vec<_> = KNOWN_STATUSES.iter().map(|k| k.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), KNOWN_STATUSES.len());
    }
}
