//! Documents and their versions, always read and written within one organisation.

use custos_domain::files::StoredFile;
use custos_domain::governance::documents::{
    Document, DocumentDraft, DocumentKind, DocumentList, DocumentSort, DocumentStatus,
    DocumentVersion, VersionDraft, VersionState, reference,
};
use custos_domain::list::Listed;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::{Conn, FromRow, Param, RowReader};
use crate::sql::{self, Statement};
use crate::{StoreResult, params};

/// The columns [`Document`]'s mapping reads, in its order.
macro_rules! select {
    () => {
        "SELECT d.id, d.number, d.title, d.kind, d.purpose, d.owner_id, u.name, d.review_months, \
         d.security_policy, d.status, d.current_version, d.approved_on, d.next_review_on, \
         d.version, d.created_at, d.updated_at \
         FROM documents d LEFT JOIN users u ON u.id = d.owner_id"
    };
}

/// The columns [`DocumentVersion`]'s mapping reads, in its order.
macro_rules! select_version {
    () => {
        "SELECT v.id, v.document_id, d.number, d.title, v.number, v.state, v.body, v.file_name, \
         v.file_type, v.file_size, v.file_sha256, v.change_note, v.version, v.created_at, \
         v.updated_at, v.decided_at \
         FROM document_versions v JOIN documents d ON d.id = v.document_id"
    };
}

impl FromRow for Document {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Document {
            id: row.get()?,
            number: row.get()?,
            title: row.get()?,
            kind: row.parsed(DocumentKind::parse)?,
            purpose: row.get()?,
            owner_id: row.get()?,
            owner_name: row.get()?,
            review_months: row.get()?,
            security_policy: row.get()?,
            status: row.parsed(DocumentStatus::parse)?,
            current_version: row.get()?,
            approved_on: row.get()?,
            next_review_on: row.get()?,
            version: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
        })
    }
}

impl FromRow for DocumentVersion {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(DocumentVersion {
            id: row.get()?,
            document_id: row.get()?,
            document_number: row.get()?,
            document_title: row.get()?,
            number: row.get()?,
            state: row.parsed(VersionState::parse)?,
            body: row.get()?,
            file: crate::files::read_stored_file(row)?,
            change_note: row.get()?,
            version: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
            decided_at: row.get()?,
        })
    }
}

/// What the search box matches: the reference and the title.
fn search_text(draft: &DocumentDraft, number: i64) -> String {
    format!("{} {}", reference(number), draft.title).to_lowercase()
}

/// `keys` ($1 to $3), the derived columns ($4 to $6: sort key, search text, time of the
/// write), then the draft's fields from $7 in declaration order (`DocumentInput::FIELDS`).
fn with_fields<'a>(
    keys: [Param<'a>; 3],
    draft: &'a DocumentDraft,
    number: i64,
    now: OffsetDateTime,
) -> Vec<Param<'a>> {
    let search = search_text(draft, number);
    sql::record_params(keys, &draft.title, search, now, draft.stored_values())
}

pub async fn insert(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    number: i64,
    draft: &DocumentDraft,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO documents (id, org_id, number, title_key, search_text, created_at, title, kind,
                                purpose, owner_id, review_months, security_policy, status,
                                updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', $6, 1)",
        &with_fields([id.into(), org_id.into(), number.into()], draft, number, now),
    )
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Document>> {
    conn.fetch_optional(
        concat!(select!(), " WHERE d.org_id = $1 AND d.id = $2"),
        params![org_id, id],
    )
    .await
}

/// Writes `draft` over version `expected_version`; false when someone else saved first. The
/// next review follows a new review interval.
#[expect(clippy::too_many_arguments)]
pub async fn update(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    number: i64,
    expected_version: i64,
    draft: &DocumentDraft,
    next_review_on: Option<Date>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let mut params = with_fields(
        [org_id.into(), id.into(), expected_version.into()],
        draft,
        number,
        now,
    );
    params.push(next_review_on.into());
    let changed = conn
        .execute(
            "UPDATE documents SET title_key = $4, search_text = $5, updated_at = $6,
                    version = version + 1, title = $7, kind = $8, purpose = $9, owner_id = $10,
                    review_months = $11, security_policy = $12, next_review_on = $13
             WHERE org_id = $1 AND id = $2 AND version = $3",
            &params,
        )
        .await?;
    Ok(changed == 1)
}

/// What a document's versions say of it: its status, the version in force, when that was
/// approved and when the document is next reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub status: DocumentStatus,
    pub current_version: Option<i64>,
    pub approved_on: Option<Date>,
    pub next_review_on: Option<Date>,
}

