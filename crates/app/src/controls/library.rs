//! The framework libraries: the ones Custos ships (content/frameworks, content/mappings) are
//! loaded when the database is set up or upgraded, and a newer shipped version replaces the
//! stored one in place; every member reads them.

use std::collections::{BTreeSet, HashMap};

use custos_domain::ValidationErrors;
use custos_domain::controls::library::{
    FrameworkInfo, FrameworkLibrary, FrameworkSummary, Library, LibraryOrigin, Mapping,
    MappingLibrary, MappingSetSummary, Requirement, StoredFramework, StoredMapping, is_library_id,
    unknown_mapped,
};
use custos_domain::platform::{Permission, RecordType};
use custos_formats::{ciso_assistant, framework_library, oscal};
use custos_store::frameworks as store;
use custos_store::{Conn, Store};
use time::OffsetDateTime;

use crate::platform::{
    Change, append_change, cli_event, require_instance_administrator, user_label,
};
use crate::{Administration, App, AppError, AppResult, OrgContext, Principal};

/// The library files Custos ships, frameworks before the mappings that name them.
const SHIPPED: [(&str, &str); 6] = [
    (
        "content/frameworks/iso27001-2022.yaml",
        include_str!("../../../../content/frameworks/iso27001-2022.yaml"),
    ),
    (
        "content/frameworks/iso27001-2013.yaml",
        include_str!("../../../../content/frameworks/iso27001-2013.yaml"),
    ),
    (
        "content/frameworks/soc2-2017.yaml",
        include_str!("../../../../content/frameworks/soc2-2017.yaml"),
    ),
    (
        "content/frameworks/nist-csf-2.0.yaml",
        include_str!("../../../../content/frameworks/nist-csf-2.0.yaml"),
    ),
    (
        "content/mappings/iso27001-2013-to-2022.yaml",
        include_str!("../../../../content/mappings/iso27001-2013-to-2022.yaml"),
    ),
    (
        "content/mappings/iso27001-2022-to-soc2-2017.yaml",
        include_str!("../../../../content/mappings/iso27001-2022-to-soc2-2017.yaml"),
    ),
];

/// The shipped libraries, read. A shipped file that does not read is a bug of the release,
/// reported with its place.
pub(crate) fn shipped() -> AppResult<Vec<Library>> {
    SHIPPED
        .iter()
        .map(|(path, yaml)| {
            framework_library::read(yaml).map_err(|e| AppError::Internal(format!("{path}: {e}")))
        })
        .collect()
}

/// Writes every shipped library that is not stored yet or is stored at a lower version, in
/// one transaction. Returns the ids written.
pub(crate) async fn load_shipped_libraries(
    store: &Store,
    now: OffsetDateTime,
) -> AppResult<Vec<String>> {
    let libraries = shipped()?;
    let mut tx = store.begin().await?;
    let stored: HashMap<String, i64> = store::stored_versions(&mut tx).await?.into_iter().collect();
    let mut written = Vec::new();
    for library in &libraries {
        if stored
            .get(library.id())
            .is_some_and(|v| *v >= library.version())
        {
            continue;
        }
        write_library(&mut tx, library, &libraries, LibraryOrigin::Shipped, now).await?;
        written.push(library.id().to_owned());
    }
    tx.commit().await?;
    Ok(written)
}

/// Writes `library` over the stored one of its id, or as a new one; a mapping set only when
/// both its frameworks (stored or in `at_hand`) have every requirement it names.
async fn write_library(
    conn: &mut Conn,
    library: &Library,
    at_hand: &[Library],
    origin: LibraryOrigin,
    now: OffsetDateTime,
) -> AppResult<()> {
    match library {
        Library::Framework(framework) => {
            store::write_framework(conn, framework, origin, now).await?;
        }
        Library::Mapping(mapping) => {
            check_mapped(conn, mapping, at_hand).await?;
            store::write_mapping_set(conn, mapping, origin, now).await?;
        }
    }
    Ok(())
}

/// What the audit trail records of a library written: what it is, not its whole content
/// (which the library file holds).
#[derive(Debug, Clone, serde::Serialize)]
struct LibrarySnapshot {
    id: String,
    kind: &'static str,
    version: i64,
    title: String,
    entries: usize,
}

