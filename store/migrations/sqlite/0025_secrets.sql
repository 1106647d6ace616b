-- Per-tenant secrets (docs/tenants.md "Built: step 3, part 2",
-- docs/security.md "Secrets at rest"): AES-256-GCM boxes sealed by package
-- secret, the id of the key beside each so the key can rotate. The plain
-- per-tenant settings stay in settings. No trigger: Citus refuses them.
CREATE TABLE secrets (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
