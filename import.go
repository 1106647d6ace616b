package reportline

import "time"

// ImportStatus is where an import batch stands.
type ImportStatus string

// The import statuses.
const (
	ImportRunning ImportStatus = "running"
	ImportDone    ImportStatus = "done"
	ImportFailed  ImportStatus = "failed"
)

// ImportBatch is one bulk CSV import: a preview (dry run) or an apply. Its
// files (the upload, the rejected lines, the changes) are kept with it.
type ImportBatch struct {
	ID         int64
	ActorID    UserID
	ActorLabel string // who ran it when no user did: "system (os user root)" for the CLI without --as
	Source     Source
	FileName   string
	FileSize   int64
	DryRun     bool
	Status     ImportStatus
	Phase      string // what it is doing now, for progress displays
	Done       int64  // progress within the phase
	Total      int64
	Counts     ImportCounts
	Encoding   string // the file's encoding, as detected: utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252
	Separator  string // comma, semicolon, tab or pipe
	Error      string // why it failed, for people
	// ErrorID and ErrorArgs name Error in the pages' catalogues (as
	// Error.MsgID, MsgArgs do), so its page says it in the reader's
	// language; "" for a failure without one. The API sends Error.
	ErrorID    string         `json:"-"`
	ErrorArgs  map[string]any `json:"-"`
	PreviewID  int64          // for an apply: the preview it was confirmed from
	CreatedAt  time.Time
	FinishedAt time.Time
}

// ImportCounts summarises an import.
type ImportCounts struct {
	Lines     int `json:"lines"`     // data lines read
	Managees  int `json:"managees"`  // distinct managees listed
	Changed   int `json:"changed"`   // managees whose links change
	Add       int `json:"add"`       // links to create
	Update    int `json:"update"`    // links whose terms change
	Remove    int `json:"remove"`    // links to delete
	Unchanged int `json:"unchanged"` // links already as listed
	Duplicate int `json:"duplicate"` // lines repeating an earlier line
	Rejected  int `json:"rejected"`  // lines refused, with a reason each
}

// ImportFileKind names a file kept with an import batch.
type ImportFileKind string

// The kept files.
const (
	FileUpload   ImportFileKind = "upload"
	FileRejected ImportFileKind = "rejected"
	FileChanges  ImportFileKind = "changes"
)

// LinkChanges is a set of link changes applied together with their audit
// entries: what a bulk import writes in one transaction.
type LinkChanges struct {
	Remove []Pair
	Update []Link
	Insert []Link
	Audit  []AuditEntry
}

// LinkRow is a link with its users' addresses, as exported.
type LinkRow struct {
	Link
	ManagerEmail string
	ManageeEmail string
}
