//! Evidence: list, read, create, edit and delete evidence items through the register kit,
//! with what they are attached to; upload a file (its kind checked from its content, its
//! SHA-256 recorded) and download it (hashed again first).

use custos_domain::ValidationErrors;
use custos_domain::controls::evidence::{Evidence, EvidenceInput, EvidenceList, EvidenceTargets};
use custos_domain::files::StoredFile;
use custos_domain::list::Listed;
use custos_domain::platform::{AuditEvent, Permission, RecordType};
use custos_store::evidence as store;
use custos_store::{Conn, StoreResult, Tx, frameworks, platform};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

pub use crate::files::Upload;
use crate::records::{Cited, StoredRecord, Written, resolve_cited};
use crate::{App, AppError, AppResult, OrgContext};
use custos_store::numbered::{Numbered, exists};

/// An evidence item with what it is attached to: what its page shows and its audit
/// snapshots hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceRecord {
    #[serde(flatten)]
    pub evidence: Evidence,
    pub targets: EvidenceTargets,
}

impl StoredRecord for EvidenceRecord {
    const TYPE: RecordType = RecordType::Evidence;

    fn id(&self) -> Uuid {
        self.evidence.id
    }

    fn version(&self) -> i64 {
        self.evidence.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        let Some(evidence) = store::find(conn, org_id, id).await? else {
            return Ok(None);
        };
        // In Rust's order, whatever the database's collation: compared with what is typed.
        let targets = store::targets(conn, org_id, id).await?.normalised();
        Ok(Some(EvidenceRecord { evidence, targets }))
    }
}

impl App {
    pub async fn list_evidence(
        &self,
        ctx: &OrgContext,
        request: &EvidenceList,
    ) -> AppResult<Listed<Evidence>> {
        ctx.require(Permission::ViewControls)?;
        self.list_counted(ctx, "evidence", &request.filter, async |conn, known| {
            store::list(conn, ctx.org_id(), request, known).await
        })
        .await
    }

