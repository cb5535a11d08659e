//! The asset register in and out of spreadsheets: import a CSV or XLSX file (previewed, then
//! written in one transaction, each asset and link audited like an edit through the form),
//! export the filtered register with what each asset supports, and the import template.
//! The row rules are the domain's (`domain::assets::import`); this module reads the file,
//! looks up what the rows name, and writes the plan through the register kit.

use std::collections::{HashMap, HashSet};

use custos_domain::assets::import::{
    COLUMN_NOTES, ImportError, ImportPlan, ImportSheet, Inventory, MAX_IMPORT_ROWS, PlannedLink,
    PlannedRow, READ_ONLY_COLUMNS, REGISTER_COLUMNS, RowAction, SheetColumn, SheetRow,
    example_rows, known_columns, named_assets, plan_import, register_row, support_name,
};
use custos_domain::assets::valuation::SupportLink;
use custos_domain::assets::{Asset, AssetList, AssetReference};
use custos_domain::platform::Permission;
use custos_domain::platform::RecordType;
use custos_formats::table::{ReadOptions, Table, TableError};
use custos_store::assets::{AssetChange, NewAsset};
use custos_store::audit::{self as audit_store, ChainedEvents};
use custos_store::db::Rows;
use custos_store::{Conn, Tx, assets as store, platform as platform_store};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::inventory::{ASSET_NUMBERS, review_period};
use super::settings::{scale_in, scheme_in};
use super::valuation::link_change;
use crate::export::{Export, RegisterExport};
use crate::platform::{Change, EventAuthor};
use crate::records::{GatheredAudit, StoredRecord};
use crate::{App, AppError, AppResult, OrgContext};

/// Largest file an import reads (the web's body limit is lower; the command line reaches
/// this). 100,000 assets take about 15 MB of CSV.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// Whether an import only checks and describes what it would do, or does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Check every row and say what would happen; write nothing.
    Preview,
    /// Check every row again and, when none has a problem, write them all in one transaction.
    Apply,
}

/// What an import did, or would do. When `errors` is not empty nothing was written.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// True when the rows were written.
    pub applied: bool,
    pub rows: Vec<ImportedRow>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub links_added: usize,
    pub links_removed: usize,
    pub errors: Vec<ImportError>,
}

impl ImportReport {
    fn refused(errors: Vec<ImportError>) -> Self {
        Self {
            errors,
            ..Self::default()
        }
    }

    /// Whether importing the file changes nothing (it has been imported already).
    pub fn changes_nothing(&self) -> bool {
        self.created + self.updated + self.links_added + self.links_removed == 0
    }
}

/// What importing a row does to its asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Create,
    Update,
    Unchanged,
}

impl ImportAction {
    /// What the preview says: "Create", "Update", "Unchanged".
    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Update => "Update",
            Self::Unchanged => "Unchanged",
        }
    }
}

/// One row of a file and what importing it does.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedRow {
    /// As the spreadsheet numbers it.
    pub row: usize,
    pub action: ImportAction,
    /// The asset's reference; a preview has none yet for assets it would create.
    pub reference: Option<String>,
    pub name: String,
    /// Assets this row's asset comes to support, and stops supporting.
    pub supports_added: Vec<String>,
    pub supports_removed: Vec<String>,
}

/// The file formats a register is exported in and imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterFormat {
    Csv,
    Xlsx,
}

