//! The two native drivers behind one small interface: rusqlite (bundled SQLite) on a pool of
//! blocking connections, one writer and several readers, and sqlx's PostgreSQL driver.
//!
//! Statements are SQL text with `$n` placeholders, which both backends accept (rusqlite binds
//! them by name). Values travel as [`Param`]s: each backend binds them in its own native type
//! (SQLite: UUIDs and timestamps as fixed-width text, flags as 0/1; PostgreSQL: uuid,
//! timestamptz, date, boolean). Rows come back through [`FromRow`], one typed mapping per
//! record that reads its columns in order.
//!
//! SQLite statements run on the calling task: a prepared, cached statement reading a page
//! takes tens of microseconds, less than handing the work to another thread would cost.

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::ValueRef;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Postgres, Row as _, ValueRef as _};
use time::{Date, OffsetDateTime};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use custos_domain::fields::StoredValue;

use crate::{StoreError, StoreResult, timestamp};

/// A value bound to a `$n` placeholder. Every variant is typed even when null, because
/// PostgreSQL wants to know the type of a null parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param<'a> {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<Cow<'a, str>>),
    Bool(Option<bool>),
    Uuid(Option<Uuid>),
    Time(Option<OffsetDateTime>),
    Date(Option<Date>),
}

macro_rules! param_from {
    ($variant:ident, $type:ty) => {
        impl From<$type> for Param<'_> {
            fn from(value: $type) -> Self {
                Param::$variant(Some(value))
            }
        }
        impl From<Option<$type>> for Param<'_> {
            fn from(value: Option<$type>) -> Self {
                Param::$variant(value)
            }
        }
    };
}
param_from!(Int, i64);
param_from!(Float, f64);
param_from!(Bool, bool);
param_from!(Uuid, Uuid);
param_from!(Time, OffsetDateTime);
param_from!(Date, Date);

impl<'a> From<&'a str> for Param<'a> {
    fn from(value: &'a str) -> Self {
        Param::Text(Some(Cow::Borrowed(value)))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(value: &'a String) -> Self {
        Param::Text(Some(Cow::Borrowed(value)))
    }
}

impl From<String> for Param<'_> {
    fn from(value: String) -> Self {
        Param::Text(Some(Cow::Owned(value)))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Param::Text(value.map(Cow::Borrowed))
    }
}

impl Param<'_> {
    /// The same value, owning its text.
    pub fn into_owned(self) -> Param<'static> {
        match self {
            Param::Text(text) => Param::Text(text.map(|text| Cow::Owned(text.into_owned()))),
            Param::Int(v) => Param::Int(v),
            Param::Float(v) => Param::Float(v),
            Param::Bool(v) => Param::Bool(v),
            Param::Uuid(v) => Param::Uuid(v),
            Param::Time(v) => Param::Time(v),
            Param::Date(v) => Param::Date(v),
        }
    }
}

/// Rows made ready for a [`RowsInsert`] away from the connection (on another thread, while
/// it writes the rows before them).
pub struct Rows(pub(crate) Vec<Vec<Param<'static>>>);

/// Lists (tags) are kept in one text column, joined by a line feed, which the text rule keeps
/// out of every item.
pub const LIST_SEPARATOR: &str = "\n";

impl<'a> From<StoredValue<'a>> for Param<'a> {
    fn from(value: StoredValue<'a>) -> Self {
        match value {
            StoredValue::Text(text) => text.into(),
            StoredValue::Int(value) => value.into(),
            StoredValue::Float(value) => value.into(),
            StoredValue::Uuid(value) => value.into(),
            StoredValue::Date(value) => value.into(),
            StoredValue::List(items) => items.join(LIST_SEPARATOR).into(),
            StoredValue::Bool(flag) => flag.into(),
        }
    }
}

/// `params![a, b, c]`: the parameters `$1`, `$2`, `$3` of a statement.
#[macro_export]
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        &[$($crate::db::Param::from($value)),*]
    };
}

