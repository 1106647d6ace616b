-- Notifications (SPEC §3): the mail outbox, every delivery attempt, and
-- the record of messages admins sent from templates. Times are Unix
-- microseconds.

-- The outbox. A message is enqueued once per key (INSERT … ON CONFLICT
-- (key) DO NOTHING), so a digest or a birthday note enqueued twice by two
-- replicas or after a crash is still one message. Workers claim due
-- messages under a lease (SQLite's one writer serialises the claims); a
-- message whose worker died is 'sending' with an expired lease, and is
-- claimed again.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    type         TEXT NOT NULL,
    recipient_id INTEGER REFERENCES users (id),
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
    last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt, id) WHERE status = 'pending';
CREATE INDEX outbox_leased ON outbox (lease_until, id) WHERE status = 'sending';
CREATE INDEX outbox_created ON outbox (created_at, id);

-- Every attempt and its outcome: the delivery log admins search.
CREATE TABLE outbox_attempts (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES outbox (id),
    at         INTEGER NOT NULL,
    attempt    INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_message ON outbox_attempts (message_id, id);

-- Messages sent from a template: who sent what to whom. Append-only, like
-- the audit log of links.
CREATE TABLE template_sends (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER,
    source     TEXT NOT NULL,
    group_id   INTEGER NOT NULL REFERENCES groups (id),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    recipients INTEGER NOT NULL
);

CREATE TRIGGER template_sends_no_update BEFORE UPDATE ON template_sends
BEGIN SELECT RAISE(ABORT, 'template_sends is append-only'); END;
CREATE TRIGGER template_sends_no_delete BEFORE DELETE ON template_sends
BEGIN SELECT RAISE(ABORT, 'template_sends is append-only'); END;
