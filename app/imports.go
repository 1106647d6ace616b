package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"reportline"
	"reportline/csvio"
)

// ImportOptions describes one bulk import of manager links.
type ImportOptions struct {
	FileName string
	Size     int64 // the upload's size when known, for progress
	DryRun   bool  // preview only: check everything, write no link
	// Progress, when set, is called as the import goes; the same figures
	// are readable through ImportBatch while it runs.
	Progress func(ImportProgress)
	// Started, when set, is called with the import's id as soon as it is
	// recorded, so a page can show its progress while it runs.
	Started func(id int64)

	previewID int64 // set by ApplyImport
}

// ImportProgress is how far a running import is.
type ImportProgress struct {
	Phase string // reading, checking, writing
	Done  int64  // bytes read while reading
	Total int64  // the file size, 0 when unknown
}

// ImportResult is the outcome of an import or a preview.
type ImportResult struct {
	Batch     reportline.ImportBatch
	Encoding  string
	Separator string
	Rejected  []RejectedLine // every rejected or noted line, in file order
	Changes   []ImportChange // every link change, managee by managee
}

// ImportChange is one link an import adds, updates or removes.
type ImportChange struct {
	Action     reportline.Action
	Manager    string
	Managee    string
	Kind       reportline.Kind
	ValidFrom  time.Time
	ValidUntil time.Time
}

// MaxImportBytes bounds an upload: twice the 1,000,000-line reference file.
const MaxImportBytes = 200 << 20

// importState holds the live progress of running imports, per batch. It
// lives in memory because a SQLite write transaction holds the one writer
// connection for the length of an import.
type importState struct {
	mu      sync.Mutex
	running map[int64]*liveProgress
	// one at a time per process; across replicas the link lock decides
	serial sync.Mutex
}

type liveProgress struct {
	phase       atomic.Value
	done, total atomic.Int64
}

// ImportManagers reads a CSV of (manager, managee) lines and replaces, for
// every managee it lists, their managers of each listed kind with exactly
// the listed ones. Every line is checked as hand assignment would check it
// (active accounts, the actor's groups, no self link, no cycle); a managee
// with any refused line keeps their managers as they are. Everything
// accepted is written in one transaction, or nothing is. With DryRun it
// only reports. Every import is recorded, with its files, in the history.
func (a *App) ImportManagers(ctx context.Context, actor Actor, r io.Reader, opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	actor.Source = reportline.SourceCSV
	var ac *access
	if err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		ac, err = loadAccess(ctx, tx, actor)
		return err
	}); err != nil {
		return res, err
	}
	if ac.scope.Empty() {
		return res, forbidden("only platform admins, group admins and user admins may import managers")
	}
	res.Batch = reportline.ImportBatch{ActorID: actor.id(), Source: reportline.SourceCSV, FileName: opt.FileName, FileSize: opt.Size,
		DryRun: opt.DryRun, Status: reportline.ImportRunning, Phase: "reading", PreviewID: opt.previewID, CreatedAt: a.now()}
	if err := a.store.Write(ctx, func(tx Tx) error { return tx.CreateImportBatch(ctx, &res.Batch) }); err != nil {
		return res, err
	}
	live := a.imports.start(res.Batch.ID)
	defer a.imports.end(res.Batch.ID)
	if opt.Started != nil {
		opt.Started(res.Batch.ID)
	}
	report := func(phase string, done, total int64) {
		live.phase.Store(phase)
		live.done.Store(done)
		live.total.Store(total)
		if opt.Progress != nil {
			opt.Progress(ImportProgress{Phase: phase, Done: done, Total: total})
		}
	}
	err := a.runImport(ctx, ac, r, opt, &res, report)
	if err != nil {
		res.Batch.Status, res.Batch.Error = reportline.ImportFailed, reportline.ErrorMessage(err)
		res.Batch.FinishedAt = a.now()
		// Record the failure even if the caller's context has ended.
		if uerr := a.store.Write(context.WithoutCancel(ctx), func(tx Tx) error { return tx.UpdateImportBatch(ctx, res.Batch) }); uerr != nil {
			a.log.Error("record failed import", "batch", res.Batch.ID, "err", uerr)
		}
		return res, err
	}
	return res, nil
}