/// A column type both drivers can decode.
pub trait Column: Sized {
    fn from_sqlite(value: ValueRef<'_>) -> StoreResult<Self>;
    fn from_postgres(row: &PgRow, index: usize) -> StoreResult<Self>;
}

fn corrupt(what: &str, value: ValueRef<'_>) -> StoreError {
    StoreError::Corrupt(format!("expected {what}, found {:?}", value.data_type()))
}

fn sqlite_text(value: ValueRef<'_>) -> StoreResult<&str> {
    match value {
        ValueRef::Text(bytes) => {
            std::str::from_utf8(bytes).map_err(|e| StoreError::Corrupt(format!("text: {e}")))
        }
        other => Err(corrupt("text", other)),
    }
}

impl Column for i64 {
    fn from_sqlite(value: ValueRef<'_>) -> StoreResult<Self> {
        match value {
            ValueRef::Integer(int) => Ok(int),
            other => Err(corrupt("an integer", other)),
        }
    }
    fn from_postgres(row: &PgRow, index: usize) -> StoreResult<Self> {
        // Literals and `date - date` are int4 on PostgreSQL; columns and counts are int8.
        match row.try_get::<i64, _>(index) {
            Ok(int) => Ok(int),
            Err(_) => Ok(i64::from(row.try_get::<i32, _>(index)?)),
        }
    }
}

impl Column for f64 {
    fn from_sqlite(value: ValueRef<'_>) -> StoreResult<Self> {
        match value {
            ValueRef::Real(real) => Ok(real),
            // SQLite keeps a REAL that has no fraction as an integer.
            ValueRef::Integer(int) => Ok(int as f64),
            other => Err(corrupt("a number", other)),
        }
    }
    fn from_postgres(row: &PgRow, index: usize) -> StoreResult<Self> {
        Ok(row.try_get(index)?)
    }
}

impl Column for String {
    fn from_sqlite(value: ValueRef<'_>) -> StoreResult<Self> {
        sqlite_text(value).map(str::to_owned)
    }
    fn from_postgres(row: &PgRow, index: usize) -> StoreResult<Self> {
        Ok(row.try_get(index)?)
    }
}

impl Column for bool {
    fn from_sqlite(value: ValueRef<'_>) -> StoreResult<Self> {
        i64::from_sqlite(value).map(|int| int != 0)
    }
    fn from_postgres(row: &PgRow, index: usize) -> StoreResult<Self> {
        Ok(row.try_get(index)?)
    }
}

impl Column for Uuid {
    fn from_sqlite(value: ValueRef<'_>) -> StoreResult<Self> {
        let raw = sqlite_text(value)?;
        Uuid::parse_str(raw).map_err(|e| StoreError::Corrupt(format!("id {raw:?}: {e}")))
    }
    fn from_postgres(row: &PgRow, index: usize) -> StoreResult<Self> {
        Ok(row.try_get(index)?)
    }
}

impl Column for OffsetDateTime {
    fn from_sqlite(value: ValueRef<'_>) -> StoreResult<Self> {
        timestamp::parse(sqlite_text(value)?)
    }
    fn from_postgres(row: &PgRow, index: usize) -> StoreResult<Self> {
        Ok(row.try_get(index)?)
    }
}

impl Column for Date {
    fn from_sqlite(value: ValueRef<'_>) -> StoreResult<Self> {
        let raw = sqlite_text(value)?;
        custos_domain::dates::parse_iso_date(raw)
            .ok_or_else(|| StoreError::Corrupt(format!("date {raw:?}")))
    }
    fn from_postgres(row: &PgRow, index: usize) -> StoreResult<Self> {
        Ok(row.try_get(index)?)
    }
}

impl<T: Column> Column for Option<T> {
    fn from_sqlite(value: ValueRef<'_>) -> StoreResult<Self> {
        match value {
            ValueRef::Null => Ok(None),
            other => T::from_sqlite(other).map(Some),
        }
    }
    fn from_postgres(row: &PgRow, index: usize) -> StoreResult<Self> {
        if row.try_get_raw(index)?.is_null() {
            Ok(None)
        } else {
            T::from_postgres(row, index).map(Some)
        }
    }
}

enum Source<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r PgRow),
}

/// Reads a row's columns in the order the statement selects them.
pub struct RowReader<'r> {
    source: Source<'r>,
    next: usize,
}

