//! The framework libraries: frameworks with their requirement trees, and the mappings
//! between frameworks' requirements.

use axum::Json;
use axum::extract::{Path, State};
use custos_app::domain::controls::library::{
    FrameworkSummary, MappingSetSummary, StoredFramework, StoredMapping,
};

use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

/// Every framework library, by reference, with the counts of its requirements.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/frameworks", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = Vec<FrameworkSummary>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_frameworks(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<Vec<FrameworkSummary>>, ApiError> {
    Ok(Json(state.app.frameworks(&ctx).await?))
}

/// A framework with its attribute fields, reference controls and requirements in reading
/// order (a parent before its children; headings have `assessable: false`).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/frameworks/{id}", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Library id, such as iso27001-2022")),
    responses((status = 200, body = StoredFramework), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_framework(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<StoredFramework>, ApiError> {
    Ok(Json(state.app.framework(&ctx, &path.1).await?))
}

/// How one requirement relates to other frameworks' requirements, through every mapping set
/// from or to its framework.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/frameworks/{id}/requirements/{requirement}/mappings", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Library id"),
        ("requirement" = String, Path, description = "Requirement id, such as A.5.1")),
    responses((status = 200, body = Vec<StoredMapping>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_requirement_mappings(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String, String)>,
) -> Result<Json<Vec<StoredMapping>>, ApiError> {
    let (_, id, requirement) = path;
    Ok(Json(
        state
            .app
            .requirement_mappings(&ctx, &id, &requirement)
            .await?,
    ))
}

/// Every mapping set between frameworks.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/mapping-sets", tag = "controls",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = Vec<MappingSetSummary>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_mapping_sets(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<Vec<MappingSetSummary>>, ApiError> {
    Ok(Json(state.app.mapping_sets(&ctx).await?))
}
