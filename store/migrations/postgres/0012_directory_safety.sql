-- Directory safety: SCIM deactivations are counted over a rolling hour
-- (held past the guard's thresholds), which reads a source's recent user
-- changes of one action.
CREATE INDEX directory_user_changes_recent ON directory_user_changes (source, action, at);
