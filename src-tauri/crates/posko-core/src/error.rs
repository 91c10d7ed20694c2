//! The core's one error type. Every variant has a stable `code()` that the UI,
//! the CLI's `--json` output and tests match on; the human sentence comes from
//! the translation catalogs (`messages/*.json`), never from `Display`.

use posko_domain::instrument::{AnswerProblem, InstrumentError};
use posko_domain::role::Permission;
use posko_domain::validation::FieldError;
use posko_domain::workflow::IllegalTransition;
use serde::Serialize;
use ts_rs::TS;

use crate::i18n::{Lang, t, t_with};

#[derive(Debug, Clone, thiserror::Error)]
pub enum CoreError {
    #[error("validation failed: {errors:?}")]
    Validation { errors: Vec<FieldError> },
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("permission denied: {permission:?}")]
    Forbidden { permission: Permission },
    #[error("not signed in")]
    NotSignedIn,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("account locked for {seconds} s")]
    AccountLocked { seconds: u64 },
    #[error("the OS keychain cannot be reached: {detail}")]
    KeychainUnavailable { detail: String },
    #[error("the store key is missing from the keychain")]
    KeyMissing,
    #[error("the store file is locked by another program")]
    StoreLocked,
    #[error("the store cannot be read (wrong key or damaged file): {detail}")]
    StoreUnreadable { detail: String },
    #[error("the store was written by a newer Posko (schema {found}, this build knows {known})")]
    StoreTooNew { found: i64, known: i64 },
    #[error("the store is not set up yet")]
    NotInitialized,
    #[error("the store is already set up")]
    AlreadyInitialized,
    #[error("the record was changed by someone else")]
    Conflict,
    #[error("invalid file at line {line}: {detail}")]
    InvalidFile { line: usize, detail: String },
    #[error("file system error: {detail}")]
    Io { detail: String },
    #[error("database error: {detail}")]
    Database { detail: String },
    #[error("malformed request: {detail}")]
    BadRequest { detail: String },
    #[error("the national service (SP4N-LAPOR!) is not configured")]
    SyncNotConfigured,
    #[error("the national service credentials are not in the keychain")]
    SyncCredentialsMissing,
    #[error("not possible while the sync item is {state}")]
    SyncItemState { state: String },
    #[error("invalid instrument: {error}")]
    InvalidInstrument { error: InstrumentError },
    #[error("answer to {item} does not fit: {problem:?}")]
    InvalidAnswer {
        item: String,
        problem: AnswerProblem,
    },
    #[error("the visit is finished and locked")]
    VisitLocked,
    #[error("the visit cannot be finished: {missing:?} unanswered")]
    VisitIncomplete { missing: Vec<String> },
    #[error("not a Posko report: {detail}")]
    NotAReport { detail: String },
    #[error("the backup cannot be restored: {detail}")]
    BackupInvalid { detail: String },
    #[error("the recovery key is incomplete or mistyped")]
    RecoveryKeyInvalid,
    #[error("the recovery key does not belong to this store")]
    RecoveryKeyWrong,
    #[error("this store has no recovery key")]
    RecoveryNotConfigured,
    #[error("wrong passphrase")]
    PassphraseWrong,
    #[error("the export file is damaged or incomplete: {detail}")]
    ExportDamaged { detail: String },
    #[error("a store with data already exists here")]
    StoreExists,
    /// No import to undo: none yet, the last one recorded nothing, or it was undone.
    #[error("no import to undo")]
    ImportUndoNothing,
    /// Complaints of the last import changed since: nothing was removed.
    #[error("{touched} of {total} imported complaints changed since the import")]
    ImportUndoTouched { touched: u32, total: u32 },
    /// Register numbers issued after the last import's: removing its numbers
    /// would leave a hole in the register. Nothing was removed.
    #[error("{later} register number(s) issued after the import")]
    ImportUndoNumbersUsed { later: u32 },
    /// A complaint import file with problems: nothing was stored.
    #[error("import refused: {} problem(s)", errors.len())]
    ImportInvalid {
        errors: Vec<posko_domain::import::RowError>,
    },
    /// An export stopped by the user: no file was written.
    #[error("export cancelled")]
    Cancelled,
}

pub type CoreResult<T> = Result<T, CoreError>;

