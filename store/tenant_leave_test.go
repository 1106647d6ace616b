package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/demo"
	"reportline/internal/testapp"
	"reportline/store"
)

// twoDemoTenants loads the demo organisation into the implicit tenant and
// into a second tenant "beta" (the same emails, uids, group names), with a
// token and a session in each (their credential routes too). It returns
// beta's id.
func twoDemoTenants(t *testing.T, env *testapp.Env) reportline.TenantID {
	t.Helper()
	ctx := context.Background()
	beta, err := env.DB.CreateTenantAs(ctx, "test", "beta", "beta.example")
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []reportline.TenantID{store.ImplicitTenant, beta} {
		tctx := reportline.WithTenant(ctx, id)
		if _, err := demo.Load(tctx, env.App); err != nil {
			t.Fatalf("demo in tenant %d: %v", id, err)
		}
		now := env.Now.Now()
		err := env.DB.Tenant(id).Write(ctx, func(tx *store.Tx) error {
			u, err := tx.UserByEmail(ctx, "admin@acme.example")
			if err != nil {
				return err
			}
			key := []byte("key-" + strconv.Itoa(i))
			if err := tx.CreateToken(ctx, &reportline.APIToken{UserID: u.ID, Name: "t", Hash: key, CreatedAt: now}); err != nil {
				return err
			}
			return tx.CreateSession(ctx, reportline.Session{Hash: append([]byte("session-"), key...), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return beta
}

// memorySink keeps an export's tables in memory.
type memorySink struct {
	columns map[string][]string
	rows    map[string][][]string
	current string
}

func (s *memorySink) BeginTable(name string, columns []string) error {
	if s.columns == nil {
		s.columns, s.rows = map[string][]string{}, map[string][][]string{}
	}
	s.columns[name], s.current = slices.Clone(columns), name
	return nil
}

func (s *memorySink) Row(cells []string) error {
	s.rows[s.current] = append(s.rows[s.current], slices.Clone(cells))
	return nil
}

// A tenant's export holds every table with a tenant_id (the catalogue's
// list), each with exactly the tenant's row count, no other tenant's row,
// and no secret column.
func TestExportTenant(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel()
		ctx := context.Background()
		env := testapp.New(t, engine)
		beta := twoDemoTenants(t, env)
		want, err := env.DB.TenantRowCounts(ctx, beta)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"users", "groups", "memberships", "links", "link_history", "audit_log", "change_log", "settings", "api_tokens", "sessions", "credentials", "credential_routes"} {
			if _, ok := want[table]; !ok {
				t.Errorf("tenant tables lack %s", table)
			}
		}
		if _, ok := want["operator_log"]; ok {
			t.Error("the operator log is counted as a tenant's table")
		}

		var sink memorySink
		m, err := env.DB.ExportTenant(ctx, "BETA", &sink)
		if err != nil {
			t.Fatal(err)
		}
		if m.Tenant.ID != beta || m.Tenant.Slug != "beta" || m.Format != store.ExportFormat || m.SchemaVersion < 26 || m.ExportedAt.IsZero() {
			t.Errorf("manifest header = %+v", m)
		}
		if len(m.Tables) != len(want) {
			t.Errorf("manifest has %d tables, the tenant %d", len(m.Tables), len(want))
		}
		for _, et := range m.Tables {
			if et.Rows != want[et.Name] || int64(len(sink.rows[et.Name])) != et.Rows {
				t.Errorf("%s: manifest %d rows, file %d, table %d", et.Name, et.Rows, len(sink.rows[et.Name]), want[et.Name])
			}
			if et.Columns[0] != "tenant_id" {
				t.Errorf("%s: first column %q, want tenant_id", et.Name, et.Columns[0])
			}
			for _, row := range sink.rows[et.Name] {
				if row[0] != strconv.FormatInt(int64(beta), 10) {
					t.Fatalf("%s: a row of tenant %s in beta's export: %v", et.Name, row[0], row)
				}
			}
			for _, c := range et.Columns {
				if strings.Contains(c, "hash") || strings.Contains(c, "secret") {
					t.Errorf("%s exports the secret column %s", et.Name, c)
				}
			}
		}
		if want["users"] < 40 || want["links"] == 0 || want["audit_log"] == 0 || want["link_history"] == 0 {
			t.Errorf("the fixture is too thin: %v", want)
		}
		byName := map[string]store.ExportedTable{}
		for _, et := range m.Tables {
			byName[et.Name] = et
		}
		if !slices.Contains(byName["credentials"].Omitted, "password_hash") || !slices.Contains(byName["api_tokens"].Omitted, "hash") {
			t.Errorf("omitted: credentials %v, api_tokens %v", byName["credentials"].Omitted, byName["api_tokens"].Omitted)
		}
		// Booleans read the same on both engines.
		if i := slices.Index(sink.columns["capability_matrix"], "allowed"); i >= 0 {
			for _, row := range sink.rows["capability_matrix"] {
				if row[i] != "true" && row[i] != "false" {
					t.Errorf("capability_matrix.allowed = %q", row[i])
				}
			}
		}
		if _, err := env.DB.ExportTenant(ctx, "nobody", &sink); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("export of an unknown slug: %v", err)
		}
	})
}

// Deleting a tenant leaves none of its rows in any table with a tenant_id,
// changes no other tenant's, is recorded in the operator log, and refuses
// the implicit tenant.
func TestDeleteTenant(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel()
		ctx := context.Background()
		env := testapp.New(t, engine)
		beta := twoDemoTenants(t, env)
		before, err := env.DB.TenantRowCounts(ctx, store.ImplicitTenant)
		if err != nil {
			t.Fatal(err)
		}
		betaBefore, _ := env.DB.TenantRowCounts(ctx, beta)

		// Append-only rows stay so outside the deletion.
		err = env.DB.Tenant(beta).Write(ctx, func(tx *store.Tx) error {
			return tx.ExecRaw(ctx, `DELETE FROM audit_log WHERE tenant_id = $T`)
		})
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("deleting audit rows outside a tenant deletion: %v, want refused", err)
		}

		deleted, err := env.DB.DeleteTenant(ctx, "system (os user op)", "beta")
		if err != nil {
			t.Fatal(err)
		}
		after, err := env.DB.TenantRowCounts(ctx, beta)
		if err != nil {
			t.Fatal(err)
		}
		for table, n := range after {
			if n != 0 {
				t.Errorf("%s keeps %d rows of the deleted tenant", table, n)
			}
			if table != "append_only_grants" && deleted[table] != betaBefore[table] {
				t.Errorf("%s: %d rows deleted, the tenant had %d", table, deleted[table], betaBefore[table])
			}
		}
		still, _ := env.DB.TenantRowCounts(ctx, store.ImplicitTenant)
		for table, n := range before {
			if still[table] != n {
				t.Errorf("%s: the implicit tenant has %d rows, had %d", table, still[table], n)
			}
		}
		ts, _ := env.DB.Tenants(ctx)
		if len(ts) != 1 || ts[0].ID != store.ImplicitTenant {
			t.Errorf("tenants after the deletion: %+v", ts)
		}
		log, _ := env.DB.OperatorLog(ctx)
		if last := log[len(log)-1]; last.Action != "tenant.delete" || last.Tenant != beta || !strings.Contains(last.Detail, "slug=beta") {
			t.Errorf("operator log: %+v", last)
		}
		if _, err := env.DB.DeleteTenant(ctx, "op", "default"); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("deleting the implicit tenant: %v, want invalid", err)
		}
		if _, err := env.DB.DeleteTenant(ctx, "op", "beta"); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("deleting it twice: %v, want not found", err)
		}
		// The slug is free again.
		if _, err := env.DB.CreateTenantAs(ctx, "op", "beta", "beta.example"); err != nil {
			t.Errorf("a new beta: %v", err)
		}
	})
}

