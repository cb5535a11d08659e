//! The audit trail: append-only events, hash-chained per organisation. Each event's hash
//! covers its content and the previous event's hash; the chain head (last sequence number and
//! hash) is kept beside the events and moves in the same transaction, so altering, inserting
//! or deleting any event - the newest included - breaks verification.

use custos_domain::list::{Listed, Page};
use custos_domain::platform::{AuditAction, AuditEvent, AuditFilter, BrokenLink, ChainReport};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, RowReader};
use crate::sql::{self, Statement};
use crate::{StoreResult, params, timestamp};

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
    // The upsert locks the chain head until commit: concurrent writers append one by one.
    let (seq, prev_hash): (i64, String) = conn
        .fetch_one(
            "INSERT INTO audit_chains (chain, last_seq, last_hash) VALUES ($1, 1, $2)
             ON CONFLICT (chain) DO UPDATE SET last_seq = audit_chains.last_seq + 1
             RETURNING last_seq, last_hash",
            params![chain.as_str(), GENESIS_HASH],
        )
        .await?;
    let org_id = event.org_id.map(|id| id.to_string());
    let actor_id = event.actor_id.map(|id| id.to_string());
    let before_json = event.before.as_ref().map(serde_json::Value::to_string);
    let after_json = event.after.as_ref().map(serde_json::Value::to_string);
    let occurred_at = timestamp::format(event.occurred_at);
    let hash = Link {
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
    }
    .hash();
    conn.execute(
        "INSERT INTO audit_events (id, chain, seq, org_id, actor_id, actor, action, record_type, record_id,
                                   before_json, after_json, occurred_at, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        params![
            Uuid::now_v7(),
            chain.as_str(),
            seq,
            event.org_id,
            event.actor_id,
            event.actor,
            event.action.as_str(),
            event.record_type,
            event.record_id.as_str(),
            before_json.as_deref(),
            after_json.as_deref(),
            event.occurred_at,
            prev_hash.as_str(),
            hash.as_str(),
        ],
    )
    .await?;
    conn.execute(
        "UPDATE audit_chains SET last_hash = $2 WHERE chain = $1",
        params![chain.as_str(), hash.as_str()],
    )
    .await?;
    Ok(())
}

/// Recomputes every chain inside one read transaction (a snapshot, so events appended while it
/// runs are not mistaken for breaks).
pub async fn verify(store: &crate::Store) -> StoreResult<Vec<ChainReport>> {
    let mut tx = store.begin_snapshot().await?;
    let reports = verify_chains(&mut tx).await?;
    tx.rollback().await?;
    Ok(reports)
}

/// An event as stored, with everything its hash covers.
struct StoredLink {
    chain: String,
    seq: i64,
    org_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    actor: String,
    action: String,
    record_type: String,
    record_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
    occurred_at: OffsetDateTime,
    prev_hash: String,
    hash: String,
}

impl FromRow for StoredLink {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(StoredLink {
            chain: row.get()?,
            seq: row.get()?,
            org_id: row.get()?,
            actor_id: row.get()?,
            actor: row.get()?,
            action: row.get()?,
            record_type: row.get()?,
            record_id: row.get()?,
            before_json: row.get()?,
            after_json: row.get()?,
            occurred_at: row.get()?,
            prev_hash: row.get()?,
            hash: row.get()?,
        })
    }
}

impl StoredLink {
    fn recomputed_hash(&self) -> String {
        let org_id = self.org_id.map(|id| id.to_string());
        let actor_id = self.actor_id.map(|id| id.to_string());
        Link {
            chain: &self.chain,
            seq: self.seq,
            org_id: org_id.as_deref(),
            actor_id: actor_id.as_deref(),
            actor: &self.actor,
            action: &self.action,
            record_type: &self.record_type,
            record_id: &self.record_id,
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
            occurred_at: &timestamp::format(self.occurred_at),
            prev_hash: &self.prev_hash,
        }
        .hash()
    }
}

