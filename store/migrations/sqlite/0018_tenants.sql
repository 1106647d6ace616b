-- Tenants (issue 13, docs/tenants.md): every table gets tenant_id as its
-- first column, and every primary key, unique constraint, foreign key and
-- index leads with it, so that the same email, external uid or group name
-- may exist in two tenants. Existing rows move into the implicit tenant
-- (id 1, slug 'default').
--
-- SQLite cannot change a table's keys in place: each table is rebuilt. The
-- old tables are renamed first (FOREIGN KEY and trigger texts follow the
-- rename), the new ones are created under the final names, the rows are
-- copied, the old tables are dropped with their indexes and triggers, and
-- the indexes and triggers are created again. Migrate runs this with
-- foreign key enforcement off and checks every foreign key before it
-- commits (migrate.go).
--
-- Row ids stay the rowid (INTEGER PRIMARY KEY): one sequence per table,
-- unique across tenants, so URLs and API ids do not change. The tenant-
-- leading key on them is UNIQUE (tenant_id, id), which composite foreign
-- keys reference. tenant_id has no default: a statement that forgets it
-- fails.

CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    host       TEXT UNIQUE,
    status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at INTEGER NOT NULL
);
INSERT INTO tenants (id, slug, created_at) VALUES (1, 'default', CAST(unixepoch('subsec') * 1000000 AS INTEGER));

ALTER TABLE users RENAME TO users_0017;
ALTER TABLE groups RENAME TO groups_0017;
ALTER TABLE memberships RENAME TO memberships_0017;
ALTER TABLE links RENAME TO links_0017;
ALTER TABLE audit_log RENAME TO audit_log_0017;
ALTER TABLE credentials RENAME TO credentials_0017;
ALTER TABLE api_tokens RENAME TO api_tokens_0017;
ALTER TABLE sessions RENAME TO sessions_0017;
ALTER TABLE import_batches RENAME TO import_batches_0017;
ALTER TABLE import_files RENAME TO import_files_0017;
ALTER TABLE settings RENAME TO settings_0017;
ALTER TABLE org_units RENAME TO org_units_0017;
ALTER TABLE manager_positions RENAME TO manager_positions_0017;
ALTER TABLE capability_matrix RENAME TO capability_matrix_0017;
ALTER TABLE courses RENAME TO courses_0017;
ALTER TABLE course_groups RENAME TO course_groups_0017;
ALTER TABLE course_sessions RENAME TO course_sessions_0017;
ALTER TABLE learning_records RENAME TO learning_records_0017;
ALTER TABLE statistics_views RENAME TO statistics_views_0017;
ALTER TABLE outbox RENAME TO outbox_0017;
ALTER TABLE outbox_attempts RENAME TO outbox_attempts_0017;
ALTER TABLE template_sends RENAME TO template_sends_0017;
ALTER TABLE scheduled_runs RENAME TO scheduled_runs_0017;
ALTER TABLE scheduled_sends RENAME TO scheduled_sends_0017;
ALTER TABLE notification_optouts RENAME TO notification_optouts_0017;
ALTER TABLE directory_identities RENAME TO directory_identities_0017;
ALTER TABLE directory_sync_runs RENAME TO directory_sync_runs_0017;
ALTER TABLE directory_user_changes RENAME TO directory_user_changes_0017;
ALTER TABLE scim_clients RENAME TO scim_clients_0017;
ALTER TABLE scim_user_names RENAME TO scim_user_names_0017;
ALTER TABLE login_throttle RENAME TO login_throttle_0017;
ALTER TABLE password_resets RENAME TO password_resets_0017;
ALTER TABLE change_log RENAME TO change_log_0017;
ALTER TABLE sso_identities RENAME TO sso_identities_0017;
ALTER TABLE sso_used RENAME TO sso_used_0017;
ALTER TABLE graph_version RENAME TO graph_version_0017;
ALTER TABLE scim_groups RENAME TO scim_groups_0017;
ALTER TABLE scim_memberships RENAME TO scim_memberships_0017;
ALTER TABLE notification_roles RENAME TO notification_roles_0017;
ALTER TABLE notification_cursors RENAME TO notification_cursors_0017;
ALTER TABLE mail_bounces RENAME TO mail_bounces_0017;
ALTER TABLE service_secrets RENAME TO service_secrets_0017;

