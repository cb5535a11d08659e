//! The audit trail: append-only events, hash-chained per organisation. Each event's hash
//! covers its content and the previous event's hash; the chain head (last sequence number and
//! hash) is kept beside the events and moves in the same transaction, so altering, inserting
//! or deleting any event - the newest included - breaks verification.

use custos_domain::list::{Listed, Page};
use custos_domain::platform::{AuditAction, AuditEvent, AuditFilter};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::sql::{self, Statement, Value};
use crate::{Conn, StoreResult, timestamp};

/// The chain of platform events that belong to no organisation (users created by the CLI).
pub const INSTANCE_CHAIN: &str = "instance";
const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A change to record. `before` and `after` are the record as JSON, absent on create/delete.
pub struct NewEvent<'a> {
    pub org_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor: &'a str,
    pub action: AuditAction,
    pub record_type: &'a str,
    pub record_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub occurred_at: OffsetDateTime,
}

struct Link<'a> {
    chain: &'a str,
    seq: i64,
    org_id: Option<&'a str>,
    actor_id: Option<&'a str>,
    actor: &'a str,
    action: &'a str,
    record_type: &'a str,
    record_id: &'a str,
    before_json: Option<&'a str>,
    after_json: Option<&'a str>,
    occurred_at: &'a str,
    prev_hash: &'a str,
}

