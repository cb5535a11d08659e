//! Objectives (ISO 27001 6.2): list, read, create, edit, delete, and send for sign-off. The
//! write sequence and the approval workflow come from the register kit ([`crate::records`]);
//! this module says what is particular to objectives.

use custos_domain::ValidationErrors;
use custos_domain::context::{
    Objective, ObjectiveDraft, ObjectiveFilter, ObjectiveInput, ObjectiveList, ObjectiveSort,
    ObjectiveStatus, objectives_progress, status_after_edit, status_on_create,
};
use custos_domain::governance::{Approval, Decision};
use custos_domain::journey::JourneyStep;
use custos_domain::list::Listed;
use custos_domain::platform::{Permission, RecordType};
use custos_store::{Conn, StoreResult, Tx, context as store, platform};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::export::{ExportedRecord, RegisterExport};
use crate::records::{Approvable, StoredRecord, Written};
use crate::{App, AppError, AppResult, OrgContext};

impl StoredRecord for Objective {
    const TYPE: RecordType = RecordType::Objective;

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        store::find(conn, org_id, id).await
    }
}

impl Approvable for Objective {
    fn check_submittable(&self) -> AppResult<()> {
        if self.status.can_be_submitted() {
            return Ok(());
        }
        Err(AppError::Conflict(format!(
            "Only draft or rejected objectives can be submitted; this one is {}.",
            self.status.label().to_lowercase()
        )))
    }

    fn awaits_decision(&self) -> bool {
        self.status == ObjectiveStatus::PendingApproval
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn reference(&self) -> String {
        Objective::reference(self)
    }

    fn content(&self) -> Vec<(&'static str, String)> {
        Objective::content(self)
    }

    async fn mark_submitted(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let status = ObjectiveStatus::PendingApproval;
        store::set_status(tx, org_id, record.id, record.version, status, now).await
    }

    async fn mark_decided(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        decision: Decision,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let status = match decision {
            Decision::Approve => ObjectiveStatus::Approved,
            Decision::Reject => ObjectiveStatus::Rejected,
        };
        store::set_status(tx, org_id, record.id, record.version, status, now).await
    }
}

impl App {
    pub async fn list_objectives(
        &self,
        ctx: &OrgContext,
        request: &ObjectiveList,
    ) -> AppResult<Listed<Objective>> {
        ctx.require(Permission::ViewObjectives)?;
        self.list_counted(ctx, "objectives", &request.filter, async |conn, known| {
            store::list(conn, ctx.org_id(), request, known).await
        })
        .await
    }

    /// The objectives `request` selects, in its order, to be read a page at a time (see
    /// [`crate::export`]); its page is ignored: an export starts at the first row.
    pub fn export_objectives(
        &self,
        ctx: &OrgContext,
        request: ObjectiveList,
    ) -> AppResult<RegisterExport<Objective>> {
        ctx.require(Permission::ViewObjectives)?;
        Ok(RegisterExport::new(self, ctx.org_id(), request))
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

    /// The objectives step of the journey, for members who may see objectives.
    pub(crate) async fn objectives_step(&self, ctx: &OrgContext) -> AppResult<Option<JourneyStep>> {
        if !ctx.can(Permission::ViewObjectives) {
            return Ok(None);
        }
        let counts = self.objective_counts(ctx).await?;
        Ok(Some(objectives_progress(&counts).step()))
    }

    pub async fn create_objective(
        &self,
        ctx: &OrgContext,
        input: &ObjectiveInput,
        now: OffsetDateTime,
    ) -> AppResult<Objective> {
        ctx.require(Permission::ManageObjectives)?;
        let draft = input.parse()?;
        let status = status_on_create(draft.status)?;
        self.create_record(ctx, now, async |tx: &mut Tx| {
            check_owner(tx, ctx, &draft).await?;
            let id = Uuid::now_v7();
            let number = platform::next_reference(tx, ctx.org_id(), "objective").await?;
            store::insert(tx, ctx.org_id(), id, number, &draft, status, now).await?;
            Ok(id)
        })
        .await
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
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &Objective| {
                check_owner(tx, ctx, &draft).await?;
                let substance_changed = before.substance_differs(&draft);
                let status = status_after_edit(before.status, draft.status, substance_changed)?;
                if !substance_changed && status == before.status {
                    // Nothing to save: keep the version, so a pending request stays decidable.
                    return Ok(Written::Unchanged);
                }
                // Locks are taken in one order everywhere (record, then approvals, then the
                // audit chain) so concurrent edits and decisions cannot deadlock on PostgreSQL.
                let saved = store::update(
                    tx,
                    ctx.org_id(),
                    id,
                    before.number,
                    expected_version,
                    &draft,
                    status,
                    now,
                )
                .await?;
                if !saved {
                    return Ok(Written::Stale);
                }
                if before.awaits_decision() && status != ObjectiveStatus::PendingApproval {
                    self.withdraw_requests(tx, ctx, RecordType::Objective, id, now)
                        .await?;
                }
                Ok(Written::Saved)
            },
        )
        .await
    }

    pub async fn delete_objective(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageObjectives)?;
        self.delete_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, _: &Objective| {
                if !store::delete(tx, ctx.org_id(), id, expected_version).await? {
                    return Ok(false);
                }
                self.withdraw_requests(tx, ctx, RecordType::Objective, id, now)
                    .await?;
                Ok(true)
            },
        )
        .await
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
        self.submit_for_approval::<Objective>(ctx, id, expected_version, note, now, |_| Ok(()))
            .await
    }
}

impl ExportedRecord for Objective {
    type Filter = ObjectiveFilter;
    type Sort = ObjectiveSort;
    const BY_NUMBER: ObjectiveSort = ObjectiveSort::Number;

    fn number(&self) -> i64 {
        self.number
    }

    async fn rows(
        conn: &mut Conn,
        org_id: Uuid,
        request: &ObjectiveList,
    ) -> StoreResult<Vec<Self>> {
        store::rows(conn, org_id, request).await
    }
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