CREATE TABLE users (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    id            INTEGER PRIMARY KEY,
    external_uid  TEXT,
    email         TEXT NOT NULL,
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
    updated_at    INTEGER NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, external_uid),
    UNIQUE (tenant_id, email)
);

CREATE TABLE groups (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER,
    name      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES groups (tenant_id, id)
);

CREATE TABLE memberships (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    group_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    role      TEXT NOT NULL CHECK (role IN ('member', 'user_admin', 'admin')),
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE links (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    manager_id  INTEGER NOT NULL,
    managee_id  INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('line', 'functional')),
    source      TEXT NOT NULL,
    valid_from  INTEGER,
    valid_until INTEGER,
    comment     TEXT NOT NULL DEFAULT '',
    created_by  INTEGER,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, manager_id, managee_id),
    FOREIGN KEY (tenant_id, manager_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, managee_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    CHECK (manager_id <> managee_id)
) WITHOUT ROWID;

CREATE TABLE audit_log (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER,
    source     TEXT NOT NULL,
    batch_id   INTEGER,
    action     TEXT NOT NULL CHECK (action IN ('add', 'remove', 'update')),
    manager_id INTEGER NOT NULL,
    managee_id INTEGER NOT NULL,
    before     TEXT,
    after      TEXT,
    UNIQUE (tenant_id, id)
);

CREATE TABLE credentials (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    user_id       INTEGER NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE api_tokens (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE sessions (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    hash        BLOB NOT NULL,
    user_id     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    method      TEXT NOT NULL DEFAULT 'password',
    logout_hint TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE import_batches (
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),
    id             INTEGER PRIMARY KEY,
    actor_id       INTEGER,
    source         TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    file_size      INTEGER NOT NULL,
    dry_run        INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    phase          TEXT NOT NULL DEFAULT '',
    progress_done  INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    counts         TEXT NOT NULL DEFAULT '{}',
    encoding       TEXT NOT NULL DEFAULT '',
    separator      TEXT NOT NULL DEFAULT '',
    error          TEXT NOT NULL DEFAULT '',
    preview_id     INTEGER,
    created_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    actor_label    TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, preview_id) REFERENCES import_batches (tenant_id, id)
);

CREATE TABLE import_files (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    batch_id  INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('upload', 'rejected', 'changes')),
    data      BLOB NOT NULL,
    PRIMARY KEY (tenant_id, batch_id, kind),
    FOREIGN KEY (tenant_id, batch_id) REFERENCES import_batches (tenant_id, id)
);

CREATE TABLE settings (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE org_units (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name_key),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES org_units (tenant_id, id),
    CHECK (parent_id IS NULL OR parent_id <> id)
);

CREATE TABLE manager_positions (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    title_key TEXT NOT NULL,
    title     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, title_key)
) WITHOUT ROWID;

CREATE TABLE capability_matrix (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    kind       TEXT NOT NULL CHECK (kind IN ('line', 'functional')),
    capability TEXT NOT NULL,
    allowed    INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    updated_by INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, capability),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id)
);

CREATE TABLE courses (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    id         INTEGER PRIMARY KEY,
    lms_id     TEXT NOT NULL,
    title      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, lms_id)
);

CREATE TABLE course_groups (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    course_id INTEGER NOT NULL,
    group_id  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, course_id, group_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE course_sessions (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    id         INTEGER PRIMARY KEY,
    lms_id     TEXT NOT NULL,
    course_id  INTEGER NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, lms_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id)
);

CREATE TABLE learning_records (
    tenant_id          INTEGER NOT NULL REFERENCES tenants (id),
    id                 INTEGER PRIMARY KEY,
    lms_id             TEXT NOT NULL,
    user_id            INTEGER NOT NULL,
    course_id          INTEGER NOT NULL,
    session_id         INTEGER,
    status             TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'completed', 'failed')),
    progress           INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    score              REAL,
    time_spent_seconds INTEGER NOT NULL DEFAULT 0 CHECK (time_spent_seconds >= 0),
    due_at             INTEGER,
    completed_at       INTEGER,
    last_activity_at   INTEGER,
    updated_at         INTEGER NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, lms_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES course_sessions (tenant_id, id)
);

