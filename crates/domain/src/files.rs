//! Files people upload (evidence, documents): which kinds Custos keeps, the largest it
//! accepts, how a file's name is cleaned and what is recorded of it. What a file's bytes
//! are is read by `formats::uploaded_file`; where they are kept is the store's.

use serde::{Deserialize, Serialize};

/// Largest file kept, in bytes.
pub const FILE_MAX_BYTES: usize = 25 * 1024 * 1024;
/// Longest file name kept, in characters.
pub const FILE_NAME_MAX: usize = 200;

/// A file Custos keeps (evidence, a document's version): what it is and the SHA-256 of its
/// bytes, checked again on every download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredFile {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// Lower-case hexadecimal.
    pub sha256: String,
}

crate::text_enum! {
    /// The kinds of file Custos keeps, each recognised by its content.
    pub enum FileKind {
        Pdf => "application/pdf", "PDF";
        Png => "image/png", "PNG image";
        Jpeg => "image/jpeg", "JPEG image";
        /// Office documents (XLSX, DOCX, PPTX) and ZIP archives.
        OfficeOrZip => "application/zip", "Office document or ZIP archive";
        Text => "text/plain", "Text (TXT, CSV, JSON, logs)";
    }
}

/// The content type stored and sent back for a file of `kind` named `name`: an office
/// document keeps its own type, read from its extension.
pub fn content_type(kind: FileKind, name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match (kind, extension.as_deref()) {
        (FileKind::OfficeOrZip, Some("xlsx")) => {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
        (FileKind::OfficeOrZip, Some("docx")) => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        }
        (FileKind::OfficeOrZip, Some("pptx")) => {
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        }
        (FileKind::Text, Some("csv")) => "text/csv",
        (FileKind::Text, Some("json")) => "application/json",
        (kind, _) => kind.as_str(),
    }
}

/// The file name kept: its last path segment, printable, at most [`FILE_NAME_MAX`]
/// characters; `None` when nothing usable is left.
pub fn clean_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .take(FILE_NAME_MAX)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    (!cleaned.is_empty() && cleaned != "." && cleaned != "..").then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_last_printable_segment() {
        assert_eq!(
            clean_file_name("C:\\reports\\q3 restore.pdf").as_deref(),
            Some("q3 restore.pdf")
        );
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_file_name("a\"b<c>.txt").as_deref(), Some("abc.txt"));
        assert_eq!(clean_file_name("dir/.."), None);
        assert_eq!(
            content_type(FileKind::OfficeOrZip, "Access review.XLSX"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(content_type(FileKind::Text, "scan.csv"), "text/csv");
        assert_eq!(content_type(FileKind::Pdf, "report"), "application/pdf");
    }
}