async fn verify_chains(conn: &mut Conn) -> StoreResult<Vec<ChainReport>> {
    let heads: Vec<(String, i64, String)> = conn
        .fetch_all(
            "SELECT chain, last_seq, last_hash FROM audit_chains ORDER BY chain",
            &[],
        )
        .await?;
    let mut reports = Vec::new();
    let mut seen_chains = Vec::new();
    for (chain, last_seq, last_hash) in heads {
        let rows: Vec<StoredLink> = conn
            .fetch_all(
                "SELECT chain, seq, org_id, actor_id, actor, action, record_type, record_id, before_json,
                        after_json, occurred_at, prev_hash, hash
                 FROM audit_events WHERE chain = $1 ORDER BY seq",
                params![chain.as_str()],
            )
            .await?;
        let broken = verify_rows(&chain, &rows, last_seq, &last_hash);
        reports.push(ChainReport {
            chain: chain.clone(),
            events: rows.len() as i64,
            broken,
        });
        seen_chains.push(chain);
    }
    // Events whose chain head was deleted are orphans: that is tampering too.
    let chains: Vec<(String,)> = conn
        .fetch_all(
            "SELECT DISTINCT chain FROM audit_events ORDER BY chain",
            &[],
        )
        .await?;
    for (chain,) in chains {
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
    rows: &[StoredLink],
    last_seq: i64,
    last_hash: &str,
) -> Option<BrokenLink> {
    let broken = |seq: i64, reason: String| {
        Some(BrokenLink {
            chain: chain.to_owned(),
            seq,
            reason,
        })
    };
    let mut expected_prev = GENESIS_HASH;
    let mut expected_seq = 1;
    for row in rows {
        if row.seq != expected_seq {
            return broken(
                expected_seq,
                format!(
                    "event {expected_seq} is missing (next stored is {})",
                    row.seq
                ),
            );
        }
        if row.prev_hash != expected_prev {
            return broken(
                row.seq,
                "previous-hash link does not match the event before".into(),
            );
        }
        if row.recomputed_hash() != row.hash {
            return broken(
                row.seq,
                "content does not match its hash (the event was altered)".into(),
            );
        }
        expected_prev = &row.hash;
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
    None
}

impl FromRow for AuditEvent {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        fn json(raw: Option<String>) -> StoreResult<Option<serde_json::Value>> {
            raw.map(|raw| {
                serde_json::from_str(&raw)
                    .map_err(|e| crate::StoreError::Corrupt(format!("audit payload: {e}")))
            })
            .transpose()
        }
        Ok(AuditEvent {
            id: row.get()?,
            seq: row.get()?,
            actor_id: row.get()?,
            actor: row.get()?,
            action: row.parsed(AuditAction::parse)?,
            record_type: row.get()?,
            record_id: row.get()?,
            before: json(row.get()?)?,
            after: json(row.get()?)?,
            occurred_at: row.get()?,
            hash: row.get()?,
        })
    }
}

/// The WHERE clause of an organisation's events under `filter`.
fn list_conditions(org_id: Uuid, filter: &AuditFilter) -> Statement {
    let mut conditions = Statement::new(" WHERE org_id = ");
    conditions.bind(org_id);
    if let Some(record_type) = &filter.record_type {
        conditions
            .push(" AND record_type = ")
            .bind(record_type.clone());
    }
    if let Some(record_id) = &filter.record_id {
        conditions.push(" AND record_id = ").bind(record_id.clone());
    }
    if let Some(action) = filter.action {
        conditions.push(" AND action = ").bind(action.as_str());
    }
    if let Some(actor_id) = filter.actor_id {
        conditions.push(" AND actor_id = ").bind(actor_id);
    }
    if let Some(from) = filter.from {
        conditions.push(" AND occurred_at >= ").bind(from);
    }
    if let Some(until) = filter.until {
        conditions.push(" AND occurred_at < ").bind(until);
    }
    conditions
}

const LIST_SELECT: &str = "SELECT id, seq, actor_id, actor, action, record_type, record_id, before_json, \
     after_json, occurred_at, hash FROM audit_events";

/// An organisation's events, newest first.
pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    filter: &AuditFilter,
    page: Page,
) -> StoreResult<Listed<AuditEvent>> {
    sql::fetch_page(
        conn,
        " FROM audit_events",
        LIST_SELECT,
        &list_conditions(org_id, filter),
        None,
        " ORDER BY seq DESC",
        page,
        None,
    )
    .await
}

/// Up to `limit` of an organisation's events older than sequence number `before` (all
/// when `None`), newest first, without counting: an export walks the trail with it, each
/// page starting below the last one read. Events are only ever appended, so a walk that
/// starts at the newest event sees each older one exactly once, whatever is written
/// meanwhile.
pub async fn older_than(
    conn: &mut Conn,
    org_id: Uuid,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<AuditEvent>> {
    let page = Page {
        limit,
        offset: 0,
        after: before,
    };
    sql::fetch_rows(
        conn,
        LIST_SELECT,
        &list_conditions(org_id, filter),
        Some(" AND seq < "),
        " ORDER BY seq DESC",
        page,
    )
    .await
}
