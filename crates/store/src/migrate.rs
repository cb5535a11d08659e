//! Forward-only migrations embedded in the binary. Each runs in its own transaction and is
//! recorded with a checksum, so an edited migration is refused rather than silently skipped.
//! On PostgreSQL an advisory lock serialises instances that start at the same moment.

use sha2::{Digest, Sha256};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Connection};

use crate::{Backend, Store, StoreError, StoreResult, sql, timestamp};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    /// Portable SQL, used unless a backend has its own text.
    pub sql: &'static str,
    pub sqlite: Option<&'static str>,
    pub postgres: Option<&'static str>,
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
    },
    Migration {
        version: 2,
        name: "must_change_password",
        sql: include_str!("../migrations/0002_must_change_password.sql"),
        sqlite: None,
        postgres: None,
    },
];

/// Arbitrary but fixed: the key of the PostgreSQL advisory lock held while setting up.
const SETUP_LOCK_KEY: i64 = 0x0C57_0500_0001;

/// Held while one instance migrates and seeds; others wait for it.
pub struct SetupLock {
    connection: Option<PoolConnection<Any>>,
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
        if let Some(mut connection) = self.connection.take() {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(SETUP_LOCK_KEY)
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Takes the instance-wide setup lock (PostgreSQL); SQLite serves one instance only.
    pub async fn setup_lock(&self) -> StoreResult<SetupLock> {
        match self.backend() {
            Backend::Sqlite => Ok(SetupLock { connection: None }),
            Backend::Postgres => {
                let mut connection = self.write.acquire().await?;
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(SETUP_LOCK_KEY)
                    .execute(&mut *connection)
                    .await?;
                Ok(SetupLock {
                    connection: Some(connection),
                })
            }
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
        let mut conn = self.write.acquire().await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS custos_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )",
        )
        .execute(&mut *conn)
        .await?;
        let applied = sqlx::query("SELECT version, name, checksum FROM custos_migrations")
            .fetch_all(&mut *conn)
            .await?;
        let mut applied_versions = Vec::new();
        for row in &applied {
            let version = sql::int(row, "version")?;
            let checksum = sql::text(row, "checksum")?;
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
            let mut tx = conn.begin().await?;
            sqlx::raw_sql(migration.sql_for(self.backend()))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO custos_migrations (version, name, checksum, applied_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(migration.version)
            .bind(migration.name)
            .bind(migration.checksum(self.backend()))
            .bind(timestamp::format(timestamp::now()))
            .execute(&mut *tx)
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
        let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS version FROM custos_migrations")
            .fetch_one(&mut *conn)
            .await?;
        sql::int(&row, "version")
    }
}

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}