    pub async fn evidence(&self, ctx: &OrgContext, id: Uuid) -> AppResult<EvidenceRecord> {
        ctx.require(Permission::ViewControls)?;
        let mut conn = self.store.reader().await?;
        EvidenceRecord::find(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The latest changes to evidence `id`, newest first.
    pub async fn evidence_history(
        &self,
        ctx: &OrgContext,
        id: Uuid,
    ) -> AppResult<Listed<AuditEvent>> {
        ctx.require(Permission::ViewControls)?;
        self.record_history::<EvidenceRecord>(ctx, id).await
    }

    pub async fn create_evidence(
        &self,
        ctx: &OrgContext,
        input: &EvidenceInput,
        targets: EvidenceTargets,
        now: OffsetDateTime,
    ) -> AppResult<EvidenceRecord> {
        ctx.require(Permission::ManageControls)?;
        let draft = input.parse()?;
        let targets = targets.normalised();
        self.create_record(ctx, now, async |tx: &mut Tx| {
            check_targets(tx, ctx, &targets, &EvidenceTargets::default()).await?;
            let id = Uuid::now_v7();
            let number = platform::next_reference(tx, ctx.org_id(), "evidence").await?;
            store::insert(tx, ctx.org_id(), id, number, &draft, now).await?;
            store::set_targets(tx, ctx.org_id(), id, &targets).await?;
            Ok(id)
        })
        .await
    }

    pub async fn update_evidence(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        input: &EvidenceInput,
        targets: EvidenceTargets,
        now: OffsetDateTime,
    ) -> AppResult<EvidenceRecord> {
        ctx.require(Permission::ManageControls)?;
        let draft = input.parse()?;
        let targets = targets.normalised();
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &EvidenceRecord| {
                if !draft.differs_from(&before.evidence) && targets == before.targets {
                    return Ok(Written::Unchanged);
                }
                check_targets(tx, ctx, &targets, &before.targets).await?;
                let saved = store::update(
                    tx,
                    ctx.org_id(),
                    id,
                    before.evidence.number,
                    expected_version,
                    &draft,
                    now,
                )
                .await?;
                if !saved {
                    return Ok(Written::Stale);
                }
                store::set_targets(tx, ctx.org_id(), id, &targets).await?;
                Ok(Written::Saved)
            },
        )
        .await
    }

    /// Deletes evidence `id`; its file stays in the object store (the audit trail names it by
    /// hash, and the same file may back other evidence).
    pub async fn delete_evidence(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageControls)?;
        self.delete_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, _: &EvidenceRecord| {
                Ok(store::delete(tx, ctx.org_id(), id, expected_version).await?)
            },
        )
        .await
    }

    /// Refuses `ctx` if it may not upload evidence files: for interfaces to ask before they
    /// read a large body, and for the upload itself.
    pub fn may_upload_evidence(&self, ctx: &OrgContext) -> AppResult<()> {
        ctx.require(Permission::ManageControls)
    }

    /// Keeps `upload` as the file of evidence `id` (whatever its version: a file replaces the
    /// file, and its hash says which one it is): at most
    /// [`FILE_MAX_BYTES`], of a kind Custos keeps (recognised from its content, which must
    /// agree with the type the client declared), recorded with its SHA-256.
    pub async fn upload_evidence_file(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        upload: Upload<'_>,
        now: OffsetDateTime,
    ) -> AppResult<EvidenceRecord> {
        self.may_upload_evidence(ctx)?;
        let expected_version = {
            let mut conn = self.store.reader().await?;
            store::find(&mut conn, ctx.org_id(), id)
                .await?
                .ok_or(AppError::NotFound)?
                .version
        };
        let file = self.keep_file(ctx, upload).await?;
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &EvidenceRecord| {
                if before.evidence.file.as_ref() == Some(&file) {
                    return Ok(Written::Unchanged);
                }
                let saved =
                    store::set_file(tx, ctx.org_id(), id, expected_version, &file, now).await?;
                Ok(if saved {
                    Written::Saved
                } else {
                    Written::Stale
                })
            },
        )
        .await
    }

    /// What a form typed as attachments: controls as `CTL-0001`, requirements as `A.8.13` or
    /// `soc2-2017:CC7.2` (bare ids are ISO/IEC 27001:2022's), documents as `DOC-0001`.
    pub async fn evidence_targets_from_text(
        &self,
        ctx: &OrgContext,
        controls: &str,
        requirements: &str,
        documents: &str,
    ) -> AppResult<EvidenceTargets> {
        ctx.require(Permission::ViewControls)?;
        let requirements = custos_domain::controls::applied::requirement_list(
            requirements,
            custos_domain::controls::soa::SOA_FRAMEWORK,
        )?;
        let mut conn = self.store.reader().await?;
        let max = custos_domain::controls::applied::MAX_LINKS;
        let cited_controls = Cited {
            register: Numbered::Controls,
            field: "controls",
            prefix: "CTL-",
            place: "the controls register",
            max,
        };
        let cited_documents = Cited {
            register: Numbered::Documents,
            field: "documents",
            prefix: "DOC-",
            place: "the documents register",
            max,
        };
        let controls = resolve_cited(&mut conn, ctx.org_id(), &cited_controls, controls).await?;
        let documents = resolve_cited(&mut conn, ctx.org_id(), &cited_documents, documents).await?;
        Ok(EvidenceTargets {
            controls,
            requirements,
            documents,
        })
    }

    /// The file of evidence `id` and its bytes, once they hash again to what was recorded.
    pub async fn evidence_file(
        &self,
        ctx: &OrgContext,
        id: Uuid,
    ) -> AppResult<(StoredFile, Vec<u8>)> {
        let record = self.evidence(ctx, id).await?;
        let reference = record.evidence.reference();
        let file = record.evidence.file.ok_or(AppError::NotFound)?;
        let bytes = self.kept_file(ctx, &file, &reference).await?;
        Ok((file, bytes))
    }
}

/// Every control and document named is the organisation's; every requirement exists and is
/// assessable (one already attached may stay after its library withdrew it).
async fn check_targets(
    tx: &mut Tx,
    ctx: &OrgContext,
    targets: &EvidenceTargets,
    before: &EvidenceTargets,
) -> AppResult<()> {
    let mut errors = ValidationErrors::new();
    let max = custos_domain::controls::applied::MAX_LINKS;
    for (field, count) in [
        ("control_ids", targets.controls.len()),
        ("requirements", targets.requirements.len()),
        ("document_ids", targets.documents.len()),
    ] {
        if count > max {
            errors.add(
                field,
                format!("Attach one evidence item to at most {max} of these."),
            );
        }
    }
    errors.into_result(())?;
    let mut errors = ValidationErrors::new();
    for id in &targets.controls {
        if !exists(tx, ctx.org_id(), Numbered::Controls, *id).await? {
            errors.add("control_ids", format!("No applied control {id} here."));
            break;
        }
    }
    for id in &targets.documents {
        if !exists(tx, ctx.org_id(), Numbered::Documents, *id).await? {
            errors.add("document_ids", format!("No document {id} here."));
            break;
        }
    }
    for requirement in &targets.requirements {
        let found = frameworks::requirement_title(
            tx,
            &requirement.framework_id,
            &requirement.requirement_id,
        )
        .await?;
        let usable = match found {
            Some((_, assessable)) => assessable || before.requirements.contains(requirement),
            None => false,
        };
        if !usable {
            errors.add(
                "requirements",
                format!("{requirement} is not a requirement evidence can be attached to."),
            );
            break;
        }
    }
    errors.into_result(())?;
    Ok(())
}
