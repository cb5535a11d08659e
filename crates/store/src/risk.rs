//! The risk register and the organisation's threat and vulnerability catalogues, always read
//! and written within one organisation.

use custos_domain::list::{Listed, SortDirection, sort_key};
use custos_domain::platform::Role;
use custos_domain::risk::acceptance::RiskAcceptance;
use custos_domain::risk::catalogue::{
    LibraryThreat, LibraryVulnerability, Threat, ThreatDraft, ThreatGroup, Vulnerability,
    VulnerabilityCategory, VulnerabilityDraft,
};
use custos_domain::risk::method::RiskMethod;
use custos_domain::risk::register::{
    AppetiteFilter, LevelKind, Risk, RiskDraft, RiskList, RiskSort, RiskStatus, ScoreRecord,
    Scores, TreatmentOption,
};
use custos_domain::risk::treatment::{ActionDraft, ActionStatus, RiskAction};
use custos_domain::versions::VersionStatus;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, Param, RowReader, RowsInsert, RowsStatement};
use crate::sql::{self, Statement};
use crate::{StoreResult, params};

impl FromRow for Threat {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Threat {
            id: row.get()?,
            reference: row.get()?,
            group: row.parsed(ThreatGroup::parse)?,
            name: row.get()?,
            description: row.get()?,
            confidentiality: row.get()?,
            integrity: row.get()?,
            availability: row.get()?,
            library_version: row.get()?,
            version: row.get()?,
        })
    }
}

impl FromRow for Vulnerability {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Vulnerability {
            id: row.get()?,
            reference: row.get()?,
            category: row.parsed(VulnerabilityCategory::parse)?,
            name: row.get()?,
            description: row.get()?,
            library_version: row.get()?,
            version: row.get()?,
        })
    }
}

const SELECT_THREAT: &str = "SELECT id, reference, threat_group, name, description, \
     confidentiality, integrity, availability, library_version, version FROM threats";
const SELECT_VULNERABILITY: &str = "SELECT id, reference, category, name, description, \
     library_version, version FROM vulnerabilities";

pub async fn find_threat(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Threat>> {
    let sql = format!("{SELECT_THREAT} WHERE org_id = $1 AND id = $2");
    conn.fetch_optional(&sql, params![org_id, id]).await
}

pub async fn find_vulnerability(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<Vulnerability>> {
    let sql = format!("{SELECT_VULNERABILITY} WHERE org_id = $1 AND id = $2");
    conn.fetch_optional(&sql, params![org_id, id]).await
}

/// Inserts the organisation's own threat; a unique violation when its reference is taken.
pub async fn insert_threat(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    draft: &ThreatDraft,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let mut params: Vec<Param<'_>> = vec![id.into(), org_id.into()];
    params.extend(draft.stored_values().into_iter().map(Param::from));
    params.push(now.into());
    conn.execute(
        "INSERT INTO threats (id, org_id, reference, threat_group, name, description,
                              confidentiality, integrity, availability, version, created_at,
                              updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)",
        &params,
    )
    .await?;
    Ok(())
}

/// Writes `draft` over threat `id` at `expected_version`; false when it moved on.
pub async fn update_threat(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    draft: &ThreatDraft,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let mut params: Vec<Param<'_>> = vec![org_id.into(), id.into(), expected_version.into()];
    params.extend(draft.stored_values().into_iter().map(Param::from));
    params.push(now.into());
    let changed = conn
        .execute(
            "UPDATE threats SET reference = $4, threat_group = $5, name = $6, description = $7,
                    confidentiality = $8, integrity = $9, availability = $10,
                    version = version + 1, updated_at = $11
             WHERE org_id = $1 AND id = $2 AND version = $3",
            &params,
        )
        .await?;
    Ok(changed == 1)
}

pub async fn insert_vulnerability(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    draft: &VulnerabilityDraft,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let mut params: Vec<Param<'_>> = vec![id.into(), org_id.into()];
    params.extend(draft.stored_values().into_iter().map(Param::from));
    params.push(now.into());
    conn.execute(
        "INSERT INTO vulnerabilities (id, org_id, reference, category, name, description, version,
                                      created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
        &params,
    )
    .await?;
    Ok(())
}

pub async fn update_vulnerability(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    draft: &VulnerabilityDraft,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let mut params: Vec<Param<'_>> = vec![org_id.into(), id.into(), expected_version.into()];
    params.extend(draft.stored_values().into_iter().map(Param::from));
    params.push(now.into());
    let changed = conn
        .execute(
            "UPDATE vulnerabilities SET reference = $4, category = $5, name = $6,
                    description = $7, version = version + 1, updated_at = $8
             WHERE org_id = $1 AND id = $2 AND version = $3",
            &params,
        )
        .await?;
    Ok(changed == 1)
}

/// Deletes catalogue entry `id` of `table` (`threats` or `vulnerabilities`) at
/// `expected_version`; false when it moved on.
pub async fn delete_entry(
    conn: &mut Conn,
    table: CatalogueTable,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
) -> StoreResult<bool> {
    let sql = format!(
        "DELETE FROM {} WHERE org_id = $1 AND id = $2 AND version = $3",
        table.name()
    );
    let changed = conn
        .execute(&sql, params![org_id, id, expected_version])
        .await?;
    Ok(changed == 1)
}

/// How many risks name catalogue entry `id` of `table`.
pub async fn risks_naming(
    conn: &mut Conn,
    table: CatalogueTable,
    org_id: Uuid,
    id: Uuid,
) -> StoreResult<i64> {
    let column = match table {
        CatalogueTable::Threats => "threat_id",
        CatalogueTable::Vulnerabilities => "vulnerability_id",
    };
    let sql = format!("SELECT COUNT(*) FROM risks WHERE org_id = $1 AND {column} = $2");
    let (count,): (i64,) = conn
        .fetch_optional(&sql, params![org_id, id])
        .await?
        .unwrap_or((0,));
    Ok(count)
}

/// The two catalogue tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueTable {
    Threats,
    Vulnerabilities,
}

