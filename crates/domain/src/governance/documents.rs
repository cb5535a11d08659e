//! Documents and policies (ISO/IEC 27001 5.2, 7.5): each document has an owner, a kind, how
//! often it is reviewed, and numbered versions. A version is drafted, sent for review
//! (approval by senior management), approved (then it never changes) and retired when a
//! newer version is approved or the document is withdrawn. The information security policy
//! (5.2) is marked as such: one per organisation.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::fields::{Choice, Flag, Level, Member, Text};
use crate::files::StoredFile;
use crate::list::{ListParams, ListRequest, enum_param};
use crate::validation::{Lines, ValidationErrors};

crate::text_enum! {
    /// What a document is.
    pub enum DocumentKind {
        Policy => "policy", "Policy";
        Procedure => "procedure", "Procedure";
        Standard => "standard", "Standard";
        RecordTemplate => "record_template", "Record template";
    }
}

crate::text_enum! {
    /// Where a version of a document stands.
    pub enum VersionState {
        Draft => "draft", "Draft";
        InReview => "in_review", "In review";
        Approved => "approved", "Approved";
        /// Sent back by the approver: edited, it is a draft again.
        Rejected => "rejected", "Rejected";
        /// Replaced by a newer approved version, or withdrawn with its document.
        Retired => "retired", "Retired";
    }
}

impl VersionState {
    /// Whether the version's text may still change.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Draft | Self::Rejected)
    }
}

crate::text_enum! {
    /// Where a document stands: what its versions say.
    pub enum DocumentStatus {
        /// No version approved yet.
        Draft => "draft", "Draft";
        /// A version is approved and in force.
        Approved => "approved", "Approved";
        /// Withdrawn: no version is in force any more.
        Retired => "retired", "Retired";
    }
}

pub const TITLE_MAX: usize = 200;
pub const PURPOSE_MAX: usize = 2000;
/// Longest body of a version, in characters: a long policy is a few tens of thousands.
pub const BODY_MAX: usize = 200_000;
pub const NOTE_MAX: usize = 1000;
/// Longest review interval, in months.
pub const REVIEW_MONTHS_MAX: i64 = 36;

crate::record_fields! {
    /// The fields of a document a person types, as text, before they are checked.
    pub struct DocumentInput => DocumentDraft, from Document {
        title: String = Text::required(TITLE_MAX, Lines::One), "Title";
        kind: DocumentKind = Choice::required("Choose what kind of document this is."), "Kind";
        purpose: String = Text::optional(PURPOSE_MAX, Lines::Many), "Purpose";
        owner_id: Option<Uuid> = Member, "Owner";
        review_months: Option<i64> = Level(REVIEW_MONTHS_MAX), "Review every (months)";
        security_policy: bool = Flag, "Information security policy (5.2)";
    }
    check = consistent;
}

/// The information security policy is a policy.
fn consistent(draft: &DocumentDraft, errors: &mut ValidationErrors) {
    if draft.security_policy && draft.kind != DocumentKind::Policy {
        errors.add(
            "security_policy",
            "Only a policy can be the information security policy.",
        );
    }
}

crate::record_fields! {
    /// The text of a version, as typed.
    pub struct VersionInput => VersionDraft {
        body: String = Text::optional(BODY_MAX, Lines::Many), "Text (Markdown)";
        change_note: String = Text::optional(NOTE_MAX, Lines::One), "What changed";
    }
}

/// How people cite document number `number`: `DOC-0001`.
pub fn reference(number: i64) -> String {
    format!("DOC-{number:04}")
}

