//! Aggregates for dashboards, KPIs and review inputs. The SQL is shared where the dialects
//! agree (`COUNT(*) FILTER`, `CAST(SUM(..) AS BIGINT)`, `CAST(AVG(..) AS DOUBLE PRECISION)`);
//! date arithmetic and month buckets differ, so [`Dialect`] writes those per backend.

use time::Date;
use uuid::Uuid;

use crate::db::{Conn, FromRow, RowReader};
use crate::{Backend, StoreResult, params};

/// The few expressions SQLite and PostgreSQL write differently.
#[derive(Debug, Clone, Copy)]
pub struct Dialect(pub Backend);

impl Dialect {
    /// `YYYY-MM` of a timestamp column, in UTC.
    pub fn month_of(self, column: &str) -> String {
        match self.0 {
            Backend::Sqlite => format!("substr({column}, 1, 7)"),
            Backend::Postgres => format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"),
        }
    }

    /// Whole days from the date column `from` to the date parameter `to` (`$n`).
    pub fn days_between(self, from: &str, to: &str) -> String {
        match self.0 {
            Backend::Sqlite => format!("CAST(julianday({to}) - julianday({from}) AS BIGINT)"),
            Backend::Postgres => format!("({to}::date - {from})"),
        }
    }
}

/// Where an organisation's objectives stand on a given day.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveSummary {
    pub total: i64,
    pub approved: i64,
    /// Not achieved, not cancelled, and past their due date.
    pub overdue: i64,
    /// Mean days past due of the overdue ones.
    pub mean_days_overdue: Option<f64>,
    /// Every objective's version added up: how many times the register was written.
    pub versions_written: i64,
}

impl FromRow for ObjectiveSummary {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(ObjectiveSummary {
            total: row.get()?,
            approved: row.get()?,
            overdue: row.get()?,
            mean_days_overdue: row.get()?,
            versions_written: row.get::<Option<i64>>()?.unwrap_or(0),
        })
    }
}

pub async fn objective_summary(
    conn: &mut Conn,
    org_id: Uuid,
    today: Date,
) -> StoreResult<ObjectiveSummary> {
    let dialect = Dialect(conn.backend());
    let open_and_late =
        "o.due_date < $2 AND o.status NOT IN ('achieved', 'not_achieved', 'cancelled')";
    let sql = format!(
        "SELECT COUNT(*),
                COUNT(*) FILTER (WHERE o.status = 'approved'),
                COUNT(*) FILTER (WHERE {open_and_late}),
                CAST(AVG(CASE WHEN {open_and_late} THEN {days} END) AS DOUBLE PRECISION),
                CAST(SUM(o.version) AS BIGINT)
         FROM objectives o WHERE o.org_id = $1",
        days = dialect.days_between("o.due_date", "$2"),
    );
    conn.fetch_one(&sql, params![org_id, today]).await
}

/// How many objectives were created in each month (`YYYY-MM`), oldest first.
pub async fn objectives_created_per_month(
    conn: &mut Conn,
    org_id: Uuid,
) -> StoreResult<Vec<(String, i64)>> {
    let month = Dialect(conn.backend()).month_of("o.created_at");
    let sql = format!(
        "SELECT {month} AS month, COUNT(*) FROM objectives o WHERE o.org_id = $1
         GROUP BY month ORDER BY month"
    );
    conn.fetch_all(&sql, params![org_id]).await
}
