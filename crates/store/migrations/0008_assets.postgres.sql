-- The asset inventory (issue 7), with native PostgreSQL types like every table since
-- migration 3; sorted text in the "C" collation (docs/decisions.md).
CREATE TABLE assets (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organisations (id),
    number BIGINT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT COLLATE "C" NOT NULL,
    search_text TEXT NOT NULL,
    description TEXT NOT NULL,
    asset_type TEXT NOT NULL CHECK (asset_type IN ('information', 'software', 'hardware', 'service', 'people', 'site')),
    owner_id uuid REFERENCES users (id),
    custodian_id uuid REFERENCES users (id),
    location TEXT NOT NULL,
    classification BIGINT CHECK (classification BETWEEN 1 AND 8),
    confidentiality BIGINT CHECK (confidentiality BETWEEN 1 AND 6),
    integrity BIGINT CHECK (integrity BETWEEN 1 AND 6),
    availability BIGINT CHECK (availability BETWEEN 1 AND 6),
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_use', 'retired')),
    -- Tags joined by a line feed, which no tag may contain.
    tags TEXT NOT NULL,
    external_id TEXT,
    last_reviewed_on date,
    next_review_on date,
    version BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (org_id, number)
);
CREATE UNIQUE INDEX assets_org_external_id ON assets (org_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX assets_org_name ON assets (org_id, name_key, number);
CREATE INDEX assets_org_type ON assets (org_id, asset_type, number);
CREATE INDEX assets_org_status ON assets (org_id, status, number);
CREATE INDEX assets_org_classification ON assets (org_id, classification, number);
CREATE INDEX assets_org_next_review ON assets (org_id, next_review_on, number);
CREATE INDEX assets_org_updated ON assets (org_id, updated_at, number);
CREATE INDEX assets_org_owner ON assets (org_id, owner_id, number);
