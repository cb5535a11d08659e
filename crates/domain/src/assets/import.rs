//! Importing the asset inventory from a spreadsheet: the columns the register is exported
//! and imported with, and the pure check of every row of a file against the inventory — who
//! owns it, which level it is at, which asset it updates, what it supports — into a plan
//! of what an import would write, or every problem with its row and column.
//!
//! How a row finds its asset (upsert):
//! 1. an `external_id` that an asset of the inventory carries: that asset;
//! 2. otherwise a `reference` (`AST-0007`): that asset, which must exist (it may be given
//!    its first external id this way);
//! 3. otherwise a new asset. A row with neither an external id nor a reference therefore
//!    creates an asset every time it is imported: give rows an external id, or keep the
//!    reference an export wrote, to re-import them.
//!
//! A column the file does not have leaves that field of an updated asset as it is; an
//! empty cell clears it. The `supports` column, when present, lists everything the row's
//! asset supports: links it does not list are removed.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use serde::Serialize;
use uuid::Uuid;

use super::classification::ClassificationScheme;
use super::impact::ImpactScale;
use super::inventory::{Asset, AssetDraft, AssetReference};
use super::review::ReviewPeriod;
use super::valuation::{CycleError, SupportLink, check_new_link};
use crate::platform::Member;

/// The column listing what an asset supports, by external id or reference.
pub const SUPPORTS_COLUMN: &str = "supports";

/// What separates the assets of a `supports` cell. Not a comma: names and external ids
/// may hold one.
pub const SUPPORTS_SEPARATOR: char = ';';

const RECORD_COLUMNS: usize = Asset::CSV_HEADER.len();

/// The columns of the asset register as exported and imported: the record's CSV columns
/// and what each asset supports.
pub const REGISTER_COLUMNS: [&str; RECORD_COLUMNS + 1] = {
    let mut columns = [SUPPORTS_COLUMN; RECORD_COLUMNS + 1];
    let mut index = 0;
    while index < RECORD_COLUMNS {
        columns[index] = Asset::CSV_HEADER[index];
        index += 1;
    }
    columns
};

/// Columns that are written for people to read and ignored on import.
pub const READ_ONLY_COLUMNS: [&str; 1] = ["updated_at"];

/// Most data rows one import takes: a larger inventory is imported in parts.
pub const MAX_IMPORT_ROWS: usize = 200_000;

/// A row of the register as exported: the asset's columns, then what it supports (each
/// dependant by its external id, or by its reference when it has none).
pub fn register_row(asset: Asset, supports: &[String]) -> Vec<String> {
    let mut row = asset.csv_row();
    row.push(supports.join(&format!("{SUPPORTS_SEPARATOR} ")));
    row
}

/// How an export names an asset in a `supports` cell, so the import finds it again.
pub fn support_name(external_id: Option<&str>, number: i64) -> String {
    match external_id {
        Some(external_id) if !external_id.is_empty() => external_id.to_owned(),
        _ => AssetReference(number).to_string(),
    }
}

/// What the template's example row and the import page say about each column.
pub const COLUMN_NOTES: [(&str, &str); RECORD_COLUMNS + 1] = [
    (
        "reference",
        "AST-0007 to update that asset; leave empty for a new one. An export fills it in.",
    ),
    (
        "external_id",
        "The asset's id in your own inventory or CMDB. Rows are matched on it first, so a \
         file can be imported again and again.",
    ),
    ("name", "Required."),
    (
        "type",
        "Required: information, software, hardware, service, people or site.",
    ),
    ("description", "Free text."),
    (
        "owner",
        "A member of the organisation, by e-mail address or by name.",
    ),
    ("custodian", "A member, by e-mail address or by name."),
    ("location", "Free text."),
    (
        "classification",
        "A level of the classification scheme, by name (Confidential) or rank (3).",
    ),
    (
        "confidentiality",
        "An impact level, by number (1 = lowest) or label.",
    ),
    ("integrity", "An impact level, by number or label."),
    ("availability", "An impact level, by number or label."),
    ("status", "planned, in_use (the default) or retired."),
    ("tags", "Separated by commas."),
    ("last_reviewed_on", "YYYY-MM-DD."),
    ("next_review_on", "YYYY-MM-DD."),
    ("updated_at", "Written by exports; ignored on import."),
    (
        SUPPORTS_COLUMN,
        "The assets this one supports (they depend on it), by external id or reference, \
         separated by semicolons.",
    ),
];

/// The template's example rows: the customer data and the application that supports it, so
/// that the template imports as it is.
pub fn example_rows() -> Vec<Vec<String>> {
    let row = |cells: [&str; RECORD_COLUMNS + 1]| cells.map(str::to_owned).to_vec();
    vec![
        row([
            "",
            "CMDB-1001",
            "Customer database",
            "information",
            "Orders, contacts and invoices of every customer.",
            "",
            "",
            "Primary data centre",
            "Confidential",
            "3",
            "3",
            "2",
            "in_use",
            "crm, personal data",
            "",
            "",
            "",
            "",
        ]),
        row([
            "",
            "CMDB-1002",
            "CRM application",
            "software",
            "Where sales and support keep the customer database.",
            "",
            "",
            "",
            "Internal",
            "2",
            "3",
            "3",
            "in_use",
            "crm",
            "",
            "",
            "",
            "CMDB-1001",
        ]),
    ]
}

