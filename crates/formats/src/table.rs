//! Tabular registers read from a CSV or XLSX upload: a header row and data rows of text
//! cells, each cell knowing its row number, column letter and header as the person who
//! made the file sees them, so that importers can point at the exact cell they reject.
//!
//! Register-independent: the caller names the columns it knows; this layer only reads,
//! matches headers and enforces size limits. Every input gives a table or an error, never
//! a panic.

mod csv_read;
mod xlsx_read;

use std::fmt;
use std::io::Read;
use std::sync::Arc;

pub use xlsx_read::Worksheet;

/// Longest cell accepted, in characters: longer text is a pasted document, not a field.
pub const MAX_CELL_CHARS: usize = 10_000;

/// Widest table accepted unless the caller says otherwise.
pub const DEFAULT_MAX_COLUMNS: usize = 256;

/// How much an XLSX file may grow when unpacked, unless the caller says otherwise.
/// Spreadsheets compress about 5 to 20 times; a zip bomb compresses a thousand times.
pub const DEFAULT_UNPACK_RATIO: u64 = 50;

/// Ceiling on the unpacked size whatever the upload limit: calamine holds a workbook's
/// shared strings in memory.
pub const DEFAULT_MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;

/// What the caller expects of a file, and how much of it it is willing to read.
#[derive(Debug, Clone)]
pub struct ReadOptions<'a> {
    /// Column names the register knows, as the caller spells them; headers match them
    /// ignoring case, surrounding spaces, and `_`/`-`/space differences.
    pub columns: &'a [&'a str],
    /// Files larger than this are refused before parsing.
    pub max_bytes: usize,
    /// Data rows (blank rows not counted) beyond this are refused.
    pub max_rows: usize,
    pub max_columns: usize,
    /// Total unpacked size of the parts of an XLSX file (a zip archive).
    pub max_unpacked_bytes: u64,
}

impl<'a> ReadOptions<'a> {
    pub fn new(columns: &'a [&'a str], max_bytes: usize, max_rows: usize) -> Self {
        Self {
            columns,
            max_bytes,
            max_rows,
            max_columns: DEFAULT_MAX_COLUMNS,
            max_unpacked_bytes: (max_bytes as u64)
                .saturating_mul(DEFAULT_UNPACK_RATIO)
                .min(DEFAULT_MAX_UNPACKED_BYTES),
        }
    }
}

/// The kinds of file a register can be imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Xlsx,
}

impl TableFormat {
    /// Tells the format from the first bytes, not the file name: uploads are often renamed.
    pub fn detect(bytes: &[u8]) -> Result<Self, TableError> {
        // An OpenDocument file is a zip whose first part, stored, is its media type.
        let opendocument = bytes
            .get(30..)
            .is_some_and(|rest| rest.starts_with(b"mimetypeapplication/vnd.oasis.opendocument"));
        if opendocument {
            Err(TableError::UnsupportedFormat {
                name: "an OpenDocument spreadsheet (.ods)".into(),
            })
        } else if bytes.starts_with(b"PK\x03\x04") {
            Ok(Self::Xlsx)
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            Err(TableError::UnsupportedFormat {
                name: "an old Excel workbook (.xls)".into(),
            })
        } else {
            Ok(Self::Csv)
        }
    }
}

/// Reads a CSV or XLSX file (the first worksheet), whichever the bytes are.
pub fn read(bytes: &[u8], options: &ReadOptions<'_>) -> Result<Table, TableError> {
    match TableFormat::detect(bytes)? {
        TableFormat::Csv => read_csv(bytes, options),
        TableFormat::Xlsx => read_xlsx(bytes, Worksheet::First, options),
    }
}

/// Reads CSV: UTF-8 with or without a byte-order mark, `,` or `;` between fields
/// (whichever the header line uses more), an optional Excel `sep=` first line.
pub fn read_csv(bytes: &[u8], options: &ReadOptions<'_>) -> Result<Table, TableError> {
    check_size(bytes, options)?;
    let grid = csv_read::read_grid(bytes, options)?;
    Table::assemble(grid, options)
}