impl CatalogueTable {
    fn name(self) -> &'static str {
        match self {
            Self::Threats => "threats",
            Self::Vulnerabilities => "vulnerabilities",
        }
    }
}

/// Whether organisation `org_id` has been given the shipped catalogues.
pub async fn catalogues_loaded(conn: &mut Conn, org_id: Uuid) -> StoreResult<bool> {
    let row: Option<(i64,)> = conn
        .fetch_optional(
            "SELECT threats_version FROM risk_catalogue_loads WHERE org_id = $1",
            params![org_id],
        )
        .await?;
    Ok(row.is_some())
}

/// Gives organisation `org_id` its own copy of the shipped catalogues and records their
/// versions; fails with a unique violation when it already has them.
pub async fn load_catalogues(
    conn: &mut Conn,
    org_id: Uuid,
    threats: (i64, &[LibraryThreat]),
    vulnerabilities: (i64, &[LibraryVulnerability]),
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO risk_catalogue_loads (org_id, threats_version, vulnerabilities_version, loaded_at)
         VALUES ($1, $2, $3, $4)",
        params![org_id, threats.0, vulnerabilities.0, now],
    )
    .await?;
    let threat_rows = threats
        .1
        .iter()
        .map(|t| {
            vec![
                Uuid::now_v7().into(),
                org_id.into(),
                Param::from(t.reference.as_str()).into_owned(),
                Param::from(t.group.as_str()),
                Param::from(t.name.as_str()).into_owned(),
                Param::from(t.description.as_str()).into_owned(),
                t.affects.confidentiality.into(),
                t.affects.integrity.into(),
                t.affects.availability.into(),
                threats.0.into(),
                1_i64.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    conn.insert_rows::<()>(&THREAT_INSERT, threat_rows).await?;
    let vulnerability_rows = vulnerabilities
        .1
        .iter()
        .map(|v| {
            vec![
                Uuid::now_v7().into(),
                org_id.into(),
                Param::from(v.reference.as_str()).into_owned(),
                Param::from(v.category.as_str()),
                Param::from(v.name.as_str()).into_owned(),
                Param::from(v.description.as_str()).into_owned(),
                vulnerabilities.0.into(),
                1_i64.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    conn.insert_rows::<()>(&VULNERABILITY_INSERT, vulnerability_rows)
        .await?;
    Ok(())
}

const THREAT_INSERT: RowsInsert = RowsInsert {
    table: "threats",
    columns: &[
        "id",
        "org_id",
        "reference",
        "threat_group",
        "name",
        "description",
        "confidentiality",
        "integrity",
        "availability",
        "library_version",
        "version",
        "created_at",
        "updated_at",
    ],
    tail: "",
};

const VULNERABILITY_INSERT: RowsInsert = RowsInsert {
    table: "vulnerabilities",
    columns: &[
        "id",
        "org_id",
        "reference",
        "category",
        "name",
        "description",
        "library_version",
        "version",
        "created_at",
        "updated_at",
    ],
    tail: "",
};

/// The organisation's threats, by reference.
pub async fn threats(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<Threat>> {
    let sql = format!("{SELECT_THREAT} WHERE org_id = $1 ORDER BY reference");
    conn.fetch_all(&sql, params![org_id]).await
}

/// The organisation's vulnerabilities, by reference.
pub async fn vulnerabilities(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<Vulnerability>> {
    let sql = format!("{SELECT_VULNERABILITY} WHERE org_id = $1 ORDER BY reference");
    conn.fetch_all(&sql, params![org_id]).await
}

pub async fn threat_exists(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<bool> {
    let row: Option<(Uuid,)> = conn
        .fetch_optional(
            "SELECT id FROM threats WHERE org_id = $1 AND id = $2",
            params![org_id, id],
        )
        .await?;
    Ok(row.is_some())
}

pub async fn vulnerability_exists(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<bool> {
    let row: Option<(Uuid,)> = conn
        .fetch_optional(
            "SELECT id FROM vulnerabilities WHERE org_id = $1 AND id = $2",
            params![org_id, id],
        )
        .await?;
    Ok(row.is_some())
}

/// The columns [`Risk`]'s mapping reads, in its order.
macro_rules! select {
    () => {
        "SELECT r.id, r.number, r.title, r.description, r.threat_id, t.name, r.vulnerability_id, \
         v.name, r.confidentiality, r.integrity, r.availability, r.owner_id, u.name, \
         r.method_version, r.inherent_likelihood, r.inherent_impact, r.inherent_level, \
         r.existing_controls, r.residual_likelihood, r.residual_impact, r.residual_level, \
         r.treatment, r.status, r.annual_rate_low, r.annual_rate_likely, r.annual_rate_high, \
         r.single_loss_low, r.single_loss_likely, r.single_loss_high, r.target_level, \
         r.next_review_on, r.version, r.created_at, r.updated_at \
         FROM risks r LEFT JOIN threats t ON t.id = r.threat_id \
         LEFT JOIN vulnerabilities v ON v.id = r.vulnerability_id \
         LEFT JOIN users u ON u.id = r.owner_id"
    };
}

impl FromRow for Risk {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Risk {
            id: row.get()?,
            number: row.get()?,
            title: row.get()?,
            description: row.get()?,
            threat_id: row.get()?,
            threat_name: row.get()?,
            vulnerability_id: row.get()?,
            vulnerability_name: row.get()?,
            confidentiality: row.get()?,
            integrity: row.get()?,
            availability: row.get()?,
            owner_id: row.get()?,
            owner_name: row.get()?,
            method_version: row.get()?,
            inherent_likelihood: row.get()?,
            inherent_impact: row.get()?,
            inherent_level: row.get()?,
            existing_controls: row.get()?,
            residual_likelihood: row.get()?,
            residual_impact: row.get()?,
            residual_level: row.get()?,
            treatment: row.parsed_opt(TreatmentOption::parse)?,
            status: row.parsed(RiskStatus::parse)?,
            annual_rate_low: row.get()?,
            annual_rate_likely: row.get()?,
            annual_rate_high: row.get()?,
            single_loss_low: row.get()?,
            single_loss_likely: row.get()?,
            single_loss_high: row.get()?,
            target_level: row.get()?,
            next_review_on: row.get()?,
            version: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
        })
    }
}

/// What a write stores besides the draft: the scores the method gave and the next review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub scores: Option<Scores>,
    pub next_review_on: Option<time::Date>,
}

fn level(score: Option<custos_domain::risk::method::Score>) -> Option<i64> {
    score.map(|s| i64::from(s.level))
}

/// `keys` followed by the written fields in the order `insert` and `update` name them: the
/// draft's fields (`stored_values`, declaration order), then the derived columns.
fn with_fields<'a>(
    mut params: Vec<Param<'a>>,
    draft: &'a RiskDraft,
    number: i64,
    assessment: Assessment,
    now: OffsetDateTime,
) -> Vec<Param<'a>> {
    params.extend(draft.stored_values().into_iter().map(Param::from));
    let scores = assessment.scores;
    params.extend([
        Param::from(sort_key(&draft.title)),
        format!(
            "{} {}",
            custos_domain::risk::register::reference(number),
            draft.title
        )
        .to_lowercase()
        .into(),
        scores.map(|s| s.method_version).into(),
        level(scores.and_then(|s| s.inherent)).into(),
        level(scores.and_then(|s| s.residual)).into(),
        level(scores.and_then(|s| s.current())).into(),
        assessment.next_review_on.into(),
        now.into(),
    ]);
    params
}

pub async fn insert(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    number: i64,
    draft: &RiskDraft,
    assessment: Assessment,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO risks (id, org_id, number, title, description, threat_id, vulnerability_id,
                            confidentiality, integrity, availability, owner_id, inherent_likelihood,
                            inherent_impact, existing_controls, residual_likelihood, residual_impact,
                            treatment, status, annual_rate_low, annual_rate_likely, annual_rate_high,
                            single_loss_low, single_loss_likely, single_loss_high, title_key,
                            search_text, method_version, inherent_level, residual_level,
                            current_level, next_review_on, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, 1, $32, $32)",
        &with_fields(
            vec![id.into(), org_id.into(), number.into()],
            draft,
            number,
            assessment,
            now,
        ),
    )
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Risk>> {
    conn.fetch_optional(
        concat!(select!(), " WHERE r.org_id = $1 AND r.id = $2"),
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
    draft: &RiskDraft,
    assessment: Assessment,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE risks SET title = $4, description = $5, threat_id = $6, vulnerability_id = $7,
                    confidentiality = $8, integrity = $9, availability = $10, owner_id = $11,
                    inherent_likelihood = $12, inherent_impact = $13, existing_controls = $14,
                    residual_likelihood = $15, residual_impact = $16, treatment = $17,
                    status = $18, annual_rate_low = $19, annual_rate_likely = $20,
                    annual_rate_high = $21, single_loss_low = $22, single_loss_likely = $23,
                    single_loss_high = $24, title_key = $25, search_text = $26,
                    method_version = $27, inherent_level = $28, residual_level = $29,
                    current_level = $30, next_review_on = $31, version = version + 1,
                    updated_at = $32
             WHERE org_id = $1 AND id = $2 AND version = $3",
            &with_fields(
                vec![org_id.into(), id.into(), expected_version.into()],
                draft,
                number,
                assessment,
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
            "DELETE FROM risks WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version],
        )
        .await?;
    Ok(changed == 1)
}

/// The assets risk `risk_id` affects, as (id, number, name), by number.
pub async fn assets_of(
    conn: &mut Conn,
    org_id: Uuid,
    risk_id: Uuid,
) -> StoreResult<Vec<(Uuid, i64, String)>> {
    conn.fetch_all(
        "SELECT a.id, a.number, a.name FROM risk_assets ra JOIN assets a ON a.id = ra.asset_id
         WHERE ra.org_id = $1 AND ra.risk_id = $2 ORDER BY a.number",
        params![org_id, risk_id],
    )
    .await
}

/// Makes `asset_ids` the assets risk `risk_id` affects.
pub async fn set_assets(
    conn: &mut Conn,
    org_id: Uuid,
    risk_id: Uuid,
    asset_ids: &[Uuid],
) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM risk_assets WHERE org_id = $1 AND risk_id = $2",
        params![org_id, risk_id],
    )
    .await?;
    for asset_id in asset_ids {
        conn.execute(
            "INSERT INTO risk_assets (org_id, risk_id, asset_id) VALUES ($1, $2, $3)",
            params![org_id, risk_id, *asset_id],
        )
        .await?;
    }
    Ok(())
}

/// Records the scores a risk was given and why, for trends.
pub async fn record_scores(
    conn: &mut Conn,
    org_id: Uuid,
    risk: &Risk,
    reason: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO risk_scores (org_id, risk_id, recorded_at, reason, method_version,
                                  inherent_likelihood, inherent_impact, inherent_level,
                                  residual_likelihood, residual_impact, residual_level, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        params![
            org_id,
            risk.id,
            now,
            reason,
            risk.method_version,
            risk.inherent_likelihood,
            risk.inherent_impact,
            risk.inherent_level,
            risk.residual_likelihood,
            risk.residual_impact,
            risk.residual_level,
            risk.status.as_str()
        ],
    )
    .await?;
    Ok(())
}

impl FromRow for ScoreRecord {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(ScoreRecord {
            recorded_at: row.get()?,
            reason: row.get()?,
            method_version: row.get()?,
            inherent_level: row.get()?,
            residual_level: row.get()?,
            status: row.get()?,
        })
    }
}

/// A risk's score history, newest first.
pub async fn score_history(
    conn: &mut Conn,
    org_id: Uuid,
    risk_id: Uuid,
) -> StoreResult<Vec<ScoreRecord>> {
    conn.fetch_all(
        "SELECT recorded_at, reason, method_version, inherent_level, residual_level, status
         FROM risk_scores WHERE org_id = $1 AND risk_id = $2 ORDER BY recorded_at DESC",
        params![org_id, risk_id],
    )
    .await
}

/// Every score record of the organisation since `since`, oldest first, as (risk, when,
/// current level, status): what the trend of levels is computed from.
pub async fn score_records_since(
    conn: &mut Conn,
    org_id: Uuid,
    since: OffsetDateTime,
) -> StoreResult<Vec<(Uuid, OffsetDateTime, Option<i64>, String, String)>> {
    conn.fetch_all(
        "SELECT risk_id, recorded_at, COALESCE(residual_level, inherent_level), status, reason
         FROM risk_scores WHERE org_id = $1 AND recorded_at >= $2 ORDER BY recorded_at",
        params![org_id, since],
    )
    .await
}

/// The last score record of every risk before `before`, as [`score_records_since`] gives them.
pub async fn score_records_before(
    conn: &mut Conn,
    org_id: Uuid,
    before: OffsetDateTime,
) -> StoreResult<Vec<(Uuid, OffsetDateTime, Option<i64>, String, String)>> {
    conn.fetch_all(
        "SELECT s.risk_id, s.recorded_at, COALESCE(s.residual_level, s.inherent_level), s.status,
                s.reason
         FROM risk_scores s
         WHERE s.org_id = $1 AND s.recorded_at < $2
           AND s.recorded_at = (SELECT MAX(l.recorded_at) FROM risk_scores l
                                WHERE l.org_id = s.org_id AND l.risk_id = s.risk_id
                                  AND l.recorded_at < $2)",
        params![org_id, before],
    )
    .await
}

/// How many risks scored with `method_version` sit in each cell of the matrix, for the
/// inherent (`residual` false) or residual estimates: (likelihood, impact, count).
pub async fn cell_counts(
    conn: &mut Conn,
    org_id: Uuid,
    method_version: i64,
    residual: bool,
) -> StoreResult<Vec<(i64, i64, i64)>> {
    let sql = if residual {
        "SELECT residual_likelihood, residual_impact, COUNT(*) FROM risks
         WHERE org_id = $1 AND method_version = $2 AND residual_likelihood IS NOT NULL
           AND status <> 'closed'
         GROUP BY residual_likelihood, residual_impact"
    } else {
        "SELECT inherent_likelihood, inherent_impact, COUNT(*) FROM risks
         WHERE org_id = $1 AND method_version = $2 AND inherent_likelihood IS NOT NULL
           AND status <> 'closed'
         GROUP BY inherent_likelihood, inherent_impact"
    };
    conn.fetch_all(sql, params![org_id, method_version]).await
}

/// How many risks are rated with a method version other than `method_version`.
pub async fn count_on_other_versions(
    conn: &mut Conn,
    org_id: Uuid,
    method_version: i64,
) -> StoreResult<i64> {
    let (count,): (i64,) = conn
        .fetch_optional(
            "SELECT COUNT(*) FROM risks
             WHERE org_id = $1 AND method_version IS NOT NULL AND method_version <> $2",
            params![org_id, method_version],
        )
        .await?
        .unwrap_or((0,));
    Ok(count)
}

/// Risks rated with a method version other than `method_version`: they wait to be moved to it.
pub async fn risks_on_other_versions(
    conn: &mut Conn,
    org_id: Uuid,
    method_version: i64,
) -> StoreResult<Vec<Risk>> {
    conn.fetch_all(
        concat!(
            select!(),
            " WHERE r.org_id = $1 AND r.method_version IS NOT NULL AND r.method_version <> $2 \
             ORDER BY r.number"
        ),
        params![org_id, method_version],
    )
    .await
}

/// The parts of the query of a page of risks: the WHERE clause, the keyset clause `after`
/// continues with (number order only) and the ORDER BY. `appetite` is the position of the
/// appetite's level in the method in force, `method_version` its number: risks are above or
/// within the appetite only as scored with it.
fn list_query(
    org_id: Uuid,
    request: &RiskList,
    appetite: Option<(i64, i64)>,
) -> (Statement, Option<&'static str>, String) {
    let RiskList {
        filter,
        sort,
        direction,
        ..
    } = request;
    let (sort, direction) = (*sort, *direction);
    let mut conditions = Statement::new(" WHERE r.org_id = ");
    conditions.bind(org_id);
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        conditions
            .push(" AND r.search_text LIKE ")
            .bind(sql::like_pattern(search.trim()))
            .push(" ESCAPE '\\'");
    }
    if let Some(status) = filter.status {
        conditions.push(" AND r.status = ").bind(status.as_str());
    }
    if let Some(owner_id) = filter.owner_id {
        conditions.push(" AND r.owner_id = ").bind(owner_id);
    }
    if let Some(asset_id) = filter.asset_id {
        conditions
            .push(" AND r.id IN (SELECT risk_id FROM risk_assets WHERE org_id = ")
            .bind(org_id)
            .push(" AND asset_id = ")
            .bind(asset_id)
            .push(")");
    }
    let (level, likelihood, impact) = match filter.level_kind {
        LevelKind::Current => (
            "r.current_level",
            "COALESCE(r.residual_likelihood, r.inherent_likelihood)",
            "COALESCE(r.residual_impact, r.inherent_impact)",
        ),
        LevelKind::Inherent => (
            "r.inherent_level",
            "r.inherent_likelihood",
            "r.inherent_impact",
        ),
        LevelKind::Residual => (
            "r.residual_level",
            "r.residual_likelihood",
            "r.residual_impact",
        ),
    };
    if let Some(value) = filter.level {
        conditions.push(&format!(" AND {level} = ")).bind(value);
    }
    if let Some(value) = filter.likelihood {
        conditions
            .push(&format!(" AND {likelihood} = "))
            .bind(value);
    }
    if let Some(value) = filter.impact {
        conditions.push(&format!(" AND {impact} = ")).bind(value);
    }
    if let Some(wanted) = filter.appetite {
        match appetite {
            Some((position, version)) => {
                let comparison = match wanted {
                    AppetiteFilter::Above => " > ",
                    AppetiteFilter::Within => " <= ",
                };
                conditions
                    .push(" AND r.method_version = ")
                    .bind(version)
                    .push(&format!(" AND {level}{comparison}"))
                    .bind(position);
            }
            // No method is approved: no risk is scored against an appetite.
            None => {
                conditions.push(" AND 1 = 0");
            }
        }
    }
    let column = match sort {
        RiskSort::Number => "r.number",
        RiskSort::Title => "r.title_key",
        RiskSort::Level => "r.current_level",
        RiskSort::Status => "r.status",
        RiskSort::NextReview => "r.next_review_on",
        RiskSort::UpdatedAt => "r.updated_at",
    };
    let keyset = match (sort, direction) {
        (RiskSort::Number, SortDirection::Asc) => Some(" AND r.number > "),
        (RiskSort::Number, SortDirection::Desc) => Some(" AND r.number < "),
        _ => None,
    };
    let direction = direction.as_str();
    // Unrated risks and unplanned reviews sort last in both directions on both backends.
    let nulls = match sort {
        RiskSort::Level => "r.current_level IS NULL, ",
        RiskSort::NextReview => "r.next_review_on IS NULL, ",
        _ => "",
    };
    let order_by = format!(" ORDER BY {nulls}{column} {direction}, r.number {direction}");
    (conditions, keyset, order_by)
}

pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    request: &RiskList,
    appetite: Option<(i64, i64)>,
    known_total: Option<(u64, bool)>,
) -> StoreResult<Listed<Risk>> {
    let (conditions, keyset, order_by) = list_query(org_id, request, appetite);
    sql::fetch_page(
        conn,
        " FROM risks r",
        select!(),
        &conditions,
        keyset,
        &order_by,
        request.page,
        known_total,
    )
    .await
}

