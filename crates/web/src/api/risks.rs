//! The risk register and the threat and vulnerability catalogues over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use custos_app::domain::ValidationErrors;
use custos_app::domain::assets::LinkedAsset;
use custos_app::domain::list::ListParams;
use custos_app::domain::risk::catalogue::{ThreatGroup, VulnerabilityCategory};
use custos_app::domain::risk::register::{
    Risk, RiskFilterParams, RiskInput, RiskSort, RiskStatus, TreatmentOption,
};
use custos_app::risk::register::RiskRecord;
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiJson, ApiQuery, ListPage, VersionQuery, parse_id};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

/// An asset a risk affects.
#[derive(Serialize, ToSchema)]
pub struct RiskAssetView {
    pub id: Uuid,
    /// `AST-0001`.
    pub reference: String,
    pub name: String,
}

impl From<LinkedAsset> for RiskAssetView {
    fn from(a: LinkedAsset) -> Self {
        Self {
            reference: a.reference(),
            id: a.id,
            name: a.name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RiskView {
    pub id: Uuid,
    /// Human reference, e.g. `RSK-0007`.
    pub reference: String,
    pub title: String,
    pub description: String,
    pub threat_id: Option<Uuid>,
    pub threat_name: Option<String>,
    pub vulnerability_id: Option<Uuid>,
    pub vulnerability_name: Option<String>,
    /// The security properties the risk harms.
    pub confidentiality: bool,
    pub integrity: bool,
    pub availability: bool,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// The risk method version the levels were given by; null while unrated.
    pub method_version: Option<i64>,
    /// Positions on the method's scales, from 1.
    pub inherent_likelihood: Option<i64>,
    pub inherent_impact: Option<i64>,
    /// Position of the level in the method's levels, from 0 (lowest).
    pub inherent_level: Option<i64>,
    pub existing_controls: String,
    pub residual_likelihood: Option<i64>,
    pub residual_impact: Option<i64>,
    pub residual_level: Option<i64>,
    pub treatment: Option<TreatmentOption>,
    pub status: RiskStatus,
    /// YYYY-MM-DD, from the current level's review interval.
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_on: Option<time::Date>,
    /// The assets the risk affects; present on a single risk, absent from lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets: Option<Vec<RiskAssetView>>,
    /// Send it back when updating: a stale version is refused with 409.
    pub version: i64,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl From<Risk> for RiskView {
    fn from(r: Risk) -> Self {
        Self {
            reference: r.reference(),
            id: r.id,
            title: r.title,
            description: r.description,
            threat_id: r.threat_id,
            threat_name: r.threat_name,
            vulnerability_id: r.vulnerability_id,
            vulnerability_name: r.vulnerability_name,
            confidentiality: r.confidentiality,
            integrity: r.integrity,
            availability: r.availability,
            owner_id: r.owner_id,
            owner_name: r.owner_name,
            method_version: r.method_version,
            inherent_likelihood: r.inherent_likelihood,
            inherent_impact: r.inherent_impact,
            inherent_level: r.inherent_level,
            existing_controls: r.existing_controls,
            residual_likelihood: r.residual_likelihood,
            residual_impact: r.residual_impact,
            residual_level: r.residual_level,
            treatment: r.treatment,
            status: r.status,
            next_review_on: r.next_review_on,
            assets: None,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl From<RiskRecord> for RiskView {
    fn from(record: RiskRecord) -> Self {
        Self {
            assets: Some(record.assets.into_iter().map(Into::into).collect()),
            ..record.risk.into()
        }
    }
}

/// The writable fields of a risk and, on update, the version they change; any other field
/// is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskBody {
    /// Required on update: the version this change was made to.
    #[serde(default)]
    pub version: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub threat_id: Option<String>,
    #[serde(default)]
    pub vulnerability_id: Option<String>,
    #[serde(default)]
    pub confidentiality: bool,
    #[serde(default)]
    pub integrity: bool,
    #[serde(default)]
    pub availability: bool,
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Positions on the approved method's scales, from 1; likelihood and impact in pairs.
    #[serde(default)]
    pub inherent_likelihood: Option<i64>,
    #[serde(default)]
    pub inherent_impact: Option<i64>,
    #[serde(default)]
    pub existing_controls: String,
    #[serde(default)]
    pub residual_likelihood: Option<i64>,
    #[serde(default)]
    pub residual_impact: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<TreatmentOption>)]
    pub treatment: Option<String>,
    /// Identified (the default) unless rated; `accepted` comes only from an approved
    /// acceptance.
    #[serde(default)]
    #[schema(value_type = Option<RiskStatus>)]
    pub status: Option<String>,
    /// Ids of the assets the risk affects.
    #[serde(default)]
    pub asset_ids: Vec<String>,
}

impl RiskBody {
    /// The form-shaped input, the asset ids and the version.
    fn into_parts(self) -> Result<(RiskInput, Vec<Uuid>, Option<i64>), ApiError> {
        let number = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        let flag = |on: bool| if on { "true" } else { "" }.to_owned();
        let mut asset_ids = Vec::with_capacity(self.asset_ids.len());
        for (index, raw) in self.asset_ids.iter().enumerate() {
            match Uuid::parse_str(raw.trim()) {
                Ok(id) if !asset_ids.contains(&id) => asset_ids.push(id),
                Ok(_) => {}
                Err(_) => {
                    return Err(AppError::from(ValidationErrors::single(
                        &format!("asset_ids[{index}]"),
                        "Give an asset's id.",
                    ))
                    .into());
                }
            }
        }
        let input = RiskInput {
            title: self.title,
            description: self.description,
            threat_id: self.threat_id.unwrap_or_default(),
            vulnerability_id: self.vulnerability_id.unwrap_or_default(),
            confidentiality: flag(self.confidentiality),
            integrity: flag(self.integrity),
            availability: flag(self.availability),
            owner_id: self.owner_id.unwrap_or_default(),
            inherent_likelihood: number(self.inherent_likelihood),
            inherent_impact: number(self.inherent_impact),
            existing_controls: self.existing_controls,
            residual_likelihood: number(self.residual_likelihood),
            residual_impact: number(self.residual_impact),
            treatment: self.treatment.unwrap_or_default(),
            status: self.status.unwrap_or_default(),
        };
        Ok((input, asset_ids, self.version))
    }
}

/// Risks of the organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risks", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ListParams, RiskFilterParams),
    responses((status = 200, body = ListPage<RiskView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_risks(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(list): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<RiskFilterParams>,
) -> Result<ListPage<RiskView>, ApiError> {
    let request = filters.request(&list).map_err(AppError::from)?;
    let listed = state.app.list_risks(&ctx, &request).await?;
    let walks_by_number = request.sort == RiskSort::Number;
    Ok(ListPage::new(listed, request.page, |r: &Risk| {
        walks_by_number.then_some(r.number)
    }))
}

/// Records a risk. Rated estimates are scored with the approved risk method.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/risks", tag = "risk", request_body = RiskBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = RiskView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_risk(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<RiskBody>,
) -> Result<(StatusCode, Json<RiskView>), ApiError> {
    let (input, asset_ids, _) = body.into_parts()?;
    let risk = state
        .app
        .create_risk(&ctx, &input, &asset_ids, now())
        .await?;
    Ok((StatusCode::CREATED, Json(risk.into())))
}

/// One risk, with the assets it affects.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risks/{id}", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Risk id")),
    responses((status = 200, body = RiskView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_risk(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<RiskView>, ApiError> {
    let detail = state.app.risk(&ctx, parse_id(&path.1)?).await?;
    Ok(Json(detail.record.into()))
}

/// Replaces a risk's fields; `version` must be the current version.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/risks/{id}", tag = "risk", request_body = RiskBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Risk id")),
    responses((status = 200, body = RiskView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_risk(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<RiskBody>,
) -> Result<Json<RiskView>, ApiError> {
    let id = parse_id(&path.1)?;
    let (input, asset_ids, version) = body.into_parts()?;
    let version = version.ok_or_else(|| {
        AppError::from(ValidationErrors::single(
            "version",
            "Send the version this change was made to.",
        ))
    })?;
    let risk = state
        .app
        .update_risk(&ctx, id, version, &input, &asset_ids, now())
        .await?;
    Ok(Json(risk.into()))
}

/// Deletes a risk (the audit trail keeps its last state, the score history its end).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/risks/{id}", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Risk id"), VersionQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_risk(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .delete_risk(&ctx, id, query.version, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What moving the risks to the method in force did.
#[derive(Serialize, ToSchema)]
pub struct MovedRisksView {
    /// Risks re-scored with the method in force.
    pub moved: usize,
    /// Risks whose estimates are off the new scales: re-rate them by hand.
    pub left: Vec<RiskView>,
}

/// Re-scores every risk rated with an older method version with the version in force,
/// keeping the old scores in each risk's history.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/risks/rescore", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = MovedRisksView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn rescore_risks(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<MovedRisksView>, ApiError> {
    let (moved, left) = state.app.move_risks_to_method(&ctx, now()).await?;
    Ok(Json(MovedRisksView {
        moved,
        left: left.into_iter().map(Into::into).collect(),
    }))
}

/// A heat map: open risks scored with the method in force, per cell.
#[derive(Serialize, ToSchema)]
pub struct HeatMapView {
    pub method_version: i64,
    /// `counts[l - 1][i - 1]`: risks at likelihood `l` and impact `i`.
    pub counts: Vec<Vec<i64>>,
    /// `levels[l - 1][i - 1]`: the level of each cell, from 0.
    pub levels: Vec<Vec<u8>>,
    /// Risks scored with an older version, not counted here.
    pub on_other_versions: usize,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HeatMapQuery {
    /// `inherent` (the default) or `residual`.
    #[serde(default)]
    pub of: String,
}

/// The heat map of inherent or residual risk; 404 while no method is approved.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risks/heat-map", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), HeatMapQuery),
    responses((status = 200, body = HeatMapView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn risk_heat_map(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<HeatMapQuery>,
) -> Result<Json<HeatMapView>, ApiError> {
    let residual = match query.of.as_str() {
        "" | "inherent" => false,
        "residual" => true,
        _ => {
            return Err(AppError::from(ValidationErrors::single(
                "of",
                "Use inherent or residual.",
            ))
            .into());
        }
    };
    let map = state
        .app
        .risk_heat_map(&ctx, residual)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(HeatMapView {
        method_version: map.method.version,
        levels: map.method.body.matrix.clone(),
        counts: map.counts,
        on_other_versions: map.on_other_versions,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ThreatView {
    pub id: Uuid,
    /// `TH-HD-01` for the shipped entries.
    pub reference: String,
    pub group: ThreatGroup,
    pub name: String,
    pub description: String,
    pub confidentiality: bool,
    pub integrity: bool,
    pub availability: bool,
}

#[derive(Serialize, ToSchema)]
pub struct VulnerabilityView {
    pub id: Uuid,
    /// `VU-TE-01` for the shipped entries.
    pub reference: String,
    pub category: VulnerabilityCategory,
    pub name: String,
    pub description: String,
}

/// The organisation's threat catalogue, by reference.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/threats", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = Vec<ThreatView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_threats(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<Vec<ThreatView>>, ApiError> {
    let threats = state.app.threats(&ctx).await?;
    Ok(Json(
        threats
            .into_iter()
            .map(|t| ThreatView {
                id: t.id,
                reference: t.reference,
                group: t.group,
                name: t.name,
                description: t.description,
                confidentiality: t.affects.confidentiality,
                integrity: t.affects.integrity,
                availability: t.affects.availability,
            })
            .collect(),
    ))
}

/// The organisation's vulnerability catalogue, by reference.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/vulnerabilities", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = Vec<VulnerabilityView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_vulnerabilities(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<Vec<VulnerabilityView>>, ApiError> {
    let vulnerabilities = state.app.vulnerabilities(&ctx).await?;
    Ok(Json(
        vulnerabilities
            .into_iter()
            .map(|v| VulnerabilityView {
                id: v.id,
                reference: v.reference,
                category: v.category,
                name: v.name,
                description: v.description,
            })
            .collect(),
    ))
}
