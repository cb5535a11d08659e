//! The Statement of Applicability (ISO/IEC 27001 6.1.3 d): for every Annex A control,
//! whether it applies, why it is included or excluded, and how far it is implemented. One
//! document per organisation, changed by versions approved by senior management; an approved
//! version never changes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::controls::applied::ControlStatus;
use crate::validation::ValidationErrors;

/// The framework whose Annex A the statement covers.
pub const SOA_FRAMEWORK: &str = "iso27001-2022";
/// The tag of the controls it lists.
pub const SOA_TAG: &str = "annex-a";
/// Longest justification, in characters.
pub const JUSTIFICATION_MAX: usize = 2000;
/// Longest list of document references, in characters.
pub const REFERENCES_MAX: usize = 1000;

crate::text_enum! {
    /// How far a control is implemented.
    pub enum ImplementationStatus {
        NotStarted => "not_started", "Not started";
        Planned => "planned", "Planned";
        Partial => "partial", "Partly implemented";
        Implemented => "implemented", "Implemented";
    }
}

crate::text_enum! {
    /// Why a control is included (ISO/IEC 27001 6.1.3: the need for it).
    pub enum InclusionReason {
        RiskTreatment => "risk_treatment", "Treats a risk";
        Legal => "legal", "Law or regulation";
        Contract => "contract", "Contract or client requirement";
        BusinessNeed => "business_need", "Business need";
        GoodPractice => "good_practice", "Good practice";
    }
}

/// One Annex A control in the statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SoaEntry {
    /// The control's id in the framework: `A.5.1`.
    pub control: String,
    /// Its short title, as the library gave it when the entry was made.
    pub title: String,
    pub applicable: bool,
    /// Why it is included; empty when it is excluded.
    #[serde(default)]
    pub reasons: Vec<InclusionReason>,
    /// Why it is included (the risks, obligations or needs behind it) or excluded.
    #[serde(default)]
    pub justification: String,
    /// Risks it treats, by reference (`RSK-0001`).
    #[serde(default)]
    pub risks: Vec<String>,
    /// How far it is implemented: derived from the applied controls satisfying it, unless
    /// `status_reason` says why the statement states otherwise.
    pub status: ImplementationStatus,
    /// Why `status` was set by hand rather than derived; empty when it is derived.
    #[serde(default)]
    pub status_reason: String,
    /// The documents that describe how it is done (policy, procedure).
    #[serde(default)]
    pub references: String,
}

/// The statement: one entry per Annex A control, in the framework's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatementOfApplicability {
    /// The framework library it covers.
    pub framework: String,
    pub entries: Vec<SoaEntry>,
}

impl StatementOfApplicability {
    /// A first statement: every control applicable, not started, nothing justified yet.
    pub fn start(controls: &[(String, String)]) -> Self {
        StatementOfApplicability {
            framework: SOA_FRAMEWORK.to_owned(),
            entries: controls
                .iter()
                .map(|(control, title)| SoaEntry {
                    control: control.clone(),
                    title: title.clone(),
                    applicable: true,
                    reasons: Vec::new(),
                    justification: String::new(),
                    risks: Vec::new(),
                    status: ImplementationStatus::NotStarted,
                    status_reason: String::new(),
                    references: String::new(),
                })
                .collect(),
        }
    }

