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

pub(crate) async fn append_change(
    tx: &mut custos_store::Tx,
    org_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    actor: &str,
    change: Change,
    now: OffsetDateTime,
) -> AppResult<()> {
    audit_store::append(
        tx,
        NewEvent {
            org_id,
            actor_id,
            actor,
            action: change.action,
            record_type: change.record_type.as_str(),
            record_id: change.record_id,
            before: change.before,
            after: change.after,
            occurred_at: now,
        },
    )
    .await?;
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

/// Records a change made by a member, in the caller's transaction.
pub(crate) async fn record_change(
    tx: &mut custos_store::Tx,
    ctx: &OrgContext,
    change: Change,
    now: OffsetDateTime,
) -> AppResult<()> {
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
