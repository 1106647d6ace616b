-- The change log: every mutation that is not a link change (links keep
-- audit_log), with its actor, before and after. Append-only, like
-- audit_log.
CREATE TABLE change_log (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor_id INTEGER,
    source   TEXT NOT NULL,
    action   TEXT NOT NULL,
    what     TEXT NOT NULL DEFAULT '',
    user_id  INTEGER,
    group_id INTEGER,
    before   TEXT NOT NULL DEFAULT '',
    after    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX change_log_user ON change_log (user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX change_log_actor ON change_log (actor_id, id) WHERE actor_id IS NOT NULL;

CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
