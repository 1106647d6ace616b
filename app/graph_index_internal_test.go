package app

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"reportline"
	"reportline/orggraph"
)

// TestFreshNeverStaleNorForeign: the decision point's index is used only
// when it is its tenant's, at the newest version seen, at the caller's
// consistency token, and confirmed by a read begun at most staleAfter ago;
// otherwise the decision reads the database (fresh returns nil). The
// follower and builds are held off, so the test alone moves the index.
func TestFreshNeverStaleNorForeign(t *testing.T) {
	a := &App{ix: &graphIndex{}, log: slog.New(slog.DiscardHandler), now: time.Now}
	ctx := context.Background()
	other := reportline.WithTenant(ctx, 2)
	ix, ox := a.index(ctx), a.index(other)
	if ix == ox || a.index(reportline.WithTenant(ctx, reportline.ImplicitTenant)) != ix {
		t.Fatal("tenants share an index, or the implicit tenant has two")
	}
	for _, x := range []*tenantIndex{ix, ox} {
		x.following.Store(true) // no follower
		x.pending.Store(true)   // no build
	}
	ig := &indexedGraph{g: orggraph.Build(orggraph.Input{Version: 7, Users: map[reportline.UserID]bool{1: true}}), version: 7}
	ig.confirm(mono())
	ix.current.Store(ig)
	ix.saw(7)
	if got := a.fresh(ctx); got != ig {
		t.Fatalf("a fresh index is not used: %v", got)
	}
	if got := a.fresh(other); got != nil {
		t.Fatal("tenant 2's decision reads the implicit tenant's index")
	}
	ox.current.Store(ig) // even one at the same version, were it installed there, is tenant 2's own
	ox.saw(7)
	if a.index(other).current.Load() != ig || a.index(ctx) != ix {
		t.Fatal("index lookup")
	}
	ox.current.Store(nil)

	ig.confirmed.Store(mono() - int64(staleAfter) - int64(time.Millisecond))
	if a.fresh(ctx) != nil {
		t.Error("an index last confirmed more than staleAfter ago is used")
	}
	ig.confirm(mono())
	if a.fresh(ctx) != ig {
		t.Fatal("a re-confirmed index is not used")
	}
	start := time.Now()
	if a.fresh(WithAtLeast(ctx, 8)) != nil {
		t.Error("an index older than the caller's consistency token is used")
	}
	if d := time.Since(start); d < tokenWait || d > tokenWait+time.Second {
		t.Errorf("a decision given a newer token waited %v, not about %v", d, tokenWait)
	}
	if ix.polled.Load() != 7 {
		t.Error("a client's token is taken as a version seen")
	}
	ix.saw(8) // a write through this App, or a poll
	if a.fresh(ctx) != nil {
		t.Error("an index older than a version seen is used")
	}
	a.ix.disabled.Store(true)
	ix.current.Store(&indexedGraph{g: ig.g, version: 8})
	ix.current.Load().confirm(mono())
	if a.fresh(ctx) != nil {
		t.Error("a disabled index is used")
	}
}
