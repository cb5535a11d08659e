//! Objectives (ISO 27001 6.2), always read and written within one organisation.

use custos_domain::context::{
    Objective, ObjectiveCategory, ObjectiveDraft, ObjectiveList, ObjectiveSort, ObjectiveStatus,
};
use custos_domain::list::{Listed, SortDirection, sort_key};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, Param, RowReader};
use crate::sql::{self, Statement};
use crate::{StoreResult, params};

/// The columns [`Objective`]'s mapping reads, in its order.
macro_rules! select {
    () => {
        "SELECT o.id, o.number, o.title, o.rationale, o.description, o.benefits, o.category, o.target, \
         o.target_value, o.target_unit, o.owner_id, u.name, o.due_date, o.status, o.version, \
         o.created_at, o.updated_at FROM objectives o LEFT JOIN users u ON u.id = o.owner_id"
    };
}

impl FromRow for Objective {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Objective {
            id: row.get()?,
            number: row.get()?,
            title: row.get()?,
            rationale: row.get()?,
            description: row.get()?,
            benefits: row.get()?,
            category: row.parsed(ObjectiveCategory::parse)?,
            target: row.get()?,
            target_value: row.get()?,
            target_unit: row.get()?,
            owner_id: row.get()?,
            owner_name: row.get()?,
            due_date: row.get()?,
            status: row.parsed(ObjectiveStatus::parse)?,
            version: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
        })
    }
}

fn search_text(draft: &ObjectiveDraft, number: i64) -> String {
    format!("obj-{number:04} {}", draft.title).to_lowercase()
}

/// `keys` ($1 to $3) followed by the written fields, numbered $4 to $17 in the order `insert`
/// and `update` name them.
fn with_fields<'a>(
    keys: [Param<'a>; 3],
    draft: &'a ObjectiveDraft,
    number: i64,
    status: ObjectiveStatus,
    now: OffsetDateTime,
) -> Vec<Param<'a>> {
    let mut params = keys.to_vec();
    params.extend([
        Param::from(draft.title.as_str()),
        sort_key(&draft.title).into(),
        search_text(draft, number).into(),
        draft.rationale.as_str().into(),
        draft.description.as_str().into(),
        draft.benefits.as_str().into(),
        draft.category.as_str().into(),
        draft.target.as_str().into(),
        draft.target_value.into(),
        draft.target_unit.as_deref().into(),
        draft.owner_id.into(),
        draft.due_date.into(),
        status.as_str().into(),
        now.into(),
    ]);
    params
}

pub async fn insert(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    number: i64,
    draft: &ObjectiveDraft,
    status: ObjectiveStatus,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO objectives (id, org_id, number, title, title_key, search_text, rationale, description,
                                 benefits, category, target, target_value, target_unit, owner_id, due_date,
                                 status, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $17)",
        &with_fields([id.into(), org_id.into(), number.into()], draft, number, status, now),
    )
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Objective>> {
    conn.fetch_optional(
        concat!(select!(), " WHERE o.org_id = $1 AND o.id = $2"),
        params![org_id, id],
    )
    .await
}

/// Writes `draft` over version `expected_version`; false when someone else saved first.
#[expect(clippy::too_many_arguments)]
pub async fn update(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    number: i64,
    expected_version: i64,
    draft: &ObjectiveDraft,
    status: ObjectiveStatus,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE objectives SET title = $4, title_key = $5, search_text = $6, rationale = $7,
                    description = $8, benefits = $9, category = $10, target = $11, target_value = $12,
                    target_unit = $13, owner_id = $14, due_date = $15, status = $16,
                    version = version + 1, updated_at = $17
             WHERE org_id = $1 AND id = $2 AND version = $3",
            params![
                org_id,
                id,
                expected_version,
                &draft.title,
                sort_key(&draft.title),
                search_text(draft, number),
                &draft.rationale,
                &draft.description,
                &draft.benefits,
                draft.category.as_str(),
                &draft.target,
                draft.target_value,
                draft.target_unit.as_deref(),
                draft.owner_id,
                draft.due_date,
                status.as_str(),
                now,
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Moves an objective to `status` if it is still at `expected_version`.
pub async fn set_status(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    status: ObjectiveStatus,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE objectives SET status = $4, version = version + 1, updated_at = $5
             WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version, status.as_str(), now],
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
            "DELETE FROM objectives WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version],
        )
        .await?;
    Ok(changed == 1)
}

