use custos_formats::table::{
    CellProblem, MAX_CELL_CHARS, ReadOptions, TableError, Worksheet, read_csv, read_to_limit,
    read_xlsx,
};
use custos_formats::xlsx::write_xlsx;

use crate::support::{ASSET_COLUMNS, options, workbook_with_sheet_data, zip_of};

fn rows_of(count: usize) -> Vec<Vec<String>> {
    (0..count)
        .map(|i| vec![format!("asset {i}"), "ana".to_owned()])
        .collect()
}

#[test]
fn files_over_the_size_limit_are_refused_before_parsing() {
    let options = ReadOptions::new(ASSET_COLUMNS, 10, 100);
    let error = read_csv(b"name\nCRM database\n", &options).expect_err("refused");
    assert_eq!(
        error,
        TableError::TooLarge {
            limit: 10,
            bytes: Some(18)
        }
    );
    let xlsx = write_xlsx("Assets", &["name"], rows_of(1)).expect("xlsx");
    assert!(matches!(
        read_xlsx(&xlsx, Worksheet::First, &options),
        Err(TableError::TooLarge { .. })
    ));
}

#[test]
fn a_stream_is_read_only_up_to_the_limit() {
    assert_eq!(
        read_to_limit(&b"name\nCRM\n"[..], 9).expect("fits"),
        b"name\nCRM\n"
    );
    let endless = std::io::repeat(b'x');
    assert_eq!(
        read_to_limit(endless, 1000).expect_err("refused"),
        TableError::TooLarge {
            limit: 1000,
            bytes: None
        }
    );
}

#[test]
fn the_row_limit_counts_data_rows_in_both_formats() {
    let options = ReadOptions::new(ASSET_COLUMNS, 1 << 20, 3);
    let header = ["name", "owner"];
    let csv_at_limit = custos_formats::csv::write(&header, rows_of(3)).expect("csv");
    assert_eq!(
        read_csv(&csv_at_limit, &options)
            .expect("3 rows")
            .rows()
            .len(),
        3
    );
    let csv_over = custos_formats::csv::write(&header, rows_of(4)).expect("csv");
    assert_eq!(
        read_csv(&csv_over, &options).expect_err("refused"),
        TableError::TooManyRows { limit: 3 }
    );

    let xlsx_at_limit = write_xlsx("Assets", &header, rows_of(3)).expect("xlsx");
    let table = read_xlsx(&xlsx_at_limit, Worksheet::First, &options).expect("3 rows");
    assert_eq!(table.rows().len(), 3);
    let xlsx_over = write_xlsx("Assets", &header, rows_of(4)).expect("xlsx");
    assert_eq!(
        read_xlsx(&xlsx_over, Worksheet::First, &options).expect_err("refused"),
        TableError::TooManyRows { limit: 3 }
    );
}

#[test]
fn blank_rows_do_not_count_towards_the_row_limit() {
    let options = ReadOptions::new(ASSET_COLUMNS, 1 << 20, 2);
    let file = "name\n\n\n,\n  \nCRM\n,,\nPayroll\n\n";
    assert_eq!(
        read_csv(file.as_bytes(), &options)
            .expect("2 rows")
            .rows()
            .len(),
        2
    );
}

#[test]
fn too_wide_files_are_refused() {
    let mut options = options();
    options.max_columns = 3;
    assert_eq!(
        read_csv(b"a,b,c\n1,2,3,4\n", &options).expect_err("refused"),
        TableError::TooManyColumns {
            columns: 4,
            limit: 3
        }
    );
    // Trailing empty fields, as spreadsheets add, are no columns.
    assert!(read_csv(b"a,b,c,,,,,\n1,2,3,,,,\n", &options).is_ok());
    let bytes = workbook_with_sheet_data(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="XFD1" t="inlineStr"><is><t>far</t></is></c></row>"#,
    );
    assert_eq!(
        read_xlsx(&bytes, Worksheet::First, &options).expect_err("refused"),
        TableError::TooManyColumns {
            columns: 16_384,
            limit: 3
        }
    );
}

#[test]
fn every_cell_problem_of_a_file_is_reported_at_once_in_sheet_order() {
    let long = "x".repeat(MAX_CELL_CHARS + 1);
    let at_limit = "é".repeat(MAX_CELL_CHARS);
    let file = format!("name,owner,Name,type\nok,{at_limit},,\n{long},ana,,\nfine,ana,,{long}\n");
    let error = read_csv(file.as_bytes(), &options()).expect_err("refused");
    let found: Vec<(usize, &str, &str, &CellProblem)> = error
        .cell_errors()
        .iter()
        .map(|e| {
            (
                e.position.row,
                e.position.column.as_str(),
                e.position.header.as_str(),
                &e.problem,
            )
        })
        .collect();
    let too_long = CellProblem::TooLong {
        chars: MAX_CELL_CHARS + 1,
        limit: MAX_CELL_CHARS,
    };
    assert_eq!(
        found,
        vec![
            (
                1,
                "C",
                "Name",
                &CellProblem::DuplicateHeader {
                    first_column: "A".into()
                }
            ),
            (3, "A", "name", &too_long),
            (4, "D", "type", &too_long),
        ]
    );
    assert_eq!(
        error.to_string(),
        "row 1, column C (Name): the header repeats the one in column A (and 2 more cell problems)"
    );
}

#[test]
fn workbooks_that_unpack_beyond_the_limit_are_refused_unread() {
    // 4 MB of sheet that deflates to a few kilobytes: the shape of a zip bomb.
    let rows = "<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>".repeat(80_000);
    let sheet = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    );
    let bytes = zip_of(
        &[("xl/worksheets/sheet1.xml", &sheet)],
        zip::CompressionMethod::Deflated,
    );
    let options = ReadOptions::new(ASSET_COLUMNS, 64 * 1024, 1_000_000);
    assert!(bytes.len() < options.max_bytes, "{} bytes", bytes.len());
    assert_eq!(
        read_xlsx(&bytes, Worksheet::First, &options).expect_err("refused"),
        TableError::UnpackedTooLarge {
            limit: 64 * 1024 * 50
        }
    );
}

#[test]
fn files_that_are_not_workbooks_say_so() {
    let error =
        read_xlsx(b"PK\x03\x04 not really", Worksheet::First, &options()).expect_err("refused");
    assert!(
        matches!(&error, TableError::Unreadable { reason } if reason.contains("not an XLSX workbook")),
        "{error:?}"
    );
    let docx_like = zip_of(
        &[("word/document.xml", "<w/>")],
        zip::CompressionMethod::Stored,
    );
    let error = read_xlsx(&docx_like, Worksheet::First, &options()).expect_err("refused");
    assert!(
        matches!(&error, TableError::Unreadable { reason } if reason.starts_with("not an XLSX workbook (")),
        "{error:?}"
    );
}
