package app_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// The Assign role mode is cached per App: a switch applies at once through
// the App that made it, and within a second through another replica of the
// same database.
func TestAssignModeCacheAcrossReplicas(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		env := testapp.New(t, engine)
		replica := app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping), app.Config{Now: env.Now.Now, Logger: slog.New(slog.DiscardHandler)})
		inEffect := func(a *app.App) bool {
			t.Helper()
			ok, err := a.LineLinksInEffect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !inEffect(env.App) || !inEffect(replica) {
			t.Fatal("a new database is not in import mode")
		}
		sys := app.SystemActor(reportline.SourceAPI)
		if err := env.App.SetAssignMode(ctx, sys, reportline.AssignByPositions); err != nil {
			t.Fatal(err)
		}
		if inEffect(env.App) {
			t.Error("the App that switched still reads import mode")
		}
		if !inEffect(replica) {
			t.Error("the other replica dropped its cached mode before the TTL (the cache is not used?)")
		}
		env.Now.Advance(1100 * time.Millisecond)
		if inEffect(replica) {
			t.Error("the other replica still reads import mode after a second")
		}
		// And back, through the replica this time.
		if err := replica.SetAssignMode(ctx, sys, reportline.AssignByImport); err != nil {
			t.Fatal(err)
		}
		if !inEffect(replica) {
			t.Error("the replica that switched back still reads positions mode")
		}
		env.Now.Advance(1100 * time.Millisecond)
		if !inEffect(env.App) {
			t.Error("the first App still reads positions mode after a second")
		}
	})
}
