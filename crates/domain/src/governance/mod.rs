//! Governance: senior-management sign-off. One approval mechanism serves every record that
//! needs it (scope, policy, risk method, objectives, ...): a request names the record, its
//! version and the role that decides; the decision, once made, never changes.

pub mod documents;

use serde::Serialize;

use crate::platform::{RecordType, Role, RoleGrant};
use crate::validation::{Lines, ValidationErrors, optional_text};

crate::text_enum! {
    /// Where a request for sign-off stands.
    pub enum ApprovalStatus {
        Pending => "pending", "Waiting for approval";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Rejected";
        /// The record changed or was deleted before anyone decided.
        Withdrawn => "withdrawn", "Withdrawn";
    }
}

crate::text_enum! {
    /// What an approver decides.
    pub enum Decision {
        Approve => "approve" | "approved", "Approve";
        Reject => "reject" | "rejected", "Reject";
    }
}

impl Decision {
    pub fn outcome(self) -> ApprovalStatus {
        match self {
            Self::Approve => ApprovalStatus::Approved,
            Self::Reject => ApprovalStatus::Rejected,
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
    let comment = optional_text(&mut errors, "comment", comment, COMMENT_MAX, Lines::Many);
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

    #[test]
    fn segregation_of_duties_names_each_reason_a_decider_is_refused() {
        use time::macros::datetime;
        let requester = uuid::Uuid::from_u128(1);
        let decider = uuid::Uuid::from_u128(2);
        let request = Approval {
            id: uuid::Uuid::from_u128(9),
            record_type: RecordType::Objective,
            record_id: uuid::Uuid::from_u128(8),
            record_version: 2,
            record_title: "Keep the portal up".into(),
            decider_role: Role::Approver,
            requested_by: requester,
            requested_by_name: "Maya".into(),
            requested_at: datetime!(2026-11-28 10:00 UTC),
            request_note: String::new(),
            status: ApprovalStatus::Pending,
            decided_by: None,
            decided_by_name: None,
            decided_at: None,
            decision_comment: None,
            decider_role_granted_by: None,
            decider_role_granted_by_name: None,
            decider_role_granted_at: None,
        };
        let grant = RoleGrant {
            member: decider,
            member_name: "Arthur".into(),
            role: Role::Approver,
            granted_by: Some(uuid::Uuid::from_u128(3)),
            granted_by_name: Some("Ada".into()),
            granted_at: datetime!(2026-11-01 09:00 UTC),
        };
        assert_eq!(request.segregation_refusal(decider, true, &grant), None);
        let refusal = |decider, chose_password, grant: &RoleGrant| {
            request
                .segregation_refusal(decider, chose_password, grant)
                .expect("refused")
        };
        assert!(refusal(requester, true, &grant).contains("own request"));
        let from_requester = RoleGrant {
            granted_by: Some(requester),
            ..grant.clone()
        };
        assert!(refusal(decider, true, &from_requester).contains("person who made this request"));
        for late in [request.requested_at, datetime!(2026-11-28 11:00 UTC)] {
            let after = RoleGrant {
                granted_at: late,
                ..grant.clone()
            };
            assert!(refusal(decider, true, &after).contains("after this request"));
        }
        assert!(refusal(decider, false, &grant).contains("own password"));
    }
}

/// A request for sign-off and, once made, its decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    pub id: uuid::Uuid,
    pub record_type: RecordType,
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
    /// Who had given the decider their role, and when, as it stood at the decision.
    pub decider_role_granted_by: Option<uuid::Uuid>,
    pub decider_role_granted_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decider_role_granted_at: Option<time::OffsetDateTime>,
}

impl Approval {
    /// Segregation of duties (ISO 27001 A.5.3) for a member who holds the deciding role:
    /// the reason they may not decide this request, if any. Nobody decides their own
    /// request; the right to decide must predate the request and must not come from the
    /// requester (who could otherwise grant a second account the role and sign off their
    /// own work); and an account still on a password an administrator chose is not yet its
    /// owner's alone.
    pub fn segregation_refusal(
        &self,
        decider: uuid::Uuid,
        decider_chose_password: bool,
        grant: &RoleGrant,
    ) -> Option<&'static str> {
        if self.requested_by == decider {
            return Some("Nobody may decide on their own request.");
        }
        if grant.granted_by == Some(self.requested_by) {
            return Some(
                "Your role was given to you by the person who made this request, so someone \
                 else must decide it.",
            );
        }
        if grant.granted_at >= self.requested_at {
            return Some(
                "Your role was given to you after this request was made, so someone who held \
                 it before must decide it.",
            );
        }
        if !decider_chose_password {
            return Some(
                "Set your own password before deciding: your account still has the one an \
                 administrator chose.",
            );
        }
        None
    }

    /// Whether a member with `role` may decide this request: it waits, it is addressed to
    /// their role, and it is not their own.
    pub fn decidable_by(&self, role: Role, user_id: uuid::Uuid) -> bool {
        self.status == ApprovalStatus::Pending
            && self.decider_role == role
            && self.requested_by != user_id
    }
}

/// Which approval requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct ApprovalFilter {
    pub status: Option<ApprovalStatus>,
    pub decider_role: Option<Role>,
    pub record_type: Option<RecordType>,
    pub record_id: Option<uuid::Uuid>,
}

impl ApprovalFilter {
    /// The filter a list of requests names by `status`, checked as every list checks its
    /// filters: the API and the pages refuse an unknown status alike.
    pub fn with_status(raw: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let status = crate::list::enum_param(&mut errors, "status", raw);
        errors.into_result(Self {
            status,
            ..Self::default()
        })
    }
}