impl RowReader<'_> {
    pub fn get<T: Column>(&mut self) -> StoreResult<T> {
        let index = self.next;
        self.next += 1;
        match self.source {
            Source::Sqlite(row) => T::from_sqlite(row.get_ref(index)?),
            Source::Postgres(row) => T::from_postgres(row, index),
        }
    }

    /// A text column holding one of a domain enum's names, read without copying the text.
    pub fn parsed<T>(&mut self, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
        self.parsed_opt(parse)?
            .ok_or_else(|| StoreError::Corrupt("a required enum column is empty".into()))
    }

    pub fn parsed_opt<T>(&mut self, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Option<T>> {
        let index = self.next;
        self.next += 1;
        let raw: Option<&str> = match self.source {
            Source::Sqlite(row) => match row.get_ref(index)? {
                ValueRef::Null => None,
                value => Some(sqlite_text(value)?),
            },
            Source::Postgres(row) => row.try_get(index)?,
        };
        raw.map(|raw| {
            parse(raw).ok_or_else(|| StoreError::Corrupt(format!("unknown value {raw:?}")))
        })
        .transpose()
    }
}

/// One typed mapping per record: how a selected row becomes a value.
pub trait FromRow: Sized {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self>;
}

macro_rules! tuple_from_row {
    ($($name:ident),+) => {
        impl<$($name: Column),+> FromRow for ($($name,)+) {
            fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
                Ok(($(row.get::<$name>()?,)+))
            }
        }
    };
}
/// For statements whose rows say nothing the caller needs.
impl FromRow for () {
    fn from_row(_row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(())
    }
}

tuple_from_row!(A);
tuple_from_row!(A, B);
tuple_from_row!(A, B, C);
tuple_from_row!(A, B, C, D);
tuple_from_row!(A, B, C, D, E);

/// A pool of rusqlite connections to one file. Connections open lazily up to `size`.
pub(crate) struct SqlitePool {
    path: PathBuf,
    /// Run on each connection this pool opens, after [`SqlitePool::open`]'s.
    pragmas: &'static str,
    idle: Mutex<Vec<rusqlite::Connection>>,
    permits: Arc<Semaphore>,
    /// Woken whenever the writer's connection comes back to the pool; none for readers.
    checkpointer: Option<Checkpointer>,
}

impl SqlitePool {
    pub(crate) fn new(path: PathBuf, size: usize, pragmas: &'static str) -> Arc<Self> {
        Arc::new(Self {
            path,
            pragmas,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size)),
            checkpointer: None,
        })
    }

    /// The pool of the one writer: its connections leave the write-ahead log to a
    /// [`Checkpointer`] instead of copying it back themselves.
    pub(crate) fn writer(path: PathBuf, pragmas: &'static str) -> StoreResult<Arc<Self>> {
        Ok(Arc::new(Self {
            checkpointer: Some(Checkpointer::start(&path)?),
            path,
            pragmas,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(1)),
        }))
    }

    pub(crate) fn open(path: &std::path::Path) -> StoreResult<rusqlite::Connection> {
        let connection = rusqlite::Connection::open(path)?;
        connection.busy_timeout(Duration::from_secs(5))?;
        connection.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )?;
        connection.set_prepared_statement_cache_capacity(64);
        Ok(connection)
    }

    pub(crate) async fn acquire(self: &Arc<Self>) -> StoreResult<SqliteConn> {
        let permit = tokio::time::timeout(
            Duration::from_secs(30),
            self.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| StoreError::Unreachable("no SQLite connection free within 30 s".into()))?
        .map_err(|_| StoreError::Unreachable("the store is closed".into()))?;
        let idle = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let connection = match idle {
            Some(connection) => connection,
            None => {
                let connection = Self::open(&self.path)?;
                connection.execute_batch(self.pragmas)?;
                if self.checkpointer.is_some() {
                    connection.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
                }
                connection
            }
        };
        Ok(SqliteConn {
            connection: Some(connection),
            pool: Arc::clone(self),
            in_transaction: false,
            _permit: permit,
        })
    }

    pub(crate) fn close(&self) {
        self.permits.close();
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.stop();
        }
    }
}

/// Copies the write-ahead log back into the database file on its own thread and connection,
/// woken when the writer's connection comes back to its pool, so that no request waits for it. Left to SQLite, the commit
/// that takes the log past 1,000 pages does the copy before it returns: 1.3 to 2 s after a
/// transaction of 100,000 rows. Readers and the writer go on while it copies; a crash
/// meanwhile loses nothing (the next connection replays the log).
struct Checkpointer {
    wake: Mutex<Option<std::sync::mpsc::SyncSender<()>>>,
}

/// How long the checkpointer waits after a commit wakes it, so that the commits of a busy
/// moment share one copy.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

