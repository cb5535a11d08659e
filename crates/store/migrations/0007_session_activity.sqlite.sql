-- Sessions people can see and end (docs/security.md, "Sessions and tokens"): a public id that
-- names a session on its owner's page without its secret or the secret's hash, when it was
-- last used (for the idle timeout), and the address and browser it was opened from.
-- SQLite cannot add a NOT NULL column without a default: the table is rebuilt.
CREATE TABLE sessions_new (
    id_hash TEXT PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    client_address TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
-- Open sessions keep working: each gets a random (version 4) id, in the hyphenated lower-case
-- form Custos writes ids in, and counts as last used when it began.
INSERT INTO sessions_new (id_hash, public_id, user_id, created_at, expires_at, last_seen_at)
SELECT id_hash,
       substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8'
           || substr(h, 18, 3) || '-' || substr(h, 21, 12),
       user_id, created_at, expires_at, created_at
FROM (SELECT id_hash, user_id, created_at, expires_at, lower(hex(randomblob(16))) AS h FROM sessions);
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user_id);
