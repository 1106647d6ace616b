-- Assign role mode and the org structure: system settings, the tree of org
-- units, the positions mapping (which position titles are manager
-- positions), and an index that finds a unit's users by their org_unit and
-- position the way the org structure compares them (app and
-- reportline.OrgKey): surrounding spaces dropped, ASCII letters lower-cased.
-- SQLite's lower() folds ASCII letters only, which is the rule.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE org_units (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES org_units (id),
    name      TEXT NOT NULL,
    -- reportline.OrgKey(name): unit names are unique case-insensitively.
    name_key  TEXT NOT NULL UNIQUE,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX org_units_parent ON org_units (parent_id);

CREATE TABLE manager_positions (
    -- reportline.OrgKey(title)
    title_key TEXT PRIMARY KEY,
    title     TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX users_org ON users (lower(trim(org_unit)), lower(trim(position)), status);