impl Checkpointer {
    fn start(path: &std::path::Path) -> StoreResult<Self> {
        let connection = SqlitePool::open(path)?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                // Ends when the pool closes or goes, dropping the sender.
                while woken.recv().is_ok() {
                    std::thread::sleep(CHECKPOINT_PAUSE);
                    while woken.try_recv().is_ok() {}
                    // PASSIVE: copies what no reader still needs, never waits for anyone.
                    let copied = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    if let Err(e) = copied {
                        tracing::warn!(error = %e, "copying the SQLite log back failed; the next commit retries");
                    }
                }
            })
            .map_err(|e| StoreError::Unreachable(format!("cannot start the checkpointer: {e}")))?;
        Ok(Self {
            wake: Mutex::new(Some(wake)),
        })
    }

    /// Asks for a checkpoint soon; one already asked for covers this one too.
    fn wake(&self) {
        if let Ok(wake) = self.wake.lock()
            && let Some(wake) = wake.as_ref()
        {
            let _ = wake.try_send(());
        }
    }

    fn stop(&self) {
        if let Ok(mut wake) = self.wake.lock() {
            wake.take();
        }
    }
}

/// A pooled SQLite connection; back in the pool when dropped, rolled back first if a
/// transaction was left open.
pub struct SqliteConn {
    connection: Option<rusqlite::Connection>,
    pool: Arc<SqlitePool>,
    in_transaction: bool,
    _permit: OwnedSemaphorePermit,
}

impl Drop for SqliteConn {
    fn drop(&mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        if self.in_transaction && connection.execute_batch("ROLLBACK").is_err() {
            // A connection whose state is unknown is not handed out again.
            return;
        }
        if let Ok(mut idle) = self.pool.idle.lock() {
            idle.push(connection);
        }
        // Whatever the writer wrote, in a transaction or not, is copied back soon.
        if let Some(checkpointer) = &self.pool.checkpointer {
            checkpointer.wake();
        }
    }
}

impl SqliteConn {
    fn connection(&self) -> StoreResult<&rusqlite::Connection> {
        self.connection
            .as_ref()
            .ok_or_else(|| StoreError::Unreachable("connection already closed".into()))
    }
}

/// The `$n` names rusqlite binds by, written out for the usual statement.
const PLACEHOLDERS: [&str; 40] = [
    "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
    "$16", "$17", "$18", "$19", "$20", "$21", "$22", "$23", "$24", "$25", "$26", "$27", "$28",
    "$29", "$30", "$31", "$32", "$33", "$34", "$35", "$36", "$37", "$38", "$39", "$40",
];

/// The most parameters one statement binds: SQLite's own limit.
pub const MAX_PARAMS: usize = 32_766;

fn bind_sqlite(
    statement: &mut rusqlite::CachedStatement<'_>,
    params: &[Param<'_>],
) -> StoreResult<()> {
    if params.len() > MAX_PARAMS {
        return Err(StoreError::Corrupt(format!(
            "{} parameters in one statement",
            params.len()
        )));
    }
    for (position, param) in params.iter().enumerate() {
        let index = match PLACEHOLDERS.get(position) {
            Some(name) => statement.parameter_index(name)?,
            None => statement.parameter_index(&format!("${}", position + 1))?,
        };
        let Some(index) = index else {
            continue;
        };
        match param {
            Param::Int(Some(int)) => statement.raw_bind_parameter(index, int)?,
            Param::Float(Some(real)) => statement.raw_bind_parameter(index, real)?,
            Param::Text(Some(text)) => statement.raw_bind_parameter(index, text.as_ref())?,
            Param::Bool(Some(flag)) => statement.raw_bind_parameter(index, i64::from(*flag))?,
            Param::Uuid(Some(id)) => {
                let mut buffer = Uuid::encode_buffer();
                statement.raw_bind_parameter(index, &*id.hyphenated().encode_lower(&mut buffer))?
            }
            Param::Time(Some(at)) => statement.raw_bind_parameter(index, timestamp::format(*at))?,
            Param::Date(Some(date)) => statement.raw_bind_parameter(index, date.to_string())?,
            Param::Int(None)
            | Param::Float(None)
            | Param::Text(None)
            | Param::Bool(None)
            | Param::Uuid(None)
            | Param::Time(None)
            | Param::Date(None) => statement.raw_bind_parameter(index, rusqlite::types::Null)?,
        }
    }
    Ok(())
}

fn bind_postgres<'q>(
    mut query: sqlx::query::Query<'q, Postgres, PgArguments>,
    params: &[Param<'_>],
) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    for param in params {
        query = match param {
            Param::Int(v) => query.bind(*v),
            Param::Float(v) => query.bind(*v),
            Param::Text(v) => query.bind(v.as_ref().map(|text| text.to_string())),
            Param::Bool(v) => query.bind(*v),
            Param::Uuid(v) => query.bind(*v),
            Param::Time(v) => query.bind(*v),
            Param::Date(v) => query.bind(*v),
        };
    }
    query
}