func (a *App) runImport(ctx context.Context, ac *access, r io.Reader, opt ImportOptions, res *ImportResult, report func(string, int64, int64)) error {
	// The upload is kept, compressed, so that a preview can be applied
	// later exactly as it was checked.
	var upload bytes.Buffer
	zw := gzip.NewWriter(&upload)
	counted := &countingReader{r: io.TeeReader(r, zw)}
	file, err := parseImport(counted, MaxImportBytes, func(int) { report("reading", counted.n.Load(), opt.Size) })
	if err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("keep upload: %w", err)
	}
	res.Encoding, res.Separator = file.encoding, separatorName(file.sep)
	res.Batch.FileSize = counted.n.Load()
	if err := ctx.Err(); err != nil {
		return err
	}
	report("checking", 0, 0)
	finish := func(tx Tx, plan *importPlan) error {
		res.Batch.Counts = plan.counts
		res.Rejected = plan.rejected
		res.Changes = plan.changeList()
		files := map[reportline.ImportFileKind][]byte{reportline.FileUpload: upload.Bytes()}
		var err error
		if files[reportline.FileRejected], err = gzipCSV(rejectedCSV(res.Rejected)); err != nil {
			return err
		}
		if files[reportline.FileChanges], err = gzipCSV(changesCSV(res.Changes)); err != nil {
			return err
		}
		for kind, data := range files {
			if err := tx.PutImportFile(ctx, res.Batch.ID, kind, data); err != nil {
				return err
			}
		}
		res.Batch.Status, res.Batch.Phase, res.Batch.FinishedAt = reportline.ImportDone, "done", a.now()
		return tx.UpdateImportBatch(ctx, res.Batch)
	}
	if opt.DryRun {
		var plan *importPlan
		if err := a.store.Read(ctx, func(tx Tx) error {
			plan, err = a.planImport(ctx, tx, ac, file)
			return err
		}); err != nil {
			return err
		}
		return a.store.Write(ctx, func(tx Tx) error { return finish(tx, plan) })
	}
	// Two imports never interleave: within a process they queue here, and
	// across replicas the link lock serialises their transactions.
	a.imports.serial.Lock()
	defer a.imports.serial.Unlock()
	return a.store.Write(ctx, func(tx Tx) error {
		if err := tx.LockLinks(ctx); err != nil {
			return err
		}
		plan, err := a.planImport(ctx, tx, ac, file)
		if err != nil {
			return err
		}
		changes := plan.changes(ac, res.Batch.ID, a.now())
		report("writing", 0, int64(len(changes.Remove)+len(changes.Update)+len(changes.Insert)))
		if err := tx.ApplyLinkChanges(ctx, changes); err != nil {
			return err
		}
		return finish(tx, plan)
	})
}

// ApplyImport applies a preview: the kept upload is checked again against
// the links as they are now and applied in one transaction. Only the
// person who previewed it (or a platform admin) may apply it.
func (a *App) ApplyImport(ctx context.Context, actor Actor, previewID int64, opt ImportOptions) (ImportResult, error) {
	var preview reportline.ImportBatch
	var upload []byte
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		if preview, err = a.visibleImport(ctx, tx, actor, previewID); err != nil {
			return err
		}
		if !preview.DryRun || preview.Status != reportline.ImportDone {
			return reportline.Errorf(reportline.Conflict, "import %d is not a finished preview", previewID)
		}
		upload, err = tx.ImportFile(ctx, previewID, reportline.FileUpload)
		return err
	})
	if err != nil {
		return ImportResult{}, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(upload))
	if err != nil {
		return ImportResult{}, fmt.Errorf("read kept upload: %w", err)
	}
	opt.FileName, opt.Size, opt.DryRun, opt.previewID = preview.FileName, preview.FileSize, false, previewID
	return a.ImportManagers(ctx, actor, zr, opt)
}

// visibleImport returns an import the actor may see: their own, or any for
// platform admins.
func (a *App) visibleImport(ctx context.Context, tx Tx, actor Actor, id int64) (reportline.ImportBatch, error) {
	b, err := tx.ImportBatch(ctx, id)
	if err != nil {
		return b, err
	}
	if !actor.System && !actor.User.IsPlatformAdmin() && b.ActorID != actor.User.ID {
		return b, forbidden("you may only see your own imports")
	}
	return b, nil
}

