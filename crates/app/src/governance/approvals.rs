//! The approval workflow: requests for senior-management sign-off and their decisions. It
//! works on any approvable record through the register kit ([`crate::records::approvable`]):
//! submitting, deciding, withdrawing and reviewing are written once here.

use custos_domain::ValidationErrors;
use custos_domain::diff::{FieldChange, changed_fields};
use custos_domain::governance::{Approval, ApprovalStatus, COMMENT_MAX, parse_decision};
use custos_domain::list::{Listed, Page};
use custos_domain::platform::{AuditFilter, Permission, RecordType};
use custos_domain::validation::{Lines, optional_text};
use custos_store::Tx;
use custos_store::governance as store;
use custos_store::platform as platform_store;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::platform::{Change, record_change};
use crate::records::{Approvable, approvable, find_at_version};
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
    /// Why the member reading it may not decide this pending request although their role
    /// decides it (segregation of duties), if so.
    pub decision_refusal: Option<&'static str>,
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
        let kind = approvable(approval.record_type)?;
        let version_of = |version: i64| {
            history
                .iter()
                .filter_map(|event| event.after.as_ref())
                .filter(|snapshot| {
                    snapshot.get("version").and_then(serde_json::Value::as_i64) == Some(version)
                })
                .find_map(|snapshot| kind.describe(snapshot))
        };
        let submitted = version_of(approval.record_version);
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
        let changes = match (&last_approved, &submitted) {
            (Some(last), Some((_, now))) => match version_of(last.record_version) {
                Some((_, then)) => changed_fields(&then, now),
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let reference = match &submitted {
            Some((reference, _)) => reference.clone(),
            None => history
                .iter()
                .filter_map(|e| e.after.as_ref().or(e.before.as_ref()))
                .find_map(|snapshot| kind.describe(snapshot))
                .map(|(reference, _)| reference)
                .unwrap_or_default(),
        };
        let content = submitted.map(|(_, content)| content);
        let decision_refusal = if ctx.can(Permission::DecideApprovals)
            && approval.decidable_by(ctx.role(), ctx.user().id)
        {
            platform_store::role_grant(&mut conn, ctx.org_id(), ctx.user().id)
                .await?
                .and_then(|grant| {
                    approval.segregation_refusal(
                        ctx.user().id,
                        !ctx.user().must_change_password,
                        &grant,
                    )
                })
        } else {
            None
        };
        Ok(ApprovalReview {
            approval,
            reference,
            content,
            last_approved,
            changes,
            decision_refusal,
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

    /// The requests `filter` selects, pending first, to be read a page at a time (see
    /// [`crate::export`]).
    pub fn export_approvals(
        &self,
        ctx: &OrgContext,
        filter: ApprovalFilter,
    ) -> AppResult<ApprovalExport> {
        ctx.require(Permission::ViewApprovals)?;
        Ok(ApprovalExport {
            app: self.clone(),
            org_id: ctx.org_id(),
            filter,
            page: crate::export::first_page(),
            done: false,
        })
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
        // Whoever may decide some request may read them; which requests is the record
        // kind's permission and the role each is addressed to.
        ctx.require(Permission::ViewApprovals)?;
        let (decision, comment) = parse_decision(decision, comment)?;
        let mut tx = self.store.begin().await?;
        let before = store::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let kind = approvable(before.record_type)?;
        ctx.require(kind.decide_permission())?;
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
        let grant = platform_store::role_grant(&mut tx, ctx.org_id(), ctx.user().id)
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(reason) =
            before.segregation_refusal(ctx.user().id, !ctx.user().must_change_password, &grant)
        {
            return Err(AppError::Forbidden(reason.into()));
        }
        let record_change_made = kind
            .apply_decision(&mut tx, ctx, &before, decision, now)
            .await?;
        let outcome = decision.outcome();
        if !store::decide(&mut tx, ctx.org_id(), id, outcome, &grant, &comment, now).await? {
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
            Change::updated(RecordType::Approval, id, &before, &after)?,
            now,
        )
        .await?;
        self.commit(ctx, tx).await?;
        Ok(after)
    }

    /// Sends version `expected_version` of a record to the role that decides for its kind.
    /// `check` refuses, in the submission's transaction, what the caller's kind of record
    /// must not send as it now stands.
    pub(crate) async fn submit_for_approval<R: Approvable>(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        note: &str,
        now: OffsetDateTime,
        check: impl FnOnce(&R) -> AppResult<()>,
    ) -> AppResult<Approval> {
        let mut tx = self.store.begin().await?;
        let approval = submit_in::<R>(&mut tx, ctx, id, expected_version, note, now, check).await?;
        self.commit(ctx, tx).await?;
        Ok(approval)
    }

    /// Withdraws the pending requests about a record that changed or went away, inside the
    /// caller's transaction.
    pub(crate) async fn withdraw_requests(
        &self,
        tx: &mut Tx,
        ctx: &OrgContext,
        record_type: RecordType,
        id: Uuid,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let withdrawn = store::withdraw_pending_for(tx, ctx.org_id(), record_type, id, now).await?;
        for before in withdrawn {
            let after = Approval {
                status: ApprovalStatus::Withdrawn,
                decided_at: Some(now),
                ..before.clone()
            };
            record_change(
                tx,
                ctx,
                Change::updated(RecordType::Approval, before.id, &before, &after)?,
                now,
            )
            .await?;
        }
        Ok(())
    }
}

/// An export of approval requests, page by page in the order of their list.
pub struct ApprovalExport {
    app: App,
    org_id: Uuid,
    filter: ApprovalFilter,
    page: Page,
    done: bool,
}

impl crate::Export for ApprovalExport {
    type Row = Approval;

    async fn next_page(&mut self) -> AppResult<Vec<Approval>> {
        if self.done {
            return Ok(Vec::new());
        }
        let mut conn = self.app.store.reader().await?;
        let rows = store::rows(&mut conn, self.org_id, &self.filter, self.page).await?;
        self.done = crate::export::is_last_page(&rows);
        self.page.offset += u64::from(self.page.limit);
        Ok(rows)
    }
}

/// [`App::submit_for_approval`] in the caller's transaction, for use cases that write the
/// record and send it in one (a risk acceptance is asked for and sent at once).
pub(crate) async fn submit_in<R: Approvable>(
    tx: &mut Tx,
    ctx: &OrgContext,
    id: Uuid,
    expected_version: i64,
    note: &str,
    now: OffsetDateTime,
    check: impl FnOnce(&R) -> AppResult<()>,
) -> AppResult<Approval> {
    ctx.require(Permission::SubmitForApproval)?;
    let mut errors = ValidationErrors::new();
    let note = optional_text(&mut errors, "note", note, COMMENT_MAX, Lines::Many);
    errors.into_result(())?;
    let before = find_at_version::<R>(tx, ctx, id, expected_version).await?;
    let decider_role = before.decider().ok_or_else(|| {
        AppError::Internal(format!("{} records are not approvable", R::TYPE.label()))
    })?;
    before.check_submittable()?;
    check(&before)?;
    if !R::mark_submitted(tx, ctx.org_id(), &before, now).await? {
        return Err(R::changed_meanwhile());
    }
    let after = R::find(tx, ctx.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let approval = Approval {
        id: Uuid::now_v7(),
        record_type: R::TYPE,
        record_id: id,
        record_version: after.version(),
        record_title: after.title(),
        decider_role,
        requested_by: ctx.user().id,
        requested_by_name: ctx.user().name.clone(),
        requested_at: now,
        request_note: note,
        status: ApprovalStatus::Pending,
        decided_by: None,
        decided_by_name: None,
        decided_at: None,
        decision_comment: None,
        decider_role_granted_by: None,
        decider_role_granted_by_name: None,
        decider_role_granted_at: None,
    };
    store::insert(tx, ctx.org_id(), &approval).await?;
    record_change(tx, ctx, Change::updated(R::TYPE, id, &before, &after)?, now).await?;
    record_change(
        tx,
        ctx,
        Change::created(RecordType::Approval, approval.id, &approval)?,
        now,
    )
    .await?;
    Ok(approval)
}
