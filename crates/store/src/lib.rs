//! Custos store: the schema, migrations and every query, for SQLite and PostgreSQL alike.
//! Statements are written once in portable SQL with `$n` placeholders (both drivers accept
//! them) and run through sqlx's `Any` driver. Every organisation-scoped query takes the
//! organisation id: tenancy is a parameter here, never a filter added later.

pub mod audit;
pub mod context;
pub mod governance;
pub mod migrate;
pub mod platform;
mod sql;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};

pub use sqlx::AnyConnection as Conn;
pub use sqlx::Transaction;

/// A write transaction; commit it or it rolls back when dropped.
pub type Tx = sqlx::Transaction<'static, Any>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    #[error("cannot connect: {0}")]
    Unreachable(String),
    #[error("the database URL is not supported: {0}")]
    UnsupportedUrl(String),
    #[error("migration {version} ({name}) was changed after it was applied")]
    MigrationChanged { version: i64, name: String },
    #[error("the database schema ({found}) is newer than this Custos ({known}); upgrade Custos")]
    SchemaTooNew { found: i64, known: i64 },
}

impl StoreError {
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A URL with its password (in the authority or a `password=` parameter) replaced, safe to
/// print or log. The authority ends at the last `@` before the path, so a password holding
/// `?`, `#` or `@` is still hidden whole.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let (authority, tail) = match rest.rfind('@') {
        Some(at) => {
            let host_and_tail = &rest[at + 1..];
            let credentials = &rest[..at];
            let user = credentials
                .split_once(':')
                .map_or(credentials, |(user, _)| user);
            let redacted = if credentials.contains(':') {
                format!("{user}:***@")
            } else {
                format!("{user}@")
            };
            (redacted, host_and_tail)
        }
        None => (String::new(), rest),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let redacted: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", redacted.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{}://{authority}{tail}", &url[..scheme_end])
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_survive_redaction() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db/custos"),
            "postgres://app:***@db/custos"
        );
        assert_eq!(
            redact_url("postgres://db/custos?user=app&password=s3cret&sslmode=require"),
            "postgres://db/custos?user=app&password=***&sslmode=require"
        );
        assert_eq!(
            redact_url("sqlite://data/custos.db?mode=rwc"),
            "sqlite://data/custos.db?mode=rwc"
        );
    }
}

/// The database: a reader pool and a writer pool. On SQLite the writer pool holds one
/// connection, so write transactions queue in Custos instead of failing with SQLITE_BUSY;
/// on PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
}

impl Store {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyConnectOptions::from_str(url)?;
        let store = match backend {
            Backend::Sqlite => {
                let pool = |max| {
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(Duration::from_secs(30))
                        .after_connect(|conn, _meta| {
                            Box::pin(async move {
                                conn.execute(
                                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                                )
                                .await?;
                                Ok(())
                            })
                        })
                };
                let write = pool(1).connect_with(options.clone()).await?;
                let read = pool(8).connect_with(options).await?;
                Store {
                    backend,
                    read,
                    write,
                }
            }
            Backend::Postgres => {
                // Direct attempts first: the pool would retry until its timeout and then report
                // only that it timed out. A server that refuses connections may still be
                // starting (containers started together), so that is retried for a while;
                // any other error (authentication, unknown database) is reported at once.
                let started = std::time::Instant::now();
                loop {
                    let attempt = tokio::time::timeout(
                        Duration::from_secs(10),
                        <sqlx::AnyConnection as sqlx::Connection>::connect_with(&options),
                    )
                    .await;
                    match attempt {
                        Ok(Ok(connection)) => {
                            sqlx::Connection::close(connection).await?;
                            break;
                        }
                        Ok(Err(sqlx::Error::Io(e)))
                            if started.elapsed() < Duration::from_secs(30) =>
                        {
                            tracing::warn!(error = %e, "PostgreSQL is not answering yet; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                        Ok(Err(e)) => return Err(StoreError::Unreachable(e.to_string())),
                        Err(_) => {
                            return Err(StoreError::Unreachable(
                                "no answer within 10 seconds".into(),
                            ));
                        }
                    }
                }
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await?;
                Store {
                    backend,
                    read: pool.clone(),
                    write: pool,
                }
            }
        };
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for reads outside a transaction.
    pub async fn reader(&self) -> StoreResult<PoolConnection<Any>> {
        Ok(self.read.acquire().await?)
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(self.write.begin().await?)
    }

    /// A cheap query, for readiness checks.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Timestamps are stored as fixed-width UTC text (`2026-11-27T21:03:10.123456Z`) on both
/// backends, so they sort as text and compare equal across SQLite and PostgreSQL.
pub mod timestamp {
    use time::format_description::BorrowedFormatItem;
    use time::macros::format_description;
    use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

    const FORMAT: &[BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

    pub fn format(at: OffsetDateTime) -> String {
        at.to_offset(UtcOffset::UTC)
            .format(FORMAT)
            .unwrap_or_else(|_| String::from("0000-00-00T00:00:00.000000Z"))
    }

    pub fn parse(raw: &str) -> Result<OffsetDateTime, crate::StoreError> {
        PrimitiveDateTime::parse(raw, FORMAT)
            .map(PrimitiveDateTime::assume_utc)
            .map_err(|e| crate::StoreError::Corrupt(format!("timestamp {raw:?}: {e}")))
    }

    /// The current time, truncated to what the database keeps.
    pub fn now() -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now)
    }
}

/// Commits a write transaction.
pub async fn commit(tx: Tx) -> StoreResult<()> {
    Ok(tx.commit().await?)
}