CREATE TABLE statistics_views (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    viewer_id INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    grant_by  TEXT NOT NULL,
    scope     TEXT NOT NULL,
    source    TEXT NOT NULL,
    page      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, viewer_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE outbox (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL,
    type         TEXT NOT NULL,
    recipient_id INTEGER,
    to_addr      TEXT NOT NULL,
    subject      TEXT NOT NULL,
    text_body    TEXT NOT NULL,
    html_body    TEXT NOT NULL DEFAULT '',
    message_id   TEXT NOT NULL,
    late         INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    last_error   TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, key),
    FOREIGN KEY (tenant_id, recipient_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE outbox_attempts (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    attempt    INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    error      TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES outbox (tenant_id, id)
);

CREATE TABLE template_sends (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER,
    source     TEXT NOT NULL,
    group_id   INTEGER NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id)
);

CREATE TABLE scheduled_runs (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    kind          TEXT NOT NULL CHECK (kind IN ('weekly_digest', 'birthday')),
    period        TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    owner         TEXT NOT NULL DEFAULT '',
    claimed_at    INTEGER NOT NULL,
    lease_until   INTEGER NOT NULL,
    done_through  INTEGER NOT NULL DEFAULT 0,
    finished_at   INTEGER,
    sent          INTEGER NOT NULL DEFAULT 0,
    late          INTEGER NOT NULL DEFAULT 0,
    opted_out     INTEGER NOT NULL DEFAULT 0,
    skipped_empty INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, kind, period)
);

