//! Forward-only migrations embedded in the binary. Each runs in its own transaction and is
//! recorded with a checksum, so an edited migration is refused rather than silently skipped.
//! On PostgreSQL an advisory lock serialises instances that start at the same moment.

use sha2::{Digest, Sha256};
use sqlx::Postgres;
use sqlx::pool::PoolConnection;

use crate::db::Conn;
use crate::{Backend, Store, StoreError, StoreResult, params, timestamp};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    /// Portable SQL, used unless a backend has its own text.
    pub sql: &'static str,
    pub sqlite: Option<&'static str>,
    pub postgres: Option<&'static str>,
    /// Data the SQL alone cannot compute, filled in by Custos in the same transaction.
    pub backfill: Option<Backfill>,
}

/// A data step of a migration that needs Rust: it runs after the migration's SQL.
#[derive(Debug, Clone, Copy)]
pub enum Backfill {
    /// `objectives.title_key` from each title (see `custos_domain::list::sort_key`).
    ObjectiveTitleKeys,
    /// The instance events rooting the audit chains of organisations created before
    /// creating one appended such an event.
    RootOrganisationChains,
}

impl Backfill {
    async fn run(self, conn: &mut Conn) -> StoreResult<()> {
        match self {
            Backfill::ObjectiveTitleKeys => {
                let titles: Vec<(uuid::Uuid, String)> = conn
                    .fetch_all("SELECT id, title FROM objectives", &[])
                    .await?;
                for (id, title) in titles {
                    conn.execute(
                        "UPDATE objectives SET title_key = $2 WHERE id = $1",
                        params![id, custos_domain::list::sort_key(&title)],
                    )
                    .await?;
                }
                Ok(())
            }
            Backfill::RootOrganisationChains => {
                crate::audit::root_existing_chains(conn, timestamp::now()).await
            }
        }
    }
}

