//! Context of the organisation (ISO 27001 clause 4 and 6.2): for now the ISMS objectives.
//! An objective says why, what and what it brings, and carries a measurable target.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::fields::{Choice, Day, MaybeChoice, MaybeText, Member, Number, Text};
use crate::journey::{JourneyStep, StepState};
use crate::list::{ListParams, ListRequest, enum_param};
use crate::validation::{Lines, ValidationErrors};

crate::text_enum! {
    /// What an objective is about (the categories ISO 27001 6.2 objectives usually fall in).
    pub enum ObjectiveCategory {
        BusinessAlignment => "business_alignment", "Business alignment";
        Confidentiality => "confidentiality", "Confidentiality";
        Integrity => "integrity", "Integrity";
        Availability => "availability", "Availability";
        Risk => "risk", "Risk";
        Compliance => "compliance", "Legal and regulatory compliance";
        Awareness => "awareness", "Staff awareness";
    }
}

crate::text_enum! {
    /// Where an objective stands.
    pub enum ObjectiveStatus {
        Draft => "draft", "Draft";
        PendingApproval => "pending_approval", "Waiting for approval";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Rejected";
        Achieved => "achieved", "Achieved";
        NotAchieved => "not_achieved", "Not achieved";
        Cancelled => "cancelled", "Cancelled";
    }
}

impl ObjectiveStatus {
    /// Statuses only the approval workflow sets; people cannot pick them in a form.
    pub fn is_set_by_workflow(self) -> bool {
        matches!(
            self,
            Self::PendingApproval | Self::Approved | Self::Rejected
        )
    }

    /// Approved, or an outcome of having been approved: reached only through an approval.
    pub fn is_approved_or_beyond(self) -> bool {
        matches!(self, Self::Approved | Self::Achieved | Self::NotAchieved)
    }

    /// Statuses a person may choose by hand on some objective.
    pub fn choosable() -> impl Iterator<Item = ObjectiveStatus> {
        Self::ALL.into_iter().filter(|s| !s.is_set_by_workflow())
    }

    /// Statuses a person may choose when editing an objective that is `self` now: its own
    /// status, draft and cancelled always, and an outcome only once it has been approved.
    pub fn choosable_from(self) -> impl Iterator<Item = ObjectiveStatus> {
        Self::ALL
            .into_iter()
            .filter(move |s| *s == self || status_after_edit(self, Some(*s), false).is_ok())
    }

    pub fn can_be_submitted(self) -> bool {
        matches!(self, Self::Draft | Self::Rejected)
    }
}

crate::record_fields! {
    /// The fields a person types, as text, before they are checked.
    pub struct ObjectiveInput => ObjectiveDraft {
        title: String = Text::required(TITLE_MAX, Lines::One), "Title";
        rationale: String = Text::required(TEXT_MAX, Lines::Many), "Why";
        description: String = Text::optional(TEXT_MAX, Lines::Many), "What";
        benefits: String = Text::optional(TEXT_MAX, Lines::Many), "Benefits";
        category: ObjectiveCategory = Choice::required("Choose a category."), "Category";
        target: String = Text::required(TARGET_MAX, Lines::One), "Target";
        target_value: Option<f64> = Number { invalid: "Enter a number such as 95 or 99.9." }, "Target value";
        target_unit: Option<String> = MaybeText(UNIT_MAX), "Unit";
        owner_id: Option<Uuid> = Member, "Owner";
        due_date: Option<Date> = Day, "Due date";
        /// `None` on create (a new objective is a draft); the chosen status on edit.
        status: Option<ObjectiveStatus> = MaybeChoice::new(), "Status";
    }
    check = unit_needs_a_value;
}

fn unit_needs_a_value(draft: &ObjectiveDraft, errors: &mut ValidationErrors) {
    if draft.target_unit.is_some() && draft.target_value.is_none() {
        errors.add("target_unit", "A unit needs a numeric target value.");
    }
}

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 4000;
pub const TARGET_MAX: usize = 500;
pub const UNIT_MAX: usize = 30;

pub use crate::fields::FieldRule;

/// The objectives of an organisation counted for the journey page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectivesProgress {
    /// Objectives not cancelled.
    pub in_force: i64,
    /// Signed off by management: approved, achieved or not achieved.
    pub signed_off: i64,
    pub state: StepState,
}

/// The objectives step is done when there is at least one objective and every objective in
/// force has been signed off: a draft, a rejected one or one waiting for approval keeps it
/// partial. Cancelled objectives do not count.
pub fn objectives_progress(counts: &[(ObjectiveStatus, i64)]) -> ObjectivesProgress {
    use ObjectiveStatus::*;
    let sum = |keep: fn(ObjectiveStatus) -> bool| -> i64 {
        counts
            .iter()
            .filter(|(s, _)| keep(*s))
            .map(|(_, n)| n)
            .sum()
    };
    let in_force = sum(|s| s != Cancelled);
    let signed_off = sum(|s| matches!(s, Approved | Achieved | NotAchieved));
    let state = if in_force == 0 {
        StepState::Missing
    } else if signed_off == in_force {
        StepState::Done
    } else {
        StepState::Partial
    };
    ObjectivesProgress {
        in_force,
        signed_off,
        state,
    }
}

