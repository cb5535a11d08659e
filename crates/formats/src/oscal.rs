//! OSCAL catalogs and profiles (NIST's Open Security Controls Assessment Language) read into
//! a [`FrameworkLibrary`]: a catalog's groups become headings and its controls assessable
//! requirements with their parts, parameters and properties; a profile's selection keeps
//! only the controls it names.
//!
//! The JSON form is read by the YAML reader the other library readers use (JSON is YAML's
//! flow style), so OSCAL's YAML form reads too and every refusal carries a line and column.
//! OSCAL defines many keys this reader does not use: unknown keys are ignored.

use std::collections::{BTreeMap, BTreeSet};

use custos_domain::controls::library::{
    FrameworkInfo, FrameworkLibrary, ID_MAX, Requirement, RequirementParam, RequirementPart,
    RequirementProperty, TITLE_MAX, is_library_id, is_requirement_id,
};
use custos_domain::validation::{Lines, ValidationErrors, clean_text, required_text};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::library::{LibraryError, entry_place, refuse};

const CATALOG_LICENCE: &str = "Imported from an OSCAL catalog file: the titles, statements, \
     guidance and parameters are the publisher's, as the file gives them.";
const PROFILE_LICENCE: &str = "Imported from an OSCAL catalog file, keeping the controls an \
     OSCAL profile selects: the titles, statements, guidance and parameters are the \
     publisher's, as the file gives them.";

/// A catalog read, with what it left out.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedCatalog {
    pub library: FrameworkLibrary,
    /// The OSCAL ids of the withdrawn controls (`status` `withdrawn`), which become no
    /// requirement.
    pub withdrawn: Vec<String>,
}

/// What an OSCAL profile selects from the catalog it imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSelection {
    /// The catalog the profile imports: its `href`, or where the profile's back matter
    /// says the resource an `#uuid` href names lives (the JSON form when it lists several).
    pub catalog_href: String,
    /// OSCAL control ids (`ac-1`, `at-2.2`), in the profile's order, each once.
    pub with_ids: Vec<String>,
    /// `include-all`: every control of the catalog.
    pub all: bool,
    pub title: String,
}

/// Reads an OSCAL catalog into a framework library with id `library_id` and version 1 (the
/// caller decides upgrades).
pub fn catalog(json: &[u8], library_id: &str) -> Result<FrameworkLibrary, LibraryError> {
    read_catalog(json, library_id).map(|imported| imported.library)
}

/// [`catalog`], with the withdrawn controls it left out.
pub fn read_catalog(json: &[u8], library_id: &str) -> Result<ImportedCatalog, LibraryError> {
    let file: CatalogFile = from_json(json)?;
    build(&file.catalog, library_id, None, None)
}

/// Reads what an OSCAL profile selects from the one catalog it imports.
pub fn profile(json: &[u8]) -> Result<ProfileSelection, LibraryError> {
    let file: ProfileFile = from_json(json)?;
    let profile = file.profile;
    let mut errors = ValidationErrors::new();
    let title = required_text(
        &mut errors,
        "title",
        &profile.metadata.title,
        TITLE_MAX,
        Lines::One,
    );
    refuse("profile.metadata", errors)?;
    let import = match profile.imports.as_slice() {
        [] => {
            return Err(LibraryError::new(
                "profile.imports",
                "The list is empty: a profile imports the catalog it selects from.",
            ));
        }
        [import] => import,
        several => {
            return Err(LibraryError::new(
                "profile.imports",
                format!(
                    "The profile imports {} catalogs or profiles; only a profile importing \
                     one catalog can be read for now.",
                    several.len()
                ),
            ));
        }
    };
    let place = "profile.imports[0]";
    if !import.exclude_controls.is_empty() {
        return Err(LibraryError::new(
            place,
            "exclude-controls: Excluding controls is not supported yet; list the controls to \
             keep in include-controls.",
        ));
    }
    let all = import.include_all.is_some();
    let mut with_ids: Vec<String> = Vec::new();
    for (index, selector) in import.include_controls.iter().enumerate() {
        let place = format!("{place}.include-controls[{index}]");
        if !selector.matching.is_empty() {
            return Err(LibraryError::new(
                place,
                "matching: Selecting controls by pattern is not supported yet; list their ids \
                 in with-ids.",
            ));
        }
        if selector.with_child_controls.as_deref().map(str::trim) == Some("yes") {
            return Err(LibraryError::new(
                place,
                "with-child-controls: Selecting a control's enhancements with it is not \
                 supported yet; list their ids in with-ids.",
            ));
        }
        for (position, raw) in selector.with_ids.iter().enumerate() {
            let id = raw.trim();
            if id.is_empty() || id.chars().any(char::is_control) {
                return Err(LibraryError::new(
                    format!("{place}.with-ids[{position}]"),
                    "Give a control id on one line.",
                ));
            }
            if !with_ids.iter().any(|known| known == id) {
                with_ids.push(id.to_owned());
            }
        }
    }
    if !all && with_ids.is_empty() {
        return Err(LibraryError::new(
            place,
            "The import selects no control: give include-all or include-controls with \
             with-ids.",
        ));
    }
    let href = import.href.trim();
    if href.is_empty() || href.chars().any(char::is_control) {
        return Err(LibraryError::new(
            format!("{place}.href"),
            "Give the imported catalog's address on one line.",
        ));
    }
    Ok(ProfileSelection {
        catalog_href: resource_href(href, profile.back_matter.as_ref()),
        with_ids,
        all,
        title,
    })
}

/// Reads an OSCAL catalog and keeps what `selection` selects: the selected controls, the
/// groups that hold one, and the controls that hold a selected enhancement (as headings
/// when they are not selected themselves). The library takes the profile's title.
pub fn apply_profile(
    catalog_json: &[u8],
    selection: &ProfileSelection,
    library_id: &str,
) -> Result<FrameworkLibrary, LibraryError> {
    let file: CatalogFile = from_json(catalog_json)?;
    let selected: Option<BTreeSet<&str>> = if selection.all {
        None
    } else {
        let mut known = BTreeSet::new();
        control_ids(&file.catalog.groups, &file.catalog.controls, &mut known);
        let unknown: Vec<&str> = selection
            .with_ids
            .iter()
            .map(String::as_str)
            .filter(|id| !known.contains(id))
            .collect();
        if let Some(first) = unknown.first() {
            let more = match unknown.len() - 1 {
                0 => String::new(),
                1 => " (and 1 more)".to_owned(),
                others => format!(" (and {others} more)"),
            };
            return Err(LibraryError::new(
                "profile.imports[0].include-controls",
                format!(
                    "with-ids: The catalog has no control {}{more}.",
                    shown(first)
                ),
            ));
        }
        Some(selection.with_ids.iter().map(String::as_str).collect())
    };
    let title = Some(selection.title.as_str()).filter(|title| !title.trim().is_empty());
    let imported = build(&file.catalog, library_id, selected.as_ref(), title)?;
    Ok(imported.library)
}

