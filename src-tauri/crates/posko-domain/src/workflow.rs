//! The complaint workflow as an explicit state machine.
//!
//! Main path: received → verified → routed → in follow-up → waiting for the
//! reporter → finished. Side exits: postponed (tunda), forwarded (bukan
//! wewenang), archived, rejected. Every accepted transition is appended to the
//! complaint's event log by the store; an illegal one is refused here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::role::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Diterima: recorded, not yet checked.
    Received,
    /// Terverifikasi: checked and accepted as ours.
    Verified,
    /// Didisposisikan: routed to the unit/person that handles it.
    Routed,
    /// Dalam tindak lanjut: a follow-up is being prepared.
    InFollowUp,
    /// Menunggu tanggapan pelapor: an approved follow-up was given.
    WaitingReporter,
    /// Selesai.
    Finished,
    /// Ditunda.
    Postponed,
    /// Bukan wewenang: forwarded to the authority that owns it ("no wrong door").
    Forwarded,
    /// Diarsipkan: bad format, too vague, not about government.
    Archived,
    /// Ditolak.
    Rejected,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Received,
        Status::Verified,
        Status::Routed,
        Status::InFollowUp,
        Status::WaitingReporter,
        Status::Finished,
        Status::Postponed,
        Status::Forwarded,
        Status::Archived,
        Status::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Verified => "verified",
            Status::Routed => "routed",
            Status::InFollowUp => "in_follow_up",
            Status::WaitingReporter => "waiting_reporter",
            Status::Finished => "finished",
            Status::Postponed => "postponed",
            Status::Forwarded => "forwarded",
            Status::Archived => "archived",
            Status::Rejected => "rejected",
        }
    }

    pub fn from_code(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }

    /// Open complaints carry running deadlines; closed ones do not.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Finished | Status::Forwarded | Status::Archived | Status::Rejected
        )
    }
}

/// What a user does to a complaint. Each action maps to at most one target
/// status from a given source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Verify,
    Postpone,
    Resume,
    Forward,
    Archive,
    Reject,
    Route,
    StartFollowUp,
    /// Set by the store when a follow-up is approved; not offered as a button.
    FollowUpGiven,
    ReporterReplied,
    Finish,
    Reopen,
}

impl Action {
    pub const ALL: [Action; 12] = [
        Action::Verify,
        Action::Postpone,
        Action::Resume,
        Action::Forward,
        Action::Archive,
        Action::Reject,
        Action::Route,
        Action::StartFollowUp,
        Action::FollowUpGiven,
        Action::ReporterReplied,
        Action::Finish,
        Action::Reopen,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::Verify => "verify",
            Action::Postpone => "postpone",
            Action::Resume => "resume",
            Action::Forward => "forward",
            Action::Archive => "archive",
            Action::Reject => "reject",
            Action::Route => "route",
            Action::StartFollowUp => "start_follow_up",
            Action::FollowUpGiven => "follow_up_given",
            Action::ReporterReplied => "reporter_replied",
            Action::Finish => "finish",
            Action::Reopen => "reopen",
        }
    }

    pub fn from_code(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == s)
    }

    /// Side exits must say why (the reason goes to the reporter or the file).
    pub fn needs_note(self) -> bool {
        matches!(
            self,
            Action::Postpone | Action::Forward | Action::Archive | Action::Reject | Action::Reopen
        )
    }

    /// Actions a user may pick from the UI (FollowUpGiven happens through approval).
    pub fn is_manual(self) -> bool {
        !matches!(self, Action::FollowUpGiven)
    }

    /// Which permission the action requires.
    pub fn permission(self) -> Permission {
        match self {
            Action::FollowUpGiven => Permission::ApproveFollowUp,
            // Closing or reopening a case is the head's call in most offices,
            // but the clerk records it: keep it a clerk-level transition.
            _ => Permission::TransitionComplaint,
        }
    }
}

/// A refused transition, with what was attempted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action:?} a complaint in state {from:?}")]
pub struct IllegalTransition {
    pub from: Status,
    pub action: Action,
}

/// The transition table. `None` means the action is not allowed from `from`.
pub fn next(from: Status, action: Action) -> Option<Status> {
    use Action as A;
    use Status as S;
    Some(match (from, action) {
        (S::Received, A::Verify) => S::Verified,
        (S::Received | S::Verified, A::Postpone) => S::Postponed,
        (S::Postponed, A::Resume) => S::Received,
        (S::Received | S::Verified | S::Routed | S::Postponed, A::Forward) => S::Forwarded,
        (S::Received | S::Verified | S::Postponed, A::Archive) => S::Archived,
        (S::Received | S::Postponed, A::Reject) => S::Rejected,
        (S::Verified, A::Route) => S::Routed,
        (S::Routed, A::StartFollowUp) => S::InFollowUp,
        (S::Routed | S::InFollowUp, A::FollowUpGiven) => S::WaitingReporter,
        (S::WaitingReporter, A::ReporterReplied) => S::InFollowUp,
        (S::InFollowUp | S::WaitingReporter, A::Finish) => S::Finished,
        (S::Finished, A::Reopen) => S::InFollowUp,
        _ => return None,
    })
}

/// Apply an action, refusing illegal ones with a typed error.
pub fn apply(from: Status, action: Action) -> Result<Status, IllegalTransition> {
    next(from, action).ok_or(IllegalTransition { from, action })
}

/// The manual actions offered from a state, for the UI's buttons.
pub fn available_actions(from: Status) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| a.is_manual() && next(from, *a).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_path_reaches_finished() {
        let mut s = Status::Received;
        for a in [
            Action::Verify,
            Action::Route,
            Action::StartFollowUp,
            Action::FollowUpGiven,
            Action::Finish,
        ] {
            s = apply(s, a).unwrap();
        }
        assert_eq!(s, Status::Finished);
        assert!(!s.is_open());
    }

    #[test]
    fn illegal_transitions_are_refused() {
        assert_eq!(
            apply(Status::Received, Action::Finish),
            Err(IllegalTransition {
                from: Status::Received,
                action: Action::Finish
            })
        );
        assert!(apply(Status::Archived, Action::Verify).is_err());
        assert!(apply(Status::Finished, Action::Verify).is_err());
    }

    #[test]
    fn closed_states_only_reopen_from_finished() {
        for s in Status::ALL.into_iter().filter(|s| !s.is_open()) {
            let acts = available_actions(s);
            if s == Status::Finished {
                assert_eq!(acts, vec![Action::Reopen]);
            } else {
                assert!(acts.is_empty(), "{s:?} offers {acts:?}");
            }
        }
    }

    #[test]
    fn every_open_state_has_a_way_forward() {
        for s in Status::ALL.into_iter().filter(|s| s.is_open()) {
            assert!(!available_actions(s).is_empty(), "{s:?} is a dead end");
        }
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        for a in Action::ALL {
            assert_eq!(Action::from_code(a.code()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.code());
        }
    }
}
