-- Each organisation's impact scale and classification scheme (issue 7). An organisation with
-- no impact_scales row uses the built-in scale; one with no approved scheme version uses the
-- built-in scheme. Levels are JSON arrays written and checked by Custos.
CREATE TABLE impact_scales (
    org_id uuid PRIMARY KEY REFERENCES organisations (id),
    levels jsonb NOT NULL CHECK (jsonb_typeof(levels) = 'array'),
    version BIGINT NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Versions of the classification scheme, numbered per organisation. Only a draft changes;
-- at most one version is open (a draft or waiting for a decision), and it is the newest.
CREATE TABLE classification_scheme_versions (
    org_id uuid NOT NULL REFERENCES organisations (id),
    version BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected')),
    levels jsonb NOT NULL CHECK (jsonb_typeof(levels) = 'array'),
    revision BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    submitted_at timestamptz,
    decided_at timestamptz,
    PRIMARY KEY (org_id, version)
);
CREATE UNIQUE INDEX classification_scheme_open_version
    ON classification_scheme_versions (org_id) WHERE status IN ('draft', 'pending_approval');
