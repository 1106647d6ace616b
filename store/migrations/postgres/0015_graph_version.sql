-- The reporting graph's version (branch index): one row, bumped in the same
-- transaction as every change to what the in-memory graph holds (links,
-- users' status, org unit and position, settings, org units, the positions
-- mapping, the capability matrix), so that a replica polling it knows when
-- its graph is stale. Statement triggers: one bump per statement, however
-- many rows it changes.
CREATE TABLE graph_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO graph_version (id, version) VALUES (1, 1);

CREATE FUNCTION graph_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE graph_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER graph_version_links AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON links
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump();
CREATE TRIGGER graph_version_users AFTER INSERT OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump();
CREATE TRIGGER graph_version_users_u AFTER UPDATE OF status, org_unit, position ON users
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump();
CREATE TRIGGER graph_version_settings AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump();
CREATE TRIGGER graph_version_units AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_units
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump();
CREATE TRIGGER graph_version_positions AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON manager_positions
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump();
CREATE TRIGGER graph_version_matrix AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON capability_matrix
    FOR EACH STATEMENT EXECUTE FUNCTION graph_version_bump();
