//! One XLSX worksheet into a [`Grid`], each value as the text a person would type:
//! `42` not `42.0`, `2026-03-01` not a serial number, `TRUE` for a checked box.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, SheetVisible, Xlsx};

use super::{CellProblem, Grid, GridProblem, GridRow, ReadOptions, TableError, accept_cell};

const NOT_A_WORKBOOK: &str = "not an XLSX workbook";

/// Which worksheet of a workbook holds the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worksheet<'a> {
    /// The first visible worksheet, the one a spreadsheet opens on.
    First,
    /// By name; an exact match first, then ignoring case and surrounding spaces.
    Named(&'a str),
}

pub(super) fn read_grid(
    bytes: &[u8],
    worksheet: Worksheet<'_>,
    options: &ReadOptions<'_>,
) -> Result<Grid, TableError> {
    check_unpacked_size(bytes, options.max_unpacked_bytes)?;
    read_worksheet(bytes, worksheet, options)
}

/// Calls calamine, which parses XML from strangers: a panic in it rejects the file
/// instead of taking the worker down. Only calamine's calls are guarded, so the fuzz
/// tests still see a panic in our own code.
fn guarded<T>(
    failure: &str,
    call: impl FnOnce() -> Result<T, calamine::XlsxError>,
) -> Result<T, TableError> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(TableError::Unreadable {
            reason: format!("{failure} ({error})"),
        }),
        Err(_) => Err(TableError::ReaderFailed),
    }
}

/// Refuses zip bombs before anything is unpacked: the zip reader stops each part at the
/// size its directory declares, so the declared sizes bound what parsing can allocate.
fn check_unpacked_size(bytes: &[u8], limit: u64) -> Result<(), TableError> {
    let not_a_workbook = |e: zip::result::ZipError| TableError::Unreadable {
        reason: format!("{NOT_A_WORKBOOK} ({e})"),
    };
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_a_workbook)?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(not_a_workbook)?;
        total = total.saturating_add(entry.size());
        if total > limit {
            return Err(TableError::UnpackedTooLarge { limit });
        }
    }
    Ok(())
}

fn read_worksheet(
    bytes: &[u8],
    worksheet: Worksheet<'_>,
    options: &ReadOptions<'_>,
) -> Result<Grid, TableError> {
    let mut workbook: Xlsx<_> = guarded(NOT_A_WORKBOOK, || Xlsx::new(Cursor::new(bytes)))?;
    let name = choose_worksheet(workbook.sheets_metadata(), worksheet)?;
    let damaged = format!("the worksheet \"{name}\" is damaged");
    let mut cells = guarded(&damaged, || workbook.worksheet_cells_reader(&name))?;

    // Cells arrive in file order, which is row order in files that spreadsheets write but
    // not necessarily in others: gather by row, then sort.
    let mut rows: BTreeMap<u32, Vec<(usize, String)>> = BTreeMap::new();
    let mut problems = Vec::new();
    while let Some(cell) = guarded(&damaged, || cells.next_cell())? {
        let (row_index, column) = cell.get_position();
        let row = row_index as usize + 1;
        let column = column as usize;
        let text = match cell.get_value() {
            DataRef::Error(code) => {
                problems.push(GridProblem {
                    row,
                    column,
                    problem: CellProblem::SpreadsheetError {
                        code: code.to_string(),
                    },
                });
                rows.entry(row_index).or_default();
                continue;
            }
            value => cell_text(value),
        };
        if text.trim().is_empty() {
            continue;
        }
        if column >= options.max_columns {
            return Err(TableError::TooManyColumns {
                columns: column + 1,
                limit: options.max_columns,
            });
        }
        let entry = rows.entry(row_index).or_default();
        if let Some(text) = accept_cell(text, row, column, &mut problems) {
            entry.push((column, text));
        }
        // Header plus max_rows data rows.
        if rows.len() > options.max_rows.saturating_add(1) {
            return Err(TableError::TooManyRows {
                limit: options.max_rows,
            });
        }
    }

    let rows = rows
        .into_iter()
        .map(|(row_index, mut cells)| {
            cells.sort_by_key(|(column, _)| *column);
            // A cell written twice keeps its last value, as a spreadsheet would show.
            cells.reverse();
            cells.dedup_by_key(|(column, _)| *column);
            cells.reverse();
            GridRow {
                number: row_index as usize + 1,
                cells,
            }
        })
        .collect();
    Ok(Grid { rows, problems })
}

