//! Our own framework and mapping library files (content/frameworks, content/mappings; format
//! in content/README.md) read into the domain's [`Library`]. The format is ours, so keys it
//! does not define are refused rather than skipped: a misspelt key is a mistake to fix.
//! Whether a mapping's requirements exist is a question for the loader, with both frameworks
//! at hand ([`custos_domain::controls::library::unknown_mapped`]).

use std::collections::BTreeSet;

use custos_domain::controls::library::{
    AttributeField, FrameworkInfo, FrameworkLibrary, GUIDANCE_MAX, ID_MAX, Library, Mapping,
    MappingLibrary, ReferenceControl, Relationship, Requirement, TITLE_MAX, is_library_id,
    is_requirement_id,
};
use custos_domain::text_enum::TextEnum;
use custos_domain::validation::{Lines, ValidationErrors, optional_text, required_text};
use serde::Deserialize;

use crate::library::{LibraryError, entry_place, from_yaml, refuse};

/// Reads a framework or a mapping library file, as its `library` key says.
pub fn read(yaml: &str) -> Result<Library, LibraryError> {
    let header: Header = from_yaml(yaml)?;
    match header.library.as_deref().map(str::trim) {
        Some("framework") => framework(yaml).map(Library::Framework),
        Some("mapping") => mapping(yaml).map(Library::Mapping),
        Some(other) => Err(LibraryError::new(
            "library",
            format!(
                "Expected `library: framework` or `library: mapping`, found {:?}.",
                other.chars().take(40).collect::<String>()
            ),
        )),
        None => Err(LibraryError::new(
            "library",
            "The key `library` is missing: a Custos library file starts with \
             `library: framework` or `library: mapping`.",
        )),
    }
}

/// Reads a framework library (`library: framework`).
pub fn framework(yaml: &str) -> Result<FrameworkLibrary, LibraryError> {
    let file: FrameworkFile = from_yaml(yaml)?;
    let id = library_id("id", &file.id)?;
    let version = checked_version(file.version)?;
    let framework = framework_info(&file.framework)?;
    let attributes = attributes(&file.attributes)?;
    let requirements = requirements(&file.requirements)?;
    let known: BTreeSet<&str> = requirements.iter().map(|r| r.id.as_str()).collect();
    let reference_controls = reference_controls(&file.reference_controls, &known)?;
    Ok(FrameworkLibrary {
        id,
        version,
        source_keys: None,
        framework,
        attributes,
        requirements,
        reference_controls,
    })
}

/// Reads a mapping library (`library: mapping`).
pub fn mapping(yaml: &str) -> Result<MappingLibrary, LibraryError> {
    let file: MappingFile = from_yaml(yaml)?;
    let id = library_id("id", &file.id)?;
    let version = checked_version(file.version)?;
    let source = library_id("source", &file.source)?;
    let target = library_id("target", &file.target)?;
    if source == target {
        return Err(LibraryError::new(
            "target",
            "A mapping relates two different frameworks: source and target are the same.",
        ));
    }
    let mut errors = ValidationErrors::new();
    let description = optional_text(
        &mut errors,
        "description",
        &file.description,
        GUIDANCE_MAX,
        Lines::Many,
    );
    refuse("the file", errors)?;
    let mut pairs = BTreeSet::new();
    let mut mappings = Vec::with_capacity(file.mappings.len());
    for (index, entry) in file.mappings.iter().enumerate() {
        let place = entry_place(
            "mappings",
            index,
            &format!("{} to {}", entry.source, entry.target),
        );
        let source = requirement_id(&place, "source", &entry.source)?;
        let target = requirement_id(&place, "target", &entry.target)?;
        let relationship = Relationship::parse(entry.relationship.trim()).ok_or_else(|| {
            LibraryError::new(
                &place,
                format!("relationship: {}", Relationship::expected()),
            )
        })?;
        if let Some(strength) = entry.strength
            && !(strength > 0.0 && strength <= 1.0)
        {
            return Err(LibraryError::new(
                &place,
                "strength: Give a number above 0 and at most 1.",
            ));
        }
        let mut errors = ValidationErrors::new();
        let note = optional_text(
            &mut errors,
            "note",
            entry.note.as_deref().unwrap_or(""),
            GUIDANCE_MAX,
            Lines::Many,
        );
        refuse(&place, errors)?;
        if !pairs.insert((source.clone(), target.clone())) {
            return Err(LibraryError::new(
                &place,
                "This source and target are already related above.",
            ));
        }
        mappings.push(Mapping {
            source,
            target,
            relationship,
            strength: entry.strength,
            note,
        });
    }
    if mappings.is_empty() {
        return Err(LibraryError::new(
            "mappings",
            "The list is empty: a mapping library relates at least one pair of requirements.",
        ));
    }
    Ok(MappingLibrary {
        id,
        version,
        source,
        target,
        description,
        mappings,
    })
}

