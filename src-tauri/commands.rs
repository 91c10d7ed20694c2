//! IPC commands. Each one only parses its input, calls one posko-core method
//! and maps the error to `{code, message, fields}` in the user's language.
//! Every command takes at most one argument, `input`, so the TypeScript side
//! (ui/src/lib/ipc.ts) is uniform: `invoke(name, { input })`.

use posko_core::error::{ErrorPayload, FieldMessage, field_message};
use posko_core::model::*;
use posko_core::{Actor, CoreError, CoreResult, Lang, Posko, SetupState};
use posko_domain::calendar::Holiday;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tauri::State;
use ts_rs::TS;

use crate::display::TextScale;
use crate::state::Shared;
use crate::sync_job::{SyncJobView, SyncJobs};
use posko_core::audit::{AuditEntry, AuditExport, AuditExportInput, AuditFilter, AuditVerify};
use posko_core::backup::{BackupCheck, BackupInfo, BackupName, RestoreReport};
use posko_core::export::{ExportControl, ExportProgress, VisitExportQuery, export_to_path};
use posko_core::import::ExportFile;
use posko_core::import::{
    FileFormat, ImportMapping, ImportMode, ImportReport, ImportUndoReport, LastImport,
};
use posko_core::keychain::OsKeychain;
use posko_core::monev::{
    ActionItemInput, ActionItemView, ActionPlanQuery, Drilldown, DrilldownInput, MonevIndicators,
    MonevQuery, ReportTemplateInput, ReportTemplateView, TeamDecreeInput, UnitGovernance,
};
use posko_core::recovery::{
    RecoveryInput, RecoveryKey, RecoverySheetSaved, RecoveryStatus, RotationReport,
};
use posko_core::reports::{
    ComplaintSheetInput, MonevReportInput, ReportPdf, ReportRef, VisitReportInput,
};
use posko_core::security::SecuritySettings;
use posko_core::subject::{
    ErasureReport, SubjectEraseInput, SubjectExportInput, SubjectExported, SubjectLookup,
    SubjectQuery,
};
use posko_core::sync::operator::{
    AttemptView, ConnectionCheck, ManualForm, ManualSendInput, OutboxActionInput,
    RemoteStatusInput, SyncPreview, UnknownResolution,
};
use posko_core::sync::pull::{RemoteFollowUpView, ResolveConflictInput, SyncConflictView};
use posko_core::sync::{LaporSettings, SyncStatus};
use posko_core::visits::{
    InstrumentImport, InstrumentInfo, InstrumentRef, Ranking, RankingQuery, UnitInput, UnitView,
    VisitCorrection, VisitFilter, VisitInput, VisitPhotoData, VisitPhotoInput, VisitPhotoMeta,
    VisitRow, VisitView,
};
use posko_domain::role::Permission;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::ipc::Channel;

type Res<T> = Result<T, ErrorPayload>;

/// What the UI needs on start: can the store be used, is setup needed, who is signed in.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppStatus {
    pub store_ready: bool,
    pub error: Option<ErrorPayload>,
    pub setup: Option<SetupState>,
    pub user: Option<Actor>,
    pub lang: Lang,
    pub store_dir: String,
    pub version: String,
}

fn parse<T: DeserializeOwned>(v: Value) -> CoreResult<T> {
    serde_json::from_value(v).map_err(|e| CoreError::BadRequest {
        detail: e.to_string(),
    })
}

/// Run `f` on the blocking pool (never the UI thread) and map its error.
async fn blocking<T: Send + 'static>(
    s: &Shared,
    f: impl FnOnce(&Shared) -> CoreResult<T> + Send + 'static,
) -> Res<T> {
    let s2 = s.clone();
    let lang = s.lang();
    tauri::async_runtime::spawn_blocking(move || {
        let r = f(&s2);
        crate::memory::after_work();
        r
    })
    .await
    .map_err(|e| {
        CoreError::Io {
            detail: e.to_string(),
        }
        .payload(lang)
    })?
    .map_err(|e| e.payload(lang))
}

/// Run `f` with the open store, whether or not someone is signed in.
async fn with_store<T: Send + 'static>(
    s: &Shared,
    f: impl FnOnce(&mut Posko) -> CoreResult<T> + Send + 'static,
) -> Res<T> {
    blocking(s, move |s| {
        let mut g = s.store();
        let p = g.as_mut().map_err(|e| e.clone())?;
        f(p)
    })
    .await
}

/// Run `f` as the signed-in user; permissions are checked by the core.
async fn as_user<T: Send + 'static>(
    s: &Shared,
    f: impl FnOnce(&mut Posko, &Actor) -> CoreResult<T> + Send + 'static,
) -> Res<T> {
    blocking(s, move |s| {
        let actor = s.session().ok_or(CoreError::NotSignedIn)?;
        let mut g = s.store();
        let p = g.as_mut().map_err(|e| e.clone())?;
        f(p, &actor)
    })
    .await
}