impl LibrarySnapshot {
    fn of(library: &Library) -> Self {
        match library {
            Library::Framework(framework) => LibrarySnapshot {
                id: framework.id.clone(),
                kind: "framework",
                version: framework.version,
                title: framework.framework.reference.clone(),
                entries: framework.requirements.len(),
            },
            Library::Mapping(mapping) => LibrarySnapshot {
                id: mapping.id.clone(),
                kind: "mapping",
                version: mapping.version,
                title: format!("{} to {}", mapping.source, mapping.target),
                entries: mapping.mappings.len(),
            },
        }
    }
}

/// One library an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenLibrary {
    pub id: String,
    pub kind: &'static str,
    pub version: i64,
    /// The version stored before, if any.
    pub replaced: Option<i64>,
}

/// What importing a library file did: the libraries written (one, or a CISO Assistant
/// mapping set and its reverse), and the dependencies left out when asked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryImport {
    pub written: Vec<WrittenLibrary>,
    pub skipped_dependencies: Vec<String>,
}

/// How to import a library file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    pub missing: MissingDependencies,
    /// The library id to give an OSCAL catalog or profile (their files have none).
    pub library_id: Option<String>,
    /// The loaded catalog an OSCAL profile selects from, by library id.
    pub catalog: Option<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            missing: MissingDependencies::Refuse,
            library_id: None,
            catalog: None,
        }
    }
}

/// A library file as it arrived: in Custos's format, CISO Assistant's, or OSCAL's.
enum Incoming {
    Custos(Library),
    CisoAssistant(ciso_assistant::ImportedLibrary),
    OscalCatalog(FrameworkLibrary),
    OscalProfile(oscal::ProfileSelection),
}

/// Reads a library file, telling the formats apart by their first keys: a JSON object with
/// `catalog` or `profile` (OSCAL), `library:` (ours), `urn:` (CISO Assistant's).
fn read_library_file(text: &str, options: &ImportOptions) -> AppResult<Incoming> {
    let refused = |e: custos_formats::library::LibraryError| {
        AppError::Validation(ValidationErrors::single("file", e.to_string()))
    };
    if text.trim_start().starts_with('{') {
        let head: String = text.chars().take(200).collect();
        if head.contains("\"profile\"") {
            return oscal::profile(text.as_bytes())
                .map(Incoming::OscalProfile)
                .map_err(refused);
        }
        let id = oscal_library_id(options)?;
        return oscal::catalog(text.as_bytes(), &id)
            .map(Incoming::OscalCatalog)
            .map_err(refused);
    }
    // Top-level keys only: CISO Assistant's objects carry `urn:` keys of their own, and our
    // guidance text may mention a URN.
    let top_level = |key: &str| text.lines().any(|line| line.starts_with(key));
    let is_ciso_assistant = top_level("urn:") && !top_level("library:");
    if is_ciso_assistant {
        ciso_assistant::framework_library(text)
            .map(Incoming::CisoAssistant)
            .map_err(refused)
    } else {
        framework_library::read(text)
            .map(Incoming::Custos)
            .map_err(refused)
    }
}

/// The library id an OSCAL file is imported under: the one given, which the file cannot say.
fn oscal_library_id(options: &ImportOptions) -> AppResult<String> {
    let id = options.library_id.as_deref().map(str::trim).unwrap_or("");
    if !is_library_id(id) {
        return Err(AppError::Validation(ValidationErrors::single(
            "id",
            "An OSCAL file names no library id: give one (lower-case letters, digits, dots, \
             hyphens), such as nist-800-53-low.",
        )));
    }
    Ok(id.to_owned())
}

