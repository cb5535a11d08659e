-- A link's organisation is its assets' organisation: both ends reference assets, which
-- reference their organisation, and every statement writes a link with the organisation of
-- the assets it joins. Checking the organisation again cost a lookup per link (issue 7's
-- import benchmark). SQLite drops a constraint by rebuilding the table.
CREATE TABLE asset_links_rebuilt (
    org_id TEXT NOT NULL,
    supporting_id TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    dependant_id TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, supporting_id, dependant_id),
    CHECK (supporting_id <> dependant_id)
);
INSERT INTO asset_links_rebuilt (org_id, supporting_id, dependant_id, created_at)
    SELECT org_id, supporting_id, dependant_id, created_at FROM asset_links;
DROP TABLE asset_links;
ALTER TABLE asset_links_rebuilt RENAME TO asset_links;
CREATE INDEX asset_links_by_dependant ON asset_links (org_id, dependant_id, supporting_id);
