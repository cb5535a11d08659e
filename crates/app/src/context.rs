//! Objectives (ISO 27001 6.2): list, read, create, edit, delete, and send for sign-off.

use custos_domain::ValidationErrors;
use custos_domain::context::{
    Objective, ObjectiveDraft, ObjectiveFilter, ObjectiveInput, ObjectiveSort, ObjectiveStatus,
    status_after_edit,
};
use custos_domain::governance::{ApprovableRecord, Approval, ApprovalStatus, Decision};
use custos_domain::list::{Listed, Page, SortDirection};
use custos_domain::platform::Permission;
use custos_domain::validation::optional_text;
use custos_store::{Tx, context as store, governance as approvals, platform};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::platform::{Change, record_change};
use crate::{App, AppError, AppResult, OrgContext};

const RECORD_TYPE: &str = "objective";

fn changed_meanwhile() -> AppError {
    AppError::Conflict(
        "Someone else changed this objective after you opened it. Reload it to see their \
         changes, then make yours again."
            .into(),
    )
}

impl App {
    pub async fn list_objectives(
        &self,
        ctx: &OrgContext,
        filter: &ObjectiveFilter,
        sort: ObjectiveSort,
        direction: SortDirection,
        page: Page,
    ) -> AppResult<Listed<Objective>> {
        ctx.require(Permission::ViewObjectives)?;
        let mut conn = self.store.reader().await?;
        let count_key = format!("objectives {filter:?}");
        let known_total = self.count_cache.get(ctx.org_id(), &count_key);
        let listed = store::list(
            &mut conn,
            ctx.org_id(),
            filter,
            sort,
            direction,
            page,
            known_total,
        )
        .await?;
        if known_total.is_none() {
            self.count_cache
                .remember(ctx.org_id(), count_key, listed.total, listed.total_exact);
        }
        Ok(listed)
    }