/// Reads one worksheet of an XLSX workbook.
pub fn read_xlsx(
    bytes: &[u8],
    worksheet: Worksheet<'_>,
    options: &ReadOptions<'_>,
) -> Result<Table, TableError> {
    check_size(bytes, options)?;
    let grid = xlsx_read::read_grid(bytes, worksheet, options)?;
    Table::assemble(grid, options)
}

/// Reads a whole file from `reader` (a CLI argument, a request body), stopping as soon as
/// it passes `max_bytes` rather than holding an oversized file in memory.
pub fn read_to_limit(reader: impl Read, max_bytes: usize) -> Result<Vec<u8>, TableError> {
    let mut bytes = Vec::new();
    let limit = (max_bytes as u64).saturating_add(1);
    reader
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| TableError::Unreadable {
            reason: e.to_string(),
        })?;
    if bytes.len() > max_bytes {
        return Err(TableError::TooLarge {
            limit: max_bytes,
            bytes: None,
        });
    }
    Ok(bytes)
}

fn check_size(bytes: &[u8], options: &ReadOptions<'_>) -> Result<(), TableError> {
    if bytes.len() > options.max_bytes {
        return Err(TableError::TooLarge {
            limit: options.max_bytes,
            bytes: Some(bytes.len()),
        });
    }
    Ok(())
}

/// A column of the file: where it is and what its header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// 0-based position, for the caller's own indexing.
    pub index: usize,
    /// The letter a spreadsheet shows above the column: `A`, `B`, ... `AA`.
    pub letter: String,
    /// The header as written in the file, trimmed; empty when the header cell is empty.
    pub header: String,
    /// The caller's column name this header matched, if any.
    pub key: Option<String>,
}

/// A file read into text cells, header matched against the caller's columns.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Arc<[Column]>,
    header_row: usize,
    rows: Vec<Row>,
    expected: Vec<String>,
}

impl Table {
    /// Every column of the file, in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The row number of the header (1 unless the sheet starts with blank rows).
    pub fn header_row(&self) -> usize {
        self.header_row
    }

    /// Data rows in file order; blank rows are left out but keep their numbers.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The column that matched the caller's column `key`.
    pub fn column(&self, key: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.key.as_deref() == Some(key))
    }

    /// Columns that matched none of the caller's names but have a header or a value:
    /// the caller decides whether that is a warning or an error.
    pub fn unknown_columns(&self) -> Vec<&Column> {
        self.columns
            .iter()
            .filter(|column| column.key.is_none())
            .filter(|column| {
                !column.header.is_empty()
                    || self
                        .rows
                        .iter()
                        .any(|row| !row.values[column.index].trim().is_empty())
            })
            .collect()
    }

    /// The caller's columns that no header matched, in the caller's order.
    pub fn missing_columns(&self) -> Vec<&str> {
        self.expected
            .iter()
            .filter(|key| self.column(key).is_none())
            .map(String::as_str)
            .collect()
    }

    fn assemble(grid: Grid, options: &ReadOptions<'_>) -> Result<Self, TableError> {
        let mut rows = grid.rows.into_iter();
        let header = rows.next().ok_or(TableError::NoHeader)?;
        let data_rows: Vec<GridRow> = rows.collect();
        if data_rows.len() > options.max_rows {
            return Err(TableError::TooManyRows {
                limit: options.max_rows,
            });
        }
        let width = std::iter::once(&header)
            .chain(&data_rows)
            .filter_map(|row| row.cells.iter().map(|(column, _)| column + 1).max())
            .max()
            .unwrap_or(0);
        if width > options.max_columns {
            return Err(TableError::TooManyColumns {
                columns: width,
                limit: options.max_columns,
            });
        }

        let mut problems = grid.problems;
        let header_texts = dense(header.cells, width);
        let mut columns = Vec::with_capacity(width);
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (index, text) in header_texts.into_iter().enumerate() {
            let header_text = text.trim().to_owned();
            let normalised = normalise_header(&header_text);
            if !normalised.is_empty() {
                if let Some((_, first)) = seen.iter().find(|(name, _)| *name == normalised) {
                    problems.push(GridProblem {
                        row: header.number,
                        column: index,
                        problem: CellProblem::DuplicateHeader {
                            first_column: column_letter(*first),
                        },
                    });
                } else {
                    seen.push((normalised.clone(), index));
                }
            }
            let key = options
                .columns
                .iter()
                .find(|name| !normalised.is_empty() && normalise_header(name) == normalised)
                .map(|name| (*name).to_owned());
            columns.push(Column {
                index,
                letter: column_letter(index),
                header: header_text,
                key,
            });
        }

        if !problems.is_empty() {
            problems.sort_by_key(|p| (p.row, p.column));
            let errors = problems
                .into_iter()
                .map(|p| CellError {
                    position: CellPosition {
                        row: p.row,
                        column: column_letter(p.column),
                        header: columns
                            .get(p.column)
                            .map(|c| c.header.clone())
                            .unwrap_or_default(),
                    },
                    problem: p.problem,
                })
                .collect();
            return Err(TableError::Cells(errors));
        }

        let columns: Arc<[Column]> = columns.into();
        let rows = data_rows
            .into_iter()
            .map(|row| Row {
                number: row.number,
                values: dense(row.cells, width),
                columns: Arc::clone(&columns),
            })
            .collect();
        Ok(Self {
            columns,
            header_row: header.number,
            rows,
            expected: options.columns.iter().map(|c| (*c).to_owned()).collect(),
        })
    }
}

