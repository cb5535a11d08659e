//! The register kit of the app layer: what every record kept in a register shares, written
//! once.
//!
//! - [`StoredRecord`]: how a record is found in its organisation and which version it is at.
//! - [`App::create_record`], [`App::edit_record`], [`App::delete_record`]: the versioned write
//!   sequence (find, version check, write, re-read, audit event, commit) around the one step
//!   each register writes itself.
//! - [`Approvable`]: how a record sent for sign-off is submitted and takes a decision; the
//!   approval workflow reaches it through [`approvable`], the one table of approvable records.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use custos_domain::ValidationErrors;
use custos_domain::governance::{Approval, Decision};
use custos_domain::list::{Listed, Page};
use custos_domain::platform::{AuditEvent, AuditFilter, Permission, RecordType, Role};
use custos_store::audit::{self as audit_store, ChainedEvents};
use custos_store::{Conn, StoreResult, Tx};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::count_cache::CachedCount;
use crate::platform::{Change, EventAuthor, record_change, record_changes};
use crate::{App, AppError, AppResult, OrgContext};

/// A record of a register: found by id within its organisation, written at a version.
pub(crate) trait StoredRecord: Serialize + Sized + Send + Sync {
    const TYPE: RecordType;

    fn id(&self) -> Uuid;

    fn version(&self) -> i64;

    fn find(
        conn: &mut Conn,
        org_id: Uuid,
        id: Uuid,
    ) -> impl Future<Output = StoreResult<Option<Self>>> + Send;

    /// What the second of two people saving the same version is told.
    fn changed_meanwhile() -> AppError {
        AppError::Conflict(format!(
            "Someone else changed this {} after you opened it. Reload it to see their changes, \
             then make yours again.",
            Self::TYPE.label().to_lowercase()
        ))
    }
}

/// How many of a record's latest changes its page shows.
pub const HISTORY_SHOWN: u32 = 20;

impl App {
    /// The latest changes to record `id` of type `R`, newest first, from the audit trail;
    /// not found when the organisation has no such record. Whoever may read a record may
    /// read its own history: the caller checks that permission.
    pub(crate) async fn record_history<R: StoredRecord>(
        &self,
        ctx: &OrgContext,
        id: Uuid,
    ) -> AppResult<Listed<AuditEvent>> {
        let mut conn = self.store.reader().await?;
        if R::find(&mut conn, ctx.org_id(), id).await?.is_none() {
            return Err(AppError::NotFound);
        }
        let filter = AuditFilter {
            record_type: Some(R::TYPE.as_str().to_owned()),
            record_id: Some(id.to_string()),
            ..AuditFilter::default()
        };
        let page = Page::new(Some(HISTORY_SHOWN), None);
        Ok(custos_store::audit::list(&mut conn, ctx.org_id(), &filter, page).await?)
    }
}

