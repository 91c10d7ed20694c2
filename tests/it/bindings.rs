//! TypeScript types for IPC are generated from Rust, never hand-copied.
//! This test writes ui/src/lib/bindings.ts and fails if the committed file
//! was stale (run `cargo test --test it bindings` and commit the result).

use posko_core::app::SetupState;
use posko_core::error::{ErrorPayload, FieldMessage};
use posko_core::i18n::Lang;
use posko_core::model::*;
use posko_core::sync::{self, operator as op};
use posko_core::{audit, security};
use posko_core::{monev as mv, visits as vi};
use posko_domain::calendar::{CalendarSettings, Holiday, HolidayKind, WorkWeek};
use posko_domain::deadline::DeadlineStep;
use posko_domain::role::{Permission, Role};
use posko_domain::validation::{FieldError, FieldErrorCode};
use posko_domain::{Action, Channel, Kind, OfficeZone, Status};
use posko_domain::{instrument as di, monev as dm};
use ts_rs::{Config, TS};

macro_rules! decls {
    ($cfg:expr; $($t:ty),* $(,)?) => {
        vec![$(<$t as TS>::decl($cfg)),*]
    };
}

fn generate() -> String {
    // Ids and counts fit in a JavaScript number; bigint would make every id awkward.
    let cfg = Config::new().with_large_int("number");
    let cfg = &cfg;
    let mut decls: Vec<String> = decls![cfg;
        Actor, ReporterInput, ComplaintInput, Created, ComplaintRow, TextPart, RegisterPage, SortOrder, ComplaintFilter, Page<()>,
        Reporter, DeadlineView, EventView, FollowUpState, FollowUpView, AttachmentMeta, ComplaintDetail,
        TransitionInput, FollowUpInput, FollowUpDecision, AttachmentInput, AttachmentData, DuplicateReason,
        DuplicateHint, StatusCount, FollowUpQueueItem, TodaySummary, Topic, TopicInput, ReplyTemplate,
        OfficeSettings, HolidayImportReport, HolidayList, SetupInput, UserView, UserInput, SignInInput, FormDraft,
        DeadlineQuery, DeadlineAnswer, Vocabulary, IdInput, DetailQuery, DraftKey, DraftInput, HolidayEdit,
        TextInput, CodeInput, SetupState, ErrorPayload, FieldMessage, Lang, Holiday, HolidayKind, WorkWeek,
        CalendarSettings, DeadlineStep, Role, Permission, FieldError, FieldErrorCode, Kind, Channel, Status,
        Action, OfficeZone, posko_app::AppStatus, posko_app::SyncOverview, posko_app::LaporSettingsView,
        posko_app::LaporCredentialsInput, posko_app::SyncJobView, sync::SyncStatus, sync::OutboxView,
        sync::OutboxCounts, sync::SyncSummary, sync::StopReason, sync::plan::OutboxOp, sync::plan::OutboxState,
        sync::LaporSettings, sync::LaporMapping, op::AttemptView, op::OutboxActionInput, op::ManualSendInput,
        op::RemoteStatusInput, op::PreviewItem, op::SyncPreview, op::ManualForm, op::ConnectionCheck, op::UnknownResolution, sync::pull::SyncConflictView, sync::pull::ConflictKind, sync::pull::Keep,
        sync::pull::ResolveConflictInput, sync::pull::RemoteFollowUpView, sync::pull::RemoteInstitutionView,
        sync::pull::RemoteAttachmentView, mv::MonevQuery, mv::MonevIndicators, mv::TeamDecree,
        mv::TeamDecreeInput, mv::ActionItemInput, mv::ActionItemView, mv::ActionPlanQuery, mv::UnitGovernance,
        mv::RoleActivity, mv::StaffActivity, mv::TopicLabel, mv::DrilldownInput, mv::Drilldown,
        mv::ReportTemplateView, mv::ReportTemplateInput, vi::InstrumentInfo, vi::InstrumentRef,
        vi::InstrumentImport, vi::UnitInput, vi::UnitView, vi::Signatory, vi::AnswerInput, vi::PlanItem,
        vi::VisitInput, vi::VisitCorrection, vi::VisitState, vi::VisitPhotoMeta, vi::CorrectionView,
        vi::VisitView, vi::VisitRow, vi::VisitFilter, vi::VisitPhotoInput, vi::VisitPhotoData,
        vi::RankingQuery, vi::Ranking, dm::Period, dm::Cell, dm::Count, dm::DurationStats,
        dm::DeadlineCompliance, dm::ComplaintIndicators, dm::UnitStatusCounts, di::AnswerType, di::ChoiceOption, di::Item,
        di::Section, di::Zone, di::ScoringMethod, di::Scoring, di::Instrument, di::Answer,
        di::SectionScore, di::VisitScore, di::RankedUnit,
        audit::AuditAction, audit::AuditEntry, audit::AuditFilter, audit::AuditFormat, audit::AuditExportInput, audit::AuditExport, audit::AuditBreak, audit::AuditVerify, security::SecuritySettings,
        posko_core::backup::BackupKind, posko_core::backup::BackupInfo, posko_core::backup::BackupName, posko_core::backup::RestoreReport,
        posko_core::backup::BackupCheck, posko_core::subject::SubjectQuery, posko_core::subject::SubjectCase, posko_core::subject::SubjectLookup, posko_core::subject::SubjectFormat, posko_core::subject::SubjectExportInput, posko_core::subject::SubjectExported, posko_core::subject::SubjectEraseInput, posko_core::subject::ErasureReport, posko_core::recovery::RecoverySheetSaved,
        posko_core::reports::MonevReportInput, posko_core::reports::VisitReportInput, posko_core::reports::ComplaintSheetInput, posko_core::reports::ReportFile, posko_core::reports::ReportPdf, posko_core::reports::ReportRef,
        posko_core::recovery::RecoveryKey, posko_core::recovery::RecoveryStatus, posko_core::recovery::RotationReport, posko_core::recovery::RecoveryInput,
        posko_core::import::FileFormat, posko_core::import::ImportMode, posko_core::import::ImportProblemView,
        posko_core::import::ImportItem, posko_core::import::ImportReport, posko_app::RegisterExportInput, posko_app::TemplateInput,
        posko_core::import::MappedColumn, posko_core::import::ImportField, posko_domain::import::Column, posko_domain::import::MatchKind,
        posko_domain::import::FieldMapping, posko_app::ImportMappingInput, posko_core::import::ImportBatchView, posko_core::import::LastImport,
        posko_core::import::ImportUndoReport, posko_core::import::RegisterCounter,
        posko_app::display::TextScale, posko_app::MonevExportInput, posko_app::VisitsExportInput, posko_core::export::ExportProgress, posko_core::export::VisitExportQuery,
    ];
    decls.push(posko_app::ts_command_map(cfg));
    decls.sort();
    let mut out = String::from(
        "// GENERATED by tests/it/bindings.rs from the Rust types. Do not edit by hand.\n\n",
    );
    for d in decls {
        let d = d.trim();
        if !d.starts_with("export ") {
            out.push_str("export ");
        }
        out.push_str(d);
        out.push_str("\n\n");
    }
    out.trim_end().to_owned() + "\n"
}

#[test]
fn typescript_bindings_are_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
    let fresh = generate();
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if old != fresh {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        panic!("ui/src/lib/bindings.ts was stale and has been regenerated; commit it");
    }
}
