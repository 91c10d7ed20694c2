//! The pure half of sync (Atuin style): given the outbox and the clock, decide
//! what to do; given an error, decide what it means. No database, no network.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::api::{ApiError, ApiErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxOp {
    CreateComplaint,
    AddFollowUp,
}

impl OutboxOp {
    pub fn code(self) -> &'static str {
        match self {
            OutboxOp::CreateComplaint => "create_complaint",
            OutboxOp::AddFollowUp => "add_follow_up",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "create_complaint" => OutboxOp::CreateComplaint,
            "add_follow_up" => OutboxOp::AddFollowUp,
            _ => return None,
        })
    }
}

/// See migrations/0002_sync.sql for what each state means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    Sending,
    Unknown,
    Sent,
    Quarantined,
    Skipped,
}

impl OutboxState {
    pub fn code(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Unknown => "unknown",
            OutboxState::Sent => "sent",
            OutboxState::Quarantined => "quarantined",
            OutboxState::Skipped => "skipped",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => OutboxState::Pending,
            "sending" => OutboxState::Sending,
            "unknown" => OutboxState::Unknown,
            "sent" => OutboxState::Sent,
            "quarantined" => OutboxState::Quarantined,
            "skipped" => OutboxState::Skipped,
            _ => return None,
        })
    }
}

/// What the planner needs to know about one outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub complaint_id: i64,
    pub op: OutboxOp,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// For follow-ups: the complaint already has its national id.
    pub parent_sent: bool,
    /// The last answer was 429: `next_attempt_at` is the server's own
    /// Retry-After, honoured even when a person asks to retry now.
    pub rate_limited: bool,
}

/// How a run treats waiting items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// "Sinkronkan sekarang": send pending items now even if their back-off
    /// has not run out (the network may be back). A server's Retry-After
    /// (429) is still honoured; nothing else changes (reconcile first,
    /// follow-ups after their report).
    pub retry_now: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Send(i64),
    /// The outcome of an earlier send is unknown (or a crash left it
    /// `sending`): find out before anything is sent again.
    Reconcile(i64),
}

impl Step {
    pub fn item_id(self) -> i64 {
        match self {
            Step::Send(id) | Step::Reconcile(id) => id,
        }
    }
}

/// The steps of one run, oldest first. A quarantined item never blocks
/// another report; a follow-up waits for its report to be sent.
pub fn plan(items: &[Item], now: DateTime<Utc>) -> Vec<Step> {
    plan_with(items, now, PlanOptions::default())
}

/// [`plan`] with options (see [`PlanOptions`]).
pub fn plan_with(items: &[Item], now: DateTime<Utc>, opts: PlanOptions) -> Vec<Step> {
    let mut items: Vec<&Item> = items.iter().collect();
    items.sort_by_key(|i| i.id);
    items
        .into_iter()
        .filter_map(|i| match i.state {
            OutboxState::Sending | OutboxState::Unknown => Some(Step::Reconcile(i.id)),
            OutboxState::Pending => {
                let waived = opts.retry_now && !i.rate_limited;
                let due = waived || i.next_attempt_at.is_none_or(|t| t <= now);
                let ready = i.op == OutboxOp::CreateComplaint || i.parent_sent;
                (due && ready).then_some(Step::Send(i.id))
            }
            OutboxState::Sent | OutboxState::Quarantined | OutboxState::Skipped => None,
        })
        .collect()
}

/// What an error means for the item that caused it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing reached the server (or it refused before doing anything): try
    /// again at the given time.
    Retry { at: DateTime<Utc> },
    /// The server may have acted: reconcile before any resend.
    Unknown,
    /// The server refused the content; a person must fix or skip it.
    Quarantine,
    /// Credentials are wrong or expired: stop the run, nothing else will pass.
    StopRun { retry_at: DateTime<Utc> },
}

/// Exponential back-off with jitter: 30 s, 1 min, 2 min … capped at 1 h;
/// `jitter` in [0, 1) spreads retries of many PCs by up to ±20 %.
pub fn backoff(attempts: u32, jitter: f64) -> Duration {
    let base = 30f64 * 2f64.powi(attempts.saturating_sub(1).min(7) as i32);
    let capped = base.min(3600.0);
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    Duration::milliseconds((capped * factor * 1000.0) as i64)
}