impl RegisterFormat {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    /// The `format` query parameter of an export: csv when absent.
    pub fn of_param(raw: &str) -> Result<Self, custos_domain::ValidationErrors> {
        match raw.trim() {
            "" => Ok(Self::Csv),
            raw => Self::parse(raw).ok_or_else(|| {
                custos_domain::ValidationErrors::single("format", "Use csv or xlsx.")
            }),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

const SHEET_NAME: &str = "Assets";

impl App {
    /// Imports the asset register from a CSV or XLSX file (told apart by its bytes). Every
    /// row is checked; with [`ImportMode::Apply`] and no problem anywhere, every row is
    /// written in one transaction, so a file either imports whole or changes nothing.
    pub async fn import_assets(
        &self,
        ctx: &OrgContext,
        file: &[u8],
        mode: ImportMode,
        now: OffsetDateTime,
    ) -> AppResult<ImportReport> {
        ctx.require(Permission::ManageAssets)?;
        let sheet = match read_sheet(file) {
            Ok(sheet) => sheet,
            Err(errors) => return Ok(ImportReport::refused(errors)),
        };
        match mode {
            ImportMode::Preview => {
                let mut conn = self.store.reader().await?;
                let (plan, known) = plan(&mut conn, ctx, &sheet).await?;
                Ok(describe(&sheet, &plan, &known, false))
            }
            ImportMode::Apply => {
                let mut tx = self.store.begin().await?;
                // The levels are checked against settings that must not change meanwhile.
                platform_store::share_organisation(&mut tx, ctx.org_id()).await?;
                let (plan, mut known) = plan(&mut tx, ctx, &sheet).await?;
                if !plan.errors.is_empty() {
                    return Ok(describe(&sheet, &plan, &known, false));
                }
                write_plan(&mut tx, ctx, &plan, &mut known, now).await?;
                let report = describe(&sheet, &plan, &known, true);
                if !report.changes_nothing() {
                    self.commit(ctx, tx).await?;
                }
                Ok(report)
            }
        }
    }

    /// The register as selected by `request`, a page at a time, each row with the assets it
    /// supports: the file an import reads back unchanged.
    pub fn export_asset_register(
        &self,
        ctx: &OrgContext,
        request: AssetList,
    ) -> AppResult<AssetRegisterExport> {
        Ok(AssetRegisterExport {
            assets: self.export_assets(ctx, request)?,
            app: self.clone(),
            org_id: ctx.org_id(),
        })
    }

    /// The register as selected by `request` in one XLSX workbook.
    pub async fn asset_register_xlsx(
        &self,
        ctx: &OrgContext,
        request: AssetList,
    ) -> AppResult<Vec<u8>> {
        let mut export = self.export_asset_register(ctx, request)?;
        let mut rows = Vec::new();
        loop {
            let page = export.next_page().await?;
            if page.is_empty() {
                break;
            }
            rows.extend(page);
        }
        custos_formats::xlsx::write_xlsx(SHEET_NAME, &REGISTER_COLUMNS, rows)
            .map_err(|e| AppError::Conflict(format!("The export cannot be written as XLSX: {e}")))
    }

    /// The file to fill in for an import: the register's columns and two example rows, and in
    /// XLSX a sheet explaining each column.
    pub fn asset_import_template(
        &self,
        ctx: &OrgContext,
        format: RegisterFormat,
    ) -> AppResult<Vec<u8>> {
        ctx.require(Permission::ManageAssets)?;
        let example = example_rows();
        let written = match format {
            RegisterFormat::Csv => {
                custos_formats::template::template_csv(&REGISTER_COLUMNS, &example)
                    .map_err(|e| e.to_string())
            }
            RegisterFormat::Xlsx => {
                let notes: Vec<custos_formats::template::ColumnNote<'_>> = COLUMN_NOTES
                    .iter()
                    .map(
                        |(column, explanation)| custos_formats::template::ColumnNote {
                            column,
                            explanation,
                        },
                    )
                    .collect();
                custos_formats::template::template_xlsx(
                    SHEET_NAME,
                    &REGISTER_COLUMNS,
                    &example,
                    &notes,
                )
                .map_err(|e| e.to_string())
            }
        };
        written.map_err(|e| AppError::Internal(format!("import template: {e}")))
    }
}

/// The file as the register's columns, or why it cannot be imported at all.
fn read_sheet(file: &[u8]) -> Result<ImportSheet, Vec<ImportError>> {
    let columns = known_columns();
    let options = ReadOptions::new(columns, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS);
    let table = custos_formats::table::read(file, &options).map_err(table_errors)?;
    let unknown: Vec<ImportError> = table
        .unknown_columns()
        .into_iter()
        .map(|column| ImportError {
            row: Some(table.header_row()),
            column: Some(column.letter.clone()),
            header: column.header.clone(),
            message: format!(
                "This is not a column of the asset register. Its columns are: {}.",
                REGISTER_COLUMNS.join(", ")
            ),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    Ok(sheet_of(&table))
}

fn sheet_of(table: &Table) -> ImportSheet {
    let kept: Vec<(usize, SheetColumn)> = table
        .columns()
        .iter()
        .filter_map(|column| {
            let key = REGISTER_COLUMNS
                .iter()
                .find(|known| Some(**known) == column.key.as_deref())?;
            (!READ_ONLY_COLUMNS.contains(key)).then(|| {
                (
                    column.index,
                    SheetColumn {
                        key,
                        letter: column.letter.clone(),
                        header: column.header.clone(),
                    },
                )
            })
        })
        .collect();
    let rows = table
        .rows()
        .iter()
        .map(|row| {
            let cells: Vec<_> = row.cells().collect();
            SheetRow {
                number: row.number(),
                values: kept
                    .iter()
                    .map(|(index, _)| {
                        cells
                            .get(*index)
                            .map(|cell| cell.value.to_owned())
                            .unwrap_or_default()
                    })
                    .collect(),
            }
        })
        .collect();
    ImportSheet {
        columns: kept.into_iter().map(|(_, column)| column).collect(),
        rows,
    }
}

fn table_errors(error: TableError) -> Vec<ImportError> {
    match error {
        TableError::Cells(cells) => cells
            .into_iter()
            .map(|cell| ImportError {
                row: Some(cell.position.row),
                column: Some(cell.position.column),
                header: cell.position.header,
                message: upper_first(&cell.problem.to_string()),
            })
            .collect(),
        other => vec![ImportError::file(format!(
            "{}.",
            upper_first(&other.to_string())
        ))],
    }
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What the plan was made against: the assets the file names (and, after writing, those it
/// created), by id.
struct Known {
    assets: HashMap<Uuid, Asset>,
    /// The organisation's members by id, to name new assets' owners and custodians.
    member_names: HashMap<Uuid, String>,
}

/// Every support link of the organisation: an import may add many links at once, so loops
/// are looked for over the whole graph, in one pass.
async fn organisation_links(conn: &mut Conn, org_id: Uuid) -> AppResult<Vec<SupportLink>> {
    Ok(store::links(conn, org_id)
        .await?
        .into_iter()
        .map(|(supporter, dependant)| SupportLink {
            supporter,
            dependant,
        })
        .collect())
}

/// Reads what the rows name (inside the caller's transaction when applying) and plans.
async fn plan(
    conn: &mut Conn,
    ctx: &OrgContext,
    sheet: &ImportSheet,
) -> AppResult<(ImportPlan, Known)> {
    let named = named_assets(sheet);
    let external_ids: Vec<&str> = named.external_ids.iter().map(String::as_str).collect();
    let numbers: Vec<i64> = named.numbers.iter().copied().collect();
    let mut assets = store::find_by_external_ids(conn, ctx.org_id(), &external_ids).await?;
    assets.extend(store::find_by_numbers(conn, ctx.org_id(), &numbers).await?);
    assets.sort_by_key(|a| a.number);
    assets.dedup_by_key(|a| a.id);
    let links = organisation_links(conn, ctx.org_id()).await?;
    let members = platform_store::members_of(conn, ctx.org_id()).await?;
    // Levels are read against what the form checks them against: the scheme in force, the
    // organisation's scale and its review period.
    let classification = scheme_in(conn, ctx.org_id()).await?.scheme;
    let impact = scale_in(conn, ctx.org_id()).await?;
    let review_period = review_period(conn, ctx).await?;
    let inventory = Inventory {
        assets: &assets,
        links: &links,
        members: &members,
        classification: &classification,
        impact: &impact,
        review_period: &review_period,
    };
    let mut plan = plan_import(sheet, &inventory, Uuid::now_v7);
    let unnamed = plan
        .refused_loop
        .as_ref()
        .map(|refused| refused.unnamed.clone())
        .unwrap_or_default();
    if !unnamed.is_empty() {
        let mut names = HashMap::new();
        for id in unnamed {
            if let Some(asset) = store::find(conn, ctx.org_id(), id).await? {
                names.insert(id, format!("{} {}", asset.reference(), asset.name));
            }
        }
        plan.name_loop(|id| names.get(&id).cloned());
    }
    let known = Known {
        assets: assets.into_iter().map(|a| (a.id, a)).collect(),
        member_names: members
            .iter()
            .map(|member| (member.user_id, member.name.clone()))
            .collect(),
    };
    Ok((plan, known))
}

/// After how many new assets an import refreshes the database's statistics: the
/// inventory may have grown a hundredfold since they were taken (see
/// `store::assets::refresh_statistics`).
const STATISTICS_REFRESHED_AT: [usize; 4] = [1_000, 5_000, 25_000, 125_000];

/// New assets, or new links, written together with their audit events.
const WRITTEN_TOGETHER: usize = 1_000;

/// Writes every row and link of `plan` in `tx`, each audited as the form's and the link
/// page's writes are. `known` gains the assets written.
async fn write_plan(
    tx: &mut Tx,
    ctx: &OrgContext,
    plan: &ImportPlan,
    known: &mut Known,
    now: OffsetDateTime,
) -> AppResult<()> {
    // Changes to assets that exist, many to a statement, each audited as the form's are;
    // first, since one may free an external id that a new asset takes.
    let mut audit = GatheredAudit::new();
    let updates: Vec<&PlannedRow> = plan
        .rows
        .iter()
        .filter(|row| matches!(row.action, RowAction::Update { .. }))
        .collect();
    for batch in updates.chunks(WRITTEN_TOGETHER) {
        let mut changed = Vec::with_capacity(batch.len());
        for row in batch {
            // The plan read the asset in this transaction; the write checks its version.
            let before = known.assets.get(&row.id).ok_or(AppError::NotFound)?;
            if row.draft.differs_from(before) {
                changed.push((row, before.clone()));
            }
        }
        let changes: Vec<AssetChange<'_>> = changed
            .iter()
            .map(|(row, before)| AssetChange {
                id: before.id,
                number: before.number,
                expected_version: before.version,
                draft: &row.draft,
            })
            .collect();
        let written = store::update_all(tx, ctx.org_id(), &changes, now).await?;
        if written.len() != changes.len() {
            return Err(Asset::changed_meanwhile());
        }
        for (row, before) in changed {
            let names = |id: Uuid| known.member_names.get(&id).cloned();
            let after = before.updated(&row.draft, names, now);
            let change = Change::updated(RecordType::Asset, before.id, &before, &after)?;
            audit.record(tx, ctx, change, now).await?;
            known.assets.insert(after.id, after);
        }
    }
    for link in &plan.links_removed {
        let (supporting, dependant) = link_ends(tx, ctx, known, link).await?;
        let change = link_change(false, supporting, dependant)?;
        store::delete_link(tx, ctx.org_id(), link.supporter, link.dependant).await?;
        audit.record(tx, ctx, change, now).await?;
    }
    audit.append(tx, ctx, now).await?;
    write_new(tx, ctx, plan, known, now).await
}

/// The new assets and links of an import, made ready (rows, snapshots, hashed audit events)
/// on a blocking thread while the database writes the batch before: the two halves of the
/// work then share the machine's cores instead of taking turns.
struct NewWork {
    org_id: Uuid,
    author: EventAuthor,
    now: OffsetDateTime,
    /// Each new asset: its id, its reserved number and what the file says.
    assets: Vec<(Uuid, i64, custos_domain::assets::AssetDraft)>,
    links: Vec<(Uuid, Uuid)>,
    member_names: HashMap<Uuid, String>,
    /// Every asset a new link may name, gaining the new ones.
    known: HashMap<Uuid, Asset>,
}

/// A batch [`NewWork`] made ready for the database.
enum NewBatch {
    Assets(Rows, ChainedEvents),
    Links(Rows, ChainedEvents),
}

impl NewWork {
    /// Sends the batches, in order, until there are none or the writer stops listening;
    /// gives back the places it hashed into and the assets it knows.
    fn run(
        mut self,
        mut reserved: audit_store::Reserved,
        batches: mpsc::Sender<NewBatch>,
    ) -> AppResult<(audit_store::Reserved, HashMap<Uuid, Asset>)> {
        for chunk in self.assets.chunks(WRITTEN_TOGETHER) {
            let new_assets: Vec<NewAsset<'_>> = chunk
                .iter()
                .map(|(id, number, draft)| NewAsset {
                    id: *id,
                    number: *number,
                    draft,
                })
                .collect();
            let rows = store::asset_rows(self.org_id, &new_assets, self.now);
            let mut changes = Vec::with_capacity(chunk.len());
            for (id, number, draft) in chunk {
                let names = |id: Uuid| self.member_names.get(&id).cloned();
                let asset = Asset::inserted(*id, *number, draft, names, self.now);
                changes.push(Change::created(RecordType::Asset, asset.id, &asset)?);
                self.known.insert(asset.id, asset);
            }
            let (events, _) = reserved.chain(self.author.events(changes, self.now))?;
            if batches
                .blocking_send(NewBatch::Assets(rows, events))
                .is_err()
            {
                return Ok((reserved, self.known));
            }
        }
        for chunk in self.links.chunks(WRITTEN_TOGETHER) {
            let rows = store::link_rows(self.org_id, chunk, self.now);
            let changes = chunk
                .iter()
                .map(|(supporting, dependant)| {
                    let end = |id| self.known.get(id).ok_or(AppError::NotFound);
                    link_change(true, end(supporting)?, end(dependant)?)
                })
                .collect::<AppResult<Vec<_>>>()?;
            let (events, _) = reserved.chain(self.author.events(changes, self.now))?;
            if batches
                .blocking_send(NewBatch::Links(rows, events))
                .is_err()
            {
                break;
            }
        }
        Ok((reserved, self.known))
    }
}

/// Writes the new assets and links of `plan` as [`NewWork`] makes them ready.
async fn write_new(
    tx: &mut Tx,
    ctx: &OrgContext,
    plan: &ImportPlan,
    known: &mut Known,
    now: OffsetDateTime,
) -> AppResult<()> {
    let creates: Vec<_> = plan
        .rows
        .iter()
        .filter(|row| matches!(row.action, RowAction::Create))
        .collect();
    if creates.is_empty() && plan.links_added.is_empty() {
        return Ok(());
    }
    let first_number = match i64::try_from(creates.len()) {
        Ok(0) => 0,
        Ok(count) => {
            platform_store::reserve_references(tx, ctx.org_id(), ASSET_NUMBERS, count).await?
        }
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    // Link ends the file does not name are read now: the other thread cannot.
    let created: HashSet<Uuid> = creates.iter().map(|row| row.id).collect();
    for link in &plan.links_added {
        for id in [link.supporter, link.dependant] {
            if !created.contains(&id) && !known.assets.contains_key(&id) {
                let asset = store::find(tx, ctx.org_id(), id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                known.assets.insert(id, asset);
            }
        }
    }
    let work = NewWork {
        org_id: ctx.org_id(),
        author: EventAuthor::of(ctx),
        now,
        assets: creates
            .iter()
            .zip(first_number..)
            .map(|(row, number)| (row.id, number, row.draft.clone()))
            .collect(),
        links: plan
            .links_added
            .iter()
            .map(|link| (link.supporter, link.dependant))
            .collect(),
        member_names: known.member_names.clone(),
        known: std::mem::take(&mut known.assets)
            .into_iter()
            .filter(|(id, _)| !created.contains(id))
            .collect(),
    };
    let reserved = audit_store::reserve(
        tx,
        Some(ctx.org_id()),
        creates.len() + plan.links_added.len(),
    )
    .await?;
    let (sender, mut batches) = mpsc::channel(2);
    let maker = tokio::task::spawn_blocking(move || work.run(reserved, sender));
    let written = async {
        let mut assets_written = 0usize;
        while let Some(batch) = batches.recv().await {
            match batch {
                NewBatch::Assets(rows, events) => {
                    if STATISTICS_REFRESHED_AT.contains(&assets_written) {
                        store::refresh_statistics(tx).await?;
                    }
                    assets_written += WRITTEN_TOGETHER;
                    store::insert_rows(tx, rows).await?;
                    audit_store::insert_chained(tx, events).await?;
                }
                NewBatch::Links(rows, events) => {
                    store::insert_new_links(tx, rows).await?;
                    audit_store::insert_chained(tx, events).await?;
                }
            }
        }
        Ok::<(), custos_store::StoreError>(())
    }
    .await;
    // Stops the maker if writing failed.
    drop(batches);
    let made = maker
        .await
        .map_err(|e| AppError::Internal(format!("import: {e}")))?;
    written.map_err(|e| {
        if e.is_unique_violation() {
            AppError::Conflict(
                "Someone changed the asset register while this file was being imported, so \
                 nothing was imported. Import the file again."
                    .into(),
            )
        } else {
            e.into()
        }
    })?;
    let (reserved, assets) = made?;
    audit_store::close(tx, reserved).await?;
    known.assets = assets;
    Ok(())
}

/// Both assets of a link, as known or, when the file did not name them, read from the
/// inventory.
async fn link_ends<'a>(
    tx: &mut Tx,
    ctx: &OrgContext,
    known: &'a mut Known,
    link: &PlannedLink,
) -> AppResult<(&'a Asset, &'a Asset)> {
    for id in [link.supporter, link.dependant] {
        if let std::collections::hash_map::Entry::Vacant(entry) = known.assets.entry(id) {
            let asset = store::find(tx, ctx.org_id(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            entry.insert(asset);
        }
    }
    let end = |id| known.assets.get(&id).ok_or(AppError::NotFound);
    Ok((end(link.supporter)?, end(link.dependant)?))
}

/// The plan in words for people: per row what happens, with the assets named by reference
/// (or, for assets a preview would create, by row).
fn describe(sheet: &ImportSheet, plan: &ImportPlan, known: &Known, applied: bool) -> ImportReport {
    if !plan.errors.is_empty() {
        return ImportReport::refused(plan.errors.clone());
    }
    let rows_by_id: HashMap<Uuid, (usize, &str)> = plan
        .rows
        .iter()
        .map(|r| (r.id, (r.row, r.draft.name.as_str())))
        .collect();
    let name_of = |id: Uuid| match known.assets.get(&id) {
        Some(asset) => format!("{} {}", asset.reference(), asset.name),
        None => match rows_by_id.get(&id) {
            Some((row, name)) => format!("{name} (row {row})"),
            None => id.to_string(),
        },
    };
    let mut report = ImportReport {
        applied,
        links_added: plan.links_added.len(),
        links_removed: plan.links_removed.len(),
        ..ImportReport::default()
    };
    let by_supporter = |links: &[PlannedLink]| {
        let mut grouped: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for link in links {
            grouped
                .entry(link.supporter)
                .or_default()
                .push(link.dependant);
        }
        grouped
    };
    let (mut added, mut removed) = (
        by_supporter(&plan.links_added),
        by_supporter(&plan.links_removed),
    );
    for planned in &plan.rows {
        let (action, number) = match planned.action {
            RowAction::Create => {
                report.created += 1;
                (
                    ImportAction::Create,
                    known.assets.get(&planned.id).map(|a| a.number),
                )
            }
            RowAction::Update { number, .. } => {
                report.updated += 1;
                (ImportAction::Update, Some(number))
            }
            RowAction::Unchanged { number } => {
                report.unchanged += 1;
                (ImportAction::Unchanged, Some(number))
            }
        };
        let names = |by_supporter: &mut HashMap<Uuid, Vec<Uuid>>| {
            by_supporter
                .remove(&planned.id)
                .unwrap_or_default()
                .into_iter()
                .map(name_of)
                .collect()
        };
        report.rows.push(ImportedRow {
            row: planned.row,
            action,
            reference: number.map(|n| AssetReference(n).to_string()),
            name: planned.draft.name.clone(),
            supports_added: names(&mut added),
            supports_removed: names(&mut removed),
        });
    }
    debug_assert_eq!(report.rows.len(), sheet.rows.len());
    report
}

/// An export of the asset register with the `supports` column, a page at a time.
pub struct AssetRegisterExport {
    assets: RegisterExport<Asset>,
    app: App,
    org_id: Uuid,
}

impl Export for AssetRegisterExport {
    type Row = Vec<String>;

    async fn next_page(&mut self) -> AppResult<Vec<Vec<String>>> {
        let assets = self.assets.next_page().await?;
        if assets.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = assets.iter().map(|a| a.id).collect();
        let mut conn = self.app.store.reader().await?;
        let mut supports: HashMap<Uuid, Vec<String>> = HashMap::new();
        for (supporting, external_id, number) in
            store::supported_by_each(&mut conn, self.org_id, &ids).await?
        {
            supports
                .entry(supporting)
                .or_default()
                .push(support_name(external_id.as_deref(), number));
        }
        Ok(assets
            .into_iter()
            .map(|asset| {
                let supported = supports.remove(&asset.id).unwrap_or_default();
                register_row(asset, &supported)
            })
            .collect())
    }
}
