//! The organisation's impact scale and classification scheme: what every asset's C, I and A
//! values and classification mean. The scale is changed in place, refused while assets use
//! a level it would remove; the scheme is versioned and each version goes to senior
//! management for approval through the register kit ([`crate::records::Approvable`]).

use custos_domain::assets::classification::{
    ClassificationScheme, ClassificationSchemeInput, SchemeVersion, SchemeVersionStatus,
    check_ranks_in_use,
};
use custos_domain::assets::impact::{ImpactScale, ImpactScaleInput, SavedImpactScale};
use custos_domain::governance::{Approval, Decision};
use custos_domain::platform::{Permission, RecordType};
use custos_store::asset_settings as store;
use custos_store::{Conn, StoreResult, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::platform::{Change, record_change};
use crate::records::{Approvable, StoredRecord};
use crate::{App, AppError, AppResult, OrgContext};

/// The classification scheme asset pages apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentScheme {
    /// Its `version` is the approved version's number; while `approved` is false it is the
    /// built-in scheme's 1, which names no stored version.
    pub scheme: ClassificationScheme,
    /// False while the organisation has no approved version and the built-in scheme applies.
    pub approved: bool,
    /// When the version in force was approved.
    pub approved_at: Option<OffsetDateTime>,
}

/// The impact scale with what limits changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactScaleSettings {
    pub saved: SavedImpactScale,
    /// The highest C, I or A value an asset holds: the scale keeps at least that many levels.
    pub highest_value_in_use: Option<u8>,
}

/// The scale organisation `org_id` values C, I and A on, read on `conn`.
pub(crate) async fn scale_in(conn: &mut Conn, org_id: Uuid) -> AppResult<ImpactScale> {
    Ok(store::impact_scale(conn, org_id)
        .await?
        .map_or_else(ImpactScale::default, |saved| saved.scale))
}

/// The classification scheme in force in organisation `org_id`, read on `conn`.
pub(crate) async fn scheme_in(conn: &mut Conn, org_id: Uuid) -> AppResult<CurrentScheme> {
    Ok(match store::approved_version(conn, org_id).await? {
        Some(version) => CurrentScheme {
            scheme: version.scheme(),
            approved: true,
            approved_at: version.decided_at,
        },
        None => CurrentScheme {
            scheme: ClassificationScheme::default_scheme(),
            approved: false,
            approved_at: None,
        },
    })
}

