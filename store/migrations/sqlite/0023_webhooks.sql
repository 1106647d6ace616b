-- Change events out (issue 20): webhook subscribers, one delivery per
-- event per subscriber (the CloudEvent's JSON, kept as sent), and the
-- delivery log of every attempt. Deliveries of one subscriber and one
-- subject (the managee) are sent in id order.
CREATE TABLE webhook_subscribers (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    id         INTEGER PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    types      TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL,
    event_id      TEXT NOT NULL,
    type          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          BLOB NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL,
    lease_owner   TEXT,
    lease_until   INTEGER,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER,
    last_error    TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, subscriber_id, event_id),
    FOREIGN KEY (tenant_id, subscriber_id) REFERENCES webhook_subscribers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (tenant_id, subscriber_id, subject, id) WHERE status IN ('pending', 'sending');

CREATE TABLE webhook_attempts (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    status      TEXT NOT NULL,
    http_status INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (tenant_id, delivery_id, id);