impl ObjectivesProgress {
    /// The objectives step of the journey (ISO 27001 6.2).
    pub fn step(&self) -> JourneyStep {
        let status = match (self.in_force, self.signed_off) {
            (0, _) => "None yet".to_owned(),
            (all, signed) if all == signed => format!("All {all} approved"),
            (all, signed) => format!("{signed} of {all} approved"),
        };
        JourneyStep {
            position: 200,
            clause: "6.2",
            title: "Objectives",
            state: self.state,
            status,
            path: "/objectives",
            description: "measurable targets the ISMS works towards, signed off by management.",
        }
    }
}

/// A date as forms, the API and the database write it: exactly `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Option<Date> {
    crate::dates::parse_iso_date(raw)
}

/// The status an objective has after an edit. Statuses that mean "approved or beyond" are
/// reached only through an approval: the workflow statuses are never set by hand, and an
/// outcome (achieved, not achieved) only on an objective that is approved and unchanged.
/// Changing the substance of a submitted or approved objective sends it back to draft: what
/// management signed off is no longer it.
pub fn status_after_edit(
    current: ObjectiveStatus,
    requested: Option<ObjectiveStatus>,
    content_changed: bool,
) -> Result<ObjectiveStatus, ValidationErrors> {
    let signed_off = current.is_set_by_workflow() || current.is_approved_or_beyond();
    let requested = requested.unwrap_or(current);
    if requested == current {
        return Ok(if content_changed && signed_off {
            ObjectiveStatus::Draft
        } else {
            current
        });
    }
    if requested.is_set_by_workflow() {
        return Err(ValidationErrors::single(
            "status",
            "This status is set by the approval workflow, not by hand.",
        ));
    }
    let approval_stands = current.is_approved_or_beyond() && !content_changed;
    if requested.is_approved_or_beyond() && !approval_stands {
        return Err(ValidationErrors::single(
            "status",
            "Only an approved objective, unchanged since its approval, can be marked achieved or \
             not achieved.",
        ));
    }
    Ok(requested)
}

