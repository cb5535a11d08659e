//! The audit trail: append-only events, hash-chained per organisation. Each event's hash
//! covers its id, its content and the previous event's hash; the chain head (last sequence
//! number and hash) is kept beside the events and moves in the same transaction, so altering,
//! inserting or deleting any event - the newest included - breaks verification.
//!
//! Every organisation's chain is rooted in the instance chain: creating an organisation appends
//! an instance event naming the new chain's first event, so a chain removed whole, or replaced,
//! is detected too. What the database alone cannot show (a chain cut back to an earlier event
//! with its head moved there, or every chain removed at once) is caught by checkpoints kept
//! outside it: see [`Anchors`] and docs/security.md.

use std::collections::{BTreeMap, HashMap};

use custos_domain::list::{Listed, Page};
use custos_domain::platform::{
    AuditAction, AuditEvent, AuditFilter, BrokenLink, ChainPoint, ChainReport, RecordType,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, Param, RowReader, Rows, RowsInsert};
use crate::sql::{self, Statement};
use crate::{StoreResult, params, timestamp};

/// The chain of platform events that belong to no organisation (users created by the CLI,
/// organisations created).
pub const INSTANCE_CHAIN: &str = "instance";
const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How new events are hashed. Version 1 (schemas 1 to 5) left the event id out of the hash;
/// version 2 covers it. Stored events keep the version they were written with.
const HASH_VERSION: i64 = 2;

/// Events read per query while verifying, so a long chain is never held in memory whole.
const VERIFY_PAGE: i64 = 2000;

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
    id: &'a str,
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
    /// SHA-256 over a JSON array of the stored fields: unambiguous and easy to recompute with
    /// any JSON library. `None` for a version this Custos does not know.
    fn hash(&self, version: i64) -> Option<String> {
        // Serialised straight into the digest: the same compact JSON text as building the
        // array first, without the copies.
        let mut digest = DigestWriter(Sha256::new());
        let written = match version {
            1 => serde_json::to_writer(
                &mut digest,
                &(
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
                ),
            ),
            // The leading version number keeps the two formulas from ever hashing the same
            // text.
            2 => serde_json::to_writer(
                &mut digest,
                &(
                    2,
                    self.id,
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
                ),
            ),
            _ => return None,
        };
        written.ok()?;
        Some(hex::encode(digest.0.finalize()))
    }
}

/// Feeds what is written to it into a SHA-256 digest.
struct DigestWriter(Sha256);

impl std::io::Write for DigestWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The chain an event of `org_id` belongs to.
pub fn chain_of(org_id: Option<Uuid>) -> String {
    org_id.map_or_else(|| INSTANCE_CHAIN.to_owned(), |id| id.to_string())
}

/// Appends an event to its organisation's chain inside the caller's transaction; returns the
/// event's place in the chain.
pub async fn append(conn: &mut Conn, event: NewEvent<'_>) -> StoreResult<ChainPoint> {
    append_all(conn, vec![event])
        .await?
        .pop()
        .ok_or_else(|| crate::StoreError::Corrupt("an appended event has no place".into()))
}

/// Appends events in order inside the caller's transaction, each after the one before in its
/// chain; returns their places. The head of each chain moves once per run of events of that
/// chain, not once per event: PostgreSQL keeps every version of a row updated in one
/// transaction, so a head moved a hundred thousand times in an import made each later move
/// slower than the last.
pub async fn append_all(
    conn: &mut Conn,
    events: Vec<NewEvent<'_>>,
) -> StoreResult<Vec<ChainPoint>> {
    let mut points = Vec::with_capacity(events.len());
    let mut events = events.into_iter().peekable();
    while let Some(first) = events.next() {
        let org_id = first.org_id;
        let mut run = vec![first];
        while let Some(next) = events.next_if(|e| e.org_id == org_id) {
            run.push(next);
        }
        let mut reserved = reserve(conn, org_id, run.len()).await?;
        let (rows, places) = reserved.chain(run)?;
        insert_chained(conn, rows).await?;
        close(conn, reserved).await?;
        points.extend(places);
    }
    Ok(points)
}

/// Places reserved at the end of a chain for a known number of events, which are hashed
/// ([`Reserved::chain`]) apart from being written ([`insert_chained`]): a use case writing
/// thousands of records (an import) hashes the next events while the database writes the
/// last ones. The chain's head stays locked until the transaction ends.
pub struct Reserved {
    chain: String,
    /// The last place given out, and the last place reserved.
    seq: i64,
    last_seq: i64,
    prev_hash: String,
}

