//! The organisation's applied controls: what it actually does (a backup routine, an access
//! review, a policy), who owns it, how far it is, what it costs, which requirements of any
//! framework it satisfies and which risks it treats.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::fields::{Amount, Choice, Day, Member, Text};
use crate::list::{ListParams, ListRequest, enum_param};
use crate::validation::{Lines, ValidationErrors};

crate::text_enum! {
    /// How far an applied control is.
    pub enum ControlStatus {
        Planned => "planned", "Planned";
        InProgress => "in_progress", "In progress";
        Implemented => "implemented", "Implemented";
        NotApplicable => "not_applicable", "Not applicable";
    }
}

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 4000;
/// Largest cost, in the organisation's currency (whole units).
pub const COST_MAX: i64 = 1_000_000_000_000;

crate::record_fields! {
    /// The fields a person types, as text, before they are checked.
    pub struct ControlInput => ControlDraft, from Control {
        title: String = Text::required(TITLE_MAX, Lines::One), "Title";
        description: String = Text::optional(TEXT_MAX, Lines::Many), "Description";
        owner_id: Option<Uuid> = Member, "Owner";
        status: ControlStatus = Choice::or(ControlStatus::Planned), "Status";
        implemented_on: Option<Date> = Day, "Implementation date";
        one_off_cost: Option<i64> = Amount(COST_MAX), "One-off cost";
        recurring_cost: Option<i64> = Amount(COST_MAX), "Recurring cost a year";
        effectiveness: String = Text::optional(TEXT_MAX, Lines::Many), "Effectiveness notes";
    }
    check = consistent;
}

/// An implemented control says since when: auditors ask, and reviews count from it.
fn consistent(draft: &ControlDraft, errors: &mut ValidationErrors) {
    if draft.status == ControlStatus::Implemented && draft.implemented_on.is_none() {
        errors.add(
            "implemented_on",
            "Give the date the control was implemented.",
        );
    }
}

/// How people cite control number `number`: `CTL-0001`.
pub fn reference(number: i64) -> String {
    format!("CTL-{number:04}")
}

/// A requirement of a framework, as an applied control points at it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RequirementRef {
    pub framework_id: String,
    pub requirement_id: String,
}

impl RequirementRef {
    /// Reads `iso27001-2022:A.5.1`, or `A.5.1` alone with `default_framework`.
    pub fn parse(text: &str, default_framework: &str) -> Option<Self> {
        let text = text.trim();
        let (framework, requirement) = match text.split_once(':') {
            Some((framework, requirement)) => (framework.trim(), requirement.trim()),
            None => (default_framework, text),
        };
        (crate::controls::library::is_library_id(framework)
            && crate::controls::library::is_requirement_id(requirement))
        .then(|| RequirementRef {
            framework_id: framework.to_owned(),
            requirement_id: requirement.to_owned(),
        })
    }
}

impl std::fmt::Display for RequirementRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.framework_id, self.requirement_id)
    }
}

/// Most requirements one control names, and most risks it treats.
pub const MAX_LINKS: usize = 200;

/// The requirements typed in a form: `A.5.1, soc2-2017:CC6.1`, separated by commas, semicolons
/// or new lines; bare ids belong to `default_framework`. Each once, in the order given.
pub fn requirement_list(
    text: &str,
    default_framework: &str,
) -> Result<Vec<RequirementRef>, ValidationErrors> {
    let mut refs: Vec<RequirementRef> = Vec::new();
    let mut bad = Vec::new();
    for raw in text
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        match RequirementRef::parse(raw, default_framework) {
            Some(found) if !refs.contains(&found) => refs.push(found),
            Some(_) => {}
            None => bad.push(raw.chars().take(40).collect::<String>()),
        }
    }
    if !bad.is_empty() {
        return Err(ValidationErrors::single(
            "requirements",
            format!(
                "Not a requirement: {}. Name each as framework:id, such as soc2-2017:CC6.1 \
                 (a bare id such as A.5.1 is read in {default_framework}).",
                bad.join(", ")
            ),
        ));
    }
    if refs.len() > MAX_LINKS {
        return Err(ValidationErrors::single(
            "requirements",
            format!("Name at most {MAX_LINKS} requirements for one control."),
        ));
    }
    Ok(refs)
}

/// A requirement an applied control satisfies, with its title for showing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SatisfiedRequirement {
    #[serde(flatten)]
    pub requirement: RequirementRef,
    pub title: String,
}

/// A risk an applied control treats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreatedRisk {
    pub id: Uuid,
    pub number: i64,
    pub title: String,
}

impl TreatedRisk {
    pub fn reference(&self) -> String {
        crate::risk::register::reference(self.number)
    }
}

