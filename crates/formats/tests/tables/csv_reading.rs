use custos_formats::table::{TableError, read, read_csv};

use crate::support::{options, values};

#[test]
fn excel_csv_with_bom_semicolons_crlf_and_quoted_line_breaks_reads_as_the_spreadsheet_shows_it() {
    let file = "\u{FEFF}External_ID;Name;Type;Owner\r\n\
                A-1;\"CRM; customer records\";information;ana@example.org\r\n\
                A-2;\"Laptop\r\nfleet\";hardware;\r\n\
                A-3;\"Payroll \"\"gross\"\"\";information;ben@example.org\r\n";
    let table = read_csv(file.as_bytes(), &options()).expect("table");

    assert_eq!(table.header_row(), 1);
    assert_eq!(
        values(&table, &["external_id", "name", "owner"]),
        vec![
            (
                2,
                vec![
                    "A-1".into(),
                    "CRM; customer records".into(),
                    "ana@example.org".into()
                ]
            ),
            // The quoted line break stays in the value; the row is still row 3.
            (
                3,
                vec!["A-2".into(), "Laptop\r\nfleet".into(), String::new()]
            ),
            (
                4,
                vec![
                    "A-3".into(),
                    "Payroll \"gross\"".into(),
                    "ben@example.org".into()
                ]
            ),
        ]
    );
    assert_eq!(table.missing_columns(), vec!["review date"]);
}

#[test]
fn blank_lines_keep_the_row_numbers_a_spreadsheet_shows() {
    let file = "name,owner\n\nfirst,\"a\nb\"\n\n\nsecond,c\n\n";
    let table = read_csv(file.as_bytes(), &options()).expect("table");
    let rows: Vec<usize> = table.rows().iter().map(|row| row.number()).collect();
    // header 1, blank 2, "first" 3 (spans two lines), blank 4 and 5, "second" 6.
    assert_eq!(rows, vec![3, 6]);
}

#[test]
fn blank_crlf_lines_keep_the_row_numbers_too() {
    let file = "\r\nname,owner\r\n\r\nfirst,\"a\r\nb\"\r\n\r\n\r\nsecond,c\r\n\r\n";
    let table = read_csv(file.as_bytes(), &options()).expect("table");
    assert_eq!(table.header_row(), 2);
    let rows: Vec<usize> = table.rows().iter().map(|row| row.number()).collect();
    assert_eq!(rows, vec![4, 7]);
}

#[test]
fn comma_is_chosen_when_semicolons_appear_only_inside_quotes() {
    let file = "name,\"owner; or deputy\",type\nx;y,z,information\n";
    let table = read_csv(file.as_bytes(), &options()).expect("table");
    assert_eq!(table.columns().len(), 3);
    assert_eq!(table.rows()[0].value("name"), Some("x;y"));
}

#[test]
fn an_excel_sep_line_names_the_delimiter_and_is_not_a_row() {
    let file = "sep=|\r\nname|owner\r\nCRM|ana\r\n";
    let table = read_csv(file.as_bytes(), &options()).expect("table");
    assert_eq!(
        values(&table, &["name", "owner"]),
        vec![(2, vec!["CRM".into(), "ana".into()])]
    );
}

#[test]
fn a_csv_export_reads_back_to_the_exported_text() {
    let rows = vec![
        vec!["=HYPERLINK(\"http://x\")".to_owned(), "-5".to_owned()],
        vec!["'quoted on purpose".to_owned(), "@home".to_owned()],
        vec!["'=already quoted".to_owned(), "''-".to_owned()],
    ];
    let bytes = custos_formats::csv::write(&["name", "owner"], rows.clone()).expect("csv");
    let table = read_csv(&bytes, &options()).expect("table");
    let read_back: Vec<Vec<String>> = values(&table, &["name", "owner"])
        .into_iter()
        .map(|(_, cells)| cells)
        .collect();
    assert_eq!(read_back, rows);
}

#[test]
fn short_rows_read_as_empty_cells_and_extra_values_are_an_unknown_column() {
    let file = "name,owner,type\nCRM\nLaptop,ana,hardware,spare value\n";
    let table = read_csv(file.as_bytes(), &options()).expect("table");
    assert_eq!(table.rows()[0].value("owner"), Some(""));
    assert_eq!(table.rows()[0].value("type"), Some(""));
    let unknown: Vec<(&str, &str)> = table
        .unknown_columns()
        .iter()
        .map(|c| (c.letter.as_str(), c.header.as_str()))
        .collect();
    assert_eq!(unknown, vec![("D", "")]);
}

#[test]
fn headers_match_ignoring_case_and_spacing_and_unknown_ones_are_listed() {
    let file = " NAME ,Review-Date,Colour,,owner\nCRM,2026-03-01,blue,,ana\n";
    let table = read_csv(file.as_bytes(), &options()).expect("table");
    assert_eq!(
        table.column("review date").map(|c| c.letter.as_str()),
        Some("B")
    );
    assert_eq!(
        table.column("name").map(|c| c.header.as_str()),
        Some("NAME")
    );
    let unknown: Vec<&str> = table
        .unknown_columns()
        .iter()
        .map(|c| c.header.as_str())
        .collect();
    // The empty column D, with no header and no value, is not worth a warning.
    assert_eq!(unknown, vec!["Colour"]);
    assert_eq!(table.missing_columns(), vec!["external_id", "type"]);
    let cell = table.rows()[0].get("owner").expect("owner cell");
    assert_eq!(cell.position().to_string(), "row 2, column E (owner)");
    assert_eq!(
        cell.error("unknown member").to_string(),
        "row 2, column E (owner): unknown member"
    );
}

#[test]
fn utf16_and_latin1_files_are_refused_with_advice() {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("name\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert_eq!(
        read_csv(&utf16, &options()).expect_err("refused"),
        TableError::Utf16
    );

    let latin1 = b"name,owner\nCRM,ana\nPayroll,M\xFCller\n";
    let error = read_csv(latin1, &options()).expect_err("refused");
    assert_eq!(error, TableError::NotUtf8 { row: 3 });
    assert!(error.to_string().contains("CSV UTF-8"), "{error}");
}

#[test]
fn empty_files_have_no_header() {
    for file in ["", "\u{FEFF}", "\n\n", " , \n"] {
        assert_eq!(
            read_csv(file.as_bytes(), &options()).expect_err("refused"),
            TableError::NoHeader,
            "{file:?}"
        );
    }
}

#[test]
fn the_format_is_told_by_content_not_by_name() {
    let table = read(b"name\nCRM\n", &options()).expect("csv");
    assert_eq!(table.rows().len(), 1);
    let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let error = read(&xls, &options()).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "the file is an old Excel workbook (.xls); save it as .xlsx or CSV"
    );
    let ods = crate::support::zip_of(
        &[("mimetype", "application/vnd.oasis.opendocument.spreadsheet")],
        zip::CompressionMethod::Stored,
    );
    let error = read(&ods, &options()).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "the file is an OpenDocument spreadsheet (.ods); save it as .xlsx or CSV"
    );
}
