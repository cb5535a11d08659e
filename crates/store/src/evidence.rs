//! Evidence items and what they are attached to, always read and written within one
//! organisation; their files live in the object store ([`crate::files`]).

use custos_domain::controls::applied::RequirementRef;
use custos_domain::controls::evidence::{
    Evidence, EvidenceDraft, EvidenceList, EvidenceSort, EvidenceTargets, reference,
};
use custos_domain::files::StoredFile;
use custos_domain::list::Listed;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, Param, RowReader};
use crate::sql::{self, Statement};
use crate::{StoreResult, params};

/// The columns [`Evidence`]'s mapping reads, in its order.
macro_rules! select {
    () => {
        "SELECT e.id, e.number, e.title, e.description, e.url, e.file_name, e.file_type, \
         e.file_size, e.file_sha256, e.collected_on, e.effective_from, e.effective_to, \
         e.expires_on, e.version, e.created_at, e.updated_at FROM evidence e"
    };
}

impl FromRow for Evidence {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        let id = row.get()?;
        let number = row.get()?;
        let title = row.get()?;
        let description = row.get()?;
        let url = row.get()?;
        let file = crate::files::read_stored_file(row)?;
        Ok(Evidence {
            id,
            number,
            title,
            description,
            url,
            file,
            collected_on: row.get()?,
            effective_from: row.get()?,
            effective_to: row.get()?,
            expires_on: row.get()?,
            version: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
        })
    }
}

fn search_text(draft: &EvidenceDraft, number: i64) -> String {
    format!("{} {}", reference(number), draft.title).to_lowercase()
}

/// `keys` ($1 to $3), the derived columns ($4 to $6: sort key, search text, time of the
/// write), then the draft's fields from $7 in declaration order (`EvidenceInput::FIELDS`).
fn with_fields<'a>(
    keys: [Param<'a>; 3],
    draft: &'a EvidenceDraft,
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
    draft: &EvidenceDraft,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO evidence (id, org_id, number, title_key, search_text, created_at, title,
                               description, url, collected_on, effective_from, effective_to,
                               expires_on, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $6, 1)",
        &with_fields(
            [id.into(), org_id.into(), number.into()],
            draft,
            number,
            now,
        ),
    )
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Evidence>> {
    conn.fetch_optional(
        concat!(select!(), " WHERE e.org_id = $1 AND e.id = $2"),
        params![org_id, id],
    )
    .await
}

/// Writes `draft` over version `expected_version`; false when someone else saved first.
pub async fn update(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    number: i64,
    expected_version: i64,
    draft: &EvidenceDraft,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE evidence SET title_key = $4, search_text = $5, updated_at = $6,
                    version = version + 1, title = $7, description = $8, url = $9,
                    collected_on = $10, effective_from = $11, effective_to = $12, expires_on = $13
             WHERE org_id = $1 AND id = $2 AND version = $3",
            &with_fields(
                [org_id.into(), id.into(), expected_version.into()],
                draft,
                number,
                now,
            ),
        )
        .await?;
    Ok(changed == 1)
}

/// Records the file now kept for evidence `id` at `expected_version`.
pub async fn set_file(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    file: &StoredFile,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE evidence SET file_name = $4, file_type = $5, file_size = $6, file_sha256 = $7,
                    version = version + 1, updated_at = $8
             WHERE org_id = $1 AND id = $2 AND version = $3",
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

pub async fn delete(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "DELETE FROM evidence WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version],
        )
        .await?;
    Ok(changed == 1)
}