    /// The statement as it may be saved: every control of `controls` exactly once, in their
    /// order, with its title from the library; texts trimmed, with line feeds only, within
    /// their lengths; an excluded control with no reasons for inclusion, and not started. Errors name
    /// the control (`entries.A.5.1.justification`).
    pub fn checked(mut self, controls: &[(String, String)]) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let titles: BTreeMap<&str, &str> = controls
            .iter()
            .map(|(id, title)| (id.as_str(), title.as_str()))
            .collect();
        let mut given: BTreeMap<String, SoaEntry> = BTreeMap::new();
        for mut entry in std::mem::take(&mut self.entries) {
            entry.control = entry.control.trim().to_owned();
            let field = |name: &str| format!("entries.{}.{name}", entry.control);
            if !titles.contains_key(entry.control.as_str()) {
                errors.add(
                    "entries",
                    format!("{} is not an Annex A control.", shown(&entry.control)),
                );
                continue;
            }
            if given.contains_key(&entry.control) {
                errors.add("entries", format!("{} is listed twice.", entry.control));
                continue;
            }
            // Browsers send a text area's line breaks as CR LF: one line feed each.
            let lines = |text: &str| text.replace("\r\n", "\n").replace('\r', "\n");
            entry.justification = lines(entry.justification.trim());
            entry.references = lines(entry.references.trim());
            entry.status_reason = lines(entry.status_reason.trim());
            if entry.status_reason.chars().count() > JUSTIFICATION_MAX {
                errors.add(
                    &field("status_reason"),
                    format!("At most {JUSTIFICATION_MAX} characters."),
                );
            }
            if entry.justification.chars().count() > JUSTIFICATION_MAX {
                errors.add(
                    &field("justification"),
                    format!("At most {JUSTIFICATION_MAX} characters."),
                );
            }
            if entry.references.chars().count() > REFERENCES_MAX {
                errors.add(
                    &field("references"),
                    format!("At most {REFERENCES_MAX} characters."),
                );
            }
            if entry
                .justification
                .chars()
                .any(|c| c.is_control() && c != '\n')
            {
                errors.add(&field("justification"), "Remove the control characters.");
            }
            if !entry.applicable {
                if !entry.reasons.is_empty() {
                    errors.add(
                        &field("reasons"),
                        "An excluded control has no reason for inclusion.",
                    );
                }
                // Whatever the controls say of it, an excluded control is not part of the
                // statement's implementation.
                entry.status = ImplementationStatus::NotStarted;
                entry.status_reason.clear();
            }
            // In the order the reasons are declared, each once, whatever order they came in.
            entry.reasons.sort();
            entry.reasons.dedup();
            let mut risks = BTreeSet::new();
            entry.risks = entry
                .risks
                .iter()
                .map(|risk| risk.trim().to_uppercase())
                .filter(|risk| risks.insert(risk.clone()))
                .collect();
            if let Some(bad) = entry.risks.iter().find(|risk| risk_number(risk).is_none()) {
                errors.add(
                    &field("risks"),
                    format!("{} is not a risk reference such as RSK-0001.", shown(bad)),
                );
            }
            given.insert(entry.control.clone(), entry);
        }
        let missing: Vec<&str> = controls
            .iter()
            .map(|(id, _)| id.as_str())
            .filter(|id| !given.contains_key(*id))
            .collect();
        if !missing.is_empty() {
            errors.add(
                "entries",
                format!(
                    "Every Annex A control has an entry; missing: {}.",
                    missing.join(", ")
                ),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.framework = SOA_FRAMEWORK.to_owned();
        self.entries = controls
            .iter()
            .filter_map(|(id, title)| {
                given.remove(id).map(|mut entry| {
                    entry.title = title.clone();
                    entry
                })
            })
            .collect();
        Ok(self)
    }

    /// Sets the status of every applicable entry without a `status_reason` to the one its
    /// applied controls give (`derived`, by control id; a control no applied control
    /// satisfies is not started). Excluded entries stay not started.
    pub fn derive_statuses(&mut self, derived: &BTreeMap<String, ImplementationStatus>) {
        for entry in &mut self.entries {
            if entry.applicable && entry.status_reason.is_empty() {
                entry.status = derived
                    .get(&entry.control)
                    .copied()
                    .unwrap_or(ImplementationStatus::NotStarted);
            }
        }
    }

    /// The controls whose inclusion or exclusion is not justified yet: a statement is sent
    /// for approval only when there are none.
    pub fn unjustified(&self) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|e| e.justification.is_empty() || (e.applicable && e.reasons.is_empty()))
            .map(|e| e.control.as_str())
            .collect()
    }

    /// Every risk reference the entries name.
    pub fn risk_numbers(&self) -> BTreeSet<i64> {
        self.entries
            .iter()
            .flat_map(|e| e.risks.iter().filter_map(|r| risk_number(r)))
            .collect()
    }

    /// The statement as the approver reads it: the counts, then every excluded control
    /// with its justification.
    pub fn content(&self) -> Vec<(&'static str, String)> {
        let applicable = self.entries.iter().filter(|e| e.applicable).count();
        let implemented = self
            .entries
            .iter()
            .filter(|e| e.applicable && e.status == ImplementationStatus::Implemented)
            .count();
        let excluded = self
            .entries
            .iter()
            .filter(|e| !e.applicable)
            .map(|e| format!("{} {}: {}", e.control, e.title, e.justification))
            .collect::<Vec<_>>();
        vec![
            (
                "Applicable controls",
                format!("{applicable} of {}", self.entries.len()),
            ),
            (
                "Implemented",
                format!("{implemented} of the {applicable} applicable"),
            ),
            (
                "Excluded controls",
                if excluded.is_empty() {
                    "None".to_owned()
                } else {
                    excluded.join("\n")
                },
            ),
        ]
    }
}

