//! Exports read a register a page at a time, so exporting a large audit trail never holds it
//! in memory: the interface writes each page out before it asks for the next. The
//! permission is checked when an export is opened, before anything is sent; each page is
//! then read on a connection taken for that page alone, so a slow download keeps no
//! connection busy between pages.

use std::future::Future;

use custos_domain::list::Page;

use crate::AppResult;

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