/// A column of the file that the register knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetColumn {
    /// The register's name for it (one of [`REGISTER_COLUMNS`]).
    pub key: &'static str,
    /// Where it is: `A`, `B`, ... `AA`.
    pub letter: String,
    /// Its header as the file writes it.
    pub header: String,
}

/// A data row: its number as a spreadsheet shows it and one value per [`SheetColumn`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub number: usize,
    pub values: Vec<String>,
}

/// A file to import, reduced to the register's columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSheet {
    pub columns: Vec<SheetColumn>,
    pub rows: Vec<SheetRow>,
}

impl ImportSheet {
    fn column(&self, key: &str) -> Option<(usize, &SheetColumn)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, column)| column.key == key)
    }

    fn value<'a>(&self, row: &'a SheetRow, key: &str) -> Option<&'a str> {
        let (index, _) = self.column(key)?;
        row.values.get(index).map(String::as_str)
    }
}

/// A problem with a file, a row or a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// The row as a spreadsheet numbers it (the header is row 1); none for the file.
    pub row: Option<usize>,
    /// The column letter; none for a whole row or a column the file lacks.
    pub column: Option<String>,
    /// The column's header as the file writes it, or the register's name for a column the
    /// file lacks.
    pub header: String,
    pub message: String,
}

impl ImportError {
    pub fn file(message: impl Into<String>) -> Self {
        Self {
            row: None,
            column: None,
            header: String::new(),
            message: message.into(),
        }
    }

    /// "row 14, column D (owner)", "row 14", or "the file".
    pub fn position(&self) -> String {
        match (self.row, &self.column) {
            (None, _) => "the file".to_owned(),
            (Some(row), None) if self.header.is_empty() => format!("row {row}"),
            (Some(row), None) => format!("row {row} ({})", self.header),
            (Some(row), Some(column)) if self.header.is_empty() => {
                format!("row {row}, column {column}")
            }
            (Some(row), Some(column)) => format!("row {row}, column {column} ({})", self.header),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position(), self.message)
    }
}

/// The external ids and asset numbers a file names (its rows' and their `supports`), for
/// the caller to look up in the inventory before planning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedAssets {
    pub external_ids: BTreeSet<String>,
    pub numbers: BTreeSet<i64>,
}

pub fn named_assets(sheet: &ImportSheet) -> NamedAssets {
    let mut named = NamedAssets::default();
    for row in &sheet.rows {
        if let Some(external_id) = sheet.value(row, "external_id").map(str::trim)
            && !external_id.is_empty()
        {
            named.external_ids.insert(external_id.to_owned());
        }
        if let Some(number) = sheet.value(row, "reference").and_then(parse_reference) {
            named.numbers.insert(number);
        }
        for target in sheet
            .value(row, SUPPORTS_COLUMN)
            .into_iter()
            .flat_map(support_targets)
        {
            named.external_ids.insert(target.to_owned());
            if let Some(number) = parse_reference(target) {
                named.numbers.insert(number);
            }
        }
    }
    named
}

/// An asset number written as `AST-0007`, `ast-7` or `7`.
pub fn parse_reference(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let digits = raw
        .get(..4)
        .filter(|prefix| prefix.eq_ignore_ascii_case("ast-"))
        .map_or(raw, |_| &raw[4..]);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok().filter(|n| *n > 0)
}

fn support_targets(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([SUPPORTS_SEPARATOR, '\n'])
        .map(str::trim)
        .filter(|target| !target.is_empty())
}

/// What the inventory holds that a file's rows may name.
#[derive(Debug, Clone, Copy)]
pub struct Inventory<'a> {
    /// The assets the file names (see [`named_assets`]); others may be left out.
    pub assets: &'a [Asset],
    /// Every support link of the organisation: loops are checked over the whole graph.
    pub links: &'a [SupportLink],
    pub members: &'a [Member],
    /// The scheme in force and the organisation's scale: levels are read against them.
    pub classification: &'a ClassificationScheme,
    pub impact: &'a ImpactScale,
    /// A reviewed asset without a next review date is next due a period after the last, as
    /// when it is saved from the form.
    pub review_period: &'a ReviewPeriod,
}

/// What importing a row does to its asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RowAction {
    Create,
    /// The stored asset at `version` differs from the row.
    Update {
        number: i64,
        version: i64,
    },
    Unchanged {
        number: i64,
    },
}

/// A row of a file that can be imported.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    pub row: usize,
    /// The asset's id: its own, or the one it will be created with.
    pub id: Uuid,
    pub action: RowAction,
    pub draft: AssetDraft,
}

/// A support link an import adds or removes, and the row that asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedLink {
    pub row: usize,
    pub supporter: Uuid,
    pub dependant: Uuid,
}

/// What an import would write, or why it writes nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportPlan {
    pub rows: Vec<PlannedRow>,
    pub links_added: Vec<PlannedLink>,
    pub links_removed: Vec<PlannedLink>,
    /// Every problem found; when there is any, nothing may be written.
    pub errors: Vec<ImportError>,
    /// The loop a file's links would close, when that is one of the errors: its assets that
    /// neither the file nor [`Inventory::assets`] names are shown by id until the caller
    /// names them ([`ImportPlan::name_loop`]).
    pub refused_loop: Option<RefusedLoop>,
}

