//! Records people cite by their per-organisation number (`AST-0001`, `RSK-0001`, ...): found by
//! number, or checked to be the organisation's, in one place for every register.

use uuid::Uuid;

use crate::db::Conn;
use crate::{StoreResult, params};

/// A register whose records are cited by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbered {
    Assets,
    Risks,
    Controls,
    Documents,
}

impl Numbered {
    fn table(self) -> &'static str {
        match self {
            Numbered::Assets => "assets",
            Numbered::Risks => "risks",
            Numbered::Controls => "controls",
            Numbered::Documents => "documents",
        }
    }
}

/// The ids of the organisation's records of `register` numbered `numbers`, as (number, id).
pub async fn ids_by_number(
    conn: &mut Conn,
    org_id: Uuid,
    register: Numbered,
    numbers: &[i64],
) -> StoreResult<Vec<(i64, Uuid)>> {
    let sql = format!(
        "SELECT number, id FROM {} WHERE org_id = $1 AND number = $2",
        register.table()
    );
    let mut found = Vec::with_capacity(numbers.len());
    for number in numbers {
        let row: Option<(i64, Uuid)> = conn.fetch_optional(&sql, params![org_id, *number]).await?;
        found.extend(row);
    }
    Ok(found)
}

/// Whether record `id` of `register` is the organisation's.
pub async fn exists(
    conn: &mut Conn,
    org_id: Uuid,
    register: Numbered,
    id: Uuid,
) -> StoreResult<bool> {
    let sql = format!(
        "SELECT number FROM {} WHERE org_id = $1 AND id = $2",
        register.table()
    );
    let found: Option<(i64,)> = conn.fetch_optional(&sql, params![org_id, id]).await?;
    Ok(found.is_some())
}
