package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// memorySource serves an export kept in a memorySink as CSV files.
type memorySource struct {
	sink *memorySink
	edit func(table string, rows [][]string) // changes the rows before they are served
}

func (s memorySource) Open(table string) (io.ReadCloser, string, error) {
	cols, ok := s.sink.columns[table]
	if !ok {
		return nil, table + ".csv", fs.ErrNotExist
	}
	rows := slices.Clone(s.sink.rows[table])
	if s.edit != nil {
		s.edit(table, rows)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(cols)
	_ = w.WriteAll(rows)
	return io.NopCloser(&b), table + ".csv", nil
}

// canonical writes a cell so that the two engines' spellings of one JSON
// document compare equal (jsonb reorders and spaces what SQLite keeps).
// and SQLite's 0 / 1 where PostgreSQL has a boolean (notification_roles).
func canonical(cell string) string {
	switch cell {
	case "false":
		return "0"
	case "true":
		return "1"
	}
	if strings.HasPrefix(cell, "{") || strings.HasPrefix(cell, "[") {
		var v any
		if json.Unmarshal([]byte(cell), &v) == nil {
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	return cell
}

// tableRows returns a table's rows without the tenant column, canonical.
func tableRows(s *memorySink, table string) []string {
	cols := s.columns[table]
	var out []string
	for _, r := range s.rows[table] {
		var cells []string
		for i, c := range r {
			if cols[i] != "tenant_id" {
				cells = append(cells, cols[i]+"="+canonical(c))
			}
		}
		out = append(out, strings.Join(cells, "|"))
	}
	slices.Sort(out)
	return out
}

// TestImportTenantRoundTrip: tenant beta (the demo organisation, with link
// history, audit, settings) exported from one engine and imported as
// gamma on the other holds the same rows in every imported table, and the
// application gives the same answers (people, links, history, change log);
// the tables that need a secret are skipped and said so; a bad cell fails
// the whole import, naming file, line and column, and leaves no tenant.
func TestImportTenantRoundTrip(t *testing.T) {
	testapp.NeedBothEngines(t)
	for _, pair := range [][2]store.Engine{{store.SQLite, store.Postgres}, {store.Postgres, store.SQLite}} {
		t.Run(string(pair[0])+"-to-"+string(pair[1]), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			src, dst := testapp.New(t, pair[0]), testapp.New(t, pair[1])
			beta := twoDemoTenants(t, src)
			bctx := reportline.WithTenant(ctx, beta)
			// More history: a link ended and another made a day later.
			src.Now.Advance(24 * time.Hour)
			sys := app.SystemActor(reportline.SourceAPI)
			links := storeLinks(t, src.DB, beta)
			if len(links) < 2 {
				t.Fatalf("beta's links: %d", len(links))
			}
			if err := src.App.RemoveLink(bctx, sys, links[0].Pair()); err != nil {
				t.Fatal(err)
			}

			if err := src.DB.Tenant(beta).Write(ctx, func(tx *store.Tx) error {
				return tx.PutSetting(ctx, "digest.timezone", "America/Montreal")
			}); err != nil {
				t.Fatal(err)
			}

			var exp memorySink
			m, err := src.DB.ExportTenant(ctx, "beta", &exp)
			if err != nil {
				t.Fatal(err)
			}

			// A bad cell: nothing is left, not even the tenant.
			bad := memorySource{sink: &exp, edit: func(table string, rows [][]string) {
				if table == "users" && len(rows) > 2 {
					r := slices.Clone(rows[2])
					r[slices.Index(exp.columns["users"], "id")] = "twelve"
					rows[2] = r
				}
			}}
			_, err = dst.DB.ImportTenant(ctx, "test", "gamma", "gamma.example", m, bad)
			if err == nil || !strings.Contains(err.Error(), "users.csv, line 4, column") || !strings.Contains(err.Error(), `"twelve" is not a whole number`) {
				t.Fatalf("a bad cell: %v, want users.csv, line 4, column … named", err)
			}
			ts, _ := dst.DB.Tenants(ctx)
			if slices.ContainsFunc(ts, func(x reportline.Tenant) bool { return x.Slug == "gamma" }) {
				t.Fatal("a failed import left its tenant behind")
			}

			r, err := dst.DB.ImportTenant(ctx, "test", "gamma", "gamma.example", m, memorySource{sink: &exp})
			if err != nil {
				t.Fatal(err)
			}
			for _, table := range []string{"users", "groups", "memberships", "links", "audit_log", "change_log", "settings"} {
				if r.Rows[table] == 0 {
					t.Errorf("%s: nothing imported (%v)", table, r.Rows)
				}
			}
			for _, table := range []string{"credentials", "sessions", "api_tokens", "credential_routes"} {
				if _, ok := r.Skipped[table]; !ok {
					t.Errorf("%s was not skipped: %v", table, r.Skipped)
				}
			}

			var back memorySink
			if _, err := dst.DB.ExportTenant(ctx, "gamma", &back); err != nil {
				t.Fatal(err)
			}
			for table, n := range r.Rows {
				if got, want := tableRows(&back, table), tableRows(&exp, table); !slices.Equal(got, want) {
					t.Errorf("%s: %d rows imported, differ from the export's %d:\n got %.300q\nwant %.300q", table, n, len(want), got, want)
				}
			}

			// The application's answers.
			gctx := reportline.WithTenant(ctx, r.Tenant)
			dst.Now.Set(src.Now.Now())
			answers := func(a *app.App, db *store.DB, ctx context.Context) string {
				t.Helper()
				id, _ := reportline.TenantOf(ctx)
				links := storeLinks(t, db, id)
				changes, err := a.Changes(ctx, sys, reportline.ChangeFilter{Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				hist, err := a.History(ctx, sys, app.HistoryFilter{})
				if err != nil {
					t.Fatal(err)
				}
				for i := range changes {
					changes[i].ID = 0
				}
				b, _ := json.Marshal(map[string]any{"links": links, "changes": len(changes), "history": hist})
				return string(b)
			}
			if got, want := answers(dst.App, dst.DB, gctx), answers(src.App, src.DB, bctx); got != want {
				t.Errorf("the imported tenant answers\n%.600s\nthe exported one\n%.600s", got, want)
			}
			// The tenant takes new rows after the imported ones.
			if _, err := dst.App.CreateGroup(gctx, sys, "After the move", 0); err != nil {
				t.Errorf("a new group in the imported tenant: %v", err)
			}
		})
	}
}

// storeLinks reads every link of a tenant.
func storeLinks(t *testing.T, db *store.DB, id reportline.TenantID) []reportline.Link {
	t.Helper()
	var out []reportline.Link
	if err := db.Tenant(id).Read(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.Links(context.Background(), reportline.LinkFilter{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
