//! Applied controls, the requirements they satisfy and the risks they treat, always read and
//! written within one organisation.

use custos_domain::controls::applied::{
    Control, ControlDraft, ControlList, ControlSort, ControlStatus, RequirementRef,
    SatisfiedRequirement, TreatedRisk, reference,
};
use custos_domain::controls::coverage::Satisfaction;
use custos_domain::list::Listed;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, Param, RowReader};
use crate::sql::{self, Statement};
use crate::{StoreResult, params};

/// The columns [`Control`]'s mapping reads, in its order.
macro_rules! select {
    () => {
        "SELECT c.id, c.number, c.title, c.description, c.owner_id, u.name, c.status, \
         c.implemented_on, c.one_off_cost, c.recurring_cost, c.effectiveness, c.version, \
         c.created_at, c.updated_at FROM controls c LEFT JOIN users u ON u.id = c.owner_id"
    };
}

impl FromRow for Control {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Control {
            id: row.get()?,
            number: row.get()?,
            title: row.get()?,
            description: row.get()?,
            owner_id: row.get()?,
            owner_name: row.get()?,
            status: row.parsed(ControlStatus::parse)?,
            implemented_on: row.get()?,
            one_off_cost: row.get()?,
            recurring_cost: row.get()?,
            effectiveness: row.get()?,
            version: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
        })
    }
}

impl FromRow for Satisfaction {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Satisfaction {
            requirement: RequirementRef {
                framework_id: row.get()?,
                requirement_id: row.get()?,
            },
            control_id: row.get()?,
            number: row.get()?,
            title: row.get()?,
            status: row.parsed(ControlStatus::parse)?,
        })
    }
}

impl FromRow for SatisfiedRequirement {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(SatisfiedRequirement {
            requirement: RequirementRef {
                framework_id: row.get()?,
                requirement_id: row.get()?,
            },
            title: row.get()?,
        })
    }
}

impl FromRow for TreatedRisk {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(TreatedRisk {
            id: row.get()?,
            number: row.get()?,
            title: row.get()?,
        })
    }
}

/// What the search box matches: the reference and the title.
fn search_text(draft: &ControlDraft, number: i64) -> String {
    format!("{} {}", reference(number), draft.title).to_lowercase()
}

/// `keys` ($1 to $3), the derived columns ($4 to $6: sort key, search text, time of the
/// write), then the draft's fields from $7 in declaration order (`ControlInput::FIELDS`).
fn with_fields<'a>(
    keys: [Param<'a>; 3],
    draft: &'a ControlDraft,
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
    draft: &ControlDraft,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO controls (id, org_id, number, title_key, search_text, created_at, title,
                               description, owner_id, status, implemented_on, one_off_cost,
                               recurring_cost, effectiveness, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $6, 1)",
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

pub async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Control>> {
    conn.fetch_optional(
        concat!(select!(), " WHERE c.org_id = $1 AND c.id = $2"),
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
    draft: &ControlDraft,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE controls SET title_key = $4, search_text = $5, updated_at = $6,
                    version = version + 1, title = $7, description = $8, owner_id = $9,
                    status = $10, implemented_on = $11, one_off_cost = $12, recurring_cost = $13,
                    effectiveness = $14
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

pub async fn delete(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "DELETE FROM controls WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version],
        )
        .await?;
    Ok(changed == 1)
}

/// The requirements control `control_id` satisfies, by framework and reading order.
pub async fn requirements_of(
    conn: &mut Conn,
    org_id: Uuid,
    control_id: Uuid,
) -> StoreResult<Vec<SatisfiedRequirement>> {
    conn.fetch_all(
        "SELECT cr.framework_id, cr.requirement_id, r.title FROM control_requirements cr
         JOIN requirements r ON r.framework_id = cr.framework_id AND r.id = cr.requirement_id
         WHERE cr.org_id = $1 AND cr.control_id = $2
         ORDER BY cr.framework_id, r.position",
        params![org_id, control_id],
    )
    .await
}

/// Makes `requirements` the ones control `control_id` satisfies.
pub async fn set_requirements(
    conn: &mut Conn,
    org_id: Uuid,
    control_id: Uuid,
    requirements: &[RequirementRef],
) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM control_requirements WHERE org_id = $1 AND control_id = $2",
        params![org_id, control_id],
    )
    .await?;
    for requirement in requirements {
        conn.execute(
            "INSERT INTO control_requirements (org_id, control_id, framework_id, requirement_id)
             VALUES ($1, $2, $3, $4)",
            params![
                org_id,
                control_id,
                &requirement.framework_id,
                &requirement.requirement_id
            ],
        )
        .await?;
    }
    Ok(())
}

/// The risks control `control_id` treats, by number.
pub async fn risks_of(
    conn: &mut Conn,
    org_id: Uuid,
    control_id: Uuid,
) -> StoreResult<Vec<TreatedRisk>> {
    conn.fetch_all(
        "SELECT r.id, r.number, r.title FROM risk_controls rc JOIN risks r ON r.id = rc.risk_id
         WHERE rc.org_id = $1 AND rc.control_id = $2 ORDER BY r.number",
        params![org_id, control_id],
    )
    .await
}

