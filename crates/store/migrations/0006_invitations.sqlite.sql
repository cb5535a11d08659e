-- Invitations to join an organisation: a single-use, expiring link. Only the SHA-256 of the
-- link's secret is kept. No account or membership exists until the invitation is accepted.
-- SQLite keeps ids and timestamps as text, like every table (see 0001).
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'isms_manager', 'approver', 'contributor', 'auditor', 'staff')),
    secret_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT,
    accepted_by TEXT REFERENCES users (id),
    revoked_at TEXT
);
-- One open invitation per address and organisation: inviting again refreshes it.
CREATE UNIQUE INDEX invitations_open_address ON invitations (org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_org ON invitations (org_id, created_at);