fn choose_worksheet(
    sheets: &[calamine::Sheet],
    worksheet: Worksheet<'_>,
) -> Result<String, TableError> {
    let worksheets: Vec<&calamine::Sheet> = sheets
        .iter()
        .filter(|sheet| sheet.typ == SheetType::WorkSheet)
        .collect();
    let chosen = match worksheet {
        Worksheet::First => worksheets
            .iter()
            .find(|sheet| sheet.visible == SheetVisible::Visible)
            .or_else(|| worksheets.first())
            .ok_or(TableError::NoWorksheet)?,
        Worksheet::Named(name) => worksheets
            .iter()
            .find(|sheet| sheet.name == name)
            .or_else(|| {
                worksheets
                    .iter()
                    .find(|sheet| sheet.name.trim().to_lowercase() == name.trim().to_lowercase())
            })
            .ok_or_else(|| TableError::WorksheetNotFound {
                name: name.to_owned(),
                available: worksheets.iter().map(|sheet| sheet.name.clone()).collect(),
            })?,
    };
    Ok(chosen.name.clone())
}

fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(number) => number.to_string(),
        DataRef::Float(number) => number_text(*number),
        DataRef::String(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Bool(true) => "TRUE".to_owned(),
        DataRef::Bool(false) => "FALSE".to_owned(),
        DataRef::DateTime(datetime) => datetime_text(datetime),
        DataRef::DateTimeIso(text) => iso_datetime_text(text),
        DataRef::DurationIso(text) => text.clone(),
        DataRef::Error(code) => code.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// Whole numbers without `.0`; others to the 15 significant digits a spreadsheet shows,
/// so `0.1 + 0.2` reads `0.3` as it did on screen.
fn number_text(number: f64) -> String {
    if !number.is_finite() {
        return number.to_string();
    }
    if number.fract() == 0.0 && number.abs() < 1e15 {
        return format!("{}", number as i64);
    }
    let shown: f64 = format!("{number:.14e}").parse().unwrap_or(number);
    shown.to_string()
}

/// `YYYY-MM-DD`, with ` HH:MM[:SS]` when the cell holds a time of day too.
fn datetime_text(datetime: &ExcelDateTime) -> String {
    if datetime.is_duration() {
        return duration_text(datetime.as_f64());
    }
    let (year, month, day, hour, minute, second, milli) = datetime.to_ymd_hms_milli();
    let date = format!("{year:04}-{month:02}-{day:02}");
    let has_time = (hour, minute, second, milli) != (0, 0, 0, 0);
    let time = if second == 0 {
        format!("{hour:02}:{minute:02}")
    } else {
        format!("{hour:02}:{minute:02}:{second:02}")
    };
    match (has_time, datetime.as_f64() < 1.0) {
        (false, _) => date,
        (true, true) => time,
        (true, false) => format!("{date} {time}"),
    }
}

/// Elapsed time as `H:MM:SS`, the way `[h]:mm:ss` shows it.
fn duration_text(days: f64) -> String {
    // `as` saturates (NaN becomes 0): no overflow whatever the file says.
    let seconds = (days * 86_400.0).round() as i64;
    let sign = if seconds < 0 { "-" } else { "" };
    let seconds = seconds.unsigned_abs();
    format!(
        "{sign}{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Strict-format (ISO 8601) cells: `2026-03-01T00:00:00` reads `2026-03-01`.
fn iso_datetime_text(text: &str) -> String {
    match text.split_once('T') {
        Some((date, time)) => {
            let time = time.trim_end_matches('Z');
            if time.trim_start_matches(['0', ':', '.']).is_empty() {
                date.to_owned()
            } else {
                format!("{date} {time}")
            }
        }
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number_text(42.0), "42");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(1e20), "100000000000000000000");
        assert_eq!(number_text(f64::NAN), "NaN");
    }

    #[test]
    fn dates_read_as_iso_days() {
        let date = |serial| ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime_text(&date(46082.0)), "2026-03-01");
        assert_eq!(datetime_text(&date(46082.5)), "2026-03-01 12:00");
        assert_eq!(datetime_text(&date(0.75)), "18:00");
        let in_1904 = ExcelDateTime::new(44620.0, ExcelDateTimeType::DateTime, true);
        assert_eq!(datetime_text(&in_1904), "2026-03-01");
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(datetime_text(&duration), "36:00:00");
        assert_eq!(duration_text(f64::NAN), "0:00:00");
        assert!(duration_text(f64::INFINITY).ends_with(":30:07"));
    }

    #[test]
    fn iso_cells_drop_a_midnight_time() {
        assert_eq!(iso_datetime_text("2026-03-01T00:00:00"), "2026-03-01");
        assert_eq!(
            iso_datetime_text("2026-03-01T09:30:00Z"),
            "2026-03-01 09:30:00"
        );
        assert_eq!(iso_datetime_text("2026-03-01"), "2026-03-01");
    }
}
