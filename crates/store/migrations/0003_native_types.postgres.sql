-- PostgreSQL moves from the portable text columns of schemas 1 and 2 to native types: uuid,
-- timestamptz, date and boolean. Foreign keys are dropped while their columns change type and
-- put back afterwards under the same names. Audit payloads (before_json, after_json) stay
-- text: their hash covers the exact text, which jsonb would rewrite.
ALTER TABLE memberships DROP CONSTRAINT memberships_org_id_fkey, DROP CONSTRAINT memberships_user_id_fkey;
ALTER TABLE sessions DROP CONSTRAINT sessions_user_id_fkey;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_org_id_fkey, DROP CONSTRAINT api_tokens_user_id_fkey;
ALTER TABLE reference_counters DROP CONSTRAINT reference_counters_org_id_fkey;
ALTER TABLE objectives DROP CONSTRAINT objectives_org_id_fkey, DROP CONSTRAINT objectives_owner_id_fkey;
ALTER TABLE approvals DROP CONSTRAINT approvals_org_id_fkey, DROP CONSTRAINT approvals_requested_by_fkey,
    DROP CONSTRAINT approvals_decided_by_fkey;

ALTER TABLE organisations
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;

ALTER TABLE users
    DROP CONSTRAINT users_disabled_check,
    DROP CONSTRAINT users_instance_admin_check,
    DROP CONSTRAINT users_must_change_password_check,
    ALTER COLUMN disabled DROP DEFAULT,
    ALTER COLUMN instance_admin DROP DEFAULT,
    ALTER COLUMN must_change_password DROP DEFAULT,
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN disabled TYPE boolean USING disabled <> 0,
    ALTER COLUMN instance_admin TYPE boolean USING instance_admin <> 0,
    ALTER COLUMN must_change_password TYPE boolean USING must_change_password <> 0,
    ALTER COLUMN locked_until TYPE timestamptz USING locked_until::timestamptz,
    ALTER COLUMN password_changed_at TYPE timestamptz USING password_changed_at::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
ALTER TABLE users
    ALTER COLUMN disabled SET DEFAULT FALSE,
    ALTER COLUMN instance_admin SET DEFAULT FALSE,
    ALTER COLUMN must_change_password SET DEFAULT FALSE;

ALTER TABLE memberships
    ALTER COLUMN org_id TYPE uuid USING org_id::uuid,
    ALTER COLUMN user_id TYPE uuid USING user_id::uuid,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;

ALTER TABLE sessions
    ALTER COLUMN user_id TYPE uuid USING user_id::uuid,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz;

ALTER TABLE api_tokens
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN org_id TYPE uuid USING org_id::uuid,
    ALTER COLUMN user_id TYPE uuid USING user_id::uuid,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz,
    ALTER COLUMN revoked_at TYPE timestamptz USING revoked_at::timestamptz,
    ALTER COLUMN last_used_at TYPE timestamptz USING last_used_at::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;

ALTER TABLE reference_counters
    ALTER COLUMN org_id TYPE uuid USING org_id::uuid;

ALTER TABLE audit_events
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN org_id TYPE uuid USING org_id::uuid,
    ALTER COLUMN actor_id TYPE uuid USING actor_id::uuid,
    ALTER COLUMN occurred_at TYPE timestamptz USING occurred_at::timestamptz;

ALTER TABLE objectives
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN org_id TYPE uuid USING org_id::uuid,
    ALTER COLUMN owner_id TYPE uuid USING owner_id::uuid,
    ALTER COLUMN due_date TYPE date USING due_date::date,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz,
    -- Titles sort by a key Custos computes (lower case, accents removed), compared byte by
    -- byte as SQLite does (docs/decisions.md, "Text ordering").
    ADD COLUMN title_key TEXT COLLATE "C" NOT NULL DEFAULT '';

ALTER TABLE approvals
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN org_id TYPE uuid USING org_id::uuid,
    ALTER COLUMN record_id TYPE uuid USING record_id::uuid,
    ALTER COLUMN requested_by TYPE uuid USING requested_by::uuid,
    ALTER COLUMN decided_by TYPE uuid USING decided_by::uuid,
    ALTER COLUMN requested_at TYPE timestamptz USING requested_at::timestamptz,
    ALTER COLUMN decided_at TYPE timestamptz USING decided_at::timestamptz;

ALTER TABLE memberships
    ADD CONSTRAINT memberships_org_id_fkey FOREIGN KEY (org_id) REFERENCES organisations (id),
    ADD CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE api_tokens
    ADD CONSTRAINT api_tokens_org_id_fkey FOREIGN KEY (org_id) REFERENCES organisations (id),
    ADD CONSTRAINT api_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE reference_counters
    ADD CONSTRAINT reference_counters_org_id_fkey FOREIGN KEY (org_id) REFERENCES organisations (id);
ALTER TABLE objectives
    ADD CONSTRAINT objectives_org_id_fkey FOREIGN KEY (org_id) REFERENCES organisations (id),
    ADD CONSTRAINT objectives_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users (id);
ALTER TABLE approvals
    ADD CONSTRAINT approvals_org_id_fkey FOREIGN KEY (org_id) REFERENCES organisations (id),
    ADD CONSTRAINT approvals_requested_by_fkey FOREIGN KEY (requested_by) REFERENCES users (id),
    ADD CONSTRAINT approvals_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES users (id);

DROP INDEX objectives_org_title;
DROP INDEX objectives_org_due;
DROP INDEX objectives_org_updated;
CREATE INDEX objectives_org_title_key ON objectives (org_id, title_key, number);
-- Objectives without a due date sort last in both directions: one index per direction.
CREATE INDEX objectives_org_due ON objectives (org_id, (due_date IS NULL), due_date, number);
CREATE INDEX objectives_org_due_desc ON objectives (org_id, (due_date IS NULL), due_date DESC, number DESC);
CREATE INDEX objectives_org_updated ON objectives (org_id, updated_at, number);
CREATE INDEX objectives_org_status ON objectives (org_id, status, number);
CREATE INDEX objectives_org_category ON objectives (org_id, category, number);
