-- Every new graph version is announced on the channel reportline_graph as
-- "tenant_id version" (store/graph_listen.go): the decision index's
-- follower in each process LISTENs rather than reading graph_version
-- (docs/tenants.md). A row trigger on graph_version catches every bump,
-- whatever made it (the statement triggers of 0015, 0018 and 0021, a
-- revocation, a statement typed by hand). NOTIFY is transactional: sent
-- on commit only.
--
-- Not on Citus, which refuses triggers on its distributed tables: there
-- the store notifies as it bumps (bumpVersion).
CREATE FUNCTION graph_version_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('reportline_graph', NEW.tenant_id || ' ' || NEW.version);
    RETURN NULL;
END $$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        CREATE TRIGGER graph_version_notify AFTER UPDATE OF version ON graph_version
            FOR EACH ROW EXECUTE FUNCTION graph_version_notify();
    END IF;
END $$;
