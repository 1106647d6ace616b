-- Scheduled notifications to managers: the weekly digest (one per manager
-- per ISO week) and birthday notifications (one per manager per day).
--
-- scheduled_runs is one row per run (kind, period): which replica holds it
-- (owner, until lease_until), since when (claimed_at, which decides whether
-- what it sends is late), how far it got (done_through: the last manager id done,
-- managers are processed in id order), when it finished and its counts.
-- scheduled_sends is one row per manager and period, written in the same
-- transaction as the message's outbox row: its primary key is what makes a
-- notification go out exactly once across restarts, crashes and replicas.
-- Times are Unix microseconds.

CREATE TABLE scheduled_runs (
    kind          TEXT NOT NULL CHECK (kind IN ('weekly_digest', 'birthday')),
    period        TEXT NOT NULL,  -- 2026-W48 for a digest, 2026-11-23 for birthdays
    started_at    BIGINT NOT NULL,
    owner         TEXT NOT NULL DEFAULT '',
    claimed_at    BIGINT NOT NULL,
    lease_until   BIGINT NOT NULL,
    done_through  BIGINT NOT NULL DEFAULT 0,
    finished_at   BIGINT,
    sent          BIGINT NOT NULL DEFAULT 0,
    late          BIGINT NOT NULL DEFAULT 0,
    opted_out     BIGINT NOT NULL DEFAULT 0,
    skipped_empty BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, period)
);

CREATE TABLE scheduled_sends (
    kind       TEXT NOT NULL CHECK (kind IN ('weekly_digest', 'birthday')),
    period     TEXT NOT NULL,
    manager_id BIGINT NOT NULL REFERENCES users (id),
    outcome    TEXT NOT NULL CHECK (outcome IN ('sent', 'opted_out', 'skipped_empty')),
    late       BOOLEAN NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (kind, period, manager_id)
);

-- A user who does not want a notification of a type (the weekly digest,
-- birthdays).
CREATE TABLE notification_optouts (
    user_id BIGINT NOT NULL REFERENCES users (id),
    type    TEXT NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, type)
);
