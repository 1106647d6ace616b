package bulkimport

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"reportline"
	"reportline/csvio"
	"reportline/policy"
	"reportline/usecase"
)

// Options describes one bulk import of manager links.
type Options struct {
	FileName string
	Size     int64 // the upload's size when known, for progress
	DryRun   bool  // preview only: check everything, write no link
	// Progress, when set, is called as the import goes; the same figures
	// are readable through ImportBatch while it runs.
	Progress func(Progress)
	// Started, when set, is called with the import's id as soon as it is
	// recorded, so a page can show its progress while it runs.
	Started func(id int64)

	previewID int64 // set by ApplyImport
}

// Progress is how far a running import is.
type Progress struct {
	Phase string // reading, checking, writing
	Done  int64  // bytes read while reading
	Total int64  // the file size, 0 when unknown
}

// Result is the outcome of an import or a preview.
type Result struct {
	Batch     reportline.ImportBatch
	Encoding  string
	Separator string
	Rejected  []RejectedLine // every rejected or noted line, in file order
	Changes   []Change       // the first MaxListedChanges changes; the changes file has them all
}

// Change is one link an import adds, updates or removes.
type Change struct {
	Action     reportline.Action
	Manager    string
	Managee    string
	Kind       reportline.Kind
	ValidFrom  time.Time
	ValidUntil time.Time
}

// MaxBytes bounds an upload: twice the 1,000,000-line reference file.
const MaxBytes = 200 << 20

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
func (im *Importer) ImportManagers(ctx context.Context, actor usecase.Actor, r io.Reader, opt Options) (Result, error) {
	var res Result
	actor.Source = reportline.SourceCSV
	var ac *usecase.Authority
	if err := im.store.Read(ctx, func(tx Tx) error {
		var err error
		ac, err = usecase.LoadAuthority(ctx, tx, actor)
		return err
	}); err != nil {
		return res, err
	}
	if err := ac.Authorize(policy.ImportManagers, policy.Target{}); err != nil {
		return res, err
	}
	res.Batch = reportline.ImportBatch{ActorID: actor.ID(), ActorLabel: actor.Label, Source: reportline.SourceCSV, FileName: opt.FileName, FileSize: opt.Size,
		DryRun: opt.DryRun, Status: reportline.ImportRunning, Phase: "reading", PreviewID: opt.previewID, CreatedAt: im.now()}
	if err := im.store.Write(ctx, func(tx Tx) error { return tx.CreateImportBatch(ctx, &res.Batch) }); err != nil {
		return res, err
	}
	live := im.imports.start(res.Batch.ID)
	defer im.imports.end(res.Batch.ID)
	if opt.Started != nil {
		opt.Started(res.Batch.ID)
	}
	report := func(phase string, done, total int64) {
		live.phase.Store(phase)
		live.done.Store(done)
		live.total.Store(total)
		if opt.Progress != nil {
			opt.Progress(Progress{Phase: phase, Done: done, Total: total})
		}
	}
	err := im.runImport(ctx, ac, r, opt, &res, report)
	if err != nil {
		res.Batch.Status, res.Batch.Error = reportline.ImportFailed, reportline.ErrorMessage(err)
		res.Batch.ErrorID, res.Batch.ErrorArgs = StoredErrorID(err)
		if e, ok := errors.AsType[*reportline.Error](err); ok && e.Line > 0 {
			res.Batch.Error = fmt.Sprintf("line %d: %s", e.Line, res.Batch.Error)
		}
		if ctx.Err() != nil {
			// The client went away (or the server is stopping): whatever
			// error the interrupted read produced, this is the reason.
			res.Batch.Error = "the upload was interrupted before the import finished (the client disconnected or the service stopped); nothing was applied"
			res.Batch.ErrorID, res.Batch.ErrorArgs = "error.import.interrupted", nil
		}
		res.Batch.FinishedAt = im.now()
		im.recordFailedImport(ctx, res.Batch)
		im.rec.Import("managers", "failed")
		return res, err
	}
	if opt.DryRun {
		im.rec.Import("managers", "previewed")
	} else {
		im.rec.Import("managers", "applied")
	}
	return res, nil
}

// recordFailedImport writes a failed import's outcome even when the
// caller's context has ended: a client that disconnects must not leave the
// import "running" until the next start. It gets a few seconds of its own.
func (im *Importer) recordFailedImport(ctx context.Context, b reportline.ImportBatch) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := im.store.Write(ctx, func(tx Tx) error { return tx.UpdateImportBatch(ctx, b) }); err != nil {
		im.log.Error("record failed import", "batch", b.ID, "err", err)
	}
}

