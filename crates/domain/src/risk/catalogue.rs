//! The threat and vulnerability catalogues: what can happen to information, and the
//! weaknesses that let it happen. Custos ships a starting catalogue of each (content/risk/);
//! every organisation gets its own copy to edit, and risks name entries of that copy.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fields::{Choice, Flag, Text};
use crate::validation::{Lines, ValidationErrors, required_text};

pub const REFERENCE_MAX: usize = 20;
pub const NAME_MAX: usize = 60;
pub const DESCRIPTION_MAX: usize = 1000;

crate::text_enum! {
    /// Where a threat comes from.
    pub enum ThreatGroup {
        HumanDeliberate => "human-deliberate", "Human, deliberate";
        HumanAccidental => "human-accidental", "Human, accidental";
        TechnicalFailure => "technical-failure", "Technical failure";
        Environmental => "environmental", "Environmental";
        Supplier => "supplier", "Supplier";
        Legal => "legal", "Legal";
    }
}

crate::text_enum! {
    /// What kind of weakness a vulnerability is.
    pub enum VulnerabilityCategory {
        People => "people", "People";
        Process => "process", "Process";
        Technology => "technology", "Technology";
        Physical => "physical", "Physical";
        Supplier => "supplier", "Supplier";
        Organisation => "organisation", "Organisation";
    }
}

/// The security properties a threat can harm or a risk affects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Properties {
    pub confidentiality: bool,
    pub integrity: bool,
    pub availability: bool,
}

impl Properties {
    pub fn any(self) -> bool {
        self.confidentiality || self.integrity || self.availability
    }
}

/// A threat of the organisation's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threat {
    pub id: Uuid,
    pub reference: String,
    pub group: ThreatGroup,
    pub name: String,
    pub description: String,
    /// The security properties it can harm.
    pub confidentiality: bool,
    pub integrity: bool,
    pub availability: bool,
    /// The shipped catalogue's version it came from; `None` for the organisation's own.
    pub library_version: Option<i64>,
    pub version: i64,
}

/// A vulnerability of the organisation's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub id: Uuid,
    pub reference: String,
    pub category: VulnerabilityCategory,
    pub name: String,
    pub description: String,
    pub library_version: Option<i64>,
    pub version: i64,
}

crate::record_fields! {
    /// A threat's fields as a person types them.
    pub struct ThreatInput => ThreatDraft, from Threat {
        reference: String = Text::required(REFERENCE_MAX, Lines::One), "Reference";
        group: ThreatGroup = Choice::required("Choose the group the threat belongs to."), "Group";
        name: String = Text::required(NAME_MAX, Lines::One), "Name";
        description: String = Text::required(DESCRIPTION_MAX, Lines::Many), "Description";
        confidentiality: bool = Flag, "Confidentiality";
        integrity: bool = Flag, "Integrity";
        availability: bool = Flag, "Availability";
    }
    check = harms_something;
}

fn harms_something(draft: &ThreatDraft, errors: &mut ValidationErrors) {
    if !(draft.confidentiality || draft.integrity || draft.availability) {
        errors.add(
            "confidentiality",
            "Tick what the threat can harm: confidentiality, integrity or availability.",
        );
    }
}

crate::record_fields! {
    /// A vulnerability's fields as a person types them.
    pub struct VulnerabilityInput => VulnerabilityDraft, from Vulnerability {
        reference: String = Text::required(REFERENCE_MAX, Lines::One), "Reference";
        category: VulnerabilityCategory = Choice::required("Choose the kind of weakness."), "Category";
        name: String = Text::required(NAME_MAX, Lines::One), "Name";
        description: String = Text::required(DESCRIPTION_MAX, Lines::Many), "Description";
    }
}

/// A threat as the shipped catalogue describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryThreat {
    /// `TH-HD-01`: stable across catalogue versions.
    pub reference: String,
    pub group: ThreatGroup,
    pub name: String,
    pub description: String,
    pub affects: Properties,
}

/// A vulnerability as the shipped catalogue describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryVulnerability {
    /// `VU-TE-03`.
    pub reference: String,
    pub category: VulnerabilityCategory,
    pub name: String,
    pub description: String,
    /// References of the threats it typically lets happen.
    pub exploited_by: Vec<String>,
}

/// A catalogue file's entries with the version the file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue<T> {
    pub version: i64,
    pub entries: Vec<T>,
}

/// Checks the texts of an entry of a shipped catalogue file (the reference, name and
/// description), trimmed, by the limits `ThreatInput` and `VulnerabilityInput` apply.
pub fn check_entry(
    errors: &mut ValidationErrors,
    reference: &str,
    name: &str,
    description: &str,
) -> (String, String, String) {
    let reference = required_text(errors, "reference", reference, REFERENCE_MAX, Lines::One);
    let name = required_text(errors, "name", name, NAME_MAX, Lines::One);
    let description = required_text(
        errors,
        "description",
        description,
        DESCRIPTION_MAX,
        Lines::Many,
    );
    (reference, name, description)
}
