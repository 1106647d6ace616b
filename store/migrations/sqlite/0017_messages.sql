-- Notifications of every kind (issue 17): admins' switches per role, where
-- the event notifications have got to, permanent failures reported by the
-- relay, and the service's own secrets (the unsubscribe-link key).

-- notification_roles: an admin's switch of one notification for one role
-- (managers, learners, admins). No row: on.
CREATE TABLE notification_roles (
    type     TEXT NOT NULL,
    audience TEXT NOT NULL CHECK (audience IN ('managers', 'learners', 'admins')),
    enabled  INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    at       INTEGER NOT NULL,
    PRIMARY KEY (type, audience)
);

-- notification_cursors: how far the event notifications have read (the
-- audit log's last id for manager changes; the last instant scanned for
-- temporary links, Unix microseconds). Each message is keyed in the outbox,
-- so two replicas reading the same stretch still send it once.
CREATE TABLE notification_cursors (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);

-- mail_bounces: addresses the relay refused for good (an SMTP 5xx during
-- the session). Bulk notifications to them are no longer sent.
CREATE TABLE mail_bounces (
    address TEXT PRIMARY KEY,
    at      INTEGER NOT NULL,
    error   TEXT NOT NULL DEFAULT ''
);

-- service_secrets: keys the service generates on first start when the
-- environment gives none (the unsubscribe-link HMAC key).
CREATE TABLE service_secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- Temporary links starting or ending: found by their dates.
CREATE INDEX links_valid_from ON links (valid_from) WHERE valid_from IS NOT NULL;
CREATE INDEX links_valid_until ON links (valid_until) WHERE valid_until IS NOT NULL;

-- "Manager added" and "manager removed" are sent when an admin enables
-- them (SPEC 3: "when enabled"): a first bulk import or directory sync
-- would otherwise email every person it links.
INSERT INTO notification_roles (type, audience, enabled, at) VALUES
    ('manager_added', 'managers', 0, 0), ('manager_added', 'learners', 0, 0),
    ('manager_removed', 'managers', 0, 0), ('manager_removed', 'learners', 0, 0);
