//! The threat and vulnerability catalogues. Custos ships a starting catalogue of each
//! (content/risk/, written by the project); every organisation is given its own copy when it
//! is created (or, for organisations older than the catalogues, when the instance is
//! upgraded), and risks name entries of that copy.

use std::sync::OnceLock;

use custos_domain::platform::Permission;
use custos_domain::risk::catalogue::{Catalogue, LibraryThreat, LibraryVulnerability};
use custos_domain::risk::catalogue::{Threat, Vulnerability};
use custos_formats::risk_catalogue;
use custos_store::risk as store;
use custos_store::{Store, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

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
