//! The approval workflow: requests for senior-management sign-off and their decisions.
//! Areas create requests (see `context::submit_objective`); this module lists them and
//! records decisions, handing each decision back to the area that owns the record.

use custos_domain::governance::{ApprovableRecord, Approval, ApprovalStatus, parse_decision};
use custos_domain::list::{Listed, Page};
use custos_domain::platform::Permission;
use custos_store::governance as store;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::platform::{Change, record_change};
use crate::{App, AppError, AppResult, ApprovalFilter, OrgContext};

impl App {
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