/// The framework an OSCAL profile makes of a loaded catalog: the controls it selects (by
/// their OSCAL id, or by id), under the headings and controls that hold them, which stay as
/// headings when not selected themselves.
fn profile_library(
    catalog: StoredFramework,
    selection: &oscal::ProfileSelection,
    id: String,
) -> AppResult<FrameworkLibrary> {
    let wanted: BTreeSet<&str> = selection.with_ids.iter().map(String::as_str).collect();
    let selected = |r: &Requirement| {
        selection.all
            || wanted.contains(r.id.as_str())
            || r.source_key
                .as_deref()
                .is_some_and(|key| wanted.contains(key))
    };
    let known: BTreeSet<&str> = catalog
        .requirements
        .iter()
        .flat_map(|r| {
            [
                Some(r.requirement.id.as_str()),
                r.requirement.source_key.as_deref(),
            ]
        })
        .flatten()
        .collect();
    if let Some(unknown) = wanted.iter().find(|w| !known.contains(**w)) {
        return Err(AppError::Conflict(format!(
            "The profile selects {unknown}, which the catalog {} does not have; nothing was \
             imported.",
            catalog.summary.id
        )));
    }
    let parents: HashMap<&str, Option<&str>> = catalog
        .requirements
        .iter()
        .map(|r| (r.requirement.id.as_str(), r.requirement.parent.as_deref()))
        .collect();
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for stored in catalog
        .requirements
        .iter()
        .filter(|r| !r.withdrawn && selected(&r.requirement))
    {
        let mut at = Some(stored.requirement.id.as_str());
        while let Some(id) = at {
            if !kept.insert(id.to_owned()) {
                break;
            }
            at = parents.get(id).copied().flatten();
        }
    }
    let requirements = catalog
        .requirements
        .into_iter()
        .filter(|r| kept.contains(&r.requirement.id))
        .map(|stored| {
            let mut requirement = stored.requirement;
            requirement.assessable = requirement.assessable && selected(&requirement);
            requirement
        })
        .collect::<Vec<_>>();
    let info = catalog.summary.info;
    Ok(FrameworkLibrary {
        id,
        version: 1,
        source_keys: None,
        framework: FrameworkInfo {
            reference: if selection.title.trim().is_empty() {
                info.reference.clone()
            } else {
                selection.title.trim().to_owned()
            },
            name: info.name,
            edition: info.edition,
            publisher: info.publisher,
            licence: format!(
                "Selected by an OSCAL profile from the catalog {}. {}",
                catalog.summary.id, info.licence
            ),
        },
        attributes: catalog.attributes,
        requirements,
        reference_controls: Vec::new(),
    })
}

/// What an import does about a dependency that is not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingDependencies {
    /// Refuses the file, naming the first one (the default).
    Refuse,
    /// Imports without them: what they would have brought (reference controls, for the
    /// frameworks CISO Assistant ships) is not linked.
    Skip,
}

/// A CISO Assistant library made ready to write: its dependencies loaded (or, when asked,
/// listed as skipped), a mapping set's requirements resolved to the frameworks' ids.
async fn resolved(
    conn: &mut Conn,
    imported: ciso_assistant::ImportedLibrary,
    missing: MissingDependencies,
    skipped: &mut Vec<String>,
) -> AppResult<Vec<Library>> {
    for dependency in &imported.dependencies {
        if store::framework_with_library_key(conn, dependency)
            .await?
            .is_some()
        {
            continue;
        }
        match missing {
            MissingDependencies::Skip => skipped.push(dependency.clone()),
            MissingDependencies::Refuse => {
                return Err(AppError::Conflict(format!(
                    "This library needs the library {dependency}, which is not loaded. Import \
                     {dependency} first, then this file again, or import this file without its \
                     missing dependencies; nothing was imported."
                )));
            }
        }
    }
    let sets = match imported.content {
        ciso_assistant::ImportedContent::Framework(framework) => {
            return Ok(vec![Library::Framework(*framework)]);
        }
        ciso_assistant::ImportedContent::MappingSets(sets) => sets,
    };
    let mut libraries = Vec::with_capacity(sets.len());
    for set in sets {
        libraries.push(Library::Mapping(resolved_set(conn, set).await?));
    }
    Ok(libraries)
}

/// A CISO Assistant mapping set with its frameworks and requirements named as loaded.
async fn resolved_set(
    conn: &mut Conn,
    set: ciso_assistant::ImportedMappingSet,
) -> AppResult<MappingLibrary> {
    let mut ends = Vec::with_capacity(2);
    for framework_key in [&set.source_framework, &set.target_framework] {
        let Some(id) = store::framework_with_framework_key(conn, framework_key).await? else {
            return Err(AppError::Conflict(format!(
                "This mapping relates the framework {framework_key}, which is not loaded. \
                 Import its library first; nothing was imported."
            )));
        };
        let ids: HashMap<String, String> = store::requirement_ids_by_source_key(conn, &id)
            .await?
            .into_iter()
            .collect();
        ends.push((id, ids));
    }
    let (target, target_ids) = ends
        .pop()
        .ok_or_else(|| AppError::Internal("ends".into()))?;
    let (source, source_ids) = ends
        .pop()
        .ok_or_else(|| AppError::Internal("ends".into()))?;
    let mut mappings = Vec::with_capacity(set.mappings.len());
    let mut seen = BTreeSet::new();
    for mapping in set.mappings {
        let end = |ids: &HashMap<String, String>, urn: &str, framework: &str| {
            ids.get(urn).cloned().ok_or_else(|| {
                AppError::Conflict(format!(
                    "The mapping names {urn}, which the framework {framework} does not have; \
                     nothing was imported."
                ))
            })
        };
        let source_id = end(&source_ids, &mapping.source, &source)?;
        let target_id = end(&target_ids, &mapping.target, &target)?;
        // The same pair twice keeps the first relation given.
        if !seen.insert((source_id.clone(), target_id.clone())) {
            continue;
        }
        mappings.push(Mapping {
            source: source_id,
            target: target_id,
            relationship: mapping.relationship,
            strength: mapping.strength,
            note: String::new(),
        });
    }
    Ok(MappingLibrary {
        id: set.id,
        version: set.version,
        source,
        target,
        description: set.description,
        mappings,
    })
}

