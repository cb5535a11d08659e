//! The risk register and the threat and vulnerability catalogues over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use custos_app::assets::RegisterFormat;
use custos_app::domain::ValidationErrors;
use custos_app::domain::assets::LinkedAsset;
use custos_app::domain::list::ListParams;
use custos_app::domain::platform::Role;
use custos_app::domain::risk::acceptance::{AcceptanceInput, RiskAcceptance};
use custos_app::domain::risk::catalogue::{
    Threat, ThreatGroup, ThreatInput, Vulnerability, VulnerabilityCategory, VulnerabilityInput,
};
use custos_app::domain::risk::quantitative::{ExceedancePoint, LossSummary};
use custos_app::domain::risk::register::{
    Risk, RiskFilterParams, RiskInput, RiskSort, RiskStatus, TreatmentOption,
};
use custos_app::domain::risk::treatment::{ActionInput, ActionStatus, RiskAction};
use custos_app::domain::versions::VersionStatus;
use custos_app::risk::register::{RiskDetail, RiskRecord};
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::governance::ApprovalView;
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
    /// The treatment plan's target level, from 0 (lowest).
    pub target_level: Option<i64>,
    /// The quantitative estimate: events a year and loss per event (in the method's
    /// currency), each low, most likely and high; null when not estimated.
    pub annual_rate_low: Option<f64>,
    pub annual_rate_likely: Option<f64>,
    pub annual_rate_high: Option<f64>,
    pub single_loss_low: Option<f64>,
    pub single_loss_likely: Option<f64>,
    pub single_loss_high: Option<f64>,
    /// YYYY-MM-DD, from the current level's review interval.
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_on: Option<time::Date>,
    /// The assets the risk affects; present on a single risk, absent from lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets: Option<Vec<RiskAssetView>>,
    /// The treatment plan's actions; present on a single risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<ActionView>>,
    /// The acceptances asked for, newest first; present on a single risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptances: Option<Vec<AcceptanceView>>,
    /// The impact (a step of the method in force, from 1) its assets suggest: the highest
    /// effective value among the properties it harms, carried onto the method's scale.
    /// Present on a single risk when its assets are valued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_impact: Option<u8>,
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
            target_level: r.target_level,
            annual_rate_low: r.annual_rate_low,
            annual_rate_likely: r.annual_rate_likely,
            annual_rate_high: r.annual_rate_high,
            single_loss_low: r.single_loss_low,
            single_loss_likely: r.single_loss_likely,
            single_loss_high: r.single_loss_high,
            next_review_on: r.next_review_on,
            assets: None,
            actions: None,
            acceptances: None,
            suggested_impact: None,
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

