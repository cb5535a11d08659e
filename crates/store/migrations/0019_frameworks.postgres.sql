-- Framework libraries (issue 9): global, shared by every organisation. A requirement is known
-- by its framework and its own id for good: a newer library version rewrites it in place, and
-- one the newer version drops is marked withdrawn, never deleted, so whatever points at it
-- keeps pointing at it.
CREATE TABLE frameworks (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version >= 1),
    reference TEXT NOT NULL,
    name TEXT NOT NULL,
    edition TEXT NOT NULL,
    publisher TEXT NOT NULL,
    licence TEXT NOT NULL,
    -- Arrays of the library's attribute fields and reference controls.
    attributes jsonb NOT NULL CHECK (jsonb_typeof(attributes) = 'array'),
    reference_controls jsonb NOT NULL CHECK (jsonb_typeof(reference_controls) = 'array'),
    -- How the tool it came from names the library and its framework (CISO Assistant URNs):
    -- libraries imported later name them that way (dependencies, mapping sets).
    library_key TEXT UNIQUE,
    framework_key TEXT UNIQUE,
    -- 'shipped' with Custos, or 'imported' by someone.
    origin TEXT NOT NULL CHECK (origin IN ('shipped', 'imported')),
    loaded_at timestamptz NOT NULL
);

CREATE TABLE requirements (
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    id TEXT NOT NULL,
    position BIGINT NOT NULL,
    parent_id TEXT,
    title TEXT NOT NULL,
    guidance TEXT NOT NULL,
    assessable BOOLEAN NOT NULL,
    -- Its tags, each a word of lower-case letters, digits, dots, hyphens or underscores,
    -- separated by single spaces: a tag is found by LIKE '% tag %' on ' ' || tags || ' '.
    tags TEXT NOT NULL,
    -- The parts, parameters and properties an imported catalog gives (OSCAL), as one JSON
    -- object; empty for our own libraries.
    details jsonb NOT NULL,
    -- How the file it came from names it (a CISO Assistant URN), when that differs from id.
    source_key TEXT,
    withdrawn BOOLEAN NOT NULL,
    PRIMARY KEY (framework_id, id)
);
CREATE UNIQUE INDEX requirements_framework_source_key ON requirements (framework_id, source_key)
    WHERE source_key IS NOT NULL;
CREATE INDEX requirements_framework_position ON requirements (framework_id, position);

CREATE TABLE mapping_sets (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version >= 1),
    source_framework TEXT NOT NULL REFERENCES frameworks (id),
    target_framework TEXT NOT NULL REFERENCES frameworks (id),
    description TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('shipped', 'imported')),
    loaded_at timestamptz NOT NULL
);

CREATE TABLE requirement_mappings (
    mapping_set_id TEXT NOT NULL REFERENCES mapping_sets (id) ON DELETE CASCADE,
    source_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    relationship TEXT NOT NULL CHECK (relationship IN ('equal', 'subset', 'superset', 'intersect')),
    strength DOUBLE PRECISION CHECK (strength > 0 AND strength <= 1),
    note TEXT NOT NULL,
    PRIMARY KEY (mapping_set_id, source_id, target_id)
);
CREATE INDEX requirement_mappings_target ON requirement_mappings (mapping_set_id, target_id);
