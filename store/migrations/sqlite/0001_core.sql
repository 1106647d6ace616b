-- Core schema: users, groups, manager links, the audit log, authentication.
-- Times are Unix microseconds (UTC) in both engines so that every query is
-- shared; NULL means "no time".

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    external_uid  TEXT UNIQUE,
    email         TEXT NOT NULL UNIQUE,
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    birthday      TEXT NOT NULL DEFAULT '',
    position      TEXT NOT NULL DEFAULT '',
    org_unit      TEXT NOT NULL DEFAULT '',
    platform_role TEXT NOT NULL DEFAULT '',
    locale        TEXT NOT NULL DEFAULT '',
    time_zone     TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE groups (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES groups (id),
    name      TEXT NOT NULL
);
CREATE INDEX groups_parent ON groups (parent_id);

CREATE TABLE memberships (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    role     TEXT NOT NULL CHECK (role IN ('member', 'user_admin', 'admin')),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE links (
    manager_id  INTEGER NOT NULL REFERENCES users (id),
    managee_id  INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('line', 'functional')),
    source      TEXT NOT NULL,
    valid_from  INTEGER,
    valid_until INTEGER,
    comment     TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (manager_id, managee_id),
    CHECK (manager_id <> managee_id)
) WITHOUT ROWID;
CREATE INDEX links_managee ON links (managee_id, manager_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER,
    source     TEXT NOT NULL,
    batch_id   INTEGER,
    action     TEXT NOT NULL CHECK (action IN ('add', 'remove', 'update')),
    manager_id INTEGER NOT NULL,
    managee_id INTEGER NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_manager ON audit_log (manager_id, id);
CREATE INDEX audit_managee ON audit_log (managee_id, id);
CREATE INDEX audit_batch ON audit_log (batch_id, id) WHERE batch_id IS NOT NULL;

CREATE TABLE credentials (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id),
    password_hash TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);

CREATE TABLE sessions (
    hash       BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The audit log is append-only: the database itself refuses edits.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
