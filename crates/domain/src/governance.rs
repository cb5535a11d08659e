//! Governance: senior-management sign-off. One approval mechanism serves every record that
//! needs it (scope, policy, risk method, objectives, ...): a request names the record, its
//! version and the role that decides; the decision, once made, never changes.

use serde::{Deserialize, Serialize};

use crate::platform::Role;
use crate::validation::{ValidationErrors, optional_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    /// The record changed or was deleted before anyone decided.
    Withdrawn,
}

impl ApprovalStatus {
    pub const ALL: [ApprovalStatus; 4] = [
        Self::Pending,
        Self::Approved,
        Self::Rejected,
        Self::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Waiting for approval",
            Self::Approved => "Approved",
            Self::Rejected => "Rejected",
            Self::Withdrawn => "Withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "approve" | "approved" => Some(Self::Approve),
            "reject" | "rejected" => Some(Self::Reject),
            _ => None,
        }
    }

    pub fn outcome(self) -> ApprovalStatus {
        match self {
            Self::Approve => ApprovalStatus::Approved,
            Self::Reject => ApprovalStatus::Rejected,
        }
    }
}

/// Records that can be sent for approval. Each names the role that decides for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovableRecord {
    Objective,
}

impl ApprovableRecord {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Objective => "objective",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "objective" => Some(Self::Objective),
            _ => None,
        }
    }

    pub fn decider(self) -> Role {
        match self {
            Self::Objective => Role::Approver,
        }
    }
}

pub const COMMENT_MAX: usize = 2000;

/// A checked decision: rejecting without a reason helps nobody, so it needs a comment.
pub fn parse_decision(
    decision: &str,
    comment: &str,
) -> Result<(Decision, String), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let parsed = Decision::parse(decision.trim());
    if parsed.is_none() {
        errors.add("decision", "Choose approve or reject.");
    }
    let comment = optional_text(&mut errors, "comment", comment, COMMENT_MAX);
    if parsed == Some(Decision::Reject) && comment.is_empty() {
        errors.add("comment", "Say why the request is rejected.");
    }
    match parsed {
        Some(decision) if errors.is_empty() => Ok((decision, comment)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_needs_a_reason() {
        assert!(parse_decision("reject", " ").is_err());
        assert_eq!(
            parse_decision("reject", "Target too vague"),
            Ok((Decision::Reject, "Target too vague".into()))
        );
        assert_eq!(
            parse_decision("approve", ""),
            Ok((Decision::Approve, String::new()))
        );
        assert!(parse_decision("maybe", "").is_err());
    }
}

/// A request for sign-off and, once made, its decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    pub id: uuid::Uuid,
    pub record_type: ApprovableRecord,
    pub record_id: uuid::Uuid,
    pub record_version: i64,
    pub record_title: String,
    pub decider_role: Role,
    pub requested_by: uuid::Uuid,
    pub requested_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: time::OffsetDateTime,
    pub request_note: String,
    pub status: ApprovalStatus,
    pub decided_by: Option<uuid::Uuid>,
    pub decided_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<time::OffsetDateTime>,
    pub decision_comment: Option<String>,
}

/// Which approval requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct ApprovalFilter {
    pub status: Option<ApprovalStatus>,
    pub decider_role: Option<Role>,
    pub record_type: Option<ApprovableRecord>,
    pub record_id: Option<uuid::Uuid>,
}
