//! Approval requests and decisions. A decision is written once: the update only matches a
//! pending request, so a decided request can never be decided again.

use custos_domain::governance::{Approval, ApprovalFilter, ApprovalStatus};
use custos_domain::list::{Listed, Page};
use custos_domain::platform::RecordType;
use custos_domain::platform::{Role, RoleGrant};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, RowReader};
use crate::sql::{self, Statement};
use crate::{StoreResult, params};

/// The columns [`Approval`]'s mapping reads, in its order.
macro_rules! select {
    () => {
        "SELECT a.id, a.record_type, a.record_id, a.record_version, a.record_title, a.decider_role, \
         a.requested_by, r.name, a.requested_at, a.request_note, a.status, a.decided_by, d.name, \
         a.decided_at, a.decision_comment, a.decider_granted_by, g.name, a.decider_granted_at \
         FROM approvals a JOIN users r ON r.id = a.requested_by LEFT JOIN users d ON d.id = a.decided_by \
         LEFT JOIN users g ON g.id = a.decider_granted_by"
    };
}

impl FromRow for Approval {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Approval {
            id: row.get()?,
            record_type: row.parsed(RecordType::parse)?,
            record_id: row.get()?,
            record_version: row.get()?,
            record_title: row.get()?,
            decider_role: row.parsed(Role::parse)?,
            requested_by: row.get()?,
            requested_by_name: row.get()?,
            requested_at: row.get()?,
            request_note: row.get()?,
            status: row.parsed(ApprovalStatus::parse)?,
            decided_by: row.get()?,
            decided_by_name: row.get()?,
            decided_at: row.get()?,
            decision_comment: row.get()?,
            decider_role_granted_by: row.get()?,
            decider_role_granted_by_name: row.get()?,
            decider_role_granted_at: row.get()?,
        })
    }
}

pub async fn insert(conn: &mut Conn, org_id: Uuid, approval: &Approval) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO approvals (id, org_id, record_type, record_id, record_version, record_title, decider_role,
                                requested_by, requested_at, request_note, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        params![
            approval.id,
            org_id,
            approval.record_type.as_str(),
            approval.record_id,
            approval.record_version,
            &approval.record_title,
            approval.decider_role.as_str(),
            approval.requested_by,
            approval.requested_at,
            &approval.request_note,
            approval.status.as_str(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Approval>> {
    conn.fetch_optional(
        concat!(select!(), " WHERE a.org_id = $1 AND a.id = $2"),
        params![org_id, id],
    )
    .await
}

/// Records the decision, and the grant of the decider's role as it stood, if the request is
/// still pending; false otherwise.
pub async fn decide(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    status: ApprovalStatus,
    decider: &RoleGrant,
    comment: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE approvals SET status = $3, decided_by = $4, decided_at = $5, decision_comment = $6,
                    decider_granted_by = $7, decider_granted_at = $8
             WHERE org_id = $1 AND id = $2 AND status = 'pending'",
            params![
                org_id,
                id,
                status.as_str(),
                decider.member,
                now,
                comment,
                decider.granted_by,
                decider.granted_at
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Withdraws the pending requests of a record (it changed or went away); returns them.
pub async fn withdraw_pending_for(
    conn: &mut Conn,
    org_id: Uuid,
    record_type: RecordType,
    record_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<Vec<Approval>> {
    let pending = conn
        .fetch_all(
            concat!(
                select!(),
                " WHERE a.org_id = $1 AND a.record_type = $2 AND a.record_id = $3 AND a.status = 'pending'"
            ),
            params![org_id, record_type.as_str(), record_id],
        )
        .await?;
    conn.execute(
        "UPDATE approvals SET status = 'withdrawn', decided_at = $4
         WHERE org_id = $1 AND record_type = $2 AND record_id = $3 AND status = 'pending'",
        params![org_id, record_type.as_str(), record_id, now],
    )
    .await?;
    Ok(pending)
}

fn list_conditions(org_id: Uuid, filter: &ApprovalFilter) -> Statement {
    let mut conditions = Statement::new(" WHERE a.org_id = ");
    conditions.bind(org_id);
    if let Some(status) = filter.status {
        conditions.push(" AND a.status = ").bind(status.as_str());
    }
    if let Some(role) = filter.decider_role {
        conditions
            .push(" AND a.decider_role = ")
            .bind(role.as_str());
    }
    if let Some(record_type) = filter.record_type {
        conditions
            .push(" AND a.record_type = ")
            .bind(record_type.as_str());
    }
    if let Some(record_id) = filter.record_id {
        conditions.push(" AND a.record_id = ").bind(record_id);
    }
    conditions
}

const LIST_ORDER: &str =
    " ORDER BY CASE WHEN a.status = 'pending' THEN 0 ELSE 1 END, a.requested_at DESC, a.id";

/// Requests of an organisation, pending first, then newest first.
pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    filter: &ApprovalFilter,
    page: Page,
) -> StoreResult<Listed<Approval>> {
    let conditions = list_conditions(org_id, filter);
    sql::fetch_page(
        conn,
        " FROM approvals a",
        select!(),
        &conditions,
        None,
        LIST_ORDER,
        page,
        None,
    )
    .await
}

/// One page of [`list`] without counting, for exports.
pub async fn rows(
    conn: &mut Conn,
    org_id: Uuid,
    filter: &ApprovalFilter,
    page: Page,
) -> StoreResult<Vec<Approval>> {
    let conditions = list_conditions(org_id, filter);
    sql::fetch_rows(conn, select!(), &conditions, None, LIST_ORDER, page).await
}
