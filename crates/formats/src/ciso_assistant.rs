//! CISO Assistant libraries (intuitem's YAML library format). A risk-matrix library becomes a
//! draft [`RiskMethod`]: its scales, risk levels and grid are taken as they are, and what our
//! method asks for beyond them (responses, accepting roles, review intervals, the appetite) is
//! filled with starting values that [`ImportedMethod::notes`] asks the person to check.
//!
//! Their format grows from release to release, so keys this reader does not know (and the
//! `translations` of every object) are ignored rather than refused.

use std::fmt;

use custos_domain::controls::library::{
    FrameworkInfo, FrameworkLibrary, GUIDANCE_MAX, Relationship, Requirement, SourceKeys,
    TITLE_MAX, is_library_id, is_requirement_id,
};
use custos_domain::platform::Role;
use custos_domain::risk::method::{ImpactLevel, LikelihoodLevel, RiskLevel, RiskMethod};
use custos_domain::validation::ValidationErrors;
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};

use crate::library::{LibraryError, entry_place, from_yaml};

/// A risk method read from a CISO Assistant library, not yet approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedMethod {
    /// Passes [`RiskMethod::checked`].
    pub method: RiskMethod,
    /// The library's urn and version (`urn:intuitem:risk:library:critical_risk_matrix_5x5
    /// version 3`), for the method's history.
    pub source: String,
    /// What the person importing must check or complete before submitting the method.
    pub notes: Vec<String>,
}

/// Where the matrix this reader takes sits in the file; places in errors start here.
const MATRIX: &str = "objects.risk_matrix[0]";

/// The colour of a risk level the file gives none.
const NO_COLOUR: &str = "#9e9e9e";

// Starting values in our own words: CISO Assistant has no responses, acceptors or review
// intervals, and a method cannot be approved without them.
const RESPONSE_WITHIN_APPETITE: &str = "Within the appetite as imported. Decide the response to \
     risks at this level before the method is approved.";
const RESPONSE_ABOVE_APPETITE: &str = "Above the appetite as imported. Decide the response to \
     risks at this level, and how soon they must be treated, before the method is approved.";

/// Reads the first risk matrix of a CISO Assistant risk-matrix library into a risk method
/// that passes [`RiskMethod::checked`].
///
/// - Likelihood comes from `probability` and impact from `impact`, lowest first; a level
///   without a description is described by its name (and a note says so).
/// - Risk levels come from `risk` with their `hexcolor`. The lower half of the levels
///   (rounded down: two of five) is accepted by the ISMS manager and reviewed yearly, the
///   upper half by the approver and reviewed every three months, the top level monthly.
/// - The appetite is the highest level of the lower half: of five levels, the second.
/// - The matrix is `grid`: one row per probability level, lowest first, of one risk level
///   position per impact level.
pub fn risk_matrix(yaml: &str) -> Result<ImportedMethod, LibraryError> {
    let library: Library = from_yaml(yaml)?;
    let Some(objects) = library.objects else {
        return Err(LibraryError::new(
            "objects",
            "The file has no objects: it is not a CISO Assistant library, or the library is empty.",
        ));
    };
    let Some(matrices) = objects.risk_matrix else {
        return Err(LibraryError::new(
            "objects",
            format!(
                "This library holds {}, not a risk matrix.",
                holds(&objects.kinds)
            ),
        ));
    };
    let mut matrices = matrices.into_iter();
    let Some(matrix) = matrices.next() else {
        return Err(LibraryError::new(
            "objects.risk_matrix",
            "The list is empty: the library holds no risk matrix.",
        ));
    };
    let mut notes = vec![
        "Responses, accepting roles and review intervals were not in the file: starting values \
         were filled in; check them before submitting."
            .to_owned(),
    ];
    let others = matrices.len();
    if others > 0 {
        notes.push(format!(
            "The library holds {} risk matrices; only the first, {}, was imported.",
            others + 1,
            matrix.name.trim()
        ));
    }
    for (list, steps, what) in [
        ("probability", &matrix.probability, "probability levels"),
        ("impact", &matrix.impact, "impact levels"),
        ("risk", &matrix.risk, "risk levels"),
    ] {
        if steps.is_empty() {
            return Err(LibraryError::new(
                format!("{MATRIX}.{list}"),
                format!("The list is empty: a risk matrix lists its {what}, lowest first."),
            ));
        }
    }
    let grid = checked_grid(&matrix)?;
    let likelihood = matrix
        .probability
        .iter()
        .enumerate()
        .map(|(index, step)| LikelihoodLevel {
            name: step.name.clone(),
            description: description(step, "probability", index, &mut notes),
            frequency: String::new(),
        })
        .collect();
    let impact = matrix
        .impact
        .iter()
        .enumerate()
        .map(|(index, step)| ImpactLevel {
            name: step.name.clone(),
            description: description(step, "impact", index, &mut notes),
            areas: Vec::new(),
        })
        .collect();
    let count = matrix.risk.len();
    let lower_half = count / 2;
    let levels = matrix
        .risk
        .iter()
        .enumerate()
        .map(|(position, step)| {
            let within = position < lower_half;
            let review_months = match (within, position + 1 == count) {
                (true, _) => 12,
                (false, false) => 3,
                (false, true) => 1,
            };
            RiskLevel {
                name: step.name.clone(),
                colour: colour(step, position, &mut notes),
                response: if within {
                    RESPONSE_WITHIN_APPETITE
                } else {
                    RESPONSE_ABOVE_APPETITE
                }
                .to_owned(),
                acceptor: if within {
                    Role::IsmsManager
                } else {
                    Role::Approver
                },
                review_months,
            }
        })
        .collect();
    let appetite = lower_half.saturating_sub(1);
    if let Some(level) = matrix.risk.get(appetite) {
        notes.push(format!(
            "The appetite was set to {}, the highest level of the lower half; check it before \
             submitting.",
            level.name.trim()
        ));
    }
    for step in &matrix.risk {
        if let Some(description) = given(step.description.as_deref()) {
            notes.push(format!(
                "The library describes risk level {} as \"{description}\": consider this when \
                 you write its response.",
                step.name.trim()
            ));
        }
    }
    let method = RiskMethod {
        title: matrix.name.clone(),
        likelihood,
        impact,
        impact_areas: Vec::new(),
        levels,
        matrix: grid,
        appetite: u8::try_from(appetite).unwrap_or(u8::MAX),
        currency: "EUR".to_owned(),
        loss_appetite: None,
    };
    let method = method.checked().map_err(refusal)?;
    Ok(ImportedMethod {
        method,
        source: format!("{} version {}", library.urn.trim(), library.version.trim()),
        notes,
    })
}

