//! Objectives over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use custos_app::domain::context::{
    Objective, ObjectiveCategory, ObjectiveFilterParams, ObjectiveInput, ObjectiveReference,
    ObjectiveSort, ObjectiveStatus,
};
use custos_app::domain::list::ListParams;
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::governance::ApprovalView;
use super::{ApiJson, ApiQuery, ListPage, VersionQuery, parse_id};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct ObjectiveView {
    pub id: uuid::Uuid,
    /// Human reference, e.g. `OBJ-0007`.
    #[schema(value_type = String)]
    pub reference: ObjectiveReference,
    pub title: String,
    /// Why the objective matters.
    pub rationale: String,
    /// What will be done.
    pub description: String,
    pub benefits: String,
    pub category: ObjectiveCategory,
    pub target: String,
    pub target_value: Option<f64>,
    pub target_unit: Option<String>,
    pub owner_id: Option<uuid::Uuid>,
    pub owner_name: Option<String>,
    /// YYYY-MM-DD.
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<time::Date>,
    pub status: ObjectiveStatus,
    /// Send it back when updating: a stale version is refused with 409.
    pub version: i64,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl From<Objective> for ObjectiveView {
    fn from(o: Objective) -> Self {
        Self {
            reference: ObjectiveReference(o.number),
            id: o.id,
            title: o.title,
            rationale: o.rationale,
            description: o.description,
            benefits: o.benefits,
            category: o.category,
            target: o.target,
            target_value: o.target_value,
            target_unit: o.target_unit,
            owner_id: o.owner_id,
            owner_name: o.owner_name,
            due_date: o.due_date,
            status: o.status,
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// The writable fields of an objective; any other field is refused.
// Every request body refuses unknown fields: a misspelt one would otherwise be dropped
// without a word.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveBody {
    pub title: String,
    pub rationale: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub benefits: String,
    #[schema(value_type = ObjectiveCategory)]
    pub category: String,
    pub target: String,
    #[serde(default)]
    pub target_value: Option<f64>,
    #[serde(default)]
    pub target_unit: Option<String>,
    #[serde(default)]
    pub owner_id: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub due_date: Option<String>,
    /// Draft (the default) or cancelled: a new objective is never approved or beyond.
    #[serde(default)]
    #[schema(value_type = Option<ObjectiveStatus>)]
    pub status: Option<String>,
}

impl From<ObjectiveBody> for ObjectiveInput {
    fn from(b: ObjectiveBody) -> Self {
        ObjectiveInput {
            title: b.title,
            rationale: b.rationale,
            description: b.description,
            benefits: b.benefits,
            category: b.category,
            target: b.target,
            target_value: b.target_value.map(|v| v.to_string()).unwrap_or_default(),
            target_unit: b.target_unit.unwrap_or_default(),
            owner_id: b.owner_id.unwrap_or_default(),
            due_date: b.due_date.unwrap_or_default(),
            status: b.status.unwrap_or_default(),
        }
    }
}

/// The writable fields of an objective and the version they change; any other field is
/// refused.
// The fields of `ObjectiveBody` written out again: serde cannot refuse unknown fields
// through `#[serde(flatten)]`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveUpdate {
    /// The version this change was made to.
    pub version: i64,
    pub title: String,
    pub rationale: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub benefits: String,
    #[schema(value_type = ObjectiveCategory)]
    pub category: String,
    pub target: String,
    #[serde(default)]
    pub target_value: Option<f64>,
    #[serde(default)]
    pub target_unit: Option<String>,
    #[serde(default)]
    pub owner_id: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub due_date: Option<String>,
    /// Draft or cancelled; achieved and not_achieved only on an approved objective whose
    /// content this update leaves unchanged. Approval statuses are set by the workflow.
    #[serde(default)]
    #[schema(value_type = Option<ObjectiveStatus>)]
    pub status: Option<String>,
}

impl ObjectiveUpdate {
    /// The version, and the fields as a create would send them.
    fn into_parts(self) -> (i64, ObjectiveBody) {
        let fields = ObjectiveBody {
            title: self.title,
            rationale: self.rationale,
            description: self.description,
            benefits: self.benefits,
            category: self.category,
            target: self.target,
            target_value: self.target_value,
            target_unit: self.target_unit,
            owner_id: self.owner_id,
            due_date: self.due_date,
            status: self.status,
        };
        (self.version, fields)
    }
}

/// Objectives of the organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/objectives", tag = "context",
    params(("org" = String, Path, description = "Organisation slug"), ListParams, ObjectiveFilterParams),
    responses((status = 200, body = ListPage<ObjectiveView>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_objectives(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(list): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<ObjectiveFilterParams>,
) -> Result<ListPage<ObjectiveView>, ApiError> {
    let request = filters.request(&list).map_err(AppError::from)?;
    let listed = state.app.list_objectives(&ctx, &request).await?;
    let walks_by_number = request.sort == ObjectiveSort::Number;
    Ok(ListPage::new(listed, request.page, |o: &Objective| {
        walks_by_number.then_some(o.number)
    }))
}

/// Creates an objective: a draft, or cancelled if asked; approved and later statuses come
/// only through an approval.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/objectives", tag = "context", request_body = ObjectiveBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = ObjectiveView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_objective(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<ObjectiveBody>,
) -> Result<(StatusCode, Json<ObjectiveView>), ApiError> {
    let objective = state
        .app
        .create_objective(&ctx, &body.into(), now())
        .await?;
    Ok((StatusCode::CREATED, Json(objective.into())))
}

/// One objective.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/objectives/{id}", tag = "context",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Objective id")),
    responses((status = 200, body = ObjectiveView), (status = 404, body = Problem)))]
pub async fn get_objective(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<ObjectiveView>, ApiError> {
    Ok(Json(
        state.app.objective(&ctx, parse_id(&path.1)?).await?.into(),
    ))
}

/// Replaces an objective's fields; `version` must be the current version.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/objectives/{id}", tag = "context", request_body = ObjectiveUpdate,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Objective id")),
    responses((status = 200, body = ObjectiveView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_objective(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<ObjectiveUpdate>,
) -> Result<Json<ObjectiveView>, ApiError> {
    let id = parse_id(&path.1)?;
    let (version, fields) = body.into_parts();
    let objective = state
        .app
        .update_objective(&ctx, id, version, &fields.into(), now())
        .await?;
    Ok(Json(objective.into()))
}

/// Deletes an objective (the audit trail keeps its last state).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/objectives/{id}", tag = "context",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Objective id"), VersionQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_objective(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .delete_objective(&ctx, id, query.version, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// The version being submitted.
    pub version: i64,
    /// A note to the approver.
    #[serde(default)]
    pub note: String,
}

/// Sends an objective to senior management for approval.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/objectives/{id}/submit", tag = "context", request_body = SubmitBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Objective id")),
    responses((status = 201, body = ApprovalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn submit_objective(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<SubmitBody>,
) -> Result<(StatusCode, Json<ApprovalView>), ApiError> {
    let approval = state
        .app
        .submit_objective(&ctx, parse_id(&path.1)?, body.version, &body.note, now())
        .await?;
    Ok((StatusCode::CREATED, Json(approval.into())))
}