/// A statement inserting many rows at once: `INSERT INTO {table} ({columns}) ... {tail}`.
/// SQLite runs the one-row form for each row on its prepared statement (there is no round
/// trip to save); PostgreSQL receives each column as an array and inserts from `UNNEST`, one
/// round trip per [`ROWS_PER_STATEMENT`] rows instead of one per row.
pub struct RowsInsert {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    /// What follows the rows: `ON CONFLICT DO NOTHING`, `RETURNING ...`, or nothing.
    pub tail: &'static str,
}

/// Rows sent to PostgreSQL in one statement by [`Conn::insert_rows`].
pub const ROWS_PER_STATEMENT: usize = 2000;

impl RowsInsert {
    /// The statement: `VALUES` of one row on SQLite, `UNNEST` of every column on PostgreSQL.
    fn statement(&self) -> RowsStatement {
        let placeholders: Vec<String> = (1..=self.columns.len()).map(|n| format!("${n}")).collect();
        let columns = self.columns.join(", ");
        RowsStatement {
            one_row: format!(
                "INSERT INTO {} ({columns}) VALUES ({}) {}",
                self.table,
                placeholders.join(", "),
                self.tail
            ),
            unnest: format!(
                "INSERT INTO {} ({columns}) SELECT * FROM UNNEST({{arrays}}) {}",
                self.table, self.tail
            ),
        }
    }
}

/// A statement run for many rows (see [`Conn::run_rows`]): `one_row`, with `$1`... the values
/// of one row, for SQLite; `unnest`, in which `{arrays}` becomes `$1::type[], ...` (one array
/// per column, typed by the rows' values), for PostgreSQL.
pub struct RowsStatement {
    pub one_row: String,
    pub unnest: String,
}

/// One column of rows bound as one PostgreSQL array.
enum PgArray {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
    Uuid(Vec<Option<Uuid>>),
    Time(Vec<Option<OffsetDateTime>>),
    Date(Vec<Option<Date>>),
}

impl PgArray {
    /// `rows` turned into one array per column, moving their values; every row must give a
    /// column values of one type.
    fn columns(rows: Vec<Vec<Param<'_>>>) -> StoreResult<Vec<Self>> {
        let count = rows.len();
        let mut columns: Vec<PgArray> = match rows.first() {
            Some(first) => first
                .iter()
                .map(|value| Self::with_capacity(value, count))
                .collect(),
            None => return Ok(Vec::new()),
        };
        for row in rows {
            if row.len() != columns.len() {
                return Err(StoreError::Corrupt(
                    "the rows of a batch differ in length".into(),
                ));
            }
            for (column, value) in columns.iter_mut().zip(row) {
                column.push(value)?;
            }
        }
        Ok(columns)
    }

    fn with_capacity(like: &Param<'_>, count: usize) -> Self {
        match like {
            Param::Int(_) => Self::Int(Vec::with_capacity(count)),
            Param::Float(_) => Self::Float(Vec::with_capacity(count)),
            Param::Text(_) => Self::Text(Vec::with_capacity(count)),
            Param::Bool(_) => Self::Bool(Vec::with_capacity(count)),
            Param::Uuid(_) => Self::Uuid(Vec::with_capacity(count)),
            Param::Time(_) => Self::Time(Vec::with_capacity(count)),
            Param::Date(_) => Self::Date(Vec::with_capacity(count)),
        }
    }

    fn push(&mut self, value: Param<'_>) -> StoreResult<()> {
        match (self, value) {
            (Self::Int(values), Param::Int(v)) => values.push(v),
            (Self::Float(values), Param::Float(v)) => values.push(v),
            (Self::Text(values), Param::Text(v)) => values.push(v.map(Cow::into_owned)),
            (Self::Bool(values), Param::Bool(v)) => values.push(v),
            (Self::Uuid(values), Param::Uuid(v)) => values.push(v),
            (Self::Time(values), Param::Time(v)) => values.push(v),
            (Self::Date(values), Param::Date(v)) => values.push(v),
            _ => {
                return Err(StoreError::Corrupt(
                    "a column of a batch mixes types".into(),
                ));
            }
        }
        Ok(())
    }

