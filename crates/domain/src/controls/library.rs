//! Framework libraries: a framework's requirement tree, the attribute fields organisations
//! fill per requirement, reference controls, and mapping sets relating two frameworks'
//! requirements. Read from library files (content/frameworks, content/mappings, or an
//! imported file) and kept by library id; a newer version of a library replaces the older in
//! place, requirement by requirement, so whatever points at a requirement keeps pointing at
//! it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Longest library id, requirement id, tag or attribute id, in characters.
pub const ID_MAX: usize = 80;
/// Longest title or name.
pub const TITLE_MAX: usize = 300;
/// Longest guidance, description or note.
pub const GUIDANCE_MAX: usize = 2000;

crate::text_enum! {
    /// How a source requirement relates to a target requirement of another framework.
    pub enum Relationship {
        /// They ask for the same thing.
        Equal => "equal", "Equal";
        /// Meeting the source meets part of the target.
        Subset => "subset", "Subset";
        /// Meeting the source meets all of the target and more.
        Superset => "superset", "Superset";
        /// They overlap in part.
        Intersect => "intersect", "Intersect";
    }
}

/// Who publishes a framework and under what terms the library holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FrameworkInfo {
    /// How people cite it: `ISO/IEC 27001:2022`.
    pub reference: String,
    pub name: String,
    pub edition: String,
    pub publisher: String,
    /// What the library holds of the framework and what it leaves to the licensed text.
    pub licence: String,
}

/// A field organisations fill per requirement (ISO/IEC 27002's control attributes):
/// several of its values may be chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttributeField {
    pub id: String,
    pub name: String,
    pub values: Vec<String>,
    /// The tags of the requirements that carry the field.
    pub applies_to: Vec<String>,
}

/// One node of a framework's requirement tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Requirement {
    /// The framework's own identifier (`A.5.1`, `CC6.1`, `GV.OC-01`): text, stable.
    pub id: String,
    pub parent: Option<String>,
    pub title: String,
    /// Our own words; empty on headings.
    pub guidance: String,
    /// False for a heading that only groups requirements.
    pub assessable: bool,
    pub tags: Vec<String>,
    /// The requirement's text in named pieces, as an imported catalog gives it (OSCAL parts:
    /// statement, guidance, assessment objectives); empty for our own libraries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<RequirementPart>,
    /// Values the organisation chooses (OSCAL parameters).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<RequirementParam>,
    /// Other facts the source gives (OSCAL properties).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<RequirementProperty>,
    /// How the file it came from names it, when that differs from `id` (a CISO Assistant
    /// URN): mappings imported later name requirements that way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_key: Option<String>,
}

/// A named piece of a requirement's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequirementPart {
    /// `statement`, `guidance`, `assessment-objective`, ...
    pub name: String,
    pub title: String,
    /// The piece's text, its nested items each on a line of its own, labelled (`a. ...`).
    pub prose: String,
}

/// A value a requirement leaves to the organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequirementParam {
    pub id: String,
    /// What to choose, or the choices joined by ` | `.
    pub label: String,
    pub values: Vec<String>,
}

/// A fact about a requirement its source gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequirementProperty {
    pub name: String,
    pub value: String,
}

/// A typical control that meets some of a framework's requirements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReferenceControl {
    pub id: String,
    pub title: String,
    pub description: String,
    pub requirements: Vec<String>,
}

/// The names another tool gives a library and the framework it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceKeys {
    pub library: String,
    pub framework: String,
}

/// A framework as a library file describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkLibrary {
    /// The library's stable id: `iso27001-2022`.
    pub id: String,
    /// The file's content version; a higher one upgrades the stored copy.
    pub version: i64,
    /// How the tool it came from names the library and its framework (CISO Assistant
    /// URNs): other libraries name them that way.
    pub source_keys: Option<SourceKeys>,
    pub framework: FrameworkInfo,
    pub attributes: Vec<AttributeField>,
    /// In reading order; a parent before its children.
    pub requirements: Vec<Requirement>,
    pub reference_controls: Vec<ReferenceControl>,
}

impl FrameworkLibrary {
    /// How many requirements are assessed (not headings).
    pub fn assessable_count(&self) -> usize {
        self.requirements.iter().filter(|r| r.assessable).count()
    }

    /// The ids of its requirements.
    pub fn requirement_ids(&self) -> BTreeSet<&str> {
        self.requirements.iter().map(|r| r.id.as_str()).collect()
    }
}

/// One relation of a mapping set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Mapping {
    pub source: String,
    pub target: String,
    pub relationship: Relationship,
    /// How much of the target the source meets, in (0, 1], when the authors said.
    pub strength: Option<f64>,
    pub note: String,
}

