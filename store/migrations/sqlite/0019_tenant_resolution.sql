-- Resolving the tenant of a request (issue 13, step 2 of docs/tenants.md).
--
-- tenants.host is matched exactly after lower-casing, so it is stored
-- lower-case (SQLite cannot add a CHECK to a table in place: triggers
-- refuse the rest); suspended_at says since when a suspended tenant is
-- refused.
ALTER TABLE tenants ADD COLUMN suspended_at INTEGER;
CREATE TRIGGER tenants_host_lower_insert BEFORE INSERT ON tenants
WHEN NEW.host IS NOT NULL AND (NEW.host <> lower(NEW.host) OR NEW.host = '')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: tenants_host_lower'); END;
CREATE TRIGGER tenants_host_lower_update BEFORE UPDATE OF host ON tenants
WHEN NEW.host IS NOT NULL AND (NEW.host <> lower(NEW.host) OR NEW.host = '')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: tenants_host_lower'); END;

-- credential_routes: which tenant a credential (an API token, a SCIM
-- client's token, a session) belongs to, found by its hash before the
-- tenant is known. It is above tenants, like tenants itself: every
-- tenant-owned query stays scoped, and the look-up by hash reads this small
-- table alone. The store writes a route in the transaction that creates the
-- credential and removes it in the one that deletes it. A hash found in
-- two tenants (two equal random secrets: never in practice, but fixed test
-- keys do it) names neither: resolution then goes by the host, and the
-- credential is looked up in the host's tenant alone.
CREATE TABLE credential_routes (
    hash      BLOB NOT NULL,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    kind      TEXT NOT NULL CHECK (kind IN ('api_token', 'scim_client', 'session')),
    PRIMARY KEY (hash, tenant_id)
) WITHOUT ROWID;
INSERT INTO credential_routes (hash, tenant_id, kind) SELECT hash, tenant_id, 'api_token' FROM api_tokens;
INSERT INTO credential_routes (hash, tenant_id, kind) SELECT hash, tenant_id, 'scim_client' FROM scim_clients;
INSERT INTO credential_routes (hash, tenant_id, kind) SELECT hash, tenant_id, 'session' FROM sessions;
CREATE INDEX credential_routes_tenant ON credential_routes (tenant_id);

-- operator_log: what the operator did to tenants (created, suspended,
-- resumed), recorded outside every tenant. tenant_id names the tenant
-- acted on without a foreign key, so the record outlives a deleted tenant.
CREATE TABLE operator_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    tenant_id INTEGER NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
