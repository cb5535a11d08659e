//! The asset inventory: one row per asset, every statement scoped by `org_id`.

use custos_domain::assets::figures::AssetCounts;
use custos_domain::assets::{
    Asset, AssetDraft, AssetList, AssetReference, AssetSort, AssetStatus, AssetType, LinkedAsset,
};
use custos_domain::list::{Listed, SortDirection};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::{Conn, FromRow, LIST_SEPARATOR, Param, RowReader, Rows, RowsInsert, RowsStatement};
use crate::sql::{self, Statement};
use crate::{Backend, StoreResult, params};

/// The columns [`Asset`]'s mapping reads, in its order.
macro_rules! select {
    () => {
        "SELECT a.id, a.number, a.name, a.description, a.asset_type, a.owner_id, o.name, \
         a.custodian_id, c.name, a.location, a.classification, a.confidentiality, a.integrity, \
         a.availability, a.status, a.tags, a.external_id, a.last_reviewed_on, a.next_review_on, \
         a.version, a.created_at, a.updated_at \
         FROM assets a LEFT JOIN users o ON o.id = a.owner_id LEFT JOIN users c ON c.id = a.custodian_id"
    };
}

impl FromRow for Asset {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Asset {
            id: row.get()?,
            number: row.get()?,
            name: row.get()?,
            description: row.get()?,
            asset_type: row.parsed(AssetType::parse)?,
            owner_id: row.get()?,
            owner_name: row.get()?,
            custodian_id: row.get()?,
            custodian_name: row.get()?,
            location: row.get()?,
            classification: row.get()?,
            confidentiality: row.get()?,
            integrity: row.get()?,
            availability: row.get()?,
            status: row.parsed(AssetStatus::parse)?,
            tags: row
                .get::<String>()?
                .split(LIST_SEPARATOR)
                .filter(|tag| !tag.is_empty())
                .map(str::to_owned)
                .collect(),
            external_id: row.get()?,
            last_reviewed_on: row.get()?,
            next_review_on: row.get()?,
            version: row.get()?,
            created_at: row.get()?,
            updated_at: row.get()?,
        })
    }
}

/// What the search box matches: the reference, the name, the external id and the tags.
fn search_text(draft: &AssetDraft, number: i64) -> String {
    format!(
        "{} {} {} {}",
        AssetReference(number),
        draft.name,
        draft.external_id.as_deref().unwrap_or_default(),
        draft.tags.join(" ")
    )
    .to_lowercase()
}

/// `keys` ($1 to $3), the derived columns ($4 to $6: sort key, search text, time of the
/// write), then the draft's fields from $7 in declaration order (`AssetInput::FIELDS`), as
/// `insert` and `update` name them.
fn with_fields<'a>(
    keys: [Param<'a>; 3],
    draft: &'a AssetDraft,
    number: i64,
    now: OffsetDateTime,
) -> Vec<Param<'a>> {
    let search = search_text(draft, number);
    sql::record_params(keys, &draft.name, search, now, draft.stored_values())
}

const ASSET_INSERT: RowsInsert = RowsInsert {
    table: "assets",
    columns: &[
        "id",
        "org_id",
        "number",
        "name_key",
        "search_text",
        "created_at",
        // The draft's fields, in declaration order (`AssetInput::FIELDS`).
        "name",
        "description",
        "asset_type",
        "owner_id",
        "custodian_id",
        "location",
        "classification",
        "confidentiality",
        "integrity",
        "availability",
        "status",
        "tags",
        "external_id",
        "last_reviewed_on",
        "next_review_on",
        // Beside the draft: a new asset is at version 1, updated when created.
        "updated_at",
        "version",
    ],
    tail: "",
};

/// A new asset: its id, its number and what was entered.
pub struct NewAsset<'a> {
    pub id: Uuid,
    pub number: i64,
    pub draft: &'a AssetDraft,
}

pub async fn insert(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    number: i64,
    draft: &AssetDraft,
    now: OffsetDateTime,
) -> StoreResult<()> {
    insert_rows(
        conn,
        asset_rows(org_id, &[NewAsset { id, number, draft }], now),
    )
    .await
}

/// New assets as the rows [`insert_rows`] writes.
pub fn asset_rows(org_id: Uuid, assets: &[NewAsset<'_>], now: OffsetDateTime) -> Rows {
    Rows(
        assets
            .iter()
            .map(|asset| {
                let mut row: Vec<Param<'static>> = with_fields(
                    [asset.id.into(), org_id.into(), asset.number.into()],
                    asset.draft,
                    asset.number,
                    now,
                )
                .into_iter()
                .map(Param::into_owned)
                .collect();
                row.extend([now.into(), 1i64.into()]);
                row
            })
            .collect(),
    )
}