/// Who imports a library: the audit trail names them.
enum LibraryAuthor<'a> {
    CommandLine,
    InstanceAdministrator(&'a Principal),
}

impl Administration {
    /// Imports a library file (`custos library import FILE`). See [`import_library_in`].
    pub async fn import_library(
        &self,
        text: &str,
        options: &ImportOptions,
        now: OffsetDateTime,
    ) -> AppResult<LibraryImport> {
        import_library_in(&self.store, text, options, LibraryAuthor::CommandLine, now).await
    }
}

impl App {
    /// Every library loaded, for the instance administrators' page.
    pub async fn libraries(
        &self,
        principal: &Principal,
    ) -> AppResult<(Vec<FrameworkSummary>, Vec<MappingSetSummary>)> {
        require_instance_administrator(principal)?;
        let mut conn = self.store.reader().await?;
        Ok((
            store::frameworks(&mut conn).await?,
            store::mapping_sets(&mut conn).await?,
        ))
    }

    /// Imports a library file uploaded by an instance administrator (libraries are shared by
    /// every organisation). See [`import_library_in`].
    pub async fn import_library_as(
        &self,
        principal: &Principal,
        text: &str,
        options: &ImportOptions,
        now: OffsetDateTime,
    ) -> AppResult<LibraryImport> {
        require_instance_administrator(principal)?;
        let author = LibraryAuthor::InstanceAdministrator(principal);
        import_library_in(&self.store, text, options, author, now).await
    }
}

/// Imports a library file: in Custos's format, a framework or a mapping set between
/// frameworks already loaded; in CISO Assistant's, a framework or the requirement mapping
/// sets of a library whose dependencies are loaded (a missing one is named and nothing is
/// written, unless asked to skip it); an OSCAL catalog, or a profile selecting from a loaded
/// catalog. A version no newer than the one stored is refused; a newer one is written over
/// it in place. Each library written is an event in the instance's audit chain.
async fn import_library_in(
    store: &Store,
    text: &str,
    options: &ImportOptions,
    author: LibraryAuthor<'_>,
    now: OffsetDateTime,
) -> AppResult<LibraryImport> {
    let incoming = read_library_file(text, options)?;
    let mut tx = store.begin().await?;
    let mut skipped = Vec::new();
    let libraries = match incoming {
        Incoming::Custos(library) => vec![library],
        Incoming::CisoAssistant(imported) => {
            resolved(&mut tx, imported, options.missing, &mut skipped).await?
        }
        Incoming::OscalCatalog(framework) => vec![Library::Framework(framework)],
        Incoming::OscalProfile(selection) => {
            let id = oscal_library_id(options)?;
            let catalog_id = options.catalog.as_deref().unwrap_or("");
            let Some(catalog) = store::framework(&mut tx, catalog_id).await? else {
                return Err(AppError::Conflict(format!(
                    "An OSCAL profile selects from a catalog: import the catalog it names \
                     ({}) first and give its library id{}.",
                    selection.catalog_href,
                    if catalog_id.is_empty() {
                        String::new()
                    } else {
                        format!(" ({catalog_id} is not loaded)")
                    }
                )));
            };
            vec![Library::Framework(profile_library(
                catalog, &selection, id,
            )?)]
        }
    };
    let stored: HashMap<String, i64> = store::stored_versions(&mut tx).await?.into_iter().collect();
    let mut written = Vec::with_capacity(libraries.len());
    for library in &libraries {
        let replaced = stored.get(library.id()).copied();
        if let Some(version) = replaced
            && version >= library.version()
        {
            return Err(AppError::Conflict(format!(
                "Version {version} of {} is already loaded; this file holds version {}. \
                 Raise its version to replace it; nothing was imported.",
                library.id(),
                library.version()
            )));
        }
        write_library(&mut tx, library, &[], LibraryOrigin::Imported, now).await?;
        let snapshot = LibrarySnapshot::of(library);
        let change = Change::created(RecordType::Library, library.id(), &snapshot)?;
        match author {
            LibraryAuthor::CommandLine => cli_event(&mut tx, None, change, now).await?,
            LibraryAuthor::InstanceAdministrator(principal) => {
                let user = &principal.user;
                append_change(&mut tx, None, Some(user.id), &user_label(user), change, now).await?;
            }
        }
        written.push(WrittenLibrary {
            id: snapshot.id,
            kind: snapshot.kind,
            version: snapshot.version,
            replaced,
        });
    }
    tx.commit().await?;
    Ok(LibraryImport {
        written,
        skipped_dependencies: skipped,
    })
}

