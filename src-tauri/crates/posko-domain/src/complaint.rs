//! The complaint vocabulary: kinds (klasifikasi) and channels (kanal).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Klasifikasi laporan. Pengaduan is split in two because their finishing
/// deadlines differ (14 vs 60 working days, domain.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Aspirasi,
    PengaduanTidakBerkadarPengawasan,
    PengaduanBerkadarPengawasan,
    PermintaanInformasi,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Aspirasi,
        Kind::PengaduanTidakBerkadarPengawasan,
        Kind::PengaduanBerkadarPengawasan,
        Kind::PermintaanInformasi,
    ];

    /// Stable code used in the database and in CLI/JSON.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Aspirasi => "aspirasi",
            Kind::PengaduanTidakBerkadarPengawasan => "pengaduan_tidak_berkadar_pengawasan",
            Kind::PengaduanBerkadarPengawasan => "pengaduan_berkadar_pengawasan",
            Kind::PermintaanInformasi => "permintaan_informasi",
        }
    }

    pub fn from_code(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Kanal: how the complaint reached the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    TatapMuka,
    Telepon,
    Sms,
    Whatsapp,
    Surat,
    KotakSaran,
    Email,
    MediaSosial,
    Lapor,
}

impl Channel {
    pub const ALL: [Channel; 9] = [
        Channel::TatapMuka,
        Channel::Telepon,
        Channel::Sms,
        Channel::Whatsapp,
        Channel::Surat,
        Channel::KotakSaran,
        Channel::Email,
        Channel::MediaSosial,
        Channel::Lapor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::TatapMuka => "tatap_muka",
            Channel::Telepon => "telepon",
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Surat => "surat",
            Channel::KotakSaran => "kotak_saran",
            Channel::Email => "email",
            Channel::MediaSosial => "media_sosial",
            Channel::Lapor => "lapor",
        }
    }

    pub fn from_code(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_code(k.code()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
        }
        for c in Channel::ALL {
            assert_eq!(Channel::from_code(c.code()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.code());
        }
        assert_eq!(Kind::from_code("nope"), None);
    }
}