/// Classify an error. `non_idempotent` is true for creates and follow-ups:
/// the API has no idempotency key, so an error after the request may have
/// been processed means "unknown", never "retry".
pub fn classify(
    err: &ApiError,
    non_idempotent: bool,
    attempts: u32,
    now: DateTime<Utc>,
    jitter: f64,
) -> Outcome {
    let retry_at = now + backoff(attempts, jitter);
    match err.kind {
        ApiErrorKind::NotSent => Outcome::Retry { at: retry_at },
        ApiErrorKind::RateLimited => {
            let wait = err
                .retry_after_secs
                .map(|s| Duration::seconds(s.min(3600) as i64))
                .unwrap_or_else(|| backoff(attempts, jitter));
            Outcome::Retry { at: now + wait }
        }
        ApiErrorKind::Unauthorized => Outcome::StopRun { retry_at },
        ApiErrorKind::Rejected => Outcome::Quarantine,
        // A 5xx, a timeout, a reset or an answer we cannot read: for a create
        // the server may well have stored it.
        ApiErrorKind::ServerError | ApiErrorKind::Transport | ApiErrorKind::BadResponse => {
            if non_idempotent {
                Outcome::Unknown
            } else {
                Outcome::Retry { at: retry_at }
            }
        }
    }
}

/// Whether an error ends the whole run (credentials wrong or expired: nothing
/// else would pass). No request may follow it; see [`classify`].
pub fn stops_run(err: &ApiError) -> bool {
    err.kind == ApiErrorKind::Unauthorized
}

/// Decision after looking a report up by its reference tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconciled {
    /// Not on the server: safe to send again.
    Resend,
    /// Exactly the copy we made: adopt its ids.
    Adopt(usize),
    /// More than one copy (made by someone else, or before Posko kept
    /// references): adopt the oldest and tell the operator.
    AdoptOldestOfMany(usize),
}