/// The status of a new objective: a draft unless the person asks for another status they
/// may set on a new record (only cancelled); nothing approved exists before an approval.
pub fn status_on_create(
    requested: Option<ObjectiveStatus>,
) -> Result<ObjectiveStatus, ValidationErrors> {
    status_after_edit(ObjectiveStatus::Draft, requested, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_input() -> ObjectiveInput {
        ObjectiveInput {
            title: "Keep customer portal available".into(),
            rationale: "Customers depend on it".into(),
            category: "availability".into(),
            target: "99.9% monthly uptime".into(),
            target_value: "99.9".into(),
            target_unit: "%".into(),
            due_date: "2027-06-30".into(),
            ..ObjectiveInput::default()
        }
    }

    #[test]
    fn the_objectives_step_is_done_only_when_every_objective_in_force_is_signed_off() {
        use ObjectiveStatus::*;
        assert_eq!(objectives_progress(&[]).state, StepState::Missing);
        assert_eq!(
            objectives_progress(&[(Cancelled, 2)]).state,
            StepState::Missing
        );
        let one_of_five = objectives_progress(&[(Approved, 1), (Draft, 3), (PendingApproval, 1)]);
        assert_eq!(one_of_five.state, StepState::Partial);
        assert_eq!((one_of_five.signed_off, one_of_five.in_force), (1, 5));
        let all = objectives_progress(&[(Approved, 2), (Achieved, 1), (Cancelled, 4)]);
        assert_eq!(all.state, StepState::Done);
        assert_eq!((all.signed_off, all.in_force), (3, 3));
    }

    #[test]
    fn form_rules_follow_what_parse_requires() {
        let empty = ObjectiveInput::default().parse().expect_err("empty");
        for field in [
            "title",
            "rationale",
            "description",
            "benefits",
            "category",
            "target",
        ] {
            assert_eq!(
                ObjectiveInput::rule(field).required,
                empty.for_field(field).is_some(),
                "{field}"
            );
        }
        assert_eq!(ObjectiveInput::rule("title").max_chars, Some(TITLE_MAX));
    }

    #[test]
    fn a_complete_input_parses() {
        let draft = valid_input().parse().expect("valid");
        assert_eq!(draft.category, ObjectiveCategory::Availability);
        assert_eq!(draft.target_value, Some(99.9));
        assert_eq!(draft.target_unit.as_deref(), Some("%"));
        assert_eq!(
            draft.due_date.map(|d| d.to_string()),
            Some("2027-06-30".into())
        );
        assert_eq!(draft.status, None);
    }

    #[test]
    fn every_bad_field_is_reported_by_name() {
        let input = ObjectiveInput {
            title: " ".into(),
            category: "fun".into(),
            target_value: "lots".into(),
            due_date: "30/06/2027".into(),
            owner_id: "bob".into(),
            status: "done".into(),
            ..ObjectiveInput::default()
        };
        let errors = input.parse().expect_err("invalid");
        for field in [
            "title",
            "rationale",
            "category",
            "target",
            "target_value",
            "due_date",
            "owner_id",
            "status",
        ] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
    }

    #[test]
    fn control_characters_are_refused_in_every_text_field_by_name() {
        type Field = fn(&mut ObjectiveInput) -> &mut String;
        let fields: [(&str, Field); 6] = [
            ("title", |i| &mut i.title),
            ("rationale", |i| &mut i.rationale),
            ("description", |i| &mut i.description),
            ("benefits", |i| &mut i.benefits),
            ("target", |i| &mut i.target),
            ("target_unit", |i| &mut i.target_unit),
        ];
        for (field, text) in fields {
            let mut input = valid_input();
            text(&mut input).push('\0');
            let errors = input.parse().expect_err(field);
            let message = errors.for_field(field).expect(field);
            assert!(message.contains("U+0000"), "{field}: {message}");
        }
    }

    #[test]
    fn lines_typed_in_a_form_and_sent_by_the_api_are_the_same_text() {
        let from_form = ObjectiveInput {
            rationale: "First line\r\nsecond line".into(),
            ..valid_input()
        };
        let from_api = ObjectiveInput {
            rationale: "First line\nsecond line".into(),
            ..valid_input()
        };
        assert_eq!(from_form.parse(), from_api.parse());
        let title = ObjectiveInput {
            title: "Two\nlines".into(),
            ..valid_input()
        };
        assert!(
            title
                .parse()
                .expect_err("title")
                .for_field("title")
                .is_some()
        );
    }

    #[test]
    fn non_finite_targets_are_refused() {
        for raw in ["NaN", "inf", "-inf"] {
            let input = ObjectiveInput {
                target_value: raw.into(),
                ..valid_input()
            };
            assert!(input.parse().is_err(), "{raw}");
        }
    }

    #[test]
    fn editing_an_approved_objective_sends_it_back_to_draft() {
        use ObjectiveStatus::*;
        assert_eq!(status_after_edit(Approved, None, true), Ok(Draft));
        assert_eq!(
            status_after_edit(Approved, Some(Approved), false),
            Ok(Approved)
        );
        assert_eq!(status_after_edit(PendingApproval, None, true), Ok(Draft));
        assert_eq!(
            status_after_edit(Approved, Some(Achieved), false),
            Ok(Achieved)
        );
        assert!(status_after_edit(Approved, Some(Achieved), true).is_err());
        assert!(status_after_edit(Draft, Some(Achieved), false).is_err());
        assert_eq!(status_after_edit(Achieved, None, true), Ok(Draft));
        assert!(status_on_create(Some(Achieved)).is_err());
        assert!(status_on_create(Some(Approved)).is_err());
        assert_eq!(status_on_create(None), Ok(Draft));
        assert_eq!(status_on_create(Some(Cancelled)), Ok(Cancelled));
        assert!(status_after_edit(Draft, Some(Approved), false).is_err());
        assert_eq!(
            status_after_edit(Draft, Some(Cancelled), false),
            Ok(Cancelled)
        );
    }

    #[test]
    fn only_drafts_and_rejected_objectives_can_be_submitted() {
        use ObjectiveStatus::*;
        let submittable: Vec<_> = ObjectiveStatus::ALL
            .into_iter()
            .filter(|s| s.can_be_submitted())
            .collect();
        assert_eq!(submittable, vec![Draft, Rejected]);
    }
}

/// How people cite objective number `number`: `OBJ-0001`.
pub fn reference_of(number: i64) -> String {
    ObjectiveReference(number).to_string()
}

/// An objective's reference (`OBJ-0001`), written straight into whatever shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectiveReference(pub i64);

impl std::fmt::Display for ObjectiveReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OBJ-{:04}", self.0)
    }
}

