//! Uploads come from anyone: no input may panic a reader, and what the writers write
//! must read back unchanged.

use custos_formats::table::{ReadOptions, TableError, Worksheet, read, read_csv, read_xlsx};
use custos_formats::xlsx::write_xlsx;
use proptest::prelude::*;

use crate::support::{options, workbook_with_sheet_xml};

fn small_limits() -> ReadOptions<'static> {
    let mut options = ReadOptions::new(&["name", "owner"], 1 << 20, 200);
    options.max_columns = 64;
    options
}

const VALID_SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="b"><v>1</v></c></row><row r="2"><c r="A2"><v>42.5</v></c><c r="B2" t="e"><v>#N/A</v></c><c r="C2" s="1"><v>46082</v></c></row><row r="3"><c r="A3" t="str"><f>1+1</f><v>2</v></c><c r="B3" t="d"><v>2026-03-01T00:00:00</v></c></row></sheetData></worksheet>"#;

/// The zip layer and the workbook parts around a worksheet are handled without panics;
/// calamine's worksheet parser has one (see `a_reversed_dimension_...` below).
fn not_a_panic(result: Result<custos_formats::table::Table, TableError>) {
    assert!(
        !matches!(result, Err(TableError::ReaderFailed)),
        "the XLSX reader panicked"
    );
}

/// calamine 0.38 subtracts the corners of `<dimension ref="B2:A1"/>` unchecked: a panic
/// in builds with overflow checks (tests, debug), a wrapped value in release builds.
/// Either way the upload must come back as an error.
#[test]
fn a_reversed_dimension_that_trips_calamine_is_an_error_not_a_crash() {
    let sheet = VALID_SHEET.replace(r#"<dimension ref="A1:C3"/>"#, r#"<dimension ref="B2:A1"/>"#);
    let result = read_xlsx(
        &workbook_with_sheet_xml(&sheet),
        Worksheet::First,
        &small_limits(),
    );
    if cfg!(debug_assertions) {
        assert_eq!(result.expect_err("refused"), TableError::ReaderFailed);
    } else {
        assert!(result.is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_give_a_table_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_csv(&bytes, &small_limits());
        not_a_panic(read_xlsx(&bytes, Worksheet::First, &small_limits()));
        let mut zip_looking = b"PK\x03\x04".to_vec();
        zip_looking.extend(&bytes);
        not_a_panic(read(&zip_looking, &small_limits()));
    }

    #[test]
    fn csv_shaped_noise_gives_a_table_or_an_error(text in "[a-z;,\"'=\r\n \t\u{FEFF}é]{0,400}") {
        if let Ok(table) = read_csv(text.as_bytes(), &small_limits()) {
            let mut previous = table.header_row();
            for row in table.rows() {
                prop_assert!(row.number() > previous, "row numbers rise");
                previous = row.number();
            }
        }
    }

    #[test]
    fn mangled_worksheet_xml_gives_a_table_or_an_error(
        edits in proptest::collection::vec((0..VALID_SHEET.len(), 0usize..4, "[<>/\"=a-z0-9 :#]{0,6}"), 1..6)
    ) {
        let mut sheet = VALID_SHEET.as_bytes().to_vec();
        for (at, cut, insert) in edits {
            let at = at.min(sheet.len());
            let end = (at + cut).min(sheet.len());
            sheet.splice(at..end, insert.bytes());
        }
        let sheet = String::from_utf8_lossy(&sheet).into_owned();
        // A caught calamine panic (ReaderFailed) is an acceptable answer here; a panic
        // in our own code would fail the test.
        let _ = read_xlsx(&workbook_with_sheet_xml(&sheet), Worksheet::First, &small_limits());
    }

    #[test]
    fn any_text_written_to_xlsx_reads_back_unchanged(
        rows in proptest::collection::vec(proptest::collection::vec("[\\PC\\x00-\\x1F]{0,40}", 2), 1..8)
    ) {
        let bytes = write_xlsx("Assets", &["name", "owner"], rows.clone()).expect("xlsx");
        let table = read_xlsx(&bytes, Worksheet::First, &options()).expect("table");
        let expected: Vec<Vec<String>> = rows
            .into_iter()
            .map(|row| row.into_iter().map(|v| if v.trim().is_empty() { String::new() } else { v }).collect::<Vec<String>>())
            .filter(|row| row.iter().any(|v| !v.is_empty()))
            .collect();
        let read_back: Vec<Vec<String>> = table
            .rows()
            .iter()
            .map(|row| vec![row.value("name").unwrap_or_default().to_owned(), row.value("owner").unwrap_or_default().to_owned()])
            .collect();
        prop_assert_eq!(read_back, expected);
    }

    #[test]
    fn any_text_written_to_csv_reads_back_unchanged(
        rows in proptest::collection::vec(proptest::collection::vec("[\\PC\\x00-\\x1F]{0,40}", 2), 1..8)
    ) {
        let bytes = custos_formats::csv::write(&["name", "owner"], rows.clone()).expect("csv");
        let table = read_csv(&bytes, &options()).expect("table");
        let expected: Vec<Vec<String>> = rows
            .into_iter()
            .map(|row| row.into_iter().map(|v| if v.trim().is_empty() { String::new() } else { v }).collect::<Vec<String>>())
            .filter(|row| row.iter().any(|v| !v.is_empty()))
            .collect();
        let read_back: Vec<Vec<String>> = table
            .rows()
            .iter()
            .map(|row| vec![row.value("name").unwrap_or_default().to_owned(), row.value("owner").unwrap_or_default().to_owned()])
            .collect();
        prop_assert_eq!(read_back, expected);
    }
}