fn status_of(s: &Shared) -> AppStatus {
    let lang = s.lang();
    let g = s.store();
    let (store_ready, error, setup) = match &*g {
        Ok(p) => (true, None, p.setup_state().ok()),
        Err(e) => (false, Some(e.payload(lang)), None),
    };
    AppStatus {
        store_ready,
        error,
        setup,
        user: s.session(),
        lang,
        store_dir: s.0.dir.display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

#[tauri::command]
async fn app_status(s: State<'_, Shared>) -> Res<AppStatus> {
    blocking(&s, |s| Ok(status_of(s))).await
}

#[tauri::command]
async fn retry_open(s: State<'_, Shared>) -> Res<AppStatus> {
    blocking(&s, |s| {
        s.retry_open();
        Ok(status_of(s))
    })
    .await
}

#[tauri::command]
async fn set_lang(s: State<'_, Shared>, input: Value) -> Res<Lang> {
    blocking(&s, move |s| {
        let l: Lang = parse(input)?;
        s.set_lang(l);
        Ok(l)
    })
    .await
}

/// The text size kept on this machine (display.json in the data directory).
#[tauri::command]
async fn text_scale(s: State<'_, Shared>) -> Res<TextScale> {
    blocking(&s, |s| Ok(crate::display::load(&s.0.dir))).await
}

/// Zoom the page to the chosen text size and keep it for the next start.
#[tauri::command]
async fn set_text_scale(
    window: tauri::WebviewWindow,
    s: State<'_, Shared>,
    input: Value,
) -> Res<TextScale> {
    blocking(&s, move |s| {
        let scale: TextScale = parse(input)?;
        crate::display::apply(&window, scale);
        crate::display::save(&s.0.dir, scale).map_err(|e| CoreError::Io {
            detail: e.to_string(),
        })?;
        Ok(scale)
    })
    .await
}

#[tauri::command]
async fn setup(s: State<'_, Shared>, input: Value) -> Res<Actor> {
    let shared = s.inner().clone();
    let actor = with_store(&s, move |p| p.setup(parse(input)?)).await?;
    shared.set_session(Some(actor.clone()));
    Ok(actor)
}

#[tauri::command]
async fn sign_in(s: State<'_, Shared>, input: Value) -> Res<Actor> {
    let shared = s.inner().clone();
    let actor = with_store(&s, move |p| p.sign_in(&parse::<SignInInput>(input)?)).await?;
    shared.set_session(Some(actor.clone()));
    // The day's backup, if the machine was off when it was due, in the
    // background (a big store's copy takes long; a failure must not keep
    // anyone from signing in).
    crate::daily_job::wake();
    crate::warm_job::request_after_sign_in(&shared);
    Ok(actor)
}

#[tauri::command]
async fn sign_out(s: State<'_, Shared>) -> Res<()> {
    s.set_session(None);
    // A picked import file belongs to the one who picked it.
    s.pending_import().take();
    Ok(())
}

#[tauri::command]
async fn vocabulary(s: State<'_, Shared>) -> Res<Vocabulary> {
    with_store(&s, |p| Ok(p.vocabulary())).await
}

#[tauri::command]
async fn today(s: State<'_, Shared>) -> Res<TodaySummary> {
    as_user(&s, |p, a| p.today_summary(a)).await
}

#[tauri::command]
async fn list_complaints(s: State<'_, Shared>, input: Value) -> Res<RegisterPage> {
    as_user(&s, move |p, a| p.list_complaints(a, &parse(input)?)).await
}

#[tauri::command]
async fn complaint_detail(s: State<'_, Shared>, input: Value) -> Res<ComplaintDetail> {
    as_user(&s, move |p, a| {
        let q: DetailQuery = parse(input)?;
        p.complaint_detail(a, q.id, q.reveal)
    })
    .await
}

#[tauri::command]
async fn validate_complaint(s: State<'_, Shared>, input: Value) -> Res<Vec<FieldMessage>> {
    let lang = s.lang();
    as_user(&s, move |p, _| {
        Ok(p.validate_complaint(parse(input)?)
            .iter()
            .map(|e| FieldMessage {
                field: e.field.clone(),
                code: e.code.code().to_owned(),
                message: field_message(e, lang),
            })
            .collect())
    })
    .await
}

#[tauri::command]
async fn duplicate_hints(s: State<'_, Shared>, input: Value) -> Res<Vec<DuplicateHint>> {
    as_user(&s, move |p, a| p.duplicate_hints(a, &parse(input)?)).await
}

#[tauri::command]
async fn create_complaint(s: State<'_, Shared>, input: Value) -> Res<Created> {
    as_user(&s, move |p, a| p.create_complaint(a, parse(input)?)).await
}

#[tauri::command]
async fn transition(s: State<'_, Shared>, input: Value) -> Res<posko_domain::Status> {
    as_user(&s, move |p, a| p.transition(a, &parse(input)?)).await
}

#[tauri::command]
async fn add_follow_up(s: State<'_, Shared>, input: Value) -> Res<i64> {
    as_user(&s, move |p, a| p.add_follow_up(a, &parse(input)?)).await
}

#[tauri::command]
async fn decide_follow_up(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| p.decide_follow_up(a, &parse(input)?)).await
}

#[tauri::command]
async fn add_attachment(s: State<'_, Shared>, input: Value) -> Res<i64> {
    as_user(&s, move |p, a| p.add_attachment(a, &parse(input)?)).await
}

#[tauri::command]
async fn get_attachment(s: State<'_, Shared>, input: Value) -> Res<AttachmentData> {
    as_user(&s, move |p, a| p.attachment(a, parse::<IdInput>(input)?.id)).await
}

#[tauri::command]
async fn topics(s: State<'_, Shared>) -> Res<Vec<Topic>> {
    as_user(&s, |p, _| p.topics()).await
}

#[tauri::command]
async fn save_topic(s: State<'_, Shared>, input: Value) -> Res<i64> {
    as_user(&s, move |p, a| p.save_topic(a, &parse(input)?)).await
}

#[tauri::command]
async fn templates(s: State<'_, Shared>) -> Res<Vec<ReplyTemplate>> {
    as_user(&s, |p, _| p.templates()).await
}

#[tauri::command]
async fn save_template(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| p.save_template(a, &parse(input)?)).await
}

#[tauri::command]
async fn delete_template(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.delete_template(a, &parse::<CodeInput>(input)?.code)
    })
    .await
}

#[tauri::command]
async fn holidays(s: State<'_, Shared>) -> Res<Vec<Holiday>> {
    as_user(&s, |p, _| Ok(p.holidays()?.holidays)).await
}

#[tauri::command]
async fn edit_holidays(s: State<'_, Shared>, input: Value) -> Res<HolidayImportReport> {
    let r = as_user(&s, move |p, a| {
        let e: HolidayEdit = parse(input)?;
        p.edit_holidays(a, &e.upsert, &e.delete)
    })
    .await?;
    // The calendar changed: every cached monev count was dropped.
    crate::warm_job::request(&s);
    Ok(r)
}

#[tauri::command]
async fn import_holidays_csv(s: State<'_, Shared>, input: Value) -> Res<HolidayImportReport> {
    let r = as_user(&s, move |p, a| {
        p.import_holidays_csv(a, &parse::<TextInput>(input)?.text)
    })
    .await?;
    crate::warm_job::request(&s);
    Ok(r)
}

#[tauri::command]
async fn office_settings(s: State<'_, Shared>) -> Res<OfficeSettings> {
    as_user(&s, |p, _| p.office_settings()).await
}

#[tauri::command]
async fn update_office_settings(s: State<'_, Shared>, input: Value) -> Res<u32> {
    let shared = s.inner().clone();
    let (n, lang) = as_user(&s, move |p, a| {
        let n = p.update_office_settings(a, parse(input)?)?;
        Ok((n, p.lang()))
    })
    .await?;
    shared.set_lang(lang);
    crate::warm_job::request(&shared);
    Ok(n)
}

#[tauri::command]
async fn save_draft(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        let d: DraftInput = parse(input)?;
        p.save_draft(a, &d.form, &d.payload)
    })
    .await
}

