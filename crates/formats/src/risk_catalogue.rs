//! Our own risk catalogue files (content/risk/threats.yaml and vulnerabilities.yaml, format in
//! content/README.md) read into the domain's [`Catalogue`]. The format is ours, so keys it
//! does not define are refused rather than skipped: a misspelt key is a mistake to fix.

use std::collections::{BTreeMap, BTreeSet};

use custos_domain::risk::catalogue::{
    Catalogue, DESCRIPTION_MAX, LibraryThreat, LibraryVulnerability, NAME_MAX, Properties,
    ThreatGroup, VulnerabilityCategory, check_entry,
};
use custos_domain::text_enum::TextEnum;
use custos_domain::validation::{Lines, ValidationErrors, required_text};
use serde::Deserialize;

use crate::library::{LibraryError, entry_place, from_yaml, refuse};

/// How many threats a vulnerability names in `exploited_by` (content/README.md).
const EXPLOITED_BY: std::ops::RangeInclusive<usize> = 1..=4;

/// Reads a threat catalogue (`catalogue: threats`).
pub fn threats(yaml: &str) -> Result<Catalogue<LibraryThreat>, LibraryError> {
    check_kind(yaml, "threats")?;
    let file: ThreatFile = from_yaml(yaml)?;
    let version = checked_version(file.version)?;
    let groups: Vec<ThreatGroup> = declared("groups", "group", &file.groups)?;
    let mut seen = Seen::new("threats");
    let mut entries = Vec::with_capacity(file.threats.len());
    for (index, entry) in file.threats.iter().enumerate() {
        let place = entry_place("threats", index, &entry.id);
        let (reference, name, description) = checked_texts(&place, entry)?;
        let group = member(&place, "group", &entry.group, &groups)?;
        check_reference(&place, &reference, "TH", threat_code(group), group.as_str())?;
        seen.check(&place, index, &reference, &name)?;
        let affects = properties(&place, &entry.affects)?;
        entries.push(LibraryThreat {
            reference,
            group,
            name,
            description,
            affects,
        });
    }
    if entries.is_empty() {
        return Err(LibraryError::new(
            "threats",
            "The list is empty: a threat catalogue lists at least one threat.",
        ));
    }
    Ok(Catalogue { version, entries })
}

/// Reads a vulnerability catalogue (`catalogue: vulnerabilities`). Whether the threats of
/// `exploited_by` exist is a question for [`check_exploited_by`], with the threat catalogue
/// at hand.
pub fn vulnerabilities(yaml: &str) -> Result<Catalogue<LibraryVulnerability>, LibraryError> {
    check_kind(yaml, "vulnerabilities")?;
    let file: VulnerabilityFile = from_yaml(yaml)?;
    let version = checked_version(file.version)?;
    let categories: Vec<VulnerabilityCategory> =
        declared("categories", "category", &file.categories)?;
    let mut seen = Seen::new("vulnerabilities");
    let mut entries = Vec::with_capacity(file.vulnerabilities.len());
    for (index, entry) in file.vulnerabilities.iter().enumerate() {
        let place = entry_place("vulnerabilities", index, &entry.id);
        let (reference, name, description) = checked_texts(&place, entry)?;
        let category = member(&place, "category", &entry.category, &categories)?;
        check_reference(
            &place,
            &reference,
            "VU",
            vulnerability_code(category),
            category.as_str(),
        )?;
        seen.check(&place, index, &reference, &name)?;
        let exploited_by = exploited_by(&place, &entry.exploited_by)?;
        entries.push(LibraryVulnerability {
            reference,
            category,
            name,
            description,
            exploited_by,
        });
    }
    if entries.is_empty() {
        return Err(LibraryError::new(
            "vulnerabilities",
            "The list is empty: a vulnerability catalogue lists at least one vulnerability.",
        ));
    }
    Ok(Catalogue { version, entries })
}