/// Inserts the assets of [`asset_rows`] (many to a statement on PostgreSQL).
pub async fn insert_rows(conn: &mut Conn, rows: Rows) -> StoreResult<()> {
    conn.insert_rows::<()>(&ASSET_INSERT, rows.0).await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Asset>> {
    conn.fetch_optional(
        concat!(select!(), " WHERE a.org_id = $1 AND a.id = $2"),
        params![org_id, id],
    )
    .await
}

/// Writes `draft` over version `expected_version`; false when someone else saved first.
pub async fn update(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    number: i64,
    expected_version: i64,
    draft: &AssetDraft,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let change = AssetChange {
        id,
        number,
        expected_version,
        draft,
    };
    Ok(update_all(conn, org_id, &[change], now).await?.len() == 1)
}

/// An asset's new content over the version it was read at.
pub struct AssetChange<'a> {
    pub id: Uuid,
    pub number: i64,
    pub expected_version: i64,
    pub draft: &'a AssetDraft,
}

/// Writes each change over its version (many to a statement on PostgreSQL); returns the ids
/// of the assets written: one missing was saved by someone else first.
pub async fn update_all(
    conn: &mut Conn,
    org_id: Uuid,
    changes: &[AssetChange<'_>],
    now: OffsetDateTime,
) -> StoreResult<Vec<Uuid>> {
    let rows = changes
        .iter()
        .map(|change| {
            with_fields(
                [
                    org_id.into(),
                    change.id.into(),
                    change.expected_version.into(),
                ],
                change.draft,
                change.number,
                now,
            )
        })
        .collect();
    let statement = RowsStatement {
        one_row: "UPDATE assets SET name_key = $4, search_text = $5, updated_at = $6,
                    version = version + 1, name = $7, description = $8, asset_type = $9,
                    owner_id = $10, custodian_id = $11, location = $12, classification = $13,
                    confidentiality = $14, integrity = $15, availability = $16, status = $17,
                    tags = $18, external_id = $19, last_reviewed_on = $20, next_review_on = $21
             WHERE org_id = $1 AND id = $2 AND version = $3
             RETURNING id"
            .into(),
        unnest: "UPDATE assets a SET name_key = u.name_key, search_text = u.search_text,
                    updated_at = u.updated_at, version = a.version + 1, name = u.name,
                    description = u.description, asset_type = u.asset_type,
                    owner_id = u.owner_id, custodian_id = u.custodian_id, location = u.location,
                    classification = u.classification, confidentiality = u.confidentiality,
                    integrity = u.integrity, availability = u.availability, status = u.status,
                    tags = u.tags, external_id = u.external_id,
                    last_reviewed_on = u.last_reviewed_on, next_review_on = u.next_review_on
             FROM UNNEST({arrays}) AS u (org_id, id, version, name_key, search_text, updated_at,
                    name, description, asset_type, owner_id, custodian_id, location,
                    classification, confidentiality, integrity, availability, status, tags,
                    external_id, last_reviewed_on, next_review_on)
             WHERE a.org_id = u.org_id AND a.id = u.id AND a.version = u.version
             RETURNING a.id"
            .into(),
    };
    let written: Vec<(Uuid,)> = conn.run_rows(&statement, rows).await?;
    Ok(written.into_iter().map(|(id,)| id).collect())
}

pub async fn delete(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    expected_version: i64,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "DELETE FROM assets WHERE org_id = $1 AND id = $2 AND version = $3",
            params![org_id, id, expected_version],
        )
        .await?;
    Ok(changed == 1)
}

/// How many months apart the organisation reviews its assets.
pub async fn review_months(conn: &mut Conn, org_id: Uuid) -> StoreResult<i64> {
    let (months,): (i64,) = conn
        .fetch_one(
            "SELECT asset_review_months FROM organisations WHERE id = $1",
            params![org_id],
        )
        .await?;
    Ok(months)
}

pub async fn set_review_months(conn: &mut Conn, org_id: Uuid, months: i64) -> StoreResult<()> {
    conn.execute(
        "UPDATE organisations SET asset_review_months = $2 WHERE id = $1",
        params![org_id, months],
    )
    .await?;
    Ok(())
}

