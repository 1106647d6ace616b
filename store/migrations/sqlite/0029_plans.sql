-- Planned reorganisations (issue 20, docs/plans.md): a plan and its items,
-- in the order they are applied. tenant_id leads every key; no triggers.
CREATE TABLE plans (
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'scheduled', 'applied', 'failed', 'cancelled')),
    created_by   INTEGER NOT NULL,
    source       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    approved_by  INTEGER,
    approved_at  INTEGER,
    effective_at INTEGER,
    applied_at   INTEGER,
    result       TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id)
);
-- The scheduler's question: which scheduled plans are due.
CREATE INDEX plans_due ON plans (tenant_id, effective_at) WHERE status = 'scheduled';

CREATE TABLE plan_items (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    plan_id    INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('add', 'remove', 'kind')),
    manager_id INTEGER NOT NULL,
    managee_id INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    line       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, plan_id, seq),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES plans (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, manager_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, managee_id) REFERENCES users (tenant_id, id)
);
