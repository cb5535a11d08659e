-- Risk treatment and acceptance (issue 8): each risk's treatment plan (its target level and
-- actions), the acceptances senior roles decide, and the quantitative estimates.
ALTER TABLE risks ADD COLUMN target_level BIGINT CHECK (target_level BETWEEN 0 AND 5);
ALTER TABLE risks ADD COLUMN annual_rate_low DOUBLE PRECISION;
ALTER TABLE risks ADD COLUMN annual_rate_likely DOUBLE PRECISION;
ALTER TABLE risks ADD COLUMN annual_rate_high DOUBLE PRECISION;
ALTER TABLE risks ADD COLUMN single_loss_low DOUBLE PRECISION;
ALTER TABLE risks ADD COLUMN single_loss_likely DOUBLE PRECISION;
ALTER TABLE risks ADD COLUMN single_loss_high DOUBLE PRECISION;

-- The actions of a risk's treatment plan. cost is in whole units of the method's currency.
CREATE TABLE risk_actions (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organisations (id),
    risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    owner_id uuid REFERENCES users (id),
    due_on date,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    cost BIGINT CHECK (cost >= 0),
    completed_on date,
    version BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX risk_actions_org_risk ON risk_actions (org_id, risk_id, due_on);
CREATE INDEX risk_actions_org_due ON risk_actions (org_id, status, due_on);

-- Requests to accept a risk's residual level, decided through an approval by the role the
-- level names; immutable once decided.
CREATE TABLE risk_acceptances (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organisations (id),
    risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    risk_version BIGINT NOT NULL,
    method_version BIGINT NOT NULL,
    level BIGINT NOT NULL,
    decider_role TEXT NOT NULL,
    justification TEXT NOT NULL,
    expires_on date NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected')),
    version BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    decided_at timestamptz
);
CREATE INDEX risk_acceptances_org_risk ON risk_acceptances (org_id, risk_id, created_at);