/// A loop of support links an import refuses, and the error that explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedLoop {
    pub cycle: CycleError,
    /// Assets on the loop the plan could not name.
    pub unnamed: Vec<Uuid>,
    error: ImportError,
    names: HashMap<Uuid, String>,
}

impl ImportPlan {
    /// Explains the refused loop again with the assets `name` knows (`AST-0007 CRM`).
    pub fn name_loop(&mut self, name: impl Fn(Uuid) -> Option<String>) {
        let Some(refused) = &mut self.refused_loop else {
            return;
        };
        let Some(error) = self.errors.iter_mut().find(|e| **e == refused.error) else {
            return;
        };
        let message = refused.cycle.explain(|id| {
            refused
                .names
                .get(&id)
                .cloned()
                .or_else(|| name(id))
                .unwrap_or_else(|| id.to_string())
        });
        error.message = message;
        refused.error = error.clone();
        refused.unnamed.clear();
    }

    /// How many rows' actions `wanted` accepts.
    pub fn count(&self, wanted: fn(&RowAction) -> bool) -> usize {
        self.rows.iter().filter(|row| wanted(&row.action)).count()
    }

    /// Whether importing would change nothing at all.
    pub fn changes_nothing(&self) -> bool {
        self.links_added.is_empty()
            && self.links_removed.is_empty()
            && self
                .rows
                .iter()
                .all(|row| matches!(row.action, RowAction::Unchanged { .. }))
    }
}

/// The register's columns a file's header must match, as the table reader takes them.
pub fn known_columns() -> &'static [&'static str] {
    &REGISTER_COLUMNS
}

/// Checks every row of `sheet` against `inventory` and plans the import. New assets get
/// their ids from `new_id`. Never panics, whatever the file holds.
pub fn plan_import(
    sheet: &ImportSheet,
    inventory: &Inventory<'_>,
    mut new_id: impl FnMut() -> Uuid,
) -> ImportPlan {
    let mut plan = ImportPlan::default();
    if sheet.rows.is_empty() {
        plan.errors.push(ImportError::file(
            "The file has a header but no rows to import.",
        ));
        return plan;
    }
    if sheet.rows.len() > MAX_IMPORT_ROWS {
        plan.errors.push(ImportError::file(format!(
            "The file has {} rows; import at most {MAX_IMPORT_ROWS} at a time.",
            sheet.rows.len()
        )));
        return plan;
    }
    let by_external_id: HashMap<&str, &Asset> = inventory
        .assets
        .iter()
        .filter_map(|a| a.external_id.as_deref().map(|e| (e, a)))
        .collect();
    let by_number: HashMap<i64, &Asset> = inventory.assets.iter().map(|a| (a.number, a)).collect();
    let people = People::new(inventory.members);

    // First pass: which asset each row is, so that `supports` can name rows of the file.
    let mut targets: Vec<Target<'_>> = Vec::with_capacity(sheet.rows.len());
    let mut rows_by_external_id: HashMap<&str, usize> = HashMap::new();
    let mut rows_by_asset: HashMap<Uuid, usize> = HashMap::new();
    for row in &sheet.rows {
        let cell = |key: &'static str| Cell::of(sheet, row, key);
        let external_id = cell("external_id").trimmed();
        let reference = cell("reference");
        let mut target = None;
        let mut failed = false;
        if !external_id.is_empty() {
            if let Some(first) = rows_by_external_id.get(external_id) {
                plan.errors.push(cell("external_id").error(format!(
                    "Row {first} has this external id too; each asset may appear once in a file."
                )));
                failed = true;
            } else {
                rows_by_external_id.insert(external_id, row.number);
            }
            target = by_external_id.get(external_id).copied();
        }
        let raw_reference = reference.trimmed();
        if !raw_reference.is_empty() {
            match parse_reference(raw_reference).and_then(|n| by_number.get(&n).copied()) {
                None => {
                    let message = if parse_reference(raw_reference).is_some() {
                        format!(
                            "No asset of this inventory is {raw_reference}. Leave the reference \
                             empty to add a new asset."
                        )
                    } else {
                        "Write a reference as the inventory shows it, e.g. AST-0007, or leave it \
                         empty for a new asset."
                            .to_owned()
                    };
                    plan.errors.push(reference.error(message));
                    failed = true;
                }
                Some(referenced) => match target {
                    Some(matched) if matched.id != referenced.id => {
                        plan.errors.push(reference.error(format!(
                            "The external id {external_id} belongs to {}, not to {}.",
                            matched.reference(),
                            referenced.reference()
                        )));
                        failed = true;
                    }
                    _ => target = Some(referenced),
                },
            }
        }
        if let Some(asset) = target {
            if let Some(first) = rows_by_asset.get(&asset.id) {
                plan.errors.push(Cell::row_error(
                    row,
                    format!(
                        "Row {first} is {} too; each asset may appear once in a file.",
                        asset.reference()
                    ),
                ));
                failed = true;
            } else {
                rows_by_asset.insert(asset.id, row.number);
            }
        }
        targets.push(Target {
            id: (!failed).then(|| target.map_or_else(&mut new_id, |asset| asset.id)),
            stored: target,
        });
    }
    let row_ids: HashMap<usize, Uuid> = sheet
        .rows
        .iter()
        .zip(&targets)
        .filter_map(|(row, target)| target.id.map(|id| (row.number, id)))
        .collect();

    // Second pass: the fields, checked by the same rule as the form, and the links.
    let supports_present = sheet.column(SUPPORTS_COLUMN).is_some();
    let mut wanted_links: Vec<PlannedLink> = Vec::new();
    let mut wanted_pairs: HashSet<(Uuid, Uuid)> = HashSet::new();
    for (row, target) in sheet.rows.iter().zip(&targets) {
        // A row already refused is still checked, so every problem shows at once.
        let draft = row_draft(
            sheet,
            row,
            target.stored,
            &people,
            inventory,
            &mut plan.errors,
        );
        let Some(id) = target.id else {
            continue;
        };
        let stored = target.stored;
        if supports_present {
            let cell = Cell::of(sheet, row, SUPPORTS_COLUMN);
            for name in support_targets(cell.value) {
                let dependant = rows_by_external_id
                    .get(name)
                    .and_then(|number| row_ids.get(number).copied())
                    .or_else(|| by_external_id.get(name).map(|a| a.id))
                    .or_else(|| {
                        parse_reference(name).and_then(|n| by_number.get(&n).map(|a| a.id))
                    });
                match dependant {
                    Some(dependant) => {
                        if wanted_pairs.insert((id, dependant)) {
                            wanted_links.push(PlannedLink {
                                row: row.number,
                                supporter: id,
                                dependant,
                            });
                        }
                    }
                    None => plan.errors.push(cell.error(format!(
                        "\"{name}\" is neither an external id or reference in this file nor an \
                         asset of the inventory."
                    ))),
                }
            }
        }
        let Some(draft) = draft else {
            continue;
        };
        let action = match stored {
            None => RowAction::Create,
            Some(asset) if draft.differs_from(asset) => RowAction::Update {
                number: asset.number,
                version: asset.version,
            },
            Some(asset) => RowAction::Unchanged {
                number: asset.number,
            },
        };
        plan.rows.push(PlannedRow {
            row: row.number,
            id,
            action,
            draft,
        });
    }

    if supports_present {
        plan_links(
            sheet,
            inventory,
            &row_ids,
            wanted_links,
            &wanted_pairs,
            &mut plan,
        );
    }
    if !plan.errors.is_empty() {
        plan.rows.clear();
        plan.links_added.clear();
        plan.links_removed.clear();
        // File first, then by row and by column as a spreadsheet orders them (B before AA).
        plan.errors
            .sort_by_key(|e| (e.row, e.column.as_ref().map(|c| (c.len(), c.clone()))));
    }
    plan
}

