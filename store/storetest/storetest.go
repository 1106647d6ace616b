// Package storetest is the conformance suite of the store: the contract of
// app.Tx, run against every engine. A new engine is done when it passes.
package storetest

import (
	"context"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// DB is what a test of the suite runs against: the transactions of one
// tenant (Read, Write), and the database they belong to (Migrate,
// Pending). A *store.DB is one, its transactions the implicit tenant's;
// RunTwoTenants runs the suite through a second tenant's handle.
type DB interface {
	Read(ctx context.Context, fn func(*store.Tx) error) error
	Write(ctx context.Context, fn func(*store.Tx) error) error
	Migrate(ctx context.Context) error
	Pending(ctx context.Context) ([]string, error)
}

// test is one test of the suite.
type test struct {
	name string
	fn   func(t *testing.T, db DB)
}

// Run runs the whole suite; newDB returns a fresh, migrated database.
func Run(t *testing.T, newDB func(t *testing.T) *store.DB) {
	for _, tt := range suite() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newDB(t))
		})
	}
}

// RunOnly runs the tests of the suite named (as in suite).
func RunOnly(t *testing.T, newDB func(t *testing.T) *store.DB, names ...string) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for _, tt := range suite() {
		if !want[tt.name] {
			continue
		}
		delete(want, tt.name)
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newDB(t))
		})
	}
	for n := range want {
		t.Errorf("storetest: no test named %s", n)
	}
}

// suite lists the tests of the suite.
func suite() []test {
	return []test{
		{"Users", testUsers},
		{"UserConflicts", testUserConflicts},
		{"FindUsers", testFindUsers},
		{"GroupsAndMemberships", testGroups},
		{"Links", testLinks},
		{"LineManagersChunks", testLineManagersChunks},
		{"LinkHistory", testLinkHistory},
		{"Audit", testAudit},
		{"NotifyStorage", testNotifyStorage},
		{"AuditIsAppendOnly", testAuditAppendOnly},
		{"ChangeLog", testChanges},
		{"TokensAndSessions", testAuth},
		{"Throttle", testThrottle},
		{"TokenLifecycleAndResets", testTokenLifecycleAndResets},
		{"RollbackLeavesNothing", testRollback},
		{"MigrateIsIdempotent", testMigrate},
		{"Learning", testLearning},
		{"StatisticsViews", testStatisticsViews},
		{"Directory", testDirectory},
		{"StoredErrorIDs", testStoredErrorIDs},
		{"SCIM", testSCIM},
		{"SCIMGroupMaps", testSCIMGroupMaps},
		{"Outbox", testOutbox},
		{"OutboxConcurrentClaims", testOutboxConcurrentClaims},
		{"TemplateSends", testTemplateSends},
		{"ScheduledRuns", testScheduledRuns},
		{"HandBack", testHandBack},
		{"SingleSignOn", testSSO},
		{"Webhooks", testWebhooks},
		{"GraphVersion", testGraphVersion},
		{"Secrets", testSecrets},
	}
}

func write(t *testing.T, db DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, db DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// mkUsers creates active users named by their email's local part.
func mkUsers(t *testing.T, db DB, names ...string) []reportline.User {
	t.Helper()
	var out []reportline.User
	write(t, db, func(tx *store.Tx) error {
		for _, n := range names {
			u := reportline.User{Email: n + "@example.com", FirstName: n, Status: reportline.StatusActive}
			if err := tx.CreateUser(context.Background(), &u); err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	return out
}

func wantCode(t *testing.T, err error, code reportline.Code) {
	t.Helper()
	if got := reportline.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

var day = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