/// What evidence `id` is attached to.
pub async fn targets(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<EvidenceTargets> {
    let controls: Vec<(Uuid,)> = conn
        .fetch_all(
            "SELECT control_id FROM evidence_controls WHERE org_id = $1 AND evidence_id = $2 \
             ORDER BY control_id",
            params![org_id, id],
        )
        .await?;
    let requirements: Vec<(String, String)> = conn
        .fetch_all(
            "SELECT framework_id, requirement_id FROM evidence_requirements \
             WHERE org_id = $1 AND evidence_id = $2 ORDER BY framework_id, requirement_id",
            params![org_id, id],
        )
        .await?;
    let documents: Vec<(Uuid,)> = conn
        .fetch_all(
            "SELECT document_id FROM evidence_documents WHERE org_id = $1 AND evidence_id = $2 \
             ORDER BY document_id",
            params![org_id, id],
        )
        .await?;
    Ok(EvidenceTargets {
        controls: controls.into_iter().map(|(id,)| id).collect(),
        requirements: requirements
            .into_iter()
            .map(|(framework_id, requirement_id)| RequirementRef {
                framework_id,
                requirement_id,
            })
            .collect(),
        documents: documents.into_iter().map(|(id,)| id).collect(),
    })
}

/// Makes `targets` what evidence `id` is attached to.
pub async fn set_targets(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    targets: &EvidenceTargets,
) -> StoreResult<()> {
    for table in [
        "evidence_controls",
        "evidence_requirements",
        "evidence_documents",
    ] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE org_id = $1 AND evidence_id = $2"),
            params![org_id, id],
        )
        .await?;
    }
    for control_id in &targets.controls {
        conn.execute(
            "INSERT INTO evidence_controls (org_id, evidence_id, control_id) VALUES ($1, $2, $3)",
            params![org_id, id, *control_id],
        )
        .await?;
    }
    for requirement in &targets.requirements {
        conn.execute(
            "INSERT INTO evidence_requirements (org_id, evidence_id, framework_id, requirement_id)
             VALUES ($1, $2, $3, $4)",
            params![
                org_id,
                id,
                &requirement.framework_id,
                &requirement.requirement_id
            ],
        )
        .await?;
    }
    for document_id in &targets.documents {
        conn.execute(
            "INSERT INTO evidence_documents (org_id, evidence_id, document_id) VALUES ($1, $2, $3)",
            params![org_id, id, *document_id],
        )
        .await?;
    }
    Ok(())
}

/// The WHERE clause of a page of evidence, the keyset clause and the ORDER BY.
fn list_query(org_id: Uuid, request: &EvidenceList) -> (Statement, Option<String>, String) {
    let EvidenceList {
        filter,
        sort,
        direction,
        ..
    } = request;
    let (sort, direction) = (*sort, *direction);
    let mut conditions = Statement::new(" WHERE e.org_id = ");
    conditions.bind(org_id);
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        conditions
            .push(" AND e.search_text LIKE ")
            .bind(sql::like_pattern(search.trim()))
            .push(" ESCAPE '\\'");
    }
    if let Some(control_id) = filter.control_id {
        conditions
            .push(
                " AND EXISTS (SELECT 1 FROM evidence_controls x WHERE x.evidence_id = e.id \
                 AND x.org_id = ",
            )
            .bind(org_id)
            .push(" AND x.control_id = ")
            .bind(control_id)
            .push(")");
    }
    if let Some(document_id) = filter.document_id {
        conditions
            .push(
                " AND EXISTS (SELECT 1 FROM evidence_documents x WHERE x.evidence_id = e.id \
                 AND x.org_id = ",
            )
            .bind(org_id)
            .push(" AND x.document_id = ")
            .bind(document_id)
            .push(")");
    }
    if let Some(requirement) = &filter.requirement {
        conditions
            .push(
                " AND EXISTS (SELECT 1 FROM evidence_requirements x WHERE x.evidence_id = e.id \
                 AND x.org_id = ",
            )
            .bind(org_id)
            .push(" AND x.framework_id = ")
            .bind(requirement.framework_id.clone())
            .push(" AND x.requirement_id = ")
            .bind(requirement.requirement_id.clone())
            .push(")");
    }
    let column = match sort {
        EvidenceSort::Number => "e.number",
        EvidenceSort::Title => "e.title_key",
        EvidenceSort::CollectedOn => "e.collected_on",
        EvidenceSort::ExpiresOn => "e.expires_on",
    };
    let (keyset, order_by) = sql::order_by_then_number(
        "e",
        column,
        sort == EvidenceSort::Number,
        sort == EvidenceSort::CollectedOn || sort == EvidenceSort::ExpiresOn,
        direction,
    );
    (conditions, keyset, order_by)
}

pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    request: &EvidenceList,
    known_total: Option<(u64, bool)>,
) -> StoreResult<Listed<Evidence>> {
    let (conditions, keyset, order_by) = list_query(org_id, request);
    sql::fetch_page(
        conn,
        " FROM evidence e",
        select!(),
        &conditions,
        keyset.as_deref(),
        &order_by,
        request.page,
        known_total,
    )
    .await
}
