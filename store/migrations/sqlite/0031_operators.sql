-- The operator page (issue 13, docs/tenants.md "Built: step 4, part 2"):
-- the operators who sign in to it and their sessions, above tenants (no
-- tenant_id). An operator's session is never a tenant's session: its own
-- table, its own cookie.
CREATE TABLE operators (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND email <> ''),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE operator_sessions (
    hash        BLOB PRIMARY KEY,
    operator_id INTEGER NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);
