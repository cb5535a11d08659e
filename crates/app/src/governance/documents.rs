//! Documents and policies: the register of documents (through the register kit), and each
//! document's versions, drafted by ISMS managers and approved by senior management through
//! the approval workflow ([`Approvable`]). Approving a version puts it in force, retires the
//! one it replaces and starts the document's review interval.

use custos_domain::ValidationErrors;
use custos_domain::governance::documents::{
    Document, DocumentInput, DocumentList, DocumentStatus, DocumentVersion, VersionInput,
    VersionState, next_review,
};
use custos_domain::governance::{Approval, Decision};
use custos_domain::list::Listed;
use custos_domain::platform::{AuditEvent, Permission, RecordType};
use custos_store::documents::{self as store, Standing};
use custos_store::{Conn, StoreResult, Tx, platform};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::platform::{Change, record_change};
use crate::records::{Approvable, StoredRecord, Written, find_at_version};
use crate::{App, AppError, AppResult, OrgContext};

impl StoredRecord for Document {
    const TYPE: RecordType = RecordType::Document;

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

impl StoredRecord for DocumentVersion {
    const TYPE: RecordType = RecordType::DocumentVersion;

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        store::find_version(conn, org_id, id).await
    }
}

impl Approvable for DocumentVersion {
    fn check_submittable(&self) -> AppResult<()> {
        if !self.state.is_open() {
            return Err(AppError::Conflict(format!(
                "Only a draft or a rejected version is sent for approval; {} is {}.",
                self.reference(),
                self.state.label().to_lowercase()
            )));
        }
        if self.body.trim().is_empty() && self.file.is_none() {
            return Err(ValidationErrors::single(
                "body",
                "Write the document's text, or upload its file, before sending it for approval.",
            )
            .into());
        }
        Ok(())
    }

    fn awaits_decision(&self) -> bool {
        self.state == VersionState::InReview
    }

    fn title(&self) -> String {
        format!("{} version {}", self.document_title, self.number)
    }

    fn reference(&self) -> String {
        DocumentVersion::reference(self)
    }

    fn content(&self) -> Vec<(&'static str, String)> {
        DocumentVersion::content(self)
    }

    async fn mark_submitted(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let state = VersionState::InReview;
        store::set_version_state(tx, org_id, record.id, record.version, state, None, now).await
    }

    async fn mark_decided(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        decision: Decision,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let state = match decision {
            Decision::Approve => VersionState::Approved,
            Decision::Reject => VersionState::Rejected,
        };
        store::set_version_state(tx, org_id, record.id, record.version, state, Some(now), now).await
    }