/// The record as stored, provided it is still at `expected_version` (inside the caller's
/// transaction): not found, or "someone else changed it", otherwise.
pub(crate) async fn find_at_version<R: StoredRecord>(
    tx: &mut Tx,
    ctx: &OrgContext,
    id: Uuid,
    expected_version: i64,
) -> AppResult<R> {
    let record = R::find(tx, ctx.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if record.version() != expected_version {
        return Err(R::changed_meanwhile());
    }
    Ok(record)
}

/// Reads back a record its register's write step has just changed from `before`, inside the
/// caller's transaction, and records the change in the audit trail: the end of every edit,
/// one record at a time or many in one transaction.
pub(crate) async fn audit_edit<R: StoredRecord>(
    tx: &mut Tx,
    ctx: &OrgContext,
    before: &R,
    now: OffsetDateTime,
) -> AppResult<R> {
    let after = R::find(tx, ctx.org_id(), before.id())
        .await?
        .ok_or(AppError::NotFound)?;
    let change = Change::updated(R::TYPE, before.id(), before, &after)?;
    record_change(tx, ctx, change, now).await?;
    Ok(after)
}

/// What a register's own write step did.
pub(crate) enum Written {
    /// Nothing differed: no new version, no audit event.
    Unchanged,
    Saved,
    /// The version moved on between the check and the write.
    Stale,
}

impl App {
    /// Creates a record: `insert` writes it and returns its id; the record is read back,
    /// audited and committed in one transaction.
    pub(crate) async fn create_record<R: StoredRecord>(
        &self,
        ctx: &OrgContext,
        now: OffsetDateTime,
        insert: impl AsyncFnOnce(&mut Tx) -> AppResult<Uuid>,
    ) -> AppResult<R> {
        let mut tx = self.store.begin().await?;
        let id = insert(&mut tx).await?;
        let created = R::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        record_change(&mut tx, ctx, Change::created(R::TYPE, id, &created)?, now).await?;
        self.commit(ctx, tx).await?;
        Ok(created)
    }

    /// Changes version `expected_version` of a record: `write` gets the record as stored and
    /// writes the change (or says nothing changed). Anyone who saved in between wins, and
    /// the caller is told to reload.
    pub(crate) async fn edit_record<R: StoredRecord>(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
        write: impl AsyncFnOnce(&mut Tx, &R) -> AppResult<Written>,
    ) -> AppResult<R> {
        let mut tx = self.store.begin().await?;
        let before = find_at_version::<R>(&mut tx, ctx, id, expected_version).await?;
        match write(&mut tx, &before).await? {
            Written::Unchanged => Ok(before),
            Written::Stale => Err(R::changed_meanwhile()),
            Written::Saved => {
                let after = audit_edit(&mut tx, ctx, &before, now).await?;
                self.commit(ctx, tx).await?;
                Ok(after)
            }
        }
    }

    /// Deletes version `expected_version` of a record; `delete` removes it (false when the
    /// version moved on) and whatever depends on it.
    pub(crate) async fn delete_record<R: StoredRecord>(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
        delete: impl AsyncFnOnce(&mut Tx, &R) -> AppResult<bool>,
    ) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        let before = find_at_version::<R>(&mut tx, ctx, id, expected_version).await?;
        if !delete(&mut tx, &before).await? {
            return Err(R::changed_meanwhile());
        }
        record_change(&mut tx, ctx, Change::deleted(R::TYPE, id, &before)?, now).await?;
        self.commit(ctx, tx).await
    }

    /// Commits a change to the organisation's records and forgets its cached list counts.
    /// A page of a register, its total counted at most once per filter every few seconds
    /// (the count cache, forgotten on any write in the organisation): `register` and
    /// `filter` key the count; `fetch` reads the page, counting unless given the total.
    pub(crate) async fn list_counted<R>(
        &self,
        ctx: &OrgContext,
        register: &str,
        filter: &impl std::fmt::Debug,
        fetch: impl AsyncFnOnce(&mut Conn, Option<(u64, bool)>) -> StoreResult<Listed<R>>,
    ) -> AppResult<Listed<R>> {
        let count_key = format!("{register} {filter:?}");
        let total = |cached| match cached {
            CachedCount::Known(total) => Some(total),
            CachedCount::Count => None,
        };
        let mut known_total = total(self.count_cache.get(ctx.org_id(), &count_key));
        // One request counts; the others wait for it rather than count beside it.
        let _turn = match known_total {
            Some(_) => None,
            None => {
                let turn = self.count_cache.turn(ctx.org_id(), &count_key).await;
                known_total = total(self.count_cache.get_fresh(ctx.org_id(), &count_key));
                turn
            }
        };
        let mut conn = self.store.reader().await?;
        let listed = fetch(&mut conn, known_total).await?;
        if known_total.is_none() {
            self.count_cache
                .remember(ctx.org_id(), count_key, listed.total, listed.total_exact);
        }
        Ok(listed)
    }

    pub(crate) async fn commit(&self, ctx: &OrgContext, tx: Tx) -> AppResult<()> {
        tx.commit().await?;
        self.count_cache.forget(ctx.org_id());
        Ok(())
    }
}

