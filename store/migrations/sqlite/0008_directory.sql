-- Directory sync: which of our users each directory entry is, the record of
-- every sync run, and the audit of the user fields a sync changed (link
-- changes go to audit_log like any other).

-- A user is known to a directory by one identity per source; the user's own
-- external_uid stays the LMS's.
CREATE TABLE directory_identities (
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (source, external_id),
    UNIQUE (source, user_id)
);

CREATE TABLE directory_sync_runs (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    actor_id      INTEGER REFERENCES users (id),
    dry_run       INTEGER NOT NULL,
    full_sync     INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    counts        TEXT NOT NULL DEFAULT '{}',
    problems      TEXT NOT NULL DEFAULT '[]',
    problem_count INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX directory_sync_runs_source ON directory_sync_runs (source, id);

CREATE TABLE directory_user_changes (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES directory_sync_runs (id),
    at          INTEGER NOT NULL,
    source      TEXT NOT NULL,
    actor_id    INTEGER,
    user_id     INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    changes     TEXT NOT NULL
);
CREATE INDEX directory_user_changes_user ON directory_user_changes (user_id, id);
CREATE INDEX directory_user_changes_run ON directory_user_changes (run_id, id);

-- Like audit_log, the user changes are append-only.
CREATE TRIGGER directory_user_changes_no_update BEFORE UPDATE ON directory_user_changes
BEGIN SELECT RAISE(ABORT, 'directory_user_changes is append-only'); END;
CREATE TRIGGER directory_user_changes_no_delete BEFORE DELETE ON directory_user_changes
BEGIN SELECT RAISE(ABORT, 'directory_user_changes is append-only'); END;
