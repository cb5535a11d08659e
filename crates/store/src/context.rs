//! Objectives (ISO 27001 6.2), always read and written within one organisation.

use custos_domain::context::{
    Objective, ObjectiveCategory, ObjectiveDraft, ObjectiveFilter, ObjectiveSort, ObjectiveStatus,
};
use custos_domain::list::{Listed, Page, SortDirection};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::sql::{self, Statement, Value};
use crate::{Conn, StoreResult, timestamp};

const COLUMNS: &str = "o.id, o.number, o.title, o.rationale, o.description, o.benefits, o.category, \
     o.target, o.target_value, o.target_unit, o.owner_id, u.name AS owner_name, o.due_date, o.status, \
     o.version, o.created_at, o.updated_at";
const FROM: &str = " FROM objectives o LEFT JOIN users u ON u.id = o.owner_id";

fn objective(row: &AnyRow) -> StoreResult<Objective> {
    Ok(Objective {
        id: sql::uuid(row, "id")?,
        number: sql::int(row, "number")?,
        title: sql::text(row, "title")?,
        rationale: sql::text(row, "rationale")?,
        description: sql::text(row, "description")?,
        benefits: sql::text(row, "benefits")?,
        category: sql::parsed(row, "category", ObjectiveCategory::parse)?,
        target: sql::text(row, "target")?,
        target_value: sql::opt_float(row, "target_value")?,
        target_unit: sql::opt_text(row, "target_unit")?,
        owner_id: sql::opt_uuid(row, "owner_id")?,
        owner_name: sql::opt_text(row, "owner_name")?,
        due_date: sql::opt_date(row, "due_date")?,
        status: sql::parsed(row, "status", ObjectiveStatus::parse)?,
        version: sql::int(row, "version")?,
        created_at: sql::time(row, "created_at")?,
        updated_at: sql::time(row, "updated_at")?,
    })
}

fn search_text(draft: &ObjectiveDraft, number: i64) -> String {
    format!("obj-{number:04} {}", draft.title).to_lowercase()
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the written fields, in the order both `insert` and `update` number them ($4 to $16).
fn bind_fields<'q>(
    query: Query<'q>,
    draft: &'q ObjectiveDraft,
    number: i64,
    status: ObjectiveStatus,
    now: OffsetDateTime,
) -> Query<'q> {
    query
        .bind(&draft.title)
        .bind(search_text(draft, number))
        .bind(&draft.rationale)
        .bind(&draft.description)
        .bind(&draft.benefits)
        .bind(draft.category.as_str())
        .bind(&draft.target)
        .bind(draft.target_value)
        .bind(draft.target_unit.as_deref())
        .bind(draft.owner_id.map(|id| id.to_string()))
        .bind(draft.due_date.map(|d| d.to_string()))
        .bind(status.as_str())
        .bind(timestamp::format(now))
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
    let query = sqlx::query(
        "INSERT INTO objectives (id, org_id, number, title, search_text, rationale, description, benefits,
                                 category, target, target_value, target_unit, owner_id, due_date, status,
                                 version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $16)",
    )
    .bind(id.to_string())
    .bind(org_id.to_string())
    .bind(number);
    bind_fields(query, draft, number, status, now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Objective>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS}{FROM} WHERE o.org_id = $1 AND o.id = $2"
    )))
    .bind(org_id.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(objective)
    .transpose()
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
    let query = sqlx::query(
        "UPDATE objectives SET title = $4, search_text = $5, rationale = $6, description = $7, benefits = $8,
                category = $9, target = $10, target_value = $11, target_unit = $12, owner_id = $13,
                due_date = $14, status = $15, version = version + 1, updated_at = $16
         WHERE org_id = $1 AND id = $2 AND version = $3",
    )
    .bind(org_id.to_string())
    .bind(id.to_string())
    .bind(expected_version);
    let result = bind_fields(query, draft, number, status, now)
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
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
    let result = sqlx::query(
        "UPDATE objectives SET status = $4, version = version + 1, updated_at = $5
         WHERE org_id = $1 AND id = $2 AND version = $3",
    )
    .bind(org_id.to_string())
    .bind(id.to_string())
    .bind(expected_version)
    .bind(status.as_str())
    .bind(timestamp::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
) -> StoreResult<bool> {
    let result =
        sqlx::query("DELETE FROM objectives WHERE org_id = $1 AND id = $2 AND version = $3")
            .bind(org_id.to_string())
            .bind(id.to_string())
            .bind(expected_version)
            .execute(&mut *conn)
            .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    filter: &ObjectiveFilter,
    sort: ObjectiveSort,
    direction: SortDirection,
    page: Page,
) -> StoreResult<Listed<Objective>> {
    let mut conditions = Statement::new(" WHERE o.org_id = ");
    conditions.bind(Value::Text(org_id.to_string()));
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        conditions
            .push(" AND o.search_text LIKE ")
            .bind(Value::Text(sql::like_pattern(search.trim())))
            .push(" ESCAPE '\\'");
    }
    if let Some(category) = filter.category {
        conditions
            .push(" AND o.category = ")
            .bind(Value::Text(category.as_str().into()));
    }
    if let Some(status) = filter.status {
        conditions
            .push(" AND o.status = ")
            .bind(Value::Text(status.as_str().into()));
    }
    if let Some(owner_id) = filter.owner_id {
        conditions
            .push(" AND o.owner_id = ")
            .bind(Value::Text(owner_id.to_string()));
    }
    let column = match sort {
        ObjectiveSort::Number => "o.number",
        ObjectiveSort::Title => "o.title",
        ObjectiveSort::Category => "o.category",
        ObjectiveSort::Status => "o.status",
        ObjectiveSort::DueDate => "o.due_date",
        ObjectiveSort::UpdatedAt => "o.updated_at",
    };
    let direction = direction.as_str();
    // NULL dates sort last in both directions on both backends.
    let nulls = if sort == ObjectiveSort::DueDate {
        "o.due_date IS NULL, "
    } else {
        ""
    };
    sql::fetch_page(
        conn,
        "SELECT COUNT(*) AS n FROM objectives o",
        &format!("SELECT {COLUMNS}{FROM}"),
        &conditions,
        &format!(" ORDER BY {nulls}{column} {direction}, o.number {direction}"),
        page,
        objective,
    )
    .await
}

pub async fn count_by_status(
    conn: &mut Conn,
    org_id: Uuid,
) -> StoreResult<Vec<(ObjectiveStatus, i64)>> {
    sqlx::query("SELECT status, COUNT(*) AS n FROM objectives WHERE org_id = $1 GROUP BY status ORDER BY status")
        .bind(org_id.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok((sql::parsed(row, "status", ObjectiveStatus::parse)?, sql::int(row, "n")?)))
        .collect()
}