/// Refuses a mapping set naming a framework, or a requirement, that neither `at_hand` nor
/// the stored libraries have.
async fn check_mapped(
    conn: &mut Conn,
    mapping: &MappingLibrary,
    at_hand: &[Library],
) -> AppResult<()> {
    let source = requirement_ids(conn, &mapping.source, at_hand).await?;
    let target = requirement_ids(conn, &mapping.target, at_hand).await?;
    let unknown = unknown_mapped(
        mapping,
        &source.iter().map(String::as_str).collect(),
        &target.iter().map(String::as_str).collect(),
    );
    match unknown.first() {
        None => Ok(()),
        Some((side, id)) => Err(AppError::Conflict(format!(
            "Mapping {}: its {side} requirement {id} is not in {}{}.",
            mapping.id,
            if *side == "source" {
                &mapping.source
            } else {
                &mapping.target
            },
            match unknown.len() {
                1 => String::new(),
                n => format!(" (and {} more are missing)", n - 1),
            }
        ))),
    }
}

/// The requirement ids of framework `id`: from the libraries at hand, else from the store.
async fn requirement_ids(
    conn: &mut Conn,
    id: &str,
    at_hand: &[Library],
) -> AppResult<BTreeSet<String>> {
    let in_hand = at_hand.iter().find_map(|library| match library {
        Library::Framework(framework) if framework.id == id => Some(framework),
        _ => None,
    });
    if let Some(framework) = in_hand {
        return Ok(ids_of(framework));
    }
    match store::framework(conn, id).await? {
        Some(stored) => Ok(stored
            .requirements
            .into_iter()
            .map(|r| r.requirement.id)
            .collect()),
        None => Err(AppError::Conflict(format!(
            "The framework library {id} is not loaded: load it first."
        ))),
    }
}

fn ids_of(framework: &FrameworkLibrary) -> BTreeSet<String> {
    framework
        .requirements
        .iter()
        .map(|r| r.id.clone())
        .collect()
}

impl App {
    /// Every framework library, by reference.
    pub async fn frameworks(&self, ctx: &OrgContext) -> AppResult<Vec<FrameworkSummary>> {
        ctx.require(Permission::ViewFrameworks)?;
        let mut conn = self.store.reader().await?;
        Ok(store::frameworks(&mut conn).await?)
    }

    /// A framework with its requirement tree.
    pub async fn framework(&self, ctx: &OrgContext, id: &str) -> AppResult<StoredFramework> {
        ctx.require(Permission::ViewFrameworks)?;
        let mut conn = self.store.reader().await?;
        store::framework(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Every mapping set between frameworks.
    pub async fn mapping_sets(&self, ctx: &OrgContext) -> AppResult<Vec<MappingSetSummary>> {
        ctx.require(Permission::ViewFrameworks)?;
        let mut conn = self.store.reader().await?;
        Ok(store::mapping_sets(&mut conn).await?)
    }

    /// How requirement `id` of `framework_id` relates to other frameworks' requirements.
    pub async fn requirement_mappings(
        &self,
        ctx: &OrgContext,
        framework_id: &str,
        id: &str,
    ) -> AppResult<Vec<StoredMapping>> {
        ctx.require(Permission::ViewFrameworks)?;
        let mut conn = self.store.reader().await?;
        Ok(store::mappings_of(&mut conn, framework_id, id).await?)
    }
}