/// Audit events gathered and appended a batch at a time ([`AUDIT_BATCH`], and the rest by
/// [`GatheredAudit::append`] before the transaction commits): a use case writing thousands of
/// records (an import) moves the chain's head once per batch, not once per record, and holds
/// at most one batch of snapshots in memory.
pub(crate) struct GatheredAudit(Vec<Change>);

/// Events appended at once by [`GatheredAudit`].
const AUDIT_BATCH: usize = 1000;

impl GatheredAudit {
    pub(crate) fn new() -> Self {
        Self(Vec::with_capacity(AUDIT_BATCH))
    }

    pub(crate) async fn record(
        &mut self,
        tx: &mut Tx,
        ctx: &OrgContext,
        change: Change,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        self.0.push(change);
        if self.0.len() >= AUDIT_BATCH {
            let batch = std::mem::replace(&mut self.0, Vec::with_capacity(AUDIT_BATCH));
            record_changes(tx, ctx, batch, now).await?;
        }
        Ok(())
    }

    /// Appends the gathered events, in the order they were recorded.
    pub(crate) async fn append(
        self,
        tx: &mut Tx,
        ctx: &OrgContext,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        record_changes(tx, ctx, self.0, now).await
    }
}

/// Audit events of a use case changing many records at once, made (snapshots, hashes) on a
/// blocking thread while the caller's transaction writes the records: the two halves share
/// the machine's cores instead of taking turns. The caller writes in batches and calls
/// [`BackgroundAudit::append_ready`] between them, then [`BackgroundAudit::finish`] before
/// committing.
pub(crate) struct BackgroundAudit {
    batches: mpsc::Receiver<ChainedEvents>,
    maker: tokio::task::JoinHandle<AppResult<audit_store::Reserved>>,
}

impl BackgroundAudit {
    /// Reserves `count` places in the organisation's chain and starts making the events of
    /// `changes`, which must yield exactly `count` of them, in order.
    pub(crate) async fn start<I>(
        tx: &mut Tx,
        ctx: &OrgContext,
        count: usize,
        changes: I,
        now: OffsetDateTime,
    ) -> AppResult<Self>
    where
        I: IntoIterator<Item = AppResult<Change>> + Send + 'static,
        I::IntoIter: Send,
    {
        let mut reserved = audit_store::reserve(tx, Some(ctx.org_id()), count).await?;
        let author = EventAuthor::of(ctx);
        // Two batches ahead at most: the memory of two thousand snapshots.
        let (sender, batches) = mpsc::channel(2);
        let maker = tokio::task::spawn_blocking(move || {
            let mut changes = changes.into_iter();
            loop {
                let batch = changes
                    .by_ref()
                    .take(AUDIT_BATCH)
                    .collect::<AppResult<Vec<Change>>>()?;
                if batch.is_empty() {
                    break;
                }
                let (events, _) = reserved.chain(author.events(batch, now))?;
                // The writer stopped listening: it failed and will roll back.
                if sender.blocking_send(events).is_err() {
                    break;
                }
            }
            Ok(reserved)
        });
        Ok(Self { batches, maker })
    }

    /// Writes the events made so far, without waiting for more.
    pub(crate) async fn append_ready(&mut self, tx: &mut Tx) -> AppResult<()> {
        while let Ok(events) = self.batches.try_recv() {
            audit_store::insert_chained(tx, events).await?;
        }
        Ok(())
    }

    /// Writes the remaining events as they are made, and moves the chain's head past them.
    pub(crate) async fn finish(mut self, tx: &mut Tx) -> AppResult<()> {
        while let Some(events) = self.batches.recv().await {
            audit_store::insert_chained(tx, events).await?;
        }
        let reserved = self
            .maker
            .await
            .map_err(|e| AppError::Internal(format!("audit events: {e}")))??;
        audit_store::close(tx, reserved).await?;
        Ok(())
    }
}

/// A record that goes to senior management for sign-off (ISO 27001 5.1, 6.2, 6.1.3, ...).
pub(crate) trait Approvable: StoredRecord + DeserializeOwned {
    /// The permission a member needs to decide a request about this kind of record (besides
    /// holding the role the request is addressed to).
    const DECIDE: Permission = Permission::DecideApprovals;