/// Records what the document's versions say now.
pub async fn set_standing(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    standing: Standing,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE documents SET status = $3, current_version = $4, approved_on = $5,
                next_review_on = $6, version = version + 1, updated_at = $7
         WHERE org_id = $1 AND id = $2",
        params![
            org_id,
            id,
            standing.status.as_str(),
            standing.current_version,
            standing.approved_on,
            standing.next_review_on,
            now
        ],
    )
    .await?;
    Ok(())
}

pub async fn delete(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "DELETE FROM documents WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version],
        )
        .await?;
    Ok(changed == 1)
}

/// The organisation's information security policy other than `except`, if any.
pub async fn security_policy(
    conn: &mut Conn,
    org_id: Uuid,
    except: Option<Uuid>,
) -> StoreResult<Option<Document>> {
    let mut found: Option<Document> = conn
        .fetch_optional(
            concat!(select!(), " WHERE d.org_id = $1 AND d.security_policy"),
            params![org_id],
        )
        .await?;
    if found.as_ref().is_some_and(|d| Some(d.id) == except) {
        found = None;
    }
    Ok(found)
}

pub async fn insert_version(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    document_id: Uuid,
    number: i64,
    draft: &VersionDraft,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO document_versions (id, org_id, document_id, number, state, body, change_note,
                                        version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'draft', $5, $6, 1, $7, $7)",
        params![
            id,
            org_id,
            document_id,
            number,
            &draft.body,
            &draft.change_note,
            now
        ],
    )
    .await?;
    Ok(())
}

