//! The impact scale and the classification scheme over JSON.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use custos_app::assets::ImpactScaleSettings;
use custos_app::domain::ValidationErrors;
use custos_app::domain::assets::classification::{
    ClassificationLevel, ClassificationLevelInput, ClassificationSchemeInput, SchemeVersion,
    SchemeVersionStatus, level_field,
};
use custos_app::domain::assets::impact::{ImpactLevel, ImpactLevelInput, ImpactScaleInput};
use custos_app::domain::dates::rfc3339;
use custos_app::domain::list::Page;
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::governance::ApprovalView;
use super::{ApiJson, ApiQuery, ListPage};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct ImpactScaleView {
    /// Lowest impact first; assets store a level's `value`.
    pub levels: Vec<ImpactLevel>,
    /// How many times the organisation saved its scale; 0 while it uses the built-in one.
    /// Send it back when changing the scale: a stale version is refused with 409.
    pub version: i64,
    /// True while the organisation uses the built-in scale.
    pub built_in: bool,
    pub updated_at: Option<String>,
    /// The highest C, I or A value an asset holds: the scale must keep at least that many
    /// levels.
    pub highest_value_in_use: Option<u8>,
}

impl From<ImpactScaleSettings> for ImpactScaleView {
    fn from(settings: ImpactScaleSettings) -> Self {
        let saved = settings.saved;
        Self {
            built_in: saved.is_built_in(),
            levels: saved.scale.levels,
            version: saved.version,
            updated_at: saved.updated_at.map(rfc3339),
            highest_value_in_use: settings.highest_value_in_use,
        }
    }
}

/// The whole scale, lowest impact first, and the version it replaces; any other field is
/// refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactScaleUpdate {
    /// The version being replaced (0 for the built-in scale).
    pub version: i64,
    /// 3 to 6 levels.
    pub levels: Vec<ImpactLevelBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactLevelBody {
    /// Optional: a level's value is its position (1 for the first). Accepted so that a scale
    /// read with GET can be sent back as it is.
    #[serde(default)]
    pub value: Option<i64>,
    pub label: String,
    pub description: String,
}

/// The organisation's impact scale for C, I and A valuations.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/impact-scale", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = ImpactScaleView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_impact_scale(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<ImpactScaleView>, ApiError> {
    Ok(Json(state.app.impact_scale_settings(&ctx).await?.into()))
}

/// Replaces the impact scale. Labels and descriptions may change at any time and levels may
/// be added; removing levels that assets are valued at is refused with 422, since
/// valuations are never rewritten.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/impact-scale", tag = "assets", request_body = ImpactScaleUpdate,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = ImpactScaleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_impact_scale(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<ImpactScaleUpdate>,
) -> Result<Json<ImpactScaleView>, ApiError> {
    let mut errors = ValidationErrors::new();
    for (index, level) in body.levels.iter().enumerate() {
        if level
            .value
            .is_some_and(|value| usize::try_from(value) != Ok(index + 1))
        {
            errors.add(
                &level_field(index, "value"),
                format!(
                    "A level's value is its position: this one is {}. Leave value out, or \
                     list the levels from the lowest impact up.",
                    index + 1
                ),
            );
        }
    }
    errors.into_result(()).map_err(AppError::from)?;
    let input = ImpactScaleInput {
        levels: body
            .levels
            .into_iter()
            .map(|level| ImpactLevelInput {
                label: level.label,
                description: level.description,
            })
            .collect(),
    };
    state
        .app
        .update_impact_scale(&ctx, body.version, &input, now())
        .await?;
    Ok(Json(state.app.impact_scale_settings(&ctx).await?.into()))
}

/// The classification scheme in force.
#[derive(Serialize, ToSchema)]
pub struct ClassificationSchemeView {
    /// The approved version in force; absent while the built-in scheme applies.
    pub version: Option<i64>,
    /// False while the organisation has approved no version: the built-in scheme applies.
    pub approved: bool,
    pub approved_at: Option<String>,
    /// Ordered by rank, least sensitive first.
    pub levels: Vec<ClassificationLevel>,
}

/// One version of the scheme.
#[derive(Serialize, ToSchema)]
pub struct SchemeVersionView {
    /// The version's number.
    pub version: i64,
    /// Only a draft changes; a version is immutable once submitted.
    pub status: SchemeVersionStatus,
    /// Counts the saves of a draft. Send it back when saving the draft: a stale revision is
    /// refused with 409.
    pub revision: i64,
    pub levels: Vec<ClassificationLevel>,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    pub decided_at: Option<String>,
}

