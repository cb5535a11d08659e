-- "A supports B" between two assets of one organisation: B depends on A, so A is at least as
-- valuable as B (issue 7). Deleting an asset deletes its links; the audit trail keeps both.
CREATE TABLE asset_links (
    org_id uuid NOT NULL REFERENCES organisations (id),
    supporting_id uuid NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    dependant_id uuid NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, supporting_id, dependant_id),
    CHECK (supporting_id <> dependant_id)
);
CREATE INDEX asset_links_dependant ON asset_links (org_id, dependant_id);