/// Which asset a row is: `stored` when it names one of the inventory; `id` is none when the
/// row is refused (a duplicate, an unknown reference).
#[derive(Clone, Copy)]
struct Target<'a> {
    id: Option<Uuid>,
    stored: Option<&'a Asset>,
}

/// The links to add and remove so that each row's asset supports exactly what its row
/// lists, refusing any that would close a loop.
fn plan_links(
    sheet: &ImportSheet,
    inventory: &Inventory<'_>,
    row_ids: &HashMap<usize, Uuid>,
    wanted: Vec<PlannedLink>,
    wanted_pairs: &HashSet<(Uuid, Uuid)>,
    plan: &mut ImportPlan,
) {
    let supporters: HashMap<Uuid, usize> = row_ids.iter().map(|(row, id)| (*id, *row)).collect();
    let mut kept: Vec<SupportLink> = Vec::with_capacity(inventory.links.len());
    let mut stored: HashSet<(Uuid, Uuid)> = HashSet::with_capacity(inventory.links.len());
    for link in inventory.links {
        stored.insert((link.supporter, link.dependant));
        match supporters.get(&link.supporter) {
            Some(row) if !wanted_pairs.contains(&(link.supporter, link.dependant)) => {
                plan.links_removed.push(PlannedLink {
                    row: *row,
                    supporter: link.supporter,
                    dependant: link.dependant,
                });
            }
            _ => kept.push(*link),
        }
    }
    let added: Vec<PlannedLink> = wanted
        .into_iter()
        .filter(|w| !stored.contains(&(w.supporter, w.dependant)))
        .collect();
    let mut graph = kept;
    graph.extend(added.iter().map(|l| SupportLink {
        supporter: l.supporter,
        dependant: l.dependant,
    }));
    if let Some(closing) = first_link_in_a_loop(&graph, &added) {
        let others: Vec<SupportLink> = graph
            .iter()
            .filter(|l| !(l.supporter == closing.supporter && l.dependant == closing.dependant))
            .copied()
            .collect();
        if let Err(cycle) = check_new_link(&others, closing.supporter, closing.dependant) {
            let names = loop_names(&cycle, sheet, inventory, row_ids);
            let unnamed: Vec<Uuid> = cycle
                .path
                .iter()
                .filter(|id| !names.contains_key(id))
                .copied()
                .collect();
            let explanation =
                cycle.explain(|id| names.get(&id).cloned().unwrap_or_else(|| id.to_string()));
            let row = sheet.rows.iter().find(|r| r.number == closing.row);
            let error = match row {
                Some(row) => Cell::of(sheet, row, SUPPORTS_COLUMN).error(explanation),
                None => ImportError::file(explanation),
            };
            plan.errors.push(error.clone());
            plan.refused_loop = Some(RefusedLoop {
                cycle,
                unnamed,
                error,
                names,
            });
        }
    }
    plan.links_added = added;
}

