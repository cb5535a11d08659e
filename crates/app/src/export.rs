//! Exports read a register a page at a time, so exporting a large audit trail never holds it
//! in memory: the interface writes each page out before it asks for the next. The
//! permission is checked when an export is opened, before anything is sent; each page is
//! then read on a connection taken for that page alone, so a slow download keeps no
//! connection busy between pages.

use std::future::Future;

use custos_domain::list::{ListRequest, Page};
use custos_store::{Conn, StoreResult};
use uuid::Uuid;

use crate::{App, AppResult};

/// Rows read per page of an export: large enough that a big export makes few queries,
/// small enough that a page of audit events with their snapshots stays within a few MB.
pub const EXPORT_PAGE_SIZE: u32 = 500;

/// A register being exported, in the order its list shows it.
pub trait Export: Send + 'static {
    type Row: Send + 'static;

    /// The next rows; empty once every row has been read.
    fn next_page(&mut self) -> impl Future<Output = AppResult<Vec<Self::Row>>> + Send;
}

/// Whether a page of `rows` was the last: a short page ends the export.
pub(crate) fn is_last_page<T>(rows: &[T]) -> bool {
    rows.len() < EXPORT_PAGE_SIZE as usize
}

/// The first page of an export.
pub(crate) fn first_page() -> Page {
    Page {
        limit: EXPORT_PAGE_SIZE,
        offset: 0,
        after: None,
    }
}

/// A record of a register whose list can be exported a page at a time.
pub(crate) trait ExportedRecord: Sized + Send + 'static {
    type Filter: Send + Sync + 'static;
    type Sort: Copy + PartialEq + Send + Sync + 'static;
    /// The sort in register-number order, which an export walks by key.
    const BY_NUMBER: Self::Sort;

    /// The number the register cites the record by (`OBJ-0007`, `AST-0007`).
    fn number(&self) -> i64;

    /// The rows `request` selects, without counting them.
    fn rows(
        conn: &mut Conn,
        org_id: Uuid,
        request: &ListRequest<Self::Filter, Self::Sort>,
    ) -> impl Future<Output = StoreResult<Vec<Self>>> + Send;
}

/// An export of a register. In number order it continues after the last number read, so
/// rows added or removed meanwhile shift nothing; in other orders it moves on by offset, as
/// the register's pages do.
// The bound is the app's own (it reads through the store): other crates only name and use
// the export, never implement it.
#[expect(private_bounds)]
pub struct RegisterExport<R: ExportedRecord> {
    app: App,
    org_id: Uuid,
    request: ListRequest<R::Filter, R::Sort>,
    done: bool,
}

#[expect(private_bounds)]
impl<R: ExportedRecord> RegisterExport<R> {
    /// The rows `request` selects, from the first one (its page is ignored).
    pub(crate) fn new(
        app: &App,
        org_id: Uuid,
        mut request: ListRequest<R::Filter, R::Sort>,
    ) -> Self {
        request.page = first_page();
        Self {
            app: app.clone(),
            org_id,
            request,
            done: false,
        }
    }
}

impl<R: ExportedRecord> Export for RegisterExport<R> {
    type Row = R;

    async fn next_page(&mut self) -> AppResult<Vec<R>> {
        if self.done {
            return Ok(Vec::new());
        }
        let mut conn = self.app.store.reader().await?;
        let rows = R::rows(&mut conn, self.org_id, &self.request).await?;
        self.done = is_last_page(&rows);
        let page = &mut self.request.page;
        if self.request.sort == R::BY_NUMBER {
            page.after = rows.last().map(R::number);
        } else {
            page.offset += u64::from(page.limit);
        }
        Ok(rows)
    }
}

/// A file of `rows` under `header`: a CSV, or a workbook whose one sheet is `sheet`.
pub(crate) fn file(
    format: crate::assets::RegisterFormat,
    sheet: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> crate::AppResult<Vec<u8>> {
    use crate::AppError;
    match format {
        crate::assets::RegisterFormat::Csv => custos_formats::csv::write(header, rows)
            .map_err(|e| AppError::Internal(format!("writing the CSV: {e}"))),
        crate::assets::RegisterFormat::Xlsx => {
            custos_formats::xlsx::write_xlsx(sheet, header, rows)
                .map_err(|e| AppError::Internal(format!("writing the workbook: {e}")))
        }
    }
}
