//! CSV registers as spreadsheets open them: UTF-8, a header row, and no cell that a
//! spreadsheet would run as a formula (CSV injection).

#[derive(Debug, thiserror::Error)]
#[error("cannot write CSV: {0}")]
pub struct CsvError(String);

/// Writes `header` and `rows`; cells starting with `=`, `+`, `-`, `@`, tab or carriage
/// return are prefixed with `'` so spreadsheets show them as text. So are cells that
/// already start with `'` and then one of those, so that [`crate::table::read_csv`],
/// which removes one `'` from such cells, reads back exactly what was written.
pub fn write<I>(header: &[&str], rows: I) -> Result<Vec<u8>, CsvError>
where
    I: IntoIterator<Item = Vec<String>>,
{
    let mut bytes = header_line(header)?;
    bytes.extend(rows_lines(rows)?);
    Ok(bytes)
}

/// The header line of a file that is written in parts: this, then [`rows_lines`] of each
/// part, make byte for byte the file [`write`] makes of all the rows at once.
pub fn header_line(header: &[&str]) -> Result<Vec<u8>, CsvError> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer
        .write_record(header)
        .map_err(|e| CsvError(e.to_string()))?;
    writer.into_inner().map_err(|e| CsvError(e.to_string()))
}

/// Some rows of a file written in parts (see [`header_line`]), formulas neutralised.
pub fn rows_lines<I>(rows: I) -> Result<Vec<u8>, CsvError>
where
    I: IntoIterator<Item = Vec<String>>,
{
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| neutralise_formula(cell).into_owned()))
            .map_err(|e| CsvError(e.to_string()))?;
    }
    writer.into_inner().map_err(|e| CsvError(e.to_string()))
}

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.trim_start_matches('\'').starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Whether `cell` is one [`write`] prefixed: `'*` then a formula start.
pub(crate) fn is_neutralised_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_quoted_and_formulas_neutralised() {
        let bytes = write(
            &["title", "note"],
            vec![
                vec!["=HYPERLINK(\"x\")".into(), "plain, with comma".into()],
                vec!["-1".into(), "line\nbreak".into()],
            ],
        )
        .expect("csv");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert_eq!(
            text,
            "title,note\n\"'=HYPERLINK(\"\"x\"\")\",\"plain, with comma\"\n'-1,\"line\nbreak\"\n"
        );
    }

    #[test]
    fn text_that_looks_neutralised_gets_a_second_quote() {
        let bytes = write(
            &["note"],
            vec![vec!["'=already quoted".into()], vec!["'plain".into()]],
        )
        .expect("csv");
        assert_eq!(
            String::from_utf8(bytes).expect("utf-8"),
            "note\n''=already quoted\n'plain\n"
        );
    }

    #[test]
    fn a_file_written_in_parts_is_the_file_written_at_once() {
        let rows: Vec<Vec<String>> = (0..5)
            .map(|i| vec![format!("=cell {i}"), format!("multi\nline, \"{i}\"")])
            .collect();
        let whole = write(&["a", "b"], rows.clone()).expect("whole");
        let mut parts = header_line(&["a", "b"]).expect("header");
        for part in rows.chunks(2) {
            parts.extend(rows_lines(part.to_vec()).expect("part"));
        }
        assert_eq!(parts, whole);
    }
}