/// A stored applied control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control {
    pub id: Uuid,
    /// Per-organisation number shown as `CTL-0001`.
    pub number: i64,
    pub title: String,
    pub description: String,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub status: ControlStatus,
    pub implemented_on: Option<Date>,
    pub one_off_cost: Option<i64>,
    pub recurring_cost: Option<i64>,
    pub effectiveness: String,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Control {
    pub fn reference(&self) -> String {
        reference(self.number)
    }
}

crate::text_enum! {
    /// Columns a list of applied controls may be sorted by.
    pub enum ControlSort {
        Number => "number" | "reference", "Reference";
        Title => "title", "Title";
        Status => "status", "Status";
        ImplementedOn => "implemented_on", "Implemented on";
        UpdatedAt => "updated_at", "Last changed";
    }
}

/// What a list of applied controls is filtered by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ControlFilter {
    pub search: Option<String>,
    pub status: Option<ControlStatus>,
    pub owner_id: Option<Uuid>,
    /// Controls satisfying this requirement.
    pub requirement: Option<RequirementRef>,
    /// Controls treating this risk.
    pub risk_id: Option<Uuid>,
}

/// A checked request for a page of applied controls.
pub type ControlList = ListRequest<ControlFilter, ControlSort>;

/// The filters of the controls register as a query string carries them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ControlFilterParams {
    #[serde(default)]
    #[param(value_type = Option<ControlStatus>)]
    pub status: String,
    pub owner_id: Option<Uuid>,
    /// Controls satisfying a requirement: `iso27001-2022:A.8.5`.
    #[serde(default)]
    pub requirement: String,
    /// Controls treating this risk.
    pub risk_id: Option<Uuid>,
    #[serde(default)]
    #[param(value_type = Option<ControlSort>)]
    pub sort: String,
}

impl ControlFilterParams {
    /// The checked request, or every problem with it by parameter name.
    pub fn request(&self, list: &ListParams) -> Result<ControlList, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let requirement = match self.requirement.trim() {
            "" => None,
            text => {
                let parsed = text
                    .split_once(':')
                    .and_then(|_| RequirementRef::parse(text, ""));
                if parsed.is_none() {
                    errors.add(
                        "requirement",
                        "Name a requirement as framework:id, such as iso27001-2022:A.8.5.",
                    );
                }
                parsed
            }
        };
        let filter = ControlFilter {
            search: list.search(&mut errors),
            status: enum_param(&mut errors, "status", &self.status),
            owner_id: self.owner_id,
            requirement,
            risk_id: self.risk_id,
        };
        let number = ControlSort::Number;
        list.request(filter, &self.sort, number, number, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_implemented_control_says_since_when() {
        let input = ControlInput {
            title: "Nightly encrypted backups".into(),
            status: "implemented".into(),
            one_off_cost: "12 000".into(),
            ..ControlInput::default()
        };
        let errors = input.parse().expect_err("no date");
        assert!(errors.for_field("implemented_on").is_some());

        let input = ControlInput {
            implemented_on: "2026-03-01".into(),
            ..input
        };
        let draft = input.parse().expect("valid");
        assert_eq!(draft.one_off_cost, Some(12_000));
        assert_eq!(draft.to_input().parse().expect("again"), draft);
        assert_eq!(
            ControlInput::default()
                .parse()
                .expect_err("no title")
                .fields[0]
                .field,
            "title"
        );
    }

    #[test]
    fn requirements_are_named_with_their_framework() {
        let parsed = RequirementRef::parse(" soc2-2017 : CC6.1 ", "iso27001-2022").expect("read");
        assert_eq!(parsed.to_string(), "soc2-2017:CC6.1");
        let bare = RequirementRef::parse("A.5.1", "iso27001-2022").expect("bare");
        assert_eq!(bare.framework_id, "iso27001-2022");
        assert_eq!(RequirementRef::parse("Bad Framework:A.5.1", "x"), None);
        assert_eq!(RequirementRef::parse("iso27001-2022:", "x"), None);

        let params = ControlFilterParams {
            requirement: "A.5.1".into(),
            ..ControlFilterParams::default()
        };
        let errors = params.request(&ListParams::default()).expect_err("bare");
        assert!(errors.for_field("requirement").is_some());

        let list =
            requirement_list("A.5.1; soc2-2017:CC6.1\nA.5.1,", "iso27001-2022").expect("list");
        assert_eq!(list.len(), 2);
        let errors = requirement_list("A.5.1, Nope Nope:1", "iso27001-2022").expect_err("bad");
        assert!(errors.fields[0].message.contains("Nope Nope:1"));
    }
}