/// A link of `graph` that closes a loop, preferring one of `added`; `None` when the graph
/// has no loop. Assets that cannot be on a loop (nothing they support remains, or nothing
/// supporting them remains) are peeled off first, so the usual file costs one linear pass
/// and only links left over are tried one by one.
fn first_link_in_a_loop(graph: &[SupportLink], added: &[PlannedLink]) -> Option<PlannedLink> {
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    for link in graph {
        for id in [link.supporter, link.dependant] {
            let next = index.len();
            index.entry(id).or_insert(next);
        }
    }
    let count = index.len();
    let mut out_degree = vec![0usize; count];
    let mut in_degree = vec![0usize; count];
    let mut supporters_of: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut dependants_of: Vec<Vec<usize>> = vec![Vec::new(); count];
    for link in graph {
        let (s, d) = (index[&link.supporter], index[&link.dependant]);
        out_degree[s] += 1;
        in_degree[d] += 1;
        supporters_of[d].push(s);
        dependants_of[s].push(d);
    }
    let mut removed = vec![false; count];
    let mut ready: Vec<usize> = (0..count)
        .filter(|&n| out_degree[n] == 0 || in_degree[n] == 0)
        .collect();
    while let Some(node) = ready.pop() {
        if removed[node] {
            continue;
        }
        removed[node] = true;
        for &s in &supporters_of[node] {
            out_degree[s] -= 1;
            if out_degree[s] == 0 && !removed[s] {
                ready.push(s);
            }
        }
        for &d in &dependants_of[node] {
            in_degree[d] -= 1;
            if in_degree[d] == 0 && !removed[d] {
                ready.push(d);
            }
        }
    }
    let remains = |supporter: Uuid, dependant: Uuid| {
        !removed[index[&supporter]] && !removed[index[&dependant]]
    };
    let closes_a_loop = |supporter: Uuid, dependant: Uuid| {
        let others: Vec<SupportLink> = graph
            .iter()
            .filter(|l| !(l.supporter == supporter && l.dependant == dependant))
            .copied()
            .collect();
        check_new_link(&others, supporter, dependant).is_err()
    };
    added
        .iter()
        .find(|l| remains(l.supporter, l.dependant) && closes_a_loop(l.supporter, l.dependant))
        .copied()
        .or_else(|| {
            // A loop of stored links only: not this file's doing, but refused all the same,
            // since valuation assumes there is none.
            graph
                .iter()
                .find(|l| {
                    remains(l.supporter, l.dependant) && closes_a_loop(l.supporter, l.dependant)
                })
                .map(|l| PlannedLink {
                    row: 0,
                    supporter: l.supporter,
                    dependant: l.dependant,
                })
        })
}

/// The names of the assets on a loop that the file or the inventory's named assets give.
fn loop_names(
    cycle: &CycleError,
    sheet: &ImportSheet,
    inventory: &Inventory<'_>,
    row_ids: &HashMap<usize, Uuid>,
) -> HashMap<Uuid, String> {
    let mut names = HashMap::new();
    for id in &cycle.path {
        if let Some(asset) = inventory.assets.iter().find(|a| a.id == *id) {
            names.insert(*id, format!("{} {}", asset.reference(), asset.name));
            continue;
        }
        let row = row_ids
            .iter()
            .find(|(_, row_id)| *row_id == id)
            .and_then(|(number, _)| sheet.rows.iter().find(|r| r.number == *number));
        if let Some(row) = row {
            let name = sheet.value(row, "name").unwrap_or_default().trim();
            names.insert(*id, format!("row {} ({name})", row.number));
        }
    }
    names
}

/// A cell of a row, or the place it would be if the file had the column.
struct Cell<'a> {
    row: usize,
    column: Option<&'a SheetColumn>,
    key: &'static str,
    value: &'a str,
}

impl<'a> Cell<'a> {
    fn of(sheet: &'a ImportSheet, row: &'a SheetRow, key: &'static str) -> Self {
        let found = sheet.column(key);
        Self {
            row: row.number,
            column: found.map(|(_, column)| column),
            key,
            value: found
                .and_then(|(index, _)| row.values.get(index))
                .map_or("", String::as_str),
        }
    }

    fn trimmed(&self) -> &'a str {
        self.value.trim()
    }

    fn error(&self, message: impl Into<String>) -> ImportError {
        match self.column {
            Some(column) => ImportError {
                row: Some(self.row),
                column: Some(column.letter.clone()),
                header: column.header.clone(),
                message: message.into(),
            },
            None => ImportError {
                row: Some(self.row),
                column: None,
                header: self.key.to_owned(),
                message: format!(
                    "{} (the file has no {} column)",
                    message.into().trim_end_matches('.'),
                    self.key
                ),
            },
        }
    }

    fn row_error(row: &SheetRow, message: impl Into<String>) -> ImportError {
        ImportError {
            row: Some(row.number),
            column: None,
            header: String::new(),
            message: message.into(),
        }
    }
}

/// The organisation's members as a file names them: by e-mail address or by name.
struct People<'a> {
    by_email: HashMap<String, &'a Member>,
    by_name: HashMap<String, Vec<&'a Member>>,
}

