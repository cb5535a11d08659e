//! Risk acceptance (ISO 27001 6.1.3 e, 8.3): a request to accept a risk at its current level,
//! with the reasons and until when, decided through an approval by the role the risk method
//! names for that level. A decided acceptance never changes; the risk page shows it.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::platform::Role;
use crate::validation::{Lines, ValidationErrors, required_text};
use crate::versions::VersionStatus;

pub const JUSTIFICATION_MAX: usize = 4000;
/// The longest an acceptance may run before the risk is looked at again: three years.
pub const LONGEST_YEARS: i32 = 3;

/// A request to accept a risk, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAcceptance {
    pub id: Uuid,
    pub risk_id: Uuid,
    /// The risk as it was when acceptance was asked for: its reference and title, its version
    /// and the method version and level it was scored at.
    pub risk_reference: String,
    pub risk_title: String,
    pub risk_version: i64,
    pub method_version: i64,
    /// Position of the level in the method's levels, from 0.
    pub level: i64,
    pub level_name: String,
    /// Who decides: the role the method names for that level.
    pub decider_role: Role,
    pub justification: String,
    pub expires_on: Date,
    /// Draft while being requested, then waiting, approved or rejected.
    pub status: VersionStatus,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

impl RiskAcceptance {
    /// Approved and not yet expired on `today`.
    pub fn in_force(&self, today: Date) -> bool {
        self.status == VersionStatus::Approved && today <= self.expires_on
    }

    pub fn title(&self) -> String {
        format!("Accept {} {}", self.risk_reference, self.risk_title)
    }

    /// What the decider signs.
    pub fn content(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "Risk",
                format!("{} {}", self.risk_reference, self.risk_title),
            ),
            (
                "Level accepted",
                format!(
                    "{} (risk method version {})",
                    self.level_name, self.method_version
                ),
            ),
            ("Reasons", self.justification.clone()),
            ("Accepted until", self.expires_on.to_string()),
        ]
    }
}

/// A request's reasons and expiry as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AcceptanceInput {
    #[serde(default)]
    pub justification: String,
    #[serde(default)]
    pub expires_on: String,
}

impl AcceptanceInput {
    /// The checked reasons and expiry: the expiry after `today` and at most
    /// [`LONGEST_YEARS`] ahead.
    pub fn parse(&self, today: Date) -> Result<(String, Date), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let justification = required_text(
            &mut errors,
            "justification",
            &self.justification,
            JUSTIFICATION_MAX,
            Lines::Many,
        );
        let latest = crate::dates::months_from(today, LONGEST_YEARS * 12);
        let expires_on = match crate::dates::parse_iso_date(self.expires_on.trim()) {
            Some(date) if date > today && date <= latest => Some(date),
            Some(_) => {
                errors.add(
                    "expires_on",
                    format!("Choose a date after today and no later than {latest}."),
                );
                None
            }
            None => {
                errors.add(
                    "expires_on",
                    "Enter the date the acceptance ends, as YYYY-MM-DD.",
                );
                None
            }
        };
        match expires_on {
            Some(date) if errors.is_empty() => Ok((justification, date)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn reasons_are_required_and_the_expiry_is_ahead_but_not_too_far() {
        let today = date!(2026 - 11 - 28);
        let valid = AcceptanceInput {
            justification: "Cheaper to bear than to treat.".into(),
            expires_on: "2027-11-28".into(),
        };
        assert_eq!(
            valid.parse(today),
            Ok((
                "Cheaper to bear than to treat.".into(),
                date!(2027 - 11 - 28)
            ))
        );
        for expires_on in ["2026-11-28", "2030-01-01", "next year"] {
            let input = AcceptanceInput {
                expires_on: expires_on.into(),
                ..valid.clone()
            };
            assert!(
                input
                    .parse(today)
                    .expect_err(expires_on)
                    .for_field("expires_on")
                    .is_some()
            );
        }
        let input = AcceptanceInput {
            justification: "  ".into(),
            ..valid
        };
        assert!(
            input
                .parse(today)
                .expect_err("blank")
                .for_field("justification")
                .is_some()
        );
    }
}
