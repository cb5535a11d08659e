-- The Statement of Applicability (issue 9): versions of each organisation's statement, numbered
-- per organisation and approved like the risk method: only a draft changes, at most one
-- version is open, and the approved version with the highest number is the statement in
-- force. The statement (one entry per Annex A control) is a JSON object checked by Custos.
CREATE TABLE soa_versions (
    org_id uuid NOT NULL REFERENCES organisations (id),
    version BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected')),
    body jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
    revision BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    submitted_at timestamptz,
    decided_at timestamptz,
    PRIMARY KEY (org_id, version)
);
CREATE UNIQUE INDEX soa_open_version
    ON soa_versions (org_id) WHERE status IN ('draft', 'pending_approval');
