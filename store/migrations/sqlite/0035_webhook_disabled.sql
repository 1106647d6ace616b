-- A webhook subscriber can be disabled (Settings → Organisation →
-- Webhooks, docs/webhooks.md): while disabled_at is set, no event is
-- recorded for it and its waiting deliveries are not sent.
ALTER TABLE webhook_subscribers ADD COLUMN disabled_at INTEGER;
