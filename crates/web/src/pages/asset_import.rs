//! Importing the asset register from a spreadsheet, and the register's downloads.
//!
//! The import is stateless across instances: the upload is checked and previewed, and the
//! preview page carries the file itself (base64 in a hidden field) to the confirmation,
//! which checks it again against the inventory as it is then and writes it in one
//! transaction. Nothing is kept on the server between the two requests, so any instance
//! can answer either, and a file that became wrong meanwhile is refused, not half-written.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use custos_app::assets::{ImportMode, ImportReport, RegisterFormat};
use custos_app::domain::assets::AssetList;
use custos_app::domain::assets::import::{COLUMN_NOTES, ImportError};
use custos_app::domain::platform::Permission;
use custos_app::{AppError, OrgContext, now};
use serde::Deserialize;

use super::{Area, Layout, see_other};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};
use crate::list::csv_export;

/// Its notices in the shared page components.
pub const AREA: Area = Area {
    nav: &[],
    notices: &[(
        "assets-imported",
        "success",
        "The file is imported: its assets are in the inventory.",
    )],
    field_labels: &[("file", "File")],
};

/// Largest file the import page takes: the confirmation carries it back base64-encoded
/// (4 bytes for 3), and that form must stay within the 2 MB body limit. Larger files go
/// through the API in parts or the command line.
pub const PAGE_IMPORT_MAX_BYTES: usize = 1_400_000;

/// Errors shown on the page; a file with more is summarised by its count.
const ERRORS_SHOWN: usize = 500;

/// Rows of a preview listed one by one.
const ROWS_SHOWN: usize = 2_000;

/// `?format=` of the template download.
#[derive(Deserialize, Default)]
pub struct FormatQuery {
    #[serde(default)]
    pub format: String,
}

#[derive(Template)]
#[template(path = "assets/import.html")]
struct ImportPage {
    layout: Layout,
    columns: &'static [(&'static str, &'static str)],
    max_kb: usize,
    /// The upload's file name, shown back.
    file_name: String,
    /// What the file would do; none before an upload.
    report: Option<ImportReport>,
    /// The file, base64, for the confirmation; empty when there is nothing to confirm.
    carried_file: String,
    /// A problem with the upload itself (no file, too large).
    upload_error: Option<String>,
}

impl ImportPage {
    fn errors(&self) -> &[ImportError] {
        match &self.report {
            Some(report) => &report.errors[..report.errors.len().min(ERRORS_SHOWN)],
            None => &[],
        }
    }

    fn errors_not_shown(&self) -> usize {
        self.report
            .as_ref()
            .map_or(0, |r| r.errors.len().saturating_sub(ERRORS_SHOWN))
    }

    fn rows(&self) -> &[custos_app::assets::ImportedRow] {
        match &self.report {
            Some(report) => &report.rows[..report.rows.len().min(ROWS_SHOWN)],
            None => &[],
        }
    }

    fn rows_not_shown(&self) -> usize {
        self.report
            .as_ref()
            .map_or(0, |r| r.rows.len().saturating_sub(ROWS_SHOWN))
    }
}

async fn import_page(
    state: &AppState,
    page: &PageOrg,
    file_name: String,
    report: Option<ImportReport>,
    carried_file: String,
    upload_error: Option<String>,
) -> Result<ImportPage, PageError> {
    let layout = Layout::new(state, page, "Import assets", "assets").await?;
    Ok(ImportPage {
        layout,
        columns: &COLUMN_NOTES,
        max_kb: PAGE_IMPORT_MAX_BYTES / 1000,
        file_name,
        report,
        carried_file,
        upload_error,
    })
}

/// The upload form.
pub async fn import_form(
    State(state): State<AppState>,
    page: PageOrg,
) -> Result<Response, PageError> {
    page.ctx.require(Permission::ManageAssets)?;
    Ok(render(
        &import_page(&state, &page, String::new(), None, String::new(), None).await?,
    ))
}

