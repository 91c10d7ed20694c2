//! Indonesia's three office time zones. None observes daylight saving, so a
//! fixed offset is exact. Instants are stored in UTC; deadlines are local dates.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum OfficeZone {
    #[default]
    Wib,
    Wita,
    Wit,
}

impl OfficeZone {
    pub const ALL: [OfficeZone; 3] = [OfficeZone::Wib, OfficeZone::Wita, OfficeZone::Wit];

    pub fn offset_hours(self) -> i32 {
        match self {
            OfficeZone::Wib => 7,
            OfficeZone::Wita => 8,
            OfficeZone::Wit => 9,
        }
    }

    pub fn offset(self) -> FixedOffset {
        FixedOffset::east_opt(self.offset_hours() * 3600).expect("offset within ±24h")
    }

    pub fn code(self) -> &'static str {
        match self {
            OfficeZone::Wib => "WIB",
            OfficeZone::Wita => "WITA",
            OfficeZone::Wit => "WIT",
        }
    }

    pub fn from_code(s: &str) -> Option<OfficeZone> {
        OfficeZone::ALL
            .into_iter()
            .find(|z| z.code().eq_ignore_ascii_case(s.trim()))
    }

    /// The office-local calendar date of an instant.
    pub fn local_date(self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset()).date_naive()
    }

    pub fn to_local(self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        at.with_timezone(&self.offset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_date_crosses_midnight_per_zone() {
        // 17:30 UTC on 1 March is already 2 March in WITA and WIT, still 2 March 00:30 in WIB.
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 16, 30, 0).unwrap();
        assert_eq!(
            OfficeZone::Wib.local_date(at),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
        assert_eq!(
            OfficeZone::Wita.local_date(at),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
        assert_eq!(
            OfficeZone::Wit.local_date(at),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
        assert_eq!(OfficeZone::from_code("wita"), Some(OfficeZone::Wita));
        assert_eq!(OfficeZone::from_code("CET"), None);
    }
}
