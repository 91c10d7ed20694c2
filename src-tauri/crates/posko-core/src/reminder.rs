//! The deadline reminder shown as a desktop notification when Posko starts
//! and once each office day: how many open complaints are overdue and how
//! many are due today. Counts only: a notification can be read by anyone
//! passing the screen, so it never names a reporter or a complaint.

use serde::Serialize;

use crate::app::Posko;
use crate::error::CoreResult;
use crate::i18n::{Lang, t, t_with};

/// What the notification says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// The office day it was made for (a new one is due the next day).
    pub day: chrono::NaiveDate,
    pub overdue: u64,
    pub due_today: u64,
    pub title: String,
    pub body: String,
}

/// The title and text for these counts; `None` when nothing is due (no
/// notification at all rather than "0 complaints").
pub fn reminder_text(lang: Lang, overdue: u64, due_today: u64) -> Option<(String, String)> {
    let body = match (overdue, due_today) {
        (0, 0) => return None,
        (o, 0) => t_with(
            lang,
            "reminder.overdue_only",
            &[("overdue", &o.to_string())],
        ),
        (0, d) => t_with(lang, "reminder.due_only", &[("due", &d.to_string())]),
        (o, d) => t_with(
            lang,
            "reminder.both",
            &[("overdue", &o.to_string()), ("due", &d.to_string())],
        ),
    };
    Some((t(lang, "reminder.title"), body))
}

impl Posko {
    /// Today's reminder (office time zone), or `None` when no open complaint
    /// is overdue or due today, or the store has no office yet.
    pub fn deadline_reminder(&self, lang: Lang) -> CoreResult<Option<Reminder>> {
        if self.cache.home_unit_id.is_none() {
            return Ok(None);
        }
        let day = self.today();
        // Both counts in one pass over the open complaints' due-date index.
        let (overdue, due_today): (i64, i64) = self.db.conn.query_row(
            "SELECT coalesce(sum(next_due < ?1), 0), coalesce(sum(next_due = ?1), 0)
             FROM complaints WHERE is_open = 1 AND next_due <= ?1",
            [day.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (overdue, due_today) = (overdue as u64, due_today as u64);
        Ok(
            reminder_text(lang, overdue, due_today).map(|(title, body)| Reminder {
                day,
                overdue,
                due_today,
                title,
                body,
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_counts_and_says_nothing_when_nothing_is_due() {
        assert_eq!(reminder_text(Lang::Id, 0, 0), None);
        let (title, body) = reminder_text(Lang::Id, 3, 2).unwrap();
        assert_eq!(title, "Posko: tenggat pengaduan");
        assert_eq!(
            body,
            "3 pengaduan melewati tenggat dan 2 jatuh tempo hari ini."
        );
        let (_, body) = reminder_text(Lang::Id, 0, 1).unwrap();
        assert_eq!(body, "1 pengaduan jatuh tempo hari ini.");
        let (_, body) = reminder_text(Lang::En, 4, 0).unwrap();
        assert_eq!(body, "4 complaints are past their deadline.");
    }
}
