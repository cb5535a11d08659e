//! Helpers shared by the query modules: statements with a variable number of `$n`
//! parameters, a register's write parameters, and list pages with a bounded count.

use custos_domain::fields::StoredValue;
use custos_domain::list::{Listed, Page, SortDirection, sort_key};
use time::OffsetDateTime;

use crate::StoreResult;
use crate::db::{Conn, FromRow, Param};

/// A statement assembled from constant pieces, numbering its parameters as it goes. User
/// input only ever travels as parameters.
#[derive(Debug, Default, Clone)]
pub struct Statement {
    pub sql: String,
    params: Vec<Param<'static>>,
}

impl Statement {
    pub fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            params: Vec::new(),
        }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Param<'static>>) -> &mut Self {
        self.params.push(value.into());
        self.sql.push('$');
        self.sql.push_str(&self.params.len().to_string());
        self
    }

    /// `head` followed by `conditions` (a WHERE clause built with its own parameters).
    pub fn with_conditions(head: &str, conditions: &Statement) -> Self {
        Self {
            sql: format!("{head}{}", conditions.sql),
            params: conditions.params.clone(),
        }
    }

    pub fn params(&self) -> &[Param<'static>] {
        &self.params
    }
}

/// Counts stop here: beyond it a list says "more than" instead of counting a million rows
/// on every page.
pub const COUNT_LIMIT: u64 = 10_000;

/// One page of a filtered list and how many rows match the filter: `conditions` is the
/// WHERE clause (with its parameters) shared by the page query and the count. The count runs
/// only when the page does not already tell, and stops at [`COUNT_LIMIT`]. `keyset` (such as
/// `" AND o.number > "`) starts the page after `page.after`, for lists that offer it. A
/// `known_total` (counted a moment ago) saves the count.
#[expect(clippy::too_many_arguments)]
pub async fn fetch_page<T: FromRow>(
    conn: &mut Conn,
    from: &str,
    select_head: &str,
    conditions: &Statement,
    keyset: Option<&str>,
    order_by: &str,
    page: Page,
    known_total: Option<(u64, bool)>,
) -> StoreResult<Listed<T>> {
    let items: Vec<T> = fetch_rows(conn, select_head, conditions, keyset, order_by, page).await?;
    let keyed = keyset.is_some() && page.after.is_some();
    let page_is_partial = !items.is_empty() && items.len() < page.limit as usize;
    if !keyed && (page_is_partial || (items.is_empty() && page.offset == 0)) {
        let total = page.offset.saturating_add(items.len() as u64);
        return Ok(Listed::exact(items, total));
    }
    if let Some((total, exact)) = known_total {
        return Ok(Listed {
            items,
            total,
            total_exact: exact,
        });
    }
    let mut count = Statement::with_conditions(
        &format!("SELECT COUNT(*) FROM (SELECT 1 {from}"),
        conditions,
    );
    count.push(&format!(" LIMIT {}) AS capped", COUNT_LIMIT + 1));
    let (counted,): (i64,) = conn.fetch_one(&count.sql, count.params()).await?;
    let counted = u64::try_from(counted).unwrap_or(0);
    Ok(if counted > COUNT_LIMIT {
        Listed::at_least(items, COUNT_LIMIT)
    } else {
        Listed::exact(items, counted)
    })
}

/// The rows of one page, without counting: the page query of [`fetch_page`], and what
/// exports read page after page.
pub async fn fetch_rows<T: FromRow>(
    conn: &mut Conn,
    select_head: &str,
    conditions: &Statement,
    keyset: Option<&str>,
    order_by: &str,
    page: Page,
) -> StoreResult<Vec<T>> {
    let mut select = Statement::with_conditions(select_head, conditions);
    if let (Some(clause), Some(after)) = (keyset, page.after) {
        select.push(clause).bind(after);
    }
    // LIMIT and OFFSET are written into the text, not bound: SQLite plans with the value of a
    // bound LIMIT, so rebinding it expires the prepared statement and every request would
    // parse and plan the query again. They are integers Custos computes, never user text.
    select.push(order_by).push(&format!(
        " LIMIT {} OFFSET {}",
        page.limit,
        page.offset.min(i64::MAX as u64)
    ));
    conn.fetch_all(&select.sql, select.params()).await
}

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE ... ESCAPE '\'`.
/// The parameters of a register's insert or update, in the order its statements number
/// them: `keys` ($1 to $3), the derived columns ($4 the sort key of `title`, $5 `search`, the
/// lower-cased text the search box matches, $6 the time of the write), then the draft's
/// fields from $7 in their declaration order.
pub fn record_params<'a>(
    keys: [Param<'a>; 3],
    title: &str,
    search: String,
    now: OffsetDateTime,
    fields: Vec<StoredValue<'a>>,
) -> Vec<Param<'a>> {
    let mut params = keys.to_vec();
    params.extend([sort_key(title).into(), search.into(), now.into()]);
    params.extend(fields.into_iter().map(Param::from));
    params
}

/// How a register's page is ordered: by `column` (of the table aliased `alias`), then by
/// number in the same direction; `nulls_last` puts missing values last in both directions on
/// both backends. When the page is sorted by number (`by_number`), the keyset clause `after`
/// continues with comes too. Returns (keyset, ORDER BY).
pub fn order_by_then_number(
    alias: &str,
    column: &str,
    by_number: bool,
    nulls_last: bool,
    direction: SortDirection,
) -> (Option<String>, String) {
    let keyset = by_number.then(|| match direction {
        SortDirection::Asc => format!(" AND {alias}.number > "),
        SortDirection::Desc => format!(" AND {alias}.number < "),
    });
    let nulls = if nulls_last {
        format!("{column} IS NULL, ")
    } else {
        String::new()
    };
    let direction = direction.as_str();
    let order_by = format!(" ORDER BY {nulls}{column} {direction}, {alias}.number {direction}");
    (keyset, order_by)
}

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
            .bind(1_i64)
            .push(" AND b = ")
            .bind(String::from("x"));
        assert_eq!(statement.sql, "SELECT * FROM t WHERE a = $1 AND b = $2");
        assert_eq!(statement.params().len(), 2);
    }

    #[test]
    fn pages_are_ordered_by_their_column_then_number_with_missing_values_last() {
        let (keyset, order_by) =
            order_by_then_number("c", "c.implemented_on", false, true, SortDirection::Desc);
        assert_eq!(keyset, None);
        assert_eq!(
            order_by,
            " ORDER BY c.implemented_on IS NULL, c.implemented_on desc, c.number desc"
        );
        let (keyset, order_by) =
            order_by_then_number("d", "d.number", true, false, SortDirection::Asc);
        assert_eq!(keyset.as_deref(), Some(" AND d.number > "));
        assert_eq!(order_by, " ORDER BY d.number asc, d.number asc");
    }

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }
}
