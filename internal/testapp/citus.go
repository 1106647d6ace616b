package testapp

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"reportline/internal/pgtest"
	"reportline/store"
)

// On a Citus cluster ($REPORTLINE_CITUS_URL, .ci/run's Citus phase) every
// test of a run shares one migrated database (pgtest.Shared: a database
// cloned from a template would lack the workers' shards) and gets a fresh
// tenant of its own: its DB acts in that tenant wherever the context names
// none (store.DB.WithDefaultTenant), so a suite written for the implicit
// tenant runs unchanged, each test on rows no other test sees. The tenant's
// host is a loopback address of its own (127.1.x.y), on which ServeConfig
// listens, so that the server resolves the test's requests to its tenant
// by host as it would a customer's.
func init() {
	if pgtest.Citus() {
		// SQLite has run in the other phases; the Citus phase runs the
		// PostgreSQL side alone.
		Engines = []store.Engine{store.Postgres}
	}
}

var (
	citusSeq   atomic.Int64
	citusHosts sync.Map // *store.DB → the host of its tenant
)

// openCitus opens the shared Citus database in a fresh tenant.
func openCitus(t testing.TB) *store.DB {
	t.Helper()
	url, _ := pgtest.Shared(t, migrate)
	ctx := context.Background()
	db, err := store.Open(ctx, url, "")
	if err != nil {
		t.Fatalf("open citus: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	// The run's tests (the authorization matrix builds dozens of fixtures)
	// share the coordinator's 200 connections.
	db.LimitIdle(2, 10*time.Second)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate citus: %v", err)
	}
	if !db.Citus() {
		t.Fatalf("%s names a database without the citus extension", pgtest.CitusEnv)
	}
	n := citusSeq.Add(1)
	// Loopback addresses 127.1.0.1–127.1.255.254: unique per process; the
	// slug carries the pid so that two packages' processes never clash.
	host := fmt.Sprintf("127.1.%d.%d", (n/254)%256, n%254+1)
	slug := fmt.Sprintf("t%d-%d", os.Getpid(), n)
	var id store.TenantID
	for attempt := 0; ; attempt++ {
		id, err = db.CreateTenantAs(ctx, "test", slug, host)
		if err == nil || attempt == 100 {
			break
		}
		// The host is taken by another process's test: the next one.
		n = citusSeq.Add(1)
		host = fmt.Sprintf("127.1.%d.%d", (n/254)%256, n%254+1)
		slug = fmt.Sprintf("t%d-%d", os.Getpid(), n)
	}
	if err != nil {
		t.Fatalf("citus: a tenant for the test: %v", err)
	}
	db.WithDefaultTenant(id)
	citusHosts.Store(db, host)
	t.Cleanup(func() { citusHosts.Delete(db) })
	return db
}

// citusListener listens on the loopback address that is the host of db's
// tenant, or returns nil when db is not a Citus test's.
func citusListener(t testing.TB, db *store.DB) net.Listener {
	h, ok := citusHosts.Load(db)
	if !ok {
		return nil
	}
	l, err := net.Listen("tcp", h.(string)+":0")
	if err != nil {
		t.Fatalf("citus: listen on the tenant's host: %v", err)
	}
	return l
}

// startOn starts srv on l when l is not nil.
func startOn(srv *httptest.Server, l net.Listener) {
	if l != nil {
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
}

// CitusURL returns the URL of the run's shared, migrated Citus database
// and true, or "", false when the run is not against Citus
// ($REPORTLINE_CITUS_URL unset): for a test that opens its own pool there,
// with settings of its own.
func CitusURL(t testing.TB) (string, bool) {
	t.Helper()
	return pgtest.Shared(t, migrate)
}

// SkipUnlessCitus ends a test that runs against Citus alone in a run that is
// not against Citus: it skips. Under CI=true it fails instead, unless .ci/run
// says the test runs in its Citus phase ($REPORTLINE_CITUS_PHASE=later, set
// for the race phase): a CI without that phase cannot pass by skipping it.
func SkipUnlessCitus(t testing.TB) {
	t.Helper()
	if os.Getenv("CI") == "true" && os.Getenv("REPORTLINE_CITUS_PHASE") != "later" {
		t.Fatal("a Citus test with no Citus: .ci/run's Citus phase sets $REPORTLINE_CITUS_URL")
	}
	t.Skip("Citus only: .ci/run's Citus phase sets $REPORTLINE_CITUS_URL")
}