    fn element_type(&self) -> &'static str {
        match self {
            Self::Int(_) => "int8",
            Self::Float(_) => "float8",
            Self::Text(_) => "text",
            Self::Bool(_) => "bool",
            Self::Uuid(_) => "uuid",
            Self::Time(_) => "timestamptz",
            Self::Date(_) => "date",
        }
    }

    fn bind<'q>(
        self,
        query: sqlx::query::Query<'q, Postgres, PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, PgArguments> {
        match self {
            Self::Int(values) => query.bind(values),
            Self::Float(values) => query.bind(values),
            Self::Text(values) => query.bind(values),
            Self::Bool(values) => query.bind(values),
            Self::Uuid(values) => query.bind(values),
            Self::Time(values) => query.bind(values),
            Self::Date(values) => query.bind(values),
        }
    }
}

/// A connection of either backend, outside or inside a transaction.
pub enum Conn {
    Sqlite(SqliteConn),
    Postgres(sqlx::pool::PoolConnection<Postgres>),
    PostgresTx(sqlx::Transaction<'static, Postgres>),
}

impl Conn {
    /// The PostgreSQL connection; each method has taken the SQLite branch before asking.
    fn pg(&mut self) -> StoreResult<&mut sqlx::PgConnection> {
        match self {
            Conn::Sqlite(_) => Err(StoreError::Corrupt(
                "a SQLite connection reached the PostgreSQL branch".into(),
            )),
            Conn::Postgres(connection) => Ok(&mut **connection),
            Conn::PostgresTx(tx) => Ok(&mut **tx),
        }
    }

    pub fn backend(&self) -> crate::Backend {
        match self {
            Conn::Sqlite(_) => crate::Backend::Sqlite,
            Conn::Postgres(_) | Conn::PostgresTx(_) => crate::Backend::Postgres,
        }
    }

    /// Every row the statement returns.
    pub async fn fetch_all<T: FromRow>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> StoreResult<Vec<T>> {
        if let Conn::Sqlite(conn) = self {
            let mut statement = conn.connection()?.prepare_cached(sql)?;
            bind_sqlite(&mut statement, params)?;
            let mut rows = statement.raw_query();
            let mut items = Vec::new();
            while let Some(row) = rows.next()? {
                items.push(T::from_row(&mut RowReader {
                    source: Source::Sqlite(row),
                    next: 0,
                })?);
            }
            return Ok(items);
        }
        let connection = self.pg()?;
        let rows = bind_postgres(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), params)
            .fetch_all(connection)
            .await?;
        rows.iter()
            .map(|row| {
                T::from_row(&mut RowReader {
                    source: Source::Postgres(row),
                    next: 0,
                })
            })
            .collect()
    }

