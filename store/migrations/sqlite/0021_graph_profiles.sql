-- The in-memory graph also holds what a decision reads of its two users
-- beyond their status (the email its reasons name, the platform role) and
-- who administrates a group (the admin rules), so that a decision reads no
-- database (app/graph_index.go). A change to any of them bumps the tenant's
-- graph version, as 0015 and 0018 do for the rest.
DROP TRIGGER graph_version_users_u;
CREATE TRIGGER graph_version_users_u AFTER UPDATE OF status, org_unit, position, email, platform_role ON users
    BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_memberships_i AFTER INSERT ON memberships WHEN NEW.role <> 'member'
    BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_memberships_u AFTER UPDATE ON memberships WHEN NEW.role <> 'member' OR OLD.role <> 'member'
    BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id IN (OLD.tenant_id, NEW.tenant_id); END;
CREATE TRIGGER graph_version_memberships_d AFTER DELETE ON memberships WHEN OLD.role <> 'member'
    BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = OLD.tenant_id; END;
