//! The audit trail as the app layer writes and reads it: every change, with who made it,
//! appended in the transaction that makes it.

use super::*;

impl App {
    /// The organisation's audit trail, newest first.
    pub async fn audit_events(
        &self,
        ctx: &OrgContext,
        filter: &AuditFilter,
        page: Page,
    ) -> AppResult<Listed<AuditEvent>> {
        ctx.require(Permission::ViewAuditLog)?;
        let mut conn = self.store.reader().await?;
        Ok(audit_store::list(&mut conn, ctx.org_id(), filter, page).await?)
    }

    /// The organisation's audit trail under `filter`, newest first, to be read a page at a
    /// time (see [`crate::export`]).
    pub fn export_audit_events(
        &self,
        ctx: &OrgContext,
        filter: AuditFilter,
    ) -> AppResult<AuditExport> {
        ctx.require(Permission::ViewAuditLog)?;
        Ok(AuditExport {
            app: self.clone(),
            org_id: ctx.org_id(),
            filter,
            before: None,
            done: false,
        })
    }
}

/// An export of the audit trail, walking it by sequence number from the newest event down.
pub struct AuditExport {
    app: App,
    org_id: Uuid,
    filter: AuditFilter,
    /// The sequence number of the last event read.
    before: Option<i64>,
    done: bool,
}

impl crate::Export for AuditExport {
    type Row = AuditEvent;

    async fn next_page(&mut self) -> AppResult<Vec<AuditEvent>> {
        if self.done {
            return Ok(Vec::new());
        }
        let mut conn = self.app.store.reader().await?;
        let events = audit_store::older_than(
            &mut conn,
            self.org_id,
            &self.filter,
            self.before,
            crate::export::EXPORT_PAGE_SIZE,
        )
        .await?;
        self.done = crate::export::is_last_page(&events);
        self.before = events.last().map(|event| event.seq);
        Ok(events)
    }
}

/// A change to one record, as the audit trail keeps it.
pub(crate) struct Change {
    action: AuditAction,
    record_type: RecordType,
    record_id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

impl Change {
    pub fn created<T: Serialize>(
        record_type: RecordType,
        record_id: impl ToString,
        after: &T,
    ) -> AppResult<Self> {
        Ok(Self {
            action: AuditAction::Create,
            record_type,
            record_id: record_id.to_string(),
            before: None,
            after: Some(snapshot(after)?),
        })
    }

    pub fn updated<B: Serialize, A: Serialize>(
        record_type: RecordType,
        record_id: impl ToString,
        before: &B,
        after: &A,
    ) -> AppResult<Self> {
        Ok(Self {
            action: AuditAction::Update,
            record_type,
            record_id: record_id.to_string(),
            before: Some(snapshot(before)?),
            after: Some(snapshot(after)?),
        })
    }

    pub fn deleted<T: Serialize>(
        record_type: RecordType,
        record_id: impl ToString,
        before: &T,
    ) -> AppResult<Self> {
        Ok(Self {
            action: AuditAction::Delete,
            record_type,
            record_id: record_id.to_string(),
            before: Some(snapshot(before)?),
            after: None,
        })
    }
}

impl Change {
    /// The event recording this change, made by `actor` at `now`.
    fn event(
        self,
        org_id: Option<Uuid>,
        actor_id: Option<Uuid>,
        actor: &str,
        now: OffsetDateTime,
    ) -> NewEvent<'_> {
        NewEvent {
            org_id,
            actor_id,
            actor,
            action: self.action,
            record_type: self.record_type.as_str(),
            record_id: self.record_id,
            before: self.before,
            after: self.after,
            occurred_at: now,
        }
    }
}

pub(crate) async fn append_change(
    tx: &mut custos_store::Tx,
    org_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    actor: &str,
    change: Change,
    now: OffsetDateTime,
) -> AppResult<()> {
    audit_store::append(tx, change.event(org_id, actor_id, actor, now)).await?;
    Ok(())
}

/// Records a change made from the command line.
pub(crate) async fn cli_event(
    tx: &mut custos_store::Tx,
    org_id: Option<Uuid>,
    change: Change,
    now: OffsetDateTime,
) -> AppResult<()> {
    append_change(tx, org_id, None, CLI_ACTOR, change, now).await
}

/// Records changes made together (an import), in order, in the caller's transaction: the
/// chain's head moves once for all of them.
pub(crate) async fn record_changes(
    tx: &mut custos_store::Tx,
    ctx: &OrgContext,
    changes: Vec<Change>,
    now: OffsetDateTime,
) -> AppResult<()> {
    audit_store::append_all(tx, EventAuthor::of(ctx).events(changes, now)).await?;
    Ok(())
}

/// Who the audit trail says made a member's or the command line's changes in an
/// organisation, owned, so events can be made away from the request (an import hashes its
/// events on another thread).
pub(crate) struct EventAuthor {
    org_id: Uuid,
    actor_id: Option<Uuid>,
    actor: String,
}

impl EventAuthor {
    pub(crate) fn of(ctx: &OrgContext) -> Self {
        let (actor_id, actor) = if ctx.command_line {
            (None, CLI_ACTOR.to_owned())
        } else {
            (Some(ctx.user.id), ctx.actor_label())
        };
        Self {
            org_id: ctx.org_id(),
            actor_id,
            actor,
        }
    }

    pub(crate) fn events(&self, changes: Vec<Change>, now: OffsetDateTime) -> Vec<NewEvent<'_>> {
        changes
            .into_iter()
            .map(|change| change.event(Some(self.org_id), self.actor_id, &self.actor, now))
            .collect()
    }
}

/// Records a change made by a member, in the caller's transaction.
pub(crate) async fn record_change(
    tx: &mut custos_store::Tx,
    ctx: &OrgContext,
    change: Change,
    now: OffsetDateTime,
) -> AppResult<()> {
    if ctx.command_line {
        return cli_event(tx, Some(ctx.org_id()), change, now).await;
    }
    append_change(
        tx,
        Some(ctx.org_id()),
        Some(ctx.user.id),
        &ctx.actor_label(),
        change,
        now,
    )
    .await
}