impl App {
    /// The scale the organisation values C, I and A on (the built-in one until it saves its
    /// own).
    pub async fn impact_scale(&self, ctx: &OrgContext) -> AppResult<ImpactScale> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        scale_in(&mut conn, ctx.org_id()).await
    }

    /// The scale with the highest value assets hold, for the page that changes it (the
    /// highest value is read from every asset of the organisation: not for asset pages).
    pub async fn impact_scale_settings(&self, ctx: &OrgContext) -> AppResult<ImpactScaleSettings> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        let saved = store::impact_scale(&mut conn, ctx.org_id())
            .await?
            .unwrap_or_else(SavedImpactScale::built_in);
        let highest_value_in_use = highest_impact_in_use(&mut conn, ctx.org_id()).await?;
        Ok(ImpactScaleSettings {
            saved,
            highest_value_in_use,
        })
    }

    /// Replaces version `expected_version` of the scale (0: the built-in one). Levels that
    /// assets use may be renamed and described anew, never removed: valuations are never
    /// rewritten.
    pub async fn update_impact_scale(
        &self,
        ctx: &OrgContext,
        expected_version: i64,
        input: &ImpactScaleInput,
        now: OffsetDateTime,
    ) -> AppResult<SavedImpactScale> {
        ctx.require(Permission::ManageAssetSettings)?;
        let new = input.parse()?;
        let mut tx = self.store.begin().await?;
        // Saves of the scale queue on the organisation's row (on PostgreSQL; SQLite has one
        // writer), so two cannot both pass the version check. Asset writes that hold the row
        // FOR SHARE cannot then raise a valuation above the new scale meanwhile.
        custos_store::platform::lock_organisation(&mut tx, ctx.org_id()).await?;
        let before = store::impact_scale(&mut tx, ctx.org_id())
            .await?
            .unwrap_or_else(SavedImpactScale::built_in);
        if before.version != expected_version {
            return Err(scale_changed_meanwhile());
        }
        let in_use = highest_impact_in_use(&mut tx, ctx.org_id()).await?;
        before.scale.change_allowed(&new, in_use)?;
        if new == before.scale {
            return Ok(before);
        }
        let saved = if before.is_built_in() {
            store::insert_impact_scale(&mut tx, ctx.org_id(), &new, now).await?
        } else {
            store::update_impact_scale(&mut tx, ctx.org_id(), expected_version, &new, now).await?
        };
        if !saved {
            return Err(scale_changed_meanwhile());
        }
        let after = store::impact_scale(&mut tx, ctx.org_id())
            .await?
            .ok_or(AppError::NotFound)?;
        let change = Change::updated(RecordType::ImpactScale, ctx.org_id(), &before, &after)?;
        record_change(&mut tx, ctx, change, now).await?;
        self.commit(ctx, tx).await?;
        Ok(after)
    }

    /// The classification scheme in force: the newest approved version, or the built-in
    /// scheme while none is approved.
    pub async fn classification_scheme(&self, ctx: &OrgContext) -> AppResult<CurrentScheme> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        scheme_in(&mut conn, ctx.org_id()).await
    }

    /// Every version of the scheme, newest first.
    pub async fn classification_scheme_versions(
        &self,
        ctx: &OrgContext,
    ) -> AppResult<Vec<SchemeVersion>> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        Ok(store::versions(&mut conn, ctx.org_id()).await?)
    }

    pub async fn classification_scheme_version(
        &self,
        ctx: &OrgContext,
        version: i64,
    ) -> AppResult<SchemeVersion> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        store::find_version(&mut conn, ctx.org_id(), version)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The draft being edited, if there is one.
    pub async fn classification_draft(&self, ctx: &OrgContext) -> AppResult<Option<SchemeVersion>> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        Ok(store::newest_version(&mut conn, ctx.org_id())
            .await?
            .filter(|version| version.status == SchemeVersionStatus::Draft))
    }

    /// What a new draft starts from: the newest version (so a rejected version is corrected
    /// rather than typed again), or the built-in scheme when there is none or when asked.
    pub async fn classification_draft_start(
        &self,
        ctx: &OrgContext,
        from_built_in: bool,
    ) -> AppResult<ClassificationScheme> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        let newest = store::newest_version(&mut conn, ctx.org_id()).await?;
        Ok(match newest {
            Some(version) if !from_built_in => version.scheme(),
            _ => ClassificationScheme::default_scheme(),
        })
    }

    /// Saves the draft: the one being edited, at `expected_revision`, or a new one (with
    /// `expected_revision` 0) when none is. No draft is started while a version waits for a
    /// decision: one version is open at a time.
    pub async fn save_classification_draft(
        &self,
        ctx: &OrgContext,
        expected_revision: i64,
        input: &ClassificationSchemeInput,
        now: OffsetDateTime,
    ) -> AppResult<SchemeVersion> {
        ctx.require(Permission::ManageAssetSettings)?;
        let mut tx = self.store.begin().await?;
        let newest = store::newest_version(&mut tx, ctx.org_id()).await?;
        let (change, after) = match newest {
            Some(draft) if draft.status == SchemeVersionStatus::Draft => {
                if draft.revision != expected_revision {
                    return Err(draft_changed_meanwhile());
                }
                let scheme = input.parse(draft.version)?;
                if scheme.levels == draft.levels {
                    return Ok(draft);
                }
                let written = store::update_draft(
                    &mut tx,
                    ctx.org_id(),
                    draft.version,
                    expected_revision,
                    &scheme.levels,
                    now,
                )
                .await?;
                if !written {
                    return Err(draft_changed_meanwhile());
                }
                let after = find_version(&mut tx, ctx, draft.version).await?;
                let change = Change::updated(
                    RecordType::ClassificationScheme,
                    ctx.org_id(),
                    &draft,
                    &after,
                )?;
                (change, after)
            }
            Some(pending) if pending.status == SchemeVersionStatus::PendingApproval => {
                return Err(waiting_for_decision(pending.version));
            }
            newest => {
                if expected_revision != 0 {
                    // The draft this form was opened on has been submitted since.
                    return Err(draft_changed_meanwhile());
                }
                let number = newest.map_or(1, |version| version.version + 1);
                let scheme = input.parse(number)?;
                store::insert_draft(&mut tx, ctx.org_id(), number, &scheme.levels, now)
                    .await
                    .map_err(|e| {
                        if e.is_unique_violation() {
                            draft_changed_meanwhile()
                        } else {
                            e.into()
                        }
                    })?;
                let after = find_version(&mut tx, ctx, number).await?;
                let change =
                    Change::created(RecordType::ClassificationScheme, ctx.org_id(), &after)?;
                (change, after)
            }
        };
        record_change(&mut tx, ctx, change, now).await?;
        self.commit(ctx, tx).await?;
        Ok(after)
    }

    /// Sends draft `version` to senior management. `expected_revision`, when given, is the
    /// revision the sender read, so nobody submits changes they have not seen. Refused while
    /// assets are classified at a rank the draft drops.
    pub async fn submit_classification_draft(
        &self,
        ctx: &OrgContext,
        version: i64,
        expected_revision: Option<i64>,
        note: &str,
        now: OffsetDateTime,
    ) -> AppResult<Approval> {
        ctx.require(Permission::ManageAssetSettings)?;
        ctx.require(Permission::SubmitForApproval)?;
        let mut conn = self.store.reader().await?;
        let newest = store::newest_version(&mut conn, ctx.org_id()).await?;
        match newest {
            Some(draft) if draft.status == SchemeVersionStatus::Draft => {
                if draft.version != version
                    || expected_revision.is_some_and(|revision| revision != draft.revision)
                {
                    return Err(draft_changed_meanwhile());
                }
                let in_use = store::classification_ranks_in_use(&mut conn, ctx.org_id()).await?;
                check_ranks_in_use(&draft.scheme(), &in_use)?;
            }
            Some(pending) if pending.status == SchemeVersionStatus::PendingApproval => {
                return Err(waiting_for_decision(pending.version));
            }
            _ => {
                return Err(AppError::Conflict(
                    "There is no draft to submit: save a draft of the scheme first.".into(),
                ));
            }
        }
        drop(conn);
        // Checked again in the submission's transaction, where the revision cannot move.
        let unchanged = |draft: &SchemeVersion| match expected_revision {
            Some(revision) if revision != draft.revision => Err(draft_changed_meanwhile()),
            _ => Ok(()),
        };
        self.submit_for_approval::<SchemeVersion>(ctx, ctx.org_id(), version, note, now, unchanged)
            .await
    }
}

