package store

import "testing"

func TestBindTenantPutsTheTenantFirst(t *testing.T) {
	tests := []struct {
		q           string
		engine      Engine
		want        string
		wantsTenant bool
	}{
		{`SELECT id FROM users WHERE tenant_id = $T AND email = $1`, Postgres, `SELECT id FROM users WHERE tenant_id = $1 AND email = $2`, true},
		{`SELECT id FROM users WHERE tenant_id = $T AND email = $1`, SQLite, `SELECT id FROM users WHERE tenant_id = ?1 AND email = ?2`, true},
		// Every $T is the one argument; two-digit numbers shift as a whole.
		{`UPDATE t SET a = $10, b = $9 WHERE tenant_id = $T AND x IN (SELECT y FROM u WHERE tenant_id = $T)`, Postgres,
			`UPDATE t SET a = $11, b = $10 WHERE tenant_id = $1 AND x IN (SELECT y FROM u WHERE tenant_id = $1)`, true},
		{`SELECT pg_advisory_xact_lock($1, $T::integer)`, Postgres, `SELECT pg_advisory_xact_lock($2, $1::integer)`, true},
		// Without $T: only rebound, no argument added.
		{`SELECT pg_advisory_lock($1)`, Postgres, `SELECT pg_advisory_lock($1)`, false},
		{`SELECT version FROM schema_migrations WHERE version = $1`, SQLite, `SELECT version FROM schema_migrations WHERE version = ?1`, false},
	}
	for _, tt := range tests {
		got := bindTenant(tt.q, tt.engine)
		if got.q != tt.want || got.tenant != tt.wantsTenant {
			t.Errorf("bindTenant(%q, %s) = %q, %v; want %q, %v", tt.q, tt.engine, got.q, got.tenant, tt.want, tt.wantsTenant)
		}
	}
	tx := &Tx{engine: Postgres, tenant: 7}
	q, args := tx.bind(`SELECT 1 FROM users WHERE tenant_id = $T AND id = $1`, []any{42})
	if q != `SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2` || len(args) != 2 || args[0] != TenantID(7) || args[1] != 42 {
		t.Errorf("bind = %q %v; want the tenant as $1 and 42 as $2", q, args)
	}
}