impl Migration {
    fn sql_for(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite.unwrap_or(self.sql),
            Backend::Postgres => self.postgres.unwrap_or(self.sql),
        }
    }

    fn checksum(&self, backend: Backend) -> String {
        hex::encode(Sha256::digest(self.sql_for(backend).as_bytes()))
    }
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "platform",
        sql: include_str!("../migrations/0001_platform.sql"),
        sqlite: None,
        postgres: None,
        backfill: None,
    },
    Migration {
        version: 2,
        name: "must_change_password",
        sql: include_str!("../migrations/0002_must_change_password.sql"),
        sqlite: None,
        postgres: None,
        backfill: None,
    },
    Migration {
        version: 3,
        name: "native_types_and_title_keys",
        sql: "",
        sqlite: Some(include_str!("../migrations/0003_title_key.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0003_native_types.postgres.sql")),
        backfill: Some(Backfill::ObjectiveTitleKeys),
    },
    Migration {
        version: 4,
        name: "role_grants",
        sql: "",
        sqlite: Some(include_str!("../migrations/0004_role_grants.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0004_role_grants.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 5,
        name: "audit_anchoring",
        sql: include_str!("../migrations/0005_audit_anchoring.sql"),
        sqlite: None,
        postgres: None,
        backfill: Some(Backfill::RootOrganisationChains),
    },
    Migration {
        version: 6,
        name: "invitations",
        sql: "",
        sqlite: Some(include_str!("../migrations/0006_invitations.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0006_invitations.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 7,
        name: "session_activity",
        sql: "",
        sqlite: Some(include_str!(
            "../migrations/0007_session_activity.sqlite.sql"
        )),
        postgres: Some(include_str!(
            "../migrations/0007_session_activity.postgres.sql"
        )),
        backfill: None,
    },
    Migration {
        version: 8,
        name: "assets",
        sql: "",
        sqlite: Some(include_str!("../migrations/0008_assets.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0008_assets.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 9,
        name: "asset_links",
        sql: "",
        sqlite: Some(include_str!("../migrations/0009_asset_links.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0009_asset_links.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 10,
        name: "asset_review_period",
        sql: include_str!("../migrations/0010_asset_review_period.sql"),
        sqlite: None,
        postgres: None,
        backfill: None,
    },
    Migration {
        version: 11,
        name: "asset_indexes",
        sql: include_str!("../migrations/0011_asset_indexes.sql"),
        sqlite: None,
        postgres: None,
        backfill: None,
    },
    Migration {
        version: 12,
        name: "asset_settings",
        sql: "",
        sqlite: Some(include_str!("../migrations/0012_asset_settings.sqlite.sql")),
        postgres: Some(include_str!(
            "../migrations/0012_asset_settings.postgres.sql"
        )),
        backfill: None,
    },
    Migration {
        version: 13,
        name: "asset_links_organisation",
        sql: "",
        sqlite: Some(include_str!(
            "../migrations/0013_asset_links_organisation.sqlite.sql"
        )),
        postgres: Some(include_str!(
            "../migrations/0013_asset_links_organisation.postgres.sql"
        )),
        backfill: None,
    },
    Migration {
        version: 14,
        name: "risk_method",
        sql: "",
        sqlite: Some(include_str!("../migrations/0014_risk_method.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0014_risk_method.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 15,
        name: "risks",
        sql: "",
        sqlite: Some(include_str!("../migrations/0015_risks.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0015_risks.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 16,
        name: "risk_treatment",
        sql: "",
        sqlite: Some(include_str!("../migrations/0016_risk_treatment.sqlite.sql")),
        postgres: Some(include_str!(
            "../migrations/0016_risk_treatment.postgres.sql"
        )),
        backfill: None,
    },
    Migration {
        version: 17,
        name: "risk_heat_map",
        sql: include_str!("../migrations/0017_risk_heat_map.sql"),
        sqlite: None,
        postgres: None,
        backfill: None,
    },
    Migration {
        version: 18,
        name: "audit_by_chain",
        sql: include_str!("../migrations/0018_audit_by_chain.sql"),
        sqlite: None,
        postgres: None,
        backfill: None,
    },
    Migration {
        version: 19,
        name: "frameworks",
        sql: "",
        sqlite: Some(include_str!("../migrations/0019_frameworks.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0019_frameworks.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 20,
        name: "soa",
        sql: "",
        sqlite: Some(include_str!("../migrations/0020_soa.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0020_soa.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 21,
        name: "controls",
        sql: "",
        sqlite: Some(include_str!("../migrations/0021_controls.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0021_controls.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 22,
        name: "documents",
        sql: "",
        sqlite: Some(include_str!("../migrations/0022_documents.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0022_documents.postgres.sql")),
        backfill: None,
    },
    Migration {
        version: 23,
        name: "evidence",
        sql: "",
        sqlite: Some(include_str!("../migrations/0023_evidence.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0023_evidence.postgres.sql")),
        backfill: None,
    },
];

/// Arbitrary but fixed: the key of the PostgreSQL advisory lock held while setting up.
const SETUP_LOCK_KEY: i64 = 0x0C57_0500_0001;

/// Held while one instance migrates and seeds; others wait for it.
pub struct SetupLock {
    connection: Option<PoolConnection<Postgres>>,
}

impl Drop for SetupLock {
    /// Released without `release` (the task was cancelled): close the connection rather than
    /// return it to the pool still holding the session lock; closing ends the lock.
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            drop(connection.detach());
        }
    }
}

impl SetupLock {
    pub async fn release(mut self) -> StoreResult<()> {
        if let Some(connection) = self.connection.take() {
            let mut conn = Conn::Postgres(connection);
            conn.execute("SELECT pg_advisory_unlock($1)", params![SETUP_LOCK_KEY])
                .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Takes the instance-wide setup lock (PostgreSQL); SQLite serves one instance only.
    pub async fn setup_lock(&self) -> StoreResult<SetupLock> {
        match self.writer().await? {
            Conn::Postgres(connection) => {
                let mut conn = Conn::Postgres(connection);
                conn.execute("SELECT pg_advisory_lock($1)", params![SETUP_LOCK_KEY])
                    .await?;
                let Conn::Postgres(connection) = conn else {
                    return Err(StoreError::Corrupt("the lock changed connections".into()));
                };
                Ok(SetupLock {
                    connection: Some(connection),
                })
            }
            Conn::Sqlite(_) | Conn::PostgresTx(_) => Ok(SetupLock { connection: None }),
        }
    }

    /// Applies every migration not yet applied; returns how many ran.
    pub async fn migrate(&self) -> StoreResult<usize> {
        let lock = self.setup_lock().await?;
        let result = self.migrate_holding_lock().await;
        lock.release().await?;
        result
    }

    /// For callers that already hold the setup lock.
    pub async fn migrate_holding_lock(&self) -> StoreResult<usize> {
        self.migrate_up_to(latest_version()).await
    }

    /// Applies the pending migrations up to and including `target` (upgrade tests start
    /// from an older schema this way).
    pub async fn migrate_up_to(&self, target: i64) -> StoreResult<usize> {
        let applied: Vec<(i64, String)> = {
            let mut conn = self.writer().await?;
            // applied_at stays text on both backends: this table is read before any
            // migration has run, by every version of Custos.
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS custos_migrations (
                    version BIGINT PRIMARY KEY,
                    name TEXT NOT NULL,
                    checksum TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                )",
            )
            .await?;
            conn.fetch_all("SELECT version, checksum FROM custos_migrations", &[])
                .await?
        };
        let mut applied_versions = Vec::new();
        for (version, checksum) in applied {
            match MIGRATIONS.iter().find(|m| m.version == version) {
                Some(migration) if migration.checksum(self.backend()) != checksum => {
                    return Err(StoreError::MigrationChanged {
                        version,
                        name: migration.name.to_owned(),
                    });
                }
                Some(_) => applied_versions.push(version),
                None => {
                    return Err(StoreError::SchemaTooNew {
                        found: version,
                        known: latest_version(),
                    });
                }
            }
        }
        let mut ran = 0;
        for migration in MIGRATIONS {
            if applied_versions.contains(&migration.version) || migration.version > target {
                continue;
            }
            let mut tx = self.begin().await?;
            tx.execute_batch(migration.sql_for(self.backend())).await?;
            if let Some(backfill) = migration.backfill {
                backfill.run(&mut tx).await?;
            }
            tx.execute(
                "INSERT INTO custos_migrations (version, name, checksum, applied_at)
                 VALUES ($1, $2, $3, $4)",
                params![
                    migration.version,
                    migration.name,
                    migration.checksum(self.backend()),
                    timestamp::format(timestamp::now()),
                ],
            )
            .await?;
            tx.commit().await?;
            tracing::info!(
                version = migration.version,
                name = migration.name,
                "applied migration"
            );
            ran += 1;
        }
        Ok(ran)
    }

    /// The newest applied migration, or 0 on an empty database.
    pub async fn schema_version(&self) -> StoreResult<i64> {
        let mut conn = self.reader().await?;
        let (version,) = conn
            .fetch_one(
                "SELECT COALESCE(MAX(version), 0) FROM custos_migrations",
                &[],
            )
            .await?;
        Ok(version)
    }
}

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use custos_domain::assets::classification::SchemeVersionStatus;
    use custos_domain::assets::{AssetStatus, AssetType};
    use custos_domain::context::{ObjectiveCategory, ObjectiveStatus};
    use custos_domain::governance::ApprovalStatus;
    use custos_domain::platform::{AuditAction, Role, TokenScope};
    use custos_domain::risk::catalogue::{ThreatGroup, VulnerabilityCategory};
    use custos_domain::text_enum::TextEnum;

    use super::*;

    fn check(column: &str, values: String) -> String {
        format!("{column} TEXT NOT NULL CHECK ({column} IN ({values}))")
    }

    /// Each text column's CHECK constraint lists exactly the values of its domain enum, so a
    /// value added to an enum without a migration fails here, not in production.
    #[test]
    fn check_constraints_list_every_value_of_their_enum() {
        let schema: String = MIGRATIONS
            .iter()
            .map(|m| m.sql_for(Backend::Sqlite))
            .collect();
        for expected in [
            check("role", Role::sql_values()),
            check("decider_role", Role::sql_values()),
            check("scope", TokenScope::sql_values()),
            check("action", AuditAction::sql_values()),
            check("category", ObjectiveCategory::sql_values()),
            check("status", ObjectiveStatus::sql_values()),
            check("status", ApprovalStatus::sql_values()),
            check("asset_type", AssetType::sql_values()),
            check("status", AssetStatus::sql_values()),
            check("status", SchemeVersionStatus::sql_values()),
            check("threat_group", ThreatGroup::sql_values()),
            check("category", VulnerabilityCategory::sql_values()),
        ] {
            assert!(schema.contains(&expected), "no `{expected}` in the schema");
        }
    }
}