CREATE TABLE scheduled_sends (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    kind       TEXT NOT NULL CHECK (kind IN ('weekly_digest', 'birthday')),
    period     TEXT NOT NULL,
    manager_id INTEGER NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('sent', 'opted_out', 'skipped_empty')),
    late       INTEGER NOT NULL CHECK (late IN (0, 1)),
    at         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, period, manager_id),
    FOREIGN KEY (tenant_id, manager_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE notification_optouts (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    user_id   INTEGER NOT NULL,
    type      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id, type),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE directory_identities (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id),
    UNIQUE (tenant_id, source, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE directory_sync_runs (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    actor_id      INTEGER,
    dry_run       INTEGER NOT NULL,
    full_sync     INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    counts        TEXT NOT NULL DEFAULT '{}',
    problems      TEXT NOT NULL DEFAULT '[]',
    problem_count INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE directory_user_changes (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    source      TEXT NOT NULL,
    actor_id    INTEGER,
    user_id     INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    changes     TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES directory_sync_runs (tenant_id, id)
);

CREATE TABLE scim_clients (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, hash)
);

CREATE TABLE scim_user_names (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    user_id      INTEGER NOT NULL,
    user_name    TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    emails_sent  TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, user_id),
    UNIQUE (tenant_id, name_key),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE login_throttle (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    key           TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE password_resets (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    hash       BLOB NOT NULL,
    user_id    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (tenant_id, hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE change_log (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor_id  INTEGER,
    source    TEXT NOT NULL,
    action    TEXT NOT NULL,
    what      TEXT NOT NULL DEFAULT '',
    user_id   INTEGER,
    group_id  INTEGER,
    before    TEXT NOT NULL DEFAULT '',
    after     TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id)
);

CREATE TABLE sso_identities (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, provider, subject),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE sso_used (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    key        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE graph_version (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants (id),
    version   INTEGER NOT NULL
);

CREATE TABLE scim_groups (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    group_id    INTEGER NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, group_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE scim_memberships (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    group_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE notification_roles (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    type      TEXT NOT NULL,
    audience  TEXT NOT NULL CHECK (audience IN ('managers', 'learners', 'admins')),
    enabled   INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    at        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, type, audience)
);

CREATE TABLE notification_cursors (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE mail_bounces (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    address   TEXT NOT NULL,
    at        INTEGER NOT NULL,
    error     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, address)
);

CREATE TABLE service_secrets (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

INSERT INTO users (tenant_id, id, external_uid, email, first_name, last_name, status, birthday, position, org_unit, platform_role, locale, time_zone, created_at, updated_at) SELECT 1, id, external_uid, email, first_name, last_name, status, birthday, position, org_unit, platform_role, locale, time_zone, created_at, updated_at FROM users_0017;
INSERT INTO groups (tenant_id, id, parent_id, name) SELECT 1, id, parent_id, name FROM groups_0017;
INSERT INTO memberships (tenant_id, group_id, user_id, role) SELECT 1, group_id, user_id, role FROM memberships_0017;
INSERT INTO links (tenant_id, manager_id, managee_id, kind, source, valid_from, valid_until, comment, created_by, created_at) SELECT 1, manager_id, managee_id, kind, source, valid_from, valid_until, comment, created_by, created_at FROM links_0017;
INSERT INTO audit_log (tenant_id, id, at, actor_id, source, batch_id, action, manager_id, managee_id, before, after) SELECT 1, id, at, actor_id, source, batch_id, action, manager_id, managee_id, before, after FROM audit_log_0017;
INSERT INTO credentials (tenant_id, user_id, password_hash) SELECT 1, user_id, password_hash FROM credentials_0017;
INSERT INTO api_tokens (tenant_id, id, user_id, name, hash, created_at, last_used_at, expires_at, revoked_at) SELECT 1, id, user_id, name, hash, created_at, last_used_at, expires_at, revoked_at FROM api_tokens_0017;
INSERT INTO sessions (tenant_id, hash, user_id, created_at, expires_at, method, logout_hint) SELECT 1, hash, user_id, created_at, expires_at, method, logout_hint FROM sessions_0017;
INSERT INTO import_batches (tenant_id, id, actor_id, source, file_name, file_size, dry_run, status, phase, progress_done, progress_total, counts, encoding, separator, error, preview_id, created_at, finished_at, actor_label) SELECT 1, id, actor_id, source, file_name, file_size, dry_run, status, phase, progress_done, progress_total, counts, encoding, separator, error, preview_id, created_at, finished_at, actor_label FROM import_batches_0017;
INSERT INTO import_files (tenant_id, batch_id, kind, data) SELECT 1, batch_id, kind, data FROM import_files_0017;
INSERT INTO settings (tenant_id, key, value) SELECT 1, key, value FROM settings_0017;
INSERT INTO org_units (tenant_id, id, parent_id, name, name_key) SELECT 1, id, parent_id, name, name_key FROM org_units_0017;
INSERT INTO manager_positions (tenant_id, title_key, title) SELECT 1, title_key, title FROM manager_positions_0017;
INSERT INTO capability_matrix (tenant_id, kind, capability, allowed, updated_by, updated_at) SELECT 1, kind, capability, allowed, updated_by, updated_at FROM capability_matrix_0017;
INSERT INTO courses (tenant_id, id, lms_id, title, updated_at) SELECT 1, id, lms_id, title, updated_at FROM courses_0017;
INSERT INTO course_groups (tenant_id, course_id, group_id) SELECT 1, course_id, group_id FROM course_groups_0017;
INSERT INTO course_sessions (tenant_id, id, lms_id, course_id, title, starts_at, ends_at, updated_at) SELECT 1, id, lms_id, course_id, title, starts_at, ends_at, updated_at FROM course_sessions_0017;
INSERT INTO learning_records (tenant_id, id, lms_id, user_id, course_id, session_id, status, progress, score, time_spent_seconds, due_at, completed_at, last_activity_at, updated_at) SELECT 1, id, lms_id, user_id, course_id, session_id, status, progress, score, time_spent_seconds, due_at, completed_at, last_activity_at, updated_at FROM learning_records_0017;
INSERT INTO statistics_views (tenant_id, id, at, viewer_id, user_id, grant_by, scope, source, page) SELECT 1, id, at, viewer_id, user_id, grant_by, scope, source, page FROM statistics_views_0017;
INSERT INTO outbox (tenant_id, id, key, type, recipient_id, to_addr, subject, text_body, html_body, message_id, late, status, attempts, next_attempt, lease_owner, lease_until, created_at, sent_at, last_error) SELECT 1, id, key, type, recipient_id, to_addr, subject, text_body, html_body, message_id, late, status, attempts, next_attempt, lease_owner, lease_until, created_at, sent_at, last_error FROM outbox_0017;
INSERT INTO outbox_attempts (tenant_id, id, message_id, at, attempt, status, error) SELECT 1, id, message_id, at, attempt, status, error FROM outbox_attempts_0017;
INSERT INTO template_sends (tenant_id, id, at, actor_id, source, group_id, subject, body, recipients) SELECT 1, id, at, actor_id, source, group_id, subject, body, recipients FROM template_sends_0017;
INSERT INTO scheduled_runs (tenant_id, kind, period, started_at, owner, claimed_at, lease_until, done_through, finished_at, sent, late, opted_out, skipped_empty) SELECT 1, kind, period, started_at, owner, claimed_at, lease_until, done_through, finished_at, sent, late, opted_out, skipped_empty FROM scheduled_runs_0017;
INSERT INTO scheduled_sends (tenant_id, kind, period, manager_id, outcome, late, at) SELECT 1, kind, period, manager_id, outcome, late, at FROM scheduled_sends_0017;
INSERT INTO notification_optouts (tenant_id, user_id, type, at) SELECT 1, user_id, type, at FROM notification_optouts_0017;
INSERT INTO directory_identities (tenant_id, source, external_id, user_id) SELECT 1, source, external_id, user_id FROM directory_identities_0017;
INSERT INTO directory_sync_runs (tenant_id, id, source, actor_id, dry_run, full_sync, status, started_at, finished_at, counts, problems, problem_count, error) SELECT 1, id, source, actor_id, dry_run, full_sync, status, started_at, finished_at, counts, problems, problem_count, error FROM directory_sync_runs_0017;
INSERT INTO directory_user_changes (tenant_id, id, run_id, at, source, actor_id, user_id, external_id, action, changes) SELECT 1, id, run_id, at, source, actor_id, user_id, external_id, action, changes FROM directory_user_changes_0017;
INSERT INTO scim_clients (tenant_id, id, name, hash, created_at, last_used_at) SELECT 1, id, name, hash, created_at, last_used_at FROM scim_clients_0017;
INSERT INTO scim_user_names (tenant_id, user_id, user_name, name_key, emails_sent, display_name) SELECT 1, user_id, user_name, name_key, emails_sent, display_name FROM scim_user_names_0017;
INSERT INTO login_throttle (tenant_id, key, attempts, blocked_until, updated_at) SELECT 1, key, attempts, blocked_until, updated_at FROM login_throttle_0017;
INSERT INTO password_resets (tenant_id, hash, user_id, created_at, expires_at, used_at) SELECT 1, hash, user_id, created_at, expires_at, used_at FROM password_resets_0017;
INSERT INTO change_log (tenant_id, id, at, actor_id, source, action, what, user_id, group_id, before, after) SELECT 1, id, at, actor_id, source, action, what, user_id, group_id, before, after FROM change_log_0017;
INSERT INTO sso_identities (tenant_id, provider, subject, user_id, email, created_at) SELECT 1, provider, subject, user_id, email, created_at FROM sso_identities_0017;
INSERT INTO sso_used (tenant_id, key, expires_at) SELECT 1, key, expires_at FROM sso_used_0017;
INSERT INTO graph_version (tenant_id, version) SELECT 1, version FROM graph_version_0017;
INSERT INTO scim_groups (tenant_id, group_id, external_id, created_at, updated_at) SELECT 1, group_id, external_id, created_at, updated_at FROM scim_groups_0017;
INSERT INTO scim_memberships (tenant_id, group_id, user_id) SELECT 1, group_id, user_id FROM scim_memberships_0017;
INSERT INTO notification_roles (tenant_id, type, audience, enabled, at) SELECT 1, type, audience, enabled, at FROM notification_roles_0017;
INSERT INTO notification_cursors (tenant_id, name, position) SELECT 1, name, position FROM notification_cursors_0017;
INSERT INTO mail_bounces (tenant_id, address, at, error) SELECT 1, address, at, error FROM mail_bounces_0017;
INSERT INTO service_secrets (tenant_id, name, value, created_at) SELECT 1, name, value, created_at FROM service_secrets_0017;

DROP TABLE users_0017;
DROP TABLE groups_0017;
DROP TABLE memberships_0017;
DROP TABLE links_0017;
DROP TABLE audit_log_0017;
DROP TABLE credentials_0017;
DROP TABLE api_tokens_0017;
DROP TABLE sessions_0017;
DROP TABLE import_batches_0017;
DROP TABLE import_files_0017;
DROP TABLE settings_0017;
DROP TABLE org_units_0017;
DROP TABLE manager_positions_0017;
DROP TABLE capability_matrix_0017;
DROP TABLE courses_0017;
DROP TABLE course_groups_0017;
DROP TABLE course_sessions_0017;
DROP TABLE learning_records_0017;
DROP TABLE statistics_views_0017;
DROP TABLE outbox_0017;
DROP TABLE outbox_attempts_0017;
DROP TABLE template_sends_0017;
DROP TABLE scheduled_runs_0017;
DROP TABLE scheduled_sends_0017;
DROP TABLE notification_optouts_0017;
DROP TABLE directory_identities_0017;
DROP TABLE directory_sync_runs_0017;
DROP TABLE directory_user_changes_0017;
DROP TABLE scim_clients_0017;
DROP TABLE scim_user_names_0017;
DROP TABLE login_throttle_0017;
DROP TABLE password_resets_0017;
DROP TABLE change_log_0017;
DROP TABLE sso_identities_0017;
DROP TABLE sso_used_0017;
DROP TABLE graph_version_0017;
DROP TABLE scim_groups_0017;
DROP TABLE scim_memberships_0017;
DROP TABLE notification_roles_0017;
DROP TABLE notification_cursors_0017;
DROP TABLE mail_bounces_0017;
DROP TABLE service_secrets_0017;

CREATE INDEX groups_parent ON groups (tenant_id, parent_id);
CREATE INDEX memberships_user ON memberships (tenant_id, user_id);
CREATE INDEX memberships_admins ON memberships (tenant_id, group_id, user_id) WHERE role <> 'member';
CREATE INDEX links_managee ON links (tenant_id, managee_id, manager_id);
CREATE INDEX links_valid_from ON links (tenant_id, valid_from) WHERE valid_from IS NOT NULL;
CREATE INDEX links_valid_until ON links (tenant_id, valid_until) WHERE valid_until IS NOT NULL;
CREATE INDEX audit_manager ON audit_log (tenant_id, manager_id, id);
CREATE INDEX audit_managee ON audit_log (tenant_id, managee_id, id);
CREATE INDEX audit_batch ON audit_log (tenant_id, batch_id, id) WHERE batch_id IS NOT NULL;
CREATE INDEX api_tokens_user ON api_tokens (tenant_id, user_id);
CREATE INDEX sessions_expiry ON sessions (tenant_id, expires_at);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);
CREATE INDEX import_batches_created ON import_batches (tenant_id, created_at);
CREATE INDEX org_units_parent ON org_units (tenant_id, parent_id);
CREATE INDEX users_org ON users (tenant_id, lower(trim(org_unit)), lower(trim(position)), status);
CREATE INDEX users_platform_role ON users (tenant_id, platform_role) WHERE platform_role <> '';
CREATE INDEX course_sessions_course ON course_sessions (tenant_id, course_id, starts_at);
CREATE INDEX learning_records_user ON learning_records (tenant_id, user_id, course_id);
CREATE INDEX statistics_views_user ON statistics_views (tenant_id, user_id, id);
CREATE INDEX statistics_views_viewer ON statistics_views (tenant_id, viewer_id, id);
CREATE INDEX outbox_due ON outbox (tenant_id, next_attempt, id) WHERE status = 'pending';
CREATE INDEX outbox_leased ON outbox (tenant_id, lease_until, id) WHERE status = 'sending';
CREATE INDEX outbox_created ON outbox (tenant_id, created_at, id);
CREATE INDEX outbox_attempts_message ON outbox_attempts (tenant_id, message_id, id);
CREATE INDEX directory_sync_runs_source ON directory_sync_runs (tenant_id, source, id);
CREATE INDEX directory_user_changes_user ON directory_user_changes (tenant_id, user_id, id);
CREATE INDEX directory_user_changes_run ON directory_user_changes (tenant_id, run_id, id);
CREATE INDEX directory_user_changes_recent ON directory_user_changes (tenant_id, source, action, at);
CREATE INDEX login_throttle_updated ON login_throttle (tenant_id, updated_at);
CREATE INDEX password_resets_user ON password_resets (tenant_id, user_id);
CREATE INDEX change_log_user ON change_log (tenant_id, user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX change_log_actor ON change_log (tenant_id, actor_id, id) WHERE actor_id IS NOT NULL;
CREATE INDEX sso_identities_user ON sso_identities (tenant_id, user_id);
CREATE INDEX sso_used_expiry ON sso_used (tenant_id, expires_at);

-- Append-only tables (migrations 0001, 0005, 0006, 0008, 0013), again.

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER statistics_views_no_update BEFORE UPDATE ON statistics_views
BEGIN SELECT RAISE(ABORT, 'statistics_views is append-only'); END;
CREATE TRIGGER statistics_views_no_delete BEFORE DELETE ON statistics_views
BEGIN SELECT RAISE(ABORT, 'statistics_views is append-only'); END;
CREATE TRIGGER template_sends_no_update BEFORE UPDATE ON template_sends
BEGIN SELECT RAISE(ABORT, 'template_sends is append-only'); END;
CREATE TRIGGER template_sends_no_delete BEFORE DELETE ON template_sends
BEGIN SELECT RAISE(ABORT, 'template_sends is append-only'); END;
CREATE TRIGGER directory_user_changes_no_update BEFORE UPDATE ON directory_user_changes
BEGIN SELECT RAISE(ABORT, 'directory_user_changes is append-only'); END;
CREATE TRIGGER directory_user_changes_no_delete BEFORE DELETE ON directory_user_changes
BEGIN SELECT RAISE(ABORT, 'directory_user_changes is append-only'); END;
CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;

-- The reporting graph's version (migration 0015), now one row per tenant,
-- bumped by the changed row's tenant.
CREATE TRIGGER graph_version_links_i AFTER INSERT ON links BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_links_u AFTER UPDATE ON links BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_links_d AFTER DELETE ON links BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = OLD.tenant_id; END;
CREATE TRIGGER graph_version_users_i AFTER INSERT ON users BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_users_u AFTER UPDATE OF status, org_unit, position ON users BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_users_d AFTER DELETE ON users BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = OLD.tenant_id; END;
CREATE TRIGGER graph_version_settings_i AFTER INSERT ON settings BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_settings_u AFTER UPDATE ON settings BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_settings_d AFTER DELETE ON settings BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = OLD.tenant_id; END;
CREATE TRIGGER graph_version_units_i AFTER INSERT ON org_units BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_units_u AFTER UPDATE ON org_units BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_units_d AFTER DELETE ON org_units BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = OLD.tenant_id; END;
CREATE TRIGGER graph_version_positions_i AFTER INSERT ON manager_positions BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_positions_u AFTER UPDATE ON manager_positions BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_positions_d AFTER DELETE ON manager_positions BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = OLD.tenant_id; END;
CREATE TRIGGER graph_version_matrix_i AFTER INSERT ON capability_matrix BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_matrix_u AFTER UPDATE ON capability_matrix BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = NEW.tenant_id; END;
CREATE TRIGGER graph_version_matrix_d AFTER DELETE ON capability_matrix BEGIN UPDATE graph_version SET version = version + 1 WHERE tenant_id = OLD.tenant_id; END;
