//! Where evidence files are kept: an object store (the object_store crate) reached by URL. A
//! local directory by default; S3-compatible storage for several instances sharing one
//! database; memory for throw-away instances. Files are keyed by organisation and SHA-256,
//! so the same file uploaded twice is kept once, and the store never decides what a file is:
//! the database holds its name, type and hash, and every download is hashed again.

use std::path::Path as FsPath;
use std::sync::Arc;

use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use custos_domain::files::StoredFile;

use crate::db::RowReader;
use crate::{StoreError, StoreResult};

/// The object store holding evidence files. Cheap to clone.
#[derive(Clone, Debug)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
    /// Where keys start inside the store (an S3 URL's path).
    prefix: Path,
}

/// SHA-256 of `bytes`, in lower-case hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl FileStore {
    /// Files kept in memory: gone when the process ends.
    pub fn memory() -> Self {
        Self {
            inner: Arc::new(object_store::memory::InMemory::new()),
            prefix: Path::default(),
        }
    }

    /// Files kept under `directory`, created if missing.
    pub fn directory(directory: &FsPath) -> StoreResult<Self> {
        std::fs::create_dir_all(directory).map_err(|e| {
            StoreError::Config(format!(
                "cannot create the evidence directory {}: {e}",
                directory.display()
            ))
        })?;
        let local = object_store::local::LocalFileSystem::new_with_prefix(directory)
            .map_err(|e| StoreError::Config(format!("evidence directory: {e}")))?;
        Ok(Self {
            inner: Arc::new(local),
            prefix: Path::default(),
        })
    }

    /// The store a URL names: `file:///var/lib/custos/evidence`, `s3://bucket/prefix` (the
    /// usual `AWS_*` variables give the endpoint, region and credentials) or `memory:`.
    pub fn from_url(url: &str) -> StoreResult<Self> {
        let bad = |e: String| StoreError::Config(format!("evidence store {url:?}: {e}"));
        if url == "memory:" || url == "memory://" {
            return Ok(Self::memory());
        }
        if let Some(directory) = url.strip_prefix("file://") {
            return Self::directory(FsPath::new(directory));
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let in_bucket = rest.split_once('/').map_or("", |(_, path)| path);
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_url(url)
                .build()
                .map_err(|e| bad(e.to_string()))?;
            let prefix =
                Path::parse(in_bucket.trim_matches('/')).map_err(|e| bad(e.to_string()))?;
            return Ok(Self {
                inner: Arc::new(s3),
                prefix,
            });
        }
        Err(bad(
            "use file:///a/directory, s3://bucket/prefix or memory:".into(),
        ))
    }

    fn key(&self, org_id: Uuid, sha256: &str) -> Path {
        let mut key = self.prefix.clone();
        for part in ["evidence", &org_id.to_string(), sha256] {
            key = key.child(part);
        }
        key
    }

    /// Keeps `bytes`, whose SHA-256 is `sha256`, for organisation `org_id`.
    pub async fn put(&self, org_id: Uuid, sha256: &str, bytes: Vec<u8>) -> StoreResult<()> {
        self.inner
            .put(&self.key(org_id, sha256), PutPayload::from(bytes))
            .await
            .map_err(|e| StoreError::Files(e.to_string()))?;
        Ok(())
    }

    /// The bytes kept under `sha256`, provided they still hash to it: `Ok(None)` when the
    /// file is missing, an error when it was altered.
    pub async fn get_checked(&self, org_id: Uuid, sha256: &str) -> StoreResult<Option<Vec<u8>>> {
        let found = match self.inner.get(&self.key(org_id, sha256)).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(StoreError::Files(e.to_string())),
        };
        let bytes = found
            .bytes()
            .await
            .map_err(|e| StoreError::Files(e.to_string()))?;
        if sha256_hex(&bytes) != sha256 {
            return Err(StoreError::Corrupt(format!(
                "evidence file {sha256} no longer has the hash recorded for it"
            )));
        }
        Ok(Some(bytes.to_vec()))
    }
}

/// The four columns a table records a kept file in (`file_name`, `file_type`, `file_size`,
/// `file_sha256`, in that order): the file, or `None` while there is none.
pub(crate) fn read_stored_file(row: &mut RowReader<'_>) -> StoreResult<Option<StoredFile>> {
    let name: Option<String> = row.get()?;
    let content_type: Option<String> = row.get()?;
    let size: Option<i64> = row.get()?;
    let sha256: Option<String> = row.get()?;
    Ok(match (name, content_type, size, sha256) {
        (Some(name), Some(content_type), Some(size), Some(sha256)) => Some(StoredFile {
            name,
            content_type,
            size,
            sha256,
        }),
        _ => None,
    })
}
