//! The versions of records that change by approved versions (the risk method; see
//! `domain::versions`). Every such record has a table of the same shape, named by a
//! [`VersionTable`]; its body is a JSON object (`jsonb` on PostgreSQL) that Custos checks in
//! the domain before writing it.

use custos_domain::versions::{Version, VersionStatus};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, RowReader};
use crate::{Backend, StoreError, StoreResult, params};

/// A table of versions: `(org_id, version, status, body, revision, created_at, updated_at,
/// submitted_at, decided_at)` with the primary key `(org_id, version)` and a unique index
/// allowing one open version per organisation.
#[derive(Debug, Clone, Copy)]
pub struct VersionTable(&'static str);

pub const RISK_METHOD: VersionTable = VersionTable("risk_method_versions");
pub const SOA: VersionTable = VersionTable("soa_versions");

impl<T: DeserializeOwned> FromRow for Version<T> {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Version {
            record_id: row.get()?,
            version: row.get()?,
            status: row.parsed(VersionStatus::parse)?,
            body: serde_json::from_str(&row.get::<String>()?)
                .map_err(|e| StoreError::Corrupt(format!("version body: {e}")))?,
            revision: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
            submitted_at: row.get()?,
            decided_at: row.get()?,
        })
    }
}

impl VersionTable {
    fn select(self, rest: &str) -> String {
        format!(
            "SELECT org_id, version, status, CAST(body AS TEXT), revision, created_at, \
             updated_at, submitted_at, decided_at FROM {} WHERE org_id = $1 {rest}",
            self.0
        )
    }

    /// The newest version, whatever its status.
    pub async fn newest<T: DeserializeOwned>(
        self,
        conn: &mut Conn,
        org_id: Uuid,
    ) -> StoreResult<Option<Version<T>>> {
        let sql = self.select("ORDER BY version DESC LIMIT 1");
        conn.fetch_optional(&sql, params![org_id]).await
    }

    /// The version in force: the approved one with the highest number.
    pub async fn approved<T: DeserializeOwned>(
        self,
        conn: &mut Conn,
        org_id: Uuid,
    ) -> StoreResult<Option<Version<T>>> {
        let sql = self.select("AND status = 'approved' ORDER BY version DESC LIMIT 1");
        conn.fetch_optional(&sql, params![org_id]).await
    }

    pub async fn find<T: DeserializeOwned>(
        self,
        conn: &mut Conn,
        org_id: Uuid,
        version: i64,
    ) -> StoreResult<Option<Version<T>>> {
        let sql = self.select("AND version = $2");
        conn.fetch_optional(&sql, params![org_id, version]).await
    }

    /// Every version, newest first (an organisation writes a handful a year).
    pub async fn all<T: DeserializeOwned>(
        self,
        conn: &mut Conn,
        org_id: Uuid,
    ) -> StoreResult<Vec<Version<T>>> {
        let sql = self.select("ORDER BY version DESC");
        conn.fetch_all(&sql, params![org_id]).await
    }

    /// Starts draft `version` holding `body`. Fails with a unique violation when that number
    /// is taken or another version is open.
    pub async fn insert_draft<T: Serialize>(
        self,
        conn: &mut Conn,
        org_id: Uuid,
        version: i64,
        body: &T,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO {} (org_id, version, status, body, revision, created_at, updated_at)
             VALUES ($1, $2, 'draft', {}, 1, $4, $4)",
            self.0,
            json_placeholder(conn.backend(), 3)
        );
        conn.execute(&sql, params![org_id, version, to_json(body)?, now])
            .await?;
        Ok(())
    }

    /// Replaces the body of draft `version` at `expected_revision`; false when the draft was
    /// saved or submitted meanwhile.
    pub async fn update_draft<T: Serialize>(
        self,
        conn: &mut Conn,
        org_id: Uuid,
        version: i64,
        expected_revision: i64,
        body: &T,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let sql = format!(
            "UPDATE {} SET body = {}, revision = revision + 1, updated_at = $5
             WHERE org_id = $1 AND version = $2 AND revision = $3 AND status = 'draft'",
            self.0,
            json_placeholder(conn.backend(), 4)
        );
        let written = conn
            .execute(
                &sql,
                params![org_id, version, expected_revision, to_json(body)?, now],
            )
            .await?;
        Ok(written == 1)
    }

    /// Sends draft `version` for approval as it stood at `revision`; false when it is no
    /// longer that draft (saved or submitted since).
    pub async fn submit_draft(
        self,
        conn: &mut Conn,
        org_id: Uuid,
        version: i64,
        revision: i64,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let sql = format!(
            "UPDATE {} SET status = 'pending_approval', submitted_at = $4, updated_at = $4
             WHERE org_id = $1 AND version = $2 AND revision = $3 AND status = 'draft'",
            self.0
        );
        let written = conn
            .execute(&sql, params![org_id, version, revision, now])
            .await?;
        Ok(written == 1)
    }

    /// Decides version `version`, waiting for a decision: `to` is approved or rejected; false
    /// when it was not waiting.
    pub async fn decide(
        self,
        conn: &mut Conn,
        org_id: Uuid,
        version: i64,
        to: VersionStatus,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let sql = format!(
            "UPDATE {} SET status = $3, decided_at = $4, updated_at = $4
             WHERE org_id = $1 AND version = $2 AND status = 'pending_approval'",
            self.0
        );
        let written = conn
            .execute(&sql, params![org_id, version, to.as_str(), now])
            .await?;
        Ok(written == 1)
    }
}

/// The placeholder `$n` as a JSON value: PostgreSQL casts the text to `jsonb`; SQLite stores
/// the text (its CHECK proves it is JSON).
pub(crate) fn json_placeholder(backend: Backend, n: u8) -> String {
    match backend {
        Backend::Sqlite => format!("${n}"),
        Backend::Postgres => format!("CAST(${n} AS jsonb)"),
    }
}

fn to_json<T: Serialize>(body: &T) -> StoreResult<String> {
    serde_json::to_string(body).map_err(|e| StoreError::Corrupt(format!("version body: {e}")))
}
