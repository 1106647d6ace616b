-- Leaving and forgetting (issue 13, step 4 of docs/tenants.md): the one
-- exception to the append-only tables (audit_log, change_log,
-- statistics_views, template_sends, directory_user_changes).
--
-- append_only_grants holds, for the length of one transaction only, the
-- operator's permission to delete a tenant's rows ('delete': tenant
-- deletion) or to rewrite them ('erase': a person's GDPR erasure). The store
-- inserts the grant, runs its dedicated statements and deletes the grant in
-- the same transaction (store/tenant_delete.go, store/erase.go), so a
-- committed database never holds a row here, and SQLite's single writer
-- means no other connection ever sees one. The append-only triggers are the
-- same as before, with a WHEN clause: they let through what a grant of the
-- row's own tenant permits and nothing else (a grant to erase never
-- deletes, a grant of one tenant never touches another's rows, an update
-- never moves a row to another tenant).
CREATE TABLE append_only_grants (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    action    TEXT NOT NULL CHECK (action IN ('delete', 'erase')),
    PRIMARY KEY (tenant_id, action)
);

DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NEW.tenant_id IS NOT OLD.tenant_id OR NOT EXISTS (
    SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'erase')
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'delete')
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

DROP TRIGGER statistics_views_no_update;
CREATE TRIGGER statistics_views_no_update BEFORE UPDATE ON statistics_views
WHEN NEW.tenant_id IS NOT OLD.tenant_id OR NOT EXISTS (
    SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'erase')
BEGIN SELECT RAISE(ABORT, 'statistics_views is append-only'); END;
DROP TRIGGER statistics_views_no_delete;
CREATE TRIGGER statistics_views_no_delete BEFORE DELETE ON statistics_views
WHEN NOT EXISTS (SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'delete')
BEGIN SELECT RAISE(ABORT, 'statistics_views is append-only'); END;

DROP TRIGGER template_sends_no_update;
CREATE TRIGGER template_sends_no_update BEFORE UPDATE ON template_sends
WHEN NEW.tenant_id IS NOT OLD.tenant_id OR NOT EXISTS (
    SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'erase')
BEGIN SELECT RAISE(ABORT, 'template_sends is append-only'); END;
DROP TRIGGER template_sends_no_delete;
CREATE TRIGGER template_sends_no_delete BEFORE DELETE ON template_sends
WHEN NOT EXISTS (SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'delete')
BEGIN SELECT RAISE(ABORT, 'template_sends is append-only'); END;

DROP TRIGGER directory_user_changes_no_update;
CREATE TRIGGER directory_user_changes_no_update BEFORE UPDATE ON directory_user_changes
WHEN NEW.tenant_id IS NOT OLD.tenant_id OR NOT EXISTS (
    SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'erase')
BEGIN SELECT RAISE(ABORT, 'directory_user_changes is append-only'); END;
DROP TRIGGER directory_user_changes_no_delete;
CREATE TRIGGER directory_user_changes_no_delete BEFORE DELETE ON directory_user_changes
WHEN NOT EXISTS (SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'delete')
BEGIN SELECT RAISE(ABORT, 'directory_user_changes is append-only'); END;

DROP TRIGGER change_log_no_update;
CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
WHEN NEW.tenant_id IS NOT OLD.tenant_id OR NOT EXISTS (
    SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'erase')
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
DROP TRIGGER change_log_no_delete;
CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
WHEN NOT EXISTS (SELECT 1 FROM append_only_grants WHERE tenant_id = OLD.tenant_id AND action = 'delete')
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
