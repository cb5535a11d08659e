//! The asset inventory: list, read, create, edit and delete assets. The write sequence comes
//! from the register kit ([`crate::records`]); this module says what is particular to assets:
//! owners and custodians are members, and an external id names one asset (re-imports match
//! on it).

use custos_domain::ValidationErrors;
use custos_domain::assets::bulk::{AssetBulkInput, BULK_MAX};
use custos_domain::assets::figures::{AssetFigures, asset_figures};
use custos_domain::assets::review::ReviewPeriod;
use custos_domain::assets::{Asset, AssetDraft, AssetFilter, AssetInput, AssetList, AssetSort};
use custos_domain::list::Listed;
use custos_domain::platform::{AuditEvent, Permission, RecordType};
use custos_store::{Conn, StoreResult, Tx, assets as store, platform};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::settings::{scale_in, scheme_in};
use crate::export::{ExportedRecord, RegisterExport};
use crate::platform::{Change, record_change};
use crate::records::{StoredRecord, Written, audit_edit};
use crate::{App, AppError, AppResult, OrgContext};

impl StoredRecord for Asset {
    const TYPE: RecordType = RecordType::Asset;

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        store::find(conn, org_id, id).await
    }
}

impl App {
    pub async fn list_assets(
        &self,
        ctx: &OrgContext,
        request: &AssetList,
    ) -> AppResult<Listed<Asset>> {
        ctx.require(Permission::ViewAssets)?;
        self.list_counted(ctx, "assets", &request.filter, async |conn, known| {
            store::list(conn, ctx.org_id(), request, known).await
        })
        .await
    }

    /// The assets `request` selects, in its order, to be read a page at a time (see
    /// [`crate::export`]); an export starts at the first row.
    pub fn export_assets(
        &self,
        ctx: &OrgContext,
        request: AssetList,
    ) -> AppResult<RegisterExport<Asset>> {
        ctx.require(Permission::ViewAssets)?;
        Ok(RegisterExport::new(self, ctx.org_id(), request))
    }

    pub async fn asset(&self, ctx: &OrgContext, id: Uuid) -> AppResult<Asset> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        store::find(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// How often the organisation reviews its assets.
    pub async fn asset_review_period(&self, ctx: &OrgContext) -> AppResult<ReviewPeriod> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        review_period(&mut conn, ctx).await
    }

    /// Changes how often the organisation reviews its assets; audited as a change to the
    /// organisation. Reviews already planned keep their dates.
    pub async fn set_asset_review_period(
        &self,
        ctx: &OrgContext,
        months: &str,
        now: OffsetDateTime,
    ) -> AppResult<ReviewPeriod> {
        ctx.require(Permission::ManageAssetSettings)?;
        let period = ReviewPeriod::parse(months)?;
        let mut tx = self.store.begin().await?;
        let before = review_period(&mut tx, ctx).await?;
        if before != period {
            store::set_review_months(&mut tx, ctx.org_id(), i64::from(period.months)).await?;
            let change = Change::updated(
                RecordType::Organisation,
                ctx.org_id(),
                &json!({ "asset_review_months": before.months }),
                &json!({ "asset_review_months": period.months }),
            )?;
            record_change(&mut tx, ctx, change, now).await?;
        }
        self.commit(ctx, tx).await?;
        Ok(period)
    }

