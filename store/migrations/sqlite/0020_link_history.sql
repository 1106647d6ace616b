-- Effective-dated reporting lines (issue 19, docs/orgchart.md): one row per
-- period of a link, kept apart from today's links. A period says when the
-- link took effect and ended (effective_from / effective_to: effective time,
-- a temporary link's own dates) and when each was recorded (recorded_at /
-- ended_at: the audit entry's time). The store writes it with the audit
-- entry of every link change, in the same transaction (store/history.go):
-- no trigger, so the table distributes on Citus like the others.
--
-- origin: 'change' written with a change, 'audit' back-filled from the
-- audit log by this migration, 'migration' a link the audit log never
-- recorded, whose history starts at this migration.
CREATE TABLE link_history (
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),
    id             INTEGER PRIMARY KEY,
    manager_id     INTEGER NOT NULL,
    managee_id     INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('line', 'functional')),
    source         TEXT NOT NULL,
    valid_from     INTEGER,
    valid_until    INTEGER,
    effective_from INTEGER NOT NULL,
    effective_to   INTEGER,
    recorded_at    INTEGER NOT NULL,
    ended_at       INTEGER,
    origin         TEXT NOT NULL CHECK (origin IN ('change', 'audit', 'migration')),
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
-- Two indexes only (each costs every bulk import a b-tree insert per change): a
-- pair's open period is found through its managee's few periods.
CREATE INDEX link_history_managee ON link_history (tenant_id, managee_id, effective_from);
CREATE INDEX link_history_manager ON link_history (tenant_id, manager_id, effective_from);

-- Back-fill: each audited add or update opens a period, which the pair's
-- next audit entry (a remove or an update) closes. Dates in the entries'
-- JSON are read to the second.
INSERT INTO link_history (tenant_id, manager_id, managee_id, kind, source, valid_from, valid_until,
                          effective_from, effective_to, recorded_at, ended_at, origin)
SELECT tenant_id, manager_id, managee_id, kind, source, vfrom, vuntil, efrom,
       CASE WHEN eto IS NOT NULL AND eto < efrom THEN efrom ELSE eto END, at, next_at, 'audit'
FROM (
    SELECT tenant_id, manager_id, managee_id, kind, source, vfrom, vuntil, at, next_at,
           COALESCE(vfrom, at) AS efrom,
           CASE WHEN next_at IS NULL THEN vuntil
                WHEN vuntil IS NOT NULL AND vuntil < next_at THEN vuntil
                ELSE next_at END AS eto
    FROM (
        SELECT tenant_id, manager_id, managee_id, action, at,
               COALESCE(json_extract(after, '$.kind'), 'line') AS kind,
               COALESCE(json_extract(after, '$.source'), '') AS source,
               CAST(strftime('%s', json_extract(after, '$.valid_from')) AS INTEGER) * 1000000 AS vfrom,
               CAST(strftime('%s', json_extract(after, '$.valid_until')) AS INTEGER) * 1000000 AS vuntil,
               LEAD(at) OVER (PARTITION BY tenant_id, manager_id, managee_id ORDER BY id) AS next_at
        FROM audit_log
    ) e
    WHERE action IN ('add', 'update') AND kind IN ('line', 'functional')
) p
ORDER BY tenant_id, at;

-- A period the audit left open whose link is gone ended, as far as we
-- know, at this migration.
UPDATE link_history SET ended_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER),
    effective_to = CASE
        WHEN effective_to IS NOT NULL AND effective_to < CAST(unixepoch('subsec') * 1000000 AS INTEGER) THEN effective_to
        WHEN effective_from > CAST(unixepoch('subsec') * 1000000 AS INTEGER) THEN effective_from
        ELSE CAST(unixepoch('subsec') * 1000000 AS INTEGER) END
WHERE ended_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM links l WHERE l.tenant_id = link_history.tenant_id
        AND l.manager_id = link_history.manager_id AND l.managee_id = link_history.managee_id);

-- A link the audit log never recorded starts at this migration.
INSERT INTO link_history (tenant_id, manager_id, managee_id, kind, source, valid_from, valid_until,
                          effective_from, effective_to, recorded_at, ended_at, origin)
SELECT tenant_id, manager_id, managee_id, kind, source, valid_from, valid_until, efrom,
       CASE WHEN valid_until IS NOT NULL AND valid_until < efrom THEN efrom ELSE valid_until END, now, NULL, 'migration'
FROM (
    SELECT l.*, CAST(unixepoch('subsec') * 1000000 AS INTEGER) AS now,
           CASE WHEN l.valid_from > CAST(unixepoch('subsec') * 1000000 AS INTEGER) THEN l.valid_from
                ELSE CAST(unixepoch('subsec') * 1000000 AS INTEGER) END AS efrom
    FROM links l
    WHERE NOT EXISTS (SELECT 1 FROM link_history h WHERE h.tenant_id = l.tenant_id
        AND h.manager_id = l.manager_id AND h.managee_id = l.managee_id AND h.ended_at IS NULL)
) m;
