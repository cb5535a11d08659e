-- Accounts created for someone else (an administrator adding a new member) carry a password
-- that person did not choose: they must replace it before using Custos.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