/// Events hashed into their chain, ready to be written.
pub struct ChainedEvents(Rows);

/// Reserves `count` places at the end of `org_id`'s chain (the instance's for `None`).
pub async fn reserve(conn: &mut Conn, org_id: Option<Uuid>, count: usize) -> StoreResult<Reserved> {
    let chain = chain_of(org_id);
    let count = i64::try_from(count)
        .map_err(|_| crate::StoreError::Corrupt("too many events at once".into()))?;
    // The upsert locks the chain head until commit: concurrent writers append one by one.
    let (last_seq, prev_hash): (i64, String) = conn
        .fetch_one(
            "INSERT INTO audit_chains (chain, last_seq, last_hash) VALUES ($1, $2, $3)
             ON CONFLICT (chain) DO UPDATE SET last_seq = audit_chains.last_seq + $2
             RETURNING last_seq, last_hash",
            params![chain.as_str(), count, GENESIS_HASH],
        )
        .await?;
    Ok(Reserved {
        chain,
        seq: last_seq - count,
        last_seq,
        prev_hash,
    })
}

impl Reserved {
    /// Hashes `events`, which must belong to the reserved chain, into the next places.
    pub fn chain(
        &mut self,
        events: Vec<NewEvent<'_>>,
    ) -> StoreResult<(ChainedEvents, Vec<ChainPoint>)> {
        let mut rows = Vec::with_capacity(events.len());
        let mut points = Vec::with_capacity(events.len());
        for event in events {
            if chain_of(event.org_id) != self.chain || self.seq >= self.last_seq {
                return Err(crate::StoreError::Corrupt(
                    "an event outside the places reserved for it".into(),
                ));
            }
            self.seq += 1;
            let (row, hash) = chained_event(&self.chain, self.seq, &self.prev_hash, event)?;
            rows.push(row);
            points.push(ChainPoint {
                chain: self.chain.clone(),
                seq: self.seq,
                hash: hash.clone(),
            });
            self.prev_hash = hash;
        }
        Ok((ChainedEvents(Rows(rows)), points))
    }
}

/// Writes events hashed by [`Reserved::chain`].
pub async fn insert_chained(conn: &mut Conn, events: ChainedEvents) -> StoreResult<()> {
    conn.insert_rows::<()>(&EVENT_INSERT, (events.0).0).await?;
    Ok(())
}

/// Moves the chain's head past the reserved places, every one of which must have been used.
pub async fn close(conn: &mut Conn, reserved: Reserved) -> StoreResult<()> {
    if reserved.seq != reserved.last_seq {
        return Err(crate::StoreError::Corrupt(format!(
            "{} reserved audit places left unused",
            reserved.last_seq - reserved.seq
        )));
    }
    conn.execute(
        "UPDATE audit_chains SET last_hash = $2 WHERE chain = $1",
        params![reserved.chain.as_str(), reserved.prev_hash.as_str()],
    )
    .await?;
    Ok(())
}

const EVENT_INSERT: RowsInsert = RowsInsert {
    table: "audit_events",
    columns: &[
        "id",
        "chain",
        "seq",
        "org_id",
        "actor_id",
        "actor",
        "action",
        "record_type",
        "record_id",
        "before_json",
        "after_json",
        "occurred_at",
        "prev_hash",
        "hash",
        "hash_version",
    ],
    tail: "",
};

/// Event `seq` of `chain`, linked to `prev_hash`, as the values of [`EVENT_INSERT`]; and its
/// hash.
fn chained_event(
    chain: &str,
    seq: i64,
    prev_hash: &str,
    event: NewEvent<'_>,
) -> StoreResult<(Vec<Param<'static>>, String)> {
    let id = Uuid::now_v7();
    let id_text = id.to_string();
    let org_id = event.org_id.map(|id| id.to_string());
    let actor_id = event.actor_id.map(|id| id.to_string());
    let before_json = event.before.as_ref().map(serde_json::Value::to_string);
    let after_json = event.after.as_ref().map(serde_json::Value::to_string);
    let occurred_at = timestamp::format(event.occurred_at);
    let hash = Link {
        id: &id_text,
        chain,
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
        prev_hash,
    }
    .hash(HASH_VERSION)
    .ok_or_else(|| crate::StoreError::Corrupt("unknown audit hash version".into()))?;
    let row = vec![
        Param::from(id),
        Param::from(chain.to_owned()),
        Param::from(seq),
        Param::from(event.org_id),
        Param::from(event.actor_id),
        Param::from(event.actor.to_owned()),
        Param::from(event.action.as_str()),
        Param::from(event.record_type.to_owned()),
        Param::from(event.record_id),
        Param::Text(before_json.map(Into::into)),
        Param::Text(after_json.map(Into::into)),
        Param::from(event.occurred_at),
        Param::from(prev_hash.to_owned()),
        Param::from(hash.clone()),
        Param::from(HASH_VERSION),
    ];
    Ok((row, hash))
}

