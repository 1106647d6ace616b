-- Bulk CSV imports: one row per import (preview or apply), its progress and
-- counts, and its files (the upload, the rejected lines, the changes), kept
-- gzip-compressed so that history can be viewed and downloaded later.

CREATE TABLE import_batches (
    id             INTEGER PRIMARY KEY,
    actor_id       INTEGER REFERENCES users (id),
    source         TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    file_size      INTEGER NOT NULL,
    dry_run        INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    phase          TEXT NOT NULL DEFAULT '',
    progress_done  INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    counts         TEXT NOT NULL DEFAULT '{}',
    encoding       TEXT NOT NULL DEFAULT '',
    separator      TEXT NOT NULL DEFAULT '',
    error          TEXT NOT NULL DEFAULT '',
    preview_id     INTEGER REFERENCES import_batches (id),
    created_at     INTEGER NOT NULL,
    finished_at    INTEGER
);
CREATE INDEX import_batches_created ON import_batches (created_at);

CREATE TABLE import_files (
    batch_id INTEGER NOT NULL REFERENCES import_batches (id),
    kind     TEXT NOT NULL CHECK (kind IN ('upload', 'rejected', 'changes')),
    data     BLOB NOT NULL,
    PRIMARY KEY (batch_id, kind)
);