// ImportBatch returns an import with its live progress while it runs.
func (a *App) ImportBatch(ctx context.Context, actor Actor, id int64) (reportline.ImportBatch, error) {
	var b reportline.ImportBatch
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		b, err = a.visibleImport(ctx, tx, actor, id)
		return err
	})
	if err == nil && b.Status == reportline.ImportRunning {
		if p := a.imports.get(id); p != nil {
			b.Phase, _ = p.phase.Load().(string)
			b.Done, b.Total = p.done.Load(), p.total.Load()
		}
	}
	return b, err
}

// Imports lists imports, newest first: platform admins see all, others
// their own.
func (a *App) Imports(ctx context.Context, actor Actor, beforeID int64, limit int) ([]reportline.ImportBatch, error) {
	var out []reportline.ImportBatch
	err := a.store.Read(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		if ac.scope.Empty() {
			return forbidden("only platform admins, group admins and user admins import managers")
		}
		who := actor.User.ID
		if ac.scope.All {
			who = 0
		}
		out, err = tx.ImportBatches(ctx, who, beforeID, limit)
		return err
	})
	return out, err
}

// ImportFile returns a file kept with an import (the upload, its rejected
// lines or its changes), uncompressed.
func (a *App) ImportFile(ctx context.Context, actor Actor, id int64, kind reportline.ImportFileKind) (io.Reader, error) {
	var data []byte
	err := a.store.Read(ctx, func(tx Tx) error {
		if _, err := a.visibleImport(ctx, tx, actor, id); err != nil {
			return err
		}
		var err error
		data, err = tx.ImportFile(ctx, id, kind)
		return err
	})
	if err != nil {
		return nil, err
	}
	return gzip.NewReader(bytes.NewReader(data))
}

// RecoverImports marks imports left running by a stopped process as failed.
// Their transaction died with the process, so nothing of them was applied.
func (a *App) RecoverImports(ctx context.Context) error {
	return a.store.Write(ctx, func(tx Tx) error {
		n, err := tx.FailRunningImports(ctx, "the service stopped during this import; nothing was applied")
		if n > 0 {
			a.log.Warn("imports interrupted by a stop were marked failed", "count", n)
		}
		return err
	})
}

func (s *importState) start(id int64) *liveProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		s.running = map[int64]*liveProgress{}
	}
	p := &liveProgress{}
	p.phase.Store("reading")
	s.running[id] = p
	return p
}

func (s *importState) get(id int64) *liveProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[id]
}

func (s *importState) end(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, id)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func separatorName(r rune) string {
	switch r {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	case '|':
		return "pipe"
	}
	return string(r)
}

// changeList lists the plan's changes with addresses, for people.
func (p *importPlan) changeList() []ImportChange {
	emailOf := p.emailOf
	var out []ImportChange
	add := func(action reportline.Action, l reportline.Link) {
		out = append(out, ImportChange{Action: action, Manager: emailOf[l.ManagerID], Managee: emailOf[l.ManageeID], Kind: l.Kind,
			ValidFrom: l.ValidFrom, ValidUntil: l.ValidUntil})
	}
	for _, k := range p.order {
		g := p.groups[k]
		if g.skipped != "" {
			continue
		}
		for _, l := range g.remove {
			add(reportline.ActionRemove, l)
		}
		for _, l := range g.update {
			add(reportline.ActionUpdate, l)
		}
		for _, l := range g.add {
			add(reportline.ActionAdd, l)
		}
	}
	return out
}

// rejectedCSV and changesCSV are the downloadable lists of an import.
func rejectedCSV(rows []RejectedLine) func(w *csvio.Writer) error {
	return func(w *csvio.Writer) error {
		if err := w.Write([]string{"line", "email of manager", "email of managee", "reason", "message"}); err != nil {
			return err
		}
		for _, r := range rows {
			if err := w.Write([]string{fmt.Sprint(r.Line), r.Manager, r.Managee, r.Reason, r.Message}); err != nil {
				return err
			}
		}
		return nil
	}
}

func changesCSV(rows []ImportChange) func(w *csvio.Writer) error {
	return func(w *csvio.Writer) error {
		if err := w.Write([]string{"change", "email of manager", "email of managee", "kind", "valid from", "valid until"}); err != nil {
			return err
		}
		for _, c := range rows {
			if err := w.Write([]string{string(c.Action), c.Manager, c.Managee, string(c.Kind), dateCell(c.ValidFrom), dateCell(c.ValidUntil)}); err != nil {
				return err
			}
		}
		return nil
	}
}

func dateCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func gzipCSV(write func(w *csvio.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	w := csvio.NewWriter(zw, csvio.WriterOptions{})
	if err := write(w); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
