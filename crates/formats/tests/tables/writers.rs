use custos_formats::table::{TableError, Worksheet, read, read_csv, read_xlsx};
use custos_formats::template::{ColumnNote, NOTES_SHEET, template_csv, template_xlsx};
use custos_formats::xlsx::{XlsxWriteError, write_xlsx};

use crate::support::{options, values, zip_part};

fn awkward_rows() -> Vec<Vec<String>> {
    vec![
        vec![
            "=HYPERLINK(\"http://evil\",\"click\")".into(),
            "+1".into(),
            "0042".into(),
        ],
        vec![
            "two\nlines".into(),
            String::new(),
            "Müller & Söhne <GmbH>".into(),
        ],
        vec![
            "_x0041_ stays".into(),
            "  padded  ".into(),
            "@SUM(A1)".into(),
        ],
    ]
}

#[test]
fn an_xlsx_export_reads_back_cell_for_cell() {
    let header = ["name", "owner", "external_id"];
    let bytes = write_xlsx("Assets", &header, awkward_rows()).expect("xlsx");
    let table = read_xlsx(&bytes, Worksheet::Named("Assets"), &options()).expect("table");
    let read_back: Vec<Vec<String>> = values(&table, &header)
        .into_iter()
        .map(|(_, cells)| cells)
        .collect();
    assert_eq!(read_back, awkward_rows());
}

#[test]
fn xlsx_exports_hold_no_formula_and_a_bold_frozen_filtered_header() {
    let bytes = write_xlsx("Assets", &["name", "owner"], awkward_rows()).expect("xlsx");
    let sheet = zip_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        !sheet.contains("<f>"),
        "a cell was written as a formula: {sheet}"
    );
    assert!(sheet.contains(r#"state="frozen""#), "{sheet}");
    assert!(sheet.contains(r#"<autoFilter ref="A1:B4"/>"#), "{sheet}");
    assert!(sheet.contains("<col "), "column widths: {sheet}");
    let styles = zip_part(&bytes, "xl/styles.xml");
    assert!(styles.contains("<b/>"), "{styles}");
}

#[test]
fn column_widths_follow_the_longest_line_within_bounds() {
    let rows = vec![vec![
        "x".repeat(200),
        "short".into(),
        "a\nmuch longer second line".into(),
    ]];
    let bytes = write_xlsx("Assets", &["name", "id", "notes"], rows).expect("xlsx");
    let sheet = zip_part(&bytes, "xl/worksheets/sheet1.xml");
    let widths: Vec<&str> = sheet
        .split("width=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    // 60 characters at most, 8 at least, else the longest line plus a margin.
    assert_eq!(widths.len(), 3, "{sheet}");
    let parsed: Vec<f64> = widths.iter().map(|w| w.parse().expect("width")).collect();
    assert!(parsed[0] > 59.0 && parsed[0] < 62.0, "{parsed:?}");
    assert!(parsed[1] > 7.0 && parsed[1] < 10.0, "{parsed:?}");
    assert!(parsed[2] > 25.0 && parsed[2] < 28.0, "{parsed:?}");
}

#[test]
fn text_too_long_for_an_excel_cell_is_refused_not_cut() {
    let rows = vec![vec!["fine".into()], vec!["y".repeat(32_768)]];
    assert_eq!(
        write_xlsx("Assets", &["name"], rows).expect_err("refused"),
        XlsxWriteError::CellTooLong {
            row: 3,
            column: "A".into()
        }
    );
}

fn asset_notes() -> Vec<ColumnNote<'static>> {
    vec![
        ColumnNote {
            column: "external_id",
            explanation: "Your own identifier; importing again updates the asset with this id.",
        },
        ColumnNote {
            column: "name",
            explanation: "Required. What the asset is called.",
        },
    ]
}

#[test]
fn the_xlsx_template_reads_back_as_its_examples_and_explains_each_column() {
    let header = ["external_id", "name"];
    let examples = vec![vec!["A-1".to_owned(), "CRM database".to_owned()]];
    let bytes = template_xlsx("Assets", &header, &examples, &asset_notes()).expect("template");

    let table = read(&bytes, &options()).expect("data sheet first");
    assert_eq!(
        values(&table, &header),
        vec![(2, vec!["A-1".into(), "CRM database".into()])]
    );
    let notes_options =
        custos_formats::table::ReadOptions::new(&["column", "what to enter"], 1 << 20, 100);
    let notes = read_xlsx(&bytes, Worksheet::Named(NOTES_SHEET), &notes_options).expect("notes");
    assert_eq!(
        values(&notes, &["column", "what to enter"]),
        vec![
            (
                2,
                vec!["external_id".into(), asset_notes()[0].explanation.into()]
            ),
            (3, vec!["name".into(), asset_notes()[1].explanation.into()]),
        ]
    );
}

#[test]
fn the_csv_template_opens_in_excel_as_utf8_and_reads_back() {
    let examples = vec![vec!["A-1".to_owned(), "Müller's laptop".to_owned()]];
    let bytes = template_csv(&["external_id", "name"], &examples).expect("template");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let table = read_csv(&bytes, &options()).expect("table");
    assert_eq!(table.rows()[0].value("name"), Some("Müller's laptop"));
    assert_eq!(
        table.column("external_id").map(|c| c.letter.as_str()),
        Some("A")
    );
}

#[test]
fn a_template_with_an_unusable_sheet_name_is_an_error_not_a_panic() {
    let error = template_xlsx("Assets/2026", &["name"], &[], &[]).expect_err("refused");
    assert!(matches!(error, XlsxWriteError::Xlsx(_)), "{error:?}");
    let bytes = write_xlsx("Assets", &[], Vec::<Vec<String>>::new()).expect("empty");
    assert_eq!(
        read(&bytes, &options()).expect_err("refused"),
        TableError::NoHeader
    );
}

#[test]
fn control_characters_survive_an_xlsx_round_trip() {
    let rows = vec![vec![
        "bell\u{7}".to_owned(),
        "windows\r\nline".to_owned(),
        "tab\there".to_owned(),
        "nul\u{0}".to_owned(),
    ]];
    let header = ["name", "owner", "type", "external_id"];
    let bytes = write_xlsx("Assets", &header, rows.clone()).expect("xlsx");
    let table = read_xlsx(&bytes, Worksheet::First, &options()).expect("table");
    let read_back: Vec<Vec<String>> = values(&table, &header)
        .into_iter()
        .map(|(_, cells)| cells)
        .collect();
    assert_eq!(read_back, rows);
}