/// The numbers of the documents `text` cites as `DOC-0001` (any case), each once, in order.
pub fn cited_numbers(text: &str) -> Vec<i64> {
    let upper = text.to_ascii_uppercase();
    let mut numbers = Vec::new();
    for (start, _) in upper.match_indices("DOC-") {
        let before = upper[..start].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let digits: String = upper[start + 4..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(number) = digits.parse::<i64>()
            && number > 0
            && !numbers.contains(&number)
        {
            numbers.push(number);
        }
    }
    numbers
}

/// A stored document, with what its versions say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: Uuid,
    /// Per-organisation number shown as `DOC-0001`.
    pub number: i64,
    pub title: String,
    pub kind: DocumentKind,
    pub purpose: String,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub review_months: Option<i64>,
    pub security_policy: bool,
    pub status: DocumentStatus,
    /// The number of the version in force, once one is approved.
    pub current_version: Option<i64>,
    /// When the version in force was approved.
    pub approved_on: Option<Date>,
    /// `approved_on` plus the review interval.
    pub next_review_on: Option<Date>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Document {
    pub fn reference(&self) -> String {
        reference(self.number)
    }

    /// Whether its review is due on `today`.
    pub fn review_due(&self, today: Date) -> bool {
        self.status == DocumentStatus::Approved
            && self.next_review_on.is_some_and(|due| due <= today)
    }
}

/// The information security policy step of the journey (ISO 27001 5.2): missing while there
/// is none, partly there while it is not approved or its review is overdue on `today`.
pub fn policy_step(policy: Option<&Document>, today: Date) -> crate::journey::JourneyStep {
    use crate::journey::{JourneyStep, StepState};
    let (state, status) = match policy {
        None => (StepState::Missing, "None marked yet".to_owned()),
        Some(d) if d.status != DocumentStatus::Approved => (
            StepState::Partial,
            format!("{} is {}", d.reference(), d.status.label().to_lowercase()),
        ),
        Some(d) if d.review_due(today) => (
            StepState::Partial,
            format!("{} approved; its review is due", d.reference()),
        ),
        Some(d) => (
            StepState::Done,
            format!(
                "{} approved, version {}",
                d.reference(),
                d.current_version.unwrap_or_default()
            ),
        ),
    };
    JourneyStep {
        position: 150,
        clause: "5.2",
        title: "Information security policy",
        state,
        status,
        path: "/documents",
        description: "the commitments of top management, approved, communicated and reviewed.",
    }
}

/// When a document approved on `approved_on` is next reviewed.
pub fn next_review(approved_on: Date, review_months: Option<i64>) -> Option<Date> {
    let months = i32::try_from(review_months?).ok()?;
    Some(crate::dates::months_from(approved_on, months))
}

/// One version of a document. It reads back from its audit-trail snapshot, like every record,
/// and carries its document's reference and title so an approver reads what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentVersion {
    pub id: Uuid,
    pub document_id: Uuid,
    pub document_number: i64,
    pub document_title: String,
    /// 1, 2, ... within its document.
    pub number: i64,
    pub state: VersionState,
    /// Markdown.
    pub body: String,
    /// A file in place of (or beside) the text: a signed PDF, a form to fill.
    #[serde(default)]
    pub file: Option<StoredFile>,
    pub change_note: String,
    /// The record's own version (each save and each step of the workflow moves it on).
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

impl DocumentVersion {
    /// `DOC-0001 v2`.
    pub fn reference(&self) -> String {
        format!("{} v{}", reference(self.document_number), self.number)
    }

    /// The version as the approver reads it.
    pub fn content(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "Document",
                format!(
                    "{} {}",
                    reference(self.document_number),
                    self.document_title
                ),
            ),
            ("Version", self.number.to_string()),
            ("What changed", self.change_note.clone()),
            ("Text", self.body.clone()),
            (
                "File",
                self.file.as_ref().map_or_else(String::new, |f| {
                    format!("{} ({} bytes, SHA-256 {})", f.name, f.size, f.sha256)
                }),
            ),
        ]
    }
}

crate::text_enum! {
    /// Columns a list of documents may be sorted by.
    pub enum DocumentSort {
        Number => "number" | "reference", "Reference";
        Title => "title", "Title";
        Kind => "kind", "Kind";
        Status => "status", "Status";
        NextReview => "next_review_on", "Next review";
        UpdatedAt => "updated_at", "Last changed";
    }
}