impl<'a> People<'a> {
    fn new(members: &'a [Member]) -> Self {
        let mut by_email = HashMap::new();
        let mut by_name: HashMap<String, Vec<&Member>> = HashMap::new();
        for member in members {
            by_email.insert(member.email.trim().to_lowercase(), member);
            by_name
                .entry(member.name.trim().to_lowercase())
                .or_default()
                .push(member);
        }
        Self { by_email, by_name }
    }

    fn find(&self, raw: &str) -> Result<Uuid, String> {
        let wanted = raw.trim().to_lowercase();
        if let Some(member) = self.by_email.get(&wanted) {
            return Ok(member.user_id);
        }
        match self.by_name.get(&wanted).map(Vec::as_slice) {
            Some([only]) => Ok(only.user_id),
            Some([_, ..]) => Err(format!(
                "Several members are named \"{}\"; write the e-mail address of the one you mean.",
                raw.trim()
            )),
            _ => Err(format!(
                "\"{}\" is not a member of the organisation: write a member's e-mail address or \
                 name, or invite them first.",
                raw.trim()
            )),
        }
    }
}

/// The register column an asset input field is read from.
fn column_of_field(field: &str) -> Option<&'static str> {
    match field {
        "asset_type" => Some("type"),
        "owner_id" => Some("owner"),
        "custodian_id" => Some("custodian"),
        other => REGISTER_COLUMNS
            .iter()
            .find(|column| **column == other)
            .copied(),
    }
}

/// A choice as people write it in a spreadsheet: the stored name (`in_use`) or its label
/// (`In use`), in any case.
fn choice(raw: &str) -> String {
    raw.trim().to_lowercase().replace([' ', '-'], "_")
}

/// The row's asset as a checked draft, or its problems added to `errors`.
fn row_draft(
    sheet: &ImportSheet,
    row: &SheetRow,
    stored: Option<&Asset>,
    people: &People<'_>,
    inventory: &Inventory<'_>,
    errors: &mut Vec<ImportError>,
) -> Option<AssetDraft> {
    // A stored asset's own values, so a column the file lacks keeps them.
    let mut input = stored
        .map(|asset| AssetDraft::from(asset).to_input())
        .unwrap_or_default();
    let before = errors.len();
    let mut reported: Vec<&'static str> = Vec::new();
    for (index, column) in sheet.columns.iter().enumerate() {
        let cell = Cell {
            row: row.number,
            column: Some(column),
            key: column.key,
            value: row.values.get(index).map_or("", String::as_str),
        };
        let value = cell.value;
        let slot = match column.key {
            "name" => &mut input.name,
            "description" => &mut input.description,
            "location" => &mut input.location,
            "tags" => &mut input.tags,
            "external_id" => &mut input.external_id,
            "last_reviewed_on" => &mut input.last_reviewed_on,
            "next_review_on" => &mut input.next_review_on,
            "type" => {
                input.asset_type = choice(value);
                continue;
            }
            "status" => {
                input.status = choice(value);
                continue;
            }
            "owner" | "custodian" => {
                let person = match value.trim() {
                    "" => String::new(),
                    raw => match people.find(raw) {
                        Ok(id) => id.to_string(),
                        Err(message) => {
                            errors.push(cell.error(message));
                            reported.push(column.key);
                            continue;
                        }
                    },
                };
                if column.key == "owner" {
                    input.owner_id = person;
                } else {
                    input.custodian_id = person;
                }
                continue;
            }
            "classification" => {
                match classification_rank(inventory.classification, value) {
                    Ok(rank) => input.classification = rank,
                    Err(message) => {
                        errors.push(cell.error(message));
                        reported.push(column.key);
                    }
                }
                continue;
            }
            "confidentiality" | "integrity" | "availability" => {
                let level = match impact_level(inventory.impact, value) {
                    Ok(level) => level,
                    Err(message) => {
                        errors.push(cell.error(message));
                        reported.push(column.key);
                        continue;
                    }
                };
                match column.key {
                    "confidentiality" => input.confidentiality = level,
                    "integrity" => input.integrity = level,
                    _ => input.availability = level,
                }
                continue;
            }
            // reference, updated_at, supports: not fields of the asset.
            _ => continue,
        };
        *slot = value.to_owned();
    }
    match input.parse() {
        Ok(mut draft) if errors.len() == before => {
            if let (Some(last), None) = (draft.last_reviewed_on, draft.next_review_on) {
                draft.next_review_on = Some(inventory.review_period.next_review(last));
            }
            Some(draft)
        }
        Ok(_) => None,
        Err(invalid) => {
            for field in invalid.fields {
                match column_of_field(&field.field) {
                    // A cell already reported (an unknown level) is not reported twice.
                    Some(key) if reported.contains(&key) => {}
                    Some(key) => errors.push(Cell::of(sheet, row, key).error(field.message)),
                    None => errors.push(Cell::row_error(
                        row,
                        format!("{}: {}", field.field, field.message),
                    )),
                }
            }
            None
        }
    }
}

/// A classification as a file gives it: a level of the scheme in force by rank (`3`), name
/// (`Confidential`) or label (`CONFIDENTIAL`).
fn classification_rank(scheme: &ClassificationScheme, raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(String::new());
    }
    scheme
        .find_level(raw)
        .map(|level| level.rank.to_string())
        .ok_or_else(|| {
            let known: Vec<String> = scheme
                .levels
                .iter()
                .map(|level| format!("{} ({})", level.name, level.rank))
                .collect();
            format!(
                "\"{raw}\" is not a level of the classification scheme: use one of {}.",
                known.join(", ")
            )
        })
}