/// The page of risks `request` asks for, without counting them: for exports.
pub async fn rows(
    conn: &mut Conn,
    org_id: Uuid,
    request: &RiskList,
    appetite: Option<(i64, i64)>,
) -> StoreResult<Vec<Risk>> {
    let (conditions, keyset, order_by) = list_query(org_id, request, appetite);
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

/// Moves risk `id` to `status` if it is still at `expected_version`.
pub async fn set_status(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    status: RiskStatus,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE risks SET status = $4, version = version + 1, updated_at = $5
             WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version, status.as_str(), now],
        )
        .await?;
    Ok(changed == 1)
}

/// Sets the target level of risk `id`'s treatment plan if it is still at `expected_version`.
pub async fn set_target_level(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    target_level: Option<i64>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE risks SET target_level = $4, version = version + 1, updated_at = $5
             WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version, target_level, now],
        )
        .await?;
    Ok(changed == 1)
}

macro_rules! select_action {
    () => {
        "SELECT a.id, a.risk_id, a.title, a.owner_id, u.name, a.due_on, a.status, a.cost, \
         a.completed_on, a.version, a.created_at, a.updated_at \
         FROM risk_actions a LEFT JOIN users u ON u.id = a.owner_id"
    };
}

impl FromRow for RiskAction {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(RiskAction {
            id: row.get()?,
            risk_id: row.get()?,
            title: row.get()?,
            owner_id: row.get()?,
            owner_name: row.get()?,
            due_on: row.get()?,
            status: row.parsed(ActionStatus::parse)?,
            cost: row.get()?,
            completed_on: row.get()?,
            version: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
        })
    }
}

