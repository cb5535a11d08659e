//! CSV into a [`Grid`]: the file as Excel and LibreOffice save it (byte-order mark,
//! `;` in locales with a decimal comma, a `sep=` line, CRLF, quoted line breaks).

use super::{Grid, GridRow, ReadOptions, TableError, accept_cell};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) fn read_grid(bytes: &[u8], options: &ReadOptions<'_>) -> Result<Grid, TableError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(TableError::Utf16);
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let (delimiter, bytes) = match separator_line(bytes) {
        Some((delimiter, rest)) => (delimiter, rest),
        None => (detect_delimiter(bytes), bytes),
    };

    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut grid = Grid::default();
    let mut record = ::csv::ByteRecord::new();
    let mut row_number = 0;
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| TableError::Unreadable {
                reason: e.to_string(),
            })?;
        if !more {
            break;
        }
        let start = record.position().map_or(0, |p| p.byte());
        row_number += 1 + blank_lines_at(bytes, usize::try_from(start).unwrap_or(usize::MAX));

        let mut cells = Vec::new();
        for (column, field) in record.iter().enumerate() {
            let text =
                std::str::from_utf8(field).map_err(|_| TableError::NotUtf8 { row: row_number })?;
            let text = undo_formula_neutralising(text);
            if text.trim().is_empty() {
                continue;
            }
            if column >= options.max_columns {
                return Err(TableError::TooManyColumns {
                    columns: record.len(),
                    limit: options.max_columns,
                });
            }
            if let Some(text) = accept_cell(text.to_owned(), row_number, column, &mut grid.problems)
            {
                cells.push((column, text));
            }
        }
        let reported = grid.problems.last().is_some_and(|p| p.row == row_number);
        if cells.is_empty() && !reported {
            continue;
        }
        // The header is the first row kept; the limit counts data rows.
        if grid.rows.len() > options.max_rows {
            return Err(TableError::TooManyRows {
                limit: options.max_rows,
            });
        }
        grid.rows.push(GridRow {
            number: row_number,
            cells,
        });
    }
    Ok(grid)
}

/// Spreadsheets show a blank line as an empty row, but the csv crate skips it: a record's
/// position is where the previous one ended, so the line ends there are the skipped rows.
fn blank_lines_at(bytes: &[u8], start: usize) -> usize {
    let mut at = start;
    // After a CRLF the previous record ends between `\r` and `\n`.
    if at > 0 && bytes.get(at - 1) == Some(&b'\r') && bytes.get(at) == Some(&b'\n') {
        at += 1;
    }
    let mut lines = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\n' => at += 1,
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => at += 2,
            b'\r' => at += 1,
            _ => break,
        }
        lines += 1;
    }
    lines
}

/// Excel reads and writes a first line `sep=;` naming the delimiter; it is not a row.
fn separator_line(bytes: &[u8]) -> Option<(u8, &[u8])> {
    let rest = bytes
        .strip_prefix(b"sep=")
        .or_else(|| bytes.strip_prefix(b"SEP="))?;
    let (&delimiter, rest) = rest.split_first()?;
    if !delimiter.is_ascii() || delimiter == b'"' || delimiter == b'\n' || delimiter == b'\r' {
        return None;
    }
    let rest = rest.strip_prefix(b"\r").unwrap_or(rest);
    let rest = rest.strip_prefix(b"\n")?;
    Some((delimiter, rest))
}

/// `;` when the header line holds more semicolons than commas outside quotes, else `,`.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for &byte in bytes {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Our CSV writer prefixes `'` to cells a spreadsheet would run as formulas
/// ([`crate::csv::write`]); reading the file back gives the text that was exported.
fn undo_formula_neutralising(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if crate::csv::is_neutralised_formula(rest) => rest,
        _ => text,
    }
}