async fn highest_impact_in_use(conn: &mut Conn, org_id: Uuid) -> AppResult<Option<u8>> {
    let highest = store::highest_impact_in_use(conn, org_id).await?;
    // The assets table's CHECK keeps values within 1 to 6.
    Ok(highest.and_then(|value| u8::try_from(value).ok()))
}

async fn find_version(tx: &mut Tx, ctx: &OrgContext, version: i64) -> AppResult<SchemeVersion> {
    store::find_version(tx, ctx.org_id(), version)
        .await?
        .ok_or(AppError::NotFound)
}

fn scale_changed_meanwhile() -> AppError {
    AppError::Conflict(
        "Someone else changed the impact scale after you opened it. Reload it to see their \
         changes, then make yours again."
            .into(),
    )
}

fn draft_changed_meanwhile() -> AppError {
    AppError::Conflict(
        "Someone else changed or submitted the draft of the classification scheme after you \
         opened it. Reload it to see where it stands, then make your changes again."
            .into(),
    )
}

fn waiting_for_decision(version: i64) -> AppError {
    AppError::Conflict(format!(
        "Version {version} of the classification scheme is waiting for a decision by senior \
         management. Once it is approved or rejected, a new draft can be started."
    ))
}

/// The scheme is one record per organisation, named by the organisation's id; the register
/// kit sees its newest version, which is the only one that ever changes.
impl StoredRecord for SchemeVersion {
    const TYPE: RecordType = RecordType::ClassificationScheme;

    fn id(&self) -> Uuid {
        self.scheme_id
    }

    /// The version's number: approvals name "version 2" of the scheme, and the approval page
    /// finds what was signed by this number in the audit trail (newest snapshot first, and a
    /// version never changes after it is submitted).
    fn version(&self) -> i64 {
        self.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        if id != org_id {
            return Ok(None);
        }
        store::newest_version(conn, org_id).await
    }
}

impl Approvable for SchemeVersion {
    fn check_submittable(&self) -> AppResult<()> {
        if self.status == SchemeVersionStatus::Draft {
            return Ok(());
        }
        Err(AppError::Conflict(format!(
            "Only a draft can be submitted; version {} is {}.",
            self.version,
            self.status.label().to_lowercase()
        )))
    }

    fn awaits_decision(&self) -> bool {
        self.status == SchemeVersionStatus::PendingApproval
    }

    fn title(&self) -> String {
        SchemeVersion::title(self)
    }

    /// The scheme has no reference number: its title names it.
    fn reference(&self) -> String {
        String::new()
    }

    fn content(&self) -> Vec<(&'static str, String)> {
        SchemeVersion::content(self)
    }

    async fn mark_submitted(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        store::submit_draft(tx, org_id, record.version, record.revision, now).await
    }

    /// Assets may have been classified at a rank this version drops while it waited: it is
    /// not put in force over them (rejecting it stays possible).
    async fn check_decidable(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        decision: Decision,
    ) -> AppResult<()> {
        if decision == Decision::Approve {
            // Asset writes hold the organisation FOR SHARE while they check a rank: none can
            // classify at a rank this version drops between the check and the commit.
            custos_store::platform::lock_organisation(tx, org_id).await?;
            let in_use = store::classification_ranks_in_use(tx, org_id).await?;
            check_ranks_in_use(&record.scheme(), &in_use)?;
        }
        Ok(())
    }

    async fn mark_decided(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        decision: Decision,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let outcome = match decision {
            Decision::Approve => SchemeVersionStatus::Approved,
            Decision::Reject => SchemeVersionStatus::Rejected,
        };
        let from = SchemeVersionStatus::PendingApproval;
        store::set_status(tx, org_id, record.version, from, outcome, now).await
    }
}