/// The actions of risk `risk_id`'s treatment plan, by due date (undated last).
pub async fn actions(conn: &mut Conn, org_id: Uuid, risk_id: Uuid) -> StoreResult<Vec<RiskAction>> {
    conn.fetch_all(
        concat!(
            select_action!(),
            " WHERE a.org_id = $1 AND a.risk_id = $2 \
             ORDER BY a.due_on IS NULL, a.due_on, a.created_at"
        ),
        params![org_id, risk_id],
    )
    .await
}

/// Every treatment action of the organisation, for the figures on timeliness.
pub async fn all_actions(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<RiskAction>> {
    conn.fetch_all(
        concat!(select_action!(), " WHERE a.org_id = $1 ORDER BY a.risk_id"),
        params![org_id],
    )
    .await
}

/// Open actions whose due date is before `today`, oldest first.
pub async fn overdue_actions(
    conn: &mut Conn,
    org_id: Uuid,
    today: time::Date,
) -> StoreResult<Vec<RiskAction>> {
    conn.fetch_all(
        concat!(
            select_action!(),
            " WHERE a.org_id = $1 AND a.status IN ('planned', 'in_progress') AND a.due_on < $2 \
             ORDER BY a.due_on"
        ),
        params![org_id, today],
    )
    .await
}

pub async fn find_action(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<RiskAction>> {
    conn.fetch_optional(
        concat!(select_action!(), " WHERE a.org_id = $1 AND a.id = $2"),
        params![org_id, id],
    )
    .await
}

pub async fn insert_action(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    risk_id: Uuid,
    draft: &ActionDraft,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let mut params: Vec<Param<'_>> = vec![id.into(), org_id.into(), risk_id.into()];
    params.extend(draft.stored_values().into_iter().map(Param::from));
    params.push(now.into());
    conn.execute(
        "INSERT INTO risk_actions (id, org_id, risk_id, title, owner_id, due_on, status, cost,
                                   completed_on, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)",
        &params,
    )
    .await?;
    Ok(())
}

/// Writes `draft` over action `id` at `expected_version`; false when it moved on.
pub async fn update_action(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    draft: &ActionDraft,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let mut params: Vec<Param<'_>> = vec![org_id.into(), id.into(), expected_version.into()];
    params.extend(draft.stored_values().into_iter().map(Param::from));
    params.push(now.into());
    let changed = conn
        .execute(
            "UPDATE risk_actions SET title = $4, owner_id = $5, due_on = $6, status = $7,
                    cost = $8, completed_on = $9, version = version + 1, updated_at = $10
             WHERE org_id = $1 AND id = $2 AND version = $3",
            &params,
        )
        .await?;
    Ok(changed == 1)
}

pub async fn delete_action(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "DELETE FROM risk_actions WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version],
        )
        .await?;
    Ok(changed == 1)
}