    /// The first row the statement returns, if any.
    pub async fn fetch_optional<T: FromRow>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> StoreResult<Option<T>> {
        if let Conn::Sqlite(conn) = self {
            let mut statement = conn.connection()?.prepare_cached(sql)?;
            bind_sqlite(&mut statement, params)?;
            let mut rows = statement.raw_query();
            return match rows.next()? {
                Some(row) => T::from_row(&mut RowReader {
                    source: Source::Sqlite(row),
                    next: 0,
                })
                .map(Some),
                None => Ok(None),
            };
        }
        let connection = self.pg()?;
        let row = bind_postgres(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), params)
            .fetch_optional(connection)
            .await?;
        row.as_ref()
            .map(|row| {
                T::from_row(&mut RowReader {
                    source: Source::Postgres(row),
                    next: 0,
                })
            })
            .transpose()
    }

    /// The one row the statement must return.
    pub async fn fetch_one<T: FromRow>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> StoreResult<T> {
        self.fetch_optional(sql, params)
            .await?
            .ok_or_else(|| StoreError::Corrupt("the statement returned no row".into()))
    }

    /// Runs a statement; returns how many rows it changed.
    pub async fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<u64> {
        if let Conn::Sqlite(conn) = self {
            let mut statement = conn.connection()?.prepare_cached(sql)?;
            bind_sqlite(&mut statement, params)?;
            return Ok(statement.raw_execute()? as u64);
        }
        let connection = self.pg()?;
        let result = bind_postgres(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), params)
            .execute(connection)
            .await?;
        Ok(result.rows_affected())
    }

    /// Inserts `rows`, each the values of `insert.columns` in order, and returns the rows
    /// its tail's `RETURNING` gives (none without one), in no promised order.
    pub async fn insert_rows<T: FromRow>(
        &mut self,
        insert: &RowsInsert,
        rows: Vec<Vec<Param<'_>>>,
    ) -> StoreResult<Vec<T>> {
        self.run_rows(&insert.statement(), rows).await
    }

    /// Runs `statement` for `rows`: SQLite runs its one-row form per row on its prepared
    /// statement (there is no round trip to save); PostgreSQL receives each column as an
    /// array, one round trip per [`ROWS_PER_STATEMENT`] rows instead of one per row. Returns
    /// the rows its `RETURNING` gives, in no promised order.
    pub async fn run_rows<T: FromRow>(
        &mut self,
        statement: &RowsStatement,
        rows: Vec<Vec<Param<'_>>>,
    ) -> StoreResult<Vec<T>> {
        let mut returned = Vec::new();
        if let Conn::Sqlite(_) = self {
            for row in &rows {
                returned.extend(self.fetch_all::<T>(&statement.one_row, row).await?);
            }
            return Ok(returned);
        }
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let arrays = PgArray::columns(rows.by_ref().take(ROWS_PER_STATEMENT).collect())?;
            let casts: Vec<String> = arrays
                .iter()
                .enumerate()
                .map(|(index, array)| format!("${}::{}[]", index + 1, array.element_type()))
                .collect();
            let sql = statement.unnest.replace("{arrays}", &casts.join(", "));
            let query = arrays
                .into_iter()
                .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |query, array| {
                    array.bind(query)
                });
            for row in query.fetch_all(self.pg()?).await? {
                returned.push(T::from_row(&mut RowReader {
                    source: Source::Postgres(&row),
                    next: 0,
                })?);
            }
        }
        Ok(returned)
    }

    /// Runs several statements without parameters (migrations, administration).
    pub async fn execute_batch(&mut self, sql: &str) -> StoreResult<()> {
        if let Conn::Sqlite(conn) = self {
            conn.connection()?.execute_batch(sql)?;
            return Ok(());
        }
        let connection = self.pg()?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(connection)
            .await?;
        Ok(())
    }
}

/// A write transaction: commit it, or it rolls back when dropped.
pub struct Tx {
    conn: Conn,
}

impl Tx {
    pub(crate) fn begin_sqlite(mut sqlite: SqliteConn) -> StoreResult<Self> {
        // IMMEDIATE takes the write lock now rather than at the first write, so a
        // transaction that reads first never fails to upgrade its lock.
        sqlite.connection()?.execute_batch("BEGIN IMMEDIATE")?;
        sqlite.in_transaction = true;
        Ok(Tx {
            conn: Conn::Sqlite(sqlite),
        })
    }

    /// A SQLite connection on which the caller has just run `BEGIN`.
    pub(crate) fn adopt_sqlite(conn: Conn) -> StoreResult<Self> {
        match conn {
            Conn::Sqlite(mut sqlite) => {
                sqlite.in_transaction = true;
                Ok(Tx {
                    conn: Conn::Sqlite(sqlite),
                })
            }
            _ => Err(StoreError::Corrupt("not a SQLite connection".into())),
        }
    }

    pub(crate) fn postgres(tx: sqlx::Transaction<'static, Postgres>) -> Self {
        Tx {
            conn: Conn::PostgresTx(tx),
        }
    }

    /// Ends the transaction without keeping its changes.
    pub async fn rollback(self) -> StoreResult<()> {
        match self.conn {
            Conn::PostgresTx(tx) => Ok(tx.rollback().await?),
            // Dropping a SQLite connection inside a transaction rolls it back.
            Conn::Sqlite(_) | Conn::Postgres(_) => Ok(()),
        }
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self.conn {
            Conn::Sqlite(mut sqlite) => {
                sqlite.connection()?.execute_batch("COMMIT")?;
                sqlite.in_transaction = false;
                Ok(())
            }
            Conn::PostgresTx(tx) => Ok(tx.commit().await?),
            Conn::Postgres(_) => Ok(()),
        }
    }
}

impl Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}
