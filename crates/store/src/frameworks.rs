//! The framework libraries: frameworks with their requirement trees, and the mapping sets
//! between them. Global, not per organisation: every organisation reads the same libraries.
//! A newer version of a library is written over the stored one requirement by requirement;
//! a requirement it no longer has is marked withdrawn, never deleted.

use custos_domain::controls::library::{
    FrameworkInfo, FrameworkLibrary, FrameworkSummary, LibraryOrigin as Origin, MappingLibrary,
    MappingSetSummary, Relationship, Requirement, StoredFramework, StoredMapping,
    StoredRequirement,
};
use time::OffsetDateTime;

use crate::db::{Conn, FromRow, Param, RowReader, RowsInsert, RowsStatement};
use crate::versions::json_placeholder;
use crate::{StoreError, StoreResult, params};

impl FromRow for FrameworkSummary {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(FrameworkSummary {
            id: row.get()?,
            version: row.get()?,
            info: FrameworkInfo {
                reference: row.get()?,
                name: row.get()?,
                edition: row.get()?,
                publisher: row.get()?,
                licence: row.get()?,
            },
            origin: row.parsed(Origin::parse)?,
            loaded_at: row.get()?,
            requirements: row.get()?,
            assessable: row.get()?,
            withdrawn: row.get()?,
        })
    }
}

impl FromRow for StoredRequirement {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        let id = row.get()?;
        let parent = row.get()?;
        let title = row.get()?;
        let guidance = row.get()?;
        let assessable = row.get()?;
        let tags: String = row.get()?;
        let details: String = row.get()?;
        let details: Details = from_json("requirement details", &details)?;
        Ok(StoredRequirement {
            requirement: Requirement {
                id,
                parent,
                title,
                guidance,
                assessable,
                tags: tags.split_whitespace().map(str::to_owned).collect(),
                parts: details.parts,
                params: details.params,
                properties: details.properties,
                source_key: row.get()?,
            },
            withdrawn: row.get()?,
        })
    }
}

impl FromRow for MappingSetSummary {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(MappingSetSummary {
            id: row.get()?,
            version: row.get()?,
            source: row.get()?,
            target: row.get()?,
            description: row.get()?,
            origin: row.parsed(Origin::parse)?,
            loaded_at: row.get()?,
            mappings: row.get()?,
        })
    }
}

impl FromRow for StoredMapping {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(StoredMapping {
            set_id: row.get()?,
            source_framework: row.get()?,
            target_framework: row.get()?,
            source: row.get()?,
            target: row.get()?,
            relationship: row.parsed(Relationship::parse)?,
            strength: row.get()?,
            note: row.get()?,
        })
    }
}

/// The version of every stored library, frameworks and mapping sets alike, by id.
pub async fn stored_versions(conn: &mut Conn) -> StoreResult<Vec<(String, i64)>> {
    conn.fetch_all(
        "SELECT id, version FROM frameworks UNION ALL SELECT id, version FROM mapping_sets",
        &[],
    )
    .await
}

const SUMMARY_SELECT: &str = "SELECT f.id, f.version, f.reference, f.name, f.edition, f.publisher, \
     f.licence, f.origin, f.loaded_at, \
     (SELECT COUNT(*) FROM requirements r WHERE r.framework_id = f.id), \
     (SELECT COUNT(*) FROM requirements r WHERE r.framework_id = f.id AND r.assessable AND NOT r.withdrawn), \
     (SELECT COUNT(*) FROM requirements r WHERE r.framework_id = f.id AND r.withdrawn) \
     FROM frameworks f";

/// Every stored framework, by reference.
pub async fn frameworks(conn: &mut Conn) -> StoreResult<Vec<FrameworkSummary>> {
    conn.fetch_all(&format!("{SUMMARY_SELECT} ORDER BY f.reference, f.id"), &[])
        .await
}

/// A stored framework with its requirements in reading order.
pub async fn framework(conn: &mut Conn, id: &str) -> StoreResult<Option<StoredFramework>> {
    let Some(summary): Option<FrameworkSummary> = conn
        .fetch_optional(&format!("{SUMMARY_SELECT} WHERE f.id = $1"), params![id])
        .await?
    else {
        return Ok(None);
    };
    let (attributes, reference_controls): (String, String) = conn
        .fetch_one(
            "SELECT CAST(attributes AS TEXT), CAST(reference_controls AS TEXT) FROM frameworks \
             WHERE id = $1",
            params![id],
        )
        .await?;
    let requirements = conn
        .fetch_all(
            "SELECT id, parent_id, title, guidance, assessable, tags, CAST(details AS TEXT), \
                 source_key, withdrawn FROM requirements WHERE framework_id = $1 ORDER BY position",
            params![id],
        )
        .await?;
    Ok(Some(StoredFramework {
        summary,
        attributes: from_json("attributes", &attributes)?,
        reference_controls: from_json("reference controls", &reference_controls)?,
        requirements,
    }))
}

