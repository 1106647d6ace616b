// Package bulkimport is the bulk import of manager links from a CSV file:
// parsing on one core while the store's users and links are read on the
// other, the plan (resolve, check, diff per managee and kind, the cycle
// check), the chunked apply with its audit, previews applied later, the
// import's kept files and its history, and the progress of running imports.
//
// Its use cases read and write through Tx, nothing more. Package app embeds
// the Importer, so ImportManagers and its siblings are App's.
package bulkimport

import (
	"context"
	"log/slog"
	"time"

	"reportline"
	"reportline/directory"
	"reportline/usecase"
)

// Tx is the storage a bulk import needs: narrow bulk reads of every user
// and link, the whole rows of the links it changes, the chunked write, and
// the import's record and files.
type Tx interface {
	usecase.AuthorityTx
	directory.OwnerTx

	// EachUserAddress streams every user's id, address and status.
	EachUserAddress(ctx context.Context, fn func(id reportline.UserID, email string, active bool) error) error
	// EachLinkKey streams every link's pair, kind and dates (Unix
	// microseconds, 0 for none).
	EachLinkKey(ctx context.Context, fn func(manager, managee reportline.UserID, functional bool, from, until int64) error) error
	// CountLinks returns how many links are stored.
	CountLinks(ctx context.Context) (int, error)
	// LinksOfManagees returns the stored links of each managee.
	LinksOfManagees(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)
	// LockLinks serialises link writers (PostgreSQL's advisory lock).
	LockLinks(ctx context.Context) error
	// ApplyLinkChanges writes a chunk of link changes with their audit.
	ApplyLinkChanges(ctx context.Context, c reportline.LinkChanges) error

	CreateImportBatch(ctx context.Context, b *reportline.ImportBatch) error
	UpdateImportBatch(ctx context.Context, b reportline.ImportBatch) error
	ImportBatch(ctx context.Context, id int64) (reportline.ImportBatch, error)
	ImportBatches(ctx context.Context, actor reportline.UserID, beforeID int64, limit int) ([]reportline.ImportBatch, error)
	FailRunningImports(ctx context.Context, reason, reasonID string) (int64, error)
	PutImportFile(ctx context.Context, batch int64, kind reportline.ImportFileKind, data []byte) error
	ImportFile(ctx context.Context, batch int64, kind reportline.ImportFileKind) ([]byte, error)
}

// Recorder counts imports for /metrics (app.Recorder implements it).
type Recorder interface {
	// Import counts an import of kind (managers) that ended: applied,
	// previewed (a dry run) or failed.
	Import(kind, outcome string)
}

// Importer is the bulk import's use cases, ready for concurrent callers.
type Importer struct {
	store   usecase.Store[Tx]
	now     func() time.Time
	log     *slog.Logger
	rec     Recorder
	dirs    *directory.Syncer // which links a directory owns
	imports importState
}

// New returns the bulk import over a store, with the clock, the logger,
// the metrics recorder and the directory sync (none may be nil).
func New(store usecase.Store[Tx], now func() time.Time, log *slog.Logger, rec Recorder, dirs *directory.Syncer) *Importer {
	return &Importer{store: store, now: now, log: log, rec: rec, dirs: dirs}
}