/// An organisation as the instance event that roots its chain names it.
pub struct RootedOrganisation<'a> {
    pub id: Uuid,
    pub slug: &'a str,
    pub name: &'a str,
}

/// Roots an organisation's chain in the instance chain: appends the instance event recording
/// the organisation's creation and its chain's first event (`genesis`). `note` says why, when
/// the rooting came later than the creation.
pub async fn root_chain(
    conn: &mut Conn,
    organisation: &RootedOrganisation<'_>,
    genesis: &ChainPoint,
    actor_id: Option<Uuid>,
    actor: &str,
    note: Option<&str>,
    occurred_at: OffsetDateTime,
) -> StoreResult<ChainPoint> {
    let mut after = serde_json::json!({
        "id": organisation.id,
        "slug": organisation.slug,
        "name": organisation.name,
        "genesis_hash": genesis.hash,
    });
    if let Some(note) = note {
        after["note"] = serde_json::Value::from(note);
    }
    append(
        conn,
        NewEvent {
            org_id: None,
            actor_id,
            actor,
            action: AuditAction::Create,
            record_type: RecordType::Organisation.as_str(),
            record_id: organisation.id.to_string(),
            before: None,
            after: Some(after),
            occurred_at,
        },
    )
    .await
}

/// Roots the chains of organisations created before creation was an instance event (the
/// upgrade to schema 5). It vouches for the chains as they stand at the upgrade; an
/// organisation without any event is left unrooted, for verification to report.
pub async fn root_existing_chains(conn: &mut Conn, now: OffsetDateTime) -> StoreResult<()> {
    let organisations: Vec<(Uuid, String, String)> = conn
        .fetch_all(
            "SELECT id, slug, name FROM organisations ORDER BY created_at, id",
            &[],
        )
        .await?;
    for (id, slug, name) in organisations {
        let chain = id.to_string();
        let genesis: Option<(String,)> = conn
            .fetch_optional(
                "SELECT hash FROM audit_events WHERE chain = $1 AND seq = 1",
                params![chain.as_str()],
            )
            .await?;
        let Some((hash,)) = genesis else {
            continue;
        };
        let organisation = RootedOrganisation {
            id,
            slug: &slug,
            name: &name,
        };
        let genesis = ChainPoint {
            chain,
            seq: 1,
            hash,
        };
        root_chain(
            conn,
            &organisation,
            &genesis,
            None,
            "custos upgrade",
            Some("rooted when Custos upgraded to schema 5; the chain was created earlier"),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Points outside the database that verification holds the chains to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Anchors<'a> {
    /// Points from signed checkpoints: each chain must still hold each of them.
    pub checkpoints: &'a [ChainPoint],
    /// Points this process verified before: each chain is recomputed from its point rather
    /// than from its first event, once the point is found unchanged.
    pub verified: &'a [ChainPoint],
}

/// What verification found.
#[derive(Debug, Clone)]
pub struct Verification {
    pub chains: Vec<ChainReport>,
    /// Checkpoints the database no longer holds: the index into `Anchors::checkpoints` and
    /// where the chain departs from it.
    pub checkpoints: Vec<(usize, BrokenLink)>,
}

/// Recomputes every chain inside one read transaction (a snapshot, so events appended while it
/// runs are not mistaken for breaks), checks that every organisation's chain is rooted in the
/// instance chain, and that the chains still hold every anchor.
pub async fn verify(store: &crate::Store, anchors: Anchors<'_>) -> StoreResult<Verification> {
    let mut tx = store.begin_snapshot().await?;
    let verification = verify_in(&mut tx, anchors).await?;
    tx.rollback().await?;
    Ok(verification)
}

/// An event as stored, with everything its hash covers.
struct StoredLink {
    id: Uuid,
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
    hash_version: i64,
}

impl FromRow for StoredLink {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(StoredLink {
            id: row.get()?,
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
            hash_version: row.get()?,
        })
    }
}

impl StoredLink {
    fn recomputed_hash(&self) -> Option<String> {
        let id = self.id.to_string();
        let org_id = self.org_id.map(|id| id.to_string());
        let actor_id = self.actor_id.map(|id| id.to_string());
        Link {
            id: &id,
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
        .hash(self.hash_version)
    }
}

async fn verify_in(conn: &mut Conn, anchors: Anchors<'_>) -> StoreResult<Verification> {
    let heads: Vec<(String, i64, String)> = conn
        .fetch_all(
            "SELECT chain, last_seq, last_hash FROM audit_chains ORDER BY chain",
            &[],
        )
        .await?;
    let verified: HashMap<&str, &ChainPoint> = anchors
        .verified
        .iter()
        .map(|point| (point.chain.as_str(), point))
        .collect();
    let mut reports = Vec::new();
    for (chain, last_seq, last_hash) in heads {
        let head = Head {
            seq: last_seq,
            hash: last_hash,
        };
        let from = verified.get(chain.as_str()).copied();
        reports.push(verify_chain(conn, &chain, &head, from).await?);
    }
    // Events whose chain head was deleted are orphans: that is tampering too.
    let chains: Vec<(String,)> = conn
        .fetch_all(
            "SELECT DISTINCT chain FROM audit_events ORDER BY chain",
            &[],
        )
        .await?;
    for (chain,) in chains {
        if !reports.iter().any(|r| r.chain == chain) {
            reports.push(broken_report(
                &chain,
                1,
                "events exist but the chain head is missing".into(),
            ));
        }
    }
    // A chain this process verified before must not have disappeared since.
    for point in anchors.verified {
        if !reports.iter().any(|r| r.chain == point.chain) {
            reports.push(broken_report(
                &point.chain,
                point.seq,
                format!(
                    "the chain is missing, but it held {} event(s) when last verified",
                    point.seq
                ),
            ));
        }
    }
    check_roots(conn, &mut reports).await?;
    let mut checkpoints = Vec::new();
    // Several instances, or repeated runs, write the same point more than once.
    let mut checked: HashMap<&ChainPoint, Option<BrokenLink>> = HashMap::new();
    for (index, point) in anchors.checkpoints.iter().enumerate() {
        let broken = match checked.get(point) {
            Some(known) => known.clone(),
            None => {
                let found = check_point(conn, point).await?;
                checked.insert(point, found.clone());
                found
            }
        };
        if let Some(broken) = broken {
            checkpoints.push((index, broken));
        }
    }
    Ok(Verification {
        chains: reports,
        checkpoints,
    })
}

/// A chain head as stored.
struct Head {
    seq: i64,
    hash: String,
}

fn broken_report(chain: &str, seq: i64, reason: String) -> ChainReport {
    ChainReport {
        chain: chain.to_owned(),
        events: 0,
        broken: Some(BrokenLink {
            chain: chain.to_owned(),
            seq,
            reason,
        }),
        head: None,
    }
}

/// Recomputes one chain from its first event, or from `from` once that event is found
/// unchanged, a page of events at a time.
async fn verify_chain(
    conn: &mut Conn,
    chain: &str,
    head: &Head,
    from: Option<&ChainPoint>,
) -> StoreResult<ChainReport> {
    let mut walk = Walk::new(chain);
    if let Some(point) = from {
        match event_hash(conn, chain, point.seq).await? {
            Some(hash) if hash == point.hash => walk.resume(point),
            Some(_) => {
                return Ok(walk.broken(
                    point.seq,
                    format!(
                        "event {} changed after it was verified (its hash differs)",
                        point.seq
                    ),
                ));
            }
            None => {
                return Ok(walk.broken(
                    point.seq,
                    format!("event {} is missing; it was verified earlier", point.seq),
                ));
            }
        }
    }
    loop {
        let rows: Vec<StoredLink> = conn
            .fetch_all(
                "SELECT id, chain, seq, org_id, actor_id, actor, action, record_type, record_id,
                        before_json, after_json, occurred_at, prev_hash, hash, hash_version
                 FROM audit_events WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                params![chain, walk.last_seq, VERIFY_PAGE],
            )
            .await?;
        for row in &rows {
            if let Some(report) = walk.step(row) {
                return Ok(report);
            }
        }
        if (rows.len() as i64) < VERIFY_PAGE {
            break;
        }
    }
    Ok(walk.finish(head))
}

/// The state of a chain's recomputation: the last event that held.
struct Walk<'a> {
    chain: &'a str,
    last_seq: i64,
    last_hash: String,
    /// The highest hash version met so far: a chain never goes back to an older formula.
    hash_version: i64,
}

impl<'a> Walk<'a> {
    fn new(chain: &'a str) -> Self {
        Self {
            chain,
            last_seq: 0,
            last_hash: GENESIS_HASH.to_owned(),
            hash_version: 0,
        }
    }

    fn resume(&mut self, point: &ChainPoint) {
        self.last_seq = point.seq;
        self.last_hash = point.hash.clone();
    }

    fn broken(&self, seq: i64, reason: String) -> ChainReport {
        ChainReport {
            events: self.last_seq,
            ..broken_report(self.chain, seq, reason)
        }
    }

    /// Checks the next stored event; a report when the chain breaks there.
    fn step(&mut self, row: &StoredLink) -> Option<ChainReport> {
        let expected_seq = self.last_seq + 1;
        if row.seq != expected_seq {
            return Some(self.broken(
                expected_seq,
                format!(
                    "event {expected_seq} is missing (next stored is {})",
                    row.seq
                ),
            ));
        }
        if row.prev_hash != self.last_hash {
            return Some(self.broken(
                row.seq,
                "previous-hash link does not match the event before".into(),
            ));
        }
        if row.hash_version < self.hash_version {
            return Some(self.broken(
                row.seq,
                format!(
                    "the event claims hash version {} after events of version {}",
                    row.hash_version, self.hash_version
                ),
            ));
        }
        match row.recomputed_hash() {
            None => {
                return Some(self.broken(
                    row.seq,
                    format!("unknown hash version {}", row.hash_version),
                ));
            }
            Some(hash) if hash != row.hash => {
                return Some(self.broken(
                    row.seq,
                    "content does not match its hash (the event was altered)".into(),
                ));
            }
            Some(_) => {}
        }
        self.last_seq = row.seq;
        self.last_hash.clone_from(&row.hash);
        self.hash_version = row.hash_version;
        None
    }

    /// Compares the stored head with the last event that held.
    fn finish(self, head: &Head) -> ChainReport {
        let last = self.last_seq;
        let problem = if head.seq > last {
            Some((
                last + 1,
                if last == 0 {
                    format!(
                        "the chain head names event {} but the chain holds no events",
                        head.seq
                    )
                } else {
                    format!(
                        "the chain head names event {} but the last stored event is {last}",
                        head.seq
                    )
                },
            ))
        } else if head.seq < last {
            Some((
                head.seq + 1,
                format!(
                    "the chain head names event {} but events continue to {last}",
                    head.seq
                ),
            ))
        } else if head.hash != self.last_hash {
            Some((
                last,
                format!("the chain head's hash does not match event {last}"),
            ))
        } else {
            None
        };
        match problem {
            Some((seq, reason)) => self.broken(seq, reason),
            None => ChainReport {
                chain: self.chain.to_owned(),
                events: last,
                broken: None,
                head: (last > 0).then(|| ChainPoint {
                    chain: self.chain.to_owned(),
                    seq: last,
                    hash: self.last_hash.clone(),
                }),
            },
        }
    }
}

async fn event_hash(conn: &mut Conn, chain: &str, seq: i64) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = conn
        .fetch_optional(
            "SELECT hash FROM audit_events WHERE chain = $1 AND seq = $2",
            params![chain, seq],
        )
        .await?;
    Ok(row.map(|(hash,)| hash))
}

