-- The risk register (issue 8): risks, the assets they affect, the controls that treat them
-- (the controls register adds its foreign key), and the history of every score.
CREATE TABLE risks (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organisations (id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    search_text TEXT NOT NULL,
    description TEXT NOT NULL,
    threat_id uuid REFERENCES threats (id) ON DELETE SET NULL,
    vulnerability_id uuid REFERENCES vulnerabilities (id) ON DELETE SET NULL,
    confidentiality BOOLEAN NOT NULL,
    integrity BOOLEAN NOT NULL,
    availability BOOLEAN NOT NULL,
    owner_id uuid REFERENCES users (id),
    -- The risk method version the levels were given by; NULL while unrated.
    method_version BIGINT,
    inherent_likelihood BIGINT CHECK (inherent_likelihood BETWEEN 1 AND 6),
    inherent_impact BIGINT CHECK (inherent_impact BETWEEN 1 AND 6),
    inherent_level BIGINT CHECK (inherent_level BETWEEN 0 AND 5),
    existing_controls TEXT NOT NULL,
    residual_likelihood BIGINT CHECK (residual_likelihood BETWEEN 1 AND 6),
    residual_impact BIGINT CHECK (residual_impact BETWEEN 1 AND 6),
    residual_level BIGINT CHECK (residual_level BETWEEN 0 AND 5),
    -- The residual level once rated, the inherent one before: what lists sort and filter by.
    current_level BIGINT CHECK (current_level BETWEEN 0 AND 5),
    treatment TEXT CHECK (treatment IN ('modify', 'retain', 'avoid', 'share')),
    status TEXT NOT NULL CHECK (status IN ('identified', 'assessed', 'treatment_planned', 'in_treatment', 'accepted', 'closed')),
    next_review_on date,
    version BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX risks_org_title ON risks (org_id, title_key, number);
CREATE INDEX risks_org_level ON risks (org_id, current_level, number);
CREATE INDEX risks_org_status ON risks (org_id, status, number);
CREATE INDEX risks_org_owner ON risks (org_id, owner_id, number);
CREATE INDEX risks_org_next_review ON risks (org_id, next_review_on, number);
CREATE INDEX risks_org_updated ON risks (org_id, updated_at, number);

CREATE TABLE risk_assets (
    org_id uuid NOT NULL,
    risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    asset_id uuid NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    PRIMARY KEY (risk_id, asset_id)
);
CREATE INDEX risk_assets_asset ON risk_assets (org_id, asset_id);

-- Controls treating a risk. control_id gets its foreign key when the controls register
-- lands.
CREATE TABLE risk_controls (
    org_id uuid NOT NULL,
    risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    control_id uuid NOT NULL,
    PRIMARY KEY (risk_id, control_id)
);
CREATE INDEX risk_controls_control ON risk_controls (org_id, control_id);

-- Every score a risk was given, and why: an assessment, or moving to a new method version.
-- Kept when the risk is deleted, so trends over time stay true.
CREATE TABLE risk_scores (
    org_id uuid NOT NULL REFERENCES organisations (id),
    risk_id uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('assessed', 'method_changed', 'deleted')),
    method_version BIGINT,
    inherent_likelihood BIGINT,
    inherent_impact BIGINT,
    inherent_level BIGINT,
    residual_likelihood BIGINT,
    residual_impact BIGINT,
    residual_level BIGINT,
    status TEXT NOT NULL
);
CREATE INDEX risk_scores_org_risk ON risk_scores (org_id, risk_id, recorded_at);
CREATE INDEX risk_scores_org_time ON risk_scores (org_id, recorded_at);
