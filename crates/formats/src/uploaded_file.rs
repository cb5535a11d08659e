//! What an uploaded file is, read from its content (the `infer` crate's signatures)
//! rather than from its name or the type the client claims; text is UTF-8 without NUL bytes.

use custos_domain::files::FileKind;

/// The kind of file `bytes` hold, if Custos keeps that kind as evidence.
pub fn kind_of(bytes: &[u8]) -> Option<FileKind> {
    if let Some(found) = infer::get(bytes) {
        return match found.mime_type() {
            "application/pdf" => Some(FileKind::Pdf),
            "image/png" => Some(FileKind::Png),
            "image/jpeg" => Some(FileKind::Jpeg),
            "application/zip"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
                Some(FileKind::OfficeOrZip)
            }
            _ => None,
        };
    }
    (!bytes.contains(&0) && std::str::from_utf8(bytes).is_ok()).then_some(FileKind::Text)
}

/// The kind a declared content type stands for; `None` for none, `application/octet-stream`
/// or a type Custos does not keep.
pub fn declared_kind(content_type: &str) -> Option<FileKind> {
    let content_type = content_type.trim().to_ascii_lowercase();
    match content_type.as_str() {
        "application/pdf" => Some(FileKind::Pdf),
        "image/png" => Some(FileKind::Png),
        "image/jpeg" | "image/jpg" => Some(FileKind::Jpeg),
        "application/zip" | "application/x-zip-compressed" => Some(FileKind::OfficeOrZip),
        t if t.starts_with("application/vnd.openxmlformats-officedocument.") => {
            Some(FileKind::OfficeOrZip)
        }
        "text/plain" | "text/csv" | "application/json" | "text/markdown" => Some(FileKind::Text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_content() {
        assert_eq!(
            kind_of(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj"),
            Some(FileKind::Pdf)
        );
        assert_eq!(
            kind_of(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(FileKind::Png)
        );
        assert_eq!(
            kind_of(b"date,result\n2026-09-30,restored\n"),
            Some(FileKind::Text)
        );
        assert_eq!(
            kind_of(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff"),
            None,
            "a Windows program"
        );
        assert_eq!(
            kind_of(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"),
            None,
            "a Linux program"
        );
        assert_eq!(kind_of(b"text\0with a NUL"), None);
        assert_eq!(declared_kind("Application/PDF"), Some(FileKind::Pdf));
        assert_eq!(declared_kind("application/x-msdownload"), None);
    }
}
