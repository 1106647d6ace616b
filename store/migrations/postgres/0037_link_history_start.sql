-- Where a tenant's link history starts (HistoryStart: the earliest period
-- migration 0020 wrote for a link the audit log never recorded), asked by
-- every org chart and as-of read. Without an index it scanned the tenant's
-- whole history. Partial, so the periods every import and sync writes
-- (origin 'change') cost it nothing.
CREATE INDEX link_history_start ON link_history (tenant_id, recorded_at) WHERE origin = 'migration';
