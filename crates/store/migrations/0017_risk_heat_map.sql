-- Heat maps count open risks per cell of one method version: these indexes answer the count
-- from the index alone (issue 8, 100,000 risks). The second finds risks scored with another
-- version without reading the table.
CREATE INDEX risks_org_inherent_cells
    ON risks (org_id, method_version, inherent_likelihood, inherent_impact) WHERE status <> 'closed';
CREATE INDEX risks_org_residual_cells
    ON risks (org_id, method_version, residual_likelihood, residual_impact) WHERE status <> 'closed';