/// The columns of a requirement as [`write_framework`] writes them.
const REQUIREMENT_COLUMNS: &str = "framework_id, id, position, parent_id, title, guidance, \
     assessable, tags, details, source_key, withdrawn";

/// On a second write, the requirement is rewritten in place.
const REQUIREMENT_UPSERT: &str = "ON CONFLICT (framework_id, id) DO UPDATE SET \
     position = EXCLUDED.position, parent_id = EXCLUDED.parent_id, title = EXCLUDED.title, \
     guidance = EXCLUDED.guidance, assessable = EXCLUDED.assessable, tags = EXCLUDED.tags, \
     details = EXCLUDED.details, source_key = EXCLUDED.source_key, withdrawn = EXCLUDED.withdrawn";

/// The parts, parameters and properties of a requirement, stored as one JSON object.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Details {
    #[serde(default)]
    parts: Vec<custos_domain::controls::library::RequirementPart>,
    #[serde(default)]
    params: Vec<custos_domain::controls::library::RequirementParam>,
    #[serde(default)]
    properties: Vec<custos_domain::controls::library::RequirementProperty>,
}

/// Writes `library` over the stored framework of its id, or as a new one: every requirement
/// it has is written in place, every one it no longer has is marked withdrawn.
pub async fn write_framework(
    conn: &mut Conn,
    library: &FrameworkLibrary,
    origin: Origin,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let backend = conn.backend();
    let info = &library.framework;
    let sql = format!(
        "INSERT INTO frameworks (id, version, reference, name, edition, publisher, licence, \
             attributes, reference_controls, origin, loaded_at, library_key, framework_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, {}, {}, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, \
             reference = EXCLUDED.reference, name = EXCLUDED.name, edition = EXCLUDED.edition, \
             publisher = EXCLUDED.publisher, licence = EXCLUDED.licence, \
             attributes = EXCLUDED.attributes, reference_controls = EXCLUDED.reference_controls, \
             origin = EXCLUDED.origin, loaded_at = EXCLUDED.loaded_at, \
             library_key = EXCLUDED.library_key, framework_key = EXCLUDED.framework_key",
        json_placeholder(backend, 8),
        json_placeholder(backend, 9)
    );
    conn.execute(
        &sql,
        params![
            library.id.as_str(),
            library.version,
            info.reference.as_str(),
            info.name.as_str(),
            info.edition.as_str(),
            info.publisher.as_str(),
            info.licence.as_str(),
            to_json(&library.attributes)?,
            to_json(&library.reference_controls)?,
            origin.as_str(),
            now,
            library.source_keys.as_ref().map(|k| k.library.as_str()),
            library.source_keys.as_ref().map(|k| k.framework.as_str())
        ],
    )
    .await?;
    // Every requirement the new version has is written back as not withdrawn.
    conn.execute(
        "UPDATE requirements SET withdrawn = TRUE WHERE framework_id = $1",
        params![library.id.as_str()],
    )
    .await?;
    let mut rows = Vec::with_capacity(library.requirements.len());
    for (requirement, position) in library.requirements.iter().zip(0_i64..) {
        let details = Details {
            parts: requirement.parts.clone(),
            params: requirement.params.clone(),
            properties: requirement.properties.clone(),
        };
        rows.push(vec![
            Param::from(library.id.clone()),
            Param::from(requirement.id.clone()),
            Param::from(position),
            Param::Text(requirement.parent.clone().map(Into::into)),
            Param::from(requirement.title.clone()),
            Param::from(requirement.guidance.clone()),
            Param::from(requirement.assessable),
            Param::from(requirement.tags.join(" ")),
            Param::from(to_json(&details)?),
            Param::Text(requirement.source_key.clone().map(Into::into)),
            Param::from(false),
        ]);
    }
    let statement = RowsStatement {
        one_row: format!(
            "INSERT INTO requirements ({REQUIREMENT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) {REQUIREMENT_UPSERT}"
        ),
        // The details arrive as text: PostgreSQL casts them to jsonb.
        unnest: format!(
            "INSERT INTO requirements ({REQUIREMENT_COLUMNS}) \
             SELECT framework_id, id, position, parent_id, title, guidance, assessable, tags, \
                 CAST(details AS jsonb), source_key, withdrawn \
             FROM UNNEST({{arrays}}) AS u ({REQUIREMENT_COLUMNS}) {REQUIREMENT_UPSERT}"
        ),
    };
    conn.run_rows::<()>(&statement, rows).await?;
    Ok(())
}

const MAPPING_INSERT: RowsInsert = RowsInsert {
    table: "requirement_mappings",
    columns: &[
        "mapping_set_id",
        "source_id",
        "target_id",
        "relationship",
        "strength",
        "note",
    ],
    tail: "",
};