/// The Statement of Applicability step of the journey (ISO 27001 6.1.3 d): missing while no
/// version exists, partly there while none is approved, done once one is (`in_force`: the
/// approved statement's applicable and implemented counts).
pub fn soa_step(in_force: Option<(usize, usize)>, drafted: bool) -> crate::journey::JourneyStep {
    use crate::journey::{JourneyStep, StepState};
    let (state, status) = match (in_force, drafted) {
        (Some((applicable, implemented)), _) => (
            StepState::Done,
            format!("Approved: {applicable} controls apply, {implemented} implemented"),
        ),
        (None, true) => (StepState::Partial, "Drafted, not approved yet".to_owned()),
        (None, false) => (StepState::Missing, "None yet".to_owned()),
    };
    JourneyStep {
        position: 400,
        clause: "6.1.3",
        title: "Statement of Applicability",
        state,
        status,
        path: "/soa",
        description: "which Annex A controls apply and why, how far each is implemented, approved.",
    }
}

/// How far an Annex A control is implemented, from the statuses of the applied controls
/// satisfying it (those not applicable aside): implemented when all are, partly when some are
/// or work has started, planned when all are planned, not started when there are none.
pub fn derived_status(statuses: impl IntoIterator<Item = ControlStatus>) -> ImplementationStatus {
    let statuses: Vec<ControlStatus> = statuses
        .into_iter()
        .filter(|s| *s != ControlStatus::NotApplicable)
        .collect();
    let all = |wanted: ControlStatus| statuses.iter().all(|s| *s == wanted);
    if statuses.is_empty() {
        ImplementationStatus::NotStarted
    } else if all(ControlStatus::Implemented) {
        ImplementationStatus::Implemented
    } else if all(ControlStatus::Planned) {
        ImplementationStatus::Planned
    } else {
        ImplementationStatus::Partial
    }
}

/// The number of a risk reference: `RSK-0007` is 7.
pub fn risk_number(reference: &str) -> Option<i64> {
    reference
        .trim()
        .to_uppercase()
        .strip_prefix("RSK-")
        .and_then(|digits| digits.parse::<i64>().ok())
        .filter(|n| *n > 0)
}

