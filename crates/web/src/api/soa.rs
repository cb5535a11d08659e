//! The Statement of Applicability over JSON: the version in force, every version, the draft,
//! its submission for approval, and the statement as a CSV or XLSX file.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use custos_app::assets::RegisterFormat;
use custos_app::controls::soa::SoaVersion;
use custos_app::domain::controls::soa::StatementOfApplicability;
use custos_app::domain::dates::rfc3339;
use custos_app::domain::list::Page;
use custos_app::domain::versions::VersionStatus;
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::asset_settings::VersionsQuery;
use super::governance::ApprovalView;
use super::{ApiJson, ApiQuery, ListPage};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

/// One version of the Statement of Applicability.
#[derive(Serialize, ToSchema)]
pub struct SoaVersionView {
    pub version: i64,
    /// Only a draft changes; a version is immutable once submitted.
    pub status: VersionStatus,
    /// Counts the saves of a draft. Send it back when saving the draft: a stale revision is
    /// refused with 409.
    pub revision: i64,
    pub statement: StatementOfApplicability,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    pub decided_at: Option<String>,
}

impl From<SoaVersion> for SoaVersionView {
    fn from(v: SoaVersion) -> Self {
        Self {
            version: v.version,
            status: v.status,
            revision: v.revision,
            statement: v.body,
            created_at: rfc3339(v.created_at),
            updated_at: rfc3339(v.updated_at),
            submitted_at: v.submitted_at.map(rfc3339),
            decided_at: v.decided_at.map(rfc3339),
        }
    }
}

/// The statement of a draft and the revision it replaces; any other field is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SoaDraftUpdate {
    /// The revision of the draft being replaced, or 0 to start a new draft when there is
    /// none.
    pub revision: i64,
    pub statement: StatementOfApplicability,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SoaSubmitBody {
    /// The number of the draft being submitted.
    pub version: i64,
    /// The draft's revision as the sender read it: refused with 409 if it was saved since.
    #[serde(default)]
    pub revision: Option<i64>,
    /// A note to the approver.
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SoaExportQuery {
    /// csv (the default) or xlsx.
    #[serde(default)]
    pub format: String,
    /// The version to export; the one in force when absent.
    #[serde(default)]
    pub version: Option<i64>,
}

/// The statement in force: the newest approved version; 404 while none is approved.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/soa", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = SoaVersionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_soa(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<SoaVersionView>, ApiError> {
    let soa = state.app.soa(&ctx).await?.ok_or(AppError::NotFound)?;
    Ok(Json(soa.into()))
}

/// What a new draft starts from: the newest version, or every Annex A control applicable
/// and not started (send it back as the draft's `statement`, completed).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/soa/start", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = StatementOfApplicability), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_soa_start(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<StatementOfApplicability>, ApiError> {
    Ok(Json(state.app.soa_draft_start(&ctx).await?))
}

/// Every version of the statement, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/soa/versions", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), VersionsQuery),
    responses((status = 200, body = ListPage<SoaVersionView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_soa_versions(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<VersionsQuery>,
) -> Result<ListPage<SoaVersionView>, ApiError> {
    let page = Page::requested(query.limit, query.offset)?;
    let versions = state.app.soa_versions(&ctx).await?;
    Ok(ListPage::window(
        versions.into_iter().map(SoaVersionView::from).collect(),
        page,
    ))
}

/// One version of the statement.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/soa/versions/{version}", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ("version" = i64, Path, description = "Version number")),
    responses((status = 200, body = SoaVersionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_soa_version(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path((_org, version)): Path<(String, i64)>,
) -> Result<Json<SoaVersionView>, ApiError> {
    Ok(Json(state.app.soa_version(&ctx, version).await?.into()))
}

/// The draft being edited; 404 when there is none.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/soa/draft", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = SoaVersionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_soa_draft(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<SoaVersionView>, ApiError> {
    let draft = state.app.soa_draft(&ctx).await?.ok_or(AppError::NotFound)?;
    Ok(Json(draft.into()))
}

/// Saves the draft, or starts one (with `revision` 0) when none is being edited: every
/// Annex A control once, the risks it names among the organisation's. Refused with 409
/// while a version waits for a decision.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/soa/draft", tag = "controls", request_body = SoaDraftUpdate,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = SoaVersionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_soa_draft(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<SoaDraftUpdate>,
) -> Result<Json<SoaVersionView>, ApiError> {
    let draft = state
        .app
        .save_soa_draft(&ctx, body.revision, body.statement, now())
        .await?;
    Ok(Json(draft.into()))
}

/// Sends the draft to senior management once every control's inclusion or exclusion is
/// justified; once submitted, the version never changes.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/soa/draft/submit", tag = "controls", request_body = SoaSubmitBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = ApprovalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_soa_draft(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<SoaSubmitBody>,
) -> Result<(StatusCode, Json<ApprovalView>), ApiError> {
    let approval = state
        .app
        .submit_soa_draft(&ctx, body.version, body.revision, &body.note, now())
        .await?;
    Ok((StatusCode::CREATED, Json(approval.into())))
}

/// The statement (the one in force, or `version`) as auditors read it: identifier, control,
/// applicable, reasons, justification, risks, implemented, status, references.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/soa/export", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), SoaExportQuery),
    responses((status = 200, description = "The CSV or XLSX file"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn export_soa(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<SoaExportQuery>,
) -> Result<axum::response::Response, ApiError> {
    let format = RegisterFormat::of_param(&query.format).map_err(AppError::from)?;
    let (name, bytes) = state.app.soa_file(&ctx, query.version, format).await?;
    Ok(crate::pages::download(&name, format, bytes))
}