#[tauri::command]
async fn load_draft(s: State<'_, Shared>, input: Value) -> Res<Option<FormDraft>> {
    as_user(&s, move |p, a| {
        p.load_draft(a, &parse::<DraftKey>(input)?.form)
    })
    .await
}

#[tauri::command]
async fn clear_draft(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.clear_draft(a, &parse::<DraftKey>(input)?.form)
    })
    .await
}

#[tauri::command]
async fn list_users(s: State<'_, Shared>) -> Res<Vec<UserView>> {
    as_user(&s, |p, a| p.list_users(a)).await
}

#[tauri::command]
async fn create_user(s: State<'_, Shared>, input: Value) -> Res<i64> {
    as_user(&s, move |p, a| p.create_user(a, &parse(input)?)).await
}

/// The sync page and the header's indicator: the outbox and the background job.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncOverview {
    pub status: SyncStatus,
    pub job: SyncJobView,
}

/// LAPOR! settings for the settings screen; the secrets themselves never
/// travel to the UI, only whether they are in the keychain.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LaporSettingsView {
    pub settings: LaporSettings,
    pub has_credentials: bool,
}

#[derive(Debug, Clone, serde::Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LaporCredentialsInput {
    pub key: String,
    pub token: String,
}

#[tauri::command]
async fn sync_overview(s: State<'_, Shared>) -> Res<SyncOverview> {
    let shared = s.inner().clone();
    as_user(&s, move |p, _| {
        Ok(SyncOverview {
            status: p.sync_status()?,
            job: shared.0.sync.view(),
        })
    })
    .await
}

#[tauri::command]
async fn sync_now(s: State<'_, Shared>) -> Res<SyncJobView> {
    let shared = s.inner().clone();
    let queued = as_user(&s, |p, a| {
        p.authorize_sync(a)?;
        // Refuse early, in words, rather than in a background thread.
        p.lapor_client(&OsKeychain::new())?;
        let c = p.outbox_counts()?;
        Ok(c.pending + c.sending + c.unknown)
    })
    .await?;
    Ok(SyncJobs::start(&shared, false, queued))
}

#[tauri::command]
async fn sync_cancel(s: State<'_, Shared>) -> Res<SyncJobView> {
    let shared = s.inner().clone();
    as_user(&s, move |p, a| {
        p.authorize_sync(a)?;
        shared.0.sync.cancel();
        Ok(shared.0.sync.view())
    })
    .await
}

#[tauri::command]
async fn sync_attempts(s: State<'_, Shared>, input: Value) -> Res<Vec<AttemptView>> {
    as_user(&s, move |p, _| p.sync_attempts(parse::<IdInput>(input)?.id)).await
}

#[tauri::command]
async fn complaint_sync(
    s: State<'_, Shared>,
    input: Value,
) -> Res<Vec<posko_core::sync::OutboxView>> {
    as_user(&s, move |p, a| {
        p.complaint_sync(a, parse::<IdInput>(input)?.id)
    })
    .await
}

#[tauri::command]
async fn sync_conflicts(s: State<'_, Shared>) -> Res<Vec<SyncConflictView>> {
    as_user(&s, |p, a| p.sync_conflicts(a)).await
}

#[tauri::command]
async fn resolve_conflict(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        let r: ResolveConflictInput = parse(input)?;
        p.resolve_conflict(a, r.id, r.keep)
    })
    .await
}

#[tauri::command]
async fn reporter_replies(s: State<'_, Shared>) -> Res<Vec<RemoteFollowUpView>> {
    as_user(&s, |p, a| p.unseen_reporter_replies(a)).await
}

#[tauri::command]
async fn mark_reply_seen(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.mark_remote_follow_up_seen(a, parse::<IdInput>(input)?.id)
    })
    .await
}

#[tauri::command]
async fn sync_retry(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.sync_retry(a, &parse::<OutboxActionInput>(input)?)
    })
    .await
}

#[tauri::command]
async fn sync_resolve_unknown(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.sync_resolve_unknown(a, &parse::<UnknownResolution>(input)?)
    })
    .await
}

#[tauri::command]
async fn sync_skip(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.sync_skip(a, &parse::<OutboxActionInput>(input)?)
    })
    .await
}

#[tauri::command]
async fn sync_record_manual_send(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.sync_record_manual_send(a, &parse::<ManualSendInput>(input)?)
    })
    .await
}

#[tauri::command]
async fn sync_record_remote_status(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.sync_record_remote_status(a, &parse::<RemoteStatusInput>(input)?)
    })
    .await
}

#[tauri::command]
async fn sync_preview(s: State<'_, Shared>) -> Res<SyncPreview> {
    as_user(&s, |p, a| {
        p.authorize_sync(a)?;
        p.sync_preview()
    })
    .await
}

#[tauri::command]
async fn confirm_sync_preview(s: State<'_, Shared>) -> Res<()> {
    as_user(&s, |p, a| p.confirm_sync_preview(a)).await
}

#[tauri::command]
async fn manual_form(s: State<'_, Shared>, input: Value) -> Res<ManualForm> {
    as_user(&s, move |p, a| {
        p.manual_form(a, parse::<IdInput>(input)?.id)
    })
    .await
}

#[tauri::command]
async fn lapor_settings(s: State<'_, Shared>) -> Res<LaporSettingsView> {
    as_user(&s, |p, _| {
        Ok(LaporSettingsView {
            settings: p.lapor_settings()?,
            has_credentials: p.lapor_credentials_present(&OsKeychain::new())?,
        })
    })
    .await
}

#[tauri::command]
async fn save_lapor_settings(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.set_lapor_settings(a, &parse::<LaporSettings>(input)?)
    })
    .await
}

#[tauri::command]
async fn lapor_test_connection(s: State<'_, Shared>) -> Res<ConnectionCheck> {
    as_user(&s, |p, a| {
        let api = p.lapor_client(&OsKeychain::new())?;
        p.lapor_test_connection(a, &api)
    })
    .await
}

#[tauri::command]
async fn set_lapor_credentials(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        let c = parse::<LaporCredentialsInput>(input)?;
        let (key, token) = (
            zeroize::Zeroizing::new(c.key),
            zeroize::Zeroizing::new(c.token),
        );
        p.set_lapor_credentials(a, &OsKeychain::new(), &key, &token)
    })
    .await
}

