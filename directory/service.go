// Package directory applies what directories say (LDAP / Active Directory,
// Microsoft Graph, SCIM clients) to users and their line managers: identity
// matching, the links a directory owns, deactivations held for a platform
// admin (the guard), the record of every run, and delta rounds.
//
// The connectors (ldapsync, graphsync, scim) turn what they read into a
// reportline.DirectoryBatch and call Syncer.SyncDirectory: the rules live
// here once. Package app embeds the Syncer.
package directory

import (
	"log/slog"
	"time"

	"reportline/usecase"
)

// Recorder counts directory syncs for /metrics (app.Recorder implements it).
type Recorder interface {
	// DirectorySync counts a directory sync of source (ldap, graph, scim…)
	// that ended: applied, dry_run, held or failed.
	DirectorySync(source, outcome string)
}

// Syncer is the directory sync's use cases.
type Syncer struct {
	store usecase.Store[Tx]
	now   func() time.Time
	log   *slog.Logger
	rec   Recorder
	dirs  Guard
}

// New returns the directory sync over a store, with the clock, the logger,
// the metrics recorder and the guard (none may be nil).
func New(store usecase.Store[Tx], now func() time.Time, log *slog.Logger, rec Recorder, guard Guard) *Syncer {
	return &Syncer{store: store, now: now, log: log, rec: rec, dirs: guard}
}