/// The first read: which kind of library the file says it is, before its keys are held to
/// that kind's.
#[derive(Deserialize)]
struct Header {
    library: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkFile {
    #[expect(dead_code, reason = "checked by the first read")]
    library: String,
    id: String,
    version: i64,
    framework: InfoEntry,
    #[serde(default)]
    attributes: Vec<AttributeEntry>,
    requirements: Vec<RequirementEntry>,
    #[serde(default)]
    reference_controls: Vec<ReferenceControlEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InfoEntry {
    #[serde(rename = "ref")]
    reference: String,
    name: String,
    edition: String,
    publisher: String,
    licence: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeEntry {
    id: String,
    name: String,
    values: Vec<String>,
    #[serde(default)]
    applies_to: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementEntry {
    id: String,
    #[serde(default)]
    parent: Option<String>,
    title: String,
    #[serde(default)]
    guidance: Option<String>,
    #[serde(default)]
    assessable: Option<bool>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferenceControlEntry {
    id: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
    requirements: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[expect(dead_code, reason = "checked by the first read")]
    library: String,
    id: String,
    version: i64,
    source: String,
    target: String,
    #[serde(default)]
    description: String,
    mappings: Vec<MappingEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingEntry {
    source: String,
    target: String,
    relationship: String,
    #[serde(default)]
    strength: Option<f64>,
    #[serde(default)]
    note: Option<String>,
}

fn checked_version(version: i64) -> Result<i64, LibraryError> {
    if version < 1 {
        return Err(LibraryError::new(
            "version",
            "Give the library version as a whole number from 1.",
        ));
    }
    Ok(version)
}

/// A library, tag or attribute id, trimmed.
fn library_id(place: &str, raw: &str) -> Result<String, LibraryError> {
    let id = raw.trim();
    if !is_library_id(id) {
        return Err(LibraryError::new(
            place,
            format!(
                "{:?} is not an id: use lower-case letters, digits, dots, hyphens and \
                 underscores, at most {ID_MAX} characters.",
                id.chars().take(ID_MAX + 1).collect::<String>()
            ),
        ));
    }
    Ok(id.to_owned())
}

/// A requirement id as the framework writes it, trimmed.
fn requirement_id(place: &str, key: &str, raw: &str) -> Result<String, LibraryError> {
    let id = raw.trim();
    if !is_requirement_id(id) {
        return Err(LibraryError::new(
            place,
            format!(
                "{key}: Give the requirement's id as the framework writes it: at most \
                 {ID_MAX} characters, on one line."
            ),
        ));
    }
    Ok(id.to_owned())
}

fn framework_info(info: &InfoEntry) -> Result<FrameworkInfo, LibraryError> {
    let mut errors = ValidationErrors::new();
    let reference = required_text(&mut errors, "ref", &info.reference, TITLE_MAX, Lines::One);
    let name = required_text(&mut errors, "name", &info.name, TITLE_MAX, Lines::One);
    let edition = required_text(&mut errors, "edition", &info.edition, TITLE_MAX, Lines::One);
    let publisher = required_text(
        &mut errors,
        "publisher",
        &info.publisher,
        TITLE_MAX,
        Lines::One,
    );
    let licence = required_text(
        &mut errors,
        "licence",
        &info.licence,
        GUIDANCE_MAX,
        Lines::Many,
    );
    refuse("framework", errors)?;
    Ok(FrameworkInfo {
        reference,
        name,
        edition,
        publisher,
        licence,
    })
}

fn attributes(entries: &[AttributeEntry]) -> Result<Vec<AttributeField>, LibraryError> {
    let mut seen = BTreeSet::new();
    let mut fields = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let place = entry_place("attributes", index, &entry.id);
        let id = library_id(&format!("{place} id"), &entry.id)?;
        if !seen.insert(id.clone()) {
            return Err(LibraryError::new(
                place,
                "id: This attribute is declared twice.",
            ));
        }
        let mut errors = ValidationErrors::new();
        let name = required_text(&mut errors, "name", &entry.name, TITLE_MAX, Lines::One);
        refuse(&place, errors)?;
        let values = distinct_ids(&place, "values", &entry.values)?;
        if values.is_empty() {
            return Err(LibraryError::new(
                place,
                "values: List the values the organisation may choose from.",
            ));
        }
        let applies_to = distinct_ids(&place, "applies_to", &entry.applies_to)?;
        fields.push(AttributeField {
            id,
            name,
            values,
            applies_to,
        });
    }
    Ok(fields)
}

/// Ids (values, tags) trimmed, each a valid id, none twice.
fn distinct_ids(place: &str, key: &str, raw: &[String]) -> Result<Vec<String>, LibraryError> {
    let mut ids = Vec::with_capacity(raw.len());
    for (position, value) in raw.iter().enumerate() {
        let id = library_id(&format!("{place} {key}[{position}]"), value)?;
        if ids.contains(&id) {
            return Err(LibraryError::new(
                place,
                format!("{key}: {id} is listed twice."),
            ));
        }
        ids.push(id);
    }
    Ok(ids)
}

fn requirements(entries: &[RequirementEntry]) -> Result<Vec<Requirement>, LibraryError> {
    if entries.is_empty() {
        return Err(LibraryError::new(
            "requirements",
            "The list is empty: a framework has at least one requirement.",
        ));
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut requirements = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let place = entry_place("requirements", index, &entry.id);
        let id = requirement_id(&place, "id", &entry.id)?;
        if seen.contains(&id) {
            return Err(LibraryError::new(
                place,
                "id: Another requirement above has this id.",
            ));
        }
        let parent = match &entry.parent {
            None => None,
            Some(raw) => {
                let parent = requirement_id(&place, "parent", raw)?;
                if !seen.contains(&parent) {
                    return Err(LibraryError::new(
                        place,
                        format!(
                            "parent: {parent} is not a requirement above this one (a parent \
                             comes before its children)."
                        ),
                    ));
                }
                Some(parent)
            }
        };
        let mut errors = ValidationErrors::new();
        let title = required_text(&mut errors, "title", &entry.title, TITLE_MAX, Lines::One);
        let guidance = optional_text(
            &mut errors,
            "guidance",
            entry.guidance.as_deref().unwrap_or(""),
            GUIDANCE_MAX,
            Lines::Many,
        );
        refuse(&place, errors)?;
        let tags = distinct_ids(&place, "tags", &entry.tags)?;
        seen.insert(id.clone());
        requirements.push(Requirement {
            id,
            parent,
            title,
            guidance,
            assessable: entry.assessable.unwrap_or(true),
            tags,
            parts: Vec::new(),
            params: Vec::new(),
            properties: Vec::new(),
            source_key: None,
        });
    }
    Ok(requirements)
}

fn reference_controls(
    entries: &[ReferenceControlEntry],
    known: &BTreeSet<&str>,
) -> Result<Vec<ReferenceControl>, LibraryError> {
    let mut seen = BTreeSet::new();
    let mut controls = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let place = entry_place("reference_controls", index, &entry.id);
        let id = requirement_id(&place, "id", &entry.id)?;
        if !seen.insert(id.clone()) {
            return Err(LibraryError::new(
                place,
                "id: Another reference control above has this id.",
            ));
        }
        let mut errors = ValidationErrors::new();
        let title = required_text(&mut errors, "title", &entry.title, TITLE_MAX, Lines::One);
        let description = optional_text(
            &mut errors,
            "description",
            entry.description.as_deref().unwrap_or(""),
            GUIDANCE_MAX,
            Lines::Many,
        );
        refuse(&place, errors)?;
        let mut requirements = Vec::with_capacity(entry.requirements.len());
        for (position, raw) in entry.requirements.iter().enumerate() {
            let requirement = requirement_id(&place, &format!("requirements[{position}]"), raw)?;
            if !known.contains(requirement.as_str()) {
                return Err(LibraryError::new(
                    place,
                    format!(
                        "requirements[{position}]: {requirement} is not a requirement of this framework."
                    ),
                ));
            }
            requirements.push(requirement);
        }
        controls.push(ReferenceControl {
            id,
            title,
            description,
            requirements,
        });
    }
    Ok(controls)
}

#[cfg(test)]
mod tests {
    use custos_domain::controls::library::unknown_mapped;

    use super::*;

    const SMALL: &str = r#"
library: framework
id: tiny-1
version: 2
framework:
  ref: Tiny 1
  name: A tiny framework
  edition: "1"
  publisher: Us
  licence: Ours.
attributes:
  - id: kind
    name: Kind
    values: [preventive, detective]
    applies_to: [control]
requirements:
  - id: "1"
    title: Heading
    assessable: false
  - id: "1.1"
    parent: "1"
    title: First
    guidance: Do the first thing.
    tags: [control]
reference_controls:
  - id: RC-1
    title: A control
    requirements: ["1.1"]
"#;

    /// Each file is refused at its place (a part of it) with a message containing its words.
    fn assert_refused(cases: &[(String, &str, &str)]) {
        for (yaml, place, message) in cases {
            let error = read(yaml).expect_err(place);
            assert!(
                error.place.contains(place) && error.to_string().contains(message),
                "{place} / {message}: got {error}"
            );
        }
    }

    #[test]
    fn a_framework_file_reads_with_its_tree_attributes_and_reference_controls() {
        let Library::Framework(framework) = read(SMALL).expect("reads") else {
            panic!("a framework");
        };
        assert_eq!((framework.id.as_str(), framework.version), ("tiny-1", 2));
        assert_eq!(framework.requirements.len(), 2);
        assert!(!framework.requirements[0].assessable);
        assert_eq!(framework.requirements[1].parent.as_deref(), Some("1"));
        assert_eq!(framework.assessable_count(), 1);
        assert_eq!(framework.attributes[0].values, ["preventive", "detective"]);
        assert_eq!(framework.reference_controls[0].requirements, ["1.1"]);
    }

    #[test]
    fn every_refusal_names_the_place_in_the_file() {
        let cases = [
            (
                SMALL.replace("parent: \"1\"", "parent: \"2\""),
                "requirements[1] (1.1)",
                "parent",
            ),
            (
                SMALL.replace("id: \"1.1\"", "id: \"1\""),
                "requirements[1] (1)",
                "Another requirement",
            ),
            (SMALL.replace("id: tiny-1", "id: Tiny 1"), "id", "not an id"),
            (
                SMALL.replace("version: 2", "version: 0"),
                "version",
                "from 1",
            ),
            (
                SMALL.replace("requirements: [\"1.1\"]", "requirements: [\"9\"]"),
                "reference_controls[0] (RC-1)",
                "not a requirement",
            ),
            (
                SMALL.replace("    title: First\n", "    title: First\n    colour: red\n"),
                "requirements[1]",
                "colour",
            ),
            (
                SMALL.replace(
                    "values: [preventive, detective]",
                    "values: [preventive, preventive]",
                ),
                "attributes[0] (kind)",
                "twice",
            ),
            (
                SMALL.replace("library: framework", "library: catalogue"),
                "library",
                "Expected",
            ),
            (
                SMALL.replace("library: framework\n", ""),
                "library",
                "missing",
            ),
        ];
        assert_refused(&cases);
    }

    const MAPPING: &str = r#"
library: mapping
id: tiny-1-to-tiny-2
version: 1
source: tiny-1
target: tiny-2
description: Ours.
mappings:
  - source: "1.1"
    target: A
    relationship: subset
    strength: 0.5
  - source: "1.1"
    target: B
    relationship: intersect
"#;

    #[test]
    fn a_mapping_file_reads_and_refuses_what_it_cannot_mean() {
        let Library::Mapping(mapping) = read(MAPPING).expect("reads") else {
            panic!("a mapping");
        };
        assert_eq!(mapping.mappings.len(), 2);
        assert_eq!(mapping.mappings[0].relationship, Relationship::Subset);
        assert_eq!(mapping.mappings[0].strength, Some(0.5));
        let cases = [
            (
                MAPPING.replace("strength: 0.5", "strength: 1.5"),
                "mappings[0]",
                "strength",
            ),
            (
                MAPPING.replace("relationship: subset", "relationship: overlaps"),
                "mappings[0]",
                "relationship",
            ),
            (
                MAPPING.replace("target: B", "target: A"),
                "mappings[1]",
                "already related",
            ),
            (
                MAPPING.replace("target: tiny-2", "target: tiny-1"),
                "target",
                "same",
            ),
        ];
        assert_refused(&cases);
    }

    const ISO_2022: &str = include_str!("../../../content/frameworks/iso27001-2022.yaml");
    const ISO_2013: &str = include_str!("../../../content/frameworks/iso27001-2013.yaml");
    const SOC_2: &str = include_str!("../../../content/frameworks/soc2-2017.yaml");
    const CSF_2: &str = include_str!("../../../content/frameworks/nist-csf-2.0.yaml");
    const ISO_2013_TO_2022: &str =
        include_str!("../../../content/mappings/iso27001-2013-to-2022.yaml");
    const ISO_2022_TO_SOC_2: &str =
        include_str!("../../../content/mappings/iso27001-2022-to-soc2-2017.yaml");

    fn assessable_tagged(framework: &FrameworkLibrary, tag: &str) -> Vec<String> {
        framework
            .requirements
            .iter()
            .filter(|r| r.assessable && r.tags.iter().any(|t| t == tag))
            .map(|r| r.id.clone())
            .collect()
    }

    #[test]
    fn the_shipped_frameworks_hold_what_they_promise() {
        let iso = framework(ISO_2022).expect("ISO/IEC 27001:2022");
        assert_eq!(assessable_tagged(&iso, "clause").len(), 31);
        assert_eq!(assessable_tagged(&iso, "annex-a").len(), 93);
        for (theme, count) in [
            ("organizational", 37),
            ("people", 8),
            ("physical", 14),
            ("technological", 34),
        ] {
            assert_eq!(assessable_tagged(&iso, theme).len(), count, "{theme}");
        }
        assert_eq!(iso.attributes.len(), 5);
        assert!(
            iso.requirements
                .iter()
                .filter(|r| r.assessable)
                .all(|r| !r.guidance.is_empty())
        );
        let old = framework(ISO_2013).expect("ISO/IEC 27001:2013");
        assert_eq!(assessable_tagged(&old, "annex-a").len(), 114);
        let soc = framework(SOC_2).expect("SOC 2");
        assert_eq!(soc.assessable_count(), 61);
        assert_eq!(assessable_tagged(&soc, "common").len(), 33);
        let csf = framework(CSF_2).expect("NIST CSF 2.0");
        assert_eq!(csf.assessable_count(), 106);
        let functions = csf
            .requirements
            .iter()
            .filter(|r| r.parent.is_none())
            .count();
        let categories = csf
            .requirements
            .iter()
            .filter(|r| !r.assessable && r.parent.is_some())
            .count();
        assert_eq!((functions, categories), (6, 22));
    }

    #[test]
    fn the_shipped_mappings_name_only_requirements_their_frameworks_have() {
        let iso = framework(ISO_2022).expect("2022");
        let old = framework(ISO_2013).expect("2013");
        let soc = framework(SOC_2).expect("SOC 2");
        let transition = mapping(ISO_2013_TO_2022).expect("transition");
        assert_eq!(
            (transition.source.as_str(), transition.target.as_str()),
            ("iso27001-2013", "iso27001-2022")
        );
        assert!(
            unknown_mapped(&transition, &old.requirement_ids(), &iso.requirement_ids()).is_empty()
        );
        let sources: BTreeSet<&str> = transition
            .mappings
            .iter()
            .map(|m| m.source.as_str())
            .collect();
        assert_eq!(sources.len(), 114, "every 2013 control goes somewhere");
        let targets: BTreeSet<&str> = transition
            .mappings
            .iter()
            .map(|m| m.target.as_str())
            .collect();
        let new: Vec<String> = assessable_tagged(&iso, "annex-a")
            .into_iter()
            .filter(|id| !targets.contains(id.as_str()))
            .collect();
        assert_eq!(
            new,
            [
                "A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11", "A.8.12",
                "A.8.16", "A.8.23", "A.8.28"
            ],
            "the controls new in 2022 are the ones nothing maps to"
        );
        let to_soc = mapping(ISO_2022_TO_SOC_2).expect("Annex A to SOC 2");
        assert!(unknown_mapped(&to_soc, &iso.requirement_ids(), &soc.requirement_ids()).is_empty());
        let mapped: BTreeSet<&str> = to_soc.mappings.iter().map(|m| m.source.as_str()).collect();
        assert_eq!(
            mapped.len(),
            93,
            "every Annex A control maps to a criterion"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_or_edit_of_a_library_is_read_or_refused_never_a_panic(
            text in proptest::prelude::any::<String>(),
            at in proptest::prelude::any::<proptest::sample::Index>(),
            cut in 0usize..40,
            insert in "[ -~\n\t\\[\\]{}:,#&*!|>'\"-]{0,12}",
        ) {
            let _ = read(&text);
            for yaml in [SMALL, MAPPING] {
                let start = at.index(yaml.len());
                let start = (0..=start).rev().find(|&i| yaml.is_char_boundary(i)).unwrap_or(0);
                let end = (start + cut..=yaml.len())
                    .find(|&i| yaml.is_char_boundary(i))
                    .unwrap_or(yaml.len());
                let _ = read(&format!("{}{insert}{}", &yaml[..start], &yaml[end..]));
            }
        }
    }

    #[test]
    fn garbage_is_refused_without_a_panic() {
        for yaml in [
            "",
            "[",
            "library: [1, 2]",
            "library: framework\nrequirements: 3",
            "\u{0}",
        ] {
            assert!(read(yaml).is_err(), "{yaml:?}");
        }
    }
}
