//! The asset register in and out of spreadsheets over HTTP: import a CSV or XLSX file sent as
//! the request body (with a dry run that only checks it), and export the filtered register.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::assets::{ImportMode, ImportReport, ImportedRow, RegisterFormat};
use custos_app::domain::assets::AssetFilterParams;
use custos_app::domain::list::ListParams;
use custos_app::{AppError, now};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::AppState;
use crate::auth::ApiOrg;
use crate::error::{ApiError, Problem};

/// A spreadsheet file as a request or response body.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct SpreadsheetFile(#[expect(dead_code, reason = "only its schema is used")] Vec<u8>);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check the file and say what importing it would do, writing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What an import did, or would do on a dry run.
#[derive(Serialize, ToSchema)]
pub struct ImportReportView {
    /// False on a dry run: nothing was written.
    pub applied: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub links_added: usize,
    pub links_removed: usize,
    pub rows: Vec<ImportedRowView>,
}

/// One row of the file and what importing it does.
#[derive(Serialize, ToSchema)]
pub struct ImportedRowView {
    /// The row number a spreadsheet shows (the header is row 1).
    pub row: usize,
    pub action: ImportAction,
    /// The asset's reference; null on a dry run for assets it would create.
    pub reference: Option<String>,
    pub name: String,
    /// Assets the row's asset comes to support.
    pub supports_added: Vec<String>,
    /// Assets it stops supporting.
    pub supports_removed: Vec<String>,
}

/// What importing a row does to its asset.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Create,
    Update,
    Unchanged,
}

impl From<ImportedRow> for ImportedRowView {
    fn from(row: ImportedRow) -> Self {
        Self {
            row: row.row,
            action: match row.action {
                custos_app::assets::ImportAction::Create => ImportAction::Create,
                custos_app::assets::ImportAction::Update => ImportAction::Update,
                custos_app::assets::ImportAction::Unchanged => ImportAction::Unchanged,
            },
            reference: row.reference,
            name: row.name,
            supports_added: row.supports_added,
            supports_removed: row.supports_removed,
        }
    }
}

/// A file refused: every problem with its row and column; nothing was written.
#[derive(Serialize, ToSchema)]
pub struct ImportProblem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<ImportErrorView>,
}

/// A problem with the file, a row or a cell.
#[derive(Serialize, ToSchema)]
pub struct ImportErrorView {
    /// The row as a spreadsheet numbers it (the header is row 1); absent for the whole file.
    pub row: Option<usize>,
    /// The column letter (A, B, ... AA); absent for a whole row or a column the file lacks.
    pub column: Option<String>,
    /// The column's header as the file writes it.
    pub header: String,
    pub message: String,
    /// "row 14, column D (owner)".
    pub position: String,
}

fn answer(report: ImportReport) -> Response {
    if !report.errors.is_empty() {
        let count = report.errors.len();
        let problem = ImportProblem {
            problem_type: "urn:custos:problem:import-refused".into(),
            title: "Import refused".into(),
            status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
            detail: format!(
                "The file has {count} problem{}; nothing was imported. Fix every row listed \
                 and send the whole file again.",
                if count == 1 { "" } else { "s" }
            ),
            errors: report
                .errors
                .into_iter()
                .map(|e| ImportErrorView {
                    position: e.position(),
                    row: e.row,
                    column: e.column,
                    header: e.header,
                    message: e.message,
                })
                .collect(),
        };
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            [(header::CONTENT_TYPE, "application/problem+json")],
            axum::Json(problem),
        )
            .into_response();
    }
    axum::Json(ImportReportView {
        applied: report.applied,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        links_added: report.links_added,
        links_removed: report.links_removed,
        rows: report.rows.into_iter().map(Into::into).collect(),
    })
    .into_response()
}

/// Imports assets from a CSV or XLSX file sent as the body (told apart by its bytes, not
/// its content type), matching rows on `external_id`, then `reference`; see docs/api.md.
/// All rows are written in one transaction or none is. With `dry_run=true` nothing is
/// written and the answer says what would happen.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/assets/import", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), ImportQuery),
    request_body(description = "The file: CSV (UTF-8) or XLSX, with the columns of the asset export",
        content((SpreadsheetFile = "text/csv"), (SpreadsheetFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, body = ImportReportView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem, description = "The file is larger than the body limit (2 MB)"),
        (status = 422, body = ImportProblem, description = "Rows or cells refused, each with its row and column; nothing was written")))]
pub async fn import_assets(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<ImportQuery>,
    file: Bytes,
) -> Result<Response, ApiError> {
    let mode = if query.dry_run {
        ImportMode::Preview
    } else {
        ImportMode::Apply
    };
    let report = state.app.import_assets(&ctx, &file, mode, now()).await?;
    Ok(answer(report))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// csv (the default) or xlsx.
    #[serde(default)]
    pub format: String,
    /// Text searched in the reference, name, external id and tags.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    #[param(value_type = Option<custos_app::domain::list::SortDirection>)]
    pub dir: String,
}

/// The assets the filters select as a CSV or XLSX file with the columns an import reads,
/// including `supports`.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/assets/export", tag = "assets",
    params(("org" = String, Path, description = "Organisation slug"), ExportQuery, AssetFilterParams),
    responses((status = 200, description = "The file, every row the filters select",
            content((SpreadsheetFile = "text/csv"), (SpreadsheetFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn export_assets(
    State(state): State<AppState>,
    ApiOrg(ctx): ApiOrg,
    ApiQuery(query): ApiQuery<ExportQuery>,
    ApiQuery(filters): ApiQuery<AssetFilterParams>,
) -> Result<Response, ApiError> {
    let list = ListParams {
        q: query.q.clone(),
        dir: query.dir.clone(),
        ..ListParams::default()
    };
    let format = RegisterFormat::of_param(&query.format).map_err(AppError::from)?;
    let request = filters.request(&list).map_err(AppError::from)?;
    Ok(crate::pages::asset_import::register_download(&state, &ctx, format, request).await?)
}