/// What a list of documents is filtered by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentFilter {
    pub search: Option<String>,
    pub kind: Option<DocumentKind>,
    pub status: Option<DocumentStatus>,
    pub owner_id: Option<Uuid>,
}

/// A checked request for a page of documents.
pub type DocumentList = ListRequest<DocumentFilter, DocumentSort>;

/// The filters of the documents register as a query string carries them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentFilterParams {
    #[serde(default)]
    #[param(value_type = Option<DocumentKind>)]
    pub kind: String,
    #[serde(default)]
    #[param(value_type = Option<DocumentStatus>)]
    pub status: String,
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    #[param(value_type = Option<DocumentSort>)]
    pub sort: String,
}

impl DocumentFilterParams {
    /// The checked request, or every problem with it by parameter name.
    pub fn request(&self, list: &ListParams) -> Result<DocumentList, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let filter = DocumentFilter {
            search: list.search(&mut errors),
            kind: enum_param(&mut errors, "kind", &self.kind),
            status: enum_param(&mut errors, "status", &self.status),
            owner_id: self.owner_id,
        };
        let number = DocumentSort::Number;
        list.request(filter, &self.sort, number, number, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_security_policy_is_a_policy_reviewed_on_its_interval() {
        let input = DocumentInput {
            title: "Information security policy".into(),
            kind: "procedure".into(),
            review_months: "12".into(),
            security_policy: "on".into(),
            ..DocumentInput::default()
        };
        let errors = input.parse().expect_err("a procedure");
        assert!(errors.for_field("security_policy").is_some());
        let draft = DocumentInput {
            kind: "policy".into(),
            ..input
        }
        .parse()
        .expect("a policy");
        assert_eq!(draft.to_input().parse().expect("again"), draft);
        let approved = time::macros::date!(2026 - 01 - 31);
        assert_eq!(
            next_review(approved, draft.review_months),
            Some(time::macros::date!(2027 - 01 - 31))
        );
        assert_eq!(next_review(approved, None), None);
        assert!(
            DocumentInput::default()
                .parse()
                .expect_err("empty")
                .for_field("kind")
                .is_some()
        );
    }

    #[test]
    fn the_policy_step_wants_an_approved_policy_reviewed_on_time() {
        use crate::journey::StepState;
        let today = time::macros::date!(2026 - 11 - 28);
        assert_eq!(policy_step(None, today).state, StepState::Missing);
        let mut policy = Document {
            id: Uuid::nil(),
            number: 1,
            title: "Information security policy".into(),
            kind: DocumentKind::Policy,
            purpose: String::new(),
            owner_id: None,
            owner_name: None,
            review_months: Some(12),
            security_policy: true,
            status: DocumentStatus::Draft,
            current_version: None,
            approved_on: None,
            next_review_on: None,
            version: 1,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        };
        assert_eq!(policy_step(Some(&policy), today).state, StepState::Partial);
        policy.status = DocumentStatus::Approved;
        policy.current_version = Some(2);
        policy.next_review_on = Some(time::macros::date!(2027 - 01 - 31));
        let step = policy_step(Some(&policy), today);
        assert_eq!(
            (step.state, step.status.as_str()),
            (StepState::Done, "DOC-0001 approved, version 2")
        );
        policy.next_review_on = Some(time::macros::date!(2026 - 11 - 01));
        assert_eq!(policy_step(Some(&policy), today).state, StepState::Partial);
    }

    #[test]
    fn documents_are_cited_by_reference_in_free_text() {
        assert_eq!(
            cited_numbers(
                "POL: doc-0001 Information security policy; DOC-12, DOC-0001, XDOC-3, DOC-"
            ),
            [1, 12]
        );
    }

    #[test]
    fn only_drafts_and_rejected_versions_change() {
        let open: Vec<VersionState> = VersionState::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(open, [VersionState::Draft, VersionState::Rejected]);
    }
}
