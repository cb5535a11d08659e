use custos_formats::table::{CellProblem, TableError, Worksheet, read, read_xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

use crate::support::{inline, options, values, workbook_with_sheet_data};

/// A register as someone fills it in Excel: typed numbers, dates in two display
/// formats, a checkbox-like boolean, a formula, gaps.
fn workbook_typed_by_hand() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Assets").expect("name");
    let iso = Format::new().set_num_format("yyyy-mm-dd");
    let european = Format::new().set_num_format("dd/mm/yyyy");
    let with_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (column, header) in ["External ID", "Name", "Owner", "Review Date", "Value"]
        .into_iter()
        .enumerate()
    {
        sheet
            .write_string(0, column as u16, header)
            .expect("header");
    }
    let day = ExcelDateTime::from_ymd(2026, 3, 1).expect("date");
    sheet.write_number(1, 0, 1042).expect("int");
    sheet.write_string(1, 1, "CRM database").expect("text");
    sheet
        .write_datetime_with_format(1, 3, &day, &iso)
        .expect("date");
    sheet.write_number(1, 4, 2.5).expect("float");
    // Row 3 left empty on purpose: a gap in the sheet.
    sheet
        .write_string(3, 0, "0042")
        .expect("text with leading zeros");
    sheet.write_string(3, 2, "ana@example.org").expect("text");
    sheet
        .write_datetime_with_format(3, 3, &day, &european)
        .expect("date");
    sheet.write_boolean(3, 4, true).expect("bool");
    let noon = ExcelDateTime::from_ymd(2026, 3, 1)
        .and_then(|d| d.and_hms(12, 30, 0))
        .expect("datetime");
    sheet
        .write_datetime_with_format(4, 3, &noon, &with_time)
        .expect("datetime");
    sheet
        .write_formula(4, 4, Formula::new("=1+2").set_result("3"))
        .expect("formula");
    sheet.write_number(4, 0, 0.1 + 0.2).expect("float noise");
    workbook.save_to_buffer().expect("xlsx")
}

#[test]
fn numbers_dates_and_gaps_read_as_the_text_a_person_would_type() {
    let table = read_xlsx(&workbook_typed_by_hand(), Worksheet::First, &options()).expect("table");
    let keys = ["external_id", "name", "owner", "review date"];
    assert_eq!(
        values(&table, &keys),
        vec![
            (
                2,
                vec![
                    "1042".into(),
                    "CRM database".into(),
                    String::new(),
                    "2026-03-01".into()
                ]
            ),
            (
                4,
                vec![
                    "0042".into(),
                    String::new(),
                    "ana@example.org".into(),
                    "2026-03-01".into()
                ]
            ),
            (
                5,
                vec![
                    "0.3".into(),
                    String::new(),
                    String::new(),
                    "2026-03-01 12:30".into()
                ]
            ),
        ]
    );
    let value_column: Vec<&str> = table
        .rows()
        .iter()
        .map(|row| row.cells().nth(4).map_or("", |cell| cell.value))
        .collect();
    assert_eq!(value_column, vec!["2.5", "TRUE", "3"]);
    assert_eq!(
        table.unknown_columns().first().map(|c| c.header.as_str()),
        Some("Value")
    );
}

#[test]
fn the_first_visible_worksheet_is_read_unless_one_is_named() {
    let mut workbook = Workbook::new();
    let hidden = workbook.add_worksheet();
    hidden.set_name("Lists").expect("name");
    hidden.write_string(0, 0, "name").expect("cell");
    hidden
        .write_string(1, 0, "from the hidden sheet")
        .expect("cell");
    hidden.set_hidden(true);
    let assets = workbook.add_worksheet();
    assets.set_name("Assets").expect("name");
    // Excel cannot hide the first sheet while it is the active one.
    assets.set_active(true);
    assets.write_string(0, 0, "name").expect("cell");
    assets.write_string(1, 0, "CRM").expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");

    let first = read_xlsx(&bytes, Worksheet::First, &options()).expect("first");
    assert_eq!(first.rows()[0].value("name"), Some("CRM"));
    let named = read_xlsx(&bytes, Worksheet::Named(" lists "), &options()).expect("named");
    assert_eq!(named.rows()[0].value("name"), Some("from the hidden sheet"));
    assert_eq!(
        read_xlsx(&bytes, Worksheet::Named("Risks"), &options()).expect_err("refused"),
        TableError::WorksheetNotFound {
            name: "Risks".into(),
            available: vec!["Lists".into(), "Assets".into()],
        }
    );
}

#[test]
fn spreadsheet_errors_in_cells_are_reported_with_their_position() {
    let bytes = workbook_with_sheet_data(&format!(
        r#"<row r="1">{}{}</row><row r="2">{}<c r="B2" t="e"><v>#N/A</v></c></row><row r="3">{}<c r="B3" t="e"><v>#REF!</v></c></row>"#,
        inline("A1", "name"),
        inline("B1", "owner"),
        inline("A2", "CRM"),
        inline("A3", "Payroll"),
    ));
    let error = read_xlsx(&bytes, Worksheet::First, &options()).expect_err("refused");
    let messages: Vec<String> = error
        .cell_errors()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        messages,
        vec![
            "row 2, column B (owner): the cell shows the spreadsheet error #N/A; enter a value instead",
            "row 3, column B (owner): the cell shows the spreadsheet error #REF!; enter a value instead",
        ]
    );
    assert!(matches!(
        error.cell_errors()[0].problem,
        CellProblem::SpreadsheetError { .. }
    ));
}

#[test]
fn rows_and_cells_out_of_file_order_are_put_in_sheet_order() {
    let bytes = workbook_with_sheet_data(&format!(
        r#"<row r="3">{}{}</row><row r="1">{}{}</row><row r="2">{}</row>"#,
        inline("B3", "ana"),
        inline("A3", "Payroll"),
        inline("B1", "owner"),
        inline("A1", "name"),
        inline("A2", "CRM"),
    ));
    let table = read_xlsx(&bytes, Worksheet::First, &options()).expect("table");
    assert_eq!(
        values(&table, &["name", "owner"]),
        vec![
            (2, vec!["CRM".into(), String::new()]),
            (3, vec!["Payroll".into(), "ana".into()]),
        ]
    );
}

#[test]
fn a_table_starting_below_and_right_of_a1_keeps_its_positions() {
    let bytes = workbook_with_sheet_data(&format!(
        r#"<row r="3">{}{}</row><row r="4">{}{}</row>"#,
        inline("C3", "name"),
        inline("D3", "owner"),
        inline("C4", "CRM"),
        inline("D4", "ana"),
    ));
    let table = read(&bytes, &options()).expect("table");
    assert_eq!(table.header_row(), 3);
    let cell = table.rows()[0].get("owner").expect("owner");
    assert_eq!(cell.position().to_string(), "row 4, column D (owner)");
    assert!(table.unknown_columns().is_empty());
}

#[test]
fn numbers_and_booleans_typed_in_the_header_still_name_columns() {
    let bytes = workbook_with_sheet_data(&format!(
        r#"<row r="1">{}<c r="B1"><v>2026</v></c><c r="C1" t="b"><v>1</v></c></row><row r="2">{}</row>"#,
        inline("A1", "name"),
        inline("A2", "CRM"),
    ));
    let table = read_xlsx(&bytes, Worksheet::First, &options()).expect("table");
    let headers: Vec<&str> = table.columns().iter().map(|c| c.header.as_str()).collect();
    assert_eq!(headers, vec!["name", "2026", "TRUE"]);
}
