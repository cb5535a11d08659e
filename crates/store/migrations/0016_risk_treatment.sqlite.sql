-- Risk treatment and acceptance (issue 8), ids, dates and timestamps as text: each risk's
-- treatment plan (its target level and
-- actions), the acceptances senior roles decide, and the quantitative estimates.
ALTER TABLE risks ADD COLUMN target_level INTEGER CHECK (target_level BETWEEN 0 AND 5);
ALTER TABLE risks ADD COLUMN annual_rate_low REAL;
ALTER TABLE risks ADD COLUMN annual_rate_likely REAL;
ALTER TABLE risks ADD COLUMN annual_rate_high REAL;
ALTER TABLE risks ADD COLUMN single_loss_low REAL;
ALTER TABLE risks ADD COLUMN single_loss_likely REAL;
ALTER TABLE risks ADD COLUMN single_loss_high REAL;

-- The actions of a risk's treatment plan. cost is in whole units of the method's currency.
CREATE TABLE risk_actions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    risk_id TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    owner_id TEXT REFERENCES users (id),
    due_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    cost INTEGER CHECK (cost >= 0),
    completed_on TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX risk_actions_org_risk ON risk_actions (org_id, risk_id, due_on);
CREATE INDEX risk_actions_org_due ON risk_actions (org_id, status, due_on);

-- Requests to accept a risk's residual level, decided through an approval by the role the
-- level names; immutable once decided.
CREATE TABLE risk_acceptances (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    risk_id TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    risk_version INTEGER NOT NULL,
    method_version INTEGER NOT NULL,
    level INTEGER NOT NULL,
    decider_role TEXT NOT NULL,
    justification TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected')),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX risk_acceptances_org_risk ON risk_acceptances (org_id, risk_id, created_at);