/// The uploaded file's preview: every problem with its row and column, or what each row
/// would do and the button that imports it.
pub async fn preview(
    State(state): State<AppState>,
    page: PageOrg,
    multipart: Multipart,
) -> Result<Response, PageError> {
    page.ctx.require(Permission::ManageAssets)?;
    let (file_name, file) = match uploaded_file(multipart).await {
        Ok(upload) => upload,
        Err(message) => {
            let form = import_page(
                &state,
                &page,
                String::new(),
                None,
                String::new(),
                Some(message),
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form.await?)).into_response());
        }
    };
    let report = state
        .app
        .import_assets(&page.ctx, &file, ImportMode::Preview, now())
        .await?;
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let carried = if report.errors.is_empty() && !report.changes_nothing() {
        URL_SAFE_NO_PAD.encode(&file)
    } else {
        String::new()
    };
    let preview = import_page(&state, &page, file_name, Some(report), carried, None).await?;
    Ok((status, render(&preview)).into_response())
}

/// The confirmation: the file as the preview carried it.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    file: String,
    #[serde(default)]
    file_name: String,
}

/// Imports the file the preview showed, checked again; any problem now (the inventory
/// changed meanwhile) shows the preview with it, and nothing is written.
pub async fn confirm(
    State(state): State<AppState>,
    page: PageOrg,
    axum::extract::Form(form): axum::extract::Form<ConfirmForm>,
) -> Result<Response, PageError> {
    page.ctx.require(Permission::ManageAssets)?;
    let file = URL_SAFE_NO_PAD.decode(form.file.trim()).map_err(|_| {
        AppError::from(custos_app::domain::ValidationErrors::single(
            "file",
            "The confirmation lost the file; upload it again.",
        ))
    })?;
    let report = state
        .app
        .import_assets(&page.ctx, &file, ImportMode::Apply, now())
        .await?;
    if report.errors.is_empty() {
        return Ok(see_other(format!(
            "{}?notice=assets-imported",
            page_href(&state, &page.ctx, "/assets")
        )));
    }
    let preview = import_page(
        &state,
        &page,
        form.file_name,
        Some(report),
        String::new(),
        None,
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&preview.await?)).into_response())
}

/// The import template: the columns and two example rows, CSV or XLSX.
pub async fn template(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let format = RegisterFormat::parse(&query.format).unwrap_or(RegisterFormat::Csv);
    let bytes = state.app.asset_import_template(&page.ctx, format)?;
    Ok(super::download(
        &format!("asset-import-template.{}", format.extension()),
        format,
        bytes,
    ))
}

/// The file an upload form sent as `file`, or what to tell the person.
async fn uploaded_file(mut multipart: Multipart) -> Result<(String, Vec<u8>), String> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        format!("The upload could not be read ({e}); choose the file again.")
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(unreadable)?;
        if bytes.is_empty() {
            return Err("Choose a CSV or XLSX file to import.".into());
        }
        if bytes.len() > PAGE_IMPORT_MAX_BYTES {
            return Err(format!(
                "The file is {} kB; this page takes files up to {} kB. Import larger files \
                 with the command line (custos import assets) or the API, or in parts.",
                bytes.len() / 1000,
                PAGE_IMPORT_MAX_BYTES / 1000
            ));
        }
        return Ok((name, bytes.to_vec()));
    }
    Err("Choose a CSV or XLSX file to import.".into())
}

fn page_href(state: &AppState, ctx: &OrgContext, path: &str) -> String {
    format!(
        "{}/orgs/{}{path}",
        state.config.base_path,
        ctx.organisation().slug
    )
}

/// The register as the filters select it, as a CSV (streamed a page at a time) or XLSX
/// download with the columns an import reads back.
pub async fn register_download(
    state: &AppState,
    ctx: &OrgContext,
    format: RegisterFormat,
    request: AssetList,
) -> Result<Response, AppError> {
    match format {
        RegisterFormat::Csv => {
            let export = state.app.export_asset_register(ctx, request)?;
            let columns = &custos_app::domain::assets::import::REGISTER_COLUMNS;
            csv_export("assets.csv", columns, export, std::convert::identity).await
        }
        RegisterFormat::Xlsx => {
            let bytes = state.app.asset_register_xlsx(ctx, request).await?;
            Ok(super::download("assets.xlsx", format, bytes))
        }
    }
}

/// The download the asset list's `?format=` asks for (csv or xlsx), if any.
pub async fn list_download(
    state: &AppState,
    ctx: &OrgContext,
    format: &str,
    request: &AssetList,
) -> Result<Option<Response>, PageError> {
    match RegisterFormat::parse(format) {
        Some(format) => Ok(Some(
            register_download(state, ctx, format, request.clone()).await?,
        )),
        None => Ok(None),
    }
}
