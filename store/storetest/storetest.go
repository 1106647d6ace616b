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

// Run runs the whole suite; newDB returns a fresh, migrated database.
func Run(t *testing.T, newDB func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Users", testUsers},
		{"UserConflicts", testUserConflicts},
		{"FindUsers", testFindUsers},
		{"GroupsAndMemberships", testGroups},
		{"Links", testLinks},
		{"LineManagersChunks", testLineManagersChunks},
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
		{"SCIM", testSCIM},
		{"Outbox", testOutbox},
		{"OutboxConcurrentClaims", testOutboxConcurrentClaims},
		{"TemplateSends", testTemplateSends},
		{"ScheduledRuns", testScheduledRuns},
		{"HandBack", testHandBack},
		{"SingleSignOn", testSSO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newDB(t))
		})
	}
}

func write(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// mkUsers creates active users named by their email's local part.
func mkUsers(t *testing.T, db *store.DB, names ...string) []reportline.User {
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
