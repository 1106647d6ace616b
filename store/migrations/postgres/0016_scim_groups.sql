-- SCIM Groups (issue 14): the Reportline groups a provisioning client
-- manages, with its externalId, and the plain memberships it made. A
-- membership it made is a row of memberships (role member) and a row here;
-- the client's remove deletes only those, never a membership made by hand
-- or one with an admin role.
CREATE TABLE scim_groups (
    group_id    BIGINT PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE scim_memberships (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);

-- The emails (JSON list) and displayName as the client last sent them,
-- case preserved, shown back so that the client sees no change every cycle.
-- Matching stays on users.email, lower-cased; the emails are shown as sent
-- only while they hold the user's email.
ALTER TABLE scim_user_names ADD COLUMN emails_sent TEXT NOT NULL DEFAULT '';
ALTER TABLE scim_user_names ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