/// A data row: one text value per column, empty where the file has nothing.
#[derive(Debug, Clone)]
pub struct Row {
    number: usize,
    values: Vec<String>,
    columns: Arc<[Column]>,
}

impl Row {
    /// The 1-based row number a spreadsheet shows (the header is row 1).
    pub fn number(&self) -> usize {
        self.number
    }

    /// The cell under the caller's column `key`, if the file has that column.
    pub fn get(&self, key: &str) -> Option<Cell<'_>> {
        self.cells()
            .find(|cell| cell.column.key.as_deref() == Some(key))
    }

    /// The text under the caller's column `key`, if the file has that column.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(|cell| cell.value)
    }

    pub fn cells(&self) -> impl Iterator<Item = Cell<'_>> {
        self.columns
            .iter()
            .zip(&self.values)
            .map(|(column, value)| Cell {
                row: self.number,
                column,
                value,
            })
    }
}

/// One cell's text and where it sits. Values are not trimmed: that is the caller's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell<'a> {
    pub row: usize,
    pub column: &'a Column,
    pub value: &'a str,
}

impl Cell<'_> {
    pub fn position(&self) -> CellPosition {
        CellPosition {
            row: self.row,
            column: self.column.letter.clone(),
            header: self.column.header.clone(),
        }
    }

    /// An error about this cell, for validators: "row 14, column D (owner): ...".
    pub fn error(&self, message: impl Into<String>) -> CellError {
        CellError {
            position: self.position(),
            problem: CellProblem::Invalid {
                message: message.into(),
            },
        }
    }
}

/// Where a cell is, in the words of the spreadsheet showing it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellPosition {
    /// 1-based row number; the header is row 1.
    pub row: usize,
    /// Column letter: `A`, `B`, ... `AA`.
    pub column: String,
    /// The column's header as written, or empty.
    pub header: String,
}

impl fmt::Display for CellPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}, column {}", self.row, self.column)?;
        if !self.header.is_empty() {
            write!(f, " ({})", self.header)?;
        }
        Ok(())
    }
}

/// A problem with one cell; a file's cell errors are all reported together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {problem}")]
pub struct CellError {
    pub position: CellPosition,
    pub problem: CellProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CellProblem {
    #[error("the text is {chars} characters long; at most {limit} are accepted")]
    TooLong { chars: usize, limit: usize },
    #[error("the cell shows the spreadsheet error {code}; enter a value instead")]
    SpreadsheetError { code: String },
    #[error("the header repeats the one in column {first_column}")]
    DuplicateHeader { first_column: String },
    /// Raised by the caller's validation through [`Cell::error`].
    #[error("{message}")]
    Invalid { message: String },
}

/// Why a file cannot be read as a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("the file is too large: at most {limit} bytes are accepted")]
    TooLarge { limit: usize, bytes: Option<usize> },
    #[error("the workbook unpacks to more than {limit} bytes, too large to read")]
    UnpackedTooLarge { limit: u64 },
    #[error("the file has more than {limit} rows")]
    TooManyRows { limit: usize },
    #[error("the file has {columns} columns; at most {limit} are accepted")]
    TooManyColumns { columns: usize, limit: usize },
    #[error("the file is empty: it has no header row")]
    NoHeader,
    #[error("the file is UTF-16 text; save it as \"CSV UTF-8\"")]
    Utf16,
    #[error("row {row} is not UTF-8 text; save the file as \"CSV UTF-8\"")]
    NotUtf8 { row: usize },
    #[error("the file is {name}; save it as .xlsx or CSV")]
    UnsupportedFormat { name: String },
    #[error("the file cannot be read: {reason}")]
    Unreadable { reason: String },
    #[error("the workbook has no worksheet named \"{name}\" (it has: {})", available.join(", "))]
    WorksheetNotFound {
        name: String,
        available: Vec<String>,
    },
    #[error("the workbook has no worksheet")]
    NoWorksheet,
    /// The XLSX parser panicked; caught so that one odd upload cannot take a worker down.
    #[error("the workbook cannot be read: its contents confused the XLSX reader")]
    ReaderFailed,
    #[error("{}", cells_summary(.0))]
    Cells(Vec<CellError>),
}