/// Counts over the assets not retired: all of them, and those with an owner, a
/// classification, all three of C, I and A, and a last review on or after `reviewed_since`.
pub async fn counts(
    conn: &mut Conn,
    org_id: Uuid,
    reviewed_since: Date,
) -> StoreResult<AssetCounts> {
    let (total, owned, classified, valued, reviewed): (i64, i64, i64, i64, i64) = conn
        .fetch_one(
            "SELECT COUNT(*),
                    COALESCE(SUM(CASE WHEN owner_id IS NOT NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN classification IS NOT NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN confidentiality IS NOT NULL AND integrity IS NOT NULL
                                       AND availability IS NOT NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN last_reviewed_on >= $2 THEN 1 ELSE 0 END), 0)
             FROM assets WHERE org_id = $1 AND status <> 'retired'",
            params![org_id, reviewed_since],
        )
        .await?;
    Ok(AssetCounts {
        total,
        owned,
        classified,
        valued,
        reviewed_within_period: reviewed,
    })
}

/// The WHERE clause of a page of assets, the keyset clause `after` continues with (number
/// order only) and the ORDER BY.
fn list_query(org_id: Uuid, request: &AssetList) -> (Statement, Option<&'static str>, String) {
    let AssetList {
        filter,
        sort,
        direction,
        ..
    } = request;
    let (sort, direction) = (*sort, *direction);
    let mut conditions = Statement::new(" WHERE a.org_id = ");
    conditions.bind(org_id);
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        conditions
            .push(" AND a.search_text LIKE ")
            .bind(sql::like_pattern(search.trim()))
            .push(" ESCAPE '\\'");
    }
    if let Some(asset_type) = filter.asset_type {
        conditions
            .push(" AND a.asset_type = ")
            .bind(asset_type.as_str());
    }
    if let Some(status) = filter.status {
        conditions.push(" AND a.status = ").bind(status.as_str());
    }
    if let Some(owner_id) = filter.owner_id {
        conditions.push(" AND a.owner_id = ").bind(owner_id);
    }
    if let Some(classification) = filter.classification {
        conditions
            .push(" AND a.classification = ")
            .bind(classification);
    }
    let column = match sort {
        AssetSort::Number => "a.number",
        AssetSort::Name => "a.name_key",
        AssetSort::Type => "a.asset_type",
        AssetSort::Classification => "a.classification",
        AssetSort::Status => "a.status",
        AssetSort::NextReview => "a.next_review_on",
        AssetSort::UpdatedAt => "a.updated_at",
    };
    let keyset = match (sort, direction) {
        (AssetSort::Number, SortDirection::Asc) => Some(" AND a.number > "),
        (AssetSort::Number, SortDirection::Desc) => Some(" AND a.number < "),
        _ => None,
    };
    // Missing values sort last in both directions on both backends.
    let nulls = match sort {
        AssetSort::Classification => "a.classification IS NULL, ",
        AssetSort::NextReview => "a.next_review_on IS NULL, ",
        _ => "",
    };
    let direction = direction.as_str();
    let order_by = format!(" ORDER BY {nulls}{column} {direction}, a.number {direction}");
    (conditions, keyset, order_by)
}

pub async fn list(
    conn: &mut Conn,
    org_id: Uuid,
    request: &AssetList,
    known_total: Option<(u64, bool)>,
) -> StoreResult<Listed<Asset>> {
    let (conditions, keyset, order_by) = list_query(org_id, request);
    sql::fetch_page(
        conn,
        " FROM assets a",
        select!(),
        &conditions,
        keyset,
        &order_by,
        request.page,
        known_total,
    )
    .await
}

/// The page of assets `request` asks for, without counting them: for exports, which read the
/// register a page at a time.
pub async fn rows(conn: &mut Conn, org_id: Uuid, request: &AssetList) -> StoreResult<Vec<Asset>> {
    let (conditions, keyset, order_by) = list_query(org_id, request);
    sql::fetch_rows(
        conn,
        select!(),
        &conditions,
        keyset,
        &order_by,
        request.page,
    )
    .await
}

/// Whether another asset of the organisation carries `external_id`.
pub async fn external_id_taken(
    conn: &mut Conn,
    org_id: Uuid,
    external_id: &str,
    except: Option<Uuid>,
) -> StoreResult<bool> {
    let row: Option<(Uuid,)> = conn
        .fetch_optional(
            "SELECT id FROM assets WHERE org_id = $1 AND external_id = $2",
            params![org_id, external_id],
        )
        .await?;
    Ok(row.is_some_and(|(id,)| Some(id) != except))
}

