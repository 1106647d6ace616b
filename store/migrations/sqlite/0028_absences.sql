-- Cover during absences and movers and leavers (issue 20, docs/absences.md).
-- An absence: a manager away from starts_at to ends_at (micros, ends_at
-- excluded), covered by a delegate through temporary links, one per
-- covered managee (absence_links). leaver_flags: reports left without a
-- manager when theirs was deactivated, for the health centre to list.
CREATE TABLE absences (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    id            INTEGER PRIMARY KEY,
    manager_id    INTEGER NOT NULL,
    delegate_id   INTEGER NOT NULL,
    delegate_from TEXT NOT NULL CHECK (delegate_from IN ('named', 'second_manager', 'manager_manager')),
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    ended_at      INTEGER,
    created_by    INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX absences_manager ON absences (tenant_id, manager_id, ends_at);
CREATE INDEX absences_delegate ON absences (tenant_id, delegate_id, ends_at);
CREATE INDEX absences_starts ON absences (tenant_id, starts_at);
CREATE INDEX absences_ends ON absences (tenant_id, ends_at);

CREATE TABLE absence_links (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    absence_id INTEGER NOT NULL,
    managee_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, absence_id, managee_id),
    FOREIGN KEY (tenant_id, absence_id) REFERENCES absences (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX absence_links_managee ON absence_links (tenant_id, managee_id);

CREATE TABLE leaver_flags (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    managee_id INTEGER NOT NULL,
    leaver_id  INTEGER NOT NULL,
    flagged_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, managee_id, leaver_id)
);
CREATE INDEX leaver_flags_leaver ON leaver_flags (tenant_id, leaver_id);
