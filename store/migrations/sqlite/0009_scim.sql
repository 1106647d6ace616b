-- SCIM provisioning clients (Microsoft Entra ID, Okta…): each has its own
-- bearer token, stored as its SHA-256 hash, valid on /scim/v2 only.
CREATE TABLE scim_clients (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    hash         BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);

-- The userName a SCIM client gave each user it wrote (Entra sends the
-- userPrincipalName, which need not be the email). A user without one is
-- shown with their email as userName. Unique case-insensitively: key is the
-- lower-cased name.
CREATE TABLE scim_user_names (
    user_id   INTEGER PRIMARY KEY REFERENCES users (id),
    user_name TEXT NOT NULL,
    name_key  TEXT NOT NULL UNIQUE
);