impl CoreError {
    /// Stable machine-readable code. Never rename one: the UI and outside checks match on it.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Validation { .. } => "VALIDATION",
            CoreError::NotFound { .. } => "NOT_FOUND",
            CoreError::IllegalTransition(_) => "ILLEGAL_TRANSITION",
            CoreError::Forbidden { .. } => "FORBIDDEN",
            CoreError::NotSignedIn => "NOT_SIGNED_IN",
            CoreError::BadCredentials => "BAD_CREDENTIALS",
            CoreError::AccountLocked { .. } => "ACCOUNT_LOCKED",
            CoreError::KeychainUnavailable { .. } => "KEYCHAIN_UNAVAILABLE",
            CoreError::KeyMissing => "KEY_MISSING",
            CoreError::StoreLocked => "STORE_LOCKED",
            CoreError::StoreUnreadable { .. } => "STORE_UNREADABLE",
            CoreError::StoreTooNew { .. } => "STORE_TOO_NEW",
            CoreError::NotInitialized => "NOT_INITIALIZED",
            CoreError::SyncNotConfigured => "SYNC_NOT_CONFIGURED",
            CoreError::SyncCredentialsMissing => "SYNC_CREDENTIALS_MISSING",
            CoreError::SyncItemState { .. } => "SYNC_ITEM_STATE",
            CoreError::AlreadyInitialized => "ALREADY_INITIALIZED",
            CoreError::Conflict => "CONFLICT",
            CoreError::InvalidFile { .. } => "INVALID_FILE",
            CoreError::Io { .. } => "IO",
            CoreError::Database { .. } => "DATABASE",
            CoreError::BadRequest { .. } => "BAD_REQUEST",
            CoreError::InvalidInstrument { .. } => "INVALID_INSTRUMENT",
            CoreError::InvalidAnswer { .. } => "INVALID_ANSWER",
            CoreError::VisitLocked => "VISIT_LOCKED",
            CoreError::VisitIncomplete { .. } => "VISIT_INCOMPLETE",
            CoreError::NotAReport { .. } => "NOT_A_REPORT",
            CoreError::BackupInvalid { .. } => "BACKUP_INVALID",
            CoreError::RecoveryKeyInvalid => "RECOVERY_KEY_INVALID",
            CoreError::RecoveryKeyWrong => "RECOVERY_KEY_WRONG",
            CoreError::RecoveryNotConfigured => "RECOVERY_NOT_CONFIGURED",
            CoreError::PassphraseWrong => "PASSPHRASE_WRONG",
            CoreError::ExportDamaged { .. } => "EXPORT_DAMAGED",
            CoreError::Cancelled => "CANCELLED",
            CoreError::StoreExists => "STORE_EXISTS",
            CoreError::ImportInvalid { .. } => "IMPORT_INVALID",
            CoreError::ImportUndoNothing => "IMPORT_UNDO_NOTHING",
            CoreError::ImportUndoTouched { .. } => "IMPORT_UNDO_TOUCHED",
            CoreError::ImportUndoNumbersUsed { .. } => "IMPORT_UNDO_NUMBERS_USED",
        }
    }

    /// The sentence a user reads, in their language.
    pub fn message(&self, lang: Lang) -> String {
        let key = format!("error.{}", self.code());
        match self {
            CoreError::Validation { errors } => {
                let first = errors
                    .first()
                    .map(|e| field_message(e, lang))
                    .unwrap_or_default();
                t_with(
                    lang,
                    &key,
                    &[("count", &errors.len().to_string()), ("first", &first)],
                )
            }
            CoreError::NotFound { entity, id } => t_with(
                lang,
                &key,
                &[
                    ("entity", &t(lang, &format!("entity.{entity}"))),
                    ("id", id),
                ],
            ),
            CoreError::IllegalTransition(e) => t_with(
                lang,
                &key,
                &[
                    ("action", &t(lang, &format!("action.{}", e.action.code()))),
                    ("status", &t(lang, &format!("status.{}", e.from.code()))),
                ],
            ),
            CoreError::Forbidden { permission } => {
                let p = serde_json::to_value(permission)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                t_with(
                    lang,
                    &key,
                    &[("permission", &t(lang, &format!("permission.{p}")))],
                )
            }
            CoreError::SyncItemState { state } => t_with(
                lang,
                &key,
                &[("state", &t(lang, &format!("sync_state.{state}")))],
            ),
            CoreError::AccountLocked { seconds } => {
                t_with(lang, &key, &[("seconds", &seconds.to_string())])
            }
            CoreError::KeychainUnavailable { detail }
            | CoreError::StoreUnreadable { detail }
            | CoreError::Io { detail }
            | CoreError::Database { detail }
            | CoreError::BackupInvalid { detail }
            | CoreError::ExportDamaged { detail }
            | CoreError::BadRequest { detail } => t_with(lang, &key, &[("detail", detail)]),
            CoreError::StoreTooNew { found, known } => t_with(
                lang,
                &key,
                &[("found", &found.to_string()), ("known", &known.to_string())],
            ),
            CoreError::InvalidInstrument { error } => {
                let args = error.args();
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let reason = t_with(lang, &format!("instrument_error.{}", error.code()), &args);
                t_with(lang, &key, &[("reason", &reason)])
            }
            CoreError::InvalidAnswer { item, problem } => {
                let p = serde_json::to_value(problem)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                t_with(
                    lang,
                    &key,
                    &[
                        ("item", item),
                        ("problem", &t(lang, &format!("answer_problem.{p}"))),
                    ],
                )
            }
            CoreError::VisitIncomplete { missing } => {
                let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
                t_with(
                    lang,
                    &key,
                    &[
                        ("count", &missing.len().to_string()),
                        ("items", &shown.join(", ")),
                    ],
                )
            }
            CoreError::NotAReport { detail } => t_with(lang, &key, &[("detail", detail)]),
            CoreError::ImportInvalid { errors } => {
                let views = crate::import::problem_views(&errors[..errors.len().min(1)], lang);
                let first = views.first().map(|v| v.message.as_str()).unwrap_or("");
                t_with(
                    lang,
                    &key,
                    &[("count", &errors.len().to_string()), ("first", first)],
                )
            }
            CoreError::ImportUndoTouched { touched, total } => t_with(
                lang,
                &key,
                &[
                    ("touched", &touched.to_string()),
                    ("total", &total.to_string()),
                ],
            ),
            CoreError::ImportUndoNumbersUsed { later } => {
                t_with(lang, &key, &[("later", &later.to_string())])
            }
            CoreError::InvalidFile { line, detail } => t_with(
                lang,
                &key,
                &[("line", &line.to_string()), ("detail", detail)],
            ),
            _ => t(lang, &key),
        }
    }

    /// The serialisable form that crosses IPC and the CLI's `--json` output.
    pub fn payload(&self, lang: Lang) -> ErrorPayload {
        let fields = match self {
            CoreError::Validation { errors } => errors
                .iter()
                .map(|e| FieldMessage {
                    field: e.field.clone(),
                    code: e.code.code().to_owned(),
                    message: field_message(e, lang),
                })
                .collect(),
            // One entry per problem; `field` is `ROW:COLUMN` (`3:nik`), or
            // the row alone for a problem of the whole row or file.
            CoreError::ImportInvalid { errors } => errors
                .iter()
                .zip(crate::import::problem_views(errors, lang))
                .map(|(e, v)| FieldMessage {
                    field: match e.column {
                        Some(c) => format!("{}:{}", e.row, c.code()),
                        None => e.row.to_string(),
                    },
                    code: v.code,
                    message: v.message,
                })
                .collect(),
            _ => Vec::new(),
        };
        ErrorPayload {
            code: self.code().to_owned(),
            message: self.message(lang),
            fields,
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        CoreError::Validation { errors }
    }

    pub fn io(e: impl std::fmt::Display) -> Self {
        CoreError::Io {
            detail: e.to_string(),
        }
    }
}

/// One field's problem as a sentence ("Judul wajib diisi.").
pub fn field_message(e: &FieldError, lang: Lang) -> String {
    let label = t(lang, &format!("field.{}", e.field));
    let limit = e.limit.map(|l| l.to_string()).unwrap_or_default();
    t_with(
        lang,
        &format!("field_error.{}", e.code.code()),
        &[("field", &label), ("limit", &limit)],
    )
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FieldMessage {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// What a failed command returns over IPC: `{code, message, fields}`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldMessage>,
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => CoreError::StoreLocked,
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                CoreError::StoreUnreadable {
                    detail: e.to_string(),
                }
            }
            _ => CoreError::Database {
                detail: e.to_string(),
            },
        }
    }
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::io(e)
    }
}