/// Writes `library` over the stored mapping set of its id, or as a new one. Nothing points at
/// a relation, so the set's relations are replaced whole.
pub async fn write_mapping_set(
    conn: &mut Conn,
    library: &MappingLibrary,
    origin: Origin,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO mapping_sets (id, version, source_framework, target_framework, description, \
             origin, loaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, \
             source_framework = EXCLUDED.source_framework, \
             target_framework = EXCLUDED.target_framework, description = EXCLUDED.description, \
             origin = EXCLUDED.origin, loaded_at = EXCLUDED.loaded_at",
        params![
            library.id.as_str(),
            library.version,
            library.source.as_str(),
            library.target.as_str(),
            library.description.as_str(),
            origin.as_str(),
            now
        ],
    )
    .await?;
    conn.execute(
        "DELETE FROM requirement_mappings WHERE mapping_set_id = $1",
        params![library.id.as_str()],
    )
    .await?;
    let rows = library
        .mappings
        .iter()
        .map(|mapping| {
            vec![
                Param::from(library.id.clone()),
                Param::from(mapping.source.clone()),
                Param::from(mapping.target.clone()),
                Param::from(mapping.relationship.as_str()),
                Param::from(mapping.strength),
                Param::from(mapping.note.clone()),
            ]
        })
        .collect();
    conn.insert_rows::<()>(&MAPPING_INSERT, rows).await?;
    Ok(())
}

/// Every stored mapping set, by id.
pub async fn mapping_sets(conn: &mut Conn) -> StoreResult<Vec<MappingSetSummary>> {
    conn.fetch_all(
        "SELECT s.id, s.version, s.source_framework, s.target_framework, s.description, s.origin, \
             s.loaded_at, (SELECT COUNT(*) FROM requirement_mappings m WHERE m.mapping_set_id = s.id) \
         FROM mapping_sets s ORDER BY s.id",
        &[],
    )
    .await
}

/// The relations of every mapping set from or to `framework_id`'s requirement `id`.
pub async fn mappings_of(
    conn: &mut Conn,
    framework_id: &str,
    id: &str,
) -> StoreResult<Vec<StoredMapping>> {
    conn.fetch_all(
        "SELECT s.id, s.source_framework, s.target_framework, m.source_id, m.target_id, \
             m.relationship, m.strength, m.note \
         FROM requirement_mappings m JOIN mapping_sets s ON s.id = m.mapping_set_id \
         WHERE (s.source_framework = $1 AND m.source_id = $2) \
            OR (s.target_framework = $1 AND m.target_id = $2) \
         ORDER BY s.id, m.source_id, m.target_id",
        params![framework_id, id],
    )
    .await
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("library: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// The id of the framework whose library another tool names `library_key` (a dependency).
pub async fn framework_with_library_key(
    conn: &mut Conn,
    library_key: &str,
) -> StoreResult<Option<(String, i64)>> {
    conn.fetch_optional(
        "SELECT id, version FROM frameworks WHERE library_key = $1",
        params![library_key],
    )
    .await
}

/// The id of the framework another tool names `framework_key`.
pub async fn framework_with_framework_key(
    conn: &mut Conn,
    framework_key: &str,
) -> StoreResult<Option<String>> {
    let found: Option<(String,)> = conn
        .fetch_optional(
            "SELECT id FROM frameworks WHERE framework_key = $1",
            params![framework_key],
        )
        .await?;
    Ok(found.map(|(id,)| id))
}

/// The requirements of a framework that another tool names, by that name.
pub async fn requirement_ids_by_source_key(
    conn: &mut Conn,
    framework_id: &str,
) -> StoreResult<Vec<(String, String)>> {
    conn.fetch_all(
        "SELECT source_key, id FROM requirements \
         WHERE framework_id = $1 AND source_key IS NOT NULL",
        params![framework_id],
    )
    .await
}

/// The relations of every mapping set with `framework_id` on either side.
pub async fn mappings_touching(
    conn: &mut Conn,
    framework_id: &str,
) -> StoreResult<Vec<StoredMapping>> {
    conn.fetch_all(
        "SELECT s.id, s.source_framework, s.target_framework, m.source_id, m.target_id, \
             m.relationship, m.strength, m.note \
         FROM requirement_mappings m JOIN mapping_sets s ON s.id = m.mapping_set_id \
         WHERE s.source_framework = $1 OR s.target_framework = $1 \
         ORDER BY s.id, m.source_id, m.target_id",
        params![framework_id],
    )
    .await
}

/// The assessable requirements of `framework_id` its library still has, as (id, title) in
/// reading order.
pub async fn assessable_requirements(
    conn: &mut Conn,
    framework_id: &str,
) -> StoreResult<Vec<(String, String)>> {
    conn.fetch_all(
        "SELECT id, title FROM requirements \
         WHERE framework_id = $1 AND assessable AND NOT withdrawn ORDER BY position",
        params![framework_id],
    )
    .await
}

/// The title of requirement `id` of `framework_id`, and whether it is assessable and not
/// withdrawn; `None` when there is no such requirement.
pub async fn requirement_title(
    conn: &mut Conn,
    framework_id: &str,
    id: &str,
) -> StoreResult<Option<(String, bool)>> {
    conn.fetch_optional(
        "SELECT title, assessable AND NOT withdrawn FROM requirements \
         WHERE framework_id = $1 AND id = $2",
        params![framework_id, id],
    )
    .await
}
