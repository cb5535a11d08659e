-- Documents and policies (issue 9): each document with its numbered versions. A version is
-- drafted, reviewed (approved through the approvals), approved, and retired when a newer
-- one is approved or the document is withdrawn; only a draft or a rejected version changes,
-- and a document has at most one such open version. (At most one approved version is kept
-- by the approval's transaction, which retires the one replaced after approving the new one.) The information security policy (5.2)
-- is marked: at most one per organisation.
CREATE TABLE documents (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organisations (id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT COLLATE "C" NOT NULL,
    search_text TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('policy', 'procedure', 'standard', 'record_template')),
    purpose TEXT NOT NULL,
    owner_id uuid REFERENCES users (id),
    review_months BIGINT CHECK (review_months BETWEEN 1 AND 36),
    security_policy BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'retired')),
    current_version BIGINT,
    approved_on date,
    next_review_on date,
    version BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (org_id, number),
    CHECK (NOT security_policy OR kind = 'policy')
);
CREATE UNIQUE INDEX documents_security_policy ON documents (org_id) WHERE security_policy;
CREATE INDEX documents_org_title ON documents (org_id, title_key, number);
CREATE INDEX documents_org_status ON documents (org_id, status, number);
CREATE INDEX documents_org_next_review ON documents (org_id, next_review_on, number);

CREATE TABLE document_versions (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organisations (id),
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    number BIGINT NOT NULL CHECK (number >= 1),
    state TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'approved', 'rejected', 'retired')),
    body TEXT NOT NULL,
    -- A file in place of (or beside) the Markdown text, kept in the file store under its
    -- SHA-256.
    file_name TEXT,
    file_type TEXT,
    file_size BIGINT CHECK (file_size >= 0),
    file_sha256 TEXT CHECK (file_sha256 IS NULL OR length(file_sha256) = 64),
    change_note TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    decided_at timestamptz,
    UNIQUE (document_id, number)
);
CREATE UNIQUE INDEX document_versions_open
    ON document_versions (document_id) WHERE state IN ('draft', 'in_review', 'rejected');
CREATE INDEX document_versions_org ON document_versions (org_id, document_id, number);
