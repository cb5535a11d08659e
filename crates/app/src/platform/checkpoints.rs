//! Checkpoints anchor the audit trail outside the database. A checkpoint names a chain's
//! newest event (its sequence number and hash) at a time, signed with the instance's Ed25519
//! key, which is kept in a file and never in the database. Checkpoints are appended as JSON
//! lines to a file the operator ships elsewhere, or printed for a log collector; later,
//! `custos audit verify --checkpoints FILE` proves the database still holds every one of them.
//! Ed25519 rather than an HMAC: an auditor verifies with the public key alone and so can never
//! forge a checkpoint (docs/security.md, "Audit trail").

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::*;
use crate::Administration;
use custos_domain::platform::{BrokenLink, ChainReport};

/// What every checkpoint line says it is, so it can be picked out of a collected log.
pub const CHECKPOINT_TYPE: &str = "custos.audit.checkpoint";
const CHECKPOINT_VERSION: u32 = 1;

/// Why a key or a checkpoint file could not be used. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not an audit key: {reason}", path.display())]
    BadKey { path: PathBuf, reason: String },
    #[error("line {line} of {} is not a checkpoint: {reason}", path.display())]
    BadLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

impl CheckpointError {
    fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| CheckpointError::Io {
            action,
            path,
            source,
        }
    }
}

/// The instance key that signs checkpoints. Its `Debug` shows the key id only.
pub struct AuditKey {
    signing: SigningKey,
    public: AuditPublicKey,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey")
            .field("key_id", &self.public.key_id())
            .finish_non_exhaustive()
    }
}

impl AuditKey {
    /// Reads the key at `path`, or creates it there (readable by its owner only) when no file
    /// exists. The second value is true when the key was created.
    pub fn open_or_create(path: &Path) -> Result<(Self, bool), CheckpointError> {
        match Self::create(path) {
            Ok(key) => Ok((key, true)),
            // Another process may have created it a moment ago: read what is there.
            Err(CheckpointError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                Ok((Self::open(path)?, false))
            }
            Err(other) => Err(other),
        }
    }

    /// Reads an existing key file: 64 hexadecimal characters, the 32-byte Ed25519 seed.
    pub fn open(path: &Path) -> Result<Self, CheckpointError> {
        let text = std::fs::read_to_string(path).map_err(CheckpointError::io("read", path))?;
        warn_if_readable_by_others(path);
        let mut seed = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut seed).map_err(|_| CheckpointError::BadKey {
            path: path.to_owned(),
            reason: "expected 64 hexadecimal characters".into(),
        })?;
        Ok(Self::from_seed(&seed))
    }

    fn create(path: &Path) -> Result<Self, CheckpointError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| AppError::Internal(format!("random key: {e}")))?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(CheckpointError::io("create", parent))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(path)
            .map_err(CheckpointError::io("create", path))?;
        file.write_all(format!("{}\n", hex::encode(seed)).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(CheckpointError::io("write", path))?;
        Ok(Self::from_seed(&seed))
    }

    fn from_seed(seed: &[u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(seed);
        let public = AuditPublicKey(signing.verifying_key());
        Self { signing, public }
    }

    pub fn public_key(&self) -> &AuditPublicKey {
        &self.public
    }

    /// Signs `point` as the chain's state at `at`.
    pub fn sign(&self, point: &ChainPoint, at: OffsetDateTime) -> Checkpoint {
        let mut checkpoint = Checkpoint {
            kind: CHECKPOINT_TYPE.to_owned(),
            version: CHECKPOINT_VERSION,
            chain: point.chain.clone(),
            seq: point.seq,
            hash: point.hash.clone(),
            at: timestamp::format(at),
            key_id: self.public.key_id(),
            signature: String::new(),
        };
        let signature = self.signing.sign(&checkpoint.signed_message());
        checkpoint.signature = hex::encode(signature.to_bytes());
        checkpoint
    }
}

/// A key file others may read is a key others may sign with.
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the audit key file can be read by other users; make it readable by its owner only (chmod 600)"
            );
        }
    }
}

/// The public half of an audit key: all an auditor needs to verify checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPublicKey(VerifyingKey);

impl AuditPublicKey {
    /// Reads a public key written as 64 hexadecimal characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes)
            .map_err(|_| "a public key is 64 hexadecimal characters".to_owned())?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| "not an Ed25519 public key".to_owned())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// A short name of the key, carried by each checkpoint it signs: the first 8 bytes of
    /// the SHA-256 of the public key, in hexadecimal.
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }
}

