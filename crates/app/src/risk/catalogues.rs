//! The threat and vulnerability catalogues. Custos ships a starting catalogue of each
//! (content/risk/, written by the project); every organisation is given its own copy when it
//! is created (or, for organisations older than the catalogues, when the instance is
//! upgraded), and risks name entries of that copy.

use std::sync::OnceLock;

use custos_domain::ValidationErrors;
use custos_domain::platform::{Permission, RecordType};
use custos_domain::risk::catalogue::{
    Catalogue, LibraryThreat, LibraryVulnerability, ThreatInput, VulnerabilityInput,
};
use custos_domain::risk::catalogue::{Threat, Vulnerability};
use custos_formats::risk_catalogue;
use custos_store::risk::{self as store, CatalogueTable};
use custos_store::{Conn, Store, StoreError, StoreResult, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::records::{StoredRecord, Written};
use crate::{App, AppError, AppResult, OrgContext};

type Shipped = (Catalogue<LibraryThreat>, Catalogue<LibraryVulnerability>);

/// The shipped catalogues, read once. They are checked by the formats crate's tests, so a
/// failure here is a broken build, reported rather than panicking.
fn shipped() -> AppResult<&'static Shipped> {
    static SHIPPED: OnceLock<Result<Shipped, String>> = OnceLock::new();
    SHIPPED
        .get_or_init(|| {
            let threats =
                risk_catalogue::threats(include_str!("../../../../content/risk/threats.yaml"))
                    .map_err(|e| e.to_string())?;
            let vulnerabilities = risk_catalogue::vulnerabilities(include_str!(
                "../../../../content/risk/vulnerabilities.yaml"
            ))
            .map_err(|e| e.to_string())?;
            risk_catalogue::check_exploited_by(&vulnerabilities, &threats)
                .map_err(|e| e.to_string())?;
            Ok((threats, vulnerabilities))
        })
        .as_ref()
        .map_err(|e| AppError::Internal(format!("the shipped risk catalogues: {e}")))
}

/// Gives organisation `org_id` its copy of the shipped catalogues, in the caller's
/// transaction.
pub(crate) async fn give_catalogues(
    tx: &mut Tx,
    org_id: Uuid,
    now: OffsetDateTime,
) -> AppResult<()> {
    let (threats, vulnerabilities) = shipped()?;
    store::load_catalogues(
        tx,
        org_id,
        (threats.version, &threats.entries),
        (vulnerabilities.version, &vulnerabilities.entries),
        now,
    )
    .await?;
    Ok(())
}

/// Gives every organisation that has none its copy of the catalogues: organisations created
/// before the catalogues shipped. Two instances upgrading at once both try; the second
/// one's copy is refused by the load record's key and dropped.
pub(crate) async fn give_missing_catalogues(store: &Store, now: OffsetDateTime) -> AppResult<()> {
    let mut conn = store.reader().await?;
    let organisations = custos_store::platform::list_organisations(&mut conn).await?;
    let mut missing = Vec::new();
    for organisation in organisations {
        if !store::catalogues_loaded(&mut conn, organisation.id).await? {
            missing.push(organisation.id);
        }
    }
    drop(conn);
    for org_id in missing {
        let mut tx = store.begin().await?;
        match give_catalogues(&mut tx, org_id, now).await {
            Ok(()) => tx.commit().await?,
            Err(AppError::Store(e)) if e.is_unique_violation() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl App {
    /// The organisation's threat catalogue, by reference.
    pub async fn threats(&self, ctx: &OrgContext) -> AppResult<Vec<Threat>> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        Ok(store::threats(&mut conn, ctx.org_id()).await?)
    }

    /// The organisation's vulnerability catalogue, by reference.
    pub async fn vulnerabilities(&self, ctx: &OrgContext) -> AppResult<Vec<Vulnerability>> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        Ok(store::vulnerabilities(&mut conn, ctx.org_id()).await?)
    }
}

impl StoredRecord for Threat {
    const TYPE: RecordType = RecordType::Threat;

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        store::find_threat(conn, org_id, id).await
    }
}

impl StoredRecord for Vulnerability {
    const TYPE: RecordType = RecordType::Vulnerability;

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        store::find_vulnerability(conn, org_id, id).await
    }
}