#[derive(Deserialize)]
struct Library {
    urn: String,
    /// A number in the files seen so far; read as text so that another form still imports.
    version: String,
    #[serde(default)]
    objects: Option<Objects>,
}

/// The `objects` of a library: the risk matrices, and the names of every kind of object the
/// library holds (to say what a library of another kind is). Other kinds are skipped unread.
struct Objects {
    risk_matrix: Option<Vec<Matrix>>,
    kinds: Vec<String>,
}

impl<'de> Deserialize<'de> for Objects {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectsVisitor;

        impl<'de> Visitor<'de> for ObjectsVisitor {
            type Value = Objects;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a mapping of kinds of objects")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Objects, A::Error> {
                let mut objects = Objects {
                    risk_matrix: None,
                    kinds: Vec::new(),
                };
                while let Some(kind) = map.next_key::<String>()? {
                    if kind == "risk_matrix" {
                        objects.risk_matrix = Some(map.next_value()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                    objects.kinds.push(kind);
                }
                Ok(objects)
            }
        }

        deserializer.deserialize_map(ObjectsVisitor)
    }
}

#[derive(Deserialize)]
struct Matrix {
    name: String,
    probability: Vec<Step>,
    impact: Vec<Step>,
    risk: Vec<Step>,
    /// `grid[p][i]`: the position in `risk` of probability `p` and impact `i`, lowest first.
    grid: Vec<Vec<i64>>,
}

/// A probability, impact or risk level. Abbreviations and the colours of probability and
/// impact levels have no place in our method and are not read.
#[derive(Deserialize)]
struct Step {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    hexcolor: Option<String>,
}

/// What a library without risk matrices holds, in words, by its principal kind of object.
fn holds(kinds: &[String]) -> String {
    const PRINCIPAL: [(&str, &str); 5] = [
        ("framework", "a framework"),
        ("requirement_mapping_set", "a requirement mapping"),
        ("requirement_mapping_sets", "requirement mappings"),
        ("threats", "a threat catalogue"),
        ("reference_controls", "reference controls"),
    ];
    if let Some((_, words)) = PRINCIPAL
        .iter()
        .find(|(kind, _)| kinds.iter().any(|k| k == kind))
    {
        return (*words).to_owned();
    }
    // Only names that look like CISO Assistant's own are repeated back.
    let named: Vec<&str> = kinds
        .iter()
        .map(String::as_str)
        .filter(|k| !k.is_empty() && k.len() <= 40)
        .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    match named.as_slice() {
        [] if kinds.is_empty() => "no objects".to_owned(),
        [] => "objects of another kind".to_owned(),
        named => format!("objects of kind {}", named.join(", ")),
    }
}

/// The grid as our matrix: the right shape, and every cell a position in `risk`.
fn checked_grid(matrix: &Matrix) -> Result<Vec<Vec<u8>>, LibraryError> {
    let (rows, columns, levels) = (
        matrix.probability.len(),
        matrix.impact.len(),
        matrix.risk.len(),
    );
    if matrix.grid.len() != rows {
        return Err(LibraryError::new(
            format!("{MATRIX}.grid"),
            format!(
                "The grid has {} rows; it needs one per probability level ({rows}), lowest \
                 probability first.",
                matrix.grid.len()
            ),
        ));
    }
    let mut grid = Vec::with_capacity(rows);
    for (p, row) in matrix.grid.iter().enumerate() {
        if row.len() != columns {
            return Err(LibraryError::new(
                format!("{MATRIX}.grid[{p}]"),
                format!(
                    "This row has {} cells; it needs one per impact level ({columns}), lowest \
                     impact first.",
                    row.len()
                ),
            ));
        }
        let mut cells = Vec::with_capacity(columns);
        for (i, &cell) in row.iter().enumerate() {
            let level = usize::try_from(cell)
                .ok()
                .filter(|&position| position < levels)
                .and_then(|position| u8::try_from(position).ok());
            let Some(level) = level else {
                return Err(LibraryError::new(
                    format!("{MATRIX}.grid[{p}][{i}]"),
                    format!(
                        "{cell} names no risk level: use a position in the list of risk levels, \
                         from 0 to {}.",
                        levels - 1
                    ),
                ));
            };
            cells.push(level);
        }
        grid.push(cells);
    }
    Ok(grid)
}

fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

/// A level's description, or its name (with a note) when the file gives none.
fn description(step: &Step, list: &str, index: usize, notes: &mut Vec<String>) -> String {
    match given(step.description.as_deref()) {
        Some(description) => description.to_owned(),
        None => {
            notes.push(format!(
                "{MATRIX}.{list}[{index}] ({}) has no description: its name was used instead; \
                 describe the level before submitting.",
                step.name.trim()
            ));
            step.name.clone()
        }
    }
}

fn colour(step: &Step, position: usize, notes: &mut Vec<String>) -> String {
    match given(step.hexcolor.as_deref()) {
        Some(colour) => colour.to_lowercase(),
        None => {
            notes.push(format!(
                "{MATRIX}.risk[{position}] ({}) has no colour: grey was filled in; choose one \
                 before submitting.",
                step.name.trim()
            ));
            NO_COLOUR.to_owned()
        }
    }
}

/// The method's first refusal, at its place in the file.
fn refusal(errors: ValidationErrors) -> LibraryError {
    let mut fields = errors.fields.into_iter();
    let Some(first) = fields.next() else {
        return LibraryError::new(MATRIX, "The risk matrix was refused.");
    };
    let message = match fields.count() {
        0 => first.message,
        1 => format!("{} (And one more problem after this one.)", first.message),
        more => format!(
            "{} (And {more} more problems after this one.)",
            first.message
        ),
    };
    LibraryError::new(format!("{MATRIX}.{}", file_field(&first.field)), message)
}

/// The place in the file of a field of [`RiskMethod`] (`likelihood[2].name` is
/// `probability[2].name`).
fn file_field(field: &str) -> String {
    const RENAMES: [(&str, &str); 4] = [
        ("title", "name"),
        ("likelihood", "probability"),
        ("levels", "risk"),
        ("matrix", "grid"),
    ];
    let renamed = RENAMES
        .iter()
        .find_map(|(ours, theirs)| {
            field
                .strip_prefix(ours)
                .map(|rest| format!("{theirs}{rest}"))
        })
        .unwrap_or_else(|| field.to_owned());
    match renamed.strip_suffix(".colour") {
        Some(level) => format!("{level}.hexcolor"),
        None => renamed,
    }
}

/// A framework or a requirement mapping set read from a CISO Assistant library, with the
/// libraries it depends on (by URN), which must be loaded before it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedLibrary {
    /// The library's URN.
    pub urn: String,
    pub dependencies: Vec<String>,
    pub content: ImportedContent,
}

/// What an imported CISO Assistant library holds.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportedContent {
    /// Its requirements carry their URN as `source_key`; the library its URNs as
    /// `source_keys`.
    Framework(Box<FrameworkLibrary>),
    /// Requirements are named by URN: the importer resolves them against the frameworks
    /// loaded. A library may hold a set and its reverse.
    MappingSets(Vec<ImportedMappingSet>),
}

/// A requirement mapping set as CISO Assistant names its ends.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedMappingSet {
    pub id: String,
    pub version: i64,
    pub source_framework: String,
    pub target_framework: String,
    pub description: String,
    pub mappings: Vec<ImportedMapping>,
}

/// One relation of an [`ImportedMappingSet`], its ends by URN.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedMapping {
    pub source: String,
    pub target: String,
    pub relationship: Relationship,
    pub strength: Option<f64>,
}

/// Reads a CISO Assistant framework or requirement-mapping library. The framework's library
/// id is made from its URN (`urn:intuitem:risk:library:iso27001-2022` becomes
/// `intuitem.iso27001-2022`), so it never takes the place of a library Custos ships; a
/// requirement is known by its `ref_id`, or the end of its URN when it has none or shares
/// it; its description becomes its guidance (the library's own words, imported by whoever
/// chose to).
pub fn framework_library(yaml: &str) -> Result<ImportedLibrary, LibraryError> {
    let file: FrameworkFile = from_yaml(yaml)?;
    let urn = file.urn.trim().to_owned();
    let version = file
        .version
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| LibraryError::new("version", "Expected a whole number from 1."))?;
    let dependencies: Vec<String> = file
        .dependencies
        .iter()
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    let Some(objects) = file.objects else {
        return Err(LibraryError::new(
            "objects",
            "The file has no objects: it is not a CISO Assistant library, or the library is empty.",
        ));
    };
    if let Some(framework) = objects.framework {
        let library = framework_of(&urn, version, &file.provider, &file.copyright, framework)?;
        return Ok(ImportedLibrary {
            urn,
            dependencies,
            content: ImportedContent::Framework(Box::new(library)),
        });
    }
    let sets = objects
        .requirement_mapping_sets
        .or_else(|| objects.requirement_mapping_set.map(|set| vec![set]));
    if let Some(sets) = sets {
        if sets.is_empty() {
            return Err(LibraryError::new(
                "objects.requirement_mapping_sets",
                "The list is empty: the library holds no requirement mapping set.",
            ));
        }
        let sets = sets
            .into_iter()
            .enumerate()
            .map(|(index, set)| mapping_set_of(index, version, set))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(ImportedLibrary {
            urn,
            dependencies,
            content: ImportedContent::MappingSets(sets),
        });
    }
    Err(LibraryError::new(
        "objects",
        "This library holds neither a framework nor a requirement mapping set (a risk matrix \
         is imported as a risk method, on the risk method's page).",
    ))
}

