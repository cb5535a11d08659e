-- An organisation's events are listed by their chain, which is the organisation's, in order
-- of their place in it: the (chain, seq) key answers that, so the second index over
-- (org_id, seq) only slowed every audited write (a quarter of the index work of moving
-- 100,000 risks to a new method version).
DROP INDEX audit_events_org;