func (im *Importer) runImport(ctx context.Context, ac *usecase.Authority, r io.Reader, opt Options, res *Result, report func(string, int64, int64)) error {
	// The upload is first received whole into a temporary file, so that a
	// slow client never holds a transaction open.
	spool, size, err := spoolUpload(r, func(n int64) { report("receiving", n, opt.Size) })
	if err != nil {
		return err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	res.Batch.FileSize = size
	var plan *importPlan
	var upload []byte
	prepare := func(tx Tx) error {
		var err error
		plan, upload, err = im.prepareImport(ctx, tx, ac, spool, size, res, report)
		return err
	}
	if opt.DryRun {
		if err := im.store.Read(ctx, prepare); err != nil {
			return err
		}
		out := newChangeWriter()
		defer out.stop()
		if err := plan.emit(ac, out.add); err != nil {
			return err
		}
		return im.store.Write(ctx, func(tx Tx) error { return im.finishImport(ctx, tx, plan, out, upload, res) })
	}
	// Two imports never interleave: within a process they queue here, and
	// across replicas the link lock serialises their transactions.
	im.imports.serial.Lock()
	defer im.imports.serial.Unlock()
	return im.store.Write(ctx, func(tx Tx) error {
		if err := tx.LockLinks(ctx); err != nil {
			return err
		}
		if err := prepare(tx); err != nil {
			return err
		}
		out := newChangeWriter()
		defer out.stop()
		w := &linkWriter{ctx: ctx, tx: tx, actor: ac.Actor, batch: res.Batch.ID, now: plan.now}
		report("writing", 0, 0)
		err := plan.emit(ac, func(c change) error {
			if err := out.add(c); err != nil {
				return err
			}
			return w.add(c)
		})
		if err != nil {
			return err
		}
		if err := w.flush(); err != nil {
			return err
		}
		return im.finishImport(ctx, tx, plan, out, upload, res)
	})
}

// prepareImport parses the spooled file on one core while the store's
// users and links are read on the other, then plans the import. It
// returns the plan and the upload, compressed for keeping.
func (im *Importer) prepareImport(ctx context.Context, tx Tx, ac *usecase.Authority, spool *os.File, size int64, res *Result, report func(string, int64, int64)) (*importPlan, []byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var file *importFile
	var upload bytes.Buffer
	parsed := make(chan error, 1)
	go func() {
		parsed <- func() error {
			if _, err := spool.Seek(0, io.SeekStart); err != nil {
				return err
			}
			zw, _ := gzip.NewWriterLevel(&upload, gzip.BestSpeed)
			counted := &countingReader{r: io.TeeReader(spool, zw)}
			var err error
			start := time.Now()
			file, err = parseImport(counted, size, MaxBytes, func(int) { report("reading", counted.n.Load(), size) })
			im.log.Debug("import step", "step", "parse file", "duration", time.Since(start).Round(time.Millisecond))
			if err != nil {
				cancel() // no need to finish reading the store
				return err
			}
			return zw.Close()
		}()
	}()
	start := time.Now()
	snap, serr := readSnapshot(ctx, tx)
	im.log.Debug("import step", "step", "read users and links", "duration", time.Since(start).Round(time.Millisecond))
	if perr := <-parsed; perr != nil {
		return nil, nil, perr
	}
	if serr != nil {
		return nil, nil, serr
	}
	res.Encoding, res.Separator = file.encoding, separatorName(file.sep)
	res.Batch.Encoding, res.Batch.Separator = res.Encoding, res.Separator
	report("checking", 0, 0)
	plan, err := im.planImport(ctx, tx, ac, file, snap)
	return plan, upload.Bytes(), err
}

// spoolUpload copies an upload into a temporary file, up to one byte more
// than MaxBytes so that the reader can say the file is too large.
func spoolUpload(r io.Reader, progress func(int64)) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "reportline-import-*.csv")
	if err != nil {
		return nil, 0, fmt.Errorf("receive upload: %w", err)
	}
	counted := &countingReader{r: io.LimitReader(r, MaxBytes+1)}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				progress(counted.n.Load())
			}
		}
	}()
	n, err := io.Copy(f, counted)
	close(done)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, reportline.Errorf(reportline.Invalid, "the upload could not be received: %v", err).
			Say("error.import.upload_broken", nil)
	}
	return f, n, nil
}