macro_rules! select_acceptance {
    () => {
        "SELECT c.id, c.risk_id, r.number, r.title, c.risk_version, c.method_version, c.level, \
         c.decider_role, c.justification, c.expires_on, c.status, c.version, c.created_at, \
         c.updated_at, c.decided_at, CAST(m.body AS TEXT) \
         FROM risk_acceptances c JOIN risks r ON r.id = c.risk_id \
         LEFT JOIN risk_method_versions m ON m.org_id = c.org_id AND m.version = c.method_version"
    };
}

impl FromRow for RiskAcceptance {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        let id = row.get()?;
        let risk_id = row.get()?;
        let number: i64 = row.get()?;
        let risk_title = row.get()?;
        let risk_version = row.get()?;
        let method_version = row.get()?;
        let level: i64 = row.get()?;
        let decider_role = row.parsed(Role::parse)?;
        let justification = row.get()?;
        let expires_on = row.get()?;
        let status = row.parsed(VersionStatus::parse)?;
        let version = row.get()?;
        let created_at = row.get()?;
        let updated_at = row.get()?;
        let decided_at = row.get()?;
        let method: Option<String> = row.get()?;
        // The level's name as the method version it was scored with calls it.
        let level_name = method
            .and_then(|body| serde_json::from_str::<RiskMethod>(&body).ok())
            .and_then(|m| {
                u8::try_from(level)
                    .ok()
                    .and_then(|l| m.level(l).map(|l| l.name.clone()))
            })
            .unwrap_or_else(|| format!("level {}", level + 1));
        Ok(RiskAcceptance {
            id,
            risk_id,
            risk_reference: custos_domain::risk::register::reference(number),
            risk_title,
            risk_version,
            method_version,
            level,
            level_name,
            decider_role,
            justification,
            expires_on,
            status,
            version,
            created_at,
            updated_at,
            decided_at,
        })
    }
}