    /// The figures KPIs are built on: the shares of assets in use or planned that have an
    /// owner, a classification, a valuation on all of C, I and A, and a review within the
    /// organisation's period, on `today`.
    pub async fn asset_figures(&self, ctx: &OrgContext, today: Date) -> AppResult<AssetFigures> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        let period = review_period(&mut conn, ctx).await?;
        let since = period.oldest_current_review(today);
        let counts = store::counts(&mut conn, ctx.org_id(), since).await?;
        Ok(asset_figures(&counts))
    }

    /// The latest changes to asset `id`, newest first, for its page.
    pub async fn asset_history(&self, ctx: &OrgContext, id: Uuid) -> AppResult<Listed<AuditEvent>> {
        ctx.require(Permission::ViewAssets)?;
        self.record_history::<Asset>(ctx, id).await
    }

    pub async fn create_asset(
        &self,
        ctx: &OrgContext,
        input: &AssetInput,
        now: OffsetDateTime,
    ) -> AppResult<Asset> {
        ctx.require(Permission::ManageAssets)?;
        let mut draft = input.parse()?;
        self.create_record(ctx, now, async |tx: &mut Tx| {
            plan_next_review(tx, ctx, &mut draft).await?;
            check_against_organisation(tx, ctx, &draft, None).await?;
            insert_asset(tx, ctx, Uuid::now_v7(), &draft, now).await
        })
        .await
    }

    /// Saves an edit made to version `expected_version`.
    pub async fn update_asset(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        input: &AssetInput,
        now: OffsetDateTime,
    ) -> AppResult<Asset> {
        ctx.require(Permission::ManageAssets)?;
        let mut draft = input.parse()?;
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &Asset| {
                plan_next_review(tx, ctx, &mut draft).await?;
                check_against_organisation(tx, ctx, &draft, Some(id)).await?;
                write_asset(tx, ctx, before, &draft, now).await
            },
        )
        .await
    }

    /// Makes one change to many assets in one transaction (all or nothing): each asset it
    /// changes gets a new version and its own audit event; assets it would not change are
    /// left as they are. Returns the assets changed.
    pub async fn bulk_change_assets(
        &self,
        ctx: &OrgContext,
        ids: &[Uuid],
        input: &AssetBulkInput,
        now: OffsetDateTime,
    ) -> AppResult<Vec<Asset>> {
        ctx.require(Permission::ManageAssets)?;
        let change = input.parse()?;
        if ids.is_empty() || ids.len() > BULK_MAX {
            let message = format!("Select from 1 to {BULK_MAX} assets.");
            return Err(ValidationErrors::single("ids", message).into());
        }
        let mut tx = self.store.begin().await?;
        if let Some(Some(owner)) = change.owner_id
            && !platform::is_member(&mut tx, ctx.org_id(), owner).await?
        {
            return Err(
                ValidationErrors::single("owner_id", "Choose a member from the list.").into(),
            );
        }
        platform::share_organisation(&mut tx, ctx.org_id()).await?;
        let mut errors = ValidationErrors::new();
        check_classification(&mut tx, ctx, change.classification.flatten(), &mut errors).await?;
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let mut changed = Vec::new();
        for &id in ids {
            let before = store::find(&mut tx, ctx.org_id(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            let draft = change.apply(AssetDraft::from(&before));
            if !draft.differs_from(&before) || changed.iter().any(|a: &Asset| a.id == id) {
                continue;
            }
            let org = ctx.org_id();
            if !store::update(&mut tx, org, id, before.number, before.version, &draft, now).await? {
                return Err(Asset::changed_meanwhile());
            }
            changed.push(audit_edit(&mut tx, ctx, &before, now).await?);
        }
        self.commit(ctx, tx).await?;
        Ok(changed)
    }

    pub async fn delete_asset(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageAssets)?;
        self.delete_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, _: &Asset| {
                Ok(store::delete(tx, ctx.org_id(), id, expected_version).await?)
            },
        )
        .await
    }
}

impl ExportedRecord for Asset {
    type Filter = AssetFilter;
    type Sort = AssetSort;
    const BY_NUMBER: AssetSort = AssetSort::Number;

    fn number(&self) -> i64 {
        self.number
    }

    async fn rows(conn: &mut Conn, org_id: Uuid, request: &AssetList) -> StoreResult<Vec<Self>> {
        store::rows(conn, org_id, request).await
    }
}

/// Writes a new asset from a checked draft under the organisation's next number; the
/// register kit reads it back and audits it. The form, the API and imports all create
/// assets through it.
pub(crate) async fn insert_asset(
    tx: &mut Tx,
    ctx: &OrgContext,
    id: Uuid,
    draft: &AssetDraft,
    now: OffsetDateTime,
) -> AppResult<Uuid> {
    let number = platform::next_reference(tx, ctx.org_id(), ASSET_NUMBERS).await?;
    store::insert(tx, ctx.org_id(), id, number, draft, now).await?;
    Ok(id)
}

