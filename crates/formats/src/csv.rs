//! CSV registers as spreadsheets open them: UTF-8, a header row, and no cell that a
//! spreadsheet would run as a formula (CSV injection).

#[derive(Debug, thiserror::Error)]
#[error("cannot write CSV: {0}")]
pub struct CsvError(String);

/// Writes `header` and `rows`; cells starting with `=`, `+`, `-`, `@`, tab or carriage
/// return are prefixed with `'` so spreadsheets show them as text.
pub fn write<I>(header: &[&str], rows: I) -> Result<Vec<u8>, CsvError>
where
    I: IntoIterator<Item = Vec<String>>,
{
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer
        .write_record(header)
        .map_err(|e| CsvError(e.to_string()))?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| neutralise_formula(cell).into_owned()))
            .map_err(|e| CsvError(e.to_string()))?;
    }
    writer.into_inner().map_err(|e| CsvError(e.to_string()))
}

fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
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
}