// Monev: each command is one call into posko-core as the signed-in user.
macro_rules! user_cmd {
    ($name:ident, $method:ident, $input:ty => $output:ty) => {
        #[tauri::command]
        async fn $name(s: State<'_, Shared>, input: Value) -> Res<$output> {
            as_user(&s, move |p, a| p.$method(a, &parse::<$input>(input)?)).await
        }
    };
    ($name:ident, $method:ident => $output:ty) => {
        #[tauri::command]
        async fn $name(s: State<'_, Shared>) -> Res<$output> {
            as_user(&s, |p, a| p.$method(a)).await
        }
    };
}

user_cmd!(monev_indicators, monev_indicators, MonevQuery => MonevIndicators);
user_cmd!(monev_drilldown, monev_drilldown, DrilldownInput => Drilldown);
user_cmd!(save_team_decree, save_team_decree, TeamDecreeInput => UnitGovernance);
user_cmd!(save_action_item, save_action_item, ActionItemInput => ActionItemView);
user_cmd!(delete_action_item, delete_action_item, IdInput => ());
user_cmd!(action_plan, action_plan, ActionPlanQuery => Vec<ActionItemView>);
user_cmd!(report_templates, report_templates => Vec<ReportTemplateView>);
user_cmd!(save_report_template, save_report_template, ReportTemplateInput => ReportTemplateView);
user_cmd!(instruments, instruments => Vec<InstrumentInfo>);
user_cmd!(instrument, instrument, InstrumentRef => posko_domain::instrument::Instrument);
user_cmd!(import_instrument, import_instrument, InstrumentImport => InstrumentInfo);
user_cmd!(units, units => Vec<UnitView>);
user_cmd!(save_unit, save_unit, UnitInput => UnitView);
user_cmd!(save_visit, save_visit, VisitInput => VisitView);
user_cmd!(visit, visit, IdInput => VisitView);
user_cmd!(list_visits, list_visits, VisitFilter => Vec<VisitRow>);
user_cmd!(finish_visit, finish_visit, IdInput => VisitView);
user_cmd!(correct_visit, correct_visit, VisitCorrection => VisitView);
user_cmd!(delete_visit, delete_visit, IdInput => ());
user_cmd!(add_visit_photo, add_visit_photo, VisitPhotoInput => VisitPhotoMeta);
user_cmd!(visit_photo, visit_photo, IdInput => VisitPhotoData);
user_cmd!(delete_visit_photo, delete_visit_photo, IdInput => ());
user_cmd!(unit_ranking, unit_ranking, RankingQuery => Ranking);
// Reports: made, kept in `<store dir>/reports`, bytes back for the preview.
user_cmd!(monev_report, monev_report_pdf, MonevReportInput => ReportPdf);
user_cmd!(visit_report, visit_report_pdf, VisitReportInput => ReportPdf);
user_cmd!(complaint_sheet, complaint_sheet_pdf, ComplaintSheetInput => ReportPdf);

/// Open a kept report in the system's PDF viewer, to print it. The window
/// names a report (file name + document number), never a path, and the shell
/// opens it from Rust: the window holds no opener permission at all.
#[tauri::command]
async fn open_report(s: State<'_, Shared>, input: Value) -> Res<String> {
    as_user(&s, move |p, a| {
        let path = p.open_report(a, &parse::<ReportRef>(input)?, |path| {
            tauri_plugin_opener::open_path(path, None::<&str>).map_err(CoreError::io)
        })?;
        Ok(path.display().to_string())
    })
    .await
}

/// Save a copy of a kept report where the user picks in the native save
/// dialog (shown from Rust: the window holds no dialog or file permission).
/// `None` when the dialog was cancelled. The store is not held while the
/// dialog is open.
#[tauri::command]
async fn save_report_as(
    app: tauri::AppHandle,
    s: State<'_, Shared>,
    input: Value,
) -> Res<Option<String>> {
    let lang = s.lang();
    let r = as_user(&s, move |p, a| {
        let r: ReportRef = parse(input)?;
        p.kept_report(a, &r)?;
        Ok(r)
    })
    .await?;
    let name = r.file_name.clone();
    let Some(dest) = pick_save_path(
        app,
        lang,
        "report.save_title",
        name,
        "report.pdf_filter",
        "pdf",
    )
    .await?
    else {
        return Ok(None);
    };
    as_user(&s, move |p, a| {
        let saved = p.save_report_copy(a, &r, &dest)?;
        Ok(Some(saved.display().to_string()))
    })
    .await
}

/// The native save dialog, shown from Rust (the window holds no dialog or
/// file permission). `None` when cancelled.
async fn pick_save_path(
    app: tauri::AppHandle,
    lang: Lang,
    title_key: &'static str,
    file_name: String,
    filter_key: &'static str,
    ext: &'static str,
) -> Res<Option<std::path::PathBuf>> {
    use tauri_plugin_dialog::DialogExt;
    run_dialog(lang, move || {
        let d = app
            .dialog()
            .file()
            .set_title(posko_core::i18n::t(lang, title_key))
            .set_file_name(file_name)
            .add_filter(posko_core::i18n::t(lang, filter_key), &[ext]);
        placed(&app, d).blocking_save_file()
    })
    .await
}

/// A file dialog opens in the user's Documents (else home), over the main
/// window.
fn placed(
    app: &tauri::AppHandle,
    mut d: tauri_plugin_dialog::FileDialogBuilder<tauri::Wry>,
) -> tauri_plugin_dialog::FileDialogBuilder<tauri::Wry> {
    use tauri::Manager;
    if let Ok(dir) = app.path().document_dir().or_else(|_| app.path().home_dir())
        && dir.is_dir()
    {
        d = d.set_directory(dir);
    }
    if let Some(w) = app.get_webview_window("main") {
        d = d.set_parent(&w);
    }
    d
}

/// Runs a blocking native dialog off the async runtime; the chosen path, or
/// `None` when cancelled.
async fn run_dialog(
    lang: Lang,
    show: impl FnOnce() -> Option<tauri_plugin_dialog::FilePath> + Send + 'static,
) -> Res<Option<std::path::PathBuf>> {
    let picked = tauri::async_runtime::spawn_blocking(show)
        .await
        .map_err(|e| CoreError::io(e).payload(lang))?;
    match picked.map(|f| f.into_path()) {
        None => Ok(None),
        Some(Ok(dest)) => Ok(Some(dest)),
        Some(Err(e)) => Err(CoreError::io(e).payload(lang)),
    }
}

