-- Segregation of duties: who gave each member their current role, and when; and, on each
-- decision, who had given the decider their role. Memberships made before this change keep
-- their creation time as the grant time and an unknown granter.
ALTER TABLE memberships ADD COLUMN granted_by TEXT REFERENCES users (id);
ALTER TABLE memberships ADD COLUMN role_granted_at TEXT NOT NULL DEFAULT '';
UPDATE memberships SET role_granted_at = created_at;
ALTER TABLE approvals ADD COLUMN decider_granted_by TEXT REFERENCES users (id);
ALTER TABLE approvals ADD COLUMN decider_granted_at TEXT;
CREATE INDEX memberships_org_granted ON memberships (org_id, role_granted_at);
