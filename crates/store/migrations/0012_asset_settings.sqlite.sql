-- Each organisation's impact scale and classification scheme (issue 7). An organisation with
-- no impact_scales row uses the built-in scale; one with no approved scheme version uses the
-- built-in scheme. Levels are JSON arrays written and checked by Custos.
CREATE TABLE impact_scales (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    levels TEXT NOT NULL CHECK (json_valid(levels)),
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- Versions of the classification scheme, numbered per organisation. Only a draft changes;
-- at most one version is open (a draft or waiting for a decision), and it is the newest.
CREATE TABLE classification_scheme_versions (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected')),
    levels TEXT NOT NULL CHECK (json_valid(levels)),
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    decided_at TEXT,
    PRIMARY KEY (org_id, version)
);
CREATE UNIQUE INDEX classification_scheme_open_version
    ON classification_scheme_versions (org_id) WHERE status IN ('draft', 'pending_approval');