    /// Refuses a version that may not be sent, saying why.
    fn check_submittable(&self) -> AppResult<()>;

    /// The role that decides a request about this record: its kind's, unless the record
    /// says otherwise (an acceptance goes to the role its risk level names).
    fn decider(&self) -> Option<Role> {
        Self::TYPE.decider()
    }

    /// Whether the record still waits for the decision on the version that was sent.
    fn awaits_decision(&self) -> bool;

    /// The title the request shows.
    fn title(&self) -> String;

    /// How people cite the record (`OBJ-0003`).
    fn reference(&self) -> String;

    /// The record field by field, as the approver reads it.
    fn content(&self) -> Vec<(&'static str, String)>;

    /// Marks the record as waiting for a decision; false when its version moved on.
    fn mark_submitted(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        now: OffsetDateTime,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Refuses a decision the record cannot take as things stand now, saying why; checked in
    /// the decision's transaction, before the outcome is applied. Most records can always
    /// take one.
    fn check_decidable(
        _tx: &mut Tx,
        _org_id: Uuid,
        _record: &Self,
        _decision: Decision,
    ) -> impl Future<Output = AppResult<()>> + Send {
        async { Ok(()) }
    }

    /// What else a decision changes, in the decision's transaction, recorded with `ctx`'s
    /// audit trail (an approved acceptance moves its risk to accepted). `record` is the
    /// record once decided. Most records change nothing else.
    fn after_decision(
        _tx: &mut Tx,
        _ctx: &OrgContext,
        _record: &Self,
        _decision: Decision,
        _now: OffsetDateTime,
    ) -> impl Future<Output = AppResult<()>> + Send {
        async { Ok(()) }
    }

    /// Gives the record the decision's outcome; false when its version moved on.
    fn mark_decided(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        decision: Decision,
        now: OffsetDateTime,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the approval workflow asks of a kind of approvable record without knowing its type.
pub(crate) trait ApprovableKind: Sync {
    /// The permission deciding a request about this kind of record needs.
    fn decide_permission(&self) -> Permission;

    /// Reference and content of the record from one of its snapshots in the audit trail.
    fn describe(
        &self,
        snapshot: &serde_json::Value,
    ) -> Option<(String, Vec<(&'static str, String)>)>;

    /// Applies a decision to the record the request is about, inside the workflow's
    /// transaction; returns the change for the workflow to record.
    fn apply_decision<'a>(
        &'a self,
        tx: &'a mut Tx,
        ctx: &'a OrgContext,
        approval: &'a Approval,
        decision: Decision,
        now: OffsetDateTime,
    ) -> Boxed<'a, AppResult<Change>>;
}

struct Kind<R>(PhantomData<fn() -> R>);

impl<R: Approvable> ApprovableKind for Kind<R> {
    fn decide_permission(&self) -> Permission {
        R::DECIDE
    }

    fn describe(
        &self,
        snapshot: &serde_json::Value,
    ) -> Option<(String, Vec<(&'static str, String)>)> {
        let record = serde_json::from_value::<R>(snapshot.clone()).ok()?;
        Some((record.reference(), record.content()))
    }

    fn apply_decision<'a>(
        &'a self,
        tx: &'a mut Tx,
        ctx: &'a OrgContext,
        approval: &'a Approval,
        decision: Decision,
        now: OffsetDateTime,
    ) -> Boxed<'a, AppResult<Change>> {
        Box::pin(async move {
            let label = R::TYPE.label().to_lowercase();
            let before = R::find(tx, ctx.org_id(), approval.record_id)
                .await?
                .ok_or_else(|| {
                    AppError::Conflict(format!("The {label} of this request no longer exists."))
                })?;
            if before.version() != approval.record_version || !before.awaits_decision() {
                return Err(AppError::Conflict(format!(
                    "The {label} changed after it was submitted; it must be submitted again."
                )));
            }
            R::check_decidable(tx, ctx.org_id(), &before, decision).await?;
            if !R::mark_decided(tx, ctx.org_id(), &before, decision, now).await? {
                return Err(R::changed_meanwhile());
            }
            let after = R::find(tx, ctx.org_id(), before.id())
                .await?
                .ok_or(AppError::NotFound)?;
            R::after_decision(tx, ctx, &after, decision, now).await?;
            Change::updated(R::TYPE, before.id(), &before, &after)
        })
    }
}

/// The records that go through approval, by type: the one place a new approvable register
/// is added.
pub(crate) fn approvable(record_type: RecordType) -> AppResult<&'static dyn ApprovableKind> {
    static OBJECTIVES: Kind<custos_domain::context::Objective> = Kind(PhantomData);
    static CLASSIFICATION_SCHEMES: Kind<custos_domain::assets::classification::SchemeVersion> =
        Kind(PhantomData);
    static RISK_METHODS: Kind<crate::risk::method::MethodVersion> = Kind(PhantomData);
    static SOAS: Kind<crate::controls::soa::SoaVersion> = Kind(PhantomData);
    static RISK_ACCEPTANCES: Kind<custos_domain::risk::acceptance::RiskAcceptance> =
        Kind(PhantomData);
    static DOCUMENT_VERSIONS: Kind<custos_domain::governance::documents::DocumentVersion> =
        Kind(PhantomData);
    match record_type {
        RecordType::Objective => Ok(&OBJECTIVES),
        RecordType::ClassificationScheme => Ok(&CLASSIFICATION_SCHEMES),
        RecordType::RiskMethod => Ok(&RISK_METHODS),
        RecordType::Soa => Ok(&SOAS),
        RecordType::RiskAcceptance => Ok(&RISK_ACCEPTANCES),
        RecordType::DocumentVersion => Ok(&DOCUMENT_VERSIONS),
        other => Err(AppError::Internal(format!(
            "{} records are not sent for approval",
            other.label()
        ))),
    }
}

/// How a form names the records of one register it links to: `AST-0001, AST-0007` (or the
/// bare numbers), read into ids by [`resolve_cited`].
pub(crate) struct Cited {
    pub register: custos_store::numbered::Numbered,
    /// The form field the references are typed in, which an error names.
    pub field: &'static str,
    /// What references start with: `AST-`.
    pub prefix: &'static str,
    /// Where the records live, in running text: "the asset inventory".
    pub place: &'static str,
    /// Most references one record may name.
    pub max: usize,
}

/// The ids of the organisation's records `text` names (see [`Cited`]), each once, in the order
/// found; refused on the field, naming every reference that is not there.
pub(crate) async fn resolve_cited(
    conn: &mut Conn,
    org_id: Uuid,
    cited: &Cited,
    text: &str,
) -> AppResult<Vec<Uuid>> {
    let mut numbers = Vec::new();
    let mut unknown = Vec::new();
    for raw in text
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let upper = raw.to_ascii_uppercase();
        let digits = upper.strip_prefix(cited.prefix).unwrap_or(&upper);
        match digits.parse::<i64>() {
            Ok(number) if number > 0 && !numbers.contains(&number) => numbers.push(number),
            Ok(number) if number > 0 => {}
            _ => unknown.push(raw.chars().take(24).collect::<String>()),
        }
    }
    if numbers.len() > cited.max {
        return Err(ValidationErrors::single(
            cited.field,
            format!("Name at most {} of them here.", cited.max),
        )
        .into());
    }
    let found =
        custos_store::numbered::ids_by_number(conn, org_id, cited.register, &numbers).await?;
    unknown.extend(
        numbers
            .iter()
            .filter(|n| !found.iter().any(|(number, _)| number == *n))
            .map(|n| format!("{}{n:04}", cited.prefix)),
    );
    if !unknown.is_empty() {
        return Err(ValidationErrors::single(
            cited.field,
            format!(
                "Not in {}: {}. Give references such as {}0001.",
                cited.place,
                unknown.join(", "),
                cited.prefix
            ),
        )
        .into());
    }
    Ok(found.into_iter().map(|(_, id)| id).collect())
}