/// One signed checkpoint, as one line of JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u32,
    /// The organisation's id, or "instance".
    pub chain: String,
    pub seq: i64,
    pub hash: String,
    /// When the checkpoint was taken (UTC).
    pub at: String,
    pub key_id: String,
    /// Ed25519 signature of [`Checkpoint::signed_message`], hexadecimal.
    pub signature: String,
}

impl Checkpoint {
    /// The bytes signed: a JSON array of every field but the signature, as for event hashes.
    fn signed_message(&self) -> Vec<u8> {
        serde_json::json!([
            self.kind,
            self.version,
            self.chain,
            self.seq,
            self.hash,
            self.at,
            self.key_id
        ])
        .to_string()
        .into_bytes()
    }

    pub fn point(&self) -> ChainPoint {
        ChainPoint {
            chain: self.chain.clone(),
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }

    /// The checkpoint as one line of JSON, without the line break.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads one line, checking the shape of every field (not the signature).
    pub fn parse_line(line: &str) -> Result<Self, String> {
        let checkpoint: Checkpoint = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let is_hex = |text: &str, len: usize| {
            text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        };
        if checkpoint.kind != CHECKPOINT_TYPE {
            return Err(format!("its type is not {CHECKPOINT_TYPE:?}"));
        }
        if checkpoint.version != CHECKPOINT_VERSION {
            return Err(format!(
                "version {} is not one this Custos knows",
                checkpoint.version
            ));
        }
        if checkpoint.chain != audit_store::INSTANCE_CHAIN
            && Uuid::parse_str(&checkpoint.chain).is_err()
        {
            return Err("the chain is neither \"instance\" nor an organisation id".into());
        }
        if checkpoint.seq < 1 {
            return Err("the sequence number is below 1".into());
        }
        if !is_hex(&checkpoint.hash, 64) {
            return Err("the hash is not 64 lower-case hexadecimal characters".into());
        }
        if timestamp::parse(&checkpoint.at).is_err() {
            return Err("the time is not a UTC timestamp".into());
        }
        if !is_hex(&checkpoint.key_id, 16) || !is_hex(&checkpoint.signature, 128) {
            return Err("the key id or the signature is malformed".into());
        }
        Ok(checkpoint)
    }

    /// Checks the signature with whichever of `keys` the checkpoint names.
    fn verify_signature(&self, keys: &[AuditPublicKey]) -> Result<(), String> {
        let Some(key) = keys.iter().find(|key| key.key_id() == self.key_id) else {
            let trusted: Vec<String> = keys.iter().map(AuditPublicKey::key_id).collect();
            return Err(format!(
                "it was signed by key {}, which is not a trusted key ({}); pass the public key of an earlier instance key with --public-key",
                self.key_id,
                trusted.join(", ")
            ));
        };
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(&self.signature, &mut bytes)
            .map_err(|_| "the signature is malformed".to_owned())?;
        key.0
            .verify_strict(&self.signed_message(), &Signature::from_bytes(&bytes))
            .map_err(|_| {
                "its signature does not verify: the line was altered or signed by another key"
                    .to_owned()
            })
    }
}

/// A checkpoint with the line it was read from.
#[derive(Debug, Clone)]
pub struct ReadCheckpoint {
    pub line: usize,
    pub checkpoint: Checkpoint,
}

/// Reads a file of checkpoints, one JSON object a line; blank lines are skipped, any other
/// line that is not a checkpoint is an error naming it.
pub fn read_checkpoints(path: &Path) -> Result<Vec<ReadCheckpoint>, CheckpointError> {
    let text = std::fs::read_to_string(path).map_err(CheckpointError::io("read", path))?;
    let mut checkpoints = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let checkpoint =
            Checkpoint::parse_line(line).map_err(|reason| CheckpointError::BadLine {
                path: path.to_owned(),
                line: index + 1,
                reason,
            })?;
        checkpoints.push(ReadCheckpoint {
            line: index + 1,
            checkpoint,
        });
    }
    Ok(checkpoints)
}

/// Where checkpoints go: appended to a file, printed on standard output, or both.
#[derive(Debug, Clone, Default)]
pub struct CheckpointSink {
    pub file: Option<PathBuf>,
    pub stdout: bool,
}

impl CheckpointSink {
    /// Writes `checkpoints`, one line each. The file is opened for appending only and synced,
    /// so a checkpoint once written survives a crash and earlier lines are never rewritten.
    pub fn write(&self, checkpoints: &[Checkpoint]) -> Result<(), CheckpointError> {
        if checkpoints.is_empty() {
            return Ok(());
        }
        let lines: String = checkpoints
            .iter()
            .map(|checkpoint| format!("{}\n", checkpoint.to_line()))
            .collect();
        if let Some(path) = &self.file {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(CheckpointError::io("create", parent))?;
            }
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .map_err(CheckpointError::io("open", path))?;
            file.write_all(lines.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(CheckpointError::io("append to", path))?;
        }
        if self.stdout {
            let mut out = std::io::stdout().lock();
            out.write_all(lines.as_bytes())
                .and_then(|()| out.flush())
                .map_err(CheckpointError::io(
                    "write to",
                    Path::new("standard output"),
                ))?;
        }
        Ok(())
    }
}

