-- The reporting graph's version (branch index): one row, bumped in the same
-- transaction as every change to what the in-memory graph holds (links,
-- users' status, org unit and position, settings, org units, the positions
-- mapping, the capability matrix), so that a replica polling it knows when
-- its graph is stale. Triggers, so that no write path can forget it.
CREATE TABLE graph_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO graph_version (id, version) VALUES (1, 1);

CREATE TRIGGER graph_version_links_i AFTER INSERT ON links BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_links_u AFTER UPDATE ON links BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_links_d AFTER DELETE ON links BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_users_i AFTER INSERT ON users BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_users_u AFTER UPDATE OF status, org_unit, position ON users BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_users_d AFTER DELETE ON users BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_settings_i AFTER INSERT ON settings BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_settings_u AFTER UPDATE ON settings BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_settings_d AFTER DELETE ON settings BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_units_i AFTER INSERT ON org_units BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_units_u AFTER UPDATE ON org_units BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_units_d AFTER DELETE ON org_units BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_positions_i AFTER INSERT ON manager_positions BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_positions_u AFTER UPDATE ON manager_positions BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_positions_d AFTER DELETE ON manager_positions BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_matrix_i AFTER INSERT ON capability_matrix BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_matrix_u AFTER UPDATE ON capability_matrix BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER graph_version_matrix_d AFTER DELETE ON capability_matrix BEGIN UPDATE graph_version SET version = version + 1 WHERE id = 1; END;