/// A reference another entry of the catalogue already has.
fn reference_taken(e: StoreError) -> AppError {
    if e.is_unique_violation() {
        ValidationErrors::single(
            "reference",
            "Another entry of the catalogue has this reference: choose another.",
        )
        .into()
    } else {
        e.into()
    }
}

/// Refuses to delete an entry risks name: they would lose their scenario silently.
async fn refuse_if_named(
    tx: &mut Tx,
    table: CatalogueTable,
    org_id: Uuid,
    id: Uuid,
) -> AppResult<()> {
    let count = store::risks_naming(tx, table, org_id, id).await?;
    if count > 0 {
        return Err(AppError::Conflict(format!(
            "{count} risk(s) name this entry: change them first, then delete it."
        )));
    }
    Ok(())
}

impl App {
    pub async fn threat(&self, ctx: &OrgContext, id: Uuid) -> AppResult<Threat> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        store::find_threat(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Adds a threat of the organisation's own to its catalogue.
    pub async fn create_threat(
        &self,
        ctx: &OrgContext,
        input: &ThreatInput,
        now: OffsetDateTime,
    ) -> AppResult<Threat> {
        ctx.require(Permission::ManageRisks)?;
        let draft = input.parse()?;
        self.create_record(ctx, now, async |tx: &mut Tx| {
            let id = Uuid::now_v7();
            store::insert_threat(tx, ctx.org_id(), id, &draft, now)
                .await
                .map_err(reference_taken)?;
            Ok(id)
        })
        .await
    }

    pub async fn update_threat(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        input: &ThreatInput,
        now: OffsetDateTime,
    ) -> AppResult<Threat> {
        ctx.require(Permission::ManageRisks)?;
        let draft = input.parse()?;
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &Threat| {
                if !draft.differs_from(before) {
                    return Ok(Written::Unchanged);
                }
                let saved =
                    store::update_threat(tx, ctx.org_id(), id, expected_version, &draft, now)
                        .await
                        .map_err(reference_taken)?;
                Ok(if saved {
                    Written::Saved
                } else {
                    Written::Stale
                })
            },
        )
        .await
    }

    /// Deletes a threat no risk names.
    pub async fn delete_threat(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageRisks)?;
        let table = CatalogueTable::Threats;
        self.delete_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, _: &Threat| {
                refuse_if_named(tx, table, ctx.org_id(), id).await?;
                Ok(store::delete_entry(tx, table, ctx.org_id(), id, expected_version).await?)
            },
        )
        .await
    }

    pub async fn vulnerability(&self, ctx: &OrgContext, id: Uuid) -> AppResult<Vulnerability> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        store::find_vulnerability(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Adds a vulnerability of the organisation's own to its catalogue.
    pub async fn create_vulnerability(
        &self,
        ctx: &OrgContext,
        input: &VulnerabilityInput,
        now: OffsetDateTime,
    ) -> AppResult<Vulnerability> {
        ctx.require(Permission::ManageRisks)?;
        let draft = input.parse()?;
        self.create_record(ctx, now, async |tx: &mut Tx| {
            let id = Uuid::now_v7();
            store::insert_vulnerability(tx, ctx.org_id(), id, &draft, now)
                .await
                .map_err(reference_taken)?;
            Ok(id)
        })
        .await
    }

    pub async fn update_vulnerability(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        input: &VulnerabilityInput,
        now: OffsetDateTime,
    ) -> AppResult<Vulnerability> {
        ctx.require(Permission::ManageRisks)?;
        let draft = input.parse()?;
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &Vulnerability| {
                if !draft.differs_from(before) {
                    return Ok(Written::Unchanged);
                }
                let saved = store::update_vulnerability(
                    tx,
                    ctx.org_id(),
                    id,
                    expected_version,
                    &draft,
                    now,
                )
                .await
                .map_err(reference_taken)?;
                Ok(if saved {
                    Written::Saved
                } else {
                    Written::Stale
                })
            },
        )
        .await
    }

    /// Deletes a vulnerability no risk names.
    pub async fn delete_vulnerability(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageRisks)?;
        let table = CatalogueTable::Vulnerabilities;
        self.delete_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, _: &Vulnerability| {
                refuse_if_named(tx, table, ctx.org_id(), id).await?;
                Ok(store::delete_entry(tx, table, ctx.org_id(), id, expected_version).await?)
            },
        )
        .await
    }
}
