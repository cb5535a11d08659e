//! Downloadable import templates: the register's header with example rows, and in XLSX
//! a second sheet explaining what each column takes.

use rust_xlsxwriter::{Format, Workbook};

use crate::csv::CsvError;
use crate::xlsx::{XlsxWriteError, add_register_sheet, wrapped, write_text};

/// Name of the sheet that explains the columns; the register sheet comes first, so
/// reading the filled-in template back takes the data, not the notes.
pub const NOTES_SHEET: &str = "Notes";

/// What one column of a register takes, in the caller's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnNote<'a> {
    pub column: &'a str,
    pub explanation: &'a str,
}

/// A workbook with the register sheet (`sheet_name`: header and example rows) followed
/// by the notes sheet (one row per column note).
pub fn template_xlsx(
    sheet_name: &str,
    header: &[&str],
    example_rows: &[Vec<String>],
    notes: &[ColumnNote<'_>],
) -> Result<Vec<u8>, XlsxWriteError> {
    let mut workbook = Workbook::new();
    add_register_sheet(&mut workbook, sheet_name, header, example_rows.to_vec())?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(NOTES_SHEET)?;
    let bold = Format::new().set_bold();
    let bold_top = wrapped().set_bold();
    let explanation = wrapped();
    write_text(sheet, 0, 0, "Column", Some(&bold))?;
    write_text(sheet, 0, 1, "What to enter", Some(&bold))?;
    for (index, note) in notes.iter().enumerate() {
        write_text(sheet, index + 1, 0, note.column, Some(&bold_top))?;
        write_text(sheet, index + 1, 1, note.explanation, Some(&explanation))?;
    }
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(1, 90)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(workbook.save_to_buffer()?)
}

/// The CSV template: header and example rows (CSV has no room for the notes), with a
/// UTF-8 byte-order mark so that Excel opens accented text correctly and saves it back
/// as UTF-8.
pub fn template_csv(header: &[&str], example_rows: &[Vec<String>]) -> Result<Vec<u8>, CsvError> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(crate::csv::write(header, example_rows.to_vec())?);
    Ok(bytes)
}
