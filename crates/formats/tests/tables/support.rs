//! Files built in the tests: options for an asset-like register and a hand-made XLSX
//! for the shapes that spreadsheet writers never produce.

use std::io::Write;

use custos_formats::table::{ReadOptions, Table};

pub const ASSET_COLUMNS: &[&str] = &["external_id", "name", "type", "owner", "review date"];

pub fn options() -> ReadOptions<'static> {
    ReadOptions::new(ASSET_COLUMNS, 1024 * 1024, 1000)
}

/// Each data row's values under the given keys, with its row number.
pub fn values(table: &Table, keys: &[&str]) -> Vec<(usize, Vec<String>)> {
    table
        .rows()
        .iter()
        .map(|row| {
            let cells = keys
                .iter()
                .map(|key| row.value(key).unwrap_or("<absent>").to_owned())
                .collect();
            (row.number(), cells)
        })
        .collect()
}

/// A minimal workbook whose only worksheet, "Assets", has `sheet_data` inside
/// `<sheetData>`: cells written by hand, e.g. `<c r="A1" t="inlineStr"><is><t>x</t></is></c>`.
pub fn workbook_with_sheet_data(sheet_data: &str) -> Vec<u8> {
    workbook_with_sheet_xml(&format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
    ))
}

/// A minimal workbook with the given worksheet XML, stored uncompressed.
pub fn workbook_with_sheet_xml(sheet_xml: &str) -> Vec<u8> {
    let parts: [(&str, &str); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Assets" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ];
    zip_of(&parts, zip::CompressionMethod::Stored)
}

pub fn zip_of(parts: &[(&str, &str)], method: zip::CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, text) in parts {
        writer.start_file(*name, options).expect("zip entry");
        writer.write_all(text.as_bytes()).expect("zip write");
    }
    writer.finish().expect("zip finish").into_inner()
}

/// The text of one part of a zip archive (an XLSX file).
pub fn zip_part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut text = String::new();
    archive
        .by_name(name)
        .expect("part")
        .read_to_string(&mut text)
        .expect("utf-8 part");
    text
}

pub fn inline(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}