/// What one checkpoint run did.
#[derive(Debug, Default)]
pub struct CheckpointRun {
    /// Checkpoints signed and written.
    pub written: Vec<Checkpoint>,
    /// Chains that hold but have not moved since this checkpointer last signed them.
    pub unchanged: usize,
    /// Chains that do not verify: never signed, since a checkpoint vouches for its chain.
    pub broken: Vec<BrokenLink>,
}

/// Signs chain heads on demand (`custos audit checkpoint`) or on a schedule (`custos serve`).
/// It remembers what it signed, so that a later run recomputes only newer events and writes
/// only chains that moved.
#[derive(Debug)]
pub struct Checkpointer {
    key: AuditKey,
    sink: CheckpointSink,
    signed: HashMap<String, ChainPoint>,
}

impl Checkpointer {
    pub fn new(key: AuditKey, sink: CheckpointSink) -> Self {
        Self {
            key,
            sink,
            signed: HashMap::new(),
        }
    }

    pub fn key(&self) -> &AuditKey {
        &self.key
    }

    /// Verifies the chains and signs the head of each that holds and has moved.
    pub async fn run(
        &mut self,
        admin: &Administration,
        now: OffsetDateTime,
    ) -> Result<CheckpointRun, CheckpointError> {
        let verified: Vec<ChainPoint> = self.signed.values().cloned().collect();
        let reports = admin.verify_audit_from(&verified).await?;
        let mut run = CheckpointRun::default();
        for report in reports {
            match report {
                ChainReport {
                    broken: Some(broken),
                    ..
                } => run.broken.push(broken),
                ChainReport {
                    head: Some(head), ..
                } if self.signed.get(&head.chain) != Some(&head) => {
                    run.written.push(self.key.sign(&head, now));
                }
                _ => run.unchanged += 1,
            }
        }
        // Appending and syncing the file blocks: off the request threads.
        let (sink, written) = (self.sink.clone(), run.written.clone());
        tokio::task::spawn_blocking(move || sink.write(&written))
            .await
            .map_err(|e| {
                CheckpointError::io("append to", Path::new("the checkpoint sink"))(
                    std::io::Error::other(e),
                )
            })??;
        for checkpoint in &run.written {
            self.signed
                .insert(checkpoint.chain.clone(), checkpoint.point());
        }
        Ok(run)
    }
}

/// The audit trail checked against the database and against checkpoints kept outside it.
#[derive(Debug, Clone)]
pub struct AuditVerification {
    pub chains: Vec<ChainReport>,
    /// Checkpoints the database no longer holds, or whose signature does not verify.
    pub checkpoint_problems: Vec<BrokenLink>,
    pub checkpoints_checked: usize,
}

impl AuditVerification {
    pub fn holds(&self) -> bool {
        self.checkpoint_problems.is_empty() && self.chains.iter().all(|r| r.broken.is_none())
    }
}

pub(crate) async fn verify_trail(
    store: &custos_store::Store,
    checkpoints: &[ReadCheckpoint],
    keys: &[AuditPublicKey],
) -> AppResult<AuditVerification> {
    let mut problems = Vec::new();
    // Only a checkpoint whose signature holds says anything about the database.
    let mut trusted = Vec::new();
    for read in checkpoints {
        let checkpoint = &read.checkpoint;
        match checkpoint.verify_signature(keys) {
            Ok(()) => trusted.push(read),
            Err(reason) => problems.push(BrokenLink {
                chain: checkpoint.chain.clone(),
                seq: checkpoint.seq,
                reason: format!("the checkpoint on line {}: {reason}", read.line),
            }),
        }
    }
    let points: Vec<ChainPoint> = trusted.iter().map(|read| read.checkpoint.point()).collect();
    let anchors = audit_store::Anchors {
        checkpoints: &points,
        verified: &[],
    };
    let verification = audit_store::verify(store, anchors).await?;
    for (index, mut broken) in verification.checkpoints {
        let read = trusted[index];
        broken.reason = format!(
            "{} (checkpoint of {}, line {})",
            broken.reason, read.checkpoint.at, read.line
        );
        problems.push(broken);
    }
    Ok(AuditVerification {
        chains: verification.chains,
        checkpoint_problems: problems,
        checkpoints_checked: checkpoints.len(),
    })
}
