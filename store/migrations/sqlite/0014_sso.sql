-- Single sign-on (OpenID Connect, SAML 2.0).

-- A person known to an identity provider by its stable subject (OIDC "sub",
-- SAML NameID), one row per provider and subject. The first sign-in links
-- the subject to a user; later ones find the user by it alone.
CREATE TABLE sso_identities (
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    email      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX sso_identities_user ON sso_identities (user_id);

-- Single-use keys (a SAML assertion id, an OIDC nonce) until they expire,
-- so that a captured assertion or token is refused the second time.
CREATE TABLE sso_used (
    key        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sso_used_expiry ON sso_used (expires_at);

-- How a session was opened (password, oidc, saml), and what the provider
-- needs to end its own session at sign-out (the OIDC ID token as
-- id_token_hint).
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN logout_hint TEXT NOT NULL DEFAULT '';
