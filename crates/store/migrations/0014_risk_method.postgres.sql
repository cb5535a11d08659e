-- The risk method and the threat and vulnerability catalogues (issue 8).

-- Versions of each organisation's risk method, numbered per organisation. Only a draft
-- changes; at most one version is open (a draft or waiting for a decision), and it is the
-- newest. The approved version with the highest number is the method in force. The method
-- (scales, levels, matrix, appetite) is a JSON object written and checked by Custos.
CREATE TABLE risk_method_versions (
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
CREATE UNIQUE INDEX risk_method_open_version
    ON risk_method_versions (org_id) WHERE status IN ('draft', 'pending_approval');

-- Each organisation's copy of the threat catalogue. library_version is the shipped
-- catalogue's version an entry came from (NULL for the organisation's own entries).
CREATE TABLE threats (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organisations (id),
    reference TEXT NOT NULL,
    threat_group TEXT NOT NULL CHECK (threat_group IN ('human-deliberate', 'human-accidental', 'technical-failure', 'environmental', 'supplier', 'legal')),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    confidentiality BOOLEAN NOT NULL,
    integrity BOOLEAN NOT NULL,
    availability BOOLEAN NOT NULL,
    library_version BIGINT,
    version BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (org_id, reference)
);

CREATE TABLE vulnerabilities (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organisations (id),
    reference TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('people', 'process', 'technology', 'physical', 'supplier', 'organisation')),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    library_version BIGINT,
    version BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (org_id, reference)
);

-- Which version of each shipped catalogue an organisation's copy was made from: an
-- organisation is given the catalogues once, and entries it deletes stay deleted.
CREATE TABLE risk_catalogue_loads (
    org_id uuid PRIMARY KEY REFERENCES organisations (id),
    threats_version BIGINT NOT NULL,
    vulnerabilities_version BIGINT NOT NULL,
    loaded_at timestamptz NOT NULL
);
