//! Files people upload (evidence, a document's version): checked from their content, kept in
//! the instance's object store under their SHA-256, read back only once they hash to it again.

use custos_domain::ValidationErrors;
use custos_domain::files::{FILE_MAX_BYTES, FileKind, StoredFile, clean_file_name, content_type};
use custos_store::StoreError;
use custos_store::files::sha256_hex;

use crate::{App, AppError, AppResult, OrgContext};

/// A file as uploaded: its name as the client gave it, the type it declared (empty when it
/// declared none) and its bytes.
pub struct Upload<'a> {
    pub name: &'a str,
    pub declared_type: &'a str,
    pub bytes: Vec<u8>,
}

/// The file `upload` describes, or why it is refused.
fn checked_file(upload: &Upload<'_>) -> AppResult<StoredFile> {
    let refuse = |message: String| -> AppError { ValidationErrors::single("file", message).into() };
    if upload.bytes.is_empty() {
        return Err(refuse("The file is empty.".into()));
    }
    if upload.bytes.len() > FILE_MAX_BYTES {
        return Err(refuse(format!(
            "The file is larger than the {} MB Custos keeps as evidence.",
            FILE_MAX_BYTES / (1024 * 1024)
        )));
    }
    let Some(kind) = custos_formats::uploaded_file::kind_of(&upload.bytes) else {
        let shown = clean_file_name(upload.name).unwrap_or_else(|| "The file".into());
        return Err(refuse(format!(
            "{shown} is not a kind of file Custos keeps as evidence: PDF, PNG, JPEG, office \
             documents, ZIP archives and text."
        )));
    };
    // A file sent without a name is named after its kind.
    let name = clean_file_name(upload.name).unwrap_or_else(|| default_name(kind));
    // A declared type Custos knows must agree with the content; one it does not know
    // (`application/vnd.ms-excel` for a CSV on Windows, `application/octet-stream`) makes no
    // claim, and the content decides.
    let declared = upload.declared_type.split(';').next().unwrap_or("").trim();
    if let Some(claimed) = custos_formats::uploaded_file::declared_kind(declared)
        && claimed != kind
    {
        return Err(refuse(format!(
            "{name} says it is {} but its content is {}.",
            claimed.label(),
            kind.label()
        )));
    }
    let size = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    Ok(StoredFile {
        content_type: content_type(kind, &name).to_owned(),
        name,
        size,
        sha256: sha256_hex(&upload.bytes),
    })
}

/// `evidence.pdf`, `evidence.txt`, ...: the name of a file sent without one.
fn default_name(kind: FileKind) -> String {
    let extension = match kind {
        FileKind::Pdf => "pdf",
        FileKind::Png => "png",
        FileKind::Jpeg => "jpg",
        FileKind::OfficeOrZip => "zip",
        FileKind::Text => "txt",
    };
    format!("evidence.{extension}")
}

impl App {
    /// Checks `upload` and keeps it for the organisation; returns what to record of it. The
    /// object is stored before the record changes, outside its transaction: keyed by its
    /// hash, a copy the transaction then fails to record is harmless and is reused by the
    /// next upload of the same file.
    pub(crate) async fn keep_file(
        &self,
        ctx: &OrgContext,
        upload: Upload<'_>,
    ) -> AppResult<StoredFile> {
        let file = checked_file(&upload)?;
        self.files()
            .put(ctx.org_id(), &file.sha256, upload.bytes)
            .await?;
        Ok(file)
    }

    /// The bytes of `file`, recorded on the record cited as `reference`, once they hash again
    /// to its SHA-256.
    pub(crate) async fn kept_file(
        &self,
        ctx: &OrgContext,
        file: &StoredFile,
        reference: &str,
    ) -> AppResult<Vec<u8>> {
        match self.files().get_checked(ctx.org_id(), &file.sha256).await {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err(AppError::Conflict(format!(
                "The file of {reference} is missing from the file store."
            ))),
            Err(StoreError::Corrupt(_)) => Err(AppError::Conflict(format!(
                "The file of {reference} no longer matches the SHA-256 recorded when it was \
                 uploaded ({}): it was altered or damaged in the file store, and is not served.",
                file.sha256
            ))),
            Err(other) => Err(other.into()),
        }
    }
}
