//! Approvals over JSON.

use axum::Json;
use axum::extract::{Path, State};
use custos_app::domain::governance::{Approval, ApprovalStatus};
use custos_app::domain::list::Page;
use custos_app::domain::platform::{RecordType, Role};
use custos_app::{ApprovalFilter, now};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiQuery, ListPage, parse_id};
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct ApprovalView {
    pub id: uuid::Uuid,
    /// The kind of record, e.g. `objective`.
    pub record_type: RecordType,
    pub record_id: uuid::Uuid,
    /// The version of the record that was submitted.
    pub record_version: i64,
    pub record_title: String,
    /// The role that decides.
    pub decider_role: Role,
    pub requested_by: uuid::Uuid,
    pub requested_by_name: String,
    pub requested_at: String,
    pub request_note: String,
    /// pending, approved, rejected or withdrawn.
    pub status: ApprovalStatus,
    pub decided_by: Option<uuid::Uuid>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
    pub decision_comment: Option<String>,
    /// Who had given the decider their role (absent when an instance operator did), as it
    /// stood at the decision.
    pub decider_role_granted_by: Option<uuid::Uuid>,
    pub decider_role_granted_by_name: Option<String>,
    /// When the decider had been given their role.
    pub decider_role_granted_at: Option<String>,
}

impl From<Approval> for ApprovalView {
    fn from(a: Approval) -> Self {
        Self {
            id: a.id,
            record_type: a.record_type,
            record_id: a.record_id,
            record_version: a.record_version,
            record_title: a.record_title,
            decider_role: a.decider_role,
            requested_by: a.requested_by,
            requested_by_name: a.requested_by_name,
            requested_at: custos_app::domain::dates::rfc3339(a.requested_at),
            request_note: a.request_note,
            status: a.status,
            decided_by: a.decided_by,
            decided_by_name: a.decided_by_name,
            decided_at: a.decided_at.map(custos_app::domain::dates::rfc3339),
            decision_comment: a.decision_comment,
            decider_role_granted_by: a.decider_role_granted_by,
            decider_role_granted_by_name: a.decider_role_granted_by_name,
            decider_role_granted_at: a
                .decider_role_granted_at
                .map(custos_app::domain::dates::rfc3339),
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ApprovalQuery {
    #[serde(default)]
    #[param(value_type = Option<ApprovalStatus>)]
    status: String,
    /// `true`: only the pending requests the caller may decide ("Waiting for my approval").
    #[serde(default)]
    mine: bool,
    /// Rows per page, 1 to 200 (default 25).
    limit: Option<u32>,
    /// Rows to skip.
    offset: Option<u64>,
}

/// Approval requests of the organisation, pending first.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/approvals", tag = "governance",
    params(("org" = String, Path, description = "Organisation slug"), ApprovalQuery),
    responses((status = 200, body = ListPage<ApprovalView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_approvals(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<ApprovalQuery>,
) -> Result<ListPage<ApprovalView>, ApiError> {
    let page = Page::requested(query.limit, query.offset)?;
    let listed = if query.mine {
        state.app.my_pending_approvals(&ctx, page).await?
    } else {
        let filter =
            ApprovalFilter::with_status(&query.status).map_err(custos_app::AppError::from)?;
        state.app.list_approvals(&ctx, &filter, page).await?
    };
    Ok(ListPage::new(listed, page, |_: &Approval| None))
}

/// One approval request and its decision.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/approvals/{id}", tag = "governance",
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Approval id")),
    responses((status = 200, body = ApprovalView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_approval(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
) -> Result<Json<ApprovalView>, ApiError> {
    Ok(Json(
        state.app.approval(&ctx, parse_id(&path.1)?).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// approve or reject.
    pub decision: String,
    /// Required when rejecting.
    #[serde(default)]
    pub comment: String,
}

/// Approves or rejects a pending request. Decisions are final.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/approvals/{id}/decision", tag = "governance", request_body = DecisionBody,
    params(("org" = String, Path, description = "Organisation slug"), ("id" = String, Path, description = "Approval id")),
    responses((status = 200, body = ApprovalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_approval(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<ApprovalView>, ApiError> {
    let decided = state
        .app
        .decide_approval(
            &ctx,
            parse_id(&path.1)?,
            &body.decision,
            &body.comment,
            now(),
        )
        .await?;
    Ok(Json(decided.into()))
}
