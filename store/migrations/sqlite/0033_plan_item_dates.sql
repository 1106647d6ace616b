-- Dated lines in plans (issue 20, docs/plans.md): a change read from a CSV
-- in the import format may carry the valid from / valid until of the link
-- it adds or changes (Unix microseconds, NULL when open).
ALTER TABLE plan_items ADD COLUMN valid_from BIGINT;
ALTER TABLE plan_items ADD COLUMN valid_until BIGINT;
