//! Evidence over the API: the register, what each item is attached to, and its file (the
//! raw bytes in and out, the SHA-256 checked on the way out).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::controls::evidence::{EvidenceRecord, Upload};
use custos_app::domain::ValidationErrors;
use custos_app::domain::controls::applied::RequirementRef;
use custos_app::domain::controls::evidence::{
    Evidence, EvidenceFilterParams, EvidenceInput, EvidenceSort, EvidenceTargets,
};
use custos_app::domain::files::StoredFile;
use custos_app::domain::list::ListParams;
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiJson, ApiQuery, ListPage, VersionQuery, parse_id};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: Uuid,
    /// Human reference, e.g. `EVD-0004`.
    pub reference: String,
    pub title: String,
    pub description: String,
    /// Where the evidence is kept, when it is a link.
    pub url: Option<String>,
    /// The file kept, with its SHA-256; null until one is uploaded.
    pub file: Option<StoredFile>,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub collected_on: Option<time::Date>,
    /// The period it proves (not when it was uploaded).
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_from: Option<time::Date>,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_to: Option<time::Date>,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<time::Date>,
    /// Ids of the applied controls it is attached to; present on a single item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_ids: Option<Vec<Uuid>>,
    /// Requirements it is attached to, as `framework:id`; present on a single item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirements: Option<Vec<String>>,
    /// Ids of the documents it is attached to; present on a single item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_ids: Option<Vec<Uuid>>,
    /// Send it back when updating: a stale version is refused with 409.
    pub version: i64,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl From<Evidence> for EvidenceView {
    fn from(e: Evidence) -> Self {
        Self {
            reference: e.reference(),
            id: e.id,
            title: e.title,
            description: e.description,
            url: e.url,
            file: e.file,
            collected_on: e.collected_on,
            effective_from: e.effective_from,
            effective_to: e.effective_to,
            expires_on: e.expires_on,
            control_ids: None,
            requirements: None,
            document_ids: None,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

impl From<EvidenceRecord> for EvidenceView {
    fn from(record: EvidenceRecord) -> Self {
        let targets = record.targets;
        Self {
            control_ids: Some(targets.controls),
            requirements: Some(targets.requirements.iter().map(|r| r.to_string()).collect()),
            document_ids: Some(targets.documents),
            ..record.evidence.into()
        }
    }
}

/// The writable fields of an evidence item and, on update, the version they change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBody {
    /// Required on update: the version this change was made to.
    #[serde(default)]
    pub version: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// A web address, when the evidence is kept elsewhere.
    #[serde(default)]
    pub url: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub collected_on: Option<String>,
    #[serde(default)]
    pub effective_from: Option<String>,
    #[serde(default)]
    pub effective_to: Option<String>,
    #[serde(default)]
    pub expires_on: Option<String>,
    #[serde(default)]
    pub control_ids: Vec<String>,
    /// Each as `framework:id` (`iso27001-2022:A.8.13`).
    #[serde(default)]
    pub requirements: Vec<String>,
    #[serde(default)]
    pub document_ids: Vec<String>,
}

impl EvidenceBody {
    fn into_parts(self) -> Result<(EvidenceInput, EvidenceTargets, Option<i64>), ApiError> {
        let mut errors = ValidationErrors::new();
        let mut ids = |name: &str, raw: &[String]| -> Vec<Uuid> {
            raw.iter()
                .enumerate()
                .filter_map(|(index, text)| match Uuid::parse_str(text.trim()) {
                    Ok(id) => Some(id),
                    Err(_) => {
                        errors.add(&format!("{name}[{index}]"), "Give an id.");
                        None
                    }
                })
                .collect()
        };
        let controls = ids("control_ids", &self.control_ids);
        let documents = ids("document_ids", &self.document_ids);
        let mut requirements = Vec::new();
        for (index, raw) in self.requirements.iter().enumerate() {
            match raw
                .split_once(':')
                .and_then(|_| RequirementRef::parse(raw, ""))
            {
                Some(requirement) => requirements.push(requirement),
                None => errors.add(
                    &format!("requirements[{index}]"),
                    "Name the requirement as framework:id, such as iso27001-2022:A.8.13.",
                ),
            }
        }
        errors.into_result(()).map_err(AppError::from)?;
        let input = EvidenceInput {
            title: self.title,
            description: self.description,
            url: self.url.unwrap_or_default(),
            collected_on: self.collected_on.unwrap_or_default(),
            effective_from: self.effective_from.unwrap_or_default(),
            effective_to: self.effective_to.unwrap_or_default(),
            expires_on: self.expires_on.unwrap_or_default(),
        };
        let targets = EvidenceTargets {
            controls,
            requirements,
            documents,
        };
        Ok((input, targets, self.version))
    }
}

/// Evidence of the organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/evidence", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ListParams, EvidenceFilterParams),
    responses((status = 200, body = ListPage<EvidenceView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_evidence(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(list): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<EvidenceFilterParams>,
) -> Result<ListPage<EvidenceView>, ApiError> {
    let request = filters.request(&list).map_err(AppError::from)?;
    let listed = state.app.list_evidence(&ctx, &request).await?;
    let walks_by_number = request.sort == EvidenceSort::Number;
    Ok(ListPage::new(listed, request.page, |e: &Evidence| {
        walks_by_number.then_some(e.number)
    }))
}

/// Records an evidence item (a link, or a file uploaded next with `PUT .../file`).
#[utoipa::path(post, path = "/api/v1/orgs/{org}/evidence", tag = "controls", request_body = EvidenceBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = EvidenceView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_evidence(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<EvidenceBody>,
) -> Result<(StatusCode, Json<EvidenceView>), ApiError> {
    let (input, targets, _) = body.into_parts()?;
    let record = state
        .app
        .create_evidence(&ctx, &input, targets, now())
        .await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

/// One evidence item, with what it is attached to.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/evidence/{id}", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Evidence id")),
    responses((status = 200, body = EvidenceView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_evidence(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<EvidenceView>, ApiError> {
    Ok(Json(
        state.app.evidence(&ctx, parse_id(&path.1)?).await?.into(),
    ))
}

/// Replaces an evidence item's fields and attachments; `version` must be the current one.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/evidence/{id}", tag = "controls", request_body = EvidenceBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Evidence id")),
    responses((status = 200, body = EvidenceView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_evidence(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<EvidenceBody>,
) -> Result<Json<EvidenceView>, ApiError> {
    let id = parse_id(&path.1)?;
    let (input, targets, version) = body.into_parts()?;
    let version = version.ok_or_else(|| {
        AppError::from(ValidationErrors::single(
            "version",
            "Send the version this change was made to.",
        ))
    })?;
    let record = state
        .app
        .update_evidence(&ctx, id, version, &input, targets, now())
        .await?;
    Ok(Json(record.into()))
}

/// Deletes an evidence item (the audit trail keeps it, and its file stays in the store).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/evidence/{id}", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Evidence id"), VersionQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_evidence(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .delete_evidence(&ctx, id, query.version, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// The file's name (default: `evidence` with the extension of its kind).
    #[serde(default)]
    pub name: String,
}

/// Uploads the evidence item's file: the raw bytes as the body, their type as Content-Type
/// (checked against the content: PDF, PNG, JPEG, office documents, ZIP, text), at most 25 MB.
/// The SHA-256 is recorded; a new file replaces the old one in the record.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/evidence/{id}/file", tag = "controls",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Evidence id"), FileQuery),
    responses((status = 200, body = EvidenceView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn put_evidence_file(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<FileQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = parse_id(&path.1)?;
    // Refused before 25 MB are read; the use case checks again.
    state.app.may_upload_evidence(&ctx)?;
    let mut upload = match read_upload(&query, &headers, body).await {
        Ok(upload) => upload,
        Err(unread) => return Ok(unread.answer()),
    };
    let record = state
        .app
        .upload_evidence_file(&ctx, id, upload.take(), now())
        .await?;
    Ok(Json(EvidenceView::from(record)).into_response())
}

/// A file sent as a request's raw body: its name from the query, its declared type from
/// Content-Type.
pub struct RawUpload {
    name: String,
    declared_type: String,
    bytes: Vec<u8>,
}

impl RawUpload {
    /// The upload, its bytes moved out.
    pub fn take(&mut self) -> Upload<'_> {
        Upload {
            name: &self.name,
            declared_type: &self.declared_type,
            bytes: std::mem::take(&mut self.bytes),
        }
    }
}

/// Why an upload's body could not be read.
pub enum UnreadUpload {
    /// Larger than the largest file kept.
    TooLarge,
    /// The body broke off.
    Broken,
}

impl UnreadUpload {
    /// The answer to give: 413, or a 422 naming the file.
    pub fn answer(self) -> Response {
        match self {
            UnreadUpload::TooLarge => {
                crate::body_limit::too_large(true, "", custos_app::domain::files::FILE_MAX_BYTES)
            }
            UnreadUpload::Broken => ApiError(AppError::from(ValidationErrors::single(
                "file",
                "The upload broke off before the end; nothing was kept.",
            )))
            .into_response(),
        }
    }
}

/// Reads an upload's body, at most the largest file kept.
pub async fn read_upload(
    query: &FileQuery,
    headers: &HeaderMap,
    body: Body,
) -> Result<RawUpload, UnreadUpload> {
    let limit = custos_app::domain::files::FILE_MAX_BYTES;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|error| {
        let over = std::error::Error::source(&error)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if over {
            UnreadUpload::TooLarge
        } else {
            UnreadUpload::Broken
        }
    })?;
    let declared_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok(RawUpload {
        name: query.name.clone(),
        declared_type,
        bytes: bytes.to_vec(),
    })
}

/// Downloads the evidence item's file, once its bytes hash again to the recorded SHA-256
/// (409 when they no longer do: the file was altered in the store).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/evidence/{id}/file", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Evidence id")),
    responses((status = 200, description = "The file, as an attachment"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_evidence_file(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (file, bytes) = state.app.evidence_file(&ctx, parse_id(&path.1)?).await?;
    Ok(file_response(&file, bytes))
}

/// A kept file as a download: never shown inline, its type as recorded, its hash in a
/// header.
pub fn file_response(file: &StoredFile, bytes: Vec<u8>) -> Response {
    let disposition = attachment_disposition(&file.name);
    (
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::HeaderName::from_static("x-content-sha256"),
                file.sha256.clone(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `Content-Disposition` for a file people named: an ASCII fallback and the UTF-8 name
/// (RFC 6266), neither able to end the header early.
pub fn attachment_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() || c == ' ') && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: Vec<u8>) -> Result<RawUpload, UnreadUpload> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let query = FileQuery {
            name: "q3.csv".into(),
        };
        runtime.block_on(read_upload(&query, &HeaderMap::new(), Body::from(bytes)))
    }

    #[test]
    fn a_body_over_the_limit_is_told_apart_from_one_that_fits() {
        let limit = custos_app::domain::files::FILE_MAX_BYTES;
        assert!(matches!(
            read(vec![b'a'; limit + 1]),
            Err(UnreadUpload::TooLarge)
        ));
        let fits = read(b"date,result\n".to_vec()).ok().expect("read");
        assert_eq!((fits.name.as_str(), fits.bytes.len()), ("q3.csv", 12));
    }
}