// finishImport stores an import's files and its outcome.
func (im *Importer) finishImport(ctx context.Context, tx Tx, plan *importPlan, out *changeWriter, upload []byte, res *Result) error {
	res.Batch.Counts = plan.counts
	res.Rejected = plan.rejected
	res.Changes = out.first
	changes, err := out.close()
	if err != nil {
		return err
	}
	rejected, err := gzipCSV(rejectedCSV(plan.rejected))
	if err != nil {
		return err
	}
	for kind, data := range map[reportline.ImportFileKind][]byte{reportline.FileUpload: upload, reportline.FileRejected: rejected, reportline.FileChanges: changes} {
		if err := tx.PutImportFile(ctx, res.Batch.ID, kind, data); err != nil {
			return err
		}
	}
	res.Batch.Status, res.Batch.Phase, res.Batch.FinishedAt = reportline.ImportDone, "done", im.now()
	return tx.UpdateImportBatch(ctx, res.Batch)
}

// linkWriter writes an import's changes and their audit entries in chunks,
// so that a million changes never sit in memory at once.
type linkWriter struct {
	ctx     context.Context
	tx      Tx
	actor   usecase.Actor
	batch   int64
	now     time.Time
	pending []change
	buf     reportline.LinkChanges
	before  []reportline.Link // whole before-images of the chunk's updates and removals
}

const writeChunk = 20_000

func (w *linkWriter) add(c change) error {
	w.pending = append(w.pending, c)
	if len(w.pending) == writeChunk {
		return w.flush()
	}
	return nil
}

// flush writes the pending changes. The plan knows of a current link only
// its pair, kind and dates; the rest of the links a chunk updates or
// removes (source, comment, creator) is read here, for the audit's
// before-images and for what an update keeps.
func (w *linkWriter) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	before, err := w.beforeImages()
	if err != nil {
		return err
	}
	n := len(w.pending)
	// Room for every change up front: the audit entries point into these.
	b := reportline.LinkChanges{Remove: slices.Grow(w.buf.Remove[:0], n), Update: slices.Grow(w.buf.Update[:0], n),
		Insert: slices.Grow(w.buf.Insert[:0], n), Audit: slices.Grow(w.buf.Audit[:0], n)}
	for _, c := range w.pending {
		p := reportline.Pair{ManagerID: c.manager, ManageeID: c.managee}
		e := reportline.AuditEntry{At: w.now, ActorID: w.actor.ID(), Source: w.actor.Source, BatchID: w.batch,
			Action: c.action, ManagerID: c.manager, ManageeID: c.managee}
		after := reportline.Link{ManagerID: c.manager, ManageeID: c.managee, Kind: c.kind, Source: w.actor.Source,
			ValidFrom: fromMicros(c.from), ValidUntil: fromMicros(c.until), CreatedBy: w.actor.ID(), CreatedAt: w.now}
		var old *reportline.Link
		if c.action != reportline.ActionAdd {
			i, ok := before[p]
			if !ok {
				return fmt.Errorf("import: link %d → %d changed while the import ran", c.manager, c.managee)
			}
			old = &w.before[i]
		}
		switch c.action {
		case reportline.ActionAdd:
			b.Insert = append(b.Insert, after)
			e.After = &b.Insert[len(b.Insert)-1]
		case reportline.ActionUpdate:
			after.CreatedBy, after.CreatedAt, after.Comment = old.CreatedBy, old.CreatedAt, old.Comment
			b.Update = append(b.Update, after)
			e.Before, e.After = old, &b.Update[len(b.Update)-1]
		case reportline.ActionRemove:
			b.Remove = append(b.Remove, p)
			e.Before = old
		}
		b.Audit = append(b.Audit, e)
	}
	w.buf, w.pending = b, w.pending[:0]
	return w.tx.ApplyLinkChanges(w.ctx, b)
}

// beforeImages reads the whole current links of the pending updates and
// removals, indexed by pair into w.before.
func (w *linkWriter) beforeImages() (map[reportline.Pair]int, error) {
	var managees []reportline.UserID
	want := map[reportline.Pair]bool{}
	for _, c := range w.pending {
		if c.action == reportline.ActionAdd {
			continue
		}
		want[reportline.Pair{ManagerID: c.manager, ManageeID: c.managee}] = true
		// Changes come managee by managee.
		if len(managees) == 0 || managees[len(managees)-1] != c.managee {
			managees = append(managees, c.managee)
		}
	}
	w.before = w.before[:0]
	out := make(map[reportline.Pair]int, len(want))
	if len(want) == 0 {
		return out, nil
	}
	links, err := w.tx.LinksOfManagees(w.ctx, managees)
	if err != nil {
		return nil, fmt.Errorf("import: read the links it changes: %w", err)
	}
	for _, ls := range links {
		for _, l := range ls {
			if want[l.Pair()] {
				out[l.Pair()] = len(w.before)
				w.before = append(w.before, l)
			}
		}
	}
	return out, nil
}

