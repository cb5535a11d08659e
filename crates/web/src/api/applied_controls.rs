//! The organisation's applied controls over JSON, and the coverage they give each framework.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use custos_app::controls::applied::{ControlLinks, ControlRecord, CoverageSummary};
use custos_app::domain::ValidationErrors;
use custos_app::domain::controls::applied::{
    Control, ControlFilterParams, ControlInput, ControlSort, ControlStatus, RequirementRef,
};
use custos_app::domain::controls::coverage::FrameworkCoverage;
use custos_app::domain::controls::library::FrameworkSummary;
use custos_app::domain::list::ListParams;
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiJson, ApiQuery, ListPage, VersionQuery, parse_id};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

/// A requirement an applied control satisfies.
#[derive(Serialize, ToSchema)]
pub struct SatisfiedRequirementView {
    pub framework_id: String,
    pub requirement_id: String,
    pub title: String,
}

/// A risk an applied control treats.
#[derive(Serialize, ToSchema)]
pub struct TreatedRiskView {
    pub id: Uuid,
    /// `RSK-0001`.
    pub reference: String,
    pub title: String,
}

#[derive(Serialize, ToSchema)]
pub struct ControlView {
    pub id: Uuid,
    /// Human reference, e.g. `CTL-0007`.
    pub reference: String,
    pub title: String,
    pub description: String,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub status: ControlStatus,
    /// YYYY-MM-DD.
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub implemented_on: Option<time::Date>,
    /// In the organisation's currency, whole units.
    pub one_off_cost: Option<i64>,
    /// A year, in the organisation's currency.
    pub recurring_cost: Option<i64>,
    pub effectiveness: String,
    /// The requirements it satisfies; present on a single control, absent from lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirements: Option<Vec<SatisfiedRequirementView>>,
    /// The risks it treats; present on a single control.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risks: Option<Vec<TreatedRiskView>>,
    /// Send it back when updating: a stale version is refused with 409.
    pub version: i64,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl From<Control> for ControlView {
    fn from(c: Control) -> Self {
        Self {
            reference: c.reference(),
            id: c.id,
            title: c.title,
            description: c.description,
            owner_id: c.owner_id,
            owner_name: c.owner_name,
            status: c.status,
            implemented_on: c.implemented_on,
            one_off_cost: c.one_off_cost,
            recurring_cost: c.recurring_cost,
            effectiveness: c.effectiveness,
            requirements: None,
            risks: None,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<ControlRecord> for ControlView {
    fn from(record: ControlRecord) -> Self {
        let requirements = record
            .requirements
            .into_iter()
            .map(|r| SatisfiedRequirementView {
                framework_id: r.requirement.framework_id,
                requirement_id: r.requirement.requirement_id,
                title: r.title,
            })
            .collect();
        let risks = record
            .risks
            .into_iter()
            .map(|r| TreatedRiskView {
                reference: r.reference(),
                id: r.id,
                title: r.title,
            })
            .collect();
        Self {
            requirements: Some(requirements),
            risks: Some(risks),
            ..record.control.into()
        }
    }
}

/// The writable fields of an applied control and, on update, the version they change; any
/// other field is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlBody {
    /// Required on update: the version this change was made to.
    #[serde(default)]
    pub version: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Planned (the default), in progress, implemented or not applicable.
    #[serde(default)]
    #[schema(value_type = Option<ControlStatus>)]
    pub status: Option<String>,
    /// YYYY-MM-DD; required once implemented.
    #[serde(default)]
    pub implemented_on: Option<String>,
    #[serde(default)]
    pub one_off_cost: Option<i64>,
    #[serde(default)]
    pub recurring_cost: Option<i64>,
    #[serde(default)]
    pub effectiveness: String,
    /// The requirements it satisfies, each as `framework:id` (`iso27001-2022:A.8.5`).
    #[serde(default)]
    pub requirements: Vec<String>,
    /// Ids of the risks it treats.
    #[serde(default)]
    pub risk_ids: Vec<String>,
}

impl ControlBody {
    /// The form-shaped input, the links and the version.
    fn into_parts(self) -> Result<(ControlInput, ControlLinks, Option<i64>), ApiError> {
        let mut errors = ValidationErrors::new();
        let mut requirements = Vec::with_capacity(self.requirements.len());
        for (index, raw) in self.requirements.iter().enumerate() {
            match raw
                .split_once(':')
                .and_then(|_| RequirementRef::parse(raw, ""))
            {
                Some(requirement) => requirements.push(requirement),
                None => errors.add(
                    &format!("requirements[{index}]"),
                    "Name the requirement as framework:id, such as iso27001-2022:A.8.5.",
                ),
            }
        }
        let mut risk_ids = Vec::with_capacity(self.risk_ids.len());
        for (index, raw) in self.risk_ids.iter().enumerate() {
            match Uuid::parse_str(raw.trim()) {
                Ok(id) => risk_ids.push(id),
                Err(_) => errors.add(&format!("risk_ids[{index}]"), "Give a risk's id."),
            }
        }
        errors.into_result(()).map_err(AppError::from)?;
        let amount = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        let input = ControlInput {
            title: self.title,
            description: self.description,
            owner_id: self.owner_id.unwrap_or_default(),
            status: self.status.unwrap_or_default(),
            implemented_on: self.implemented_on.unwrap_or_default(),
            one_off_cost: amount(self.one_off_cost),
            recurring_cost: amount(self.recurring_cost),
            effectiveness: self.effectiveness,
        };
        let links = ControlLinks {
            requirements,
            risk_ids,
        };
        Ok((input, links, self.version))
    }
}

/// Applied controls of the organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/controls", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ListParams, ControlFilterParams),
    responses((status = 200, body = ListPage<ControlView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_controls(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(list): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<ControlFilterParams>,
) -> Result<ListPage<ControlView>, ApiError> {
    let request = filters.request(&list).map_err(AppError::from)?;
    let listed = state.app.list_controls(&ctx, &request).await?;
    let walks_by_number = request.sort == ControlSort::Number;
    Ok(ListPage::new(listed, request.page, |c: &Control| {
        walks_by_number.then_some(c.number)
    }))
}

/// Records an applied control with the requirements it satisfies and the risks it treats.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/controls", tag = "controls", request_body = ControlBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = ControlView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_control(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<ControlBody>,
) -> Result<(StatusCode, Json<ControlView>), ApiError> {
    let (input, links, _) = body.into_parts()?;
    let control = state
        .app
        .create_control(&ctx, &input, &links, now())
        .await?;
    Ok((StatusCode::CREATED, Json(control.into())))
}

/// One applied control, with its requirements and risks.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/controls/{id}", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Control id")),
    responses((status = 200, body = ControlView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_control(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<ControlView>, ApiError> {
    let record = state.app.control(&ctx, parse_id(&path.1)?).await?;
    Ok(Json(record.into()))
}

/// Replaces an applied control's fields and links; `version` must be the current version.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/controls/{id}", tag = "controls", request_body = ControlBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Control id")),
    responses((status = 200, body = ControlView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_control(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<ControlBody>,
) -> Result<Json<ControlView>, ApiError> {
    let id = parse_id(&path.1)?;
    let (input, links, version) = body.into_parts()?;
    let version = version.ok_or_else(|| {
        AppError::from(ValidationErrors::single(
            "version",
            "Send the version this change was made to.",
        ))
    })?;
    let control = state
        .app
        .update_control(&ctx, id, version, &input, &links, now())
        .await?;
    Ok(Json(control.into()))
}

/// Deletes an applied control (the audit trail keeps its last state).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/controls/{id}", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Control id"), VersionQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_control(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .delete_control(&ctx, id, query.version, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How far the organisation's applied controls cover one framework, requirement by
/// requirement: directly, or through a mapping from a requirement of another framework that
/// an implemented control satisfies.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/frameworks/{id}/coverage", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Library id, such as soc2-2017")),
    responses((status = 200, body = FrameworkCoverage), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_framework_coverage(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<FrameworkCoverage>, ApiError> {
    Ok(Json(state.app.framework_coverage(&ctx, &path.1).await?))
}

/// A framework's coverage figure.
#[derive(Serialize, ToSchema)]
pub struct CoverageSummaryView {
    pub framework: FrameworkSummary,
    /// Requirements implemented directly or fully covered through a mapping.
    pub covered: usize,
    pub assessable: usize,
    /// `covered` as a whole percentage of `assessable`; null when it has none.
    pub percent: Option<u32>,
}

impl From<CoverageSummary> for CoverageSummaryView {
    fn from(s: CoverageSummary) -> Self {
        Self {
            framework: s.framework,
            covered: s.covered,
            assessable: s.assessable,
            percent: s.percent,
        }
    }
}

/// Every framework with how far the organisation's applied controls cover it.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/coverage", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = Vec<CoverageSummaryView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_coverage(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<Vec<CoverageSummaryView>>, ApiError> {
    let summaries = state.app.coverage_summaries(&ctx).await?;
    Ok(Json(summaries.into_iter().map(Into::into).collect()))
}