/// Every threat a vulnerability names in `exploited_by` is in `threats`.
pub fn check_exploited_by(
    vulnerabilities: &Catalogue<LibraryVulnerability>,
    threats: &Catalogue<LibraryThreat>,
) -> Result<(), LibraryError> {
    let known: BTreeSet<&str> = threats
        .entries
        .iter()
        .map(|threat| threat.reference.as_str())
        .collect();
    for (index, vulnerability) in vulnerabilities.entries.iter().enumerate() {
        for (position, reference) in vulnerability.exploited_by.iter().enumerate() {
            if !known.contains(reference.as_str()) {
                return Err(LibraryError::new(
                    entry_place("vulnerabilities", index, &vulnerability.reference),
                    format!(
                        "exploited_by[{position}] names {reference}, which is not in the threat \
                         catalogue (version {}).",
                        threats.version
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The first read: which catalogue the file says it is, before its keys are held to that
/// catalogue's (so a vulnerability file given as threats is named as such).
#[derive(Deserialize)]
struct Header {
    catalogue: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThreatFile {
    #[expect(dead_code, reason = "checked by the first read")]
    catalogue: String,
    version: i64,
    groups: Vec<Heading>,
    threats: Vec<ThreatEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VulnerabilityFile {
    #[expect(dead_code, reason = "checked by the first read")]
    catalogue: String,
    version: i64,
    categories: Vec<Heading>,
    vulnerabilities: Vec<VulnerabilityEntry>,
}

/// A threat group or a vulnerability category.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Heading {
    id: String,
    name: String,
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThreatEntry {
    id: String,
    group: String,
    name: String,
    description: String,
    affects: Vec<Property>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VulnerabilityEntry {
    id: String,
    category: String,
    name: String,
    description: String,
    exploited_by: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Property {
    Confidentiality,
    Integrity,
    Availability,
}

/// What the entry readers need of an entry's texts.
trait Texts {
    fn texts(&self) -> (&str, &str, &str);
}

impl Texts for ThreatEntry {
    fn texts(&self) -> (&str, &str, &str) {
        (&self.id, &self.name, &self.description)
    }
}

impl Texts for VulnerabilityEntry {
    fn texts(&self) -> (&str, &str, &str) {
        (&self.id, &self.name, &self.description)
    }
}

// The id codes of content/README.md, in the order of the groups and categories.
fn threat_code(group: ThreatGroup) -> &'static str {
    match group {
        ThreatGroup::HumanDeliberate => "HD",
        ThreatGroup::HumanAccidental => "HA",
        ThreatGroup::TechnicalFailure => "TF",
        ThreatGroup::Environmental => "EN",
        ThreatGroup::Supplier => "SU",
        ThreatGroup::Legal => "LE",
    }
}

fn vulnerability_code(category: VulnerabilityCategory) -> &'static str {
    match category {
        VulnerabilityCategory::People => "PE",
        VulnerabilityCategory::Process => "PR",
        VulnerabilityCategory::Technology => "TE",
        VulnerabilityCategory::Physical => "PH",
        VulnerabilityCategory::Supplier => "SU",
        VulnerabilityCategory::Organisation => "OR",
    }
}

fn check_kind(yaml: &str, expected: &str) -> Result<(), LibraryError> {
    let header: Header = from_yaml(yaml)?;
    match header.catalogue.trim() {
        found if found == expected => Ok(()),
        other @ ("threats" | "vulnerabilities") => Err(LibraryError::new(
            "catalogue",
            format!("This file is the catalogue of {other}, not of {expected}."),
        )),
        other => Err(LibraryError::new(
            "catalogue",
            format!(
                "Expected `catalogue: {expected}`, found {:?}.",
                other.chars().take(40).collect::<String>()
            ),
        )),
    }
}

fn checked_version(version: i64) -> Result<i64, LibraryError> {
    if version < 1 {
        return Err(LibraryError::new(
            "version",
            "Give the catalogue version as a whole number from 1.",
        ));
    }
    Ok(version)
}

/// The key in the file of a field the domain checks (its `reference` is our `id`).
pub(crate) fn file_key(field: &str) -> &str {
    if field == "reference" { "id" } else { field }
}

/// The reference, name and description of an entry, trimmed and held to the rules every
/// catalogue entry follows (lengths, no control characters).
fn checked_texts(
    place: &str,
    entry: &impl Texts,
) -> Result<(String, String, String), LibraryError> {
    let (id, name, description) = entry.texts();
    let mut errors = ValidationErrors::new();
    let texts = check_entry(&mut errors, id, name, description);
    refuse(place, errors)?;
    Ok(texts)
}

/// The groups (or categories) a file declares: each one Custos knows, none twice, each with
/// a name and a description.
fn declared<G: TextEnum + PartialEq>(
    list: &str,
    what: &str,
    headings: &[Heading],
) -> Result<Vec<G>, LibraryError> {
    let mut declared = Vec::with_capacity(headings.len());
    for (index, heading) in headings.iter().enumerate() {
        let place = entry_place(list, index, &heading.id);
        let Some(group) = G::parse(heading.id.trim()) else {
            return Err(LibraryError::new(
                place,
                format!("id: Custos knows no such {what}. {}", G::expected()),
            ));
        };
        if declared.contains(&group) {
            return Err(LibraryError::new(
                place,
                format!("id: This {what} is declared twice."),
            ));
        }
        let mut errors = ValidationErrors::new();
        required_text(&mut errors, "name", &heading.name, NAME_MAX, Lines::One);
        required_text(
            &mut errors,
            "description",
            &heading.description,
            DESCRIPTION_MAX,
            Lines::Many,
        );
        refuse(&place, errors)?;
        declared.push(group);
    }
    Ok(declared)
}

/// The group (or category) an entry names: one the file declares.
fn member<G: TextEnum + PartialEq>(
    place: &str,
    key: &str,
    raw: &str,
    declared: &[G],
) -> Result<G, LibraryError> {
    G::parse(raw.trim())
        .filter(|group| declared.contains(group))
        .ok_or_else(|| {
            let names: Vec<&str> = declared.iter().map(|g| g.as_str()).collect();
            LibraryError::new(
                place,
                format!(
                    "{key}: {:?} is not declared at the top of the file; use one of: {}.",
                    raw.trim().chars().take(40).collect::<String>(),
                    names.join(", ")
                ),
            )
        })
}

/// `TH-HD-07`: the catalogue's prefix, the code of the entry's group and two digits.
fn check_reference(
    place: &str,
    reference: &str,
    prefix: &str,
    code: &str,
    group: &str,
) -> Result<(), LibraryError> {
    let start = format!("{prefix}-{code}-");
    let well_formed = reference
        .strip_prefix(&start)
        .is_some_and(|nn| nn.len() == 2 && nn.bytes().all(|b| b.is_ascii_digit()));
    if well_formed {
        Ok(())
    } else {
        Err(LibraryError::new(
            place,
            format!(
                "id: Write it as {start} and two digits, for example {start}01 ({code} stands \
                 for {group})."
            ),
        ))
    }
}

/// Ids and names already used, to refuse an entry that repeats one.
struct Seen<'a> {
    list: &'a str,
    ids: BTreeMap<String, usize>,
    names: BTreeMap<String, usize>,
}

impl<'a> Seen<'a> {
    fn new(list: &'a str) -> Self {
        Seen {
            list,
            ids: BTreeMap::new(),
            names: BTreeMap::new(),
        }
    }

    fn check(
        &mut self,
        place: &str,
        index: usize,
        reference: &str,
        name: &str,
    ) -> Result<(), LibraryError> {
        if let Some(earlier) = self.ids.insert(reference.to_owned(), index) {
            return Err(LibraryError::new(
                place,
                format!(
                    "id: {reference} is already the id of {}[{earlier}]; ids are unique.",
                    self.list
                ),
            ));
        }
        if let Some(earlier) = self.names.insert(name.to_lowercase(), index) {
            return Err(LibraryError::new(
                place,
                format!(
                    "name: {}[{earlier}] already has this name; names are unique.",
                    self.list
                ),
            ));
        }
        Ok(())
    }
}

fn properties(place: &str, affects: &[Property]) -> Result<Properties, LibraryError> {
    if affects.is_empty() {
        return Err(LibraryError::new(
            place,
            "affects: List the properties the threat can harm: confidentiality, integrity, \
             availability or several of them.",
        ));
    }
    let mut properties = Properties::default();
    for &property in affects {
        let (flag, name) = match property {
            Property::Confidentiality => (&mut properties.confidentiality, "confidentiality"),
            Property::Integrity => (&mut properties.integrity, "integrity"),
            Property::Availability => (&mut properties.availability, "availability"),
        };
        if *flag {
            return Err(LibraryError::new(
                place,
                format!("affects: {name} is listed twice."),
            ));
        }
        *flag = true;
    }
    Ok(properties)
}

fn exploited_by(place: &str, references: &[String]) -> Result<Vec<String>, LibraryError> {
    if !EXPLOITED_BY.contains(&references.len()) {
        return Err(LibraryError::new(
            place,
            format!(
                "exploited_by: Name {} to {} threats; this entry names {}.",
                EXPLOITED_BY.start(),
                EXPLOITED_BY.end(),
                references.len()
            ),
        ));
    }
    let mut checked: Vec<String> = Vec::with_capacity(references.len());
    for reference in references {
        let reference = reference.trim();
        if checked.iter().any(|r| r == reference) {
            return Err(LibraryError::new(
                place,
                format!("exploited_by: {reference} is listed twice."),
            ));
        }
        checked.push(reference.to_owned());
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREATS: &str = include_str!("../../../content/risk/threats.yaml");
    const VULNERABILITIES: &str = include_str!("../../../content/risk/vulnerabilities.yaml");

    const SMALL_THREATS: &str = "\
catalogue: threats
version: 1
groups:
  - id: human-deliberate
    name: Human, deliberate
    description: People acting on purpose.
  - id: technical-failure
    name: Technical failure
    description: Things that break.
threats:
  - id: TH-HD-01
    group: human-deliberate
    name: Credential phishing
    description: A message tricks someone into giving their password away.
    affects: [confidentiality, integrity]
  - id: TH-TF-01
    group: technical-failure
    name: Disk failure
    description: A disk stops working.
    affects: [availability]
";

    const SMALL_VULNERABILITIES: &str = "\
catalogue: vulnerabilities
version: 1
categories:
  - id: people
    name: People
    description: Gaps in what people know.
vulnerabilities:
  - id: VU-PE-01
    category: people
    name: No awareness training
    description: Staff were never shown how to spot phishing.
    exploited_by: [TH-HD-01]
";

    fn refused<T: std::fmt::Debug>(result: Result<T, LibraryError>) -> LibraryError {
        match result {
            Ok(value) => panic!("accepted: {value:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn the_shipped_catalogues_are_read_and_their_references_hold() {
        let threats = threats(THREATS).expect("threats.yaml");
        let vulnerabilities = vulnerabilities(VULNERABILITIES).expect("vulnerabilities.yaml");
        assert!(threats.entries.len() >= 40, "{}", threats.entries.len());
        for group in ThreatGroup::ALL {
            assert!(
                threats.entries.iter().any(|t| t.group == group),
                "no threat in {group}"
            );
        }
        assert!(vulnerabilities.entries.len() >= 30);
        assert_eq!((threats.version, vulnerabilities.version), (1, 1));
        assert!(threats.entries.iter().all(|t| t.affects.any()));
        check_exploited_by(&vulnerabilities, &threats).expect("every threat named exists");
    }

    #[test]
    fn a_small_catalogue_reads_into_the_domain_types() {
        let threats = threats(SMALL_THREATS).expect("threats");
        let phishing = &threats.entries[0];
        assert_eq!(phishing.reference, "TH-HD-01");
        assert_eq!(phishing.group, ThreatGroup::HumanDeliberate);
        let affects = phishing.affects;
        assert!(affects.confidentiality && affects.integrity && !affects.availability);
        let vulnerabilities = vulnerabilities(SMALL_VULNERABILITIES).expect("vulnerabilities");
        assert_eq!(vulnerabilities.entries[0].exploited_by, ["TH-HD-01"]);
        assert_eq!(check_exploited_by(&vulnerabilities, &threats), Ok(()));
    }

    #[test]
    fn a_catalogue_of_the_other_kind_is_refused_at_catalogue() {
        let error = refused(threats(SMALL_VULNERABILITIES));
        assert_eq!(
            error.to_string(),
            "catalogue: This file is the catalogue of vulnerabilities, not of threats."
        );
        let error = refused(vulnerabilities(
            &SMALL_VULNERABILITIES.replace("catalogue: vulnerabilities", "catalogue: controls"),
        ));
        assert_eq!(error.place, "catalogue");
    }

    #[test]
    fn an_unknown_key_is_refused_at_its_line() {
        let yaml =
            SMALL_THREATS.replace("    affects: [availability]", "    affect: [availability]");
        let error = refused(threats(&yaml));
        assert_eq!(error.place, "threats[1].affect (line 20, column 5)");
        assert!(error.message.contains("unknown field `affect`"), "{error}");
        let error = refused(threats(
            &SMALL_THREATS.replace("[availability]", "[uptime]"),
        ));
        assert!(
            error.place.starts_with("threats[1].affects[0] (line"),
            "{error}"
        );
    }

    #[test]
    fn text_that_is_not_yaml_is_refused_at_its_line() {
        let error = refused(threats("catalogue: threats\nversion: [1\n"));
        assert!(error.place.contains("line 2"), "{error}");
    }

    #[test]
    fn an_entry_in_an_undeclared_or_unknown_group_is_refused() {
        let yaml = SMALL_THREATS.replace("    group: technical-failure", "    group: legal");
        let error = refused(threats(&yaml));
        assert_eq!(error.place, "threats[1] (TH-TF-01)");
        assert!(
            error
                .message
                .starts_with("group: \"legal\" is not declared"),
            "{error}"
        );
        let yaml = SMALL_THREATS.replace("  - id: technical-failure", "  - id: gremlins");
        let error = refused(threats(&yaml));
        assert_eq!(error.place, "groups[1] (gremlins)");
        let yaml = SMALL_VULNERABILITIES.replace("  - id: people", "  - id: persons");
        assert_eq!(
            refused(vulnerabilities(&yaml)).place,
            "categories[0] (persons)"
        );
    }

    #[test]
    fn ids_must_follow_the_pattern_of_their_group() {
        for bad in [
            "TH-HD-1",
            "TH-HD-001",
            "TH-XX-02",
            "TH-TF-02",
            "th-hd-02",
            "VU-HD-02",
        ] {
            let yaml = SMALL_THREATS.replace("  - id: TH-HD-01", &format!("  - id: {bad}"));
            let error = refused(threats(&yaml));
            assert_eq!(error.place, format!("threats[0] ({bad})"));
            assert!(
                error.message.starts_with("id: Write it as TH-HD-"),
                "{error}"
            );
        }
        let yaml = SMALL_VULNERABILITIES.replace("VU-PE-01", "VU-PR-01");
        assert_eq!(
            refused(vulnerabilities(&yaml)).place,
            "vulnerabilities[0] (VU-PR-01)"
        );
    }

    #[test]
    fn a_repeated_id_or_name_is_refused_at_the_second_entry() {
        let yaml = SMALL_THREATS
            .replace("TH-TF-01", "TH-HD-01")
            .replace("group: technical-failure", "group: human-deliberate");
        let error = refused(threats(&yaml));
        assert_eq!(
            error.to_string(),
            "threats[1] (TH-HD-01): id: TH-HD-01 is already the id of threats[0]; ids are unique."
        );
        let yaml = SMALL_THREATS.replace("name: Disk failure", "name: credential PHISHING");
        let error = refused(threats(&yaml));
        assert_eq!(error.place, "threats[1] (TH-TF-01)");
        assert!(
            error.message.starts_with("name: threats[0] already has"),
            "{error}"
        );
    }

    #[test]
    fn a_name_over_sixty_characters_or_a_blank_description_is_refused() {
        let long = "n".repeat(61);
        let yaml = SMALL_THREATS.replace("name: Disk failure", &format!("name: {long}"));
        assert_eq!(
            refused(threats(&yaml)).to_string(),
            "threats[1] (TH-TF-01): name: Use at most 60 characters."
        );
        let yaml = SMALL_THREATS.replace("description: A disk stops working.", "description: ' '");
        assert_eq!(
            refused(threats(&yaml)).message,
            "description: This field is required."
        );
    }

    #[test]
    fn a_threat_must_affect_some_property_once() {
        let error = refused(threats(&SMALL_THREATS.replace("[availability]", "[]")));
        assert_eq!(error.place, "threats[1] (TH-TF-01)");
        assert!(error.message.starts_with("affects:"), "{error}");
        let error = refused(threats(
            &SMALL_THREATS.replace("[availability]", "[availability, availability]"),
        ));
        assert_eq!(error.message, "affects: availability is listed twice.");
    }

    #[test]
    fn exploited_by_names_one_to_four_threats_that_exist() {
        let yaml = SMALL_VULNERABILITIES.replace(
            "[TH-HD-01]",
            "[TH-HD-01, TH-HD-02, TH-HD-03, TH-HD-04, TH-HD-05]",
        );
        let error = refused(vulnerabilities(&yaml));
        assert_eq!(error.place, "vulnerabilities[0] (VU-PE-01)");
        assert!(error.message.contains("names 5"), "{error}");
        let yaml = SMALL_VULNERABILITIES.replace("[TH-HD-01]", "[]");
        assert!(
            refused(vulnerabilities(&yaml))
                .message
                .starts_with("exploited_by:")
        );

        let threats = threats(SMALL_THREATS).expect("threats");
        let yaml = SMALL_VULNERABILITIES.replace("[TH-HD-01]", "[TH-HD-01, TH-LE-09]");
        let vulnerabilities = vulnerabilities(&yaml).expect("well formed");
        assert_eq!(
            refused(check_exploited_by(&vulnerabilities, &threats)).to_string(),
            "vulnerabilities[0] (VU-PE-01): exploited_by[1] names TH-LE-09, which is not in the \
             threat catalogue (version 1)."
        );
    }

    #[test]
    fn a_version_below_one_or_an_empty_list_is_refused() {
        let error = refused(threats(&SMALL_THREATS.replace("version: 1", "version: 0")));
        assert_eq!(error.place, "version");
        let yaml = SMALL_VULNERABILITIES
            .split("vulnerabilities:\n  - id")
            .next()
            .map(|head| format!("{head}vulnerabilities: []\n"))
            .unwrap_or_default();
        assert_eq!(refused(vulnerabilities(&yaml)).place, "vulnerabilities");
    }
}
