-- A failed import's and a sync run's stored failure name their message
-- (docs/i18n.md): the catalogue id and its arguments (JSON), beside the
-- English of the error column, so their pages say it in the reader's
-- language. NULL for failures recorded before, and for those without an id.
ALTER TABLE import_batches ADD COLUMN error_id TEXT;
ALTER TABLE import_batches ADD COLUMN error_args TEXT;
ALTER TABLE directory_sync_runs ADD COLUMN error_id TEXT;
ALTER TABLE directory_sync_runs ADD COLUMN error_args TEXT;
