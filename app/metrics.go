package app

import (
	"context"
	"fmt"

	"reportline"
)

// Recorder counts what the service does, for /metrics: the server's
// metrics implement it (package server), and App calls it where an outcome
// is known. Every method must be cheap and safe for concurrent use.
type Recorder interface {
	// ScheduledRun counts a claimed scheduled run of kind (weekly_digest,
	// birthday) as this holder leaves it: finished, interrupted (ctx ended
	// or another replica took it over) or failed.
	ScheduledRun(kind, outcome string)
	// Import counts an import of kind (managers) that ended: applied,
	// previewed (a dry run) or failed.
	Import(kind, outcome string)
	// DirectorySync counts a directory sync of source (ldap, graph, scim…)
	// that ended: applied, dry_run, held or failed.
	DirectorySync(source, outcome string)
}

// noRecorder is the Recorder of an App configured without one.
type noRecorder struct{}

func (noRecorder) ScheduledRun(string, string)  {}
func (noRecorder) Import(string, string)        {}
func (noRecorder) DirectorySync(string, string) {}

// Gauges are the counts /metrics reads from the database on each scrape.
type Gauges struct {
	// Outbox counts the outbox's messages by delivery status: pending and
	// sending are its depth, failed are the messages given up.
	Outbox map[reportline.DeliveryStatus]int
}

// Gauges reads the counts of Gauges in one read transaction. It is for the
// metrics endpoint, which guards it (no actor: counts name nobody); the
// caller bounds it with ctx.
func (a *App) Gauges(ctx context.Context) (Gauges, error) {
	var g Gauges
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		g.Outbox, err = tx.OutboxCounts(ctx)
		return err
	})
	if err != nil {
		return Gauges{}, fmt.Errorf("read the metrics' counts: %w", err)
	}
	return g, nil
}