#[derive(Deserialize)]
struct CatalogFile {
    catalog: Catalog,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Catalog {
    metadata: Metadata,
    #[serde(default)]
    groups: Vec<Group>,
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata {
    title: String,
    version: String,
    #[serde(default)]
    parties: Vec<Party>,
    #[serde(default)]
    responsible_parties: Vec<ResponsibleParty>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Party {
    #[serde(default)]
    uuid: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ResponsibleParty {
    role_id: String,
    #[serde(default)]
    party_uuids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Group {
    /// Optional in OSCAL: a group without one is known by its label.
    #[serde(default)]
    id: Option<String>,
    title: String,
    #[serde(default)]
    params: Vec<Param>,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    parts: Vec<Part>,
    #[serde(default)]
    groups: Vec<Group>,
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Control {
    id: String,
    title: String,
    #[serde(default)]
    params: Vec<Param>,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    parts: Vec<Part>,
    /// Its enhancements.
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Prop {
    name: String,
    value: String,
    #[serde(default)]
    class: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Param {
    id: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    select: Option<Select>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Select {
    #[serde(default)]
    choice: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Part {
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    prose: Option<String>,
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Deserialize)]
struct ProfileFile {
    profile: Profile,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Profile {
    metadata: ProfileMetadata,
    imports: Vec<Import>,
    #[serde(default)]
    back_matter: Option<BackMatter>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ProfileMetadata {
    title: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Import {
    href: String,
    #[serde(default)]
    include_all: Option<IgnoredAny>,
    #[serde(default)]
    include_controls: Vec<Selector>,
    #[serde(default)]
    exclude_controls: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Selector {
    #[serde(default)]
    with_ids: Vec<String>,
    #[serde(default)]
    matching: Vec<IgnoredAny>,
    #[serde(default)]
    with_child_controls: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BackMatter {
    #[serde(default)]
    resources: Vec<Resource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Resource {
    #[serde(default)]
    uuid: String,
    #[serde(default)]
    rlinks: Vec<Rlink>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Rlink {
    href: String,
    #[serde(default)]
    media_type: Option<String>,
}

/// Reads an OSCAL document. A refusal names the path of the value (when the parser got as
/// far as a value) and its line and column.
fn from_json<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, LibraryError> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let (line, column) = line_and_column(&bytes[..error.valid_up_to()]);
        LibraryError::new(
            format!("line {line}, column {column}"),
            "The file is not UTF-8 text, as OSCAL JSON is.",
        )
    })?;
    if text.trim().is_empty() {
        return Err(LibraryError::new("the file", "The file is empty."));
    }
    let mut options = serde_saphyr::Options::default();
    // The place is composed here; the parser's source excerpt would repeat it.
    options.with_snippet = false;
    // A full catalog (NIST SP 800-53 with its assessment objectives) holds about a million
    // values, four times the YAML default; the depth stays capped, which keeps the stack
    // safe however the file nests.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 8_000_000;
    budget.max_events = 16_000_000;
    budget.max_depth = 64;
    options.budget = Some(budget);
    let mut path = None;
    serde_saphyr::with_deserializer_from_str_with_options(text, options, |deserializer| {
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            path = Some(error.path().to_string());
            error.into_inner()
        })
    })
    .map_err(|error| crate::library::parse_error(&error, path.as_deref()))
}

/// Line and column (from 1, in characters) just after `before`.
fn line_and_column(before: &[u8]) -> (usize, usize) {
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |at| at + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, column)
}

/// An id from the file, quoted for a message: cut short, its control characters hidden.
fn shown(id: &str) -> String {
    let id: String = id
        .chars()
        .take(ID_MAX)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{id:?}")
}

/// Where the back matter says a `#uuid` href lives; any other href as it is.
fn resource_href(href: &str, back_matter: Option<&BackMatter>) -> String {
    let Some(uuid) = href.strip_prefix('#') else {
        return href.to_owned();
    };
    let rlinks = back_matter
        .into_iter()
        .flat_map(|back_matter| &back_matter.resources)
        .find(|resource| resource.uuid.trim() == uuid)
        .map(|resource| resource.rlinks.as_slice())
        .unwrap_or_default();
    rlinks
        .iter()
        .find(|rlink| {
            rlink
                .media_type
                .as_deref()
                .is_some_and(|media_type| media_type.contains("json"))
        })
        .or_else(|| rlinks.first())
        .map(|rlink| rlink.href.trim())
        .filter(|target| !target.is_empty() && !target.chars().any(char::is_control))
        .unwrap_or(href)
        .to_owned()
}

fn control_ids<'a>(groups: &'a [Group], controls: &'a [Control], ids: &mut BTreeSet<&'a str>) {
    for group in groups {
        control_ids(&group.groups, &group.controls, ids);
    }
    for control in controls {
        ids.insert(control.id.as_str());
        control_ids(&[], &control.controls, ids);
    }
}

fn build(
    catalog: &Catalog,
    library_id: &str,
    selected: Option<&BTreeSet<&str>>,
    title: Option<&str>,
) -> Result<ImportedCatalog, LibraryError> {
    let id = library_id.trim();
    if !is_library_id(id) {
        return Err(LibraryError::new(
            "library id",
            format!(
                "{} is not an id: use lower-case letters, digits, dots, hyphens and \
                 underscores, at most {ID_MAX} characters.",
                shown(id)
            ),
        ));
    }
    let framework = framework_info(&catalog.metadata, title, selected.is_some())?;
    let mut labels = BTreeMap::new();
    param_labels(&catalog.groups, &catalog.controls, &mut labels);
    let mut reader = Reader {
        labels,
        selected,
        requirements: Vec::new(),
        seen: BTreeSet::new(),
        withdrawn: Vec::new(),
    };
    for (index, group) in catalog.groups.iter().enumerate() {
        reader.group(group, "catalog.groups", index, None)?;
    }
    for (index, control) in catalog.controls.iter().enumerate() {
        reader.control(control, "catalog.controls", index, None, None)?;
    }
    let library = FrameworkLibrary {
        id: id.to_owned(),
        version: 1,
        source_keys: None,
        framework,
        attributes: Vec::new(),
        requirements: reader.requirements,
        reference_controls: Vec::new(),
    };
    if library.assessable_count() == 0 {
        let message = match (selected.is_some(), reader.withdrawn.len()) {
            (true, _) => "The profile selects no control of the catalog that is not withdrawn.",
            (false, 0) => "The catalog holds no control: there is nothing to assess.",
            (false, _) => "Every control of the catalog is withdrawn: there is nothing to assess.",
        };
        return Err(LibraryError::new("catalog", message));
    }
    Ok(ImportedCatalog {
        library,
        withdrawn: reader.withdrawn,
    })
}

fn framework_info(
    metadata: &Metadata,
    title: Option<&str>,
    from_profile: bool,
) -> Result<FrameworkInfo, LibraryError> {
    let title = title.unwrap_or(&metadata.title);
    let mut errors = ValidationErrors::new();
    let reference = required_text(&mut errors, "title", title, TITLE_MAX, Lines::One);
    let edition = required_text(
        &mut errors,
        "version",
        &metadata.version,
        TITLE_MAX,
        Lines::One,
    );
    let publisher = required_text(
        &mut errors,
        "parties",
        publisher(metadata),
        TITLE_MAX,
        Lines::One,
    );
    refuse("catalog.metadata", errors)?;
    Ok(FrameworkInfo {
        name: reference.clone(),
        reference,
        edition,
        publisher,
        licence: if from_profile {
            PROFILE_LICENCE
        } else {
            CATALOG_LICENCE
        }
        .to_owned(),
    })
}

/// The party the metadata names as the document's creator, else the first party named.
fn publisher(metadata: &Metadata) -> &str {
    fn named(party: &Party) -> Option<&str> {
        party
            .name
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty())
    }
    metadata
        .responsible_parties
        .iter()
        .filter(|responsible| responsible.role_id.trim() == "creator")
        .flat_map(|responsible| &responsible.party_uuids)
        .find_map(|uuid| {
            metadata
                .parties
                .iter()
                .filter(|party| party.uuid.trim() == uuid.trim())
                .find_map(named)
        })
        .or_else(|| metadata.parties.iter().find_map(named))
        .unwrap_or("unknown")
}

/// Every parameter's label as prose shows it: its label, or its choices joined by ` | `,
/// a choice's own insertions shown by the label (or choices, as written) of the parameter
/// they name. One level only, so parameters naming each other cannot loop.
fn param_labels(groups: &[Group], controls: &[Control], labels: &mut BTreeMap<String, String>) {
    fn collect<'a>(groups: &'a [Group], controls: &'a [Control], params: &mut Vec<&'a Param>) {
        for group in groups {
            params.extend(&group.params);
            collect(&group.groups, &group.controls, params);
        }
        for control in controls {
            params.extend(&control.params);
            collect(&[], &control.controls, params);
        }
    }
    let mut params = Vec::new();
    collect(groups, controls, &mut params);
    let mut written: BTreeMap<String, String> = BTreeMap::new();
    for param in &params {
        let label = match (&param.label, &param.select) {
            (Some(label), _) => label.trim().to_owned(),
            (None, Some(select)) => select.choice.join(" | "),
            (None, None) => String::new(),
        };
        written.entry(param.id.trim().to_owned()).or_insert(label);
    }
    for param in params {
        let label = param_label(param, &written);
        labels.entry(param.id.trim().to_owned()).or_insert(label);
    }
}

fn param_label(param: &Param, written: &BTreeMap<String, String>) -> String {
    match (&param.label, &param.select) {
        (Some(label), _) => label.trim().to_owned(),
        (None, Some(select)) => select
            .choice
            .iter()
            .map(|choice| with_params(choice, written).trim().to_owned())
            .collect::<Vec<_>>()
            .join(" | "),
        (None, None) => String::new(),
    }
}

/// `prose` with each OSCAL insertion (`{{ insert: param, ac-1_prm_1 }}`) replaced by the
/// parameter's label in brackets, or its id when it has no label or is not in the catalog.
/// Anything else between braces stays as written.
fn with_params(prose: &str, labels: &BTreeMap<String, String>) -> String {
    let mut text = String::with_capacity(prose.len());
    let mut rest = prose;
    while let Some(start) = rest.find("{{") {
        let Some(length) = rest[start + 2..].find("}}") else {
            break;
        };
        let inner = &rest[start + 2..start + 2 + length];
        let end = start + 2 + length + 2;
        text.push_str(&rest[..start]);
        let param = inner
            .trim()
            .strip_prefix("insert:")
            .and_then(|insertion| insertion.split_once(','))
            .filter(|(kind, _)| kind.trim() == "param")
            .map(|(_, id)| id.trim());
        match param {
            Some(id) => {
                let label = labels
                    .get(id)
                    .map(String::as_str)
                    .filter(|label| !label.is_empty())
                    .unwrap_or(id);
                text.push('[');
                text.push_str(label);
                text.push(']');
            }
            None => text.push_str(&rest[start..end]),
        }
        rest = &rest[end..];
    }
    text.push_str(rest);
    text
}

/// The label prop people cite: one without a class (`AC-1`), else one that is not
/// zero-padded, else any.
fn label(props: &[Prop]) -> Option<&str> {
    let labels = || props.iter().filter(|prop| prop.name.trim() == "label");
    labels()
        .find(|prop| prop.class.is_none())
        .or_else(|| {
            labels().find(|prop| prop.class.as_deref().map(str::trim) != Some("zero-padded"))
        })
        .or_else(|| labels().next())
        .map(|prop| prop.value.trim())
        .filter(|value| !value.is_empty())
}

fn is_withdrawn(control: &Control) -> bool {
    control
        .props
        .iter()
        .any(|prop| prop.name.trim() == "status" && prop.value.trim() == "withdrawn")
}

/// Text from the file as Custos keeps it: trimmed, no control characters but tabs and line
/// breaks.
fn text(place: &str, key: &str, raw: &str) -> Result<String, LibraryError> {
    clean_text(raw.trim(), Lines::Many)
        .map(|clean| clean.into_owned())
        .map_err(|message| LibraryError::new(place, format!("{key}: {message}")))
}

struct Reader<'a> {
    /// Parameter id → label as prose shows it.
    labels: BTreeMap<String, String>,
    /// The OSCAL ids a profile selects; `None` for every control.
    selected: Option<&'a BTreeSet<&'a str>>,
    requirements: Vec<Requirement>,
    seen: BTreeSet<String>,
    withdrawn: Vec<String>,
}

impl Reader<'_> {
    fn is_selected(&self, control: &Control) -> bool {
        self.selected
            .is_none_or(|selected| selected.contains(control.id.as_str()))
    }

    /// Whether the control or one of its enhancements is selected and not withdrawn.
    fn holds(&self, control: &Control) -> bool {
        (self.is_selected(control) && !is_withdrawn(control))
            || control.controls.iter().any(|child| self.holds(child))
    }

    fn group_holds(&self, group: &Group) -> bool {
        group.controls.iter().any(|control| self.holds(control))
            || group.groups.iter().any(|child| self.group_holds(child))
    }

    fn group(
        &mut self,
        group: &Group,
        list: &str,
        index: usize,
        parent: Option<&str>,
    ) -> Result<(), LibraryError> {
        // Without a profile every group is a heading, even one whose controls are all
        // withdrawn: the catalog's outline stays whole.
        if self.selected.is_some() && !self.group_holds(group) {
            return Ok(());
        }
        let raw_id = group.id.as_deref().or_else(|| label(&group.props));
        let place = entry_place(list, index, raw_id.unwrap_or(""));
        let Some(raw_id) = raw_id else {
            return Err(LibraryError::new(
                place,
                "id: The group has neither an id nor a label to know it by.",
            ));
        };
        let id = self.new_id(&place, raw_id)?;
        let requirement = Requirement {
            id: id.clone(),
            parent: parent.map(str::to_owned),
            title: title(&place, &group.title)?,
            guidance: String::new(),
            assessable: false,
            tags: Vec::new(),
            parts: self.parts(&place, &group.parts)?,
            params: self.params(&place, &group.params)?,
            properties: properties(&place, &group.props)?,
            source_key: group
                .id
                .as_deref()
                .map(str::trim)
                .filter(|key| *key != id)
                .map(str::to_owned),
        };
        self.requirements.push(requirement);
        let tag = Some(id.to_lowercase()).filter(|tag| is_library_id(tag));
        let here = format!("{list}[{index}]");
        for (index, child) in group.groups.iter().enumerate() {
            self.group(child, &format!("{here}.groups"), index, Some(&id))?;
        }
        for (index, control) in group.controls.iter().enumerate() {
            self.control(
                control,
                &format!("{here}.controls"),
                index,
                Some(&id),
                tag.as_deref(),
            )?;
        }
        Ok(())
    }

    fn control(
        &mut self,
        control: &Control,
        list: &str,
        index: usize,
        parent: Option<&str>,
        tag: Option<&str>,
    ) -> Result<(), LibraryError> {
        let here = format!("{list}[{index}]");
        let children = format!("{here}.controls");
        if is_withdrawn(control) {
            if self.is_selected(control) {
                self.withdrawn.push(control.id.trim().to_owned());
            }
            // Enhancements still in force under a withdrawn control hang from its parent.
            for (index, child) in control.controls.iter().enumerate() {
                self.control(child, &children, index, parent, tag)?;
            }
            return Ok(());
        }
        if !self.holds(control) {
            return Ok(());
        }
        let place = entry_place(list, index, &control.id);
        let id = match label(&control.props).filter(|label| is_requirement_id(label)) {
            Some(label) => self.new_id(&place, label)?,
            None => self.new_id(&place, &control.id)?,
        };
        let guidance = match control
            .parts
            .iter()
            .find(|part| part.name.trim() == "guidance")
        {
            Some(part) => text(&place, "guidance", &self.prose(part))?,
            None => String::new(),
        };
        let requirement = Requirement {
            id: id.clone(),
            parent: parent.map(str::to_owned),
            title: title(&place, &control.title)?,
            guidance,
            // A control kept only because it holds a selected enhancement is not assessed.
            assessable: self.is_selected(control),
            tags: tag.map(str::to_owned).into_iter().collect(),
            parts: self.parts(&place, &control.parts)?,
            params: self.params(&place, &control.params)?,
            properties: properties(&place, &control.props)?,
            // OSCAL documents (profiles, mappings) name a control by its id, not its label.
            source_key: Some(control.id.trim())
                .filter(|key| *key != id)
                .map(str::to_owned),
        };
        self.requirements.push(requirement);
        for (index, child) in control.controls.iter().enumerate() {
            self.control(child, &children, index, Some(&id), tag)?;
        }
        Ok(())
    }

    /// A requirement id not taken yet.
    fn new_id(&mut self, place: &str, raw: &str) -> Result<String, LibraryError> {
        let id = raw.trim();
        if !is_requirement_id(id) {
            return Err(LibraryError::new(
                place,
                format!(
                    "id: {} is not a requirement id: at most {ID_MAX} characters, on one line.",
                    shown(id)
                ),
            ));
        }
        if !self.seen.insert(id.to_owned()) {
            return Err(LibraryError::new(
                place,
                format!("id: Another requirement above has the id {}.", shown(id)),
            ));
        }
        Ok(id.to_owned())
    }

    fn parts(&self, place: &str, parts: &[Part]) -> Result<Vec<RequirementPart>, LibraryError> {
        parts
            .iter()
            .map(|part| {
                Ok(RequirementPart {
                    name: text(place, "parts.name", &part.name)?,
                    title: text(place, "parts.title", part.title.as_deref().unwrap_or(""))?,
                    prose: text(place, "parts.prose", &self.prose(part))?,
                })
            })
            .collect()
    }

    /// A part's prose, then its nested parts', each on its own line after its label.
    fn prose(&self, part: &Part) -> String {
        let mut lines = Vec::new();
        if let Some(prose) = part.prose.as_deref() {
            let prose = with_params(prose, &self.labels);
            if !prose.trim().is_empty() {
                lines.push(prose.trim().to_owned());
            }
        }
        for child in &part.parts {
            self.nested_prose(child, &mut lines);
        }
        lines.join("\n")
    }

    fn nested_prose(&self, part: &Part, lines: &mut Vec<String>) {
        let prose = with_params(part.prose.as_deref().unwrap_or(""), &self.labels);
        let prose = prose.trim();
        match label(&part.props) {
            Some(label) if prose.is_empty() => lines.push(label.to_owned()),
            Some(label) => lines.push(format!("{label} {prose}")),
            None if prose.is_empty() => {}
            None => lines.push(prose.to_owned()),
        }
        for child in &part.parts {
            self.nested_prose(child, lines);
        }
    }

    fn params(&self, place: &str, params: &[Param]) -> Result<Vec<RequirementParam>, LibraryError> {
        params
            .iter()
            .map(|param| {
                let label = self
                    .labels
                    .get(param.id.trim())
                    .cloned()
                    .unwrap_or_default();
                Ok(RequirementParam {
                    id: text(place, "params.id", &param.id)?,
                    label: text(place, "params.label", &label)?,
                    values: param
                        .values
                        .iter()
                        .map(|value| text(place, "params.values", value))
                        .collect::<Result<_, _>>()?,
                })
            })
            .collect()
    }
}

fn title(place: &str, raw: &str) -> Result<String, LibraryError> {
    let mut errors = ValidationErrors::new();
    let title = required_text(&mut errors, "title", raw, TITLE_MAX, Lines::One);
    refuse(place, errors)?;
    Ok(title)
}

/// The props worth keeping: not the label (it is the id) nor the sort key.
fn properties(place: &str, props: &[Prop]) -> Result<Vec<RequirementProperty>, LibraryError> {
    props
        .iter()
        .filter(|prop| !matches!(prop.name.trim(), "label" | "sort-id"))
        .map(|prop| {
            Ok(RequirementProperty {
                name: text(place, "props.name", &prop.name)?,
                value: text(place, "props.value", &prop.value)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The shared OSCAL fixtures beside the repository (`shared/fixtures/oscal/`), read in
    /// place; `None` (and a line saying the test is skipped) where the folder is absent.
    fn fixture(name: &str) -> Option<Vec<u8>> {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
        if !folder.is_dir() {
            println!("SKIPPED: ../shared/fixtures is absent");
            return None;
        }
        let path = folder.join("oscal").join(name);
        match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(error) => panic!("cannot read {}: {error}", path.display()),
        }
    }

    const SMALL: &str = r##"{
  "catalog": {
    "uuid": "00000000-0000-4000-8000-000000000000",
    "metadata": {
      "title": "Tiny catalog",
      "version": "1.0",
      "oscal-version": "1.1.2",
      "parties": [
        {"uuid": "p1", "type": "organization", "name": "Someone else"},
        {"uuid": "p2", "type": "organization", "name": "Tiny Org"}
      ],
      "responsible-parties": [{"role-id": "creator", "party-uuids": ["p2"]}]
    },
    "groups": [
      {
        "id": "tc",
        "class": "family",
        "title": "Tiny Controls",
        "groups": [
          {"id": "tc.sub", "title": "Sub", "controls": [{"id": "tc-3", "title": "Third"}]}
        ],
        "controls": [
          {
            "id": "tc-1",
            "class": "SP800-53",
            "title": "Policy",
            "params": [
              {"id": "tc-1_prm_1", "label": "organization-defined personnel"},
              {"id": "tc-1_prm_2", "select": {"how-many": "one", "choice": ["yearly", "every {{ insert: param, tc-1_prm_3 }}"]}},
              {"id": "tc-1_prm_3", "label": "period", "values": ["two years"]}
            ],
            "props": [
              {"name": "label", "value": "TC-01", "class": "zero-padded"},
              {"name": "label", "value": "TC-1"},
              {"name": "sort-id", "value": "tc-01"},
              {"name": "implementation-level", "ns": "http://csrc.nist.gov/ns/rmf", "value": "organization"}
            ],
            "links": [{"href": "#tc-2", "rel": "related"}],
            "parts": [
              {
                "id": "tc-1_smt",
                "name": "statement",
                "parts": [
                  {
                    "id": "tc-1_smt.a",
                    "name": "item",
                    "props": [{"name": "label", "value": "a."}],
                    "prose": "Tell {{ insert: param, tc-1_prm_1 }}, {{ insert: param, tc-1_prm_2 }}:",
                    "parts": [
                      {"id": "tc-1_smt.a.1", "name": "item", "props": [{"name": "label", "value": "1."}], "prose": "what {{ insert: param, nowhere }} holds; and"}
                    ]
                  },
                  {"id": "tc-1_smt.b", "name": "item", "props": [{"name": "label", "value": "b."}], "prose": "Review it."}
                ]
              },
              {"id": "tc-1_gdn", "name": "guidance", "prose": "Write it down."}
            ],
            "controls": [
              {"id": "tc-1.1", "title": "Enhancement", "props": [{"name": "label", "value": "TC-1(1)"}]},
              {"id": "tc-1.2", "title": "Gone", "props": [{"name": "label", "value": "TC-1(2)"}, {"name": "status", "value": "withdrawn"}]}
            ]
          },
          {"id": "tc-2", "title": "Second"}
        ]
      }
    ]
  }
}"##;

    fn refused(json: &str) -> LibraryError {
        catalog(json.as_bytes(), "tiny").expect_err("refused")
    }

    fn requirement<'a>(library: &'a FrameworkLibrary, id: &str) -> &'a Requirement {
        library
            .requirements
            .iter()
            .find(|requirement| requirement.id == id)
            .unwrap_or_else(|| panic!("{id} is a requirement"))
    }

    #[test]
    fn a_catalog_reads_as_headings_and_controls_with_their_text() {
        let imported = read_catalog(SMALL.as_bytes(), "tiny").expect("reads");
        let library = &imported.library;
        assert_eq!((library.id.as_str(), library.version), ("tiny", 1));
        assert_eq!(library.framework.reference, "Tiny catalog");
        assert_eq!(library.framework.edition, "1.0");
        assert_eq!(library.framework.publisher, "Tiny Org");
        assert_eq!(library.framework.licence, CATALOG_LICENCE);
        let outline: Vec<(&str, Option<&str>, bool)> = library
            .requirements
            .iter()
            .map(|r| (r.id.as_str(), r.parent.as_deref(), r.assessable))
            .collect();
        assert_eq!(
            outline,
            [
                ("tc", None, false),
                ("tc.sub", Some("tc"), false),
                ("tc-3", Some("tc.sub"), true),
                ("TC-1", Some("tc"), true),
                ("TC-1(1)", Some("TC-1"), true),
                ("tc-2", Some("tc"), true),
            ]
        );
        assert_eq!(imported.withdrawn, ["tc-1.2"]);

        let policy = requirement(library, "TC-1");
        assert_eq!(policy.title, "Policy");
        assert_eq!(policy.guidance, "Write it down.");
        assert_eq!(policy.tags, ["tc"]);
        assert_eq!(policy.source_key.as_deref(), Some("tc-1"));
        assert_eq!(requirement(library, "tc-3").tags, ["tc.sub"]);
        assert_eq!(requirement(library, "tc-3").source_key, None);
        let parts: Vec<(&str, &str)> = policy
            .parts
            .iter()
            .map(|p| (p.name.as_str(), p.prose.as_str()))
            .collect();
        assert_eq!(
            parts,
            [
                (
                    "statement",
                    "a. Tell [organization-defined personnel], [yearly | every [period]]:\n\
                     1. what [nowhere] holds; and\n\
                     b. Review it."
                ),
                ("guidance", "Write it down."),
            ]
        );
        assert_eq!(
            policy.params,
            [
                RequirementParam {
                    id: "tc-1_prm_1".into(),
                    label: "organization-defined personnel".into(),
                    values: vec![],
                },
                RequirementParam {
                    id: "tc-1_prm_2".into(),
                    label: "yearly | every [period]".into(),
                    values: vec![],
                },
                RequirementParam {
                    id: "tc-1_prm_3".into(),
                    label: "period".into(),
                    values: vec!["two years".into()],
                },
            ]
        );
        assert_eq!(
            policy.properties,
            [RequirementProperty {
                name: "implementation-level".into(),
                value: "organization".into(),
            }]
        );
    }

    #[test]
    fn insertions_show_the_parameter_label_or_else_its_id() {
        let labels = BTreeMap::from([
            ("p1".to_owned(), "a period".to_owned()),
            ("p2".to_owned(), String::new()),
        ]);
        assert_eq!(
            with_params(
                "{{ insert: param, p1 }}, {{insert:param,p2}}, {{ insert: param, p3 }}",
                &labels
            ),
            "[a period], [p2], [p3]"
        );
        for kept in [
            "{{ other }} and {{ insert: param",
            "{{",
            "}} {{",
            "{{}}",
            "é{{ insert: x, p1 }}",
        ] {
            assert_eq!(with_params(kept, &labels), kept);
        }
    }

    #[test]
    fn the_publisher_is_the_creator_else_the_first_party_named_else_unknown() {
        let without_creator = SMALL.replace(r#""role-id": "creator""#, r#""role-id": "contact""#);
        let library = catalog(without_creator.as_bytes(), "tiny").expect("reads");
        assert_eq!(library.framework.publisher, "Someone else");
        let without_parties = SMALL
            .replace(r#""name": "Someone else""#, r#""short-name": "S""#)
            .replace(r#""name": "Tiny Org""#, r#""short-name": "T""#);
        let library = catalog(without_parties.as_bytes(), "tiny").expect("reads");
        assert_eq!(library.framework.publisher, "unknown");
    }

    #[test]
    fn the_json_forms_in_use_read_alike() {
        let expected = catalog(SMALL.as_bytes(), "tiny").expect("reads");
        let minified: String = SMALL.lines().map(str::trim).collect();
        assert_eq!(
            catalog(minified.as_bytes(), "tiny").expect("minified"),
            expected
        );
        let tabs = SMALL.replace("  ", "\t");
        assert_eq!(catalog(tabs.as_bytes(), "tiny").expect("tabs"), expected);
        let crlf = SMALL.replace('\n', "\r\n");
        assert_eq!(catalog(crlf.as_bytes(), "tiny").expect("CRLF"), expected);
        let bom = format!("\u{feff}{SMALL}");
        assert_eq!(catalog(bom.as_bytes(), "tiny").expect("BOM"), expected);
        let escaped = SMALL.replace(
            "Write it down.",
            r#"Write it d\u006fwn \/ \"here\" \u00e9 \ud83d\ude00\tok"#,
        );
        let library = catalog(escaped.as_bytes(), "tiny").expect("escapes");
        assert_eq!(
            requirement(&library, "TC-1").guidance,
            "Write it down / \"here\" é 😀\tok"
        );
        let yaml = "catalog:\n  metadata: {title: T, version: 1}\n  controls:\n    - id: c-1\n      \
                    title: C\n";
        let library = catalog(yaml.as_bytes(), "tiny").expect("OSCAL's YAML form");
        assert_eq!(requirement(&library, "c-1").title, "C");
    }

    #[test]
    fn every_refusal_names_the_place_in_the_file() {
        let cases = [
            (
                SMALL.replace(r#""value": "TC-1(1)""#, r#""value": "TC-1""#),
                "catalog.groups[0].controls[0].controls[0] (tc-1.1)",
                "Another requirement above has the id \"TC-1\"",
            ),
            (
                SMALL.replacen(r#""version": "1.0","#, r#""version": "1.0""#, 1),
                "catalog.metadata (line 7, column 7)",
                "expected ',' or '}'",
            ),
            (
                SMALL.replace(r#""class": "family","#, r#""class": "family", "class": "again","#),
                "catalog.groups[0] (line 17",
                "duplicate",
            ),
            (
                SMALL.replace(r#""title": "Tiny catalog","#, ""),
                "catalog.metadata (line",
                "title",
            ),
            (
                SMALL.replace(r#""title": "Third""#, r#""class": "x""#),
                "catalog.groups[0].groups[0].controls[0] (line",
                "title",
            ),
            (
                SMALL.replace(r#""version": "1.0","#, ""),
                "catalog.metadata",
                "version",
            ),
            (
                SMALL.replace("Review it.", r"Review\u0007 it."),
                "catalog.groups[0].controls[0] (tc-1)",
                "parts.prose: Remove the control character U+0007",
            ),
            (
                SMALL.replace(r#""title": "Second""#, r#""title": "Sec\nond""#),
                "catalog.groups[0].controls[1] (tc-2)",
                "title",
            ),
            (
                SMALL.replace(r#""id": "tc-2""#, r#""id": " ""#),
                "catalog.groups[0].controls[1]",
                "not a requirement id",
            ),
            (
                SMALL.replace(r#""controls": [{"id": "tc-3", "title": "Third"}]"#, r#""controls": 3"#),
                "catalog.groups[0].groups[0].controls (line",
                "",
            ),
            (
                SMALL.replace(r#""id": "tc","#, ""),
                "catalog.groups[0] ()",
                "neither an id nor a label",
            ),
            (
                r#"{"catalog": {"metadata": {"title": "T", "version": "1"}, "groups": [{"id": "g", "title": "G"}]}}"#.to_owned(),
                "catalog",
                "holds no control",
            ),
            (
                r#"{"catalog": {"metadata": {"title": "T", "version": "1"}, "controls": [{"id": "c", "title": "C", "props": [{"name": "status", "value": "withdrawn"}]}]}}"#.to_owned(),
                "catalog",
                "Every control of the catalog is withdrawn",
            ),
        ];
        for (json, place, message) in cases {
            let error = refused(&json);
            assert!(
                error.place.starts_with(place) && error.message.contains(message),
                "{place} / {message}: got {error}"
            );
        }
        let error = catalog(SMALL.as_bytes(), "Tiny Catalog").expect_err("library id");
        assert_eq!(error.place, "library id");
    }

    #[test]
    fn malformed_json_is_refused_at_its_line() {
        // Line 6 loses its comma: the parser stops at the key on line 7.
        let json = SMALL.replacen(r#""version": "1.0","#, r#""version": "1.0""#, 1);
        let error = refused(&json);
        assert_eq!(error.place, "catalog.metadata (line 7, column 7)");
        let error = refused("{\"catalog\": {\"metadata\": \n [1, 2}}");
        assert!(error.place.contains("line 2"), "{error}");
        let error = refused("{\"catalog\": \"unterminated");
        assert!(error.place.contains("line 1"), "{error}");
    }

    #[test]
    fn garbage_is_refused_without_a_panic() {
        let deep_arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let deep_groups = format!(
            r#"{{"catalog": {{"metadata": {{"title": "T", "version": "1"}}, "groups": {}{}}}}}"#,
            r#"[{"title": "G", "groups": "#.repeat(10_000),
            "[]}]".repeat(10_000)
        );
        let deep_block: String = (0..5_000)
            .map(|depth| format!("{}a:\n", " ".repeat(depth)))
            .collect();
        let mut state: u32 = 0x1234_5678;
        let random: Vec<u8> = (0..4_096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect();
        let inputs: Vec<&[u8]> = vec![
            b"",
            b"   \n",
            b"{}",
            b"[]",
            b"null",
            b"\"catalog\"",
            b"{\"catalog\": null}",
            b"{\"catalog\": {}}",
            b"{\"catalog\": {\"metadata\": {\"title\": \"T\", \"version\": \"1\"}}}",
            b"\0",
            b"\xff\xfe{}",
            b"{\"catalog\": \"\xc3\x28\"}",
            deep_arrays.as_bytes(),
            deep_groups.as_bytes(),
            deep_block.as_bytes(),
            &random,
        ];
        for input in inputs {
            assert!(
                catalog(input, "x").is_err(),
                "{:?}",
                String::from_utf8_lossy(input)
            );
            assert!(
                profile(input).is_err(),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        let error = refused(&deep_arrays);
        assert!(error.place.contains("line 1"), "{error}");
        let error = catalog(b"{\"catalog\": \"\xc3\x28\"}", "x").expect_err("not UTF-8");
        assert_eq!(error.place, "line 1, column 14");
        for end in (0..SMALL.len()).filter(|&end| SMALL.is_char_boundary(end)) {
            let _ = catalog(&SMALL.as_bytes()[..end], "x");
        }
    }

    const PROFILE: &str = r##"{
  "profile": {
    "uuid": "00000000-0000-4000-8000-000000000001",
    "metadata": {"title": "Tiny baseline", "version": "1", "oscal-version": "1.1.2"},
    "imports": [
      {"href": "#res-1", "include-controls": [{"with-ids": ["tc-1.1", "tc-2", "tc-2"]}]}
    ],
    "merge": {"as-is": true},
    "back-matter": {
      "resources": [
        {"uuid": "res-1", "rlinks": [
          {"href": "tiny.xml", "media-type": "application/oscal.catalog+xml"},
          {"href": "tiny.json", "media-type": "application/oscal.catalog+json"}
        ]}
      ]
    }
  }
}"##;

    #[test]
    fn a_profile_selects_controls_with_their_groups_and_parents() {
        let selection = profile(PROFILE.as_bytes()).expect("reads");
        assert_eq!(
            selection,
            ProfileSelection {
                catalog_href: "tiny.json".into(),
                with_ids: vec!["tc-1.1".into(), "tc-2".into()],
                all: false,
                title: "Tiny baseline".into(),
            }
        );
        let library = apply_profile(SMALL.as_bytes(), &selection, "tiny-low").expect("applies");
        let outline: Vec<(&str, bool)> = library
            .requirements
            .iter()
            .map(|r| (r.id.as_str(), r.assessable))
            .collect();
        assert_eq!(
            outline,
            [
                ("tc", false),
                ("TC-1", false),
                ("TC-1(1)", true),
                ("tc-2", true)
            ]
        );
        assert_eq!(library.framework.reference, "Tiny baseline");
        assert_eq!(library.framework.edition, "1.0");
        assert_eq!(library.framework.licence, PROFILE_LICENCE);

        let all = PROFILE.replace(
            r#""include-controls": [{"with-ids": ["tc-1.1", "tc-2", "tc-2"]}]"#,
            r#""include-all": {}"#,
        );
        let selection = profile(all.as_bytes()).expect("include-all");
        assert!(selection.all && selection.with_ids.is_empty());
        let library = apply_profile(SMALL.as_bytes(), &selection, "tiny-all").expect("applies");
        assert_eq!(library.assessable_count(), 4);
        let elsewhere = PROFILE.replace("#res-1", "https://example.org/tiny.json");
        assert_eq!(
            profile(elsewhere.as_bytes()).expect("reads").catalog_href,
            "https://example.org/tiny.json"
        );
    }

    #[test]
    fn a_profile_is_refused_where_it_cannot_be_followed() {
        let imports = r##""imports": [
      {"href": "#res-1", "include-controls": [{"with-ids": ["tc-1.1", "tc-2", "tc-2"]}]}
    ]"##;
        let cases = [
            (
                PROFILE.replace(
                    imports,
                    r#""imports": [{"href": "a.json", "include-all": {}}, {"href": "b.json", "include-all": {}}]"#,
                ),
                "profile.imports",
                "imports 2 catalogs or profiles; only a profile importing one catalog",
            ),
            (
                PROFILE.replace(imports, r#""imports": []"#),
                "profile.imports",
                "empty",
            ),
            (
                PROFILE.replace(r#"{"with-ids": ["tc-1.1", "tc-2", "tc-2"]}"#, r#"{"matching": [{"pattern": "tc-*"}]}"#),
                "profile.imports[0].include-controls[0]",
                "not supported yet",
            ),
            (
                PROFILE.replace(r#""include-controls""#, r#""exclude-controls""#),
                "profile.imports[0]",
                "not supported yet",
            ),
            (
                PROFILE.replace(r#""title": "Tiny baseline", "#, ""),
                "profile.metadata (line",
                "title",
            ),
            (
                PROFILE.replace(r##""href": "#res-1", "##, ""),
                "profile.imports[0] (line",
                "href",
            ),
        ];
        for (json, place, message) in cases {
            let error = profile(json.as_bytes()).expect_err(place);
            assert!(
                error.place.starts_with(place) && error.message.contains(message),
                "{place} / {message}: got {error}"
            );
        }
        let selection = ProfileSelection {
            catalog_href: "tiny.json".into(),
            with_ids: vec!["tc-1".into(), "xx-9".into(), "yy-1".into()],
            all: false,
            title: "Tiny baseline".into(),
        };
        let error = apply_profile(SMALL.as_bytes(), &selection, "tiny-low").expect_err("unknown");
        assert_eq!(
            error.message,
            "with-ids: The catalog has no control \"xx-9\" (and 1 more)."
        );
        let withdrawn = ProfileSelection {
            with_ids: vec!["tc-1.2".into()],
            ..selection
        };
        let error = apply_profile(SMALL.as_bytes(), &withdrawn, "tiny-low").expect_err("none");
        assert!(error.message.contains("selects no control"), "{error}");
    }

    #[test]
    fn the_basic_catalog_reads() {
        let Some(json) = fixture("basic-catalog.json") else {
            return;
        };
        let imported = read_catalog(&json, "basic").expect("reads");
        let library = &imported.library;
        println!(
            "basic-catalog: {} requirements, {} assessable, {} withdrawn",
            library.requirements.len(),
            library.assessable_count(),
            imported.withdrawn.len()
        );
        assert_eq!(library.assessable_count(), 4);
        let roles = requirement(library, "1.1.1");
        assert_eq!(roles.parent.as_deref(), Some("s1.1"));
        assert!(
            roles
                .guidance
                .starts_with("Allocation of information security")
        );
        assert!(
            roles.parts[1]
                .prose
                .contains("A value has been assigned to [a choice from a selection]."),
            "{:?}",
            roles.parts[1]
        );
        assert_eq!(roles.params[0].label, "a choice from a selection");
    }

    #[test]
    fn the_nist_low_baseline_catalog_gives_its_149_controls() {
        let Some(json) = fixture("NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json")
        else {
            return;
        };
        let imported = read_catalog(&json, "nist-800-53-r5-low").expect("reads");
        let library = &imported.library;
        println!(
            "NIST LOW resolved catalog: {} requirements, {} assessable, {} withdrawn",
            library.requirements.len(),
            library.assessable_count(),
            imported.withdrawn.len()
        );
        assert_eq!(library.assessable_count(), 149);
        assert_eq!(
            library.framework.publisher,
            "Joint Task Force, Transformation Initiative"
        );
        assert_eq!(library.framework.edition, "5.1.1+u4");
        let policy = requirement(library, "AC-1");
        assert_eq!(policy.title, "Policy and Procedures");
        assert_eq!(policy.parent.as_deref(), Some("ac"));
        assert_eq!(policy.tags, ["ac"]);
        let statement = policy
            .parts
            .iter()
            .find(|part| part.name == "statement")
            .expect("a statement");
        assert!(
            statement.prose.starts_with(
                "a. Develop, document, and disseminate to [organization-defined personnel or \
                 roles]:\n1. [organization-level | mission/business process-level | \
                 system-level] access control policy that:\n(a) Addresses purpose"
            ),
            "{}",
            statement.prose
        );
        assert!(!policy.guidance.is_empty());
        assert!(!policy.params.is_empty());
        assert!(
            library
                .requirements
                .iter()
                .flat_map(|r| &r.parts)
                .all(|part| !part.prose.contains("{{")),
            "every insertion is replaced"
        );
        let insider = requirement(library, "AT-2(2)");
        assert_eq!(insider.parent.as_deref(), Some("AT-2"));
        assert_eq!(insider.source_key.as_deref(), Some("at-2.2"));
        assert_eq!(
            library
                .requirements
                .iter()
                .filter(|r| !r.assessable)
                .count(),
            18
        );
    }

    #[test]
    fn the_nist_low_profile_applied_to_the_resolved_catalog_keeps_its_149_controls() {
        let (Some(profile_json), Some(catalog_json)) = (
            fixture("NIST_SP-800-53_rev5_LOW-baseline_profile.json"),
            fixture("NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"),
        ) else {
            return;
        };
        let selection = profile(&profile_json).expect("reads");
        println!(
            "NIST LOW profile: {} with-ids from {}",
            selection.with_ids.len(),
            selection.catalog_href
        );
        assert_eq!(selection.with_ids.len(), 149);
        assert!(
            selection
                .catalog_href
                .ends_with("NIST_SP-800-53_rev5_catalog.json")
        );
        let library =
            apply_profile(&catalog_json, &selection, "nist-800-53-r5-low").expect("applies");
        assert_eq!(library.assessable_count(), 149);
        assert_eq!(
            library.framework.reference,
            "NIST Special Publication 800-53 Revision 5.1.1 LOW IMPACT BASELINE"
        );
    }
}