/// The library id made from a URN: its namespace and its last segment, lower case, other
/// characters as hyphens (`urn:intuitem:risk:library:iso27001-2022` → `intuitem.iso27001-2022`).
pub fn library_id_of(urn: &str) -> Option<String> {
    let segments: Vec<&str> = urn.split(':').collect();
    let (namespace, last) = match segments.as_slice() {
        ["urn", namespace, .., last] if !last.is_empty() => (*namespace, *last),
        _ => return None,
    };
    let clean = |text: &str| -> String {
        text.chars()
            .map(|c| c.to_ascii_lowercase())
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let id = format!("{}.{}", clean(namespace), clean(last));
    is_library_id(&id).then_some(id)
}

fn framework_of(
    library_urn: &str,
    version: i64,
    provider: &Option<String>,
    copyright: &Option<String>,
    framework: FrameworkObject,
) -> Result<FrameworkLibrary, LibraryError> {
    let place = "objects.framework";
    let id = library_id_of(library_urn).ok_or_else(|| {
        LibraryError::new(
            "urn",
            "Expected a URN such as urn:intuitem:risk:library:name.",
        )
    })?;
    let framework_urn = framework.urn.trim().to_owned();
    let text = |value: &Option<String>| value.as_deref().map(str::trim).unwrap_or("").to_owned();
    let reference = Some(text(&framework.ref_id))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| text(&framework.name));
    let name = Some(text(&framework.name))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| reference.clone());
    if reference.is_empty() {
        return Err(LibraryError::new(
            place,
            "The framework has neither ref_id nor name.",
        ));
    }
    let mut ids_by_urn: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    let mut taken = std::collections::HashSet::new();
    let mut requirements = Vec::with_capacity(framework.requirement_nodes.len());
    for (index, node) in framework.requirement_nodes.into_iter().enumerate() {
        let node_place = entry_place(&format!("{place}.requirement_nodes"), index, &node.urn);
        let node_urn = node.urn.trim().to_owned();
        if node_urn.is_empty() || ids_by_urn.contains_key(&node_urn) {
            return Err(LibraryError::new(
                node_place,
                "urn: Missing, or the same as a node above.",
            ));
        }
        let tail = node_urn.rsplit(':').next().unwrap_or_default().to_owned();
        let id = Some(text(&node.ref_id))
            .filter(|r| !r.is_empty() && is_requirement_id(r) && !taken.contains(r))
            .unwrap_or(tail);
        if !is_requirement_id(&id) || taken.contains(&id) {
            return Err(LibraryError::new(
                node_place,
                "Its ref_id and the end of its URN are both taken or unusable.",
            ));
        }
        let parent = match node.parent_urn.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(parent_urn) => Some(ids_by_urn.get(parent_urn).cloned().ok_or_else(|| {
                LibraryError::new(&node_place, "parent_urn: Not a node above this one.")
            })?),
        };
        let title = [
            text(&node.name),
            text(&node.ref_id),
            text(&node.description),
        ]
        .into_iter()
        .find(|t| !t.is_empty())
        .map(|t| t.chars().take(TITLE_MAX).collect::<String>())
        .unwrap_or_else(|| id.clone());
        let tags = node
            .implementation_groups
            .iter()
            .filter_map(|group| {
                let tag: String = group
                    .trim()
                    .chars()
                    .map(|c| c.to_ascii_lowercase())
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                is_library_id(&tag).then_some(tag)
            })
            .collect();
        ids_by_urn.insert(node_urn.clone(), id.clone());
        taken.insert(id.clone());
        requirements.push(Requirement {
            id,
            parent,
            title,
            guidance: text(&node.description).chars().take(GUIDANCE_MAX).collect(),
            assessable: node.assessable.unwrap_or(true),
            tags,
            parts: Vec::new(),
            params: Vec::new(),
            properties: Vec::new(),
            source_key: Some(node_urn),
        });
    }
    if requirements.is_empty() {
        return Err(LibraryError::new(
            format!("{place}.requirement_nodes"),
            "The framework has no requirement.",
        ));
    }
    Ok(FrameworkLibrary {
        id,
        version,
        source_keys: Some(SourceKeys {
            library: library_urn.to_owned(),
            framework: framework_urn,
        }),
        framework: FrameworkInfo {
            reference: reference.chars().take(TITLE_MAX).collect(),
            name: name.chars().take(TITLE_MAX).collect(),
            edition: String::new(),
            publisher: Some(text(provider))
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "unknown".into()),
            licence: format!(
                "Imported from the CISO Assistant library {library_urn}. {}",
                text(copyright)
            )
            .chars()
            .take(GUIDANCE_MAX)
            .collect(),
        },
        attributes: Vec::new(),
        requirements,
        reference_controls: Vec::new(),
    })
}

