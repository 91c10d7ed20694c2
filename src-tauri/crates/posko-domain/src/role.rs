//! Local roles and what each may do. Enforced in posko-core for every command,
//! not only hidden in the UI.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Intake and follow-up drafting.
    Petugas,
    /// Head of office: approves follow-ups, signs reports.
    Kepala,
    /// Users, settings, national-service credentials.
    Admin,
    /// Field monitor: visits and reports.
    Pemantau,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ViewRegister,
    CreateComplaint,
    EditComplaint,
    TransitionComplaint,
    DraftFollowUp,
    ApproveFollowUp,
    ViewIdentity,
    ViewSecret,
    EditSettings,
    ManageUsers,
    RunReports,
    /// Resolve sync problems: retry, skip, record a manual send (assisted mode).
    OperateSync,
    /// Read, export and verify the audit log.
    ViewAudit,
    /// The store as a whole: backups and restore, export and import, the
    /// recovery key and key rotation.
    ManageStore,
    /// A person's requests about their own data: export everything held
    /// about them, erase their identity from closed complaints (UU 27/2022).
    DataSubject,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Petugas, Role::Kepala, Role::Admin, Role::Pemantau];

    pub fn code(self) -> &'static str {
        match self {
            Role::Petugas => "petugas",
            Role::Kepala => "kepala",
            Role::Admin => "admin",
            Role::Pemantau => "pemantau",
        }
    }

    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The permission matrix. Kept as one match so it reads as a table.
    pub fn can(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Petugas => matches!(
                p,
                ViewRegister
                    | CreateComplaint
                    | EditComplaint
                    | TransitionComplaint
                    | DraftFollowUp
                    | ViewIdentity
                    | ViewSecret
                    | OperateSync
            ),
            Role::Kepala => !matches!(p, ManageUsers | ViewAudit | ManageStore | DataSubject),
            Role::Admin => true,
            // Monitors read aggregated data; identities and secret reports stay hidden.
            Role::Pemantau => matches!(p, ViewRegister | RunReports),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_heads_and_admins_approve() {
        assert!(!Role::Petugas.can(Permission::ApproveFollowUp));
        assert!(Role::Kepala.can(Permission::ApproveFollowUp));
        assert!(Role::Admin.can(Permission::ApproveFollowUp));
        assert!(!Role::Pemantau.can(Permission::ApproveFollowUp));
        assert!(!Role::Pemantau.can(Permission::ViewIdentity));
        assert!(!Role::Kepala.can(Permission::ManageUsers));
    }

    #[test]
    fn only_admins_read_the_audit_log_and_manage_the_store() {
        for role in Role::ALL {
            let admin = role == Role::Admin;
            assert_eq!(role.can(Permission::ViewAudit), admin, "{role:?}");
            assert_eq!(role.can(Permission::ManageStore), admin, "{role:?}");
            assert_eq!(role.can(Permission::DataSubject), admin, "{role:?}");
        }
    }
}
