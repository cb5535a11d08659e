//! Documents and policies over JSON: the register, and each document's versions with their
//! way to approval.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use custos_app::domain::ValidationErrors;
use custos_app::domain::files::StoredFile;
use custos_app::domain::governance::documents::{
    Document, DocumentFilterParams, DocumentInput, DocumentKind, DocumentSort, DocumentStatus,
    DocumentVersion, VersionInput, VersionState,
};
use custos_app::domain::list::ListParams;
use custos_app::governance::documents::{DocumentDetail, version_html};
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::context::SubmitBody;
use super::governance::ApprovalView;
use super::{ApiJson, ApiQuery, ListPage, VersionQuery, parse_id};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    /// Human reference, e.g. `DOC-0003`.
    pub reference: String,
    pub title: String,
    pub kind: DocumentKind,
    pub purpose: String,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// How often it is reviewed, in months.
    pub review_months: Option<i64>,
    /// The information security policy (ISO 27001 5.2): one per organisation.
    pub security_policy: bool,
    pub status: DocumentStatus,
    /// The number of the version in force.
    pub current_version: Option<i64>,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub approved_on: Option<time::Date>,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_on: Option<time::Date>,
    /// Its versions the caller may read, newest first; present on a single document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<DocumentVersionView>>,
    /// Send it back when updating: a stale version is refused with 409.
    pub version: i64,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl From<Document> for DocumentView {
    fn from(d: Document) -> Self {
        Self {
            reference: d.reference(),
            id: d.id,
            title: d.title,
            kind: d.kind,
            purpose: d.purpose,
            owner_id: d.owner_id,
            owner_name: d.owner_name,
            review_months: d.review_months,
            security_policy: d.security_policy,
            status: d.status,
            current_version: d.current_version,
            approved_on: d.approved_on,
            next_review_on: d.next_review_on,
            versions: None,
            version: d.version,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

impl From<DocumentDetail> for DocumentView {
    fn from(detail: DocumentDetail) -> Self {
        Self {
            versions: Some(detail.versions.into_iter().map(Into::into).collect()),
            ..detail.document.into()
        }
    }
}

/// One version of a document.
#[derive(Serialize, ToSchema)]
pub struct DocumentVersionView {
    pub id: Uuid,
    /// 1, 2, ... within the document.
    pub number: i64,
    pub state: VersionState,
    /// The text, in Markdown.
    pub body: String,
    /// The text as sanitised HTML.
    pub html: String,
    /// The file uploaded in place of (or beside) the text, with its SHA-256.
    pub file: Option<StoredFile>,
    pub change_note: String,
    /// Send it back when changing the text or submitting: a stale version is refused with 409.
    pub version: i64,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub updated_at: time::OffsetDateTime,
    /// When senior management approved or rejected it (RFC 3339).
    pub decided_at: Option<String>,
}

impl From<DocumentVersion> for DocumentVersionView {
    fn from(v: DocumentVersion) -> Self {
        Self {
            html: version_html(&v),
            id: v.id,
            number: v.number,
            state: v.state,
            body: v.body,
            file: v.file,
            change_note: v.change_note,
            version: v.version,
            created_at: v.created_at,
            updated_at: v.updated_at,
            decided_at: v.decided_at.map(custos_app::domain::dates::rfc3339),
        }
    }
}

/// The writable fields of a document and, on update, the version they change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentBody {
    /// Required on update: the version this change was made to.
    #[serde(default)]
    pub version: Option<i64>,
    pub title: String,
    #[schema(value_type = DocumentKind)]
    pub kind: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Months between reviews, 1 to 36.
    #[serde(default)]
    pub review_months: Option<i64>,
    #[serde(default)]
    pub security_policy: bool,
    /// On creation only: the text of the first version, in Markdown.
    #[serde(default)]
    pub body: Option<String>,
}

impl DocumentBody {
    fn into_parts(self) -> (DocumentInput, Option<String>, Option<i64>) {
        let input = DocumentInput {
            title: self.title,
            kind: self.kind,
            purpose: self.purpose,
            owner_id: self.owner_id.unwrap_or_default(),
            review_months: self
                .review_months
                .map(|m| m.to_string())
                .unwrap_or_default(),
            security_policy: if self.security_policy { "true" } else { "" }.into(),
        };
        (input, self.body, self.version)
    }
}

fn version_required(version: Option<i64>) -> Result<i64, ApiError> {
    version.ok_or_else(|| {
        AppError::from(ValidationErrors::single(
            "version",
            "Send the version this change was made to.",
        ))
        .into()
    })
}

/// Documents of the organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/documents", tag = "governance",
    params(("org" = String, Path, description = "Organisation slug"), ListParams, DocumentFilterParams),
    responses((status = 200, body = ListPage<DocumentView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_documents(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(list): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<DocumentFilterParams>,
) -> Result<ListPage<DocumentView>, ApiError> {
    let request = filters.request(&list).map_err(AppError::from)?;
    let listed = state.app.list_documents(&ctx, &request).await?;
    let walks_by_number = request.sort == DocumentSort::Number;
    Ok(ListPage::new(listed, request.page, |d: &Document| {
        walks_by_number.then_some(d.number)
    }))
}

/// Records a document and its first version, a draft holding `body`.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/documents", tag = "governance", request_body = DocumentBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = DocumentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_document(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<DocumentBody>,
) -> Result<(StatusCode, Json<DocumentView>), ApiError> {
    let (input, text, _) = body.into_parts();
    let text = VersionInput {
        body: text.unwrap_or_default(),
        change_note: "First version".into(),
    };
    let document = state
        .app
        .create_document(&ctx, &input, &text, now())
        .await?;
    let detail = state.app.document(&ctx, document.id).await?;
    Ok((StatusCode::CREATED, Json(detail.into())))
}

/// One document with the versions the caller may read (drafts only for those who manage
/// documents).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/documents/{id}", tag = "governance",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id")),
    responses((status = 200, body = DocumentView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_document(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(
        state.app.document(&ctx, parse_id(&path.1)?).await?.into(),
    ))
}

/// Changes a document's description (not its text: see its versions).
#[utoipa::path(put, path = "/api/v1/orgs/{org}/documents/{id}", tag = "governance", request_body = DocumentBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id")),
    responses((status = 200, body = DocumentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_document(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<DocumentBody>,
) -> Result<Json<DocumentView>, ApiError> {
    let id = parse_id(&path.1)?;
    let (input, text, version) = body.into_parts();
    if text.is_some() {
        return Err(AppError::from(ValidationErrors::single(
            "body",
            "The text changes through the document's versions.",
        ))
        .into());
    }
    let version = version_required(version)?;
    state
        .app
        .update_document(&ctx, id, version, &input, now())
        .await?;
    Ok(Json(state.app.document(&ctx, id).await?.into()))
}

/// Deletes a document never approved; an approved one is retired instead.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/documents/{id}", tag = "governance",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id"), VersionQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_document(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .delete_document(&ctx, id, query.version, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireBody {
    /// The document's version being retired.
    pub version: i64,
}

/// Withdraws a document: its version in force retires and it is no longer reviewed.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/documents/{id}/retire", tag = "governance", request_body = RetireBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id")),
    responses((status = 200, body = DocumentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn retire_document(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<RetireBody>,
) -> Result<Json<DocumentView>, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .retire_document(&ctx, id, body.version, now())
        .await?;
    Ok(Json(state.app.document(&ctx, id).await?.into()))
}

/// Starts the next version as a draft, from the text in force.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/documents/{id}/versions", tag = "governance",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id")),
    responses((status = 201, body = DocumentVersionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn start_document_version(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<(StatusCode, Json<DocumentVersionView>), ApiError> {
    let version = state
        .app
        .start_document_version(&ctx, parse_id(&path.1)?, now())
        .await?;
    Ok((StatusCode::CREATED, Json(version.into())))
}

fn version_number(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| AppError::NotFound.into())
}

/// One version of a document.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/documents/{id}/versions/{version}", tag = "governance",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id"), ("version" = i64, Path, description = "Version number, from 1")),
    responses((status = 200, body = DocumentVersionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_document_version(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String, String)>,
) -> Result<Json<DocumentVersionView>, ApiError> {
    let version = state
        .app
        .document_version(&ctx, parse_id(&path.1)?, version_number(&path.2)?)
        .await?;
    Ok(Json(version.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentVersionBody {
    /// The version's own version this change was made to.
    pub version: i64,
    /// The text, in Markdown.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub change_note: String,
}

/// Changes the text of a draft or rejected version (a rejected one becomes a draft again).
#[utoipa::path(put, path = "/api/v1/orgs/{org}/documents/{id}/versions/{version}", tag = "governance", request_body = DocumentVersionBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id"), ("version" = i64, Path, description = "Version number, from 1")),
    responses((status = 200, body = DocumentVersionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_document_version(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String, String)>,
    ApiJson(body): ApiJson<DocumentVersionBody>,
) -> Result<Json<DocumentVersionView>, ApiError> {
    let input = VersionInput {
        body: body.body,
        change_note: body.change_note,
    };
    let version = state
        .app
        .update_document_version(
            &ctx,
            parse_id(&path.1)?,
            version_number(&path.2)?,
            body.version,
            &input,
            now(),
        )
        .await?;
    Ok(Json(version.into()))
}

/// Sends a version to senior management for approval.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/documents/{id}/versions/{version}/submit", tag = "governance", request_body = SubmitBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id"), ("version" = i64, Path, description = "Version number, from 1")),
    responses((status = 201, body = ApprovalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_document_version(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String, String)>,
    ApiJson(body): ApiJson<SubmitBody>,
) -> Result<(StatusCode, Json<ApprovalView>), ApiError> {
    let approval = state
        .app
        .submit_document_version(
            &ctx,
            parse_id(&path.1)?,
            version_number(&path.2)?,
            body.version,
            &body.note,
            now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(approval.into())))
}

/// Uploads the file of a draft or rejected version: the raw bytes as the body, their type as
/// Content-Type (checked against the content), at most 25 MB; the SHA-256 is recorded.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/documents/{id}/versions/{version}/file", tag = "governance",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id"), ("version" = i64, Path, description = "Version number, from 1"), super::evidence::FileQuery),
    responses((status = 200, body = DocumentVersionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn put_document_file(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String, String)>,
    ApiQuery(query): ApiQuery<super::evidence::FileQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<axum::response::Response, ApiError> {
    let (id, number) = (parse_id(&path.1)?, version_number(&path.2)?);
    // Refused before 25 MB are read; the use case checks again.
    state.app.may_upload_document_file(&ctx)?;
    let mut upload = match super::evidence::read_upload(&query, &headers, body).await {
        Ok(upload) => upload,
        Err(unread) => return Ok(unread.answer()),
    };
    let version = state
        .app
        .upload_document_file(&ctx, id, number, upload.take(), now())
        .await?;
    Ok(axum::response::IntoResponse::into_response(Json(
        DocumentVersionView::from(version),
    )))
}

/// Downloads the file of a version, once its bytes hash again to the recorded SHA-256.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/documents/{id}/versions/{version}/file", tag = "governance",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Document id"), ("version" = i64, Path, description = "Version number, from 1")),
    responses((status = 200, description = "The file, as an attachment"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_document_file(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let (id, number) = (parse_id(&path.1)?, version_number(&path.2)?);
    let (file, bytes) = state.app.document_file(&ctx, id, number).await?;
    Ok(super::evidence::file_response(&file, bytes))
}
