-- PostgreSQL announces each new graph version (NOTIFY); SQLite has no
-- NOTIFY and one writing process: its followers read graph_version. The
-- number is kept so that both engines' migrations stay in step.
SELECT 1;