impl Serialize for ObjectiveReference {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A stored objective. It reads back from its audit-trail snapshot, which is how the
/// approval page shows exactly the version that was submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    pub id: Uuid,
    /// Per-organisation number shown as `OBJ-0001`.
    pub number: i64,
    pub title: String,
    pub rationale: String,
    pub description: String,
    pub benefits: String,
    pub category: ObjectiveCategory,
    pub target: String,
    pub target_value: Option<f64>,
    pub target_unit: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub due_date: Option<Date>,
    pub status: ObjectiveStatus,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl Objective {
    pub fn reference(&self) -> String {
        reference_of(self.number)
    }

    /// The objective as a draft that keeps its status: what its edit form starts from.
    pub fn draft(&self) -> ObjectiveDraft {
        ObjectiveDraft {
            title: self.title.clone(),
            rationale: self.rationale.clone(),
            description: self.description.clone(),
            benefits: self.benefits.clone(),
            category: self.category,
            target: self.target.clone(),
            target_value: self.target_value,
            target_unit: self.target_unit.clone(),
            owner_id: self.owner_id,
            due_date: self.due_date,
            status: Some(self.status),
        }
    }

    /// The content that an approver signs, field by field, as people read it. An empty value
    /// is a field not filled in. Status and version are not content: they are the workflow.
    pub fn content(&self) -> Vec<(&'static str, String)> {
        let target_value = match (self.target_value, &self.target_unit) {
            (Some(value), Some(unit)) => format!("{value} {unit}"),
            (Some(value), None) => value.to_string(),
            (None, _) => String::new(),
        };
        vec![
            ("Title", self.title.clone()),
            ("Category", self.category.label().into()),
            ("Why", self.rationale.clone()),
            ("What", self.description.clone()),
            ("Benefits", self.benefits.clone()),
            ("Target", self.target.clone()),
            ("Target value", target_value),
            ("Owner", self.owner_name.clone().unwrap_or_default()),
            (
                "Due date",
                self.due_date.map(|d| d.to_string()).unwrap_or_default(),
            ),
        ]
    }

    /// True when `draft` changes what was (or would be) approved, not just the status.
    pub fn substance_differs(&self, draft: &ObjectiveDraft) -> bool {
        self.title != draft.title
            || self.rationale != draft.rationale
            || self.description != draft.description
            || self.benefits != draft.benefits
            || self.category != draft.category
            || self.target != draft.target
            || self.target_value != draft.target_value
            || self.target_unit != draft.target_unit
            || self.owner_id != draft.owner_id
            || self.due_date != draft.due_date
    }
}

crate::text_enum! {
    /// Columns an objective list may be sorted by.
    pub enum ObjectiveSort {
        Number => "number" | "reference", "Reference";
        Title => "title", "Title";
        Category => "category", "Category";
        Status => "status", "Status";
        DueDate => "due_date", "Due date";
        UpdatedAt => "updated_at", "Last changed";
    }
}

/// What an objective list is filtered by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectiveFilter {
    pub search: Option<String>,
    pub category: Option<ObjectiveCategory>,
    pub status: Option<ObjectiveStatus>,
    pub owner_id: Option<Uuid>,
}

/// A checked request for a page of the objectives register.
pub type ObjectiveList = ListRequest<ObjectiveFilter, ObjectiveSort>;

/// The filters of the objectives register as a query string carries them (beside the
/// [`ListParams`] every list takes), for the API and the pages alike.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObjectiveFilterParams {
    #[serde(default)]
    #[param(value_type = Option<ObjectiveCategory>)]
    pub category: String,
    #[serde(default)]
    #[param(value_type = Option<ObjectiveStatus>)]
    pub status: String,
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    #[param(value_type = Option<ObjectiveSort>)]
    pub sort: String,
}

impl ObjectiveFilterParams {
    /// The checked request, or every problem with it by parameter name.
    pub fn request(&self, list: &ListParams) -> Result<ObjectiveList, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let filter = ObjectiveFilter {
            search: list.search(&mut errors),
            category: enum_param(&mut errors, "category", &self.category),
            status: enum_param(&mut errors, "status", &self.status),
            owner_id: self.owner_id,
        };
        let number = ObjectiveSort::Number;
        list.request(filter, &self.sort, number, number, errors)
    }
}

impl Objective {
    /// The columns of the register's CSV export, in the order of [`Objective::csv_row`].
    pub const CSV_HEADER: [&'static str; 13] = [
        "reference",
        "title",
        "why",
        "what",
        "benefits",
        "category",
        "target",
        "target_value",
        "target_unit",
        "owner",
        "due_date",
        "status",
        "updated_at",
    ];

    pub fn csv_row(self) -> Vec<String> {
        vec![
            self.reference(),
            self.title,
            self.rationale,
            self.description,
            self.benefits,
            self.category.label().into(),
            self.target,
            self.target_value.map(|v| v.to_string()).unwrap_or_default(),
            self.target_unit.unwrap_or_default(),
            self.owner_name.unwrap_or_default(),
            self.due_date.map(|d| d.to_string()).unwrap_or_default(),
            self.status.label().into(),
            crate::dates::rfc3339(self.updated_at),
        ]
    }
}
