-- Audit events written from schema 5 on hash their own id too (hash_version 2); events
-- written before keep the formula they were hashed with (hash_version 1) and still verify.
ALTER TABLE audit_events ADD COLUMN hash_version BIGINT NOT NULL DEFAULT 1;
-- Organisations created before schema 5 get the instance event that roots their chain from
-- the backfill that runs after this file (custos_store::audit::root_existing_chains).