/// Where the instance chain records an organisation chain's first event.
struct Root {
    instance_seq: i64,
    genesis_hash: String,
}

/// Every organisation has a chain, and every chain but the instance's is rooted in the instance
/// chain by an event naming its first event. Chains already broken keep their first break.
async fn check_roots(conn: &mut Conn, reports: &mut Vec<ChainReport>) -> StoreResult<()> {
    let rooting_events: Vec<(i64, Option<String>)> = conn
        .fetch_all(
            "SELECT seq, after_json FROM audit_events
             WHERE chain = $1 AND record_type = $2 AND action = $3 ORDER BY seq",
            params![
                INSTANCE_CHAIN,
                RecordType::Organisation.as_str(),
                AuditAction::Create.as_str()
            ],
        )
        .await?;
    let mut roots: BTreeMap<String, Root> = BTreeMap::new();
    for (seq, after_json) in rooting_events {
        let after: Option<serde_json::Value> =
            after_json.and_then(|raw| serde_json::from_str(&raw).ok());
        let named = after.as_ref().and_then(|after| {
            Some((
                after.get("id")?.as_str()?.to_owned(),
                after.get("genesis_hash")?.as_str()?.to_owned(),
            ))
        });
        match named {
            Some((chain, genesis_hash)) => {
                roots.entry(chain).or_insert(Root {
                    instance_seq: seq,
                    genesis_hash,
                });
            }
            None => mark_broken(
                reports,
                INSTANCE_CHAIN,
                seq,
                format!(
                    "event {seq} records an organisation without naming its chain's first event"
                ),
            ),
        }
    }
    let organisations: Vec<(Uuid, String)> = conn
        .fetch_all("SELECT id, slug FROM organisations ORDER BY id", &[])
        .await?;
    for (id, slug) in organisations {
        let chain = id.to_string();
        if !reports.iter().any(|r| r.chain == chain) {
            reports.push(broken_report(
                &chain,
                1,
                format!(
                    "organisation {slug} has no audit chain: its events and chain head are missing"
                ),
            ));
        }
    }
    for report in reports.iter_mut() {
        if report.chain == INSTANCE_CHAIN || report.broken.is_some() {
            continue;
        }
        let reason = match roots.get(&report.chain) {
            None => {
                Some("the chain is not rooted: no instance event records its creation".to_owned())
            }
            Some(root) => {
                let genesis = event_hash(conn, &report.chain, 1).await?;
                (genesis.as_ref() != Some(&root.genesis_hash)).then(|| {
                    format!(
                        "event 1 is not the first event that instance event {} records for this chain",
                        root.instance_seq
                    )
                })
            }
        };
        if let Some(reason) = reason {
            report.broken = Some(BrokenLink {
                chain: report.chain.clone(),
                seq: 1,
                reason,
            });
            report.head = None;
        }
    }
    for (chain, root) in &roots {
        if !reports.iter().any(|r| &r.chain == chain) {
            reports.push(broken_report(
                chain,
                1,
                format!(
                    "the chain is missing, but instance event {} records its creation",
                    root.instance_seq
                ),
            ));
        }
    }
    Ok(())
}

