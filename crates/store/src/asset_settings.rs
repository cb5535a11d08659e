//! Each organisation's impact scale and the versions of its classification scheme, always
//! read and written within one organisation. Levels are stored as a JSON array (`jsonb` on
//! PostgreSQL): Custos validates them in the domain before writing and after reading.

use custos_domain::assets::classification::{
    ClassificationLevel, SchemeVersion, SchemeVersionStatus,
};
use custos_domain::assets::impact::{ImpactLevel, ImpactScale, SavedImpactScale};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, RowReader};
use crate::versions::json_placeholder;
use crate::{StoreError, StoreResult, params};

fn to_json<T: serde::Serialize>(levels: &[T]) -> StoreResult<String> {
    serde_json::to_string(levels).map_err(|e| StoreError::Corrupt(format!("levels: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(raw: &str) -> StoreResult<Vec<T>> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("levels: {e}")))
}

/// The organisation's own scale; `None` while it uses the built-in one.
pub async fn impact_scale(conn: &mut Conn, org_id: Uuid) -> StoreResult<Option<SavedImpactScale>> {
    let row: Option<(String, i64, OffsetDateTime)> = conn
        .fetch_optional(
            "SELECT CAST(levels AS TEXT), version, updated_at FROM impact_scales WHERE org_id = $1",
            params![org_id],
        )
        .await?;
    row.map(|(levels, version, updated_at)| {
        Ok(SavedImpactScale {
            scale: ImpactScale {
                levels: from_json::<ImpactLevel>(&levels)?,
            },
            version,
            updated_at: Some(updated_at),
        })
    })
    .transpose()
}

/// Saves the organisation's first own scale, as version 1; false when someone saved one
/// first.
pub async fn insert_impact_scale(
    conn: &mut Conn,
    org_id: Uuid,
    scale: &ImpactScale,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = format!(
        "INSERT INTO impact_scales (org_id, levels, version, updated_at) VALUES ($1, {}, 1, $3)
         ON CONFLICT (org_id) DO NOTHING",
        json_placeholder(conn.backend(), 2)
    );
    let written = conn
        .execute(&sql, params![org_id, to_json(&scale.levels)?, now])
        .await?;
    Ok(written == 1)
}

/// Replaces version `expected_version` of the scale; false when someone saved first.
pub async fn update_impact_scale(
    conn: &mut Conn,
    org_id: Uuid,
    expected_version: i64,
    scale: &ImpactScale,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = format!(
        "UPDATE impact_scales SET levels = {}, version = version + 1, updated_at = $4
         WHERE org_id = $1 AND version = $2",
        json_placeholder(conn.backend(), 3)
    );
    let written = conn
        .execute(
            &sql,
            params![org_id, expected_version, to_json(&scale.levels)?, now],
        )
        .await?;
    Ok(written == 1)
}

/// The highest C, I or A impact level any asset of the organisation holds.
pub async fn highest_impact_in_use(conn: &mut Conn, org_id: Uuid) -> StoreResult<Option<i64>> {
    let (c, i, a): (Option<i64>, Option<i64>, Option<i64>) = conn
        .fetch_one(
            "SELECT MAX(confidentiality), MAX(integrity), MAX(availability) FROM assets
             WHERE org_id = $1",
            params![org_id],
        )
        .await?;
    Ok([c, i, a].into_iter().flatten().max())
}

/// The classification ranks the organisation's assets hold, lowest first.
pub async fn classification_ranks_in_use(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<i64>> {
    let ranks: Vec<(i64,)> = conn
        .fetch_all(
            "SELECT DISTINCT classification FROM assets
             WHERE org_id = $1 AND classification IS NOT NULL ORDER BY classification",
            params![org_id],
        )
        .await?;
    Ok(ranks.into_iter().map(|(rank,)| rank).collect())
}

/// The columns [`SchemeVersion`]'s mapping reads, in its order.
const SELECT_VERSION: &str = "SELECT org_id, version, status, CAST(levels AS TEXT), revision, \
     created_at, updated_at, submitted_at, decided_at FROM classification_scheme_versions";

impl FromRow for SchemeVersion {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(SchemeVersion {
            scheme_id: row.get()?,
            version: row.get()?,
            status: row.parsed(SchemeVersionStatus::parse)?,
            levels: from_json::<ClassificationLevel>(&row.get::<String>()?)?,
            revision: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
            submitted_at: row.get()?,
            decided_at: row.get()?,
        })
    }
}

/// The newest version of the organisation's scheme, whatever its status.
pub async fn newest_version(conn: &mut Conn, org_id: Uuid) -> StoreResult<Option<SchemeVersion>> {
    let sql = format!("{SELECT_VERSION} WHERE org_id = $1 ORDER BY version DESC LIMIT 1");
    conn.fetch_optional(&sql, params![org_id]).await
}

/// The scheme in force: the approved version with the highest number.
pub async fn approved_version(conn: &mut Conn, org_id: Uuid) -> StoreResult<Option<SchemeVersion>> {
    let sql = format!(
        "{SELECT_VERSION} WHERE org_id = $1 AND status = 'approved' ORDER BY version DESC LIMIT 1"
    );
    conn.fetch_optional(&sql, params![org_id]).await
}

pub async fn find_version(
    conn: &mut Conn,
    org_id: Uuid,
    version: i64,
) -> StoreResult<Option<SchemeVersion>> {
    let sql = format!("{SELECT_VERSION} WHERE org_id = $1 AND version = $2");
    conn.fetch_optional(&sql, params![org_id, version]).await
}

/// Every version, newest first (an organisation writes a handful a year).
pub async fn versions(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<SchemeVersion>> {
    let sql = format!("{SELECT_VERSION} WHERE org_id = $1 ORDER BY version DESC");
    conn.fetch_all(&sql, params![org_id]).await
}

/// Starts draft `version` holding `levels`. Fails with a unique violation when that number
/// is taken or another version is open.
pub async fn insert_draft(
    conn: &mut Conn,
    org_id: Uuid,
    version: i64,
    levels: &[ClassificationLevel],
    now: OffsetDateTime,
) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO classification_scheme_versions
             (org_id, version, status, levels, revision, created_at, updated_at)
         VALUES ($1, $2, 'draft', {}, 1, $4, $4)",
        json_placeholder(conn.backend(), 3)
    );
    conn.execute(&sql, params![org_id, version, to_json(levels)?, now])
        .await?;
    Ok(())
}

/// Replaces the levels of draft `version` at `expected_revision`; false when the draft was
/// saved or submitted meanwhile.
pub async fn update_draft(
    conn: &mut Conn,
    org_id: Uuid,
    version: i64,
    expected_revision: i64,
    levels: &[ClassificationLevel],
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = format!(
        "UPDATE classification_scheme_versions
         SET levels = {}, revision = revision + 1, updated_at = $5
         WHERE org_id = $1 AND version = $2 AND revision = $3 AND status = 'draft'",
        json_placeholder(conn.backend(), 4)
    );
    let written = conn
        .execute(
            &sql,
            params![org_id, version, expected_revision, to_json(levels)?, now],
        )
        .await?;
    Ok(written == 1)
}

/// Sends draft `version` for approval as it stood at `revision`; false when it is no longer
/// that draft (saved or submitted since).
pub async fn submit_draft(
    conn: &mut Conn,
    org_id: Uuid,
    version: i64,
    revision: i64,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let written = conn
        .execute(
            "UPDATE classification_scheme_versions
             SET status = $4, submitted_at = $5, updated_at = $5
             WHERE org_id = $1 AND version = $2 AND revision = $3 AND status = $6",
            params![
                org_id,
                version,
                revision,
                SchemeVersionStatus::PendingApproval.as_str(),
                now,
                SchemeVersionStatus::Draft.as_str()
            ],
        )
        .await?;
    Ok(written == 1)
}

/// Moves version `version` from status `from` to `to`, stamping when it was submitted (to
/// pending approval) or decided (to approved or rejected); false when it was not at `from`.
pub async fn set_status(
    conn: &mut Conn,
    org_id: Uuid,
    version: i64,
    from: SchemeVersionStatus,
    to: SchemeVersionStatus,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let stamp = match to {
        SchemeVersionStatus::PendingApproval => "submitted_at",
        _ => "decided_at",
    };
    let sql = format!(
        "UPDATE classification_scheme_versions SET status = $4, {stamp} = $5, updated_at = $5
         WHERE org_id = $1 AND version = $2 AND status = $3"
    );
    let written = conn
        .execute(
            &sql,
            params![org_id, version, from.as_str(), to.as_str(), now],
        )
        .await?;
    Ok(written == 1)
}