pub async fn find_version(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<DocumentVersion>> {
    conn.fetch_optional(
        concat!(select_version!(), " WHERE v.org_id = $1 AND v.id = $2"),
        params![org_id, id],
    )
    .await
}

/// Version `number` of document `document_id`.
pub async fn version_numbered(
    conn: &mut Conn,
    org_id: Uuid,
    document_id: Uuid,
    number: i64,
) -> StoreResult<Option<DocumentVersion>> {
    conn.fetch_optional(
        concat!(
            select_version!(),
            " WHERE v.org_id = $1 AND v.document_id = $2 AND v.number = $3"
        ),
        params![org_id, document_id, number],
    )
    .await
}

/// Every version of a document, newest first.
pub async fn versions(
    conn: &mut Conn,
    org_id: Uuid,
    document_id: Uuid,
) -> StoreResult<Vec<DocumentVersion>> {
    conn.fetch_all(
        concat!(
            select_version!(),
            " WHERE v.org_id = $1 AND v.document_id = $2 ORDER BY v.number DESC"
        ),
        params![org_id, document_id],
    )
    .await
}

/// Writes the text of an open version at `expected_version`; it is a draft again.
pub async fn update_version(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    draft: &VersionDraft,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE document_versions SET body = $4, change_note = $5, state = 'draft',
                    version = version + 1, updated_at = $6
             WHERE org_id = $1 AND id = $2 AND version = $3 AND state IN ('draft', 'rejected')",
            params![
                org_id,
                id,
                expected_version,
                &draft.body,
                &draft.change_note,
                now
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Records the file of an open version at `expected_version`; it is a draft again.
pub async fn set_version_file(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    file: &StoredFile,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE document_versions SET file_name = $4, file_type = $5, file_size = $6,
                    file_sha256 = $7, state = 'draft', version = version + 1, updated_at = $8
             WHERE org_id = $1 AND id = $2 AND version = $3 AND state IN ('draft', 'rejected')",
            params![
                org_id,
                id,
                expected_version,
                &file.name,
                &file.content_type,
                file.size,
                &file.sha256,
                now
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Moves a version to `state` if it is still at `expected_version`; a decision records when.
pub async fn set_version_state(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    state: VersionState,
    decided_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE document_versions SET state = $4, decided_at = COALESCE($5, decided_at),
                    version = version + 1, updated_at = $6
             WHERE org_id = $1 AND id = $2 AND version = $3",
            params![
                org_id,
                id,
                expected_version,
                state.as_str(),
                decided_at,
                now
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Counts documents per status, and those whose review is due on `today`.
pub async fn counts(
    conn: &mut Conn,
    org_id: Uuid,
    today: Date,
) -> StoreResult<(Vec<(String, i64)>, i64)> {
    let by_status = conn
        .fetch_all(
            "SELECT status, COUNT(*) FROM documents WHERE org_id = $1 GROUP BY status ORDER BY status",
            params![org_id],
        )
        .await?;
    let (due,): (i64,) = conn
        .fetch_one(
            "SELECT COUNT(*) FROM documents WHERE org_id = $1 AND status = 'approved' \
             AND next_review_on <= $2",
            params![org_id, today],
        )
        .await?;
    Ok((by_status, due))
}

/// The WHERE clause of a page of documents, the keyset clause `after` continues with
/// (number order only) and the ORDER BY.
fn list_query(org_id: Uuid, request: &DocumentList) -> (Statement, Option<String>, String) {
    let DocumentList {
        filter,
        sort,
        direction,
        ..
    } = request;
    let (sort, direction) = (*sort, *direction);
    let mut conditions = Statement::new(" WHERE d.org_id = ");
    conditions.bind(org_id);
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        conditions
            .push(" AND d.search_text LIKE ")
            .bind(sql::like_pattern(search.trim()))
            .push(" ESCAPE '\\'");
    }
    if let Some(kind) = filter.kind {
        conditions.push(" AND d.kind = ").bind(kind.as_str());
    }
    if let Some(status) = filter.status {
        conditions.push(" AND d.status = ").bind(status.as_str());
    }
    if let Some(owner_id) = filter.owner_id {
        conditions.push(" AND d.owner_id = ").bind(owner_id);
    }
    let column = match sort {
        DocumentSort::Number => "d.number",
        DocumentSort::Title => "d.title_key",
        DocumentSort::Kind => "d.kind",
        DocumentSort::Status => "d.status",
        DocumentSort::NextReview => "d.next_review_on",
        DocumentSort::UpdatedAt => "d.updated_at",
    };
    let (keyset, order_by) = sql::order_by_then_number(
        "d",
        column,
        sort == DocumentSort::Number,
        sort == DocumentSort::NextReview,
        direction,
    );
    (conditions, keyset, order_by)
}

pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    request: &DocumentList,
    known_total: Option<(u64, bool)>,
) -> StoreResult<Listed<Document>> {
    let (conditions, keyset, order_by) = list_query(org_id, request);
    sql::fetch_page(
        conn,
        " FROM documents d",
        select!(),
        &conditions,
        keyset.as_deref(),
        &order_by,
        request.page,
        known_total,
    )
    .await
}

/// The organisation's documents numbered `numbers`, as (number, id, title).
pub async fn by_numbers(
    conn: &mut Conn,
    org_id: Uuid,
    numbers: &[i64],
) -> StoreResult<Vec<(i64, Uuid, String)>> {
    let mut found = Vec::with_capacity(numbers.len());
    for number in numbers {
        let row: Option<(i64, Uuid, String)> = conn
            .fetch_optional(
                "SELECT number, id, title FROM documents WHERE org_id = $1 AND number = $2",
                params![org_id, *number],
            )
            .await?;
        found.extend(row);
    }
    Ok(found)
}