    /// An approved version is in force: the one it replaces retires, and the document's
    /// review interval starts again.
    async fn after_decision(
        tx: &mut Tx,
        ctx: &OrgContext,
        record: &Self,
        decision: Decision,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        if decision != Decision::Approve {
            return Ok(());
        }
        let org_id = ctx.org_id();
        let document = Document::find(tx, org_id, record.document_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(current) = document.current_version
            && let Some(replaced) =
                store::version_numbered(tx, org_id, document.id, current).await?
            && replaced.state == VersionState::Approved
        {
            retire_version(tx, ctx, &replaced, now).await?;
        }
        let approved_on = now.date();
        let standing = Standing {
            status: DocumentStatus::Approved,
            current_version: Some(record.number),
            approved_on: Some(approved_on),
            next_review_on: next_review(approved_on, document.review_months),
        };
        store::set_standing(tx, org_id, document.id, standing, now).await?;
        audit_document(tx, ctx, &document, now).await
    }
}

/// Retires a version (replaced, or withdrawn with its document), with its audit event.
async fn retire_version(
    tx: &mut Tx,
    ctx: &OrgContext,
    version: &DocumentVersion,
    now: OffsetDateTime,
) -> AppResult<()> {
    let retired = VersionState::Retired;
    if !store::set_version_state(
        tx,
        ctx.org_id(),
        version.id,
        version.version,
        retired,
        None,
        now,
    )
    .await?
    {
        return Err(DocumentVersion::changed_meanwhile());
    }
    let after = DocumentVersion::find(tx, ctx.org_id(), version.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let change = Change::updated(RecordType::DocumentVersion, version.id, version, &after)?;
    record_change(tx, ctx, change, now).await
}

/// Records the change the caller just wrote to `before`'s document.
async fn audit_document(
    tx: &mut Tx,
    ctx: &OrgContext,
    before: &Document,
    now: OffsetDateTime,
) -> AppResult<()> {
    let after = Document::find(tx, ctx.org_id(), before.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let change = Change::updated(RecordType::Document, before.id, before, &after)?;
    record_change(tx, ctx, change, now).await
}

/// A document with the versions the reader may see, newest first.
#[derive(Debug, Clone)]
pub struct DocumentDetail {
    pub document: Document,
    pub versions: Vec<DocumentVersion>,
}

impl DocumentDetail {
    /// The version in force, if one is.
    pub fn current(&self) -> Option<&DocumentVersion> {
        self.versions
            .iter()
            .find(|v| Some(v.number) == self.document.current_version)
    }

    /// The version being drafted or reviewed, if there is one.
    pub fn open(&self) -> Option<&DocumentVersion> {
        self.versions
            .iter()
            .find(|v| v.state.is_open() || v.state == VersionState::InReview)
    }
}

/// A version's Markdown as sanitised HTML, for pages.
pub fn version_html(version: &DocumentVersion) -> String {
    custos_formats::markdown::to_safe_html(&version.body)
}

/// Whether `ctx` may read `version`: everyone reads what was approved; versions being
/// drafted or reviewed need `view_document_drafts`.
fn may_read(ctx: &OrgContext, version: &DocumentVersion) -> bool {
    ctx.can(Permission::ViewDocumentDrafts)
        || matches!(
            version.state,
            VersionState::Approved | VersionState::Retired
        )
}

impl App {
    pub async fn list_documents(
        &self,
        ctx: &OrgContext,
        request: &DocumentList,
    ) -> AppResult<Listed<Document>> {
        ctx.require(Permission::ViewDocuments)?;
        self.list_counted(ctx, "documents", &request.filter, async |conn, known| {
            store::list(conn, ctx.org_id(), request, known).await
        })
        .await
    }

    pub async fn document(&self, ctx: &OrgContext, id: Uuid) -> AppResult<DocumentDetail> {
        ctx.require(Permission::ViewDocuments)?;
        let mut conn = self.store.reader().await?;
        let document = store::find(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let versions = store::versions(&mut conn, ctx.org_id(), id)
            .await?
            .into_iter()
            .filter(|v| may_read(ctx, v))
            .collect();
        Ok(DocumentDetail { document, versions })
    }

    /// The information security policy step of the journey, for members who may read
    /// documents.
    pub(crate) async fn policy_step(
        &self,
        ctx: &OrgContext,
    ) -> AppResult<Option<custos_domain::journey::JourneyStep>> {
        if !ctx.can(Permission::ViewDocuments) {
            return Ok(None);
        }
        let mut conn = self.store.reader().await?;
        let policy = store::security_policy(&mut conn, ctx.org_id(), None).await?;
        let today = crate::now().date();
        Ok(Some(custos_domain::governance::documents::policy_step(
            policy.as_ref(),
            today,
        )))
    }

    /// The documents `text` cites (`DOC-0001`), as (reference, id, title), for members who
    /// may read documents; an empty list for others.
    pub async fn documents_cited(
        &self,
        ctx: &OrgContext,
        text: &str,
    ) -> AppResult<Vec<(String, Uuid, String)>> {
        if !ctx.can(Permission::ViewDocuments) {
            return Ok(Vec::new());
        }
        let numbers = custos_domain::governance::documents::cited_numbers(text);
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.store.reader().await?;
        Ok(store::by_numbers(&mut conn, ctx.org_id(), &numbers)
            .await?
            .into_iter()
            .map(|(number, id, title)| {
                (
                    custos_domain::governance::documents::reference(number),
                    id,
                    title,
                )
            })
            .collect())
    }

    /// Version `number` of document `document_id`, when the reader may see it.
    pub async fn document_version(
        &self,
        ctx: &OrgContext,
        document_id: Uuid,
        number: i64,
    ) -> AppResult<DocumentVersion> {
        ctx.require(Permission::ViewDocuments)?;
        let mut conn = self.store.reader().await?;
        let version = store::version_numbered(&mut conn, ctx.org_id(), document_id, number)
            .await?
            .ok_or(AppError::NotFound)?;
        if !may_read(ctx, &version) {
            ctx.require(Permission::ViewDocumentDrafts)?;
        }
        Ok(version)
    }

    /// The latest changes to document `id`, newest first.
    pub async fn document_history(
        &self,
        ctx: &OrgContext,
        id: Uuid,
    ) -> AppResult<Listed<AuditEvent>> {
        ctx.require(Permission::ViewDocuments)?;
        self.record_history::<Document>(ctx, id).await
    }

    /// Records a document and its first version, a draft holding `text`.
    pub async fn create_document(
        &self,
        ctx: &OrgContext,
        input: &DocumentInput,
        text: &VersionInput,
        now: OffsetDateTime,
    ) -> AppResult<Document> {
        ctx.require(Permission::ManageDocuments)?;
        let draft = input.parse()?;
        let first = text.parse()?;
        self.create_record(ctx, now, async |tx: &mut Tx| {
            check_document(tx, ctx, &draft, None).await?;
            let id = Uuid::now_v7();
            let number = platform::next_reference(tx, ctx.org_id(), "document").await?;
            store::insert(tx, ctx.org_id(), id, number, &draft, now).await?;
            let version_id = Uuid::now_v7();
            store::insert_version(tx, ctx.org_id(), version_id, id, 1, &first, now).await?;
            let version = DocumentVersion::find(tx, ctx.org_id(), version_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let change = Change::created(RecordType::DocumentVersion, version_id, &version)?;
            record_change(tx, ctx, change, now).await?;
            Ok(id)
        })
        .await
    }

    /// Saves an edit of a document's description made at `expected_version`; a new review
    /// interval moves the next review.
    pub async fn update_document(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        input: &DocumentInput,
        now: OffsetDateTime,
    ) -> AppResult<Document> {
        ctx.require(Permission::ManageDocuments)?;
        let draft = input.parse()?;
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &Document| {
                if !draft.differs_from(before) {
                    return Ok(Written::Unchanged);
                }
                check_document(tx, ctx, &draft, Some(id)).await?;
                let next_review_on = match before.approved_on {
                    Some(approved_on) if before.status == DocumentStatus::Approved => {
                        next_review(approved_on, draft.review_months)
                    }
                    _ => before.next_review_on,
                };
                let saved = store::update(
                    tx,
                    ctx.org_id(),
                    id,
                    before.number,
                    expected_version,
                    &draft,
                    next_review_on,
                    now,
                )
                .await?;
                Ok(if saved {
                    Written::Saved
                } else {
                    Written::Stale
                })
            },
        )
        .await
    }

    /// Deletes a document no version of which was ever approved; an approved document is a
    /// record the ISMS keeps, and is retired instead.
    pub async fn delete_document(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageDocuments)?;
        self.delete_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &Document| {
                let versions = store::versions(tx, ctx.org_id(), id).await?;
                if before.status != DocumentStatus::Draft {
                    return Err(AppError::Conflict(format!(
                        "{} has been approved: it stays on record. Retire it instead.",
                        before.reference()
                    )));
                }
                for version in &versions {
                    self.withdraw_requests(tx, ctx, RecordType::DocumentVersion, version.id, now)
                        .await?;
                    let change = Change::deleted(RecordType::DocumentVersion, version.id, version)?;
                    record_change(tx, ctx, change, now).await?;
                }
                Ok(store::delete(tx, ctx.org_id(), id, expected_version).await?)
            },
        )
        .await
    }

    /// Starts the next version of a document as a draft, from the text in force (or the
    /// newest one); refused while a version is being drafted or reviewed.
    pub async fn start_document_version(
        &self,
        ctx: &OrgContext,
        document_id: Uuid,
        now: OffsetDateTime,
    ) -> AppResult<DocumentVersion> {
        ctx.require(Permission::ManageDocuments)?;
        let mut tx = self.store.begin().await?;
        let document = Document::find(&mut tx, ctx.org_id(), document_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if document.status == DocumentStatus::Retired {
            return Err(AppError::Conflict(format!(
                "{} is retired: it has no new versions.",
                document.reference()
            )));
        }
        let versions = store::versions(&mut tx, ctx.org_id(), document_id).await?;
        if let Some(open) = versions
            .iter()
            .find(|v| v.state.is_open() || v.state == VersionState::InReview)
        {
            return Err(AppError::Conflict(format!(
                "Version {} is still {}: finish it first.",
                open.number,
                open.state.label().to_lowercase()
            )));
        }
        let from = versions
            .iter()
            .find(|v| Some(v.number) == document.current_version)
            .or(versions.first());
        let text = custos_domain::governance::documents::VersionDraft {
            body: from.map(|v| v.body.clone()).unwrap_or_default(),
            change_note: String::new(),
        };
        let number = versions.first().map_or(1, |v| v.number + 1);
        let id = Uuid::now_v7();
        store::insert_version(&mut tx, ctx.org_id(), id, document_id, number, &text, now).await?;
        let created = DocumentVersion::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let change = Change::created(RecordType::DocumentVersion, id, &created)?;
        record_change(&mut tx, ctx, change, now).await?;
        self.commit(ctx, tx).await?;
        Ok(created)
    }

    /// Saves the text of an open version of document `document_id` made at
    /// `expected_version`; a rejected version becomes a draft again.
    pub async fn update_document_version(
        &self,
        ctx: &OrgContext,
        document_id: Uuid,
        number: i64,
        expected_version: i64,
        input: &VersionInput,
        now: OffsetDateTime,
    ) -> AppResult<DocumentVersion> {
        ctx.require(Permission::ManageDocuments)?;
        let draft = input.parse()?;
        let id = self.version_id(ctx, document_id, number).await?;
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &DocumentVersion| {
                if !before.state.is_open() {
                    return Err(AppError::Conflict(format!(
                        "{} is {}: its text no longer changes.",
                        before.reference(),
                        before.state.label().to_lowercase()
                    )));
                }
                if before.body == draft.body
                    && before.change_note == draft.change_note
                    && before.state == VersionState::Draft
                {
                    return Ok(Written::Unchanged);
                }
                let saved =
                    store::update_version(tx, ctx.org_id(), id, expected_version, &draft, now)
                        .await?;
                Ok(if saved {
                    Written::Saved
                } else {
                    Written::Stale
                })
            },
        )
        .await
    }

    /// Refuses `ctx` if it may not upload documents' files: for interfaces to ask before they
    /// read a large body, and for the upload itself.
    pub fn may_upload_document_file(&self, ctx: &OrgContext) -> AppResult<()> {
        ctx.require(Permission::ManageDocuments)
    }

    /// Keeps `upload` as the file of version `number` of a document, while the version is
    /// open; a rejected version becomes a draft again.
    pub async fn upload_document_file(
        &self,
        ctx: &OrgContext,
        document_id: Uuid,
        number: i64,
        upload: crate::files::Upload<'_>,
        now: OffsetDateTime,
    ) -> AppResult<DocumentVersion> {
        self.may_upload_document_file(ctx)?;
        let before = self.document_version(ctx, document_id, number).await?;
        if !before.state.is_open() {
            return Err(AppError::Conflict(format!(
                "{} is {}: its file no longer changes.",
                before.reference(),
                before.state.label().to_lowercase()
            )));
        }
        let file = self.keep_file(ctx, upload).await?;
        self.edit_record(
            ctx,
            before.id,
            before.version,
            now,
            async |tx: &mut Tx, current: &DocumentVersion| {
                if current.file.as_ref() == Some(&file) && current.state == VersionState::Draft {
                    return Ok(Written::Unchanged);
                }
                let saved = store::set_version_file(
                    tx,
                    ctx.org_id(),
                    current.id,
                    current.version,
                    &file,
                    now,
                )
                .await?;
                Ok(if saved {
                    Written::Saved
                } else {
                    Written::Stale
                })
            },
        )
        .await
    }

    /// The file of version `number` of a document and its bytes, when the reader may see the
    /// version, once they hash again to what was recorded.
    pub async fn document_file(
        &self,
        ctx: &OrgContext,
        document_id: Uuid,
        number: i64,
    ) -> AppResult<(custos_domain::files::StoredFile, Vec<u8>)> {
        let version = self.document_version(ctx, document_id, number).await?;
        let file = version.file.clone().ok_or(AppError::NotFound)?;
        let bytes = self.kept_file(ctx, &file, &version.reference()).await?;
        Ok((file, bytes))
    }

    /// Sends version `number` of a document, at `expected_version`, for approval.
    pub async fn submit_document_version(
        &self,
        ctx: &OrgContext,
        document_id: Uuid,
        number: i64,
        expected_version: i64,
        note: &str,
        now: OffsetDateTime,
    ) -> AppResult<Approval> {
        ctx.require(Permission::ManageDocuments)?;
        let id = self.version_id(ctx, document_id, number).await?;
        self.submit_for_approval::<DocumentVersion>(
            ctx,
            id,
            expected_version,
            note,
            now,
            |_| Ok(()),
        )
        .await
    }

    /// Withdraws a document at `expected_version`: its version in force retires, a version
    /// in review is withdrawn from approval, and it is no longer reviewed.
    pub async fn retire_document(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<Document> {
        ctx.require(Permission::ManageDocuments)?;
        let mut tx = self.store.begin().await?;
        let before = find_at_version::<Document>(&mut tx, ctx, id, expected_version).await?;
        match before.status {
            DocumentStatus::Retired => return Ok(before),
            DocumentStatus::Draft => {
                return Err(AppError::Conflict(format!(
                    "{} was never approved: there is nothing in force to retire. Delete it \
                     instead.",
                    before.reference()
                )));
            }
            DocumentStatus::Approved => {}
        }
        // Every version still standing retires with it: the one in force, and one being
        // drafted or reviewed (its request withdrawn), so nothing can bring it back.
        for version in store::versions(&mut tx, ctx.org_id(), id).await? {
            if version.state == VersionState::Retired {
                continue;
            }
            if version.state != VersionState::Approved {
                self.withdraw_requests(&mut tx, ctx, RecordType::DocumentVersion, version.id, now)
                    .await?;
            }
            retire_version(&mut tx, ctx, &version, now).await?;
        }
        let standing = Standing {
            status: DocumentStatus::Retired,
            current_version: None,
            approved_on: before.approved_on,
            next_review_on: None,
        };
        store::set_standing(&mut tx, ctx.org_id(), id, standing, now).await?;
        audit_document(&mut tx, ctx, &before, now).await?;
        let after = Document::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.commit(ctx, tx).await?;
        Ok(after)
    }

    async fn version_id(
        &self,
        ctx: &OrgContext,
        document_id: Uuid,
        number: i64,
    ) -> AppResult<Uuid> {
        let mut conn = self.store.reader().await?;
        Ok(
            store::version_numbered(&mut conn, ctx.org_id(), document_id, number)
                .await?
                .ok_or(AppError::NotFound)?
                .id,
        )
    }
}

/// The owner is a member; only one document is the information security policy.
async fn check_document(
    tx: &mut Tx,
    ctx: &OrgContext,
    draft: &custos_domain::governance::documents::DocumentDraft,
    this: Option<Uuid>,
) -> AppResult<()> {
    let mut errors = ValidationErrors::new();
    if let Some(owner_id) = draft.owner_id
        && !platform::is_member(tx, ctx.org_id(), owner_id).await?
    {
        errors.add("owner_id", "Choose an owner from the list.");
    }
    if draft.security_policy
        && let Some(other) = store::security_policy(tx, ctx.org_id(), this).await?
    {
        errors.add(
            "security_policy",
            format!(
                "{} {} is the information security policy already: unmark it first.",
                other.reference(),
                other.title
            ),
        );
    }
    errors.into_result(())?;
    Ok(())
}
