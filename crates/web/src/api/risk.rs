//! The risk method over JSON: the version in force, every version, the draft, its submission
//! for approval and the import of a CISO Assistant risk matrix.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use custos_app::domain::ValidationErrors;
use custos_app::domain::dates::rfc3339;
use custos_app::domain::list::Page;
use custos_app::domain::risk::method::{RiskMethod, Template};
use custos_app::domain::versions::VersionStatus;
use custos_app::risk::method::MethodVersion;
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::asset_settings::VersionsQuery;
use super::governance::ApprovalView;
use super::{ApiJson, ApiQuery, ListPage};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

/// One version of the risk method.
#[derive(Serialize, ToSchema)]
pub struct MethodVersionView {
    /// The version's number: every assessment records the one it used.
    pub version: i64,
    /// Only a draft changes; a version is immutable once submitted.
    pub status: VersionStatus,
    /// Counts the saves of a draft. Send it back when saving the draft: a stale revision is
    /// refused with 409.
    pub revision: i64,
    pub method: RiskMethod,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    pub decided_at: Option<String>,
}

impl From<MethodVersion> for MethodVersionView {
    fn from(v: MethodVersion) -> Self {
        Self {
            version: v.version,
            status: v.status,
            revision: v.revision,
            method: v.body,
            created_at: rfc3339(v.created_at),
            updated_at: rfc3339(v.updated_at),
            submitted_at: v.submitted_at.map(rfc3339),
            decided_at: v.decided_at.map(rfc3339),
        }
    }
}

/// The method of a draft and the revision it replaces; any other field is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodDraftUpdate {
    /// The revision of the draft being replaced, or 0 to start a new draft when there is
    /// none.
    pub revision: i64,
    pub method: RiskMethod,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodSubmitBody {
    /// The number of the draft being submitted.
    pub version: i64,
    /// The draft's revision as the sender read it: refused with 409 if it was saved since.
    #[serde(default)]
    pub revision: Option<i64>,
    /// A note to the approver.
    #[serde(default)]
    pub note: String,
}

/// What importing a risk matrix made of the draft.
#[derive(Serialize, ToSchema)]
pub struct MethodImportView {
    pub draft: MethodVersionView,
    /// What the file did not say and was filled with starting values: check it before
    /// submitting the draft.
    pub notes: Vec<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportMatrixQuery {
    /// The revision of the draft being replaced, or 0 (the default) when there is none.
    #[serde(default)]
    pub revision: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// `3x3`, `4x4` or `5x5`.
    pub name: String,
}

/// A CISO Assistant risk-matrix library as a request body.
#[derive(ToSchema)]
#[schema(value_type = String)]
pub struct LibraryYaml(#[expect(dead_code, reason = "only its schema is used")] String);

/// The method in force: the newest approved version; 404 while none is approved.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risk-method", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = MethodVersionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_risk_method(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<MethodVersionView>, ApiError> {
    let method = state
        .app
        .risk_method(&ctx)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(method.into()))
}

/// A built-in method to start a draft from (send it back as the draft's `method`, edited).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risk-method/template", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), TemplateQuery),
    responses((status = 200, body = RiskMethod), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_risk_method_template(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<TemplateQuery>,
) -> Result<Json<RiskMethod>, ApiError> {
    let template = Template::parse(&query.name).ok_or_else(|| {
        AppError::from(ValidationErrors::single(
            "name",
            "Choose a template: 3x3, 4x4 or 5x5.",
        ))
    })?;
    Ok(Json(
        state
            .app
            .risk_method_draft_start(&ctx, Some(template))
            .await?,
    ))
}

/// Every version of the method, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risk-method/versions", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), VersionsQuery),
    responses((status = 200, body = ListPage<MethodVersionView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_risk_method_versions(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<VersionsQuery>,
) -> Result<ListPage<MethodVersionView>, ApiError> {
    let page = Page::requested(query.limit, query.offset)?;
    let versions = state.app.risk_method_versions(&ctx).await?;
    Ok(ListPage::window(
        versions.into_iter().map(MethodVersionView::from).collect(),
        page,
    ))
}

/// One version of the method.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risk-method/versions/{version}", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ("version" = i64, Path, description = "Version number")),
    responses((status = 200, body = MethodVersionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_risk_method_version(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path((_org, version)): Path<(String, i64)>,
) -> Result<Json<MethodVersionView>, ApiError> {
    Ok(Json(
        state.app.risk_method_version(&ctx, version).await?.into(),
    ))
}

/// The draft being edited; 404 when there is none.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risk-method/draft", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = MethodVersionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_risk_method_draft(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<MethodVersionView>, ApiError> {
    let draft = state
        .app
        .risk_method_draft(&ctx)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(draft.into()))
}

/// Saves the draft, or starts one (with `revision` 0) when none is being edited. Refused
/// with 409 while a version waits for a decision.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/risk-method/draft", tag = "risk", request_body = MethodDraftUpdate,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = MethodVersionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_risk_method_draft(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<MethodDraftUpdate>,
) -> Result<Json<MethodVersionView>, ApiError> {
    let draft = state
        .app
        .save_risk_method_draft(&ctx, body.revision, body.method, now())
        .await?;
    Ok(Json(draft.into()))
}

/// Reads a CISO Assistant risk-matrix library (YAML) into the draft. What the file does not
/// hold (responses, accepting roles, review intervals) is filled with starting values that
/// `notes` lists.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/risk-method/draft/import", tag = "risk",
    request_body(content = LibraryYaml, content_type = "application/yaml"),
    params(("org" = String, Path, description = "Organisation slug"), ImportMatrixQuery),
    responses((status = 200, body = MethodImportView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn import_risk_matrix(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<ImportMatrixQuery>,
    body: Bytes,
) -> Result<Json<MethodImportView>, ApiError> {
    let yaml = std::str::from_utf8(&body).map_err(|_| {
        AppError::from(ValidationErrors::single(
            "file",
            "The file is not UTF-8 text: send the library's YAML file as it is.",
        ))
    })?;
    let (draft, notes) = state
        .app
        .import_risk_matrix(&ctx, query.revision, yaml, now())
        .await?;
    Ok(Json(MethodImportView {
        draft: draft.into(),
        notes,
    }))
}

/// Sends the draft to senior management; once submitted, the version never changes. The
/// approved version becomes the method in force.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/risk-method/draft/submit", tag = "risk", request_body = MethodSubmitBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = ApprovalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_risk_method_draft(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<MethodSubmitBody>,
) -> Result<(StatusCode, Json<ApprovalView>), ApiError> {
    let approval = state
        .app
        .submit_risk_method_draft(&ctx, body.version, body.revision, &body.note, now())
        .await?;
    Ok((StatusCode::CREATED, Json(approval.into())))
}
