-- The risk method and the threat and vulnerability catalogues (issue 8). Ids and timestamps
-- as text and flags as 0 or 1, like every SQLite table here.

-- Versions of each organisation's risk method, numbered per organisation. Only a draft
-- changes; at most one version is open (a draft or waiting for a decision), and it is the
-- newest. The approved version with the highest number is the method in force. The method
-- (scales, levels, matrix, appetite) is a JSON object written and checked by Custos.
CREATE TABLE risk_method_versions (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected')),
    body TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object'),
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    decided_at TEXT,
    PRIMARY KEY (org_id, version)
);
CREATE UNIQUE INDEX risk_method_open_version
    ON risk_method_versions (org_id) WHERE status IN ('draft', 'pending_approval');

-- Each organisation's copy of the threat catalogue. library_version is the shipped
-- catalogue's version an entry came from (NULL for the organisation's own entries).
CREATE TABLE threats (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    reference TEXT NOT NULL,
    threat_group TEXT NOT NULL CHECK (threat_group IN ('human-deliberate', 'human-accidental', 'technical-failure', 'environmental', 'supplier', 'legal')),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    confidentiality INTEGER NOT NULL CHECK (confidentiality IN (0, 1)),
    integrity INTEGER NOT NULL CHECK (integrity IN (0, 1)),
    availability INTEGER NOT NULL CHECK (availability IN (0, 1)),
    library_version INTEGER,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, reference)
);

CREATE TABLE vulnerabilities (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    reference TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('people', 'process', 'technology', 'physical', 'supplier', 'organisation')),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    library_version INTEGER,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, reference)
);

-- Which version of each shipped catalogue an organisation's copy was made from: an
-- organisation is given the catalogues once, and entries it deletes stay deleted.
CREATE TABLE risk_catalogue_loads (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    threats_version INTEGER NOT NULL,
    vulnerabilities_version INTEGER NOT NULL,
    loaded_at TEXT NOT NULL
);
