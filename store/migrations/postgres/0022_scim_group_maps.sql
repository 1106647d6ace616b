-- Mapping a directory (SCIM) group onto an existing Reportline group (issue
-- 14): a platform admin adopts a group made in Reportline for the IdP's
-- group, named by its externalId or its displayName, so the IdP's pushes
-- land there instead of in a duplicate. A mapped group is a scim_groups row
-- with mapped_by set (the admin; 0 for a group the client created), and
-- directory_name is the IdP's name for it, shown on /Groups in place of the
-- Reportline name, which the IdP never changes.
ALTER TABLE scim_groups ADD COLUMN directory_name TEXT NOT NULL DEFAULT '';
ALTER TABLE scim_groups ADD COLUMN mapped_by BIGINT NOT NULL DEFAULT 0;
ALTER TABLE scim_groups ADD COLUMN mapped_at BIGINT NOT NULL DEFAULT 0;

-- Two mapped groups never answer to one IdP group.
CREATE UNIQUE INDEX scim_groups_mapped_external ON scim_groups (tenant_id, external_id) WHERE mapped_by <> 0 AND external_id <> '';
CREATE UNIQUE INDEX scim_groups_mapped_name ON scim_groups (tenant_id, lower(directory_name)) WHERE mapped_by <> 0 AND directory_name <> '';
