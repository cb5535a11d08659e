-- Applied controls (issue 9), with ids and timestamps as text: what each organisation does,
-- the requirements of any framework each satisfies, and (through risk_controls, which gains
-- its foreign key here) the risks each treats. Requirements are never deleted (a newer
-- library marks them withdrawn), so a link to one survives every library upgrade.
CREATE TABLE controls (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    search_text TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_id TEXT REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'implemented', 'not_applicable')),
    implemented_on TEXT,
    one_off_cost INTEGER CHECK (one_off_cost >= 0),
    recurring_cost INTEGER CHECK (recurring_cost >= 0),
    effectiveness TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX controls_org_title ON controls (org_id, title_key, number);
CREATE INDEX controls_org_status ON controls (org_id, status, number);
CREATE INDEX controls_org_owner ON controls (org_id, owner_id, number);

CREATE TABLE control_requirements (
    org_id TEXT NOT NULL,
    control_id TEXT NOT NULL REFERENCES controls (id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    PRIMARY KEY (control_id, framework_id, requirement_id),
    FOREIGN KEY (framework_id, requirement_id) REFERENCES requirements (framework_id, id)
);
CREATE INDEX control_requirements_requirement
    ON control_requirements (org_id, framework_id, requirement_id);

-- SQLite adds a foreign key by rebuilding the table. Nothing wrote risk_controls before this
-- register; a row naming no control is dropped.
CREATE TABLE risk_controls_rebuilt (
    org_id TEXT NOT NULL,
    risk_id TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    control_id TEXT NOT NULL REFERENCES controls (id) ON DELETE CASCADE,
    PRIMARY KEY (risk_id, control_id)
);
INSERT INTO risk_controls_rebuilt (org_id, risk_id, control_id)
    SELECT rc.org_id, rc.risk_id, rc.control_id FROM risk_controls rc
    WHERE EXISTS (SELECT 1 FROM controls c WHERE c.id = rc.control_id);
DROP TABLE risk_controls;
ALTER TABLE risk_controls_rebuilt RENAME TO risk_controls;
CREATE INDEX risk_controls_control ON risk_controls (org_id, control_id);
