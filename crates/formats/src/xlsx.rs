//! XLSX registers as people expect them from an export: a bold, frozen header row with
//! filter buttons, readable column widths, and every cell written as text, so no cell
//! can ever run as a formula (spreadsheet formula injection).

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet};

use crate::table::column_letter;

/// Excel's limit on the text of one cell, in UTF-16 code units.
pub const MAX_XLSX_CELL_LEN: usize = 32_767;

/// Excel's rows per sheet, less the header row.
pub const MAX_XLSX_DATA_ROWS: usize = 1_048_575;

const MIN_COLUMN_WIDTH: usize = 8;
const MAX_COLUMN_WIDTH: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XlsxWriteError {
    /// Refused rather than cut: a cut value re-imported would overwrite the full one.
    #[error(
        "row {row}, column {column}: the text is too long for an Excel cell (at most 32,767 characters); export CSV instead"
    )]
    CellTooLong { row: usize, column: String },
    #[error("more than 1,048,575 rows: Excel cannot hold them in one sheet; export CSV instead")]
    TooManyRows,
    #[error("cannot write XLSX: {0}")]
    Xlsx(String),
}

impl From<rust_xlsxwriter::XlsxError> for XlsxWriteError {
    fn from(error: rust_xlsxwriter::XlsxError) -> Self {
        Self::Xlsx(error.to_string())
    }
}

/// A workbook of one sheet named `sheet_name` holding `header` and `rows`.
pub fn write_xlsx<I>(sheet_name: &str, header: &[&str], rows: I) -> Result<Vec<u8>, XlsxWriteError>
where
    I: IntoIterator<Item = Vec<String>>,
{
    let mut workbook = Workbook::new();
    add_register_sheet(&mut workbook, sheet_name, header, rows)?;
    Ok(workbook.save_to_buffer()?)
}

/// Adds a register sheet: header row bold, frozen and filterable, cells as text.
pub(crate) fn add_register_sheet<I>(
    workbook: &mut Workbook,
    sheet_name: &str,
    header: &[&str],
    rows: I,
) -> Result<(), XlsxWriteError>
where
    I: IntoIterator<Item = Vec<String>>,
{
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for (column, text) in header.iter().enumerate() {
        write_text(sheet, 0, column, text, Some(&bold))?;
    }

    let mut last_row = 0;
    for (index, row) in rows.into_iter().enumerate() {
        if index >= MAX_XLSX_DATA_ROWS {
            return Err(XlsxWriteError::TooManyRows);
        }
        last_row = index + 1;
        for (column, text) in row.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            write_text(sheet, last_row, column, text, None)?;
            match widths.get_mut(column) {
                Some(width) => *width = (*width).max(display_width(text)),
                None => widths.push(display_width(text)),
            }
        }
    }

    for (column, width) in widths.iter().enumerate() {
        let width = (*width + 2).clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH);
        sheet.set_column_width(column_number(column)?, width as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    if !header.is_empty() {
        sheet.autofilter(
            0,
            0,
            row_number(last_row)?,
            column_number(header.len() - 1)?,
        )?;
    }
    Ok(())
}

/// Always `write_string`: a value starting with `=` stays the text the user typed.
pub(crate) fn write_text(
    sheet: &mut Worksheet,
    row: usize,
    column: usize,
    text: &str,
    format: Option<&Format>,
) -> Result<(), XlsxWriteError> {
    if text.len() > MAX_XLSX_CELL_LEN && text.encode_utf16().count() > MAX_XLSX_CELL_LEN {
        return Err(XlsxWriteError::CellTooLong {
            row: row + 1,
            column: column_letter(column),
        });
    }
    let (row, column) = (row_number(row)?, column_number(column)?);
    match format {
        Some(format) => sheet.write_string_with_format(row, column, text, format)?,
        None => sheet.write_string(row, column, text)?,
    };
    Ok(())
}

/// Characters of the longest line: what the column must show without wrapping.
fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0)
}

fn row_number(row: usize) -> Result<u32, XlsxWriteError> {
    u32::try_from(row).map_err(|_| XlsxWriteError::TooManyRows)
}

fn column_number(column: usize) -> Result<u16, XlsxWriteError> {
    u16::try_from(column)
        .map_err(|_| XlsxWriteError::Xlsx(format!("column {} is beyond Excel's", column + 1)))
}

/// Text that wraps and sits at the top of its cell, for long explanations.
pub(crate) fn wrapped() -> Format {
    Format::new().set_text_wrap().set_align(FormatAlign::Top)
}
