//! The framework libraries: the ones Custos ships (content/frameworks, content/mappings) are
//! loaded when the database is set up or upgraded, and a newer shipped version replaces the
//! stored one in place; every member reads them.

use std::collections::{BTreeSet, HashMap};

use custos_domain::ValidationErrors;
use custos_domain::controls::library::{
    FrameworkLibrary, FrameworkSummary, Library, LibraryOrigin, MappingLibrary, MappingSetSummary,
    StoredFramework, StoredMapping, unknown_mapped,
};
use custos_domain::platform::{Permission, RecordType};
use custos_formats::framework_library;
use custos_store::frameworks as store;
use custos_store::{Conn, Store};
use time::OffsetDateTime;

use crate::platform::{Change, cli_event};
use crate::{Administration, App, AppError, AppResult, OrgContext};

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

/// A library file imported from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedLibrary {
    pub id: String,
    pub kind: &'static str,
    pub version: i64,
    /// The version stored before, if any.
    pub replaced: Option<i64>,
}

impl Administration {
    /// Imports a library file in Custos's format (`custos library import FILE`): a framework,
    /// or a mapping set between frameworks already loaded. A version no newer than the one
    /// stored is refused; a newer one is written over it in place. Recorded in the instance's
    /// audit chain.
    pub async fn import_library(
        &self,
        yaml: &str,
        now: OffsetDateTime,
    ) -> AppResult<ImportedLibrary> {
        let library = framework_library::read(yaml)
            .map_err(|e| AppError::Validation(ValidationErrors::single("file", e.to_string())))?;
        let mut tx = self.store.begin().await?;
        let stored: HashMap<String, i64> =
            store::stored_versions(&mut tx).await?.into_iter().collect();
        let replaced = stored.get(library.id()).copied();
        if let Some(version) = replaced
            && version >= library.version()
        {
            return Err(AppError::Conflict(format!(
                "Version {version} of {} is already loaded; this file holds version {}. Raise \
                 its version to replace it.",
                library.id(),
                library.version()
            )));
        }
        write_library(&mut tx, &library, &[], LibraryOrigin::Imported, now).await?;
        let snapshot = LibrarySnapshot::of(&library);
        let change = Change::created(RecordType::Library, library.id(), &snapshot)?;
        cli_event(&mut tx, None, change, now).await?;
        tx.commit().await?;
        Ok(ImportedLibrary {
            id: snapshot.id,
            kind: snapshot.kind,
            version: snapshot.version,
            replaced,
        })
    }
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
