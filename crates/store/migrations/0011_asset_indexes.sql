-- Indexes a million-asset inventory needs whether or not the database has planner statistics
-- (issue 7's benchmark): links are walked from the dependant as often as from the supporter,
-- so that index carries both ends (a covering index SQLite prefers to the primary key's); and
-- the inventory is most often read one type at a time in name order.
CREATE INDEX asset_links_by_dependant ON asset_links (org_id, dependant_id, supporting_id);
DROP INDEX asset_links_dependant;
CREATE INDEX assets_org_type_name ON assets (org_id, asset_type, name_key, number);