// changeWriter writes the list of an import's changes, compressed, on a
// goroutine of its own (formatting and compressing a million lines is a
// second's work the planning core need not do), and keeps the first ones
// for the answer.
type changeWriter struct {
	first   []Change
	batch   []Change
	batches chan []Change // to the writing goroutine
	free    chan []Change // back from it, for reuse
	done    chan error
	closed  bool
	buf     bytes.Buffer
}

// MaxListedChanges bounds the changes and rejected lines an import's answer
// holds; its files hold them all.
const MaxListedChanges = 1000

const changeBatch = 4096

// newChangeWriter starts a change list. Its close (or stop, when the
// import fails) must be called.
func newChangeWriter() *changeWriter {
	w := &changeWriter{batches: make(chan []Change, 2), free: make(chan []Change, 3), done: make(chan error, 1)}
	for range cap(w.free) {
		w.free <- make([]Change, 0, changeBatch)
	}
	w.batch = <-w.free
	go func() { w.done <- w.write() }()
	return w
}

func (w *changeWriter) write() error {
	zw, _ := gzip.NewWriterLevel(&w.buf, gzip.BestSpeed)
	cw := csvio.NewWriter(zw, csvio.WriterOptions{})
	err := cw.Write([]string{"change", "email of manager", "email of managee", "kind", "valid from", "valid until"})
	for b := range w.batches {
		for _, c := range b {
			if err != nil {
				break // keep draining, so that the sender never blocks
			}
			err = cw.Write([]string{string(c.Action), c.Manager, c.Managee, string(c.Kind), dateCell(c.ValidFrom), dateCell(c.ValidUntil)})
		}
		w.free <- b[:0]
	}
	if err == nil {
		err = cw.Flush()
	}
	if err == nil {
		err = zw.Close()
	}
	return err
}

func (w *changeWriter) add(c change) error {
	ic := Change{Action: c.action, Manager: c.managerEmail, Managee: c.manageeEmail, Kind: c.kind,
		ValidFrom: fromMicros(c.from), ValidUntil: fromMicros(c.until)}
	if len(w.first) < MaxListedChanges {
		w.first = append(w.first, ic)
	}
	w.batch = append(w.batch, ic)
	if len(w.batch) == changeBatch {
		w.batches <- w.batch
		w.batch = <-w.free
	}
	return nil
}

// close finishes the list and returns it, compressed.
func (w *changeWriter) close() ([]byte, error) {
	if w.closed {
		return nil, fmt.Errorf("change list already closed")
	}
	w.closed = true
	w.batches <- w.batch
	close(w.batches)
	if err := <-w.done; err != nil {
		return nil, fmt.Errorf("write the change list: %w", err)
	}
	return w.buf.Bytes(), nil
}

// stop ends the writing goroutine of a list that was not closed.
func (w *changeWriter) stop() {
	if !w.closed {
		w.closed = true
		close(w.batches)
		<-w.done
	}
}

