//! Custos store: the schema, migrations and every query, for SQLite and PostgreSQL alike.
//! Statements are written once in SQL with `$n` placeholders where the two dialects agree and
//! run on each backend's native driver (see [`db`]). Every organisation-scoped query takes the
//! organisation id: tenancy is a parameter here, never a filter added later.

pub mod asset_settings;
pub mod assets;
pub mod audit;
pub mod context;
pub mod controls;
pub mod db;
pub mod documents;
pub mod evidence;
pub mod files;
pub mod frameworks;
pub mod governance;
pub mod migrate;
pub mod numbered;
pub mod platform;
pub mod reports;
pub mod risk;
mod sql;
pub mod versions;

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use db::{Conn, Tx};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
    #[error("configuration: {0}")]
    Config(String),
    #[error("evidence store: {0}")]
    Files(String),
}

impl StoreError {
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Postgres(sqlx::Error::Database(e)) => e.is_unique_violation(),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            _ => false,
        }
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

/// The database. On SQLite: a pool of reader connections and a writer "pool" of one
/// connection, so write transactions queue in Custos instead of failing with SQLITE_BUSY. On
/// PostgreSQL: one pool for both.
#[derive(Clone)]
pub struct Store {
    pools: Pools,
}

#[derive(Clone)]
enum Pools {
    Sqlite {
        read: Arc<db::SqlitePool>,
        write: Arc<db::SqlitePool>,
    },
    Postgres(sqlx::PgPool),
}

/// The file a `sqlite:` URL names (`sqlite://path?mode=rwc` or `sqlite:path`); the file is
/// created when missing.
fn sqlite_path(url: &str) -> std::path::PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    std::path::PathBuf::from(path)
}

impl Store {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pools = match Backend::from_url(url)? {
            Backend::Sqlite => {
                let path = sqlite_path(url);
                // Opening once up front reports a bad path now and sets WAL mode for everyone.
                db::SqlitePool::open(&path)?;
                Pools::Sqlite {
                    // The writer's page cache holds a large write (an import of a hundred
                    // thousand assets) without spilling to the WAL mid-transaction: 64 MiB,
                    // taken only as a write grows, instead of the default 2 MiB.
                    write: db::SqlitePool::writer(
                        path.clone(),
                        "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
                    )?,
                    read: db::SqlitePool::new(path, 8, ""),
                }
            }
            Backend::Postgres => Pools::Postgres(connect_postgres(url).await?),
        };
        Ok(Store { pools })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// A connection for reads outside a transaction.
    pub async fn reader(&self) -> StoreResult<Conn> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => Conn::Sqlite(read.acquire().await?),
            Pools::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// A connection for writes outside a transaction (migrations, the setup lock).
    async fn writer(&self) -> StoreResult<Conn> {
        Ok(match &self.pools {
            Pools::Sqlite { write, .. } => Conn::Sqlite(write.acquire().await?),
            Pools::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> StoreResult<Tx> {
        match &self.pools {
            Pools::Sqlite { write, .. } => Tx::begin_sqlite(write.acquire().await?),
            Pools::Postgres(pool) => Ok(Tx::postgres(pool.begin().await?)),
        }
    }

    /// Starts a read-only transaction that sees one snapshot of the database.
    pub async fn begin_snapshot(&self) -> StoreResult<Tx> {
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                let mut conn = Conn::Sqlite(read.acquire().await?);
                // A deferred transaction's first read fixes its snapshot (WAL mode).
                conn.execute_batch("BEGIN").await?;
                Tx::adopt_sqlite(conn)
            }
            Pools::Postgres(pool) => {
                let mut tx = Tx::postgres(pool.begin().await?);
                tx.execute_batch("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?;
                Ok(tx)
            }
        }
    }

    /// A cheap query, for readiness checks.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut conn = self.reader().await?;
        conn.fetch_one::<(i64,)>("SELECT 1", &[]).await?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close();
                write.close();
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

/// Direct attempts first: the pool would retry until its timeout and then report only that
/// it timed out. A server that refuses connections may still be starting (containers
/// started together), so that is retried for a while; any other error (authentication,
/// unknown database) is reported at once.
async fn connect_postgres(url: &str) -> StoreResult<sqlx::PgPool> {
    let options: PgConnectOptions = url.parse().map_err(|e: sqlx::Error| {
        StoreError::UnsupportedUrl(format!("{}: {e}", redact_url(url)))
    })?;
    // Custos's statements are short: compiling one (about 12 ms, when PostgreSQL's estimate of
    // a recursive walk crosses the JIT threshold) costs more than running it.
    let options = options.options([("jit", "off")]);
    let started = std::time::Instant::now();
    loop {
        let attempt = tokio::time::timeout(
            Duration::from_secs(10),
            <sqlx::PgConnection as sqlx::Connection>::connect_with(&options),
        )
        .await;
        match attempt {
            Ok(Ok(connection)) => {
                sqlx::Connection::close(connection).await?;
                break;
            }
            Ok(Err(sqlx::Error::Io(e))) if started.elapsed() < Duration::from_secs(30) => {
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
    Ok(PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?)
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
        fixed_width(raw.as_bytes()).map_or_else(
            || {
                PrimitiveDateTime::parse(raw, FORMAT)
                    .map(PrimitiveDateTime::assume_utc)
                    .map_err(|e| crate::StoreError::Corrupt(format!("timestamp {raw:?}: {e}")))
            },
            Ok,
        )
    }

    /// The stored form read digit by digit: every row of every list carries two timestamps,
    /// and the general parser cost a few percent of a list request.
    fn fixed_width(raw: &[u8]) -> Option<OffsetDateTime> {
        let [
            y1,
            y2,
            y3,
            y4,
            b'-',
            m1,
            m2,
            b'-',
            d1,
            d2,
            b'T',
            h1,
            h2,
            b':',
            n1,
            n2,
            b':',
            s1,
            s2,
            b'.',
            f @ ..,
            b'Z',
        ] = raw
        else {
            return None;
        };
        let digits = |ds: &[u8]| {
            ds.iter().try_fold(0_u32, |acc, d| {
                d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
            })
        };
        if f.len() != 6 {
            return None;
        }
        let year = i32::try_from(digits(&[*y1, *y2, *y3, *y4])?).ok()?;
        let month = time::Month::try_from(u8::try_from(digits(&[*m1, *m2])?).ok()?).ok()?;
        let date =
            time::Date::from_calendar_date(year, month, u8::try_from(digits(&[*d1, *d2])?).ok()?)
                .ok()?;
        let time = time::Time::from_hms_micro(
            u8::try_from(digits(&[*h1, *h2])?).ok()?,
            u8::try_from(digits(&[*n1, *n2])?).ok()?,
            u8::try_from(digits(&[*s1, *s2])?).ok()?,
            digits(f)?,
        )
        .ok()?;
        Some(PrimitiveDateTime::new(date, time).assume_utc())
    }

    /// The current time, truncated to what the database keeps.
    pub fn now() -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn stored_timestamps_read_back_exactly() {
            let at = time::macros::datetime!(2026-11-27 21:03:10.123456 UTC);
            assert_eq!(super::parse(&super::format(at)).ok(), Some(at));
            assert_eq!(super::fixed_width(b"2026-11-27T21:03:10.123456Z"), Some(at));
            assert!(super::fixed_width(b"2026-13-27T21:03:10.123456Z").is_none());
            assert!(super::parse("2026-11-27 21:03").is_err());
        }
    }
}

/// Commits a write transaction.
pub async fn commit(tx: Tx) -> StoreResult<()> {
    tx.commit().await
}
