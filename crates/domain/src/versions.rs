//! Records that change by approved versions (the classification scheme, the risk method): a
//! draft is edited, sent for approval, and approved or rejected; the approved version with
//! the highest number is the one in force, and a version never changes once submitted.

use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// Where a version stands. Only a draft is ever changed; the other three are final for
    /// that version.
    pub enum VersionStatus {
        Draft => "draft", "Draft";
        PendingApproval => "pending_approval", "Waiting for approval";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Rejected";
    }
}

/// One version of an organisation's versioned record, as stored. Versions are numbered 1, 2,
/// 3, ...; at most one is open (a draft, or waiting for a decision) and it is the newest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version<T> {
    /// The record's id, the same for all its versions: the organisation's own id, since an
    /// organisation has one of each. Approvals and audit events name the record by it.
    pub record_id: uuid::Uuid,
    /// What approvals and people call "version 2".
    pub version: i64,
    pub status: VersionStatus,
    pub body: T,
    /// Counts the saves of the draft, so two people editing it cannot overwrite each other.
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<time::OffsetDateTime>,
}

impl<T> Version<T> {
    pub fn is_draft(&self) -> bool {
        self.status == VersionStatus::Draft
    }

    pub fn awaits_decision(&self) -> bool {
        self.status == VersionStatus::PendingApproval
    }
}
