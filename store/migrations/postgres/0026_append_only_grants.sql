-- Leaving and forgetting (issue 13, step 4 of docs/tenants.md): the one
-- exception to the append-only tables (audit_log, change_log,
-- statistics_views, template_sends, directory_user_changes).
--
-- append_only_grants holds, for the length of one transaction only, the
-- operator's permission to delete a tenant's rows ('delete': tenant
-- deletion) or to rewrite them ('erase': a person's GDPR erasure). The store
-- inserts the grant, runs its dedicated statements and deletes the grant in
-- the same transaction (store/tenant_delete.go, store/erase.go), so a
-- committed database never holds a row here and no other transaction ever
-- sees one. The guards below are the same functions as before, on the same
-- triggers; they now let through what a grant of the row's own tenant
-- permits, and nothing else: a grant to erase never deletes, a grant of one
-- tenant never touches another's rows, and an update never moves a row to
-- another tenant.
CREATE TABLE append_only_grants (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    action    TEXT NOT NULL CHECK (action IN ('delete', 'erase')),
    PRIMARY KEY (tenant_id, action)
);

CREATE FUNCTION append_only_granted(op TEXT, old_tenant BIGINT, new_tenant BIGINT) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT (op = 'DELETE' OR old_tenant = new_tenant) AND EXISTS (
        SELECT 1 FROM append_only_grants g
        WHERE g.tenant_id = old_tenant AND g.action = CASE op WHEN 'DELETE' THEN 'delete' ELSE 'erase' END)
$$;

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND append_only_granted(TG_OP, OLD.tenant_id, OLD.tenant_id) THEN RETURN OLD; END IF;
    IF TG_OP = 'UPDATE' AND append_only_granted(TG_OP, OLD.tenant_id, NEW.tenant_id) THEN RETURN NEW; END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END $$;

CREATE OR REPLACE FUNCTION statistics_views_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND append_only_granted(TG_OP, OLD.tenant_id, OLD.tenant_id) THEN RETURN OLD; END IF;
    IF TG_OP = 'UPDATE' AND append_only_granted(TG_OP, OLD.tenant_id, NEW.tenant_id) THEN RETURN NEW; END IF;
    RAISE EXCEPTION 'statistics_views is append-only';
END $$;

CREATE OR REPLACE FUNCTION template_sends_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND append_only_granted(TG_OP, OLD.tenant_id, OLD.tenant_id) THEN RETURN OLD; END IF;
    IF TG_OP = 'UPDATE' AND append_only_granted(TG_OP, OLD.tenant_id, NEW.tenant_id) THEN RETURN NEW; END IF;
    RAISE EXCEPTION 'template_sends is append-only';
END $$;

CREATE OR REPLACE FUNCTION directory_user_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND append_only_granted(TG_OP, OLD.tenant_id, OLD.tenant_id) THEN RETURN OLD; END IF;
    IF TG_OP = 'UPDATE' AND append_only_granted(TG_OP, OLD.tenant_id, NEW.tenant_id) THEN RETURN NEW; END IF;
    RAISE EXCEPTION 'directory_user_changes is append-only';
END $$;