/// Makes `risk_ids` the risks control `control_id` treats.
pub async fn set_risks(
    conn: &mut Conn,
    org_id: Uuid,
    control_id: Uuid,
    risk_ids: &[Uuid],
) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM risk_controls WHERE org_id = $1 AND control_id = $2",
        params![org_id, control_id],
    )
    .await?;
    for risk_id in risk_ids {
        conn.execute(
            "INSERT INTO risk_controls (org_id, risk_id, control_id) VALUES ($1, $2, $3)",
            params![org_id, *risk_id, control_id],
        )
        .await?;
    }
    Ok(())
}

/// The controls treating risk `risk_id`, as satisfactions of no requirement: id, number,
/// title and status, by number.
pub async fn controls_of_risk(
    conn: &mut Conn,
    org_id: Uuid,
    risk_id: Uuid,
) -> StoreResult<Vec<(Uuid, i64, String, String)>> {
    conn.fetch_all(
        "SELECT c.id, c.number, c.title, c.status FROM risk_controls rc
         JOIN controls c ON c.id = rc.control_id
         WHERE rc.org_id = $1 AND rc.risk_id = $2 ORDER BY c.number",
        params![org_id, risk_id],
    )
    .await
}

/// Every link of an applied control to a requirement, with the control's status: what
/// coverage is computed from.
pub async fn satisfactions(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<Satisfaction>> {
    conn.fetch_all(
        "SELECT cr.framework_id, cr.requirement_id, c.id, c.number, c.title, c.status
         FROM control_requirements cr JOIN controls c ON c.id = cr.control_id
         WHERE cr.org_id = $1",
        params![org_id],
    )
    .await
}

/// The statuses of the controls satisfying each requirement of `framework_id`, as
/// (requirement id, status).
pub async fn statuses_by_requirement(
    conn: &mut Conn,
    org_id: Uuid,
    framework_id: &str,
) -> StoreResult<Vec<(String, String)>> {
    conn.fetch_all(
        "SELECT cr.requirement_id, c.status
         FROM control_requirements cr JOIN controls c ON c.id = cr.control_id
         WHERE cr.org_id = $1 AND cr.framework_id = $2",
        params![org_id, framework_id],
    )
    .await
}

/// How many controls the organisation has in each status.
pub async fn count_by_status(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<(String, i64)>> {
    conn.fetch_all(
        "SELECT status, COUNT(*) FROM controls WHERE org_id = $1 GROUP BY status ORDER BY status",
        params![org_id],
    )
    .await
}

/// The WHERE clause of a page of controls, the keyset clause `after` continues with (number
/// order only) and the ORDER BY.
fn list_query(org_id: Uuid, request: &ControlList) -> (Statement, Option<String>, String) {
    let ControlList {
        filter,
        sort,
        direction,
        ..
    } = request;
    let (sort, direction) = (*sort, *direction);
    let mut conditions = Statement::new(" WHERE c.org_id = ");
    conditions.bind(org_id);
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        conditions
            .push(" AND c.search_text LIKE ")
            .bind(sql::like_pattern(search.trim()))
            .push(" ESCAPE '\\'");
    }
    if let Some(status) = filter.status {
        conditions.push(" AND c.status = ").bind(status.as_str());
    }
    if let Some(owner_id) = filter.owner_id {
        conditions.push(" AND c.owner_id = ").bind(owner_id);
    }
    if let Some(requirement) = &filter.requirement {
        conditions
            .push(
                " AND EXISTS (SELECT 1 FROM control_requirements cr WHERE cr.control_id = c.id \
                 AND cr.org_id = ",
            )
            .bind(org_id)
            .push(" AND cr.framework_id = ")
            .bind(requirement.framework_id.clone())
            .push(" AND cr.requirement_id = ")
            .bind(requirement.requirement_id.clone())
            .push(")");
    }
    if let Some(risk_id) = filter.risk_id {
        conditions
            .push(
                " AND EXISTS (SELECT 1 FROM risk_controls rc WHERE rc.control_id = c.id \
                 AND rc.org_id = ",
            )
            .bind(org_id)
            .push(" AND rc.risk_id = ")
            .bind(risk_id)
            .push(")");
    }
    let column = match sort {
        ControlSort::Number => "c.number",
        ControlSort::Title => "c.title_key",
        ControlSort::Status => "c.status",
        ControlSort::ImplementedOn => "c.implemented_on",
        ControlSort::UpdatedAt => "c.updated_at",
    };
    let (keyset, order_by) = sql::order_by_then_number(
        "c",
        column,
        sort == ControlSort::Number,
        sort == ControlSort::ImplementedOn,
        direction,
    );
    (conditions, keyset, order_by)
}

pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    request: &ControlList,
    known_total: Option<(u64, bool)>,
) -> StoreResult<Listed<Control>> {
    let (conditions, keyset, order_by) = list_query(org_id, request);
    sql::fetch_page(
        conn,
        " FROM controls c",
        select!(),
        &conditions,
        keyset.as_deref(),
        &order_by,
        request.page,
        known_total,
    )
    .await
}

/// The page of controls `request` asks for, without counting them: for exports.
pub async fn rows(
    conn: &mut Conn,
    org_id: Uuid,
    request: &ControlList,
) -> StoreResult<Vec<Control>> {
    let (conditions, keyset, order_by) = list_query(org_id, request);
    sql::fetch_rows(
        conn,
        select!(),
        &conditions,
        keyset.as_deref(),
        &order_by,
        request.page,
    )
    .await
}