/// The audit log (CSV or JSON) saved where the admin picks (the breach
/// checklist's "export the audit log"). The export is itself recorded.
#[tauri::command]
async fn save_audit_export(
    app: tauri::AppHandle,
    s: State<'_, Shared>,
    input: Value,
) -> Res<Option<String>> {
    let lang = s.lang();
    let i: AuditExportInput = parse(input).map_err(|e| e.payload(lang))?;
    let (name, ext) = match i.format {
        posko_core::audit::AuditFormat::Csv => ("audit.csv", "csv"),
        posko_core::audit::AuditFormat::Json => ("audit.json", "json"),
    };
    // Refused roles never see the dialog.
    as_user(&s, |p, a| p.audit_verify(a).map(|_| ())).await?;
    let Some(dest) = pick_save_path(
        app,
        lang,
        "save.audit_title",
        name.into(),
        "save.filter",
        ext,
    )
    .await?
    else {
        return Ok(None);
    };
    as_user(&s, move |p, a| {
        let e = p.audit_export(a, i.format, &i.filter.unwrap_or_default())?;
        std::fs::write(&dest, e.content.as_bytes())?;
        Ok(Some(dest.display().to_string()))
    })
    .await
}

/// What the register screen sends to export: the list's filters and a format.
#[derive(Debug, Clone, serde::Deserialize, TS)]
pub struct RegisterExportInput {
    #[serde(default)]
    pub filter: ComplaintFilter,
    pub format: FileFormat,
}

/// The import's column mapping as the window shows it: each field's 0-based
/// column; absent (`null`) = the proposal.
#[derive(Debug, Clone, Default, serde::Deserialize, TS)]
pub struct ImportMappingInput {
    #[serde(default)]
    #[ts(optional)]
    pub mapping: Option<Vec<posko_domain::import::FieldMapping>>,
}

/// The import template's format.
#[derive(Debug, Clone, serde::Deserialize, TS)]
pub struct TemplateInput {
    pub format: FileFormat,
}

