-- Titles sort by a key Custos computes (lower case, accents removed) and compares byte by
-- byte, so both backends order them the same way (docs/decisions.md, "Text ordering").
ALTER TABLE objectives ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
DROP INDEX objectives_org_title;
DROP INDEX objectives_org_due;
DROP INDEX objectives_org_updated;
-- Lists sort by one column, then by number: these indexes serve the first page of a
-- sorted list without reading the whole register.
CREATE INDEX objectives_org_title_key ON objectives (org_id, title_key, number);
-- Objectives without a due date sort last in both directions: one index per direction.
CREATE INDEX objectives_org_due ON objectives (org_id, (due_date IS NULL), due_date, number);
CREATE INDEX objectives_org_due_desc ON objectives (org_id, (due_date IS NULL), due_date DESC, number DESC);
CREATE INDEX objectives_org_updated ON objectives (org_id, updated_at, number);
CREATE INDEX objectives_org_status ON objectives (org_id, status, number);
CREATE INDEX objectives_org_category ON objectives (org_id, category, number);