fn shown(text: &str) -> String {
    text.chars()
        .take(24)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controls() -> Vec<(String, String)> {
        vec![
            ("A.5.1".into(), "Policies for information security".into()),
            (
                "A.5.2".into(),
                "Information security roles and responsibilities".into(),
            ),
        ]
    }

    #[test]
    fn the_status_follows_the_applied_controls_unless_a_reason_overrides_it() {
        use ControlStatus::*;
        assert_eq!(derived_status([]), ImplementationStatus::NotStarted);
        assert_eq!(
            derived_status([NotApplicable]),
            ImplementationStatus::NotStarted
        );
        assert_eq!(
            derived_status([Implemented, NotApplicable]),
            ImplementationStatus::Implemented
        );
        assert_eq!(
            derived_status([Planned, Planned]),
            ImplementationStatus::Planned
        );
        assert_eq!(
            derived_status([Planned, Implemented]),
            ImplementationStatus::Partial
        );
        assert_eq!(derived_status([InProgress]), ImplementationStatus::Partial);

        let mut soa = StatementOfApplicability::start(&controls());
        soa.entries[1].status_reason = "The supplier runs it; their report shows it.".into();
        soa.entries[1].status = ImplementationStatus::Implemented;
        let derived = BTreeMap::from([
            ("A.5.1".to_owned(), ImplementationStatus::Partial),
            ("A.5.2".to_owned(), ImplementationStatus::NotStarted),
        ]);
        soa.derive_statuses(&derived);
        assert_eq!(soa.entries[0].status, ImplementationStatus::Partial);
        assert_eq!(soa.entries[1].status, ImplementationStatus::Implemented);
        soa.entries[0].applicable = false;
        soa.entries[0].status = ImplementationStatus::NotStarted;
        soa.derive_statuses(&derived);
        assert_eq!(soa.entries[0].status, ImplementationStatus::NotStarted);
    }

    #[test]
    fn a_statement_lists_every_control_once_in_the_frameworks_order() {
        let mut soa = StatementOfApplicability::start(&controls());
        soa.entries.reverse();
        soa.entries[0].title = "Typed over".into();
        let checked = soa.checked(&controls()).expect("checked");
        assert_eq!(checked.entries[0].control, "A.5.1");
        assert_eq!(
            checked.entries[1].title,
            "Information security roles and responsibilities"
        );
        assert_eq!(checked.unjustified(), ["A.5.1", "A.5.2"]);

        let mut short = StatementOfApplicability::start(&controls());
        short.entries.pop();
        let errors = short.checked(&controls()).expect_err("missing");
        assert!(
            errors.to_string().contains("missing: A.5.2")
                || errors.fields[0].message.contains("A.5.2")
        );
    }

    #[test]
    fn an_excluded_control_is_justified_and_neither_included_nor_implemented() {
        let mut soa = StatementOfApplicability::start(&controls());
        soa.entries[1].applicable = false;
        soa.entries[1].reasons = vec![InclusionReason::BusinessNeed];
        soa.entries[1].status = ImplementationStatus::Implemented;
        soa.entries[0].risks = vec!["rsk-0003".into(), "RSK-0003".into(), "risk 4".into()];
        let errors = soa.checked(&controls()).expect_err("refused");
        let fields: Vec<&str> = errors.fields.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["entries.A.5.1.risks", "entries.A.5.2.reasons"]);

        // Excluded, it is not started whatever was typed; text areas' CR LF are line feeds.
        let mut soa = StatementOfApplicability::start(&controls());
        soa.entries[1].applicable = false;
        soa.entries[1].status = ImplementationStatus::Implemented;
        soa.entries[1].justification = "No premises.\r\nThe provider's data centre.".into();
        let checked = soa.checked(&controls()).expect("checked");
        assert_eq!(checked.entries[1].status, ImplementationStatus::NotStarted);
        assert_eq!(
            checked.entries[1].justification,
            "No premises.\nThe provider's data centre."
        );

        let mut soa = StatementOfApplicability::start(&controls());
        soa.entries[0].reasons = vec![InclusionReason::RiskTreatment];
        soa.entries[0].justification = "  Treats RSK-0003.  ".into();
        soa.entries[0].risks = vec!["rsk-0003".into()];
        soa.entries[1].applicable = false;
        soa.entries[1].justification = "No staff of our own.".into();
        let soa = soa.checked(&controls()).expect("checked");
        assert!(soa.unjustified().is_empty());
        assert_eq!(soa.entries[0].justification, "Treats RSK-0003.");
        assert_eq!(soa.risk_numbers(), BTreeSet::from([3]));
        assert_eq!(soa.content()[0].1, "1 of 2");
    }
}