/// A mapping set, its id made from its own URN (a library may hold a set and its reverse).
fn mapping_set_of(
    index: usize,
    version: i64,
    set: MappingSetObject,
) -> Result<ImportedMappingSet, LibraryError> {
    let place = &format!("objects.requirement_mapping_sets[{index}]");
    let id = library_id_of(set.urn.trim()).ok_or_else(|| {
        LibraryError::new(
            format!("{place}.urn"),
            "Expected a URN such as urn:intuitem:risk:req_mapping_set:name.",
        )
    })?;
    let mut mappings = Vec::with_capacity(set.requirement_mappings.len());
    for (index, mapping) in set.requirement_mappings.into_iter().enumerate() {
        let entry = format!("{place}.requirement_mappings[{index}]");
        let relationship = match mapping.relationship.trim() {
            // CISO Assistant also says how two requirements do not relate: nothing to keep.
            "not_related" => continue,
            "equal" => Relationship::Equal,
            "subset" => Relationship::Subset,
            "superset" => Relationship::Superset,
            "intersect" => Relationship::Intersect,
            _ => {
                return Err(LibraryError::new(
                    entry,
                    "relationship: Expected equal, subset, superset, intersect or not_related.",
                ));
            }
        };
        // CISO Assistant rates strength from 0 (not said) to 10.
        let strength = match mapping.strength_of_relationship {
            None => None,
            Some(strength) if (0.0..=10.0).contains(&strength) => {
                Some(strength / 10.0).filter(|s| *s > 0.0)
            }
            Some(_) => {
                return Err(LibraryError::new(
                    entry,
                    "strength_of_relationship: Expected 0 to 10.",
                ));
            }
        };
        mappings.push(ImportedMapping {
            source: mapping.source_requirement_urn.trim().to_owned(),
            target: mapping.target_requirement_urn.trim().to_owned(),
            relationship,
            strength,
        });
    }
    Ok(ImportedMappingSet {
        id,
        version,
        source_framework: set.source_framework_urn.trim().to_owned(),
        target_framework: set.target_framework_urn.trim().to_owned(),
        description: set
            .description
            .or(set.name)
            .unwrap_or_default()
            .chars()
            .take(GUIDANCE_MAX)
            .collect(),
        mappings,
    })
}

#[derive(Deserialize)]
struct FrameworkFile {
    urn: String,
    version: String,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    copyright: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    objects: Option<FrameworkObjects>,
}

#[derive(Deserialize)]
struct FrameworkObjects {
    #[serde(default)]
    framework: Option<FrameworkObject>,
    #[serde(default)]
    requirement_mapping_sets: Option<Vec<MappingSetObject>>,
    #[serde(default)]
    requirement_mapping_set: Option<MappingSetObject>,
}

#[derive(Deserialize)]
struct FrameworkObject {
    urn: String,
    #[serde(default)]
    ref_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    requirement_nodes: Vec<NodeObject>,
}

#[derive(Deserialize)]
struct NodeObject {
    urn: String,
    #[serde(default)]
    assessable: Option<bool>,
    #[serde(default)]
    parent_urn: Option<String>,
    #[serde(default)]
    ref_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    implementation_groups: Vec<String>,
}

#[derive(Deserialize)]
struct MappingSetObject {
    urn: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    source_framework_urn: String,
    target_framework_urn: String,
    #[serde(default)]
    requirement_mappings: Vec<MappingObject>,
}

