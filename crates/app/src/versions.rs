//! The register kit's part for records that change by approved versions (see
//! `custos_domain::versions`): drafts saved at a revision, one open version at a time, and
//! approval through [`Approvable`]. A versioned record declares its body type with
//! [`VersionedBody`] and gets the rest.

use custos_domain::governance::{Approval, Decision};
use custos_domain::platform::{Permission, RecordType};
use custos_domain::versions::{Version, VersionStatus};
use custos_store::versions::VersionTable;
use custos_store::{Conn, StoreResult, Tx};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::platform::{Change, record_change};
use crate::records::{Approvable, StoredRecord};
use crate::{App, AppError, AppResult, OrgContext};

/// What a versioned record's body declares.
pub(crate) trait VersionedBody:
    Serialize + DeserializeOwned + Clone + PartialEq + Send + Sync + 'static
{
    const TYPE: RecordType;
    const TABLE: VersionTable;
    /// How messages name the record: "risk method".
    const NAME: &'static str;
    /// The permission that reads its versions.
    const VIEW: Permission;

    /// The body part by part, as the approver reads it.
    fn content(&self) -> Vec<(&'static str, String)>;
}

impl App {
    /// The version in force: the newest approved one; `None` while none is approved.
    pub(crate) async fn version_in_force<T: VersionedBody>(
        &self,
        ctx: &OrgContext,
    ) -> AppResult<Option<Version<T>>> {
        ctx.require(T::VIEW)?;
        let mut conn = self.store.reader().await?;
        Ok(T::TABLE.approved(&mut conn, ctx.org_id()).await?)
    }

    /// Every version, newest first.
    pub(crate) async fn all_versions<T: VersionedBody>(
        &self,
        ctx: &OrgContext,
    ) -> AppResult<Vec<Version<T>>> {
        ctx.require(T::VIEW)?;
        let mut conn = self.store.reader().await?;
        Ok(T::TABLE.all(&mut conn, ctx.org_id()).await?)
    }

    /// Version `version`.
    pub(crate) async fn one_version<T: VersionedBody>(
        &self,
        ctx: &OrgContext,
        version: i64,
    ) -> AppResult<Version<T>> {
        ctx.require(T::VIEW)?;
        let mut conn = self.store.reader().await?;
        T::TABLE
            .find(&mut conn, ctx.org_id(), version)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The draft being edited, if there is one.
    pub(crate) async fn version_draft<T: VersionedBody>(
        &self,
        ctx: &OrgContext,
    ) -> AppResult<Option<Version<T>>> {
        ctx.require(T::VIEW)?;
        let mut conn = self.store.reader().await?;
        Ok(T::TABLE
            .newest(&mut conn, ctx.org_id())
            .await?
            .filter(Version::is_draft))
    }

    /// Saves the draft: the one being edited, at `expected_revision`, or a new one (with
    /// `expected_revision` 0) when none is. No draft is started while a version waits for a
    /// decision: one version is open at a time. The caller checked `body` and the
    /// permission.
    pub(crate) async fn save_version_draft<T: VersionedBody>(
        &self,
        ctx: &OrgContext,
        expected_revision: i64,
        body: T,
        now: OffsetDateTime,
    ) -> AppResult<Version<T>> {
        let org_id = ctx.org_id();
        let mut tx = self.store.begin().await?;
        let newest: Option<Version<T>> = T::TABLE.newest(&mut tx, org_id).await?;
        let (change, after) = match newest {
            Some(draft) if draft.is_draft() => {
                if draft.revision != expected_revision {
                    return Err(draft_changed_meanwhile::<T>());
                }
                if body == draft.body {
                    return Ok(draft);
                }
                let written = T::TABLE
                    .update_draft(
                        &mut tx,
                        org_id,
                        draft.version,
                        expected_revision,
                        &body,
                        now,
                    )
                    .await?;
                if !written {
                    return Err(draft_changed_meanwhile::<T>());
                }
                let after = find_version::<T>(&mut tx, org_id, draft.version).await?;
                (Change::updated(T::TYPE, org_id, &draft, &after)?, after)
            }
            Some(pending) if pending.awaits_decision() => {
                return Err(waiting_for_decision::<T>(pending.version));
            }
            newest => {
                if expected_revision != 0 {
                    // The draft this form was opened on has been submitted since.
                    return Err(draft_changed_meanwhile::<T>());
                }
                let number = newest.map_or(1, |version| version.version + 1);
                T::TABLE
                    .insert_draft(&mut tx, org_id, number, &body, now)
                    .await
                    .map_err(|e| {
                        if e.is_unique_violation() {
                            draft_changed_meanwhile::<T>()
                        } else {
                            e.into()
                        }
                    })?;
                let after = find_version::<T>(&mut tx, org_id, number).await?;
                (Change::created(T::TYPE, org_id, &after)?, after)
            }
        };
        record_change(&mut tx, ctx, change, now).await?;
        self.commit(ctx, tx).await?;
        Ok(after)
    }

    /// Sends draft `version` to its deciders. `expected_revision`, when given, is the revision
    /// the sender read, so nobody submits changes they have not seen; `check` refuses a
    /// draft the organisation's data cannot take.
    pub(crate) async fn submit_version_draft<T: VersionedBody>(
        &self,
        ctx: &OrgContext,
        version: i64,
        expected_revision: Option<i64>,
        note: &str,
        now: OffsetDateTime,
    ) -> AppResult<Approval> {
        let mut conn = self.store.reader().await?;
        let newest: Option<Version<T>> = T::TABLE.newest(&mut conn, ctx.org_id()).await?;
        drop(conn);
        match newest {
            Some(draft) if draft.is_draft() => {
                if draft.version != version {
                    return Err(draft_changed_meanwhile::<T>());
                }
            }
            Some(pending) if pending.awaits_decision() => {
                return Err(waiting_for_decision::<T>(pending.version));
            }
            _ => {
                return Err(AppError::Conflict(format!(
                    "There is no draft to submit: save a draft of the {} first.",
                    T::NAME
                )));
            }
        }
        // Checked in the submission's transaction, where the revision cannot move.
        let unchanged = |draft: &Version<T>| match expected_revision {
            Some(revision) if revision != draft.revision => Err(draft_changed_meanwhile::<T>()),
            _ => Ok(()),
        };
        self.submit_for_approval::<Version<T>>(ctx, ctx.org_id(), version, note, now, unchanged)
            .await
    }
}

async fn find_version<T: VersionedBody>(
    conn: &mut Conn,
    org_id: Uuid,
    version: i64,
) -> AppResult<Version<T>> {
    T::TABLE
        .find(conn, org_id, version)
        .await?
        .ok_or(AppError::NotFound)
}

fn draft_changed_meanwhile<T: VersionedBody>() -> AppError {
    AppError::Conflict(format!(
        "Someone else changed or submitted the draft of the {} after you opened it. Reload it \
         to see where it stands, then make your changes again.",
        T::NAME
    ))
}

fn waiting_for_decision<T: VersionedBody>(version: i64) -> AppError {
    AppError::Conflict(format!(
        "Version {version} of the {} is waiting for a decision. Once it is approved or \
         rejected, a new draft can be started.",
        T::NAME
    ))
}

/// A versioned record is one record per organisation, named by the organisation's id; the
/// register kit sees its newest version, which is the only one that ever changes.
impl<T: VersionedBody> StoredRecord for Version<T> {
    const TYPE: RecordType = T::TYPE;

    fn id(&self) -> Uuid {
        self.record_id
    }

    /// The version's number: approvals name "version 2", and the approval page finds what
    /// was signed by this number in the audit trail (a version never changes after it is
    /// submitted).
    fn version(&self) -> i64 {
        self.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        if id != org_id {
            return Ok(None);
        }
        T::TABLE.newest(conn, org_id).await
    }
}

impl<T: VersionedBody> Approvable for Version<T> {
    fn check_submittable(&self) -> AppResult<()> {
        if self.is_draft() {
            return Ok(());
        }
        Err(AppError::Conflict(format!(
            "Only a draft can be submitted; version {} is {}.",
            self.version,
            self.status.label().to_lowercase()
        )))
    }

    fn awaits_decision(&self) -> bool {
        Version::awaits_decision(self)
    }

    fn title(&self) -> String {
        let name = T::NAME;
        let mut title = format!("{name}, version {}", self.version);
        title[..1].make_ascii_uppercase();
        title
    }

    /// One per organisation: its title names it.
    fn reference(&self) -> String {
        String::new()
    }

    fn content(&self) -> Vec<(&'static str, String)> {
        self.body.content()
    }

    async fn mark_submitted(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        T::TABLE
            .submit_draft(tx, org_id, record.version, record.revision, now)
            .await
    }

    async fn mark_decided(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        decision: Decision,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let outcome = match decision {
            Decision::Approve => VersionStatus::Approved,
            Decision::Reject => VersionStatus::Rejected,
        };
        T::TABLE
            .decide(tx, org_id, record.version, outcome, now)
            .await
    }
}