impl Link<'_> {
    /// SHA-256 over a JSON array of every stored field: unambiguous and easy to recompute
    /// with any JSON library.
    fn hash(&self) -> String {
        let canonical = serde_json::json!([
            self.chain,
            self.seq,
            self.org_id,
            self.actor_id,
            self.actor,
            self.action,
            self.record_type,
            self.record_id,
            self.before_json,
            self.after_json,
            self.occurred_at,
            self.prev_hash,
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// Appends an event to its organisation's chain inside the caller's transaction.
pub async fn append(conn: &mut Conn, event: NewEvent<'_>) -> StoreResult<()> {
    let chain = event
        .org_id
        .map_or_else(|| INSTANCE_CHAIN.to_owned(), |id| id.to_string());
    sqlx::query(
        "INSERT INTO audit_chains (chain, last_seq, last_hash) VALUES ($1, 0, $2)
         ON CONFLICT (chain) DO NOTHING",
    )
    .bind(&chain)
    .bind(GENESIS_HASH)
    .execute(&mut *conn)
    .await?;
    // The update locks the chain head until commit: concurrent writers append one by one.
    let head = sqlx::query(
        "UPDATE audit_chains SET last_seq = last_seq + 1 WHERE chain = $1 RETURNING last_seq, last_hash",
    )
    .bind(&chain)
    .fetch_one(&mut *conn)
    .await?;
    let seq = sql::int(&head, "last_seq")?;
    let prev_hash = sql::text(&head, "last_hash")?;
    let org_id = event.org_id.map(|id| id.to_string());
    let actor_id = event.actor_id.map(|id| id.to_string());
    let before_json = event.before.as_ref().map(serde_json::Value::to_string);
    let after_json = event.after.as_ref().map(serde_json::Value::to_string);
    let occurred_at = timestamp::format(event.occurred_at);
    let link = Link {
        chain: &chain,
        seq,
        org_id: org_id.as_deref(),
        actor_id: actor_id.as_deref(),
        actor: event.actor,
        action: event.action.as_str(),
        record_type: event.record_type,
        record_id: &event.record_id,
        before_json: before_json.as_deref(),
        after_json: after_json.as_deref(),
        occurred_at: &occurred_at,
        prev_hash: &prev_hash,
    };
    let hash = link.hash();
    sqlx::query(
        "INSERT INTO audit_events (id, chain, seq, org_id, actor_id, actor, action, record_type, record_id,
                                   before_json, after_json, occurred_at, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(&chain)
    .bind(seq)
    .bind(org_id.as_deref())
    .bind(actor_id.as_deref())
    .bind(event.actor)
    .bind(event.action.as_str())
    .bind(event.record_type)
    .bind(&event.record_id)
    .bind(before_json.as_deref())
    .bind(after_json.as_deref())
    .bind(&occurred_at)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_chains SET last_hash = $2 WHERE chain = $1")
        .bind(&chain)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The first place a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub chain: String,
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub chain: String,
    pub events: i64,
    pub broken: Option<BrokenLink>,
}

/// Recomputes every chain inside one read transaction (a snapshot, so events appended while it
/// runs are not mistaken for breaks).
pub async fn verify(store: &crate::Store) -> StoreResult<Vec<ChainReport>> {
    let mut conn = store.reader().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    if store.backend() == crate::Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    let reports = verify_chains(&mut tx).await?;
    tx.rollback().await?;
    Ok(reports)
}

async fn verify_chains(conn: &mut Conn) -> StoreResult<Vec<ChainReport>> {
    let heads = sqlx::query("SELECT chain, last_seq, last_hash FROM audit_chains ORDER BY chain")
        .fetch_all(&mut *conn)
        .await?;
    let mut reports = Vec::new();
    let mut seen_chains = Vec::new();
    for head in &heads {
        let chain = sql::text(head, "chain")?;
        let last_seq = sql::int(head, "last_seq")?;
        let last_hash = sql::text(head, "last_hash")?;
        let rows = sqlx::query(
            "SELECT chain, seq, org_id, actor_id, actor, action, record_type, record_id, before_json,
                    after_json, occurred_at, prev_hash, hash
             FROM audit_events WHERE chain = $1 ORDER BY seq",
        )
        .bind(&chain)
        .fetch_all(&mut *conn)
        .await?;
        let broken = verify_rows(&chain, &rows, last_seq, &last_hash)?;
        reports.push(ChainReport {
            chain: chain.clone(),
            events: rows.len() as i64,
            broken,
        });
        seen_chains.push(chain);
    }
    // Events whose chain head was deleted are orphans: that is tampering too.
    let orphans = sqlx::query("SELECT DISTINCT chain FROM audit_events ORDER BY chain")
        .fetch_all(&mut *conn)
        .await?;
    for row in &orphans {
        let chain = sql::text(row, "chain")?;
        if !seen_chains.contains(&chain) {
            reports.push(ChainReport {
                chain: chain.clone(),
                events: 0,
                broken: Some(BrokenLink {
                    chain,
                    seq: 1,
                    reason: "events exist but the chain head is missing".into(),
                }),
            });
        }
    }
    Ok(reports)
}

fn verify_rows(
    chain: &str,
    rows: &[AnyRow],
    last_seq: i64,
    last_hash: &str,
) -> StoreResult<Option<BrokenLink>> {
    let broken = |seq: i64, reason: String| {
        Ok(Some(BrokenLink {
            chain: chain.to_owned(),
            seq,
            reason,
        }))
    };
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut expected_seq = 1;
    for row in rows {
        let seq = sql::int(row, "seq")?;
        if seq != expected_seq {
            return broken(
                expected_seq,
                format!("event {expected_seq} is missing (next stored is {seq})"),
            );
        }
        let prev_hash = sql::text(row, "prev_hash")?;
        if prev_hash != expected_prev {
            return broken(
                seq,
                "previous-hash link does not match the event before".into(),
            );
        }
        let fields = [
            "chain",
            "actor",
            "action",
            "record_type",
            "record_id",
            "occurred_at",
            "hash",
        ]
        .map(|column| sql::text(row, column));
        let [
            row_chain,
            actor,
            action,
            record_type,
            record_id,
            occurred_at,
            stored_hash,
        ] = fields;
        let (org_id, actor_id, before_json, after_json) = (
            sql::opt_text(row, "org_id")?,
            sql::opt_text(row, "actor_id")?,
            sql::opt_text(row, "before_json")?,
            sql::opt_text(row, "after_json")?,
        );
        let stored_hash = stored_hash?;
        let recomputed = Link {
            chain: &row_chain?,
            seq,
            org_id: org_id.as_deref(),
            actor_id: actor_id.as_deref(),
            actor: &actor?,
            action: &action?,
            record_type: &record_type?,
            record_id: &record_id?,
            before_json: before_json.as_deref(),
            after_json: after_json.as_deref(),
            occurred_at: &occurred_at?,
            prev_hash: &prev_hash,
        }
        .hash();
        if recomputed != stored_hash {
            return broken(
                seq,
                "content does not match its hash (the event was altered)".into(),
            );
        }
        expected_prev = stored_hash;
        expected_seq += 1;
    }
    if expected_seq - 1 != last_seq || expected_prev != last_hash {
        return broken(
            expected_seq,
            format!(
                "the chain head names event {last_seq} but the last stored event is {}",
                expected_seq - 1
            ),
        );
    }
    Ok(None)
}

fn event(row: &AnyRow) -> StoreResult<AuditEvent> {
    let json = |column: &str| -> StoreResult<Option<serde_json::Value>> {
        sql::opt_text(row, column)?
            .map(|raw| {
                serde_json::from_str(&raw)
                    .map_err(|e| crate::StoreError::Corrupt(format!("{column}: {e}")))
            })
            .transpose()
    };
    Ok(AuditEvent {
        id: sql::uuid(row, "id")?,
        seq: sql::int(row, "seq")?,
        actor_id: sql::opt_uuid(row, "actor_id")?,
        actor: sql::text(row, "actor")?,
        action: sql::parsed(row, "action", AuditAction::parse)?,
        record_type: sql::text(row, "record_type")?,
        record_id: sql::text(row, "record_id")?,
        before: json("before_json")?,
        after: json("after_json")?,
        occurred_at: sql::time(row, "occurred_at")?,
        hash: sql::text(row, "hash")?,
    })
}

/// An organisation's events, newest first.
pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    filter: &AuditFilter,
    page: Page,
) -> StoreResult<Listed<AuditEvent>> {
    let mut conditions = Statement::new(" WHERE org_id = ");
    conditions.bind(Value::Text(org_id.to_string()));
    if let Some(record_type) = &filter.record_type {
        conditions
            .push(" AND record_type = ")
            .bind(Value::Text(record_type.clone()));
    }
    if let Some(record_id) = &filter.record_id {
        conditions
            .push(" AND record_id = ")
            .bind(Value::Text(record_id.clone()));
    }
    if let Some(action) = filter.action {
        conditions
            .push(" AND action = ")
            .bind(Value::Text(action.as_str().into()));
    }
    if let Some(actor_id) = filter.actor_id {
        conditions
            .push(" AND actor_id = ")
            .bind(Value::Text(actor_id.to_string()));
    }
    if let Some(from) = filter.from {
        conditions
            .push(" AND occurred_at >= ")
            .bind(Value::Text(timestamp::format(from)));
    }
    if let Some(until) = filter.until {
        conditions
            .push(" AND occurred_at < ")
            .bind(Value::Text(timestamp::format(until)));
    }
    sql::fetch_page(
        conn,
        "SELECT COUNT(*) AS n FROM audit_events",
        "SELECT id, seq, actor_id, actor, action, record_type, record_id, before_json, after_json,
                occurred_at, hash FROM audit_events",
        &conditions,
        " ORDER BY seq DESC",
        page,
        event,
    )
    .await
}