pub async fn find_acceptance(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<RiskAcceptance>> {
    conn.fetch_optional(
        concat!(select_acceptance!(), " WHERE c.org_id = $1 AND c.id = $2"),
        params![org_id, id],
    )
    .await
}

/// The acceptances asked for risk `risk_id`, newest first.
pub async fn acceptances(
    conn: &mut Conn,
    org_id: Uuid,
    risk_id: Uuid,
) -> StoreResult<Vec<RiskAcceptance>> {
    conn.fetch_all(
        concat!(
            select_acceptance!(),
            " WHERE c.org_id = $1 AND c.risk_id = $2 ORDER BY c.created_at DESC"
        ),
        params![org_id, risk_id],
    )
    .await
}

/// A new acceptance request, as a draft about to be submitted.
pub struct NewAcceptance<'a> {
    pub id: Uuid,
    pub risk: &'a Risk,
    pub level: i64,
    pub decider_role: Role,
    pub justification: &'a str,
    pub expires_on: time::Date,
}

pub async fn insert_acceptance(
    conn: &mut Conn,
    org_id: Uuid,
    new: &NewAcceptance<'_>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO risk_acceptances (id, org_id, risk_id, risk_version, method_version, level,
                                       decider_role, justification, expires_on, status, version,
                                       created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', 1, $10, $10)",
        params![
            new.id,
            org_id,
            new.risk.id,
            new.risk.version,
            new.risk.method_version,
            new.level,
            new.decider_role.as_str(),
            new.justification,
            new.expires_on,
            now
        ],
    )
    .await?;
    Ok(())
}

