-- Evidence (issue 9), with ids and timestamps as text: a file (kept in the object store under its SHA-256, which is recorded
-- here and checked on every download) or a link, with when it was collected, the period it
-- proves and when it expires; attached to applied controls, requirements or documents.
CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    search_text TEXT NOT NULL,
    description TEXT NOT NULL,
    url TEXT,
    file_name TEXT,
    file_type TEXT,
    file_size INTEGER CHECK (file_size >= 0),
    file_sha256 TEXT CHECK (file_sha256 IS NULL OR length(file_sha256) = 64),
    collected_on TEXT,
    effective_from TEXT,
    effective_to TEXT,
    expires_on TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX evidence_org_title ON evidence (org_id, title_key, number);
CREATE INDEX evidence_org_expires ON evidence (org_id, expires_on, number);

CREATE TABLE evidence_controls (
    org_id TEXT NOT NULL,
    evidence_id TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    control_id TEXT NOT NULL REFERENCES controls (id) ON DELETE CASCADE,
    PRIMARY KEY (evidence_id, control_id)
);
CREATE INDEX evidence_controls_control ON evidence_controls (org_id, control_id);

CREATE TABLE evidence_requirements (
    org_id TEXT NOT NULL,
    evidence_id TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    PRIMARY KEY (evidence_id, framework_id, requirement_id),
    FOREIGN KEY (framework_id, requirement_id) REFERENCES requirements (framework_id, id)
);
CREATE INDEX evidence_requirements_requirement
    ON evidence_requirements (org_id, framework_id, requirement_id);

CREATE TABLE evidence_documents (
    org_id TEXT NOT NULL,
    evidence_id TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (evidence_id, document_id)
);
CREATE INDEX evidence_documents_document ON evidence_documents (org_id, document_id);
