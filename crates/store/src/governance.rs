//! Approval requests and decisions. A decision is written once: the update only matches a
//! pending request, so a decided request can never be decided again.

use custos_domain::governance::{ApprovableRecord, Approval, ApprovalStatus};
use custos_domain::list::{Listed, Page};
use custos_domain::platform::Role;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::sql::{self, Statement, Value};
use crate::{Conn, StoreResult, timestamp};

const COLUMNS: &str = "a.id, a.record_type, a.record_id, a.record_version, a.record_title, a.decider_role, \
     a.requested_by, r.name AS requested_by_name, a.requested_at, a.request_note, a.status, a.decided_by, \
     d.name AS decided_by_name, a.decided_at, a.decision_comment";
const FROM: &str = " FROM approvals a JOIN users r ON r.id = a.requested_by \
     LEFT JOIN users d ON d.id = a.decided_by";

fn approval(row: &AnyRow) -> StoreResult<Approval> {
    Ok(Approval {
        id: sql::uuid(row, "id")?,
        record_type: sql::parsed(row, "record_type", ApprovableRecord::parse)?,
        record_id: sql::uuid(row, "record_id")?,
        record_version: sql::int(row, "record_version")?,
        record_title: sql::text(row, "record_title")?,
        decider_role: sql::parsed(row, "decider_role", Role::parse)?,
        requested_by: sql::uuid(row, "requested_by")?,
        requested_by_name: sql::text(row, "requested_by_name")?,
        requested_at: sql::time(row, "requested_at")?,
        request_note: sql::text(row, "request_note")?,
        status: sql::parsed(row, "status", ApprovalStatus::parse)?,
        decided_by: sql::opt_uuid(row, "decided_by")?,
        decided_by_name: sql::opt_text(row, "decided_by_name")?,
        decided_at: sql::opt_time(row, "decided_at")?,
        decision_comment: sql::opt_text(row, "decision_comment")?,
    })
}

pub async fn insert(conn: &mut Conn, org_id: Uuid, approval: &Approval) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO approvals (id, org_id, record_type, record_id, record_version, record_title, decider_role,
                                requested_by, requested_at, request_note, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(approval.id.to_string())
    .bind(org_id.to_string())
    .bind(approval.record_type.as_str())
    .bind(approval.record_id.to_string())
    .bind(approval.record_version)
    .bind(&approval.record_title)
    .bind(approval.decider_role.as_str())
    .bind(approval.requested_by.to_string())
    .bind(timestamp::format(approval.requested_at))
    .bind(&approval.request_note)
    .bind(approval.status.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Approval>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS}{FROM} WHERE a.org_id = $1 AND a.id = $2"
    )))
    .bind(org_id.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(approval)
    .transpose()
}

/// Records the decision if the request is still pending; false otherwise.
pub async fn decide(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    status: ApprovalStatus,
    decided_by: Uuid,
    comment: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE approvals SET status = $3, decided_by = $4, decided_at = $5, decision_comment = $6
         WHERE org_id = $1 AND id = $2 AND status = 'pending'",
    )
    .bind(org_id.to_string())
    .bind(id.to_string())
    .bind(status.as_str())
    .bind(decided_by.to_string())
    .bind(timestamp::format(now))
    .bind(comment)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Withdraws the pending requests of a record (it changed or went away); returns them.
pub async fn withdraw_pending_for(
    conn: &mut Conn,
    org_id: Uuid,
    record_type: ApprovableRecord,
    record_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<Vec<Approval>> {
    let pending = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS}{FROM} WHERE a.org_id = $1 AND a.record_type = $2 AND a.record_id = $3
         AND a.status = 'pending'"
    )))
    .bind(org_id.to_string())
    .bind(record_type.as_str())
    .bind(record_id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(approval)
    .collect::<StoreResult<Vec<_>>>()?;
    sqlx::query(
        "UPDATE approvals SET status = 'withdrawn', decided_at = $4
         WHERE org_id = $1 AND record_type = $2 AND record_id = $3 AND status = 'pending'",
    )
    .bind(org_id.to_string())
    .bind(record_type.as_str())
    .bind(record_id.to_string())
    .bind(timestamp::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(pending)
}

#[derive(Debug, Clone, Default)]
pub struct ApprovalFilter {
    pub status: Option<ApprovalStatus>,
    pub decider_role: Option<Role>,
    pub record_type: Option<ApprovableRecord>,
    pub record_id: Option<Uuid>,
}

/// Requests of an organisation, pending first, then newest first.
pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    filter: &ApprovalFilter,
    page: Page,
) -> StoreResult<Listed<Approval>> {
    let mut conditions = Statement::new(" WHERE a.org_id = ");
    conditions.bind(Value::Text(org_id.to_string()));
    if let Some(status) = filter.status {
        conditions
            .push(" AND a.status = ")
            .bind(Value::Text(status.as_str().into()));
    }
    if let Some(role) = filter.decider_role {
        conditions
            .push(" AND a.decider_role = ")
            .bind(Value::Text(role.as_str().into()));
    }
    if let Some(record_type) = filter.record_type {
        conditions
            .push(" AND a.record_type = ")
            .bind(Value::Text(record_type.as_str().into()));
    }
    if let Some(record_id) = filter.record_id {
        conditions
            .push(" AND a.record_id = ")
            .bind(Value::Text(record_id.to_string()));
    }
    sql::fetch_page(
        conn,
        "SELECT COUNT(*) AS n FROM approvals a",
        &format!("SELECT {COLUMNS}{FROM}"),
        &conditions,
        " ORDER BY CASE WHEN a.status = 'pending' THEN 0 ELSE 1 END, a.requested_at DESC, a.id",
        page,
        approval,
    )
    .await
}