/// Records a break in `chain` unless it already has an earlier one.
fn mark_broken(reports: &mut [ChainReport], chain: &str, seq: i64, reason: String) {
    if let Some(report) = reports.iter_mut().find(|r| r.chain == chain)
        && report.broken.as_ref().is_none_or(|b| b.seq > seq)
    {
        report.broken = Some(BrokenLink {
            chain: chain.to_owned(),
            seq,
            reason,
        });
        report.head = None;
    }
}

/// Whether the database still holds `point`: the event at its sequence number with its hash.
async fn check_point(conn: &mut Conn, point: &ChainPoint) -> StoreResult<Option<BrokenLink>> {
    let chain = point.chain.as_str();
    let broken = |reason: String| {
        Some(BrokenLink {
            chain: chain.to_owned(),
            seq: point.seq,
            reason,
        })
    };
    match event_hash(conn, chain, point.seq).await? {
        Some(hash) if hash == point.hash => Ok(None),
        Some(_) => Ok(broken(format!(
            "event {} differs from the checkpoint (its hash is not the one signed)",
            point.seq
        ))),
        None => {
            let (last,): (Option<i64>,) = conn
                .fetch_one(
                    "SELECT MAX(seq) FROM audit_events WHERE chain = $1",
                    params![chain],
                )
                .await?;
            Ok(broken(match last {
                None => format!(
                    "the chain is missing, but the checkpoint records it up to event {}",
                    point.seq
                ),
                Some(last) => format!(
                    "the database holds this chain only up to event {last}, but the checkpoint records event {}",
                    point.seq
                ),
            }))
        }
    }
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

/// The WHERE clause of an organisation's events under `filter`: its chain, read in order by
/// the chain's key.
fn list_conditions(org_id: Uuid, filter: &AuditFilter) -> Statement {
    let mut conditions = Statement::new(" WHERE chain = ");
    conditions.bind(chain_of(Some(org_id)));
    conditions.push(" AND org_id = ").bind(org_id);
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