impl FromRow for LinkedAsset {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(LinkedAsset {
            id: row.get()?,
            number: row.get()?,
            name: row.get()?,
        })
    }
}

const LINK_INSERT: RowsInsert = RowsInsert {
    table: "asset_links",
    columns: &["org_id", "supporting_id", "dependant_id", "created_at"],
    tail: "ON CONFLICT DO NOTHING RETURNING supporting_id, dependant_id",
};

const NEW_LINK_INSERT: RowsInsert = RowsInsert {
    tail: "",
    ..LINK_INSERT
};

/// Records that `supporting` supports `dependant`; false when the link existed already.
pub async fn insert_link(
    conn: &mut Conn,
    org_id: Uuid,
    supporting: Uuid,
    dependant: Uuid,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let added = insert_links(conn, org_id, &[(supporting, dependant)], now).await?;
    Ok(!added.is_empty())
}

/// Records each (supporting, dependant) link; returns those that did not exist already.
pub async fn insert_links(
    conn: &mut Conn,
    org_id: Uuid,
    links: &[(Uuid, Uuid)],
    now: OffsetDateTime,
) -> StoreResult<Vec<(Uuid, Uuid)>> {
    conn.insert_rows(&LINK_INSERT, link_rows(org_id, links, now).0)
        .await
}

/// Links as the rows [`insert_new_links`] writes.
pub fn link_rows(org_id: Uuid, links: &[(Uuid, Uuid)], now: OffsetDateTime) -> Rows {
    Rows(
        links
            .iter()
            .map(|(supporting, dependant)| {
                vec![
                    org_id.into(),
                    (*supporting).into(),
                    (*dependant).into(),
                    now.into(),
                ]
            })
            .collect(),
    )
}

/// Inserts links none of which exists yet: one that does is a unique violation (many to a
/// statement on PostgreSQL).
pub async fn insert_new_links(conn: &mut Conn, rows: Rows) -> StoreResult<()> {
    conn.insert_rows::<()>(&NEW_LINK_INSERT, rows.0).await?;
    Ok(())
}

/// Removes a link; false when there was none.
pub async fn delete_link(
    conn: &mut Conn,
    org_id: Uuid,
    supporting: Uuid,
    dependant: Uuid,
) -> StoreResult<bool> {
    let removed = conn
        .execute(
            "DELETE FROM asset_links WHERE org_id = $1 AND supporting_id = $2 AND dependant_id = $3",
            params![org_id, supporting, dependant],
        )
        .await?;
    Ok(removed == 1)
}

/// Every link of the organisation, as (supporting, dependant).
pub async fn links(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<(Uuid, Uuid)>> {
    conn.fetch_all(
        "SELECT supporting_id, dependant_id FROM asset_links WHERE org_id = $1",
        params![org_id],
    )
    .await
}

/// The assets `id` supports (its dependants) and those supporting it, by reference.
pub async fn neighbours(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
) -> StoreResult<(Vec<LinkedAsset>, Vec<LinkedAsset>)> {
    let dependants = conn
        .fetch_all(
            "SELECT a.id, a.number, a.name FROM asset_links l JOIN assets a ON a.id = l.dependant_id
             WHERE l.org_id = $1 AND l.supporting_id = $2 ORDER BY a.number",
            params![org_id, id],
        )
        .await?;
    let supporters = conn
        .fetch_all(
            "SELECT a.id, a.number, a.name FROM asset_links l JOIN assets a ON a.id = l.supporting_id
             WHERE l.org_id = $1 AND l.dependant_id = $2 ORDER BY a.number",
            params![org_id, id],
        )
        .await?;
    Ok((dependants, supporters))
}

/// Every asset's own confidentiality, integrity and availability, for valuation over the
/// support graph.
pub async fn own_values(
    conn: &mut Conn,
    org_id: Uuid,
) -> StoreResult<Vec<(Uuid, Option<i64>, Option<i64>, Option<i64>)>> {
    conn.fetch_all(
        "SELECT id, confidentiality, integrity, availability FROM assets WHERE org_id = $1",
        params![org_id],
    )
    .await
}

/// The part of the support graph that values the assets a change to asset `$2` reaches:
/// `moved` is the asset and every asset that supports it, directly or through others (value
/// flows from dependants to supporters); `valuing` adds every asset those depend on, directly
/// or through others, whose own values their effective values are made of. Both walks follow
/// the links' indexes (by supporter, and by dependant), so they cost the size of the part,
/// not of the register. `CROSS JOIN` keeps SQLite's join order (the walk's rows outside,
/// the index inside): without it, SQLite 3.51 sometimes read every link of the organisation
/// at each step (20 s instead of 1 ms on a million assets). PostgreSQL plans it freely.
macro_rules! graph_around {
    ($moved_from:literal) => {
        concat!(
            "WITH RECURSIVE moved(id) AS (
                SELECT id FROM assets WHERE org_id = $1 AND id = $2",
            $moved_from,
            "), valuing(id) AS (
                SELECT id FROM moved
                UNION
                SELECT l.dependant_id FROM valuing v CROSS JOIN asset_links l
                WHERE l.org_id = $1 AND l.supporting_id = v.id
            ) "
        )
    };
}