impl From<SchemeVersion> for SchemeVersionView {
    fn from(v: SchemeVersion) -> Self {
        Self {
            version: v.version,
            status: v.status,
            revision: v.revision,
            levels: v.levels,
            created_at: rfc3339(v.created_at),
            updated_at: rfc3339(v.updated_at),
            submitted_at: v.submitted_at.map(rfc3339),
            decided_at: v.decided_at.map(rfc3339),
        }
    }
}

/// The levels of a draft and the revision they replace; any other field is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeDraftUpdate {
    /// The revision of the draft being replaced, or 0 to start a new draft when there is
    /// none.
    pub revision: i64,
    /// 2 to 8 levels, in any order: they are kept ordered by rank.
    pub levels: Vec<ClassificationLevelBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassificationLevelBody {
    /// 1 to 99, unique; higher is more sensitive. Assets store it.
    pub rank: i64,
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// How to decide that information belongs at this level.
    pub criteria: String,
    /// The text documents, files and media are marked with.
    pub label: String,
    pub handling: String,
    pub storage: String,
    pub transfer_email: String,
    pub transfer_removable_media: String,
    pub transfer_third_parties: String,
    pub disposal: String,
}

impl From<ClassificationLevelBody> for ClassificationLevelInput {
    fn from(b: ClassificationLevelBody) -> Self {
        Self {
            rank: b.rank.to_string(),
            name: b.name,
            colour: b.colour,
            criteria: b.criteria,
            label: b.label,
            handling: b.handling,
            storage: b.storage,
            transfer_email: b.transfer_email,
            transfer_removable_media: b.transfer_removable_media,
            transfer_third_parties: b.transfer_third_parties,
            disposal: b.disposal,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeSubmitBody {
    /// The number of the draft being submitted.
    pub version: i64,
    /// The draft's revision as the sender read it: refused with 409 if it was saved since.
    #[serde(default)]
    pub revision: Option<i64>,
    /// A note to the approver.
    #[serde(default)]
    pub note: String,
}

/// The classification scheme in force: the newest approved version, or the built-in scheme
/// (`approved: false`) until the organisation approves one.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/classification-scheme", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = ClassificationSchemeView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_classification_scheme(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<ClassificationSchemeView>, ApiError> {
    let current = state.app.classification_scheme(&ctx).await?;
    Ok(Json(ClassificationSchemeView {
        version: current.approved.then_some(current.scheme.version),
        approved: current.approved,
        approved_at: current.approved_at.map(rfc3339),
        levels: current.scheme.levels,
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct VersionsQuery {
    /// Rows per page, 1 to 200 (default 25).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// Every version of the scheme, newest first: drafts, versions waiting for approval,
/// approved and rejected ones.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/classification-scheme/versions", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), VersionsQuery),
    responses((status = 200, body = ListPage<SchemeVersionView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_classification_scheme_versions(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<VersionsQuery>,
) -> Result<ListPage<SchemeVersionView>, ApiError> {
    let page = Page::requested(query.limit, query.offset)?;
    let versions = state.app.classification_scheme_versions(&ctx).await?;
    Ok(ListPage::window(
        versions.into_iter().map(Into::into).collect(),
        page,
    ))
}

/// The draft being edited; 404 when there is none.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/classification-scheme/draft", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = SchemeVersionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_classification_draft(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<SchemeVersionView>, ApiError> {
    let draft = state
        .app
        .classification_draft(&ctx)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(draft.into()))
}

/// Saves the draft, or starts one (with `revision` 0) when none is being edited. Refused
/// with 409 while a version waits for a decision.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/classification-scheme/draft", tag = "assets", request_body = SchemeDraftUpdate,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = SchemeVersionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_classification_draft(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<SchemeDraftUpdate>,
) -> Result<Json<SchemeVersionView>, ApiError> {
    let input = ClassificationSchemeInput {
        levels: body.levels.into_iter().map(Into::into).collect(),
    };
    let draft = state
        .app
        .save_classification_draft(&ctx, body.revision, &input, now())
        .await?;
    Ok(Json(draft.into()))
}

/// Sends the draft to senior management; once submitted, the version never changes. The
/// approved version becomes the scheme in force.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/classification-scheme/draft/submit", tag = "assets", request_body = SchemeSubmitBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = ApprovalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_classification_draft(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<SchemeSubmitBody>,
) -> Result<(StatusCode, Json<ApprovalView>), ApiError> {
    let approval = state
        .app
        .submit_classification_draft(&ctx, body.version, body.revision, &body.note, now())
        .await?;
    Ok((StatusCode::CREATED, Json(approval.into())))
}
