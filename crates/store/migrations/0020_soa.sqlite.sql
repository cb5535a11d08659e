-- The Statement of Applicability (issue 9): versions of each organisation's statement, numbered
-- per organisation and approved like the risk method: only a draft changes, at most one
-- version is open, and the approved version with the highest number is the statement in
-- force. The statement (one entry per Annex A control) is a JSON object checked by Custos.
CREATE TABLE soa_versions (
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
CREATE UNIQUE INDEX soa_open_version
    ON soa_versions (org_id) WHERE status IN ('draft', 'pending_approval');