/// The kind of reference counter assets are numbered by.
pub(crate) const ASSET_NUMBERS: &str = "asset";

/// Writes a checked draft over the asset `before` (at its version), unless nothing differs.
pub(crate) async fn write_asset(
    tx: &mut Tx,
    ctx: &OrgContext,
    before: &Asset,
    draft: &AssetDraft,
    now: OffsetDateTime,
) -> AppResult<Written> {
    if !draft.differs_from(before) {
        return Ok(Written::Unchanged);
    }
    let saved = store::update(
        tx,
        ctx.org_id(),
        before.id,
        before.number,
        before.version,
        draft,
        now,
    )
    .await?;
    Ok(if saved {
        Written::Saved
    } else {
        Written::Stale
    })
}

/// Adds to `errors` why `rank` is no level of the classification scheme in force.
async fn check_classification(
    conn: &mut Conn,
    ctx: &OrgContext,
    rank: Option<i64>,
    errors: &mut ValidationErrors,
) -> AppResult<()> {
    if let Some(rank) = rank {
        let scheme = scheme_in(conn, ctx.org_id()).await?.scheme;
        if let Some(refusal) = scheme.refuse_rank(rank) {
            errors.add("classification", refusal);
        }
    }
    Ok(())
}

/// Adds to `errors` each of `draft`'s C, I and A that is no level of the organisation's scale.
async fn check_impacts(
    conn: &mut Conn,
    ctx: &OrgContext,
    draft: &AssetDraft,
    errors: &mut ValidationErrors,
) -> AppResult<()> {
    let values = draft.values();
    if values.iter().all(|(_, value)| value.is_none()) {
        return Ok(());
    }
    let scale = scale_in(conn, ctx.org_id()).await?;
    for (field, value) in values {
        if let Some(refusal) = value.and_then(|value| scale.refuse_value(value)) {
            errors.add(field, refusal);
        }
    }
    Ok(())
}

pub(crate) async fn review_period(conn: &mut Conn, ctx: &OrgContext) -> AppResult<ReviewPeriod> {
    let months = store::review_months(conn, ctx.org_id()).await?;
    Ok(ReviewPeriod::of_months(months).unwrap_or_default())
}

/// A reviewed asset without a next review date is next due a review period after the last.
pub(crate) async fn plan_next_review(
    tx: &mut Tx,
    ctx: &OrgContext,
    draft: &mut AssetDraft,
) -> AppResult<()> {
    if let (Some(last), None) = (draft.last_reviewed_on, draft.next_review_on) {
        draft.next_review_on = Some(review_period(tx, ctx).await?.next_review(last));
    }
    Ok(())
}

/// Owners and custodians are members of the organisation, levels are on its impact scale and
/// in its classification scheme, and an external id names one asset of it (`except`: the
/// asset being edited).
async fn check_against_organisation(
    tx: &mut Tx,
    ctx: &OrgContext,
    draft: &AssetDraft,
    except: Option<Uuid>,
) -> AppResult<()> {
    platform::share_organisation(tx, ctx.org_id()).await?;
    let mut errors = ValidationErrors::new();
    check_classification(tx, ctx, draft.classification, &mut errors).await?;
    check_impacts(tx, ctx, draft, &mut errors).await?;
    for (field, person) in [
        ("owner_id", draft.owner_id),
        ("custodian_id", draft.custodian_id),
    ] {
        if let Some(person) = person
            && !platform::is_member(tx, ctx.org_id(), person).await?
        {
            errors.add(field, "Choose a member from the list.");
        }
    }
    if let Some(external_id) = &draft.external_id
        && store::external_id_taken(tx, ctx.org_id(), external_id, except).await?
    {
        errors.add("external_id", "Another asset has this external id.");
    }
    Ok(errors.into_result(())?)
}
