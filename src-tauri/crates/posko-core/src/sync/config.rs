//! Sync settings: where the national service is and how local words map to
//! its ids. Configuration, not code (docs/lapor-contract.md §5); the two
//! secrets live in the keychain, never here.

use std::collections::BTreeMap;

use posko_domain::{Channel, Kind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub(crate) const LAPOR_KEY: &str = "lapor";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct LaporSettings {
    /// e.g. `https://api-splp.layanan.go.id/lapor/3.0.0`; `None`: not configured
    /// (assisted mode only).
    pub base_url: Option<String>,
    pub auth_header: String,
    /// The server offers the (assumed) lookup by reference tag.
    pub search_supported: bool,
    pub timeout_secs: u32,
    /// This unit's own institution id on LAPOR! (sender of follow-ups).
    pub institution_id: Option<String>,
    pub mapping: LaporMapping,
    /// Minutes between automatic runs while the app is open; 0 = only by hand.
    pub auto_sync_minutes: u32,
    /// When a person last saw the sync preview and agreed; automatic sync
    /// never starts before that (nothing leaves the machine unseen).
    pub preview_confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Default for LaporSettings {
    fn default() -> Self {
        LaporSettings {
            base_url: None,
            auth_header: lapor_wire::DEFAULT_AUTH_HEADER.to_owned(),
            search_supported: true,
            timeout_secs: 30,
            institution_id: None,
            mapping: LaporMapping::default(),
            auto_sync_minutes: 15,
            preview_confirmed_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct LaporMapping {
    pub classification: BTreeMap<Kind, String>,
    /// A channel without an entry is not sent (e.g. `lapor`: it came from there).
    pub channel: BTreeMap<Channel, String>,
    /// Topic id → category id; children fall back to their parent, then to the default.
    #[ts(type = "Record<string, string>")]
    pub category: BTreeMap<i64, String>,
    pub default_category: Option<String>,
    /// Local follow-up template code → the national service's template code.
    /// Unmapped templates are sent as plain text (the content is complete).
    pub template: BTreeMap<String, String>,
    /// Remote status code → the local state it means (contract §5.4). A code
    /// not listed (and whose name is not a known one) is "unknown": the local
    /// state is never guessed. `Terverifikasi` mapped to `verified` becomes
    /// `routed` when the disposition is this unit's own institution.
    pub status: BTreeMap<String, posko_domain::Status>,
}

impl Default for LaporMapping {
    /// The proposals of docs/lapor-contract.md §5 (they match the simulator).
    fn default() -> Self {
        use Channel as C;
        use Kind as K;
        LaporMapping {
            classification: [
                (K::Aspirasi, "1"),
                (K::PengaduanTidakBerkadarPengawasan, "2"),
                (K::PengaduanBerkadarPengawasan, "2"),
                (K::PermintaanInformasi, "3"),
            ]
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .collect(),
            channel: [
                (C::TatapMuka, "1"),
                (C::Telepon, "1"),
                (C::Surat, "1"),
                (C::KotakSaran, "1"),
                (C::Email, "1"),
                (C::Sms, "2"),
                (C::Whatsapp, "3"),
                (C::MediaSosial, "4"),
            ]
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .collect(),
            category: BTreeMap::new(),
            default_category: Some("301".to_owned()),
            template: BTreeMap::new(),
            status: default_status_mapping(),
        }
    }
}

fn default_status_mapping() -> BTreeMap<String, posko_domain::Status> {
    use lapor_wire::status as s;
    use posko_domain::Status as L;
    [
        (s::BELUM_TERVERIFIKASI, L::Received),
        (s::TERVERIFIKASI, L::Verified),
        (s::DALAM_PROSES, L::InFollowUp),
        (s::SELESAI, L::Finished),
        (s::DIARSIPKAN, L::Archived),
        (s::DITOLAK, L::Rejected),
        (s::BUKAN_WEWENANG, L::Forwarded),
        (s::DITUNDA, L::Postponed),
    ]
    .into_iter()
    .map(|(k, l)| (k.code.to_owned(), l))
    .collect()
}

/// Keychain accounts of the two per-agency secrets (per store).
pub fn key_account(store_id: &str) -> String {
    format!("lapor-key:{store_id}")
}
pub fn token_account(store_id: &str) -> String {
    format!("lapor-token:{store_id}")
}