    pub async fn objective(&self, ctx: &OrgContext, id: Uuid) -> AppResult<Objective> {
        ctx.require(Permission::ViewObjectives)?;
        let mut conn = self.store.reader().await?;
        store::find(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn objective_counts(
        &self,
        ctx: &OrgContext,
    ) -> AppResult<Vec<(ObjectiveStatus, i64)>> {
        ctx.require(Permission::ViewObjectives)?;
        let mut conn = self.store.reader().await?;
        Ok(store::count_by_status(&mut conn, ctx.org_id()).await?)
    }

    pub async fn create_objective(
        &self,
        ctx: &OrgContext,
        input: &ObjectiveInput,
        now: OffsetDateTime,
    ) -> AppResult<Objective> {
        ctx.require(Permission::ManageObjectives)?;
        let draft = input.parse()?;
        if draft
            .status
            .is_some_and(ObjectiveStatus::is_set_by_workflow)
        {
            return Err(ValidationErrors::single(
                "status",
                "This status is set by the approval workflow, not by hand.",
            )
            .into());
        }
        let id = Uuid::now_v7();
        let mut tx = self.store.begin().await?;
        check_owner(&mut tx, ctx, &draft).await?;
        let number = platform::next_reference(&mut tx, ctx.org_id(), RECORD_TYPE).await?;
        let status = draft.status.unwrap_or(ObjectiveStatus::Draft);
        store::insert(&mut tx, ctx.org_id(), id, number, &draft, status, now).await?;
        let objective = store::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        record_change(
            &mut tx,
            ctx,
            Change::created(RECORD_TYPE, id, &objective)?,
            now,
        )
        .await?;
        custos_store::commit(tx).await?;
        self.count_cache.forget(ctx.org_id());
        Ok(objective)
    }

    /// Saves an edit made to version `expected_version`. Changing the substance of a
    /// submitted or approved objective returns it to draft and withdraws its request.
    pub async fn update_objective(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        input: &ObjectiveInput,
        now: OffsetDateTime,
    ) -> AppResult<Objective> {
        ctx.require(Permission::ManageObjectives)?;
        let draft = input.parse()?;
        let mut tx = self.store.begin().await?;
        let before = store::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if before.version != expected_version {
            return Err(changed_meanwhile());
        }
        check_owner(&mut tx, ctx, &draft).await?;
        let substance_changed = before.substance_differs(&draft);
        let status = status_after_edit(before.status, draft.status, substance_changed)?;
        if !substance_changed && status == before.status {
            // Nothing to save: keep the version, so a pending request stays decidable.
            return Ok(before);
        }
        // Locks are taken in one order everywhere (objective, then approvals, then the audit
        // chain) so concurrent edits and decisions cannot deadlock on PostgreSQL.
        if !store::update(
            &mut tx,
            ctx.org_id(),
            id,
            before.number,
            expected_version,
            &draft,
            status,
            now,
        )
        .await?
        {
            return Err(changed_meanwhile());
        }
        if before.status == ObjectiveStatus::PendingApproval
            && status != ObjectiveStatus::PendingApproval
        {
            withdraw_requests(&mut tx, ctx, id, now).await?;
        }
        let after = store::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        record_change(
            &mut tx,
            ctx,
            Change::updated(RECORD_TYPE, id, &before, &after)?,
            now,
        )
        .await?;
        custos_store::commit(tx).await?;
        self.count_cache.forget(ctx.org_id());
        Ok(after)
    }

    pub async fn delete_objective(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageObjectives)?;
        let mut tx = self.store.begin().await?;
        let before = store::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if before.version != expected_version {
            return Err(changed_meanwhile());
        }
        if !store::delete(&mut tx, ctx.org_id(), id, expected_version).await? {
            return Err(changed_meanwhile());
        }
        withdraw_requests(&mut tx, ctx, id, now).await?;
        record_change(
            &mut tx,
            ctx,
            Change::deleted(RECORD_TYPE, id, &before)?,
            now,
        )
        .await?;
        custos_store::commit(tx).await?;
        self.count_cache.forget(ctx.org_id());
        Ok(())
    }

    /// Sends version `expected_version` of an objective to the approver role for sign-off.
    pub async fn submit_objective(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        note: &str,
        now: OffsetDateTime,
    ) -> AppResult<Approval> {
        ctx.require(Permission::SubmitForApproval)?;
        let mut errors = ValidationErrors::new();
        let note = optional_text(
            &mut errors,
            "note",
            note,
            custos_domain::governance::COMMENT_MAX,
        );
        errors.into_result(())?;
        let mut tx = self.store.begin().await?;
        let before = store::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if before.version != expected_version {
            return Err(changed_meanwhile());
        }
        if !before.status.can_be_submitted() {
            return Err(AppError::Conflict(format!(
                "Only draft or rejected objectives can be submitted; this one is {}.",
                before.status.label().to_lowercase()
            )));
        }
        if !store::set_status(
            &mut tx,
            ctx.org_id(),
            id,
            expected_version,
            ObjectiveStatus::PendingApproval,
            now,
        )
        .await?
        {
            return Err(changed_meanwhile());
        }
        let after = store::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let approval = Approval {
            id: Uuid::now_v7(),
            record_type: ApprovableRecord::Objective,
            record_id: id,
            record_version: after.version,
            record_title: after.title.clone(),
            decider_role: ApprovableRecord::Objective.decider(),
            requested_by: ctx.user().id,
            requested_by_name: ctx.user().name.clone(),
            requested_at: now,
            request_note: note,
            status: ApprovalStatus::Pending,
            decided_by: None,
            decided_by_name: None,
            decided_at: None,
            decision_comment: None,
        };
        approvals::insert(&mut tx, ctx.org_id(), &approval).await?;
        record_change(
            &mut tx,
            ctx,
            Change::updated(RECORD_TYPE, id, &before, &after)?,
            now,
        )
        .await?;
        record_change(
            &mut tx,
            ctx,
            Change::created("approval", approval.id, &approval)?,
            now,
        )
        .await?;
        custos_store::commit(tx).await?;
        self.count_cache.forget(ctx.org_id());
        Ok(approval)
    }
}

/// Applies an approval decision to the objective it is about (called by the approval
/// workflow, inside its transaction); returns the change for the workflow to record once it
/// has also closed the request, keeping the lock order objective, approval, audit chain.
pub(crate) async fn apply_decision(
    tx: &mut Tx,
    ctx: &OrgContext,
    approval: &Approval,
    decision: Decision,
    now: OffsetDateTime,
) -> AppResult<Change<'static>> {
    let before = store::find(tx, ctx.org_id(), approval.record_id)
        .await?
        .ok_or_else(|| {
            AppError::Conflict("The objective of this request no longer exists.".into())
        })?;
    if before.version != approval.record_version
        || before.status != ObjectiveStatus::PendingApproval
    {
        return Err(AppError::Conflict(
            "The objective changed after it was submitted; it must be submitted again.".into(),
        ));
    }
    let status = match decision {
        Decision::Approve => ObjectiveStatus::Approved,
        Decision::Reject => ObjectiveStatus::Rejected,
    };
    if !store::set_status(tx, ctx.org_id(), before.id, before.version, status, now).await? {
        return Err(changed_meanwhile());
    }
    let after = store::find(tx, ctx.org_id(), before.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Change::updated(RECORD_TYPE, before.id, &before, &after)
}

async fn withdraw_requests(
    tx: &mut Tx,
    ctx: &OrgContext,
    id: Uuid,
    now: OffsetDateTime,
) -> AppResult<()> {
    let withdrawn =
        approvals::withdraw_pending_for(tx, ctx.org_id(), ApprovableRecord::Objective, id, now)
            .await?;
    for before in withdrawn {
        let after = Approval {
            status: ApprovalStatus::Withdrawn,
            decided_at: Some(now),
            ..before.clone()
        };
        record_change(
            tx,
            ctx,
            Change::updated("approval", before.id, &before, &after)?,
            now,
        )
        .await?;
    }
    Ok(())
}

/// An owner must be a member of the organisation.
async fn check_owner(tx: &mut Tx, ctx: &OrgContext, draft: &ObjectiveDraft) -> AppResult<()> {
    if let Some(owner_id) = draft.owner_id
        && !platform::is_member(tx, ctx.org_id(), owner_id).await?
    {
        return Err(ValidationErrors::single("owner_id", "Choose an owner from the list.").into());
    }
    Ok(())
}