impl From<RiskDetail> for RiskView {
    fn from(detail: RiskDetail) -> Self {
        Self {
            actions: Some(detail.actions.into_iter().map(Into::into).collect()),
            acceptances: Some(detail.acceptances.into_iter().map(Into::into).collect()),
            suggested_impact: detail.suggested_impact.map(|s| s.impact),
            ..detail.record.into()
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
    /// The quantitative estimate, all six or none: events a year and loss per event.
    #[serde(default)]
    pub annual_rate_low: Option<f64>,
    #[serde(default)]
    pub annual_rate_likely: Option<f64>,
    #[serde(default)]
    pub annual_rate_high: Option<f64>,
    #[serde(default)]
    pub single_loss_low: Option<f64>,
    #[serde(default)]
    pub single_loss_likely: Option<f64>,
    #[serde(default)]
    pub single_loss_high: Option<f64>,
}

impl RiskBody {
    /// The form-shaped input, the asset ids and the version.
    fn into_parts(self) -> Result<(RiskInput, Vec<Uuid>, Option<i64>), ApiError> {
        let number = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        let amount = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
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
            annual_rate_low: amount(self.annual_rate_low),
            annual_rate_likely: amount(self.annual_rate_likely),
            annual_rate_high: amount(self.annual_rate_high),
            single_loss_low: amount(self.single_loss_low),
            single_loss_likely: amount(self.single_loss_likely),
            single_loss_high: amount(self.single_loss_high),
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
    Ok(Json(detail.into()))
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
    pub on_other_versions: i64,
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
    /// The shipped catalogue's version it came from; null for the organisation's own.
    pub library_version: Option<i64>,
    /// Send it back when updating: a stale version is refused with 409.
    pub version: i64,
}

impl From<Threat> for ThreatView {
    fn from(t: Threat) -> Self {
        Self {
            id: t.id,
            reference: t.reference,
            group: t.group,
            name: t.name,
            description: t.description,
            confidentiality: t.confidentiality,
            integrity: t.integrity,
            availability: t.availability,
            library_version: t.library_version,
            version: t.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VulnerabilityView {
    pub id: Uuid,
    /// `VU-TE-01` for the shipped entries.
    pub reference: String,
    pub category: VulnerabilityCategory,
    pub name: String,
    pub description: String,
    /// The shipped catalogue's version it came from; null for the organisation's own.
    pub library_version: Option<i64>,
    /// Send it back when updating: a stale version is refused with 409.
    pub version: i64,
}

impl From<Vulnerability> for VulnerabilityView {
    fn from(v: Vulnerability) -> Self {
        Self {
            id: v.id,
            reference: v.reference,
            category: v.category,
            name: v.name,
            description: v.description,
            library_version: v.library_version,
            version: v.version,
        }
    }
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
    Ok(Json(threats.into_iter().map(Into::into).collect()))
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
    Ok(Json(vulnerabilities.into_iter().map(Into::into).collect()))
}

/// A threat's writable fields and, on update, the version they change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreatBody {
    /// Required on update.
    #[serde(default)]
    pub version: Option<i64>,
    /// Unique in the catalogue, at most 20 characters.
    pub reference: String,
    #[schema(value_type = ThreatGroup)]
    pub group: String,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub confidentiality: bool,
    #[serde(default)]
    pub integrity: bool,
    #[serde(default)]
    pub availability: bool,
}

impl ThreatBody {
    fn into_parts(self) -> (ThreatInput, Option<i64>) {
        let flag = |on: bool| if on { "true" } else { "" }.to_owned();
        let input = ThreatInput {
            reference: self.reference,
            group: self.group,
            name: self.name,
            description: self.description,
            confidentiality: flag(self.confidentiality),
            integrity: flag(self.integrity),
            availability: flag(self.availability),
        };
        (input, self.version)
    }
}

/// A vulnerability's writable fields and, on update, the version they change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VulnerabilityBody {
    /// Required on update.
    #[serde(default)]
    pub version: Option<i64>,
    /// Unique in the catalogue, at most 20 characters.
    pub reference: String,
    #[schema(value_type = VulnerabilityCategory)]
    pub category: String,
    pub name: String,
    pub description: String,
}

impl VulnerabilityBody {
    fn into_parts(self) -> (VulnerabilityInput, Option<i64>) {
        let input = VulnerabilityInput {
            reference: self.reference,
            category: self.category,
            name: self.name,
            description: self.description,
        };
        (input, self.version)
    }
}

/// Adds a threat of the organisation's own to its catalogue.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/threats", tag = "risk", request_body = ThreatBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = ThreatView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_threat(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<ThreatBody>,
) -> Result<(StatusCode, Json<ThreatView>), ApiError> {
    let (input, _) = body.into_parts();
    let threat = state.app.create_threat(&ctx, &input, now()).await?;
    Ok((StatusCode::CREATED, Json(threat.into())))
}

/// One threat of the catalogue.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/threats/{id}", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Threat id")),
    responses((status = 200, body = ThreatView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_threat(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<ThreatView>, ApiError> {
    Ok(Json(
        state.app.threat(&ctx, parse_id(&path.1)?).await?.into(),
    ))
}

/// Replaces a threat's fields; `version` must be the current version.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/threats/{id}", tag = "risk", request_body = ThreatBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Threat id")),
    responses((status = 200, body = ThreatView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_threat(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<ThreatBody>,
) -> Result<Json<ThreatView>, ApiError> {
    let id = parse_id(&path.1)?;
    let (input, version) = body.into_parts();
    let version = version_required(version)?;
    let threat = state
        .app
        .update_threat(&ctx, id, version, &input, now())
        .await?;
    Ok(Json(threat.into()))
}

/// Deletes a threat no risk names (409 otherwise).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/threats/{id}", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Threat id"), VersionQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_threat(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .delete_threat(&ctx, id, query.version, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a vulnerability of the organisation's own to its catalogue.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/vulnerabilities", tag = "risk", request_body = VulnerabilityBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = VulnerabilityView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_vulnerability(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<VulnerabilityBody>,
) -> Result<(StatusCode, Json<VulnerabilityView>), ApiError> {
    let (input, _) = body.into_parts();
    let vulnerability = state.app.create_vulnerability(&ctx, &input, now()).await?;
    Ok((StatusCode::CREATED, Json(vulnerability.into())))
}

/// One vulnerability of the catalogue.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/vulnerabilities/{id}", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Vulnerability id")),
    responses((status = 200, body = VulnerabilityView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_vulnerability(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<VulnerabilityView>, ApiError> {
    Ok(Json(
        state
            .app
            .vulnerability(&ctx, parse_id(&path.1)?)
            .await?
            .into(),
    ))
}

/// Replaces a vulnerability's fields; `version` must be the current version.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/vulnerabilities/{id}", tag = "risk", request_body = VulnerabilityBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Vulnerability id")),
    responses((status = 200, body = VulnerabilityView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_vulnerability(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<VulnerabilityBody>,
) -> Result<Json<VulnerabilityView>, ApiError> {
    let id = parse_id(&path.1)?;
    let (input, version) = body.into_parts();
    let version = version_required(version)?;
    let vulnerability = state
        .app
        .update_vulnerability(&ctx, id, version, &input, now())
        .await?;
    Ok(Json(vulnerability.into()))
}

/// Deletes a vulnerability no risk names (409 otherwise).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/vulnerabilities/{id}", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Vulnerability id"), VersionQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_vulnerability(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .delete_vulnerability(&ctx, id, query.version, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An action of a risk's treatment plan.
#[derive(Serialize, ToSchema)]
pub struct ActionView {
    pub id: Uuid,
    pub risk_id: Uuid,
    pub title: String,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<time::Date>,
    pub status: ActionStatus,
    /// In whole units of the risk method's currency.
    pub cost: Option<i64>,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<time::Date>,
    /// Send it back when updating: a stale version is refused with 409.
    pub version: i64,
}

impl From<RiskAction> for ActionView {
    fn from(a: RiskAction) -> Self {
        Self {
            id: a.id,
            risk_id: a.risk_id,
            title: a.title,
            owner_id: a.owner_id,
            owner_name: a.owner_name,
            due_on: a.due_on,
            status: a.status,
            cost: a.cost,
            completed_on: a.completed_on,
            version: a.version,
        }
    }
}

/// The writable fields of a treatment action and, on update, the version they change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// Required on update.
    #[serde(default)]
    pub version: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub owner_id: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub due_on: Option<String>,
    /// Planned (the default), in_progress, done or cancelled.
    #[serde(default)]
    #[schema(value_type = Option<ActionStatus>)]
    pub status: Option<String>,
    #[serde(default)]
    pub cost: Option<i64>,
    /// YYYY-MM-DD; a done action without one was completed the day it was marked done.
    #[serde(default)]
    pub completed_on: Option<String>,
}

impl ActionBody {
    fn into_parts(self) -> (ActionInput, Option<i64>) {
        let input = ActionInput {
            title: self.title,
            owner_id: self.owner_id.unwrap_or_default(),
            due_on: self.due_on.unwrap_or_default(),
            status: self.status.unwrap_or_default(),
            cost: self.cost.map(|c| c.to_string()).unwrap_or_default(),
            completed_on: self.completed_on.unwrap_or_default(),
        };
        (input, self.version)
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

/// Adds an action to a risk's treatment plan.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/risks/{id}/actions", tag = "risk", request_body = ActionBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Risk id")),
    responses((status = 201, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_risk_action(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<(StatusCode, Json<ActionView>), ApiError> {
    let risk_id = parse_id(&path.1)?;
    let (input, _) = body.into_parts();
    let action = state
        .app
        .add_risk_action(&ctx, risk_id, &input, now())
        .await?;
    Ok((StatusCode::CREATED, Json(action.into())))
}

/// One treatment action.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risk-actions/{id}", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Action id")),
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_risk_action(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<ActionView>, ApiError> {
    Ok(Json(
        state
            .app
            .risk_action(&ctx, parse_id(&path.1)?)
            .await?
            .into(),
    ))
}

/// Replaces a treatment action's fields; `version` must be the current version.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/risk-actions/{id}", tag = "risk", request_body = ActionBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Action id")),
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_risk_action(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<Json<ActionView>, ApiError> {
    let id = parse_id(&path.1)?;
    let (input, version) = body.into_parts();
    let version = version_required(version)?;
    let action = state
        .app
        .update_risk_action(&ctx, id, version, &input, now())
        .await?;
    Ok(Json(action.into()))
}

/// Deletes a treatment action.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/risk-actions/{id}", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Action id"), VersionQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_risk_action(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .delete_risk_action(&ctx, id, query.version, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// The risk's version this change was made to.
    pub version: i64,
    /// The level the treatment should bring the risk to, counted from 1; null for none.
    #[serde(default)]
    pub target_level: Option<i64>,
}

/// Sets the target level of a risk's treatment plan.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/risks/{id}/target", tag = "risk", request_body = TargetBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Risk id")),
    responses((status = 200, body = RiskView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_treatment_target(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<TargetBody>,
) -> Result<Json<RiskView>, ApiError> {
    let id = parse_id(&path.1)?;
    let raw = body.target_level.map(|t| t.to_string()).unwrap_or_default();
    let risk = state
        .app
        .set_treatment_target(&ctx, id, body.version, &raw, now())
        .await?;
    Ok(Json(risk.into()))
}

/// A request to accept a risk.
#[derive(Serialize, ToSchema)]
pub struct AcceptanceView {
    pub id: Uuid,
    pub risk_version: i64,
    pub method_version: i64,
    /// The level accepted, from 0 (lowest), and its name.
    pub level: i64,
    pub level_name: String,
    /// The role that decides it, as the risk method names it for the level.
    pub decider_role: Role,
    pub justification: String,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_iso_date")]
    #[schema(value_type = String, format = Date)]
    pub expires_on: time::Date,
    pub status: VersionStatus,
    pub decided_at: Option<String>,
}

impl From<RiskAcceptance> for AcceptanceView {
    fn from(a: RiskAcceptance) -> Self {
        Self {
            id: a.id,
            risk_version: a.risk_version,
            method_version: a.method_version,
            level: a.level,
            level_name: a.level_name,
            decider_role: a.decider_role,
            justification: a.justification,
            expires_on: a.expires_on,
            status: a.status,
            decided_at: a.decided_at.map(custos_app::domain::dates::rfc3339),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceBody {
    /// The risk's version as the requester read it.
    pub version: i64,
    /// Why the organisation bears the risk rather than treating it.
    pub justification: String,
    /// YYYY-MM-DD: after today, at most three years ahead.
    pub expires_on: String,
}

/// Asks for the risk to be accepted at its current level: the request goes to the role the
/// risk method names for that level; the risk becomes accepted when it is approved.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/risks/{id}/acceptance", tag = "risk", request_body = AcceptanceBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Risk id")),
    responses((status = 201, body = ApprovalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request_risk_acceptance(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<AcceptanceBody>,
) -> Result<(StatusCode, Json<ApprovalView>), ApiError> {
    let id = parse_id(&path.1)?;
    let input = AcceptanceInput {
        justification: body.justification,
        expires_on: body.expires_on,
    };
    let approval = state
        .app
        .request_risk_acceptance(&ctx, id, body.version, &input, now())
        .await?;
    Ok((StatusCode::CREATED, Json(approval.into())))
}

/// How risks are treated against their timeframe.
#[derive(Serialize, ToSchema)]
pub struct TreatmentView {
    /// Risks whose every action was done by its due date.
    pub on_time: usize,
    /// Risks with an action done late or still open past its due date.
    pub late: usize,
    pub in_progress: usize,
    /// on_time / (on_time + late); null while no treatment is finished or late.
    pub share_on_time: Option<f64>,
    pub overdue_actions: Vec<ActionView>,
}

/// Risks treated within their timeframe, and the overdue actions.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risks/treatment", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = TreatmentView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn treatment_figures(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<TreatmentView>, ApiError> {
    let figures = state.app.treatment_figures(&ctx, now().date()).await?;
    Ok(Json(TreatmentView {
        on_time: figures.on_time,
        late: figures.late,
        in_progress: figures.in_progress,
        share_on_time: figures.share_on_time,
        overdue_actions: figures
            .overdue_actions
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

/// One risk's simulated annual loss.
#[derive(Serialize, ToSchema)]
pub struct RiskLossView {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub loss: LossSummary,
}

/// The organisation's simulated annual losses.
#[derive(Serialize, ToSchema)]
pub struct LossesView {
    pub currency: String,
    pub trials: u32,
    pub risks: Vec<RiskLossView>,
    /// The year's total over every risk.
    pub total: LossSummary,
    /// The chance that the year's total exceeds each loss.
    pub curve: Vec<ExceedancePoint>,
    /// The annual loss the risk method accepts; null when it states none.
    pub loss_appetite: Option<u64>,
    /// The chance that the year's total exceeds the loss appetite.
    pub probability_above_appetite: Option<f64>,
}

/// The quantitative option: each estimated risk's annual loss (P10, P50, P90), the
/// organisation's loss-exceedance curve and its chance of losing more than its appetite.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risks/losses", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = LossesView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn risk_losses(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<LossesView>, ApiError> {
    let report = state.app.risk_losses(&ctx).await?;
    let risks = report
        .risks
        .iter()
        .filter_map(|risk| {
            Some(RiskLossView {
                id: risk.id,
                reference: risk.reference(),
                title: risk.title.clone(),
                loss: *report.simulation.risk(risk.id)?,
            })
        })
        .collect();
    Ok(Json(LossesView {
        currency: report.currency,
        trials: report.simulation.trials(),
        risks,
        total: *report.simulation.total(),
        curve: report.simulation.curve().to_vec(),
        loss_appetite: report.appetite.map(|(amount, _)| amount),
        probability_above_appetite: report.appetite.map(|(_, p)| p),
    }))
}

/// Open risks at each level at the end of each of the last twelve months.
#[derive(Serialize, ToSchema)]
pub struct TrendView {
    pub method_version: i64,
    /// The method in force's level names, lowest first: `counts` follows them.
    pub levels: Vec<String>,
    pub months: Vec<TrendMonthView>,
}

#[derive(Serialize, ToSchema)]
pub struct TrendMonthView {
    /// The month's last day (today for the current month), YYYY-MM-DD.
    pub day: String,
    pub counts: Vec<i64>,
    pub unrated: i64,
}

/// The trend of risk levels over the last twelve months, from every risk's score history;
/// 404 while no method is approved.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risks/trend", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = TrendView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn risk_trend(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<TrendView>, ApiError> {
    let (method, points) = state
        .app
        .risk_trend(&ctx, now().date(), 12)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(TrendView {
        method_version: method.version,
        levels: method.body.levels.iter().map(|l| l.name.clone()).collect(),
        months: points
            .into_iter()
            .map(|p| TrendMonthView {
                day: p.day.to_string(),
                counts: p.counts,
                unrated: p.unrated,
            })
            .collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// csv (the default) or xlsx.
    #[serde(default)]
    pub format: String,
}

/// The risks the filters select as a CSV or XLSX file: levels by name, assets by reference,
/// whether each is within the appetite of the method that scored it.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risks/export", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ExportQuery, ListParams, RiskFilterParams),
    responses((status = 200, description = "The file",
            content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn export_risks(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<ExportQuery>,
    ApiQuery(list): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<RiskFilterParams>,
) -> Result<axum::response::Response, ApiError> {
    let format = RegisterFormat::of_param(&query.format).map_err(AppError::from)?;
    let request = filters.request(&list).map_err(AppError::from)?;
    let bytes = state.app.risk_register_file(&ctx, request, format).await?;
    let name = format!("risks.{}", format.extension());
    Ok(crate::pages::download(&name, format, bytes))
}

/// Every treatment action with its risk, current and target level, as a CSV or XLSX file.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/risks/treatment-plan", tag = "risk",
    params(("org" = String, Path, description = "Organisation slug"), ExportQuery),
    responses((status = 200, description = "The file",
            content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn export_treatment_plan(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<axum::response::Response, ApiError> {
    let format = RegisterFormat::of_param(&query.format).map_err(AppError::from)?;
    let bytes = state
        .app
        .treatment_plan_file(&ctx, format, now().date())
        .await?;
    let name = format!("risk-treatment-plan.{}", format.extension());
    Ok(crate::pages::download(&name, format, bytes))
}
