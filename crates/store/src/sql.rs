//! Helpers shared by the query modules: reading typed columns from `Any` rows and building
//! statements with a variable number of `$n` parameters.

use custos_domain::list::{Listed, Page};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::{StoreError, StoreResult, timestamp};

pub fn text(row: &AnyRow, column: &str) -> StoreResult<String> {
    Ok(row.try_get::<String, _>(column)?)
}

pub fn opt_text(row: &AnyRow, column: &str) -> StoreResult<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(column)?)
}

pub fn int(row: &AnyRow, column: &str) -> StoreResult<i64> {
    Ok(row.try_get::<i64, _>(column)?)
}

pub fn opt_float(row: &AnyRow, column: &str) -> StoreResult<Option<f64>> {
    Ok(row.try_get::<Option<f64>, _>(column)?)
}

pub fn flag(row: &AnyRow, column: &str) -> StoreResult<bool> {
    Ok(int(row, column)? != 0)
}

pub fn uuid(row: &AnyRow, column: &str) -> StoreResult<Uuid> {
    parse_uuid(&text(row, column)?)
}

pub fn opt_uuid(row: &AnyRow, column: &str) -> StoreResult<Option<Uuid>> {
    opt_text(row, column)?
        .as_deref()
        .map(parse_uuid)
        .transpose()
}

pub fn parse_uuid(raw: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(raw).map_err(|e| StoreError::Corrupt(format!("id {raw:?}: {e}")))
}

pub fn time(row: &AnyRow, column: &str) -> StoreResult<OffsetDateTime> {
    timestamp::parse(&text(row, column)?)
}

pub fn opt_time(row: &AnyRow, column: &str) -> StoreResult<Option<OffsetDateTime>> {
    opt_text(row, column)?
        .as_deref()
        .map(timestamp::parse)
        .transpose()
}

pub fn opt_date(row: &AnyRow, column: &str) -> StoreResult<Option<Date>> {
    opt_text(row, column)?
        .as_deref()
        .map(|raw| {
            custos_domain::context::parse_date(raw)
                .ok_or_else(|| StoreError::Corrupt(format!("date {raw:?}")))
        })
        .transpose()
}

/// Reads a text column through a parser of a domain enum.
pub fn parsed<T>(row: &AnyRow, column: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    let raw = text(row, column)?;
    parse(&raw).ok_or_else(|| StoreError::Corrupt(format!("{column} {raw:?}")))
}

/// A parameter value for statements assembled at run time.
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    Int(i64),
}

/// A statement assembled from pieces, numbering its parameters as it goes.
#[derive(Debug, Default)]
pub struct Statement {
    pub sql: String,
    values: Vec<Value>,
}

impl Statement {
    pub fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: Value) -> &mut Self {
        self.values.push(value);
        self.sql.push_str(&format!("${}", self.values.len()));
        self
    }

    /// `head` followed by `conditions` (a WHERE clause built with its own parameters).
    pub fn with_conditions(head: &str, conditions: &Statement) -> Self {
        Self {
            sql: format!("{head}{}", conditions.sql),
            values: conditions.values.clone(),
        }
    }

    pub fn query(&self) -> sqlx::query::Query<'static, Any, sqlx::any::AnyArguments> {
        // The text is assembled from constant fragments; user input only ever travels as values.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(self.sql.clone()));
        for value in &self.values {
            query = match value {
                Value::Text(text) => query.bind(text.clone()),
                Value::Int(int) => query.bind(*int),
            };
        }
        query
    }
}

/// One page of a filtered list and the number of rows matching the filter: `conditions` is
/// the WHERE clause (with its parameters) shared by the page query and the count. The count
/// runs only when the page is full: otherwise the page itself says how many rows there are.
pub async fn fetch_page<T>(
    conn: &mut crate::Conn,
    count_head: &str,
    select_head: &str,
    conditions: &Statement,
    order_by: &str,
    page: Page,
    map: impl Fn(&AnyRow) -> StoreResult<T>,
) -> StoreResult<Listed<T>> {
    let mut select = Statement::with_conditions(select_head, conditions);
    select
        .push(order_by)
        .push(" LIMIT ")
        .bind(Value::Int(i64::from(page.limit)))
        .push(" OFFSET ")
        .bind(Value::Int(i64::try_from(page.offset).unwrap_or(i64::MAX)));
    let items = select
        .query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(map)
        .collect::<StoreResult<Vec<_>>>()?;
    let page_is_partial = !items.is_empty() && items.len() < page.limit as usize;
    let total = if page_is_partial || (items.is_empty() && page.offset == 0) {
        page.offset.saturating_add(items.len() as u64)
    } else {
        let count = Statement::with_conditions(count_head, conditions);
        u64::try_from(int(&count.query().fetch_one(&mut *conn).await?, "n")?).unwrap_or(0)
    };
    Ok(Listed { items, total })
}

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE ... ESCAPE '\'`.
pub fn like_pattern(search: &str) -> String {
    let mut pattern = String::from("%");
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_number_their_parameters() {
        let mut statement = Statement::new("SELECT * FROM t WHERE a = ");
        statement
            .bind(Value::Int(1))
            .push(" AND b = ")
            .bind(Value::Text("x".into()));
        assert_eq!(statement.sql, "SELECT * FROM t WHERE a = $1 AND b = $2");
    }

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }
}