// A grant covers its own tenant and action only.
func TestAppendOnlyGrantIsNarrow(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel()
		ctx := context.Background()
		env := testapp.New(t, engine)
		beta := twoDemoTenants(t, env)
		cases := []struct {
			name, grant, stmt string
		}{
			{"a delete grant does not erase", "delete", `UPDATE audit_log SET source = 'x' WHERE tenant_id = $T`},
			{"an erase grant does not delete", "erase", `DELETE FROM change_log WHERE tenant_id = $T`},
			{"a grant of beta does not reach the implicit tenant", "delete", `DELETE FROM audit_log WHERE tenant_id = 1`},
			{"an erase grant does not move a row", "erase", `UPDATE audit_log SET tenant_id = 1 WHERE tenant_id = $T`},
		}
		for _, c := range cases {
			err := env.DB.Tenant(beta).Write(ctx, func(tx *store.Tx) error {
				if err := tx.ExecRaw(ctx, `INSERT INTO append_only_grants (tenant_id, action) VALUES ($T, '`+c.grant+`')`); err != nil {
					return err
				}
				return tx.ExecRaw(ctx, c.stmt)
			})
			if err == nil {
				t.Errorf("%s: allowed", c.name)
			}
		}
	})
}

// TestSecretColumn: what a tenant export leaves out, column by column.
func TestSecretColumn(t *testing.T) {
	for _, c := range []struct {
		table, column string
		secret        bool
	}{
		{"api_tokens", "hash", true},
		{"passwords", "password_hash", true},
		{"webhook_subscribers", "secret", true},
		{"service_secrets", "value", true},
		{"secrets", "sealed", true}, // a tenant's sealed OpenID client secret
		{"secrets", "name", false},  // which secrets are set is not itself secret
		{"users", "email", false},
		{"settings", "value", false},
	} {
		if got := store.SecretColumn(c.table, c.column); got != c.secret {
			t.Errorf("SecretColumn(%s, %s) = %v, want %v", c.table, c.column, got, c.secret)
		}
	}
}
