-- Applied controls (issue 9): what each organisation does, the requirements of any framework
-- each satisfies, and (through risk_controls, which gains its foreign key here) the risks
-- each treats. Requirements are never deleted (a newer library marks them withdrawn), so a
-- link to one survives every library upgrade.
CREATE TABLE controls (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organisations (id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT COLLATE "C" NOT NULL,
    search_text TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_id uuid REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'implemented', 'not_applicable')),
    implemented_on date,
    one_off_cost BIGINT CHECK (one_off_cost >= 0),
    recurring_cost BIGINT CHECK (recurring_cost >= 0),
    effectiveness TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX controls_org_title ON controls (org_id, title_key, number);
CREATE INDEX controls_org_status ON controls (org_id, status, number);
CREATE INDEX controls_org_owner ON controls (org_id, owner_id, number);

CREATE TABLE control_requirements (
    org_id uuid NOT NULL,
    control_id uuid NOT NULL REFERENCES controls (id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    PRIMARY KEY (control_id, framework_id, requirement_id),
    FOREIGN KEY (framework_id, requirement_id) REFERENCES requirements (framework_id, id)
);
CREATE INDEX control_requirements_requirement
    ON control_requirements (org_id, framework_id, requirement_id);

-- Nothing wrote risk_controls before this register; a row naming no control is dropped.
DELETE FROM risk_controls rc WHERE NOT EXISTS (SELECT 1 FROM controls c WHERE c.id = rc.control_id);
ALTER TABLE risk_controls
    ADD CONSTRAINT risk_controls_control_fk FOREIGN KEY (control_id) REFERENCES controls (id) ON DELETE CASCADE;