/// Relations from one framework's requirements to another's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingLibrary {
    pub id: String,
    pub version: i64,
    /// Framework library ids.
    pub source: String,
    pub target: String,
    pub description: String,
    pub mappings: Vec<Mapping>,
}

/// What a library file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Library {
    Framework(FrameworkLibrary),
    Mapping(MappingLibrary),
}

impl Library {
    pub fn id(&self) -> &str {
        match self {
            Library::Framework(framework) => &framework.id,
            Library::Mapping(mapping) => &mapping.id,
        }
    }

    pub fn version(&self) -> i64 {
        match self {
            Library::Framework(framework) => framework.version,
            Library::Mapping(mapping) => mapping.version,
        }
    }
}

crate::text_enum! {
    /// Where a stored library came from.
    pub enum LibraryOrigin {
        /// Shipped with Custos (content/).
        Shipped => "shipped", "Shipped with Custos";
        /// Imported by someone.
        Imported => "imported", "Imported";
    }
}

/// A stored framework without its requirements, with their counts.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FrameworkSummary {
    pub id: String,
    pub version: i64,
    pub info: FrameworkInfo,
    pub origin: LibraryOrigin,
    #[serde(serialize_with = "crate::dates::serialize_rfc3339")]
    pub loaded_at: OffsetDateTime,
    pub requirements: i64,
    pub assessable: i64,
    pub withdrawn: i64,
}

/// A stored requirement: as its library last described it, and whether the latest version
/// still has it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredRequirement {
    #[serde(flatten)]
    pub requirement: Requirement,
    pub withdrawn: bool,
}

/// A stored framework in full.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredFramework {
    pub summary: FrameworkSummary,
    pub attributes: Vec<AttributeField>,
    pub reference_controls: Vec<ReferenceControl>,
    /// In the library's reading order.
    pub requirements: Vec<StoredRequirement>,
}

/// A stored mapping set without its relations, with their count.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MappingSetSummary {
    pub id: String,
    pub version: i64,
    pub source: String,
    pub target: String,
    pub description: String,
    pub origin: LibraryOrigin,
    #[serde(serialize_with = "crate::dates::serialize_rfc3339")]
    pub loaded_at: OffsetDateTime,
    pub mappings: i64,
}

/// One relation of a stored mapping set, with the set's frameworks.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredMapping {
    pub set_id: String,
    pub source_framework: String,
    pub target_framework: String,
    pub source: String,
    pub target: String,
    pub relationship: Relationship,
    pub strength: Option<f64>,
    pub note: String,
}

/// Whether `text` may be a library, tag or attribute id: lower-case letters, digits, dots,
/// hyphens and underscores, starting with a letter or digit (`nist-csf-2.0`).
pub fn is_library_id(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= ID_MAX
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// Whether `text` may be a requirement id: printable, no spaces at its ends, at most
/// [`ID_MAX`] characters (frameworks number in their own ways: `4.1`, `A.5.1`, `CC6.1`,
/// `GV.OC-01`).
pub fn is_requirement_id(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= ID_MAX
        && text.trim() == text
        && !text.chars().any(char::is_control)
}

/// The requirements of a mapping set that the two frameworks do not have, as
/// (`source` or `target`, id) pairs, each named once.
pub fn unknown_mapped(
    mapping: &MappingLibrary,
    source: &BTreeSet<&str>,
    target: &BTreeSet<&str>,
) -> Vec<(&'static str, String)> {
    let mut unknown: BTreeMap<(&'static str, &str), ()> = BTreeMap::new();
    for relation in &mapping.mappings {
        if !source.contains(relation.source.as_str()) {
            unknown.insert(("source", relation.source.as_str()), ());
        }
        if !target.contains(relation.target.as_str()) {
            unknown.insert(("target", relation.target.as_str()), ());
        }
    }
    unknown
        .into_keys()
        .map(|(side, id)| (side, id.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_ids_are_lower_case_words_joined_by_hyphens() {
        assert!(is_library_id("iso27001-2022"));
        assert!(is_library_id("nist-csf-2.0"));
        assert!(is_library_id("attack_vectors"));
        assert!(!is_library_id("ISO27001"));
        assert!(!is_library_id("-iso"));
        assert!(!is_library_id("iso 27001"));
        assert!(!is_library_id(""));
        assert!(!is_library_id(&"a".repeat(ID_MAX + 1)));
    }

    #[test]
    fn requirement_ids_keep_the_framework_numbering() {
        for id in ["4.1", "A.5.1", "CC6.1", "GV.OC-01", "PI1.5"] {
            assert!(is_requirement_id(id), "{id}");
        }
        assert!(!is_requirement_id(" A.5.1"));
        assert!(!is_requirement_id("A.5\n1"));
        assert!(!is_requirement_id(""));
    }
}