/// Import, step 1: the native open dialog (from Rust: the window never sees
/// or sends a path), then the file is read, kept in the shell until it is
/// confirmed or another one is picked, and checked: the preview (counts,
/// errors by row, duplicate hints). `None` when cancelled.
#[tauri::command]
async fn import_pick(app: tauri::AppHandle, s: State<'_, Shared>) -> Res<Option<ImportReport>> {
    use tauri_plugin_dialog::DialogExt;
    let lang = s.lang();
    // Refused roles never see the dialog.
    as_user(&s, |_, a| allowed(a, Permission::CreateComplaint)).await?;
    let Some(path) = run_dialog(lang, move || {
        let d = app
            .dialog()
            .file()
            .set_title(posko_core::i18n::t(lang, "import.open_title"))
            .add_filter(
                posko_core::i18n::t(lang, "import.filter"),
                &["csv", "xlsx", "xls", "ods", "txt"],
            );
        placed(&app, d).blocking_pick_file()
    })
    .await?
    else {
        return Ok(None);
    };
    let shared = s.inner().clone();
    as_user(&s, move |p, a| {
        let meta = std::fs::metadata(&path)?;
        if meta.len() > posko_core::import::MAX_FILE_BYTES as u64 {
            return Err(CoreError::ImportInvalid {
                errors: vec![posko_domain::import::RowError {
                    row: 1,
                    column: None,
                    header: String::new(),
                    kind: posko_domain::import::RowErrorKind::File(
                        posko_domain::import::ImportProblem::FileTooLarge,
                    ),
                    limit: Some((posko_core::import::MAX_FILE_BYTES >> 20) as u64),
                }],
            });
        }
        let bytes = std::fs::read(&path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The proposed mapping, shown in the dialog's mapping table: a
        // column no field matched is not imported, and the user sees it.
        let report = p.import_complaints_mapped(
            a,
            &bytes,
            &name,
            ImportMode::Check,
            &ImportMapping::Proposed,
        )?;
        *shared.pending_import() = Some((name, bytes));
        Ok(Some(report))
    })
    .await
}

/// The file picked in step 1 (a copy; it stays until stored or replaced).
fn pending_file(shared: &Shared) -> CoreResult<(String, Vec<u8>)> {
    shared
        .pending_import()
        .clone()
        .ok_or_else(|| CoreError::NotFound {
            entity: "import_file",
            id: String::new(),
        })
}

fn mapping_of(i: ImportMappingInput) -> ImportMapping {
    match i.mapping {
        Some(m) => ImportMapping::Explicit(m),
        None => ImportMapping::Proposed,
    }
}

/// Import, step 1b: the preview again with the mapping the user edited.
#[tauri::command]
async fn import_remap(s: State<'_, Shared>, input: Value) -> Res<ImportReport> {
    let shared = s.inner().clone();
    as_user(&s, move |p, a| {
        let i: ImportMappingInput = parse(input)?;
        let (name, bytes) = pending_file(&shared)?;
        p.import_complaints_mapped(a, &bytes, &name, ImportMode::Check, &mapping_of(i))
    })
    .await
}

/// Import, step 2: store the file picked in step 1 with the mapping shown
/// (all or nothing, one transaction). `NOT_FOUND` when no file waits
/// (stored already, or the app restarted). A refused file stays, so the
/// mapping can be corrected.
#[tauri::command]
async fn import_apply(s: State<'_, Shared>, input: Value) -> Res<ImportReport> {
    let shared = s.inner().clone();
    as_user(&s, move |p, a| {
        let i: ImportMappingInput = parse(input)?;
        let (name, bytes) = pending_file(&shared)?;
        let r = p.import_complaints_mapped(a, &bytes, &name, ImportMode::Apply, &mapping_of(i))?;
        *shared.pending_import() = None;
        Ok(r)
    })
    .await
}

/// The last import that can be undone (file, when, how many), and why an
/// undo would be refused now; `None` when there is nothing to undo.
#[tauri::command]
async fn last_import(s: State<'_, Shared>) -> Res<Option<LastImport>> {
    as_user(&s, move |p, a| p.last_import(a)).await
}

/// "Urungkan impor terakhir": remove what the last import recorded (one
/// transaction), or the typed refusal.
#[tauri::command]
async fn import_undo(s: State<'_, Shared>) -> Res<ImportUndoReport> {
    as_user(&s, move |p, a| p.undo_last_import(a)).await
}

/// The register (the list's filters) saved as CSV or Excel where the user
/// picks; the core records the export in the audit log. Runs as an export
/// job (progress on `on_progress`, `cancel_export` stops it).
#[tauri::command]
async fn save_register_export(
    app: tauri::AppHandle,
    s: State<'_, Shared>,
    input: Value,
    on_progress: Channel<ExportProgress>,
) -> Res<Option<String>> {
    let lang = s.lang();
    let i: RegisterExportInput = parse(input).map_err(|e| e.payload(lang))?;
    let ext = i.format.code();
    let dialog = SaveDialog {
        app,
        permission: Permission::ViewRegister,
        title_key: "save.register_title",
        file_name: format!("register-pengaduan.{ext}"),
        ext,
    };
    save_export(&s, dialog, on_progress, move |p, a, ctl| {
        p.export_register_with(a, &i.filter, i.format, ctl)
    })
    .await
}

/// The import template (header row and one example row) saved where the
/// user picks.
#[tauri::command]
async fn save_import_template(
    app: tauri::AppHandle,
    s: State<'_, Shared>,
    input: Value,
) -> Res<Option<String>> {
    let lang = s.lang();
    let i: TemplateInput = parse(input).map_err(|e| e.payload(lang))?;
    let ext = i.format.code();
    let Some(dest) = pick_save_path(
        app,
        lang,
        "save.template_title",
        format!("templat-impor-pengaduan.{ext}"),
        "save.filter",
        ext,
    )
    .await?
    else {
        return Ok(None);
    };
    as_user(&s, move |p, _| {
        let file = p.import_template(i.format)?;
        std::fs::write(&dest, &file.bytes)?;
        Ok(Some(dest.display().to_string()))
    })
    .await
}

/// Reads nothing from the window but a NIK or phone number.
#[tauri::command]
async fn subject_lookup(s: State<'_, Shared>, input: Value) -> Res<SubjectLookup> {
    as_user(&s, move |p, a| {
        p.subject_lookup(a, &parse::<SubjectQuery>(input)?)
    })
    .await
}

/// Everything held about one person, saved (JSON or PDF) where the admin
/// picks; recorded in the audit log by the core.
#[tauri::command]
async fn subject_export(
    app: tauri::AppHandle,
    s: State<'_, Shared>,
    input: Value,
) -> Res<Option<SubjectExported>> {
    let lang = s.lang();
    let i: SubjectExportInput = parse(input).map_err(|e| e.payload(lang))?;
    let q = i.query.clone();
    let format = i.format;
    // Checked (permission, a valid NIK/phone) before the dialog opens.
    let name = as_user(&s, move |p, a| {
        p.subject_lookup(a, &q)?;
        Ok(p.subject_file_name(format))
    })
    .await?;
    let ext = match format {
        posko_core::subject::SubjectFormat::Json => "json",
        posko_core::subject::SubjectFormat::Pdf => "pdf",
    };
    let Some(dest) =
        pick_save_path(app, lang, "save.subject_title", name, "save.filter", ext).await?
    else {
        return Ok(None);
    };
    as_user(&s, move |p, a| p.export_subject(a, &i, &dest).map(Some)).await
}

#[tauri::command]
async fn erase_subject(s: State<'_, Shared>, input: Value) -> Res<ErasureReport> {
    as_user(&s, move |p, a| {
        p.erase_subject(a, &parse::<SubjectEraseInput>(input)?)
    })
    .await
}

/// A new recovery key, its sheet saved as a PDF where the admin picks (the
/// key's text never reaches the window). Cancelling the dialog changes
/// nothing: the old key keeps working.
#[tauri::command]
async fn save_recovery_sheet(
    app: tauri::AppHandle,
    s: State<'_, Shared>,
) -> Res<Option<RecoverySheetSaved>> {
    let lang = s.lang();
    let name = as_user(&s, |p, a| {
        p.recovery_status(a)?;
        Ok(format!("Kunci-pemulihan-{}.pdf", p.store_id()))
    })
    .await?;
    let Some(dest) =
        pick_save_path(app, lang, "save.recovery_title", name, "save.filter", "pdf").await?
    else {
        return Ok(None);
    };
    as_user(&s, move |p, a| p.save_recovery_sheet(a, &dest).map(Some)).await
}

/// The check a restore makes first, without restoring: for the confirmation.
#[tauri::command]
async fn check_backup(s: State<'_, Shared>, input: Value) -> Res<BackupCheck> {
    as_user(&s, move |p, a| {
        p.check_backup(a, &parse::<BackupName>(input)?.name)
    })
    .await
}

/// Readable before sign-in: the lock screen needs the idle time.
#[tauri::command]
async fn security_settings(s: State<'_, Shared>) -> Res<SecuritySettings> {
    with_store(&s, |p| p.security_settings()).await
}

#[tauri::command]
async fn update_security_settings(s: State<'_, Shared>, input: Value) -> Res<()> {
    as_user(&s, move |p, a| {
        p.update_security_settings(a, &parse(input)?)
    })
    .await
}

#[tauri::command]
async fn audit_log(s: State<'_, Shared>, input: Value) -> Res<Page<AuditEntry>> {
    as_user(&s, move |p, a| p.audit_log(a, &parse(input)?)).await
}

#[tauri::command]
async fn audit_export(s: State<'_, Shared>, input: Value) -> Res<AuditExport> {
    as_user(&s, move |p, a| {
        let i: AuditExportInput = parse(input)?;
        p.audit_export(a, i.format, &i.filter.unwrap_or_default())
    })
    .await
}

#[tauri::command]
async fn audit_verify(s: State<'_, Shared>) -> Res<AuditVerify> {
    as_user(&s, |p, a| p.audit_verify(a)).await
}

#[tauri::command]
async fn backups(s: State<'_, Shared>) -> Res<Vec<BackupInfo>> {
    as_user(&s, |p, a| p.list_backups(a)).await
}

#[tauri::command]
async fn backup_now(s: State<'_, Shared>) -> Res<BackupInfo> {
    as_user(&s, |p, a| p.backup_now(a)).await
}

/// Restore a backup by its name (as listed); the core checks it first and
/// keeps the replaced state as a pre-restore backup.
#[tauri::command]
async fn restore_backup(s: State<'_, Shared>, input: Value) -> Res<RestoreReport> {
    as_user(&s, move |p, a| {
        let path = p.backup_path(&parse::<BackupName>(input)?.name)?;
        p.restore_backup(a, &path)
    })
    .await
}

#[tauri::command]
async fn recovery_status(s: State<'_, Shared>) -> Res<RecoveryStatus> {
    as_user(&s, |p, a| p.recovery_status(a)).await
}

/// The new recovery key, shown once (the UI prints it and forgets it).
#[tauri::command]
async fn create_recovery_key(s: State<'_, Shared>) -> Res<RecoveryKey> {
    as_user(&s, |p, a| p.create_recovery_key(a)).await
}

#[tauri::command]
async fn rotate_key(s: State<'_, Shared>) -> Res<RotationReport> {
    as_user(&s, |p, a| p.rotate_key(a, &OsKeychain::new())).await
}

/// On the "key missing" screen (no one signed in): open the store with the
/// recovery key, which files the store key in this machine's keychain again.
#[tauri::command]
async fn open_with_recovery_key(s: State<'_, Shared>, input: Value) -> Res<AppStatus> {
    blocking(&s, move |s| {
        let i: RecoveryInput = parse(input)?;
        let secret = zeroize::Zeroizing::new(i.recovery_key);
        {
            let mut g = s.store();
            if g.is_err() {
                let p = Posko::open_with_recovery_key(
                    &s.0.dir,
                    &OsKeychain::new(),
                    std::sync::Arc::new(posko_core::clock::SystemClock),
                    &secret,
                )?;
                *g = Ok(p);
            }
        }
        Ok(status_of(s))
    })
    .await
}

// ---- Exports with progress (issue 8) ----------------------------------

/// The cancel flags of the exports running now (`cancel_export` sets them all).
static EXPORTS: std::sync::Mutex<Vec<Arc<AtomicBool>>> = std::sync::Mutex::new(Vec::new());

fn exports() -> std::sync::MutexGuard<'static, Vec<Arc<AtomicBool>>> {
    EXPORTS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Run an export on the blocking pool (never the async runtime or the UI
/// thread) on a connection of its own, so the window keeps working on its
/// connection while 100 000 rows are written (WAL). Progress goes to the
/// window through `progress` (rows done / total, every few hundred rows);
/// `cancel_export` stops it between rows and no file is left (the core
/// writes a temporary file next to `dest` and renames it at the end).
/// A cancelled export answers `CANCELLED`.
async fn export_job(
    s: &Shared,
    progress: Channel<ExportProgress>,
    dest: std::path::PathBuf,
    build: impl FnOnce(&Posko, &Actor, &mut ExportControl<'_>) -> CoreResult<ExportFile>
    + Send
    + 'static,
) -> Res<Option<String>> {
    let cancel = Arc::new(AtomicBool::new(false));
    exports().push(cancel.clone());
    let flag = cancel.clone();
    let r = blocking(s, move |s| {
        let actor = s.session().ok_or(CoreError::NotSignedIn)?;
        let p = Posko::open(
            &s.0.dir,
            &posko_core::keychain::OsKeychain::new(),
            Arc::new(posko_core::clock::SystemClock),
            false,
        )?;
        let mut ctl = ExportControl::new(
            |x| {
                let _ = progress.send(x);
            },
            Some(&flag),
        );
        export_to_path(&dest, &mut ctl, |ctl| build(&p, &actor, ctl))?;
        Ok(Some(dest.display().to_string()))
    })
    .await;
    exports().retain(|c| !Arc::ptr_eq(c, &cancel));
    r
}

/// Where an export is saved: the native dialog's title, proposed name and
/// extension, and the permission the user's role needs to see it at all.
struct SaveDialog {
    app: tauri::AppHandle,
    permission: Permission,
    title_key: &'static str,
    file_name: String,
    ext: &'static str,
}

/// An export saved where the user picks: the role's permission first (a
/// refused role never sees the dialog), the native save dialog (cancel ->
/// None), then the export job with its progress.
async fn save_export(
    s: &Shared,
    dialog: SaveDialog,
    progress: Channel<ExportProgress>,
    build: impl FnOnce(&Posko, &Actor, &mut ExportControl<'_>) -> CoreResult<ExportFile>
    + Send
    + 'static,
) -> Res<Option<String>> {
    let permission = dialog.permission;
    as_user(s, move |_, a| allowed(a, permission)).await?;
    let dest = pick_save_path(
        dialog.app,
        s.lang(),
        dialog.title_key,
        dialog.file_name,
        "save.filter",
        dialog.ext,
    )
    .await?;
    match dest {
        Some(dest) => export_job(s, progress, dest, build).await,
        None => Ok(None),
    }
}

/// The role's permission, checked before a dialog opens (the core checks again).
fn allowed(a: &Actor, permission: Permission) -> CoreResult<()> {
    if a.role.can(permission) {
        Ok(())
    } else {
        Err(CoreError::Forbidden { permission })
    }
}

/// Stop every running export (its file is not written).
#[tauri::command]
async fn cancel_export() -> Res<()> {
    for c in exports().iter() {
        c.store(true, Ordering::Relaxed);
    }
    Ok(())
}

/// The monev dashboard's export: its period and units, as Excel or CSV.
#[derive(Debug, Clone, serde::Deserialize, TS)]
pub struct MonevExportInput {
    pub query: MonevQuery,
    pub format: FileFormat,
}

/// The visits list's export: a period (and a unit), as Excel or CSV.
#[derive(Debug, Clone, serde::Deserialize, TS)]
pub struct VisitsExportInput {
    pub query: VisitExportQuery,
    pub format: FileFormat,
}

/// The monev indicators of a period saved (Excel or CSV) where the user
/// picks; an export job as the register's. Refused roles never see the dialog.
#[tauri::command]
async fn save_monev_export(
    app: tauri::AppHandle,
    s: State<'_, Shared>,
    input: Value,
    on_progress: Channel<ExportProgress>,
) -> Res<Option<String>> {
    let lang = s.lang();
    let i: MonevExportInput = parse(input).map_err(|e| e.payload(lang))?;
    let ext = i.format.code();
    let dialog = SaveDialog {
        app,
        permission: Permission::RunReports,
        title_key: "save.monev_export_title",
        file_name: format!("indikator-monev-{}-{}.{ext}", i.query.from, i.query.to),
        ext,
    };
    save_export(&s, dialog, on_progress, move |p, a, ctl| {
        p.monev_export(a, &i.query, i.format, ctl)
    })
    .await
}

/// The visits of a period saved (Excel or CSV) where the user picks.
#[tauri::command]
async fn save_visits_export(
    app: tauri::AppHandle,
    s: State<'_, Shared>,
    input: Value,
    on_progress: Channel<ExportProgress>,
) -> Res<Option<String>> {
    let lang = s.lang();
    let i: VisitsExportInput = parse(input).map_err(|e| e.payload(lang))?;
    let ext = i.format.code();
    let dialog = SaveDialog {
        app,
        permission: Permission::RunReports,
        title_key: "save.visits_export_title",
        file_name: format!("hasil-kunjungan-{}-{}.{ext}", i.query.from, i.query.to),
        ext,
    };
    save_export(&s, dialog, on_progress, move |p, a, ctl| {
        p.visits_export(a, &i.query, i.format, ctl)
    })
    .await
}

macro_rules! commands {
    ($($name:ident : $input:ty => $output:ty),* $(,)?) => {
        /// Every command's name, for the capability test and build.rs.
        pub const NAMES: [&str; [$(stringify!($name)),*].len()] = [$(stringify!($name)),*];

        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// The TypeScript `Commands` interface: each command's input and output type,
        /// so ui/src/lib/ipc.ts is typed by generated code, never by hand.
        pub fn ts_command_map(cfg: &ts_rs::Config) -> String {
            let mut out = String::from("export interface Commands {\n");
            $(
                out.push_str(&format!(
                    "  {}: {{ input: {}; output: {} }};\n",
                    stringify!($name),
                    <$input as TS>::name(cfg),
                    <$output as TS>::name(cfg),
                ));
            )*
            out.push('}');
            out
        }
    };
}

// name: input => output. `()` as input means the command takes no input.
commands![
    app_status: () => AppStatus,
    retry_open: () => AppStatus,
    set_lang: Lang => Lang,
    text_scale: () => TextScale,
    set_text_scale: TextScale => TextScale,
    setup: SetupInput => Actor,
    sign_in: SignInInput => Actor,
    sign_out: () => (),
    vocabulary: () => Vocabulary,
    today: () => TodaySummary,
    list_complaints: ComplaintFilter => RegisterPage,
    complaint_detail: DetailQuery => ComplaintDetail,
    validate_complaint: ComplaintInput => Vec<FieldMessage>,
    duplicate_hints: ComplaintInput => Vec<DuplicateHint>,
    create_complaint: ComplaintInput => Created,
    transition: TransitionInput => posko_domain::Status,
    add_follow_up: FollowUpInput => i64,
    decide_follow_up: FollowUpDecision => (),
    add_attachment: AttachmentInput => i64,
    get_attachment: IdInput => AttachmentData,
    topics: () => Vec<Topic>,
    save_topic: TopicInput => i64,
    templates: () => Vec<ReplyTemplate>,
    save_template: ReplyTemplate => (),
    delete_template: CodeInput => (),
    holidays: () => Vec<Holiday>,
    edit_holidays: HolidayEdit => HolidayImportReport,
    import_holidays_csv: TextInput => HolidayImportReport,
    office_settings: () => OfficeSettings,
    update_office_settings: OfficeSettings => u32,
    save_draft: DraftInput => (),
    load_draft: DraftKey => Option<FormDraft>,
    clear_draft: DraftKey => (),
    list_users: () => Vec<UserView>,
    create_user: UserInput => i64,
    sync_overview: () => SyncOverview,
    sync_now: () => SyncJobView,
    sync_cancel: () => SyncJobView,
    sync_attempts: IdInput => Vec<AttemptView>,
    complaint_sync: IdInput => Vec<posko_core::sync::OutboxView>,
    sync_conflicts: () => Vec<SyncConflictView>,
    resolve_conflict: ResolveConflictInput => (),
    reporter_replies: () => Vec<RemoteFollowUpView>,
    mark_reply_seen: IdInput => (),
    sync_retry: OutboxActionInput => (),
    sync_skip: OutboxActionInput => (),
    sync_resolve_unknown: UnknownResolution => (),
    sync_record_manual_send: ManualSendInput => (),
    sync_record_remote_status: RemoteStatusInput => (),
    sync_preview: () => SyncPreview,
    confirm_sync_preview: () => (),
    manual_form: IdInput => ManualForm,
    lapor_settings: () => LaporSettingsView,
    save_lapor_settings: LaporSettings => (),
    set_lapor_credentials: LaporCredentialsInput => (),
    lapor_test_connection: () => ConnectionCheck,
    monev_indicators: MonevQuery => MonevIndicators,
    monev_drilldown: DrilldownInput => Drilldown,
    save_team_decree: TeamDecreeInput => UnitGovernance,
    save_action_item: ActionItemInput => ActionItemView,
    delete_action_item: IdInput => (),
    action_plan: ActionPlanQuery => Vec<ActionItemView>,
    report_templates: () => Vec<ReportTemplateView>,
    save_report_template: ReportTemplateInput => ReportTemplateView,
    instruments: () => Vec<InstrumentInfo>,
    instrument: InstrumentRef => posko_domain::instrument::Instrument,
    import_instrument: InstrumentImport => InstrumentInfo,
    units: () => Vec<UnitView>,
    save_unit: UnitInput => UnitView,
    save_visit: VisitInput => VisitView,
    visit: IdInput => VisitView,
    list_visits: VisitFilter => Vec<VisitRow>,
    finish_visit: IdInput => VisitView,
    correct_visit: VisitCorrection => VisitView,
    delete_visit: IdInput => (),
    add_visit_photo: VisitPhotoInput => VisitPhotoMeta,
    visit_photo: IdInput => VisitPhotoData,
    delete_visit_photo: IdInput => (),
    unit_ranking: RankingQuery => Ranking,
    monev_report: MonevReportInput => ReportPdf,
    visit_report: VisitReportInput => ReportPdf,
    complaint_sheet: ComplaintSheetInput => ReportPdf,
    open_report: ReportRef => String,
    save_report_as: ReportRef => Option<String>,
    security_settings: () => SecuritySettings,
    update_security_settings: SecuritySettings => (),
    audit_log: AuditFilter => Page<AuditEntry>,
    audit_export: AuditExportInput => AuditExport,
    audit_verify: () => AuditVerify,
    backups: () => Vec<BackupInfo>,
    backup_now: () => BackupInfo,
    restore_backup: BackupName => RestoreReport,
    check_backup: BackupName => BackupCheck,
    save_audit_export: AuditExportInput => Option<String>,
    subject_lookup: SubjectQuery => SubjectLookup,
    subject_export: SubjectExportInput => Option<SubjectExported>,
    erase_subject: SubjectEraseInput => ErasureReport,
    save_recovery_sheet: () => Option<RecoverySheetSaved>,
    recovery_status: () => RecoveryStatus,
    create_recovery_key: () => RecoveryKey,
    rotate_key: () => RotationReport,
    open_with_recovery_key: RecoveryInput => AppStatus,
    import_pick: () => Option<ImportReport>,
    import_remap: ImportMappingInput => ImportReport,
    import_apply: ImportMappingInput => ImportReport,
    last_import: () => Option<LastImport>,
    import_undo: () => ImportUndoReport,
    save_register_export: RegisterExportInput => Option<String>,
    save_monev_export: MonevExportInput => Option<String>,
    save_visits_export: VisitsExportInput => Option<String>,
    cancel_export: () => (),
    save_import_template: TemplateInput => Option<String>,
];