// ApplyImport applies a preview: the kept upload is checked again against
// the links as they are now and applied in one transaction. Only the
// person who previewed it (or a platform admin) may apply it.
func (im *Importer) ApplyImport(ctx context.Context, actor usecase.Actor, previewID int64, opt Options) (Result, error) {
	var preview reportline.ImportBatch
	var upload []byte
	err := im.store.Read(ctx, func(tx Tx) error {
		var err error
		if preview, err = im.visibleImport(ctx, tx, actor, previewID); err != nil {
			return err
		}
		if !preview.DryRun || preview.Status != reportline.ImportDone {
			return reportline.Errorf(reportline.Conflict, "import %d is not a finished preview", previewID).
				Say("error.import.not_a_preview", map[string]any{"ID": previewID})
		}
		upload, err = tx.ImportFile(ctx, previewID, reportline.FileUpload)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(upload))
	if err != nil {
		return Result{}, fmt.Errorf("read kept upload: %w", err)
	}
	opt.FileName, opt.Size, opt.DryRun, opt.previewID = preview.FileName, preview.FileSize, false, previewID
	return im.ImportManagers(ctx, actor, zr, opt)
}

// visibleImport returns an import the actor may see: their own, or any for
// platform admins.
func (im *Importer) visibleImport(ctx context.Context, tx Tx, actor usecase.Actor, id int64) (reportline.ImportBatch, error) {
	b, err := tx.ImportBatch(ctx, id)
	if err != nil {
		return b, err
	}
	if err := policy.Decide(policy.Actor{System: actor.System, User: actor.User}, policy.ReadImport,
		policy.Target{User: &policy.Person{User: reportline.User{ID: b.ActorID}}}).Err(); err != nil {
		return b, err
	}
	return b, nil
}

// GetImport returns an import with its live progress while it runs.
func (im *Importer) GetImport(ctx context.Context, actor usecase.Actor, id int64) (reportline.ImportBatch, error) {
	var b reportline.ImportBatch
	err := im.store.Read(ctx, func(tx Tx) error {
		var err error
		b, err = im.visibleImport(ctx, tx, actor, id)
		return err
	})
	if err == nil && b.Status == reportline.ImportRunning {
		if p := im.imports.get(id); p != nil {
			b.Phase, _ = p.phase.Load().(string)
			b.Done, b.Total = p.done.Load(), p.total.Load()
		}
	}
	return b, err
}

// ListImports lists imports, newest first: platform admins see all, others
// their own.
func (im *Importer) ListImports(ctx context.Context, actor usecase.Actor, beforeID int64, limit int) ([]reportline.ImportBatch, error) {
	var out []reportline.ImportBatch
	err := im.store.Read(ctx, func(tx Tx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ImportManagers, policy.Target{}); err != nil {
			return err
		}
		who := actor.User.ID
		if ac.Scope.All {
			who = 0
		}
		out, err = tx.ImportBatches(ctx, who, beforeID, limit)
		return err
	})
	return out, err
}

// GetImportFile returns a file kept with an import (the upload, its rejected
// lines or its changes), uncompressed.
func (im *Importer) GetImportFile(ctx context.Context, actor usecase.Actor, id int64, kind reportline.ImportFileKind) (io.Reader, error) {
	var data []byte
	err := im.store.Read(ctx, func(tx Tx) error {
		if _, err := im.visibleImport(ctx, tx, actor, id); err != nil {
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

// StoredErrorID is the message id and arguments of a failure to store
// with its English (ImportBatch.ErrorID, docs/i18n.md): the error's own
// (reportline.Error.MsgID), and for an error about one line of the file its
// line as the argument "AtLine", which the page says as "Line 4: …" around
// the message, as it does a live refusal. "" when the error names none.
func StoredErrorID(err error) (string, map[string]any) {
	e, ok := errors.AsType[*reportline.Error](err)
	if !ok || e.MsgID == "" {
		return "", nil
	}
	args := maps.Clone(e.MsgArgs)
	if e.Line > 0 {
		if args == nil {
			args = map[string]any{}
		}
		args["AtLine"] = e.Line
	}
	return e.MsgID, args
}

// RecoverImports marks imports left running by a stopped process as failed.
// Their transaction died with the process, so nothing of them was applied.
func (im *Importer) RecoverImports(ctx context.Context) error {
	return im.store.Write(ctx, func(tx Tx) error {
		n, err := tx.FailRunningImports(ctx, "the service stopped during this import; nothing was applied", "error.import.stopped")
		if n > 0 {
			im.log.Warn("imports interrupted by a stop were marked failed", "count", n)
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

// rejectedCSV is the downloadable list of an import's rejected lines. The
// last two columns name the message in the pages' catalogues (its id and its
// arguments as a JSON object, empty when the line's reason says it all), so
// that the import's page, which reads this file, says a malformed line in
// the reader's language.
func rejectedCSV(rows []RejectedLine) func(w *csvio.Writer) error {
	return func(w *csvio.Writer) error {
		if err := w.Write([]string{"line", "email of manager", "email of managee", "reason", "message", "message id", "message arguments"}); err != nil {
			return err
		}
		for _, r := range rows {
			args := ""
			if len(r.MsgArgs) > 0 {
				b, err := json.Marshal(r.MsgArgs)
				if err != nil {
					return fmt.Errorf("rejected line %d: %w", r.Line, err)
				}
				args = string(b)
			}
			if err := w.Write([]string{fmt.Sprint(r.Line), r.Manager, r.Managee, r.Reason, r.Message, r.MsgID, args}); err != nil {
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
