-- Sessions people can see and end (docs/security.md, "Sessions and tokens"): a public id that
-- names a session on its owner's page without its secret or the secret's hash, when it was
-- last used (for the idle timeout), and the address and browser it was opened from.
-- Open sessions keep working: each gets a random id and counts as last used when it began.
ALTER TABLE sessions
    ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN last_seen_at timestamptz,
    ADD COLUMN client_address text NOT NULL DEFAULT '',
    ADD COLUMN user_agent text NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;
ALTER TABLE sessions
    ALTER COLUMN last_seen_at SET NOT NULL,
    ALTER COLUMN public_id DROP DEFAULT,
    ADD CONSTRAINT sessions_public_id_key UNIQUE (public_id);
