-- Platform and first slice. Portable SQL: SQLite and PostgreSQL run this file unchanged.
-- Ids are UUID text, timestamps fixed-width UTC text, flags 0/1 integers, enums TEXT + CHECK.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    instance_admin BIGINT NOT NULL DEFAULT 0 CHECK (instance_admin IN (0, 1)),
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    password_changed_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'isms_manager', 'approver', 'contributor', 'auditor', 'staff')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- The cookie carries a random secret; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'read_write')),
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, org_id);

-- Per-organisation counters for human references such as OBJ-0042.
CREATE TABLE reference_counters (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    last_value BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind)
);

-- The head of each audit chain (one per organisation, plus 'instance'), updated in the same
-- transaction as the event it points to, so a deleted tail event is detected too.
CREATE TABLE audit_chains (
    chain TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    org_id TEXT,
    actor_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    occurred_at TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX audit_events_org ON audit_events (org_id, seq);
CREATE INDEX audit_events_record ON audit_events (org_id, record_type, record_id);

CREATE TABLE objectives (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    search_text TEXT NOT NULL,
    rationale TEXT NOT NULL,
    description TEXT NOT NULL,
    benefits TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('business_alignment', 'confidentiality', 'integrity', 'availability', 'risk', 'compliance', 'awareness')),
    target TEXT NOT NULL,
    target_value DOUBLE PRECISION,
    target_unit TEXT,
    owner_id TEXT REFERENCES users (id),
    due_date TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected', 'achieved', 'not_achieved', 'cancelled')),
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX objectives_org_title ON objectives (org_id, title, id);
CREATE INDEX objectives_org_due ON objectives (org_id, due_date, id);
CREATE INDEX objectives_org_updated ON objectives (org_id, updated_at, id);

CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    record_version BIGINT NOT NULL,
    record_title TEXT NOT NULL,
    decider_role TEXT NOT NULL CHECK (decider_role IN ('admin', 'isms_manager', 'approver', 'contributor', 'auditor', 'staff')),
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TEXT NOT NULL,
    request_note TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    decided_by TEXT REFERENCES users (id),
    decided_at TEXT,
    decision_comment TEXT
);
CREATE INDEX approvals_org_status ON approvals (org_id, status, requested_at);
CREATE INDEX approvals_record ON approvals (org_id, record_type, record_id);
