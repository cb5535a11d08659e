//! Evidence: what shows a control works or a requirement is met — a file (a report, a
//! screenshot, an export) or a link to where it is kept — with when it was collected, the
//! period it proves (not the same as when it was uploaded) and when it stops counting.
//! Attached to applied controls, requirements or documents.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::controls::applied::RequirementRef;
use crate::fields::{Day, MaybeText, Text};
use crate::files::StoredFile;
use crate::list::{ListParams, ListRequest};
use crate::validation::{Lines, ValidationErrors};

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 2000;
pub const URL_MAX: usize = 2000;

crate::record_fields! {
    /// The fields of an evidence item a person types, as text, before they are checked.
    pub struct EvidenceInput => EvidenceDraft, from Evidence {
        title: String = Text::required(TITLE_MAX, Lines::One), "Title";
        description: String = Text::optional(TEXT_MAX, Lines::Many), "Description";
        url: Option<String> = MaybeText(URL_MAX), "Link";
        collected_on: Option<Date> = Day, "Collected on";
        effective_from: Option<Date> = Day, "Proves from";
        effective_to: Option<Date> = Day, "Proves until";
        expires_on: Option<Date> = Day, "Expires on";
    }
    check = consistent;
}

/// A link is a web address; the period it proves runs forwards; it expires after it was
/// collected.
fn consistent(draft: &EvidenceDraft, errors: &mut ValidationErrors) {
    if let Some(url) = &draft.url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        errors.add(
            "url",
            "Give a web address starting with https:// or http://.",
        );
    }
    if let (Some(from), Some(to)) = (draft.effective_from, draft.effective_to)
        && to < from
    {
        errors.add("effective_to", "The period it proves ends after it starts.");
    }
    if let (Some(collected), Some(expires)) = (draft.collected_on, draft.expires_on)
        && expires < collected
    {
        errors.add("expires_on", "It expires after it was collected.");
    }
}

/// How people cite evidence number `number`: `EVD-0001`.
pub fn reference(number: i64) -> String {
    format!("EVD-{number:04}")
}

/// What evidence is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceTargets {
    pub controls: Vec<Uuid>,
    pub requirements: Vec<RequirementRef>,
    pub documents: Vec<Uuid>,
}

impl EvidenceTargets {
    pub fn is_empty(&self) -> bool {
        self.controls.is_empty() && self.requirements.is_empty() && self.documents.is_empty()
    }

    /// Each target once, in a fixed order.
    pub fn normalised(mut self) -> Self {
        self.controls.sort();
        self.controls.dedup();
        self.requirements.sort();
        self.requirements.dedup();
        self.documents.sort();
        self.documents.dedup();
        self
    }
}

/// A stored evidence item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub id: Uuid,
    /// Per-organisation number shown as `EVD-0001`.
    pub number: i64,
    pub title: String,
    pub description: String,
    pub url: Option<String>,
    pub file: Option<StoredFile>,
    pub collected_on: Option<Date>,
    pub effective_from: Option<Date>,
    pub effective_to: Option<Date>,
    pub expires_on: Option<Date>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Evidence {
    pub fn reference(&self) -> String {
        reference(self.number)
    }

    /// Whether it no longer counts on `today`.
    pub fn expired(&self, today: Date) -> bool {
        self.expires_on.is_some_and(|on| on < today)
    }
}

crate::text_enum! {
    /// Columns a list of evidence may be sorted by.
    pub enum EvidenceSort {
        Number => "number" | "reference", "Reference";
        Title => "title", "Title";
        CollectedOn => "collected_on", "Collected on";
        ExpiresOn => "expires_on", "Expires on";
    }
}

/// What a list of evidence is filtered by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvidenceFilter {
    pub search: Option<String>,
    pub control_id: Option<Uuid>,
    pub document_id: Option<Uuid>,
    pub requirement: Option<RequirementRef>,
}

/// A checked request for a page of evidence.
pub type EvidenceList = ListRequest<EvidenceFilter, EvidenceSort>;

/// The filters of the evidence register as a query string carries them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceFilterParams {
    /// Evidence attached to this applied control.
    pub control_id: Option<Uuid>,
    /// Evidence attached to this document.
    pub document_id: Option<Uuid>,
    /// Evidence attached to a requirement: `iso27001-2022:A.8.13`.
    #[serde(default)]
    pub requirement: String,
    #[serde(default)]
    #[param(value_type = Option<EvidenceSort>)]
    pub sort: String,
}

impl EvidenceFilterParams {
    /// The checked request, or every problem with it by parameter name.
    pub fn request(&self, list: &ListParams) -> Result<EvidenceList, ValidationErrors> {
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
                        "Name a requirement as framework:id, such as iso27001-2022:A.8.13.",
                    );
                }
                parsed
            }
        };
        let filter = EvidenceFilter {
            search: list.search(&mut errors),
            control_id: self.control_id,
            document_id: self.document_id,
            requirement,
        };
        let number = EvidenceSort::Number;
        list.request(filter, &self.sort, number, number, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_a_web_address_and_periods_run_forwards() {
        let input = EvidenceInput {
            title: "Restore test, third quarter".into(),
            url: "javascript:alert(1)".into(),
            effective_from: "2026-09-30".into(),
            effective_to: "2026-07-01".into(),
            collected_on: "2026-10-02".into(),
            expires_on: "2026-01-01".into(),
            ..EvidenceInput::default()
        };
        let errors = input.parse().expect_err("three problems");
        for field in ["url", "effective_to", "expires_on"] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
        let fixed = EvidenceInput {
            title: "Restore test, third quarter".into(),
            url: "https://wiki.example/restore-q3".into(),
            effective_from: "2026-07-01".into(),
            effective_to: "2026-09-30".into(),
            ..EvidenceInput::default()
        };
        let draft = fixed.parse().expect("valid");
        assert_eq!(draft.to_input().parse().expect("again"), draft);
    }
}
