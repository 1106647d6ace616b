-- The in-memory graph also holds what a decision reads of its two users
-- beyond their status (the email its reasons name, the platform role) and
-- who administrates a group (the admin rules), so that a decision reads no
-- database (app/graph_index.go). A change to any of them bumps the tenant's
-- graph version, as 0015 and 0018 do for the rest.
CREATE OR REPLACE FUNCTION graph_version_bump_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE graph_version SET version = version + 1 WHERE tenant_id IN (
        SELECT n.tenant_id FROM changed_new n JOIN changed_old o ON o.tenant_id = n.tenant_id AND o.id = n.id
        WHERE (n.status, n.org_unit, n.position, n.email, n.platform_role)
            IS DISTINCT FROM (o.status, o.org_unit, o.position, o.email, o.platform_role));
    RETURN NULL;
END $$;

-- Memberships bump only when an administrating role comes or goes.
CREATE FUNCTION graph_version_bump_admins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE graph_version SET version = version + 1 WHERE tenant_id IN (SELECT tenant_id FROM changed WHERE role <> 'member');
    RETURN NULL;
END $$;

CREATE FUNCTION graph_version_bump_admins_u() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE graph_version SET version = version + 1 WHERE tenant_id IN (
        SELECT tenant_id FROM changed_old WHERE role <> 'member'
        UNION SELECT tenant_id FROM changed_new WHERE role <> 'member');
    RETURN NULL;
END $$;

CREATE TRIGGER graph_version_memberships_i AFTER INSERT ON memberships REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump_admins();
CREATE TRIGGER graph_version_memberships_u AFTER UPDATE ON memberships REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump_admins_u();
CREATE TRIGGER graph_version_memberships_d AFTER DELETE ON memberships REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump_admins();
CREATE TRIGGER graph_version_memberships_t AFTER TRUNCATE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump();
