//! Health, identity, members and invitations, and the audit trail.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custos_app::domain::list::Page;
use custos_app::domain::platform::{
    AuditAction, AuditEvent, AuditFilter, Invitation, InvitationStatus, Role,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiQuery, ListPage, parse_id};
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
    pub role: Role,
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
                role: m.role,
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
    pub action: AuditAction,
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
            action: e.action,
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
    #[serde(default)]
    #[param(value_type = Option<AuditAction>)]
    action: String,
    /// First day included (YYYY-MM-DD, UTC).
    #[serde(default)]
    from: String,
    /// Last day included (YYYY-MM-DD, UTC).
    #[serde(default)]
    until: String,
    /// Rows per page, 1 to 200 (default 25).
    limit: Option<u32>,
    /// Rows to skip.
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
) -> Result<ListPage<AuditEventView>, ApiError> {
    let filter = AuditFilter::parse(
        &query.record_type,
        &query.record_id,
        &query.action,
        &query.from,
        &query.until,
    )?;
    let page = Page::requested(query.limit, query.offset)?;
    let listed = state.app.audit_events(&ctx, &filter, page).await?;
    Ok(ListPage {
        items: listed.items.into_iter().map(Into::into).collect(),
        total: listed.total,
        total_exact: listed.total_exact,
        limit: page.limit,
        offset: page.offset,
        next_after: None,
    })
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: uuid::Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl From<custos_app::Member> for MemberView {
    fn from(m: custos_app::Member) -> Self {
        Self {
            user_id: m.user_id,
            name: m.name,
            email: m.email,
            role: m.role,
        }
    }
}

/// The members of the organisation and their roles (administrators and auditors).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/members", tag = "platform",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = Vec<MemberView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_members(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    let members = state.app.list_members(&ctx).await?;
    Ok(Json(members.into_iter().map(Into::into).collect()))
}

fn parse_role(raw: &str) -> Result<Role, ApiError> {
    Role::parse(raw).ok_or_else(|| {
        ApiError(
            custos_app::domain::ValidationErrors::single(
                "role",
                "Use admin, isms_manager, approver, contributor, auditor or staff.",
            )
            .into(),
        )
    })
}

/// An invitation that has not been answered (yet).
#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub id: uuid::Uuid,
    pub email: String,
    pub role: Role,
    /// `pending`, or `expired` (invite the address again for a new link).
    pub status: InvitationStatus,
    pub invited_by: uuid::Uuid,
    pub invited_by_name: String,
    pub created_at: String,
    pub expires_at: String,
}

impl InvitationView {
    fn new(invitation: Invitation, now: time::OffsetDateTime) -> Self {
        Self {
            status: invitation.status(now),
            id: invitation.id,
            email: invitation.email,
            role: invitation.role,
            invited_by: invitation.invited_by,
            invited_by_name: invitation.invited_by_name,
            created_at: custos_app::domain::dates::rfc3339(invitation.created_at),
            expires_at: custos_app::domain::dates::rfc3339(invitation.expires_at),
        }
    }
}

/// The organisation's invitations waiting for an answer, expired ones included, newest first
/// (administrators only).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/invitations", tag = "platform",
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 200, body = Vec<InvitationView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_invitations(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
) -> Result<Json<Vec<InvitationView>>, ApiError> {
    let now = custos_app::now();
    let invitations = state.app.invitations(&ctx).await?;
    Ok(Json(
        invitations
            .into_iter()
            .map(|i| InvitationView::new(i, now))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitationBody {
    pub email: String,
    #[schema(value_type = Role)]
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewInvitationView {
    #[serde(flatten)]
    pub invitation: InvitationView,
    /// The link to pass on to the person invited, returned this once: it works once, until
    /// `expires_at`. Only a hash of it is stored.
    pub link: String,
}

/// Invites someone to the organisation with a role. The answer is the same whether or not
/// the address has an account, and nothing but the invitation is created: the person becomes
/// a member when they open `link` and accept, in a browser (accepting is web-only: it logs
/// them in, or creates their account). Inviting an address again renews its invitation with a
/// new link; the previous link stops working.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/invitations", tag = "platform", request_body = NewInvitationBody,
    params(("org" = String, Path, description = "Organisation slug")),
    responses((status = 201, body = NewInvitationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_invitation(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiJson(body): ApiJson<NewInvitationBody>,
) -> Result<(StatusCode, Json<NewInvitationView>), ApiError> {
    let role = parse_role(&body.role)?;
    let now = custos_app::now();
    let invited = state.app.invite(&ctx, &body.email, role, now).await?;
    let link = state.config.public_link(&invited.path());
    Ok((
        StatusCode::CREATED,
        Json(NewInvitationView {
            invitation: InvitationView::new(invited.invitation, now),
            link,
        }),
    ))
}

/// Revokes an invitation that has not been accepted: its link stops working.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/invitations/{id}", tag = "platform",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state
        .app
        .revoke_invitation(&ctx, id, custos_app::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    #[schema(value_type = Role)]
    pub role: String,
}

/// Changes a member's role.
#[utoipa::path(put, path = "/api/v1/orgs/{org}/members/{id}", tag = "platform", request_body = RoleBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Changed"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_member_role(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    let role = parse_role(&body.role)?;
    state
        .app
        .change_member_role(&ctx, id, role, custos_app::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member; their API tokens for the organisation are revoked.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/members/{id}", tag = "platform",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_member(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&path.1)?;
    state.app.remove_member(&ctx, id, custos_app::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