/// Moves acceptance `id` from `from` to `to` at `expected_version`; stamps the decision when
/// `to` is approved or rejected. False when it was not there.
pub async fn set_acceptance_status(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
    from: VersionStatus,
    to: VersionStatus,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let decided = matches!(to, VersionStatus::Approved | VersionStatus::Rejected);
    let changed = conn
        .execute(
            "UPDATE risk_acceptances SET status = $5, version = version + 1, updated_at = $6,
                    decided_at = CASE WHEN $7 THEN $6 ELSE decided_at END
             WHERE org_id = $1 AND id = $2 AND version = $3 AND status = $4",
            params![
                org_id,
                id,
                expected_version,
                from.as_str(),
                to.as_str(),
                now,
                decided
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// The open risks with a quantitative estimate, by number.
pub async fn risks_with_estimates(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<Risk>> {
    conn.fetch_all(
        concat!(
            select!(),
            " WHERE r.org_id = $1 AND r.status <> 'closed' AND r.annual_rate_low IS NOT NULL \
             ORDER BY r.number"
        ),
        params![org_id],
    )
    .await
}

/// Every risk–asset link of the organisation as (risk, asset number), for exports.
pub async fn asset_numbers_by_risk(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<(Uuid, i64)>> {
    conn.fetch_all(
        "SELECT ra.risk_id, a.number FROM risk_assets ra JOIN assets a ON a.id = ra.asset_id
         WHERE ra.org_id = $1 ORDER BY ra.risk_id, a.number",
        params![org_id],
    )
    .await
}

/// Every treatment action of the organisation with its risk, by risk number then due date.
pub async fn treatment_plan(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<(Risk, RiskAction)>> {
    let risks: Vec<Risk> = conn
        .fetch_all(
            concat!(
                select!(),
                " WHERE r.org_id = $1 AND r.id IN (SELECT risk_id FROM risk_actions WHERE org_id = $1) \
                 ORDER BY r.number"
            ),
            params![org_id],
        )
        .await?;
    let mut actions: std::collections::HashMap<Uuid, Vec<RiskAction>> =
        std::collections::HashMap::new();
    for action in all_actions(conn, org_id).await? {
        actions.entry(action.risk_id).or_default().push(action);
    }
    Ok(risks
        .into_iter()
        .flat_map(|risk| {
            let mut own = actions.remove(&risk.id).unwrap_or_default();
            own.sort_by_key(|a| (a.due_on.is_none(), a.due_on));
            own.into_iter().map(move |a| (risk.clone(), a))
        })
        .collect())
}

/// A risk's new scores under another method version, written over `expected_version`.
pub struct Rescored {
    pub id: Uuid,
    pub expected_version: i64,
    pub method_version: i64,
    pub inherent_level: Option<i64>,
    pub residual_level: Option<i64>,
    pub current_level: Option<i64>,
}

/// Writes every rescoring over its version (many to a statement on PostgreSQL); returns the
/// ids written: one missing was changed by someone else meanwhile.
pub async fn rescore_all(
    conn: &mut Conn,
    org_id: Uuid,
    rescored: &[Rescored],
    now: OffsetDateTime,
) -> StoreResult<Vec<Uuid>> {
    let rows = rescored
        .iter()
        .map(|r| {
            vec![
                Param::from(org_id),
                r.id.into(),
                r.expected_version.into(),
                r.method_version.into(),
                r.inherent_level.into(),
                r.residual_level.into(),
                r.current_level.into(),
                now.into(),
            ]
        })
        .collect();
    let statement = RowsStatement {
        one_row: "UPDATE risks SET method_version = $4, inherent_level = $5, residual_level = $6,
                    current_level = $7, version = version + 1, updated_at = $8
             WHERE org_id = $1 AND id = $2 AND version = $3
             RETURNING id"
            .into(),
        unnest: "UPDATE risks r SET method_version = u.method_version,
                    inherent_level = u.inherent_level, residual_level = u.residual_level,
                    current_level = u.current_level, version = r.version + 1,
                    updated_at = u.updated_at
             FROM UNNEST({arrays}) AS u (org_id, id, version, method_version, inherent_level,
                    residual_level, current_level, updated_at)
             WHERE r.org_id = u.org_id AND r.id = u.id AND r.version = u.version
             RETURNING r.id"
            .into(),
    };
    let written: Vec<(Uuid,)> = conn.run_rows(&statement, rows).await?;
    Ok(written.into_iter().map(|(id,)| id).collect())
}

const SCORE_INSERT: RowsInsert = RowsInsert {
    table: "risk_scores",
    columns: &[
        "org_id",
        "risk_id",
        "recorded_at",
        "reason",
        "method_version",
        "inherent_likelihood",
        "inherent_impact",
        "inherent_level",
        "residual_likelihood",
        "residual_impact",
        "residual_level",
        "status",
    ],
    tail: "",
};

/// Records the scores of many risks at once, for the same reason (many to a statement on
/// PostgreSQL).
pub async fn record_scores_all(
    conn: &mut Conn,
    org_id: Uuid,
    risks: &[Risk],
    reason: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let rows = risks
        .iter()
        .map(|risk| {
            vec![
                Param::from(org_id),
                risk.id.into(),
                now.into(),
                Param::from(reason).into_owned(),
                risk.method_version.into(),
                risk.inherent_likelihood.into(),
                risk.inherent_impact.into(),
                risk.inherent_level.into(),
                risk.residual_likelihood.into(),
                risk.residual_impact.into(),
                risk.residual_level.into(),
                Param::from(risk.status.as_str()),
            ]
        })
        .collect();
    conn.insert_rows::<()>(&SCORE_INSERT, rows).await?;
    Ok(())
}

/// Every risk–asset link of the organisation with the asset's number and name, for audit
/// snapshots written in bulk.
pub async fn linked_assets_by_risk(
    conn: &mut Conn,
    org_id: Uuid,
) -> StoreResult<Vec<(Uuid, Uuid, i64, String)>> {
    conn.fetch_all(
        "SELECT ra.risk_id, a.id, a.number, a.name FROM risk_assets ra
         JOIN assets a ON a.id = ra.asset_id
         WHERE ra.org_id = $1 ORDER BY ra.risk_id, a.number",
        params![org_id],
    )
    .await
}

/// Which of `numbers` are risks of the organisation.
pub async fn existing_numbers(
    conn: &mut Conn,
    org_id: Uuid,
    numbers: &[i64],
) -> StoreResult<Vec<i64>> {
    let mut existing = Vec::with_capacity(numbers.len());
    for number in numbers {
        let found: Option<(i64,)> = conn
            .fetch_optional(
                "SELECT number FROM risks WHERE org_id = $1 AND number = $2",
                params![org_id, *number],
            )
            .await?;
        existing.extend(found.map(|(n,)| n));
    }
    Ok(existing)
}
