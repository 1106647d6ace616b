-- Who ran an import when no user did: the CLI records the system actor with
-- the operating-system user ("system (os user root)").
ALTER TABLE import_batches ADD COLUMN actor_label TEXT NOT NULL DEFAULT '';
