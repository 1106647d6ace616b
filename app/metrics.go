package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

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
	// GraphIndex says, for each tenant whose reporting-graph index is in
	// this process's memory, how far it is behind the database, ordered by
	// tenant. A tenant without an index is absent: its decisions read the
	// database.
	GraphIndex []GraphIndexLag
}

// GraphIndexLag is how far one tenant's reporting-graph index in memory
// (graph_index.go) is behind the database.
type GraphIndexLag struct {
	Tenant reportline.TenantID
	// Indexed is the graph_version the index was built at; Stored the one
	// the database holds, read by the scrape.
	Indexed, Stored int64
	// Age is how long the index has been behind: 0 when it is at the
	// stored version; else the time since a read last found the database
	// at the index's version (its build or the follower's last poll).
	Age time.Duration
}

// VersionLag is how many versions the index is behind: changes committed
// that it does not hold yet.
func (l GraphIndexLag) VersionLag() int64 { return max(l.Stored-l.Indexed, 0) }

// Gauges reads the counts of Gauges in one read transaction. It is for the
// metrics endpoint, which guards it (no actor: counts name nobody); the
// caller bounds it with ctx.
func (a *App) Gauges(ctx context.Context) (Gauges, error) {
	var g Gauges
	err := a.gaugesStore().Read(ctx, func(tx gaugesTx) error {
		var err error
		g.Outbox, err = tx.OutboxCounts(ctx)
		return err
	})
	if err != nil {
		return Gauges{}, fmt.Errorf("read the metrics' counts: %w", err)
	}
	if g.GraphIndex, err = a.graphIndexLags(ctx); err != nil {
		return Gauges{}, fmt.Errorf("read the metrics' counts: %w", err)
	}
	return g, nil
}

// graphIndexLags reads, for each tenant with an index in memory, the
// graph_version the database holds (in one statement for them all when
// the store can, Config.GraphVersions; else one statement each, in the
// tenant's context) and compares. A tenant whose version cannot be read is
// left out, with a warning; the read's deadline ending fails the whole.
func (a *App) graphIndexLags(ctx context.Context) ([]GraphIndexLag, error) {
	type indexed struct {
		ix *tenantIndex
		ig *indexedGraph
	}
	var all []indexed
	a.ix.tenants.Range(func(_, v any) bool {
		ix := v.(*tenantIndex)
		if ig := ix.current.Load(); ig != nil {
			all = append(all, indexed{ix, ig})
		}
		return true
	})
	stored := map[reportline.TenantID]int64{}
	if a.ix.versions != nil && len(all) > 0 {
		ids := make([]reportline.TenantID, len(all))
		for i, x := range all {
			ids[i] = x.ix.tenant
		}
		vs, err := a.ix.versions(ctx, ids)
		switch {
		case err == nil:
			stored = vs
		case ctx.Err() != nil:
			return nil, fmt.Errorf("graph versions of %d tenants: %w", len(ids), err)
		default:
			a.log.Warn("metrics: graph versions of the tenants with an index in memory", "tenants", len(ids), "err", err)
		}
	} else {
		for _, x := range all {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			v, err := a.graphVersionOnce(reportline.WithTenant(ctx, x.ix.tenant))
			if err != nil {
				if ctx.Err() != nil {
					return nil, fmt.Errorf("graph version of tenant %d: %w", x.ix.tenant, err)
				}
				a.log.Warn("metrics: graph version of a tenant with an index in memory", "tenant", x.ix.tenant, "err", err)
				continue
			}
			stored[x.ix.tenant] = v
		}
	}
	var out []GraphIndexLag
	for _, x := range all {
		v, ok := stored[x.ix.tenant]
		if !ok {
			continue
		}
		l := GraphIndexLag{Tenant: x.ix.tenant, Indexed: x.ig.version, Stored: v}
		if l.Stored > l.Indexed {
			l.Age = time.Duration(max(mono()-x.ig.confirmed.Load(), 0))
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(x, y GraphIndexLag) int { return cmp.Compare(x.Tenant, y.Tenant) })
	return out, nil
}
