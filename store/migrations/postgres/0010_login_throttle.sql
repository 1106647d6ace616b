-- Sign-in throttling shared by every replica: one row per throttled key
-- (an account or a client address, for sign-in or for password reset
-- requests; the key is a hash, so its length is bounded whatever is sent).
-- attempts counts the attempts since the row was last forgotten;
-- blocked_until refuses further attempts until then (Unix microseconds).
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    attempts      BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX login_throttle_updated ON login_throttle (updated_at);

-- API token lifecycle: an optional expiry and a revocation time. A revoked
-- token is kept (it is listed as revoked) and never works again.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN revoked_at BIGINT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Sessions are ended per user when their password changes.
CREATE INDEX sessions_user ON sessions (user_id);

-- Self-service password resets: the emailed link carries a random secret,
-- stored here only as its SHA-256 hash; a reset works once, before it
-- expires.
CREATE TABLE password_resets (
    hash       BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);