/// The parts of the query of a page of objectives: the WHERE clause, the keyset clause
/// `after` continues with (number order only) and the ORDER BY.
fn list_query(org_id: Uuid, request: &ObjectiveList) -> (Statement, Option<&'static str>, String) {
    let ObjectiveList {
        filter,
        sort,
        direction,
        ..
    } = request;
    let (sort, direction) = (*sort, *direction);
    let mut conditions = Statement::new(" WHERE o.org_id = ");
    conditions.bind(org_id);
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        conditions
            .push(" AND o.search_text LIKE ")
            .bind(sql::like_pattern(search.trim()))
            .push(" ESCAPE '\\'");
    }
    if let Some(category) = filter.category {
        conditions
            .push(" AND o.category = ")
            .bind(category.as_str());
    }
    if let Some(status) = filter.status {
        conditions.push(" AND o.status = ").bind(status.as_str());
    }
    if let Some(owner_id) = filter.owner_id {
        conditions.push(" AND o.owner_id = ").bind(owner_id);
    }
    let column = match sort {
        ObjectiveSort::Number => "o.number",
        ObjectiveSort::Title => "o.title_key",
        ObjectiveSort::Category => "o.category",
        ObjectiveSort::Status => "o.status",
        ObjectiveSort::DueDate => "o.due_date",
        ObjectiveSort::UpdatedAt => "o.updated_at",
    };
    let keyset = match (sort, direction) {
        (ObjectiveSort::Number, SortDirection::Asc) => Some(" AND o.number > "),
        (ObjectiveSort::Number, SortDirection::Desc) => Some(" AND o.number < "),
        _ => None,
    };
    let direction = direction.as_str();
    // NULL dates sort last in both directions on both backends.
    let nulls = if sort == ObjectiveSort::DueDate {
        "o.due_date IS NULL, "
    } else {
        ""
    };
    let order_by = format!(" ORDER BY {nulls}{column} {direction}, o.number {direction}");
    (conditions, keyset, order_by)
}

pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    request: &ObjectiveList,
    known_total: Option<(u64, bool)>,
) -> StoreResult<Listed<Objective>> {
    let (conditions, keyset, order_by) = list_query(org_id, request);
    sql::fetch_page(
        conn,
        " FROM objectives o",
        select!(),
        &conditions,
        keyset,
        &order_by,
        request.page,
        known_total,
    )
    .await
}

/// The page of objectives `request` asks for, without counting them: for exports, which
/// read the register a page at a time.
pub async fn rows(
    conn: &mut Conn,
    org_id: Uuid,
    request: &ObjectiveList,
) -> StoreResult<Vec<Objective>> {
    let (conditions, keyset, order_by) = list_query(org_id, request);
    sql::fetch_rows(
        conn,
        select!(),
        &conditions,
        keyset,
        &order_by,
        request.page,
    )
    .await
}

pub async fn count_by_status(
    conn: &mut Conn,
    org_id: Uuid,
) -> StoreResult<Vec<(ObjectiveStatus, i64)>> {
    let rows: Vec<(String, i64)> = conn
        .fetch_all(
            "SELECT status, COUNT(*) FROM objectives WHERE org_id = $1 GROUP BY status ORDER BY status",
            params![org_id],
        )
        .await?;
    rows.into_iter()
        .map(|(status, count)| {
            ObjectiveStatus::parse(&status)
                .map(|status| (status, count))
                .ok_or_else(|| crate::StoreError::Corrupt(format!("objective status {status:?}")))
        })
        .collect()
}
