//! The asset inventory over JSON.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use custos_app::assets::AssetValuation;
use custos_app::domain::ValidationErrors;
use custos_app::domain::assets::bulk::{AssetBulkInput, CLEAR};
use custos_app::domain::assets::figures::AssetFigures;
use custos_app::domain::assets::valuation::EffectiveLevel;
use custos_app::domain::assets::{
    Asset, AssetFilterParams, AssetInput, AssetReference, AssetSort, AssetStatus, AssetType,
    LinkedAsset,
};
use custos_app::domain::list::ListParams;
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiQuery, ListPage, VersionQuery, parse_id};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct AssetView {
    pub id: uuid::Uuid,
    /// Human reference, e.g. `AST-0007`.
    #[schema(value_type = String)]
    pub reference: AssetReference,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub asset_type: AssetType,
    pub owner_id: Option<uuid::Uuid>,
    pub owner_name: Option<String>,
    pub custodian_id: Option<uuid::Uuid>,
    pub custodian_name: Option<String>,
    pub location: String,
    /// The rank of its level in the organisation's classification scheme.
    pub classification: Option<i64>,
    /// Impact levels on the organisation's scale (1 = lowest).
    pub confidentiality: Option<i64>,
    pub integrity: Option<i64>,
    pub availability: Option<i64>,
    pub status: AssetStatus,
    pub tags: Vec<String>,
    /// The asset's id in another inventory; imports match on it.
    pub external_id: Option<String>,
    /// YYYY-MM-DD.
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub last_reviewed_on: Option<time::Date>,
    /// YYYY-MM-DD.
    #[serde(serialize_with = "custos_app::domain::dates::serialize_optional_iso_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_on: Option<time::Date>,
    /// Send it back when updating: a stale version is refused with 409.
    pub version: i64,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(serialize_with = "custos_app::domain::dates::serialize_rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl From<Asset> for AssetView {
    fn from(a: Asset) -> Self {
        Self {
            reference: AssetReference(a.number),
            id: a.id,
            name: a.name,
            description: a.description,
            asset_type: a.asset_type,
            owner_id: a.owner_id,
            owner_name: a.owner_name,
            custodian_id: a.custodian_id,
            custodian_name: a.custodian_name,
            location: a.location,
            classification: a.classification,
            confidentiality: a.confidentiality,
            integrity: a.integrity,
            availability: a.availability,
            status: a.status,
            tags: a.tags,
            external_id: a.external_id,
            last_reviewed_on: a.last_reviewed_on,
            next_review_on: a.next_review_on,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// The writable fields of an asset; any other field is refused. An update also carries
/// `version`, the version it was made to; a create carries none.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetBody {
    /// On update only: the version this change was made to (a stale one is refused with 409).
    #[serde(default)]
    pub version: Option<i64>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "type")]
    #[schema(value_type = AssetType)]
    pub asset_type: String,
    #[serde(default)]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub custodian_id: Option<String>,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub classification: Option<i64>,
    #[serde(default)]
    pub confidentiality: Option<i64>,
    #[serde(default)]
    pub integrity: Option<i64>,
    #[serde(default)]
    pub availability: Option<i64>,
    /// planned, in_use (the default) or retired.
    #[serde(default)]
    #[schema(value_type = Option<AssetStatus>)]
    pub status: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub last_reviewed_on: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub next_review_on: Option<String>,
}

impl AssetBody {
    /// The version, and the fields as a form would send them (tags joined by commas, so a
    /// tag may not hold one).
    fn into_parts(self) -> Result<(Option<i64>, AssetInput), AppError> {
        if self.tags.iter().any(|tag| tag.contains(',')) {
            return Err(ValidationErrors::single("tags", "A tag cannot contain a comma.").into());
        }
        let level = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        let input = AssetInput {
            name: self.name,
            description: self.description,
            asset_type: self.asset_type,
            owner_id: self.owner_id.unwrap_or_default(),
            custodian_id: self.custodian_id.unwrap_or_default(),
            location: self.location,
            classification: level(self.classification),
            confidentiality: level(self.confidentiality),
            integrity: level(self.integrity),
            availability: level(self.availability),
            status: self.status.unwrap_or_default(),
            tags: self.tags.join(","),
            external_id: self.external_id.unwrap_or_default(),
            last_reviewed_on: self.last_reviewed_on.unwrap_or_default(),
            next_review_on: self.next_review_on.unwrap_or_default(),
        };
        Ok((self.version, input))
    }
}

/// Assets of the organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/assets", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), ListParams, AssetFilterParams),
    responses((status = 200, body = ListPage<AssetView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_assets(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(list): ApiQuery<ListParams>,
    ApiQuery(filters): ApiQuery<AssetFilterParams>,
) -> Result<ListPage<AssetView>, ApiError> {
    let request = filters.request(&list).map_err(AppError::from)?;
    let listed = state.app.list_assets(&ctx, &request).await?;
    let walks_by_number = request.sort == AssetSort::Number;
    Ok(ListPage::new(listed, request.page, |a: &Asset| {
        walks_by_number.then_some(a.number)
    }))
}

/// Adds an asset to the inventory.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/assets", tag = "assets", request_body = AssetBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = AssetView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_asset(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<AssetBody>,
) -> Result<(StatusCode, Json<AssetView>), ApiError> {
    let (version, input) = body.into_parts()?;
    if version.is_some() {
        return Err(AppError::from(ValidationErrors::single(
            "version",
            "A new asset has no version yet; send version only when updating.",
        ))
        .into());
    }
    let asset = state.app.create_asset(&ctx, &input, now()).await?;
    Ok((StatusCode::CREATED, Json(asset.into())))
}

/// One asset.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/assets/{id}", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Asset id")),
    responses((status = 200, body = AssetView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_asset(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<AssetView>, ApiError> {
    Ok(Json(
        state.app.asset(&ctx, parse_id(&path.1)?).await?.into(),
    ))
}

/// Replaces an asset's fields; `version` must be the current version.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/assets/{id}", tag = "assets", request_body = AssetBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Asset id")),
    responses((status = 200, body = AssetView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_asset(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<AssetBody>,
) -> Result<Json<AssetView>, ApiError> {
    let id = parse_id(&path.1)?;
    let (version, input) = body.into_parts()?;
    let version = version.ok_or_else(|| {
        AppError::from(ValidationErrors::single(
            "version",
            "Send the version this change was made to.",
        ))
    })?;
    let asset = state
        .app
        .update_asset(&ctx, id, version, &input, now())
        .await?;
    Ok(Json(asset.into()))
}

/// Deletes an asset (the audit trail keeps its last state).
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/assets/{id}", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Asset id"), VersionQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_asset(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .delete_asset(&ctx, id, query.version, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An asset named in another asset's valuation or links.
#[derive(Serialize, ToSchema)]
pub struct LinkedAssetView {
    pub id: uuid::Uuid,
    /// e.g. `AST-0007`.
    pub reference: String,
    pub name: String,
}

impl From<LinkedAsset> for LinkedAssetView {
    fn from(asset: LinkedAsset) -> Self {
        Self {
            reference: asset.reference(),
            id: asset.id,
            name: asset.name,
        }
    }
}

/// One effective value and the asset whose own value it is.
#[derive(Serialize, ToSchema)]
pub struct EffectiveValueView {
    pub level: u8,
    /// The asset itself, or one that depends on it, directly or through others.
    pub source_id: uuid::Uuid,
}

/// An asset's place in the support graph and the values it takes from it.
#[derive(Serialize, ToSchema)]
pub struct AssetValuationView {
    /// Its effective confidentiality: its own, raised to the highest of what depends on it.
    pub confidentiality: Option<EffectiveValueView>,
    pub integrity: Option<EffectiveValueView>,
    pub availability: Option<EffectiveValueView>,
    /// The highest of the three (the documented overall rule).
    pub overall: Option<u8>,
    /// Assets that depend on this one.
    pub supports: Vec<LinkedAssetView>,
    /// Assets this one depends on.
    pub depends_on: Vec<LinkedAssetView>,
    /// The assets its effective values come from, other than itself.
    pub sources: Vec<LinkedAssetView>,
}

impl From<AssetValuation> for AssetValuationView {
    fn from(valuation: AssetValuation) -> Self {
        let value = |level: Option<EffectiveLevel>| {
            level.map(|level| EffectiveValueView {
                level: level.level,
                source_id: level.source,
            })
        };
        let views = |assets: Vec<LinkedAsset>| assets.into_iter().map(Into::into).collect();
        Self {
            confidentiality: value(valuation.effective.confidentiality),
            integrity: value(valuation.effective.integrity),
            availability: value(valuation.effective.availability),
            overall: valuation.overall,
            supports: views(valuation.supports),
            depends_on: views(valuation.supported_by),
            sources: views(valuation.sources),
        }
    }
}

/// An asset's effective C, I and A, where each comes from, and its links both ways.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/assets/{id}/valuation", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Asset id")),
    responses((status = 200, body = AssetValuationView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_asset_valuation(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<AssetValuationView>, ApiError> {
    let id = parse_id(&path.1)?;
    Ok(Json(state.app.asset_valuation(&ctx, id).await?.into()))
}

/// Records that asset `id` supports asset `other` (`other` depends on it). Idempotent; a
/// link that would close a loop is refused with 422, naming the loop.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/assets/{id}/supports/{other}", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "The supporting asset's id"), ("other" = String, Path, description = "The dependant asset's id")),
    responses((status = 204, description = "Linked"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_asset_link(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (supporting, dependant) = (parse_id(&path.1)?, parse_id(&path.2)?);
    state
        .app
        .put_asset_link(&ctx, supporting, dependant, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the link "asset `id` supports asset `other`".
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/assets/{id}/supports/{other}", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "The supporting asset's id"), ("other" = String, Path, description = "The dependant asset's id")),
    responses((status = 204, description = "Unlinked"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_asset_link(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (supporting, dependant) = (parse_id(&path.1)?, parse_id(&path.2)?);
    state
        .app
        .remove_asset_link(&ctx, supporting, dependant, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An asset whose effective values follow another's, with its values now.
#[derive(Serialize, ToSchema)]
pub struct MovedAssetView {
    #[serde(flatten)]
    pub asset: LinkedAssetView,
    pub confidentiality: Option<u8>,
    pub integrity: Option<u8>,
    pub availability: Option<u8>,
    pub overall: Option<u8>,
}

/// Every asset supporting this one, directly or through others, with its effective values:
/// the assets whose values move when this one's change.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/assets/{id}/supporters", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Asset id")),
    responses((status = 200, body = Vec<MovedAssetView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_asset_supporters(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<Vec<MovedAssetView>>, ApiError> {
    let id = parse_id(&path.1)?;
    let moved = state.app.assets_moved_by(&ctx, id).await?;
    let level = |level: Option<EffectiveLevel>| level.map(|l| l.level);
    Ok(Json(
        moved
            .into_iter()
            .map(|moved| MovedAssetView {
                confidentiality: level(moved.effective.confidentiality),
                integrity: level(moved.effective.integrity),
                availability: level(moved.effective.availability),
                overall: moved.overall,
                asset: moved.asset.into(),
            })
            .collect(),
    ))
}

/// One change made to many assets. In `set`, a field left out is left as it is and `null`
/// empties it (`status` cannot be emptied).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetBulkBody {
    /// The assets to change (at most 500), by id.
    pub ids: Vec<uuid::Uuid>,
    pub set: AssetBulkSet,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetBulkSet {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub owner_id: Option<Option<uuid::Uuid>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub classification: Option<Option<i64>>,
    #[serde(default)]
    #[schema(value_type = Option<AssetStatus>)]
    pub status: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_on: Option<Option<String>>,
}

/// A field that is present (`Some`), possibly as `null` (`Some(None)`); absent is `None`
/// through `#[serde(default)]`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl AssetBulkSet {
    /// The change as the bulk form writes it: empty leaves a field, `none` clears it.
    fn into_input(self) -> AssetBulkInput {
        fn text<T: ToString>(value: Option<Option<T>>) -> String {
            match value {
                None => String::new(),
                Some(None) => CLEAR.to_owned(),
                Some(Some(value)) => value.to_string(),
            }
        }
        AssetBulkInput {
            owner_id: text(self.owner_id),
            classification: text(self.classification),
            status: self.status.unwrap_or_default(),
            next_review_on: text(self.next_review_on),
        }
    }
}

/// What a bulk change did.
#[derive(Serialize, ToSchema)]
pub struct AssetBulkResult {
    /// The assets it changed, each with its new version (one audit event each); the others
    /// already had the values asked for.
    pub changed: Vec<AssetView>,
}

/// Makes one change to many assets, in one transaction: all or nothing.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/assets/bulk", tag = "assets", request_body = AssetBulkBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = AssetBulkResult), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn bulk_change_assets(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<AssetBulkBody>,
) -> Result<Json<AssetBulkResult>, ApiError> {
    let input = body.set.into_input();
    let changed = state
        .app
        .bulk_change_assets(&ctx, &body.ids, &input, now())
        .await?;
    Ok(Json(AssetBulkResult {
        changed: changed.into_iter().map(Into::into).collect(),
    }))
}

/// How often the organisation reviews its assets.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewPeriodBody {
    /// Months between two reviews of an asset, 1 to 60.
    pub months: u8,
}

/// How often the organisation reviews its assets: an asset reviewed without a next review
/// date is next due this many months later.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/assets/review-period", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = ReviewPeriodBody), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_review_period(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<ReviewPeriodBody>, ApiError> {
    let period = state.app.asset_review_period(&ctx).await?;
    Ok(Json(ReviewPeriodBody {
        months: period.months,
    }))
}

/// Changes how often the organisation reviews its assets (reviews already planned keep
/// their dates).
#[utoipa::path(put, path = "/api/v1/orgs/{org}/assets/review-period", tag = "assets", request_body = ReviewPeriodBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = ReviewPeriodBody), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_review_period(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<ReviewPeriodBody>,
) -> Result<Json<ReviewPeriodBody>, ApiError> {
    let months = body.months.to_string();
    let period = state
        .app
        .set_asset_review_period(&ctx, &months, now())
        .await?;
    Ok(Json(ReviewPeriodBody {
        months: period.months,
    }))
}

/// The shares of the inventory (assets not retired) that KPIs are built on: with an owner,
/// classified, valued on all of C, I and A, and reviewed within the review period.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/assets/figures", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = AssetFigures), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_asset_figures(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<AssetFigures>, ApiError> {
    Ok(Json(state.app.asset_figures(&ctx, now().date()).await?))
}