impl TableError {
    /// The cell errors, when the file was readable but some cells were not acceptable.
    pub fn cell_errors(&self) -> &[CellError] {
        match self {
            Self::Cells(errors) => errors,
            _ => &[],
        }
    }
}

fn cells_summary(errors: &[CellError]) -> String {
    match errors {
        [] => "no cell has a problem".to_owned(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more cell problems)", rest.len()),
    }
}

/// The letters a spreadsheet shows for the 0-based column `index`: 0 is `A`, 26 is `AA`.
pub fn column_letter(index: usize) -> String {
    let mut letters = Vec::new();
    let mut rest = index + 1;
    while rest > 0 {
        let digit = (rest - 1) % 26;
        letters.push(b'A' + digit as u8);
        rest = (rest - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// The form headers are compared in: `" External-ID "`, `external_id` and
/// `External ID` all become `external id`.
fn normalise_header(header: &str) -> String {
    header
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the two readers hand over: non-blank rows in order, sparse cells, and the cell
/// problems they found on the way.
#[derive(Debug, Default)]
struct Grid {
    rows: Vec<GridRow>,
    problems: Vec<GridProblem>,
}

#[derive(Debug)]
struct GridRow {
    /// 1-based, as a spreadsheet shows it.
    number: usize,
    /// (0-based column, text), in column order.
    cells: Vec<(usize, String)>,
}

#[derive(Debug)]
struct GridProblem {
    row: usize,
    column: usize,
    problem: CellProblem,
}

fn dense(cells: Vec<(usize, String)>, width: usize) -> Vec<String> {
    let mut values = vec![String::new(); width];
    for (column, text) in cells {
        if let Some(slot) = values.get_mut(column) {
            *slot = text;
        }
    }
    values
}

/// Checks a cell's length; an overlong value is dropped and reported instead.
fn accept_cell(
    text: String,
    row: usize,
    column: usize,
    problems: &mut Vec<GridProblem>,
) -> Option<String> {
    // Bytes bound characters from above: only long texts need counting.
    if text.len() > MAX_CELL_CHARS {
        let chars = text.chars().count();
        if chars > MAX_CELL_CHARS {
            problems.push(GridProblem {
                row,
                column,
                problem: CellProblem::TooLong {
                    chars,
                    limit: MAX_CELL_CHARS,
                },
            });
            return None;
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheets() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16_383), "XFD");
    }

    #[test]
    fn headers_match_ignoring_case_spaces_and_separators() {
        assert_eq!(normalise_header("  External-ID "), "external id");
        assert_eq!(normalise_header("external_id"), "external id");
        assert_eq!(normalise_header("EXTERNAL   ID"), "external id");
        assert_eq!(normalise_header("Eigentümer"), "eigentümer");
        assert_eq!(normalise_header(" \t"), "");
    }

    #[test]
    fn positions_read_as_a_person_would_say_them() {
        let position = CellPosition {
            row: 14,
            column: "D".into(),
            header: "owner".into(),
        };
        assert_eq!(position.to_string(), "row 14, column D (owner)");
        let no_header = CellPosition {
            header: String::new(),
            ..position
        };
        assert_eq!(no_header.to_string(), "row 14, column D");
    }
}
