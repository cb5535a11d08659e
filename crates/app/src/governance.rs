//! The approval workflow: requests for senior-management sign-off and their decisions.
//! Areas create requests (see `context::submit_objective`); this module lists them and
//! records decisions, handing each decision back to the area that owns the record.

use custos_domain::context::Objective;
use custos_domain::diff::{FieldChange, changed_fields};
use custos_domain::governance::{ApprovableRecord, Approval, ApprovalStatus, parse_decision};
use custos_domain::list::{Listed, Page};
use custos_domain::platform::{AuditFilter, Permission};
use custos_store::governance as store;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::platform::{Change, record_change};
use crate::{App, AppError, AppResult, ApprovalFilter, OrgContext};

/// What an approver reads before deciding: the record exactly as it was submitted, and what
/// changed since the version management last approved.
#[derive(Debug, Clone)]
pub struct ApprovalReview {
    pub approval: Approval,
    /// How people cite the record, e.g. `OBJ-0003`.
    pub reference: String,
    /// The submitted version, field by field; `None` if the trail holds no copy of it.
    pub content: Option<Vec<(&'static str, String)>>,
    /// The last earlier request for this record that was approved, if any.
    pub last_approved: Option<Approval>,
    /// The fields that differ between the last approved version and the submitted one.
    pub changes: Vec<FieldChange>,
}

impl App {
    /// The request with the submitted content and the changes since the last approval. The
    /// content comes from the audit trail, which keeps every version of the record, so it is
    /// the version signed even when the record has changed since.
    pub async fn approval_review(&self, ctx: &OrgContext, id: Uuid) -> AppResult<ApprovalReview> {
        let approval = self.approval(ctx, id).await?;
        let mut conn = self.store.reader().await?;
        let filter = AuditFilter {
            record_type: Some(approval.record_type.as_str().to_owned()),
            record_id: Some(approval.record_id.to_string()),
            ..AuditFilter::default()
        };
        let history =
            custos_store::audit::list(&mut conn, ctx.org_id(), &filter, Page::everything())
                .await?
                .items;
        let version_of = |version: i64| -> Option<Objective> {
            history
                .iter()
                .filter_map(|event| event.after.as_ref())
                .filter(|snapshot| {
                    snapshot.get("version").and_then(serde_json::Value::as_i64) == Some(version)
                })
                .find_map(|snapshot| serde_json::from_value::<Objective>(snapshot.clone()).ok())
        };
        let submitted = match approval.record_type {
            ApprovableRecord::Objective => version_of(approval.record_version),
        };
        let earlier = ApprovalFilter {
            status: Some(ApprovalStatus::Approved),
            record_type: Some(approval.record_type),
            record_id: Some(approval.record_id),
            ..ApprovalFilter::default()
        };
        let last_approved = store::list(&mut conn, ctx.org_id(), &earlier, Page::everything())
            .await?
            .items
            .into_iter()
            .filter(|a| a.id != approval.id && a.requested_at <= approval.requested_at)
            .max_by_key(|a| (a.requested_at, a.record_version));
        let content = submitted.as_ref().map(Objective::content);
        let changes = match (&last_approved, &content) {
            (Some(last), Some(now)) => match version_of(last.record_version) {
                Some(then) => changed_fields(&then.content(), now),
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let reference = submitted
            .as_ref()
            .or(history
                .iter()
                .filter_map(|e| e.after.as_ref().or(e.before.as_ref()))
                .find_map(|s| serde_json::from_value::<Objective>(s.clone()).ok())
                .as_ref())
            .map(Objective::reference)
            .unwrap_or_default();
        Ok(ApprovalReview {
            approval,
            reference,
            content,
            last_approved,
            changes,
        })
    }

    pub async fn list_approvals(
        &self,
        ctx: &OrgContext,
        filter: &ApprovalFilter,
        page: Page,
    ) -> AppResult<Listed<Approval>> {
        ctx.require(Permission::ViewApprovals)?;
        let mut conn = self.store.reader().await?;
        Ok(store::list(&mut conn, ctx.org_id(), filter, page).await?)
    }

    /// "Waiting for my approval": pending requests addressed to the member's role.
    pub async fn my_pending_approvals(
        &self,
        ctx: &OrgContext,
        page: Page,
    ) -> AppResult<Listed<Approval>> {
        if !ctx.can(Permission::DecideApprovals) {
            return Ok(Listed::exact(Vec::new(), 0));
        }
        let filter = ApprovalFilter {
            status: Some(ApprovalStatus::Pending),
            decider_role: Some(ctx.role()),
            ..ApprovalFilter::default()
        };
        self.list_approvals(ctx, &filter, page).await
    }

    pub async fn approval(&self, ctx: &OrgContext, id: Uuid) -> AppResult<Approval> {
        ctx.require(Permission::ViewApprovals)?;
        let mut conn = self.store.reader().await?;
        store::find(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Approves or rejects a pending request. The decision is final: a decided request
    /// cannot be decided again, and nobody decides on their own request.
    pub async fn decide_approval(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        decision: &str,
        comment: &str,
        now: OffsetDateTime,
    ) -> AppResult<Approval> {
        ctx.require(Permission::DecideApprovals)?;
        let (decision, comment) = parse_decision(decision, comment)?;
        let mut tx = self.store.begin().await?;
        let before = store::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if before.status != ApprovalStatus::Pending {
            return Err(AppError::Conflict(format!(
                "This request is already closed ({}); decisions cannot be changed.",
                before.status.label().to_lowercase()
            )));
        }
        if before.decider_role != ctx.role() {
            return Err(AppError::Forbidden(format!(
                "This request is addressed to the {} role.",
                before.decider_role.label()
            )));
        }
        if before.requested_by == ctx.user().id {
            return Err(AppError::Forbidden(
                "Nobody may decide on their own request.".into(),
            ));
        }
        let record_change_made = match before.record_type {
            ApprovableRecord::Objective => {
                crate::context::apply_decision(&mut tx, ctx, &before, decision, now).await?
            }
        };
        let outcome = decision.outcome();
        if !store::decide(
            &mut tx,
            ctx.org_id(),
            id,
            outcome,
            ctx.user().id,
            &comment,
            now,
        )
        .await?
        {
            return Err(AppError::Conflict(
                "Someone decided on this request a moment ago.".into(),
            ));
        }
        let after = store::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        record_change(&mut tx, ctx, record_change_made, now).await?;
        record_change(
            &mut tx,
            ctx,
            Change::updated("approval", id, &before, &after)?,
            now,
        )
        .await?;
        custos_store::commit(tx).await?;
        Ok(after)
    }
}