/// `found` are creation times of the server's matches, in the server's order.
pub fn reconcile(found: &[Option<DateTime<Utc>>]) -> Reconciled {
    match found.len() {
        0 => Reconciled::Resend,
        1 => Reconciled::Adopt(0),
        _ => {
            let oldest = found
                .iter()
                .enumerate()
                .min_by_key(|(i, t)| (t.unwrap_or(DateTime::<Utc>::MAX_UTC), *i))
                .map(|(i, _)| i)
                .unwrap_or(0);
            Reconciled::AdoptOldestOfMany(oldest)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
    }

    fn item(id: i64, op: OutboxOp, state: OutboxState) -> Item {
        Item {
            id,
            complaint_id: id,
            op,
            state,
            attempts: 0,
            next_attempt_at: None,
            parent_sent: false,
            rate_limited: false,
        }
    }

    #[test]
    fn plan_orders_sends_and_reconciles_crash_leftovers_first_by_id() {
        let items = vec![
            item(3, OutboxOp::CreateComplaint, OutboxState::Pending),
            item(1, OutboxOp::CreateComplaint, OutboxState::Sending),
            item(2, OutboxOp::CreateComplaint, OutboxState::Quarantined),
            item(4, OutboxOp::CreateComplaint, OutboxState::Unknown),
            item(5, OutboxOp::CreateComplaint, OutboxState::Sent),
        ];
        assert_eq!(
            plan(&items, t0()),
            vec![Step::Reconcile(1), Step::Send(3), Step::Reconcile(4)]
        );
    }

    #[test]
    fn plan_waits_for_back_off_and_for_the_parent_report() {
        let mut later = item(1, OutboxOp::CreateComplaint, OutboxState::Pending);
        later.next_attempt_at = Some(t0() + Duration::minutes(1));
        let orphan = item(2, OutboxOp::AddFollowUp, OutboxState::Pending);
        let mut ready = item(3, OutboxOp::AddFollowUp, OutboxState::Pending);
        ready.parent_sent = true;
        assert_eq!(
            plan(&[later.clone(), orphan, ready], t0()),
            vec![Step::Send(3)]
        );
        assert_eq!(
            plan(&[later], t0() + Duration::minutes(1)),
            vec![Step::Send(1)]
        );
    }

    #[test]
    fn retry_now_skips_back_off_but_not_retry_after_nor_order() {
        let mut backing_off = item(1, OutboxOp::CreateComplaint, OutboxState::Pending);
        backing_off.attempts = 3;
        backing_off.next_attempt_at = Some(t0() + Duration::minutes(10));
        let mut throttled = item(2, OutboxOp::CreateComplaint, OutboxState::Pending);
        throttled.next_attempt_at = Some(t0() + Duration::seconds(30));
        throttled.rate_limited = true;
        let orphan = item(3, OutboxOp::AddFollowUp, OutboxState::Pending);
        let uncertain = item(4, OutboxOp::CreateComplaint, OutboxState::Unknown);
        let items = [backing_off, throttled, orphan, uncertain];
        assert_eq!(plan(&items, t0()), vec![Step::Reconcile(4)]);
        let now = PlanOptions { retry_now: true };
        assert_eq!(
            plan_with(&items, t0(), now),
            vec![Step::Send(1), Step::Reconcile(4)]
        );
        assert_eq!(
            plan_with(&items, t0() + Duration::seconds(30), now),
            vec![Step::Send(1), Step::Send(2), Step::Reconcile(4)]
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut prev = Duration::zero();
        for n in 1..12 {
            let d = backoff(n, 0.5);
            assert!(d >= prev, "attempt {n}");
            assert!(d <= Duration::seconds(3600));
            prev = d;
        }
        assert_eq!(backoff(1, 0.5), Duration::seconds(30));
        assert!(backoff(1, 0.0) >= Duration::seconds(24));
        assert!(backoff(1, 0.999) <= Duration::seconds(36));
    }

    fn err(kind: ApiErrorKind) -> ApiError {
        ApiError {
            kind,
            http_status: None,
            retry_after_secs: None,
            message: String::new(),
        }
    }

    #[test]
    fn a_create_that_may_have_happened_is_never_retried_blindly() {
        for kind in [
            ApiErrorKind::ServerError,
            ApiErrorKind::Transport,
            ApiErrorKind::BadResponse,
        ] {
            assert_eq!(classify(&err(kind), true, 1, t0(), 0.5), Outcome::Unknown);
            assert!(matches!(
                classify(&err(kind), false, 1, t0(), 0.5),
                Outcome::Retry { .. }
            ));
        }
        assert!(matches!(
            classify(&err(ApiErrorKind::NotSent), true, 1, t0(), 0.5),
            Outcome::Retry { .. }
        ));
        assert_eq!(
            classify(&err(ApiErrorKind::Rejected), true, 1, t0(), 0.5),
            Outcome::Quarantine
        );
        assert!(matches!(
            classify(&err(ApiErrorKind::Unauthorized), true, 1, t0(), 0.5),
            Outcome::StopRun { .. }
        ));
    }

    #[test]
    fn only_what_stops_the_run_stops_the_sender() {
        for kind in [
            ApiErrorKind::NotSent,
            ApiErrorKind::RateLimited,
            ApiErrorKind::Unauthorized,
            ApiErrorKind::Rejected,
            ApiErrorKind::ServerError,
            ApiErrorKind::Transport,
            ApiErrorKind::BadResponse,
        ] {
            let e = err(kind);
            let stop = matches!(classify(&e, true, 1, t0(), 0.5), Outcome::StopRun { .. });
            assert_eq!(stops_run(&e), stop, "{kind:?}");
        }
    }

    #[test]
    fn rate_limits_honour_retry_after() {
        let mut e = err(ApiErrorKind::RateLimited);
        e.retry_after_secs = Some(120);
        assert_eq!(
            classify(&e, true, 1, t0(), 0.5),
            Outcome::Retry {
                at: t0() + Duration::seconds(120)
            }
        );
    }

    #[test]
    fn reconcile_picks_the_oldest_copy() {
        assert_eq!(reconcile(&[]), Reconciled::Resend);
        assert_eq!(reconcile(&[None]), Reconciled::Adopt(0));
        assert_eq!(
            reconcile(&[Some(t0() + Duration::hours(1)), Some(t0()), None]),
            Reconciled::AdoptOldestOfMany(1)
        );
    }
}