/// An impact level as a file gives it: a level of the organisation's scale by number or
/// label.
fn impact_level(scale: &ImpactScale, raw: &str) -> Result<String, String> {
    scale
        .read_value(raw)
        .map(|level| level.map(|l| l.to_string()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::{AssetStatus, AssetType};
    use crate::platform::Role;

    fn sheet(header: &[&'static str], rows: &[&[&str]]) -> ImportSheet {
        ImportSheet {
            columns: header
                .iter()
                .enumerate()
                .map(|(index, key)| SheetColumn {
                    key,
                    letter: letter(index),
                    header: (*key).to_owned(),
                })
                .collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(index, values)| SheetRow {
                    number: index + 2,
                    values: values.iter().map(|v| (*v).to_owned()).collect(),
                })
                .collect(),
        }
    }

    fn letter(index: usize) -> String {
        char::from(b'A' + index as u8).to_string()
    }

    fn member(name: &str, email: &str) -> Member {
        Member {
            user_id: Uuid::new_v4(),
            name: name.into(),
            email: email.into(),
            role: Role::Contributor,
        }
    }

    fn stored(number: i64, name: &str, external_id: Option<&str>) -> Asset {
        Asset {
            id: Uuid::new_v4(),
            number,
            name: name.into(),
            description: String::new(),
            asset_type: AssetType::Software,
            owner_id: None,
            owner_name: None,
            custodian_id: None,
            custodian_name: None,
            location: String::new(),
            classification: None,
            confidentiality: None,
            integrity: None,
            availability: None,
            status: AssetStatus::InUse,
            tags: Vec::new(),
            external_id: external_id.map(str::to_owned),
            last_reviewed_on: None,
            next_review_on: None,
            version: 1,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    struct World {
        assets: Vec<Asset>,
        links: Vec<SupportLink>,
        members: Vec<Member>,
        scheme: ClassificationScheme,
        scale: ImpactScale,
        period: ReviewPeriod,
    }

    impl World {
        fn new() -> Self {
            Self {
                assets: Vec::new(),
                links: Vec::new(),
                members: vec![
                    member("Maya Manager", "maya@acme.example"),
                    member("Sam Smith", "sam1@acme.example"),
                    member("Sam Smith", "sam2@acme.example"),
                ],
                scheme: ClassificationScheme::default_scheme(),
                scale: ImpactScale::default(),
                period: ReviewPeriod::default(),
            }
        }

        fn plan(&self, sheet: &ImportSheet) -> ImportPlan {
            let inventory = Inventory {
                assets: &self.assets,
                links: &self.links,
                members: &self.members,
                classification: &self.scheme,
                impact: &self.scale,
                review_period: &self.period,
            };
            plan_import(sheet, &inventory, Uuid::new_v4)
        }
    }

    const HEADER: [&str; 6] = [
        "external_id",
        "name",
        "type",
        "owner",
        "classification",
        "supports",
    ];

    #[test]
    fn the_register_columns_are_the_record_columns_and_supports() {
        assert_eq!(&REGISTER_COLUMNS[..RECORD_COLUMNS], &Asset::CSV_HEADER[..]);
        assert_eq!(REGISTER_COLUMNS[RECORD_COLUMNS], SUPPORTS_COLUMN);
        assert!(
            example_rows()
                .iter()
                .all(|row| row.len() == REGISTER_COLUMNS.len())
        );
        for (index, (column, _)) in COLUMN_NOTES.iter().enumerate() {
            assert_eq!(*column, REGISTER_COLUMNS[index]);
        }
    }

    #[test]
    fn rows_create_with_owners_by_email_or_name_and_levels_by_name() {
        let world = World::new();
        let plan = world.plan(&sheet(
            &HEADER,
            &[
                &[
                    "CRM-1",
                    "CRM",
                    "Software",
                    "maya@ACME.example",
                    "Confidential",
                    "DB-1",
                ],
                &[
                    "DB-1",
                    "Customer data",
                    "information",
                    "Maya Manager",
                    "4",
                    "",
                ],
            ],
        ));
        assert_eq!(plan.errors, vec![]);
        assert_eq!(plan.rows.len(), 2);
        assert!(plan.rows.iter().all(|r| r.action == RowAction::Create));
        assert_eq!(plan.rows[0].draft.classification, Some(3));
        assert_eq!(plan.rows[0].draft.owner_id, Some(world.members[0].user_id));
        assert_eq!(plan.rows[1].draft.owner_id, Some(world.members[0].user_id));
        assert_eq!(
            plan.links_added,
            vec![PlannedLink {
                row: 2,
                supporter: plan.rows[0].id,
                dependant: plan.rows[1].id
            }]
        );
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column_and_nothing_is_planned() {
        let world = World::new();
        let plan = world.plan(&sheet(
            &HEADER,
            &[
                &["A-1", "Fine", "software", "", "", ""],
                &[
                    "A-2",
                    "",
                    "spaceship",
                    "nobody@else.example",
                    "Secret",
                    "GHOST",
                ],
                &["A-1", "Twice", "site", "Sam Smith", "", ""],
            ],
        ));
        assert!(plan.rows.is_empty() && plan.links_added.is_empty());
        let at = |row: usize, column: &str| {
            plan.errors
                .iter()
                .find(|e| e.row == Some(row) && e.column.as_deref() == Some(column))
                .map(|e| e.message.clone())
                .unwrap_or_else(|| panic!("no error at row {row} column {column}: {plan:?}"))
        };
        at(3, "B");
        assert!(at(3, "C").contains("spaceship"), "{}", at(3, "C"));
        assert!(at(3, "D").contains("not a member"));
        assert!(at(3, "E").contains("Confidential"), "lists the levels");
        assert!(at(3, "F").contains("GHOST"));
        assert!(at(4, "A").contains("Row 2"), "duplicate external id");
        assert!(at(4, "D").contains("e-mail"), "ambiguous name");
        assert_eq!(
            plan.errors[0].to_string().split(':').next(),
            Some("row 3, column B (name)")
        );
    }

    #[test]
    fn re_importing_what_is_stored_changes_nothing_and_a_difference_is_an_update() {
        let mut world = World::new();
        let mut crm = stored(7, "CRM", Some("CRM-1"));
        crm.classification = Some(3);
        let db = stored(8, "Customer data", None);
        world.links.push(SupportLink {
            supporter: crm.id,
            dependant: db.id,
        });
        world.assets = vec![crm.clone(), db.clone()];
        let header = [
            "reference",
            "external_id",
            "name",
            "type",
            "classification",
            "supports",
        ];
        let same = world.plan(&sheet(
            &header,
            &[
                &["AST-0007", "CRM-1", "CRM", "software", "3", "AST-0008"],
                &["AST-0008", "", "Customer data", "software", "", ""],
            ],
        ));
        assert_eq!(same.errors, vec![]);
        assert!(same.changes_nothing(), "{same:?}");
        let changed = world.plan(&sheet(
            &header,
            &[&["", "CRM-1", "CRM renamed", "software", "3", ""]],
        ));
        assert_eq!(changed.errors, vec![]);
        assert_eq!(
            changed.rows[0].action,
            RowAction::Update {
                number: 7,
                version: 1
            }
        );
        assert_eq!(
            changed.links_removed.len(),
            1,
            "an empty supports cell unlinks"
        );
    }

    #[test]
    fn a_missing_column_keeps_the_stored_value() {
        let mut world = World::new();
        let mut crm = stored(7, "CRM", Some("CRM-1"));
        crm.description = "Kept".into();
        world.assets = vec![crm];
        let plan = world.plan(&sheet(&["external_id", "name"], &[&["CRM-1", "CRM"]]));
        assert_eq!(plan.errors, vec![]);
        assert_eq!(plan.rows[0].action, RowAction::Unchanged { number: 7 });
        let new = world.plan(&sheet(&["external_id", "name"], &[&["NEW-1", "New"]]));
        let message = &new.errors[0];
        assert!(message.message.contains("no type column"), "{message:?}");
    }

    #[test]
    fn references_must_exist_and_agree_with_the_external_id() {
        let mut world = World::new();
        world.assets = vec![stored(7, "CRM", Some("CRM-1")), stored(8, "Web", None)];
        let plan = world.plan(&sheet(
            &["reference", "external_id", "name", "type"],
            &[
                &["AST-0099", "", "Ghost", "site"],
                &["AST-0008", "CRM-1", "Web", "site"],
                &["AST-0008", "WEB-1", "Web", "site"],
                &["ast-8", "", "Web", "site"],
            ],
        ));
        let messages: Vec<String> = plan.errors.iter().map(ToString::to_string).collect();
        assert!(messages[0].starts_with("row 2, column A"), "{messages:?}");
        assert!(
            messages.iter().any(|m| m.contains("belongs to AST-0007")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("row 5:") && m.contains("Row 4 is AST-0008")),
            "{messages:?}"
        );
    }

    #[test]
    fn a_loop_through_the_file_and_the_inventory_is_refused_and_explained() {
        let mut world = World::new();
        let server = stored(1, "Server", Some("SRV"));
        let app = stored(2, "App", Some("APP"));
        world.links.push(SupportLink {
            supporter: server.id,
            dependant: app.id,
        });
        world.assets = vec![server, app];
        let plan = world.plan(&sheet(
            &["external_id", "name", "type", "supports"],
            &[
                &["APP", "App", "software", "DATA"],
                &["DATA", "Data", "information", "SRV"],
            ],
        ));
        assert_eq!(plan.errors.len(), 1, "{plan:?}");
        let error = &plan.errors[0];
        assert_eq!(error.column.as_deref(), Some("D"));
        assert!(error.message.contains("loop"), "{}", error.message);
        assert!(
            error.message.contains("AST-0001 Server"),
            "{}",
            error.message
        );
        let itself = world.plan(&sheet(
            &["external_id", "name", "type", "supports"],
            &[&["X", "X", "site", "X"]],
        ));
        assert!(itself.errors[0].message.contains("cannot support itself"));
    }

    #[test]
    fn references_parse_as_the_inventory_writes_them() {
        assert_eq!(parse_reference("AST-0007"), Some(7));
        assert_eq!(parse_reference(" ast-12 "), Some(12));
        assert_eq!(parse_reference("7"), Some(7));
        assert_eq!(parse_reference("AST-"), None);
        assert_eq!(parse_reference("AST-+7"), None);
        assert_eq!(parse_reference("AST-0"), None);
        assert_eq!(parse_reference("CMDB-7"), None);
    }
}