/// `moved` is the asset alone: the part that values it.
macro_rules! graph_above {
    () => {
        graph_around!("")
    };
}

/// `moved` reaches down through its supporters: the part that values everything a change to
/// it moves.
macro_rules! graph_below_and_above {
    () => {
        graph_around!(
            " UNION
                SELECT l.supporting_id FROM moved m CROSS JOIN asset_links l
                WHERE l.org_id = $1 AND l.dependant_id = m.id"
        )
    };
}

/// A part of the support graph: its assets and the links between them.
pub struct SubGraph {
    pub assets: Vec<GraphAsset>,
    pub links: Vec<(Uuid, Uuid)>,
}

/// An asset of a [`SubGraph`]: its own C, I and A, and whether a change to the asset the
/// part was read around moves its effective values.
pub struct GraphAsset {
    pub id: Uuid,
    pub number: i64,
    pub name: String,
    pub confidentiality: Option<i64>,
    pub integrity: Option<i64>,
    pub availability: Option<i64>,
    pub moved: bool,
}

impl FromRow for GraphAsset {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(GraphAsset {
            id: row.get()?,
            number: row.get()?,
            name: row.get()?,
            confidentiality: row.get()?,
            integrity: row.get()?,
            availability: row.get()?,
            moved: row.get()?,
        })
    }
}

/// The end of a statement reading the walked part's assets, and the links out of them: a
/// look-up by key for each asset of the walk. SQLite keeps the written order (`CROSS JOIN`);
/// PostgreSQL, which guesses a recursive walk at thousands of rows, would otherwise merge
/// the walk with the whole table (300 ms on a million assets), so it gets the look-up as a
/// `LATERAL` subquery that `LIMIT 1` (a key) or `OFFSET 0` keeps from being flattened back
/// into a join: it runs once per row of the walk (2.5 ms).
macro_rules! walked_assets {
    (sqlite) => {
        " FROM valuing v CROSS JOIN assets a WHERE a.id = v.id"
    };
    (postgres) => {
        " FROM valuing v CROSS JOIN LATERAL (SELECT * FROM assets x WHERE x.id = v.id LIMIT 1) a"
    };
}

macro_rules! walked_links {
    (sqlite) => {
        "SELECT l.supporting_id, l.dependant_id FROM valuing v CROSS JOIN asset_links l
         WHERE l.org_id = $1 AND l.supporting_id = v.id"
    };
    (postgres) => {
        "SELECT l.supporting_id, l.dependant_id FROM valuing v CROSS JOIN LATERAL (
             SELECT supporting_id, dependant_id FROM asset_links x
             WHERE x.org_id = $1 AND x.supporting_id = v.id OFFSET 0) l"
    };
}

