-- The capability matrix: which capabilities each link kind grants (SPEC §1,
-- "Capabilities granted by a link"). A cell without a row takes its default
-- (reportline.DefaultMatrix), so a capability added later needs no data
-- migration. Times are Unix microseconds.

CREATE TABLE capability_matrix (
    kind       TEXT NOT NULL CHECK (kind IN ('line', 'functional')),
    capability TEXT NOT NULL,
    allowed    INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    updated_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, capability)
);

-- The access checks look for administrators (platform admins, and group
-- admins of a user's groups) without reading every member.
CREATE INDEX users_platform_role ON users (platform_role) WHERE platform_role <> '';
CREATE INDEX memberships_admins ON memberships (group_id, user_id) WHERE role <> 'member';
