package store_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestCitusRoutesTheRequestPaths checks, on a Citus cluster, that every
// statement a Q1 request (a user's managers and managees) and an access
// decision send is router-executable: planned by Citus to the one shard
// that holds the tenant, never fanned out to every shard (issue 13: with
// more tenants holding data, every shard would have work for each
// request). It reads through a pool whose sessions set
// citus.multi_task_query_log_level to error, so Citus refuses any
// statement it would split into several tasks. DB.GraphVersions across
// tenants on different shards is the documented exception (the decision
// index's follower, scope_test.go's crossTenant) and the proof that the
// setting is in force: it must be refused there. Runs in .ci/run's Citus
// phase; elsewhere there is nothing to plan.
func TestCitusRoutesTheRequestPaths(t *testing.T) {
	raw, ok := testapp.CitusURL(t)
	if !ok {
		testapp.SkipUnlessCitus(t)
	}
	ctx := context.Background()
	plain, err := store.Open(ctx, raw, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plain.Close() })
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("citus.multi_task_query_log_level", "error") // a run-time parameter of every connection
	u.RawQuery = q.Encode()
	strict, err := store.Open(ctx, u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { strict.Close() })

	// Two tenants the statements name, seeded through the plain pool (the
	// writes of a seed are not the paths checked).
	var ids []store.TenantID
	for k := range 2 {
		slug := fmt.Sprintf("router-%d-%d", os.Getpid(), k)
		id, err := plain.CreateTenantAs(ctx, "test", slug, slug+".example")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	tenant := ids[0]
	now := time.Now().UTC().Truncate(time.Second)
	var boss, worker reportline.User
	var group reportline.Group
	token := reportline.APIToken{Name: "q1", Hash: []byte(fmt.Sprintf("router-token-%d", os.Getpid())), CreatedAt: now}
	err = plain.Tenant(tenant).Write(ctx, func(tx *store.Tx) error {
		boss = reportline.User{Email: "boss@example.com", FirstName: "Boss", Status: reportline.StatusActive}
		worker = reportline.User{Email: "worker@example.com", FirstName: "Worker", Status: reportline.StatusActive}
		for _, p := range []*reportline.User{&boss, &worker} {
			if err := tx.CreateUser(ctx, p); err != nil {
				return err
			}
		}
		if err := tx.InsertLink(ctx, reportline.Link{ManagerID: boss.ID, ManageeID: worker.ID, Kind: reportline.Line, Source: reportline.SourceUI, CreatedAt: now}); err != nil {
			return err
		}
		group = reportline.Group{Name: "Sales"}
		if err := tx.CreateGroup(ctx, &group); err != nil {
			return err
		}
		if err := tx.SetMembership(ctx, reportline.Membership{GroupID: group.ID, UserID: boss.ID, Role: reportline.AdminRole}); err != nil {
			return err
		}
		token.UserID = boss.ID
		if err := tx.CreateToken(ctx, &token); err != nil {
			return err
		}
		return tx.CreateAbsence(ctx, &reportline.Absence{ManagerID: boss.ID, DelegateFrom: reportline.DelegateSecondManager,
			Starts: now, Ends: now.Add(24 * time.Hour), CreatedAt: now, Managees: []reportline.UserID{worker.ID}})
	})
	if err != nil {
		t.Fatal(err)
	}

	users := []reportline.UserID{boss.ID, worker.ID}
	reads := []struct {
		name string
		read func(tx *store.Tx) error
	}{
		// The request's credentials (app/auth.go) and the index's version.
		{"TokenUser", func(tx *store.Tx) error { _, _, err := tx.TokenUser(ctx, token.Hash); return err }},
		{"GraphVersion", func(tx *store.Tx) error { _, err := tx.GraphVersion(ctx); return err }},
		// usecase.LoadAuthority and the visibility check (mayView).
		{"Memberships", func(tx *store.Tx) error {
			_, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: users})
			return err
		}},
		{"Groups", func(tx *store.Tx) error { _, err := tx.Groups(ctx); return err }},
		{"CapabilityMatrix", func(tx *store.Tx) error { _, err := tx.CapabilityMatrix(ctx); return err }},
		{"UsersByIDs", func(tx *store.Tx) error { _, err := tx.UsersByIDs(ctx, users); return err }},
		{"AccessFacts", func(tx *store.Tx) error {
			_, _, _, err := tx.AccessFacts(ctx, [2]reportline.UserID{boss.ID, worker.ID}, worker.ID)
			return err
		}},
		{"Link", func(tx *store.Tx) error {
			_, err := tx.Link(ctx, reportline.Pair{ManagerID: boss.ID, ManageeID: worker.ID})
			return err
		}},
		{"LinksOfManagees", func(tx *store.Tx) error { _, err := tx.LinksOfManagees(ctx, users); return err }},
		{"LinksOfManagers", func(tx *store.Tx) error { _, err := tx.LinksOfManagers(ctx, users); return err }},
		{"ManagerPositions", func(tx *store.Tx) error { _, err := tx.ManagerPositions(ctx); return err }},
		// Q1 itself (app/links.go listLinks).
		{"UserWithLinks", func(tx *store.Tx) error {
			_, _, err := tx.UserWithLinks(ctx, worker.ID, reportline.Managers, reportline.Managees)
			return err
		}},
		{"User", func(tx *store.Tx) error { _, err := tx.User(ctx, worker.ID); return err }},
		{"LinkedUsers managers", func(tx *store.Tx) error { _, err := tx.LinkedUsers(ctx, worker.ID, reportline.Managers); return err }},
		{"LinkedUsers managees", func(tx *store.Tx) error { _, err := tx.LinkedUsers(ctx, boss.ID, reportline.Managees); return err }},
		{"Absences", func(tx *store.Tx) error {
			_, err := tx.Absences(ctx, reportline.AbsenceFilter{ManageeID: worker.ID, After: now})
			return err
		}},
		// The decision index's build (app/graph_index.go).
		{"Links", func(tx *store.Tx) error { _, err := tx.Links(ctx, reportline.LinkFilter{}); return err }},
		{"CountLinks", func(tx *store.Tx) error { _, err := tx.CountLinks(ctx); return err }},
		{"EachGraphUser", func(tx *store.Tx) error {
			return tx.EachGraphUser(ctx, func(reportline.User) error { return nil })
		}},
		{"EachGroupAdmin", func(tx *store.Tx) error {
			return tx.EachGroupAdmin(ctx, func(reportline.UserID) error { return nil })
		}},
	}
	for _, r := range reads {
		if err := strict.Tenant(tenant).Read(ctx, r.read); err != nil {
			t.Errorf("%s: %v (want a router query: tenant_id = $T on every table)", r.name, err)
		}
	}
	// The token's use, recorded off the request's path.
	if err := strict.Tenant(tenant).Write(ctx, func(tx *store.Tx) error { return tx.TouchToken(ctx, token.ID, now) }); err != nil {
		t.Errorf("TouchToken: %v", err)
	}
	// The follower's read of one tenant is routed too.
	if _, err := strict.GraphVersions(ctx, ids[:1]); err != nil {
		t.Errorf("GraphVersions of one tenant: %v", err)
	}

	// The control: tenants on more than one shard, read at once, are a
	// multi-shard statement, which the strict pool must refuse (else the
	// checks above prove nothing). Tenant ids hash to shards, so among
	// 64 consecutive ids some lie on different shards of the 32.
	many := make([]store.TenantID, 64)
	for i := range many {
		many[i] = ids[0] + store.TenantID(i)
	}
	if _, err := strict.GraphVersions(ctx, many); err == nil {
		t.Error("GraphVersions across 64 tenants was not refused: citus.multi_task_query_log_level is not in force, the checks above prove nothing")
	}
	if _, err := plain.GraphVersions(ctx, many); err != nil {
		t.Errorf("GraphVersions across tenants on the plain pool: %v", err)
	}
}