/// The part of the graph that gives asset `id` its effective values: it and every asset that
/// depends on it, directly or through others.
pub async fn graph_valuing(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<SubGraph> {
    macro_rules! statements {
        ($backend:tt) => {
            (
                concat!(
                    graph_above!(),
                    "SELECT a.id, a.number, a.name, a.confidentiality, a.integrity,
                            a.availability, a.id = $2",
                    walked_assets!($backend)
                ),
                concat!(graph_above!(), walked_links!($backend)),
            )
        };
    }
    let (assets, links) = match conn.backend() {
        Backend::Sqlite => statements!(sqlite),
        Backend::Postgres => statements!(postgres),
    };
    let assets = conn.fetch_all(assets, params![org_id, id]).await?;
    let links = conn.fetch_all(links, params![org_id, id]).await?;
    Ok(SubGraph { assets, links })
}

/// The part of the graph that gives effective values to every asset a change to asset `id`
/// moves (those flagged): it and its supporters, directly or through others, with everything
/// that depends on any of them.
pub async fn graph_moved_by(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<SubGraph> {
    macro_rules! statements {
        ($backend:tt) => {
            (
                concat!(
                    graph_below_and_above!(),
                    "SELECT a.id, a.number, a.name, a.confidentiality, a.integrity,
                            a.availability, a.id IN (SELECT id FROM moved)",
                    walked_assets!($backend)
                ),
                concat!(graph_below_and_above!(), walked_links!($backend)),
            )
        };
    }
    let (assets, links) = match conn.backend() {
        Backend::Sqlite => statements!(sqlite),
        Backend::Postgres => statements!(postgres),
    };
    let assets = conn.fetch_all(assets, params![org_id, id]).await?;
    let links = conn.fetch_all(links, params![org_id, id]).await?;
    Ok(SubGraph { assets, links })
}

/// The asset cited as `AST-{number}`.
pub async fn find_by_number(
    conn: &mut Conn,
    org_id: Uuid,
    number: i64,
) -> StoreResult<Option<Asset>> {
    conn.fetch_optional(
        concat!(select!(), " WHERE a.org_id = $1 AND a.number = $2"),
        params![org_id, number],
    )
    .await
}

/// Values bound per statement when looking up many assets at once: an import of a hundred
/// thousand rows looks them up in two hundred statements, not thousands.
const LOOKUP_CHUNK: usize = 500;

/// `$first, $first+1, ...`: one placeholder per value.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The assets carrying any of `external_ids` (for imports, which match rows on them).
pub async fn find_by_external_ids(
    conn: &mut Conn,
    org_id: Uuid,
    external_ids: &[&str],
) -> StoreResult<Vec<Asset>> {
    find_where_in(conn, org_id, "a.external_id", external_ids).await
}

/// The assets cited as `AST-{number}` for any of `numbers`.
pub async fn find_by_numbers(
    conn: &mut Conn,
    org_id: Uuid,
    numbers: &[i64],
) -> StoreResult<Vec<Asset>> {
    find_where_in(conn, org_id, "a.number", numbers).await
}

/// The assets whose `column` holds one of `values`, a chunk of values per statement.
async fn find_where_in<'a, V>(
    conn: &mut Conn,
    org_id: Uuid,
    column: &str,
    values: &'a [V],
) -> StoreResult<Vec<Asset>>
where
    V: Copy + Into<Param<'a>>,
{
    let mut found = Vec::new();
    for chunk in values.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "{} WHERE a.org_id = $1 AND {column} IN ({})",
            select!(),
            placeholders(2, chunk.len())
        );
        let mut params = vec![Param::from(org_id)];
        params.extend(chunk.iter().map(|value| (*value).into()));
        found.extend(conn.fetch_all::<Asset>(&sql, &params).await?);
    }
    Ok(found)
}

/// What each of `supporting` supports, as (supporting, dependant's external id, dependant's
/// number), in number order: the `supports` column of an export.
pub async fn supported_by_each(
    conn: &mut Conn,
    org_id: Uuid,
    supporting: &[Uuid],
) -> StoreResult<Vec<(Uuid, Option<String>, i64)>> {
    let mut found = Vec::new();
    for chunk in supporting.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT l.supporting_id, a.external_id, a.number FROM asset_links l
             JOIN assets a ON a.id = l.dependant_id
             WHERE l.org_id = $1 AND l.supporting_id IN ({}) ORDER BY a.number",
            placeholders(2, chunk.len())
        );
        let mut params = vec![Param::from(org_id)];
        params.extend(chunk.iter().map(|id| Param::from(*id)));
        found.extend(
            conn.fetch_all::<(Uuid, Option<String>, i64)>(&sql, &params)
                .await?,
        );
    }
    Ok(found)
}

/// Refreshes PostgreSQL's statistics of the asset tables inside the caller's transaction
/// (SQLite plans these statements by their indexes alone). A long import into tables the
/// planner last saw empty otherwise runs its look-ups (the foreign-key checks of each new
/// row among them) through plans made for an empty table; ANALYZE counts the transaction's
/// own new rows, and the statements planned from the old figures are planned again.
pub async fn refresh_statistics(conn: &mut Conn) -> StoreResult<()> {
    if conn.backend() == crate::Backend::Postgres {
        conn.execute_batch("ANALYZE assets, asset_links").await?;
    }
    Ok(())
}
