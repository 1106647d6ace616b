-- Learning records from the LMS (SPEC §3, "Statistics"): courses (access
-- limited to groups), their dated sessions, and per-user records. Every
-- item is keyed by the LMS's own id (lms_id, unique per kind), so that an
-- integration can send the same batch twice. Times are Unix microseconds.

CREATE TABLE courses (
    id         INTEGER PRIMARY KEY,
    lms_id     TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A course with no row here is open to everyone.
CREATE TABLE course_groups (
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (course_id, group_id)
) WITHOUT ROWID;

CREATE TABLE course_sessions (
    id         INTEGER PRIMARY KEY,
    lms_id     TEXT NOT NULL UNIQUE,
    course_id  INTEGER NOT NULL REFERENCES courses (id),
    title      TEXT NOT NULL DEFAULT '',
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX course_sessions_course ON course_sessions (course_id, starts_at);

CREATE TABLE learning_records (
    id                 INTEGER PRIMARY KEY,
    lms_id             TEXT NOT NULL UNIQUE,
    user_id            INTEGER NOT NULL REFERENCES users (id),
    course_id          INTEGER NOT NULL REFERENCES courses (id),
    session_id         INTEGER REFERENCES course_sessions (id),
    status             TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'completed', 'failed')),
    progress           INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    score              REAL,
    time_spent_seconds INTEGER NOT NULL DEFAULT 0 CHECK (time_spent_seconds >= 0),
    due_at             INTEGER,
    completed_at       INTEGER,
    last_activity_at   INTEGER,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX learning_records_user ON learning_records (user_id, course_id);

-- Who looked at whose statistics, and when (SPEC §3). Append-only.
CREATE TABLE statistics_views (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    viewer_id INTEGER NOT NULL REFERENCES users (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    grant_by  TEXT NOT NULL,
    scope     TEXT NOT NULL,
    source    TEXT NOT NULL,
    -- what was looked at: 'statistics' (the user's page) or 'team' (My team)
    page      TEXT NOT NULL
);
CREATE INDEX statistics_views_user ON statistics_views (user_id, id);
CREATE INDEX statistics_views_viewer ON statistics_views (viewer_id, id);
CREATE TRIGGER statistics_views_no_update BEFORE UPDATE ON statistics_views
BEGIN SELECT RAISE(ABORT, 'statistics_views is append-only'); END;
CREATE TRIGGER statistics_views_no_delete BEFORE DELETE ON statistics_views
BEGIN SELECT RAISE(ABORT, 'statistics_views is append-only'); END;
