//! Health, identity and the audit trail.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custos_app::domain::list::Page;
use custos_app::domain::platform::{AuditEvent, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiQuery, ListPage};
use crate::AppState;
use crate::auth::{ApiOrg, ApiUser};
use crate::error::{ApiError, Problem};

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "platform", security(), responses((status = 200, description = "Alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and its schema is current.
#[utoipa::path(get, path = "/readyz", tag = "platform", security(), responses((status = 200, description = "Ready"), (status = 503, description = "Not ready")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.ready().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MembershipView {
    pub organisation: String,
    pub name: String,
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: uuid::Uuid,
    pub email: String,
    pub name: String,
    pub memberships: Vec<MembershipView>,
}

/// The authenticated user and their organisations.
#[utoipa::path(get, path = "/api/v1/me", tag = "platform", responses((status = 200, body = MeView), (status = 401, body = Problem)))]
pub async fn me(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<MeView>, ApiError> {
    let memberships = state.app.memberships(&principal).await?;
    Ok(Json(MeView {
        id: principal.user.id,
        email: principal.user.email,
        name: principal.user.name,
        memberships: memberships
            .into_iter()
            .map(|m| MembershipView {
                organisation: m.organisation.slug,
                name: m.organisation.name,
                role: m.role.as_str().into(),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: uuid::Uuid,
    pub seq: i64,
    pub actor_id: Option<uuid::Uuid>,
    pub actor: String,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub occurred_at: String,
    pub hash: String,
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            seq: e.seq,
            actor_id: e.actor_id,
            actor: e.actor,
            action: e.action.as_str().into(),
            record_type: e.record_type,
            record_id: e.record_id,
            before: e.before,
            after: e.after,
            occurred_at: custos_app::domain::dates::rfc3339(e.occurred_at),
            hash: e.hash,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events about this record type, e.g. `objective`.
    #[serde(default)]
    record_type: String,
    /// Only events about this record id.
    #[serde(default)]
    record_id: String,
    /// `create`, `update` or `delete`.
    #[serde(default)]
    action: String,
    /// First day included (YYYY-MM-DD, UTC).
    #[serde(default)]
    from: String,
    /// Last day included (YYYY-MM-DD, UTC).
    #[serde(default)]
    until: String,
    limit: Option<u32>,
    offset: Option<u64>,
}

/// The organisation's audit trail, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/audit-events", tag = "platform",
    params(("org" = String, Path, description = "Organisation slug"), AuditQuery),
    responses((status = 200, body = ListPage<AuditEventView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_audit_events(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<ListPage<AuditEventView>>, ApiError> {
    let filter = AuditFilter::parse(
        &query.record_type,
        &query.record_id,
        &query.action,
        &query.from,
        &query.until,
    )?;
    let page = Page::new(query.limit, query.offset);
    let listed = state.app.audit_events(&ctx, &filter, page).await?;
    Ok(Json(ListPage {
        items: listed.items.into_iter().map(Into::into).collect(),
        total: listed.total,
        limit: page.limit,
        offset: page.offset,
    }))
}