#[derive(Deserialize)]
struct MappingObject {
    source_requirement_urn: String,
    target_requirement_urn: String,
    relationship: String,
    #[serde(default)]
    strength_of_relationship: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The shared fixtures beside the repository (`shared/fixtures/ciso-assistant/`), read
    /// in place; `None` (and a line saying the test is skipped) where they are not.
    fn fixture(name: &str) -> Option<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/ciso-assistant")
            .join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(error) => {
                println!("skipped: cannot read {}: {error}", path.display());
                None
            }
        }
    }

    /// A 3 × 3 library; `grid` and `extra` (matrix keys) vary per test.
    fn library(probability: usize, grid: &str, extra: &str) -> String {
        let steps = |prefix: &str, count: usize| {
            (0..count)
                .map(|i| {
                    format!(
                        "        - abbreviation: {prefix}{i}\n          name: {prefix} {i}\n          \
                         description: {prefix} level {i}\n          hexcolor: '#A0B0C{i}'\n"
                    )
                })
                .collect::<String>()
        };
        format!(
            "urn: urn:test:risk:library:small\nversion: 2\nobjects:\n  risk_matrix:\n    - urn: \
             urn:test:risk:matrix:small\n      name: Small matrix\n{extra}      probability:\n{}      \
             impact:\n{}      risk:\n{}      grid: {grid}\n",
            steps("P", probability),
            steps("I", 3),
            steps("R", 3),
        )
    }

    const GRID: &str = "[[0, 0, 1], [0, 1, 2], [1, 2, 2]]";

    fn refused(yaml: &str) -> LibraryError {
        match risk_matrix(yaml) {
            Ok(imported) => panic!("accepted: {:?}", imported.method),
            Err(error) => error,
        }
    }

    #[test]
    fn the_critical_5x5_library_becomes_a_method_that_passes_its_rules() {
        let Some(yaml) = fixture("critical_risk_matrix_5x5.yaml") else {
            return;
        };
        let imported = risk_matrix(&yaml).expect("imports");
        let method = &imported.method;
        let names = |levels: Vec<&String>| levels.into_iter().cloned().collect::<Vec<_>>();
        let scale = ["Very Low", "Low", "Medium", "High", "Very High"];
        assert_eq!(
            names(method.likelihood.iter().map(|l| &l.name).collect()),
            scale
        );
        assert_eq!(
            names(method.impact.iter().map(|l| &l.name).collect()),
            scale
        );
        assert_eq!(
            names(method.levels.iter().map(|l| &l.name).collect()),
            scale
        );
        assert_eq!(method.likelihood[0].description, "Very unfrequent event");
        assert_eq!(
            method.matrix,
            [
                [0, 0, 1, 1, 2],
                [0, 1, 1, 2, 2],
                [1, 1, 2, 2, 3],
                [1, 2, 2, 3, 4],
                [2, 2, 3, 4, 4],
            ]
        );
        let colours: Vec<&str> = method.levels.iter().map(|l| l.colour.as_str()).collect();
        assert_eq!(
            colours,
            ["#bbf7d0", "#bef264", "#fef08a", "#fbbf24", "#f87171"]
        );
        assert_eq!(method.title, "critical 5x5");
        assert_eq!(method.appetite, 1);
        assert_eq!(method.currency, "EUR");
        let acceptors: Vec<Role> = method.levels.iter().map(|l| l.acceptor).collect();
        assert_eq!(
            acceptors,
            [
                Role::IsmsManager,
                Role::IsmsManager,
                Role::Approver,
                Role::Approver,
                Role::Approver
            ]
        );
        let reviews: Vec<u16> = method.levels.iter().map(|l| l.review_months).collect();
        assert_eq!(reviews, [12, 12, 3, 3, 1]);
        assert_eq!(method.clone().checked().as_ref(), Ok(method));
        assert_eq!(
            imported.source,
            "urn:intuitem:risk:library:critical_risk_matrix_5x5 version 3"
        );
        assert!(imported.notes[0].starts_with("Responses, accepting roles"));
    }

    #[test]
    fn a_framework_library_is_refused_as_not_a_risk_matrix() {
        let Some(yaml) = fixture("iso27001-2022.yaml") else {
            return;
        };
        let error = refused(&yaml);
        assert_eq!(error.place, "objects");
        assert_eq!(
            error.message,
            "This library holds a framework, not a risk matrix."
        );
    }

    #[test]
    fn a_mapping_library_is_refused_as_not_a_risk_matrix() {
        let Some(yaml) = fixture("mapping-nist-csf-2.0-to-iso27001-2022.yaml") else {
            return;
        };
        assert_eq!(
            refused(&yaml).message,
            "This library holds requirement mappings, not a risk matrix."
        );
    }

    #[test]
    fn a_small_library_imports_and_missing_descriptions_fall_back_to_names_with_a_note() {
        let yaml = library(3, GRID, "").replace("          description: P level 1\n", "");
        let imported = risk_matrix(&yaml).expect("imports");
        assert_eq!(imported.method.likelihood[1].description, "P 1");
        assert_eq!(imported.method.appetite, 0);
        assert_eq!(imported.method.levels[2].review_months, 1);
        assert_eq!(imported.source, "urn:test:risk:library:small version 2");
        assert!(
            imported
                .notes
                .iter()
                .any(|n| n
                    .starts_with("objects.risk_matrix[0].probability[1] (P 1) has no description")),
            "{:?}",
            imported.notes
        );
    }

    #[test]
    fn unknown_keys_and_translations_are_ignored() {
        let yaml = library(
            3,
            GRID,
            "      translations:\n        fr:\n          name: Petite\n      shiny_new_key: [1, 2]\n",
        )
        .replace("version: 2\n", "version: 2\nlocale: en\nfuture: {a: b}\n");
        assert!(risk_matrix(&yaml).is_ok());
    }

    #[test]
    fn text_that_is_not_yaml_is_refused_at_its_line() {
        let error = refused("urn: [unclosed\nversion: 1\n");
        assert!(error.place.contains("line 1"), "{error}");
        let error = refused("\u{1}\u{2} binary");
        assert!(error.place.contains("line 1"), "{error}");
        assert_eq!(refused("").place, "the file");
    }

    #[test]
    fn a_library_without_risk_matrices_is_refused_at_objects() {
        let error = refused("urn: u\nversion: 1\n");
        assert_eq!(error.place, "objects");
        let error = refused("urn: u\nversion: 1\nobjects:\n  threats: []\n");
        assert_eq!(
            error.to_string(),
            "objects: This library holds a threat catalogue, not a risk matrix."
        );
        let error = refused("urn: u\nversion: 1\nobjects:\n  risk_matrix: []\n");
        assert_eq!(error.place, "objects.risk_matrix");
    }

    #[test]
    fn an_empty_list_of_levels_is_refused_at_the_list() {
        let yaml = library(0, "[]", "").replace("      probability:\n", "      probability: []\n");
        assert_eq!(refused(&yaml).place, "objects.risk_matrix[0].probability");
    }

    #[test]
    fn a_grid_of_the_wrong_shape_is_refused_at_the_grid_or_the_row() {
        let error = refused(&library(3, "[[0, 0, 1], [0, 1, 2]]", ""));
        assert_eq!(error.place, "objects.risk_matrix[0].grid");
        assert!(error.message.contains("2 rows"), "{error}");
        let error = refused(&library(3, "[[0, 0, 1], [0, 1], [1, 2, 2]]", ""));
        assert_eq!(error.place, "objects.risk_matrix[0].grid[1]");
    }

    #[test]
    fn a_grid_cell_naming_no_risk_level_is_refused_at_the_cell() {
        let error = refused(&library(3, "[[0, 0, 1], [0, 1, 2], [1, 3, 2]]", ""));
        assert_eq!(error.place, "objects.risk_matrix[0].grid[2][1]");
        assert!(
            error.message.starts_with("3 names no risk level"),
            "{error}"
        );
        let error = refused(&library(3, "[[0, -1, 1], [0, 1, 2], [1, 2, 2]]", ""));
        assert_eq!(error.place, "objects.risk_matrix[0].grid[0][1]");
        let error = refused(&library(3, "[[0, 0, 1], [0, x, 2], [1, 2, 2]]", ""));
        assert!(
            error
                .place
                .starts_with("objects.risk_matrix[0].grid[1][1] (line"),
            "{error}"
        );
    }

    #[test]
    fn too_few_or_too_many_probability_levels_are_refused_with_the_method_rule() {
        let error = refused(&library(2, "[[0, 0, 1], [0, 1, 2]]", ""));
        assert_eq!(error.place, "objects.risk_matrix[0].probability");
        assert_eq!(
            error.message,
            "Use between 3 and 6 likelihood levels; this method has 2."
        );
        let grid = format!("[{}]", ["[0, 1, 2]"; 7].join(", "));
        let error = refused(&library(7, &grid, ""));
        assert_eq!(error.place, "objects.risk_matrix[0].probability");
        assert!(error.message.contains("this method has 7"), "{error}");
    }

    #[test]
    fn a_refusal_by_the_method_rules_names_the_place_in_the_file() {
        let yaml = library(3, GRID, "").replace("'#A0B0C1'", "'red'");
        assert_eq!(
            refused(&yaml).place,
            "objects.risk_matrix[0].risk[1].hexcolor"
        );
        let error = refused(&library(3, "[[0, 0, 1], [0, 1, 2], [1, 2, 0]]", ""));
        assert_eq!(error.place, "objects.risk_matrix[0].grid[2][2]");
    }

    #[test]
    fn a_missing_key_is_refused_at_its_object() {
        let yaml = library(3, GRID, "").replace("      grid: ", "      grille: ");
        let error = refused(&yaml);
        assert!(error.place.starts_with("objects.risk_matrix[0]"), "{error}");
        assert!(error.message.contains("grid"), "{error}");
    }

    #[test]
    fn every_truncation_of_the_fixture_is_read_without_panicking() {
        let Some(yaml) = fixture("critical_risk_matrix_5x5.yaml") else {
            return;
        };
        for (end, _) in yaml.char_indices() {
            let _ = risk_matrix(&yaml[..end]);
        }
    }

    #[test]
    fn deeply_nested_yaml_is_refused_before_it_exhausts_the_stack() {
        let flow = format!(
            "urn: u\nversion: 1\nobjects:\n  framework: {}",
            "[".repeat(100_000)
        );
        assert!(
            refused(&flow)
                .place
                .starts_with("objects.framework (line 4")
        );
        let mut block = String::from("urn: u\nversion: 1\nobjects:\n");
        for depth in 0..5_000 {
            block.push_str(&format!("{}a:\n", " ".repeat(depth + 2)));
        }
        let error = refused(&block);
        assert!(error.place.chars().count() < 150, "{error}");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = risk_matrix(&text);
        }

        #[test]
        fn arbitrary_edits_of_a_library_never_panic(
            at in any::<prop::sample::Index>(),
            cut in 0usize..40,
            insert in "[ -~\n\t\\[\\]{}:,#&*!|>'\"-]{0,12}",
        ) {
            let yaml = fixture("critical_risk_matrix_5x5.yaml")
                .unwrap_or_else(|| library(3, GRID, ""));
            let start = at.index(yaml.len());
            let start = (0..=start).rev().find(|&i| yaml.is_char_boundary(i)).unwrap_or(0);
            let end = (start + cut..=yaml.len())
                .find(|&i| yaml.is_char_boundary(i))
                .unwrap_or(yaml.len());
            let edited = format!("{}{insert}{}", &yaml[..start], &yaml[end..]);
            let _ = risk_matrix(&edited);
        }

        #[test]
        fn framework_libraries_never_panic_on_any_text_or_edit(
            text in any::<String>(),
            at in any::<prop::sample::Index>(),
            cut in 0usize..40,
            insert in "[ -~\n\t\\[\\]{}:,#&*!|>'\"-]{0,12}",
        ) {
            let _ = framework_library(&text);
            // A small framework stands in where the fixtures are absent; the mapping set
            // (with its reverse) is the densest file.
            let yaml = fixture("mapping-nist-csf-2.0-to-iso27001-2022.yaml")
                .map(|text| text.chars().take(6000).collect::<String>())
                .unwrap_or_else(|| TINY_FRAMEWORK.to_owned());
            let start = at.index(yaml.len());
            let start = (0..=start).rev().find(|&i| yaml.is_char_boundary(i)).unwrap_or(0);
            let end = (start + cut..=yaml.len())
                .find(|&i| yaml.is_char_boundary(i))
                .unwrap_or(yaml.len());
            let _ = framework_library(&format!("{}{insert}{}", &yaml[..start], &yaml[end..]));
        }
    }

    const TINY_FRAMEWORK: &str = "urn: urn:x:risk:library:tiny\nversion: 2\nobjects:\n  framework:\n    urn: urn:x:risk:framework:tiny\n    name: Tiny\n    requirement_nodes:\n    - urn: urn:x:n:1\n      ref_id: '1'\n      name: One\n      assessable: false\n    - urn: urn:x:n:1.1\n      parent_urn: urn:x:n:1\n      ref_id: '1.1'\n      name: One one\n";

    #[test]
    fn the_fixture_frameworks_and_mapping_read_with_their_dependencies() {
        let (Some(nist), Some(iso), Some(mapping)) = (
            fixture("nist-csf-2.0.yaml"),
            fixture("iso27001-2022.yaml"),
            fixture("mapping-nist-csf-2.0-to-iso27001-2022.yaml"),
        ) else {
            return;
        };
        let nist = framework_library(&nist).expect("NIST CSF 2.0");
        assert_eq!(nist.dependencies, ["urn:intuitem:risk:library:doc-pol"]);
        let ImportedContent::Framework(csf) = nist.content else {
            panic!("a framework");
        };
        assert_eq!(csf.id, "intuitem.nist-csf-2.0");
        assert_eq!(
            csf.requirements.iter().filter(|r| r.assessable).count(),
            106
        );
        let iso = framework_library(&iso).expect("ISO/IEC 27001:2022");
        assert_eq!(iso.dependencies, ["urn:intuitem:risk:library:doc-pol"]);
        let ImportedContent::Framework(iso) = iso.content else {
            panic!("a framework");
        };
        let policies = iso
            .requirements
            .iter()
            .find(|r| r.id == "A.5.1")
            .expect("A.5.1");
        assert_eq!(
            policies.source_key.as_deref(),
            Some("urn:intuitem:risk:req_node:iso27001-2022:a.5.1")
        );
        let mapping = framework_library(&mapping).expect("mapping");
        let ImportedContent::MappingSets(sets) = mapping.content else {
            panic!("mapping sets");
        };
        assert_eq!(sets.len(), 2, "the mapping and its reverse");
        let set = &sets[0];
        assert_eq!(set.id, "intuitem.nist-csf-2.0-to-iso27001-2022");
        assert_eq!(
            set.source_framework,
            "urn:intuitem:risk:framework:nist-csf-2.0"
        );
        assert!(set.mappings.len() > 100, "{}", set.mappings.len());
    }

    #[test]
    fn a_framework_library_refuses_what_it_cannot_read_and_names_the_place() {
        let good = TINY_FRAMEWORK;
        let library = framework_library(good).expect("reads");
        let ImportedContent::Framework(framework) = library.content else {
            panic!("a framework");
        };
        assert_eq!((framework.id.as_str(), framework.version), ("x.tiny", 2));
        assert_eq!(framework.requirements[1].parent.as_deref(), Some("1"));
        let cases = [
            (good.replace("version: 2", "version: two"), "version"),
            (
                good.replace("parent_urn: urn:x:n:1\n", "parent_urn: urn:x:n:9\n"),
                "requirement_nodes[1]",
            ),
            (
                good.replace("urn: urn:x:n:1.1", "urn: urn:x:n:1"),
                "requirement_nodes[1]",
            ),
            (good.replace("  framework:", "  threats:"), "objects"),
        ];
        for (yaml, place) in cases {
            let error = framework_library(&yaml).expect_err(place);
            assert!(error.place.contains(place), "{place}: {error}");
        }
        for garbage in ["", "[", "urn: 3", "urn: urn:a\nversion: 1\nobjects: []"] {
            assert!(framework_library(garbage).is_err(), "{garbage:?}");
        }
    }
}
