package bench_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"reportline"
	"reportline/app"
	"reportline/bulkimport"
	"reportline/csvio"
	"reportline/internal/pgtest"
	"reportline/internal/testapp"
	"reportline/refdata"
	"reportline/store"
)

// The import and export benchmarks (BENCHMARKS.md I1–I6, E1) share what is
// below: the files, made in memory once per organisation; the product's
// operations with their checks; and the floors, the raw engine and plain Go
// doing the same work.

// importActor is the actor of the import and export benchmarks: the
// operator at the command line, whose scope is everything.
var importActor = app.SystemActor(reportline.SourceCLI)

// importFiles are the three files of the import benchmarks, over the same
// users as the loaded organisation, in the import format (header, then
// "manager,managee" lines in shuffled order).
type importFiles struct {
	// unchanged is refdata.WriteCSV of the org: importing it changes nothing.
	unchanged []byte
	// worst changes every link that may change: each active managee gets
	// new managers (see newManagers). Inactive managees keep theirs (the
	// rules refuse a new link to an inactive account), as do the few users
	// who have nobody else above them.
	worst []byte
	// ten changes the managers of 10 % of the active managees the same way.
	ten []byte

	current           []uint64 // the org's links as linkKey, sorted
	worstKeys         []uint64 // the links after importing worst, sorted
	tenKeys           []uint64 // … after importing ten
	worstAdd, worstRm int      // links the worst file adds and removes
	tenAdd, tenRm     int
	lines             int // data lines in each file (all three have the same count)
}

// linkKey packs a link so that sorting groups it by managee, then manager.
func linkKey(manager, managee reportline.UserID) uint64 {
	return uint64(managee)<<32 | uint64(uint32(manager))
}

func keyManagee(k uint64) reportline.UserID { return reportline.UserID(k >> 32) }
func keyManager(k uint64) reportline.UserID { return reportline.UserID(uint32(k)) }

var importFileCache sync.Map // refdata.Config → func() (*importFiles, error)

// importFilesFor returns the files of an organisation, made on first use.
func importFilesFor(tb testing.TB, o *refdata.Org) *importFiles {
	tb.Helper()
	gen, _ := importFileCache.LoadOrStore(o.Config(), sync.OnceValues(func() (*importFiles, error) {
		t0 := time.Now()
		f, err := makeImportFiles(o)
		if err == nil && o.Size() >= 100_000 {
			fmt.Fprintf(os.Stderr, "bench: set-up (untimed): three import files of %d lines made in %.1fs\n", f.lines, time.Since(t0).Seconds())
		}
		return f, err
	}))
	f, err := gen.(func() (*importFiles, error))()
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func makeImportFiles(o *refdata.Org) (*importFiles, error) {
	f := &importFiles{lines: len(o.Pairs())}
	var buf bytes.Buffer
	buf.Grow(80 * f.lines)
	if err := refdata.WriteCSV(&buf, o); err != nil {
		return nil, err
	}
	f.unchanged = buf.Bytes()
	for _, p := range o.Pairs() {
		f.current = append(f.current, linkKey(p.ManagerID, p.ManageeID))
	}
	slices.Sort(f.current)
	var err error
	if f.worst, f.worstKeys, f.worstAdd, f.worstRm, err = changedFile(o, 1, 1); err != nil {
		return nil, err
	}
	if f.ten, f.tenKeys, f.tenAdd, f.tenRm, err = changedFile(o, 2, 0.1); err != nil {
		return nil, err
	}
	return f, nil
}

// changedFile writes a file in which a share of the active managees (all
// of them for share 1) have new managers, and the others the ones they
// have. It returns the file, the links it leaves (sorted keys), and how
// many links it adds and removes.
func changedFile(o *refdata.Org, stream uint64, share float64) (data []byte, keys []uint64, add, rm int, err error) {
	r := rand.New(rand.NewPCG(o.Config().Seed, 0x1e4f_0000+stream))
	keys = make([]uint64, 0, len(o.Pairs()))
	for id := 1; id <= o.Size(); id++ {
		u := reportline.UserID(id)
		cur := o.Managers(u)
		if len(cur) == 0 {
			continue // the root
		}
		next := cur
		if o.Active(u) && (share >= 1 || r.Float64() < share) {
			next = newManagers(o, r, u, cur)
		}
		for _, m := range next {
			keys = append(keys, linkKey(m, u))
			if !slices.Contains(cur, m) {
				add++
			}
		}
		for _, m := range cur {
			if !slices.Contains(next, m) {
				rm++
			}
		}
	}
	// The lines in random order, like the org's own file.
	lines := slices.Clone(keys)
	r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	var buf bytes.Buffer
	buf.Grow(80 * len(lines))
	w := bufio.NewWriterSize(&buf, 256<<10)
	w.WriteString(refdata.CSVHeader + "\n")
	for _, k := range lines {
		w.WriteString(o.Email(keyManager(k)))
		w.WriteByte(',')
		w.WriteString(o.Email(keyManagee(k)))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return nil, nil, 0, 0, err
	}
	slices.Sort(keys)
	return buf.Bytes(), keys, add, rm, nil
}

// newManagers returns other managers for u, as many as it has: the line
// manager replaced by another active user of the level above (two or three
// levels up when the level above has nobody else), the extra manager by
// another active user one to three levels up. None is a current manager,
// and every new link still points up, so the links stay a DAG. A manager
// with no possible replacement (near the top of a small org) is kept.
func newManagers(o *refdata.Org, r *rand.Rand, u reportline.UserID, cur []reportline.UserID) []reportline.UserID {
	l := o.LevelOf(u)
	taken := slices.Clone(cur)
	pick := func(levels ...int) reportline.UserID {
		for _, lv := range levels {
			if lv < 0 {
				continue
			}
			users := o.Level(lv)
			for range 32 {
				m := users[r.IntN(len(users))]
				if o.Active(m) && !slices.Contains(taken, m) {
					taken = append(taken, m)
					return m
				}
			}
		}
		return 0
	}
	out := make([]reportline.UserID, 0, len(cur))
	line := pick(l-1, l-2, l-3)
	if line == 0 {
		line = cur[0]
	}
	out = append(out, line)
	if len(cur) > 1 {
		k := 1 + r.IntN(min(3, l))
		extra := pick(l-k, l-1, l-2, l-3)
		if extra == 0 {
			extra = cur[1]
		}
		out = append(out, extra)
	}
	return out
}

// --- The product's operations and their checks ---

// importBytes runs app.ImportManagers over a file in memory.
func importBytes(ctx context.Context, a *app.App, name string, data []byte, dryRun bool) (bulkimport.Result, error) {
	return a.ImportManagers(ctx, importActor, bytes.NewReader(data), bulkimport.Options{FileName: name, Size: int64(len(data)), DryRun: dryRun})
}

// stepLog collects the "import step" lines of the services' debug log:
// where an import spends its time (app/importplan.go logs each step).
type stepLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *stepLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// take returns the steps logged since the last call, as "step=duration".
func (l *stepLog) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := importSteps(l.buf.String())
	l.buf.Reset()
	return out
}

// loggedApp returns services over the fixture's store, like f.app, whose
// debug log (nothing but the import's few step lines) goes to a stepLog.
func loggedApp(f *fixture) (*app.App, *stepLog) {
	l := &stepLog{}
	log := slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return app.New(app.Adapt(f.db.Read, f.db.Write, f.db.Ping), app.Config{Logger: log, PasswordParams: testapp.FastPasswords}), l
}

// checkCounts compares an import's counts with what the file should do.
func checkCounts(res bulkimport.Result, lines, add, rm int) error {
	c := res.Batch.Counts
	if c.Lines != lines || c.Add != add || c.Remove != rm || c.Update != 0 || c.Rejected != 0 || c.Duplicate != 0 ||
		c.Unchanged != lines-add {
		return fmt.Errorf("import %s: counts %+v, want %d lines, %d to add, %d to remove, %d unchanged, nothing rejected (first rejected: %v)",
			res.Batch.FileName, c, lines, add, rm, lines-add, firstRejected(res))
	}
	return nil
}

func firstRejected(res bulkimport.Result) any {
	if len(res.Rejected) == 0 {
		return nil
	}
	return res.Rejected[0]
}

// writeState is what tells whether an operation wrote: how many links and
// audit entries there are, and how many links were written after the
// org's load (every loaded link has created_at = the org's epoch).
type writeState struct{ links, fresh, audit int }

func stateOf(ctx context.Context, f *fixture) (writeState, error) {
	var s writeState
	epoch := f.org.Config().Epoch.UnixMicro()
	err := f.raw.QueryRowContext(ctx, rebind(f.engine, `SELECT count(*), COALESCE(SUM(CASE WHEN created_at <> $1 THEN 1 ELSE 0 END), 0) FROM links`), epoch).
		Scan(&s.links, &s.fresh)
	if err == nil {
		err = f.raw.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&s.audit)
	}
	return s, err
}

// linksNow reads every link as a sorted key.
func linksNow(ctx context.Context, db *sql.DB) ([]uint64, error) {
	rows, err := db.QueryContext(ctx, `SELECT manager_id, managee_id FROM links`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []uint64
	for rows.Next() {
		var m, e int64
		if err := rows.Scan(&m, &e); err != nil {
			return nil, err
		}
		keys = append(keys, linkKey(reportline.UserID(m), reportline.UserID(e)))
	}
	slices.Sort(keys)
	return keys, rows.Err()
}

// checkLinks checks that the links are exactly want.
func checkLinks(ctx context.Context, db *sql.DB, want []uint64) error {
	got, err := linksNow(ctx, db)
	if err != nil {
		return err
	}
	if !slices.Equal(got, want) {
		missing, extra := 0, 0
		for _, k := range want {
			if _, ok := slices.BinarySearch(got, k); !ok {
				missing++
			}
		}
		for _, k := range got {
			if _, ok := slices.BinarySearch(want, k); !ok {
				extra++
			}
		}
		return fmt.Errorf("%d links, want %d: %d missing, %d not in the file", len(got), len(want), missing, extra)
	}
	return nil
}

// checkUnwritten checks that nothing was written since before.
func checkUnwritten(ctx context.Context, f *fixture, before writeState) error {
	after, err := stateOf(ctx, f)
	if err != nil {
		return err
	}
	if after != before {
		return fmt.Errorf("links/links written since the load/audit entries went from %+v to %+v: want no write", before, after)
	}
	return nil
}

// --- The floors ---

// dryCounts is what the dry-run floor computes.
type dryCounts struct{ lines, add, remove int }

// floorDryRun is the Go dry run of BENCHMARKS.md: every user's (email, id)
// into a map and every link's (manager_id, managee_id) through the raw
// pool, in one read transaction; the file parsed with encoding/csv
// (ReuseRecord), both emails of every line resolved with the map, and the
// lines diffed against the current links, managee by managee (both sides
// sorted by managee, then merged), counting adds and removes.
func floorDryRun(ctx context.Context, f *fixture, data []byte) (dryCounts, error) {
	var c dryCounts
	tx, err := readTx(ctx, f)
	if err != nil {
		return c, err
	}
	defer tx.Rollback()
	ids := make(map[string]reportline.UserID, f.org.Size())
	rows, err := tx.QueryContext(ctx, `SELECT email, id FROM users WHERE tenant_id = 1`)
	if err != nil {
		return c, err
	}
	for rows.Next() {
		var email string
		var id int64
		if err := rows.Scan(&email, &id); err != nil {
			rows.Close()
			return c, err
		}
		ids[email] = reportline.UserID(id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	cur := make([]uint64, 0, len(f.org.Pairs()))
	rows, err = tx.QueryContext(ctx, `SELECT manager_id, managee_id FROM links WHERE tenant_id = 1`)
	if err != nil {
		return c, err
	}
	for rows.Next() {
		var m, e int64
		if err := rows.Scan(&m, &e); err != nil {
			rows.Close()
			return c, err
		}
		cur = append(cur, linkKey(reportline.UserID(m), reportline.UserID(e)))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	if err := tx.Commit(); err != nil {
		return c, err
	}
	slices.Sort(cur)

	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // the header
		return c, err
	}
	listed := make([]uint64, 0, len(cur))
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return c, err
		}
		c.lines++
		m, ok1 := ids[rec[0]]
		e, ok2 := ids[rec[1]]
		if !ok1 || !ok2 {
			return c, fmt.Errorf("line %d: unknown address in %q", c.lines+1, rec)
		}
		listed = append(listed, linkKey(m, e))
	}
	slices.Sort(listed)
	listed = slices.Compact(listed) // a repeated line counts once

	// Merge the two sorted lists, managee by managee; managees the file
	// does not list keep their links.
	i := 0
	for j := 0; j < len(listed); {
		e := keyManagee(listed[j])
		jEnd := j
		for jEnd < len(listed) && keyManagee(listed[jEnd]) == e {
			jEnd++
		}
		for i < len(cur) && keyManagee(cur[i]) < e {
			i++
		}
		iEnd := i
		for iEnd < len(cur) && keyManagee(cur[iEnd]) == e {
			iEnd++
		}
		a, b := cur[i:iEnd], listed[j:jEnd]
		for len(a) > 0 || len(b) > 0 {
			switch {
			case len(b) == 0 || (len(a) > 0 && a[0] < b[0]):
				c.remove++
				a = a[1:]
			case len(a) == 0 || b[0] < a[0]:
				c.add++
				b = b[1:]
			default:
				a, b = a[1:], b[1:]
			}
		}
		i, j = iEnd, jEnd
	}
	return c, nil
}

// floorReplace is the SQL replace of BENCHMARKS.md, in one transaction:
// the file's pairs staged into a temporary table (PostgreSQL: COPY through
// pgx; SQLite: one prepared INSERT per row), joined to the users by email,
// then the links of listed managees that the file does not list deleted
// and the new ones inserted, and commit. It returns how many links it
// added and removed.
func floorReplace(ctx context.Context, f *fixture, data []byte) (add, rm int64, err error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // the header
		return 0, 0, err
	}
	now := time.Now().UnixMicro()
	if f.engine == store.Postgres {
		return floorReplacePostgres(ctx, f, r, now)
	}
	return floorReplaceSQLite(ctx, f, r, now)
}

const (
	replaceResolveSQL = `SELECT m.id AS manager_id, e.id AS managee_id FROM import_stage s
	JOIN users m ON m.tenant_id = 1 AND m.email = s.manager_email JOIN users e ON e.tenant_id = 1 AND e.email = s.managee_email`
	replaceDeleteSQL = `DELETE FROM links WHERE tenant_id = 1 AND managee_id IN (SELECT managee_id FROM import_pairs)
	AND NOT EXISTS (SELECT 1 FROM import_pairs p WHERE p.managee_id = links.managee_id AND p.manager_id = links.manager_id)`
	replaceInsertSQL = `INSERT INTO links (tenant_id, manager_id, managee_id, kind, source, created_at)
	SELECT 1, p.manager_id, p.managee_id, 'line', 'csv', $1 FROM import_pairs p
	WHERE NOT EXISTS (SELECT 1 FROM links l WHERE l.tenant_id = 1 AND l.manager_id = p.manager_id AND l.managee_id = p.managee_id)`
)

func floorReplacePostgres(ctx context.Context, f *fixture, r *csv.Reader, now int64) (add, rm int64, err error) {
	conn, err := f.raw.Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_stage (manager_email TEXT NOT NULL, managee_email TEXT NOT NULL) ON COMMIT DROP`); err != nil {
			return err
		}
		row := make([]any, 2)
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_stage"}, []string{"manager_email", "managee_email"},
			pgx.CopyFromFunc(func() ([]any, error) {
				rec, err := r.Read()
				if err == io.EOF {
					return nil, nil
				}
				if err != nil {
					return nil, err
				}
				row[0], row[1] = rec[0], rec[1]
				return row, nil
			})); err != nil {
			return fmt.Errorf("stage: %w", err)
		}
		for _, q := range []string{`ANALYZE import_stage`, `CREATE TEMP TABLE import_pairs ON COMMIT DROP AS ` + replaceResolveSQL, `ANALYZE import_pairs`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("%.40s: %w", q, err)
			}
		}
		tag, err := tx.Exec(ctx, replaceDeleteSQL)
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		rm = tag.RowsAffected()
		if tag, err = tx.Exec(ctx, replaceInsertSQL, now); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		add = tag.RowsAffected()
		return tx.Commit(ctx)
	})
	return add, rm, err
}

func floorReplaceSQLite(ctx context.Context, f *fixture, r *csv.Reader, now int64) (add, rm int64, err error) {
	tx, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE import_stage (manager_email TEXT NOT NULL, managee_email TEXT NOT NULL)`); err != nil {
		return 0, 0, err
	}
	stage, err := tx.PrepareContext(ctx, `INSERT INTO import_stage (manager_email, managee_email) VALUES (?1, ?2)`)
	if err != nil {
		return 0, 0, err
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, err
		}
		if _, err := stage.ExecContext(ctx, rec[0], rec[1]); err != nil {
			return 0, 0, fmt.Errorf("stage: %w", err)
		}
	}
	stage.Close()
	for _, q := range []string{`CREATE TEMP TABLE import_pairs AS ` + replaceResolveSQL,
		`CREATE INDEX temp.import_pairs_key ON import_pairs (managee_id, manager_id)`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, 0, fmt.Errorf("%.40s: %w", q, err)
		}
	}
	res, err := tx.ExecContext(ctx, replaceDeleteSQL)
	if err != nil {
		return 0, 0, fmt.Errorf("delete: %w", err)
	}
	rm, _ = res.RowsAffected()
	if res, err = tx.ExecContext(ctx, rebind(store.SQLite, replaceInsertSQL), now); err != nil {
		return 0, 0, fmt.Errorf("insert: %w", err)
	}
	add, _ = res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `DROP TABLE temp.import_stage`); err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE temp.import_pairs`); err != nil {
		return 0, 0, err
	}
	return add, rm, tx.Commit()
}

// floorCSV is raw encoding/csv (ReuseRecord) over the file; it returns the
// data lines.
func floorCSV(data []byte) (int, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	n := -1 // the header
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// decodeLayer reads the file through the product's decoding layer
// (csvio.NewPairReader: encoding and separator detection, header matching,
// line ends, trimming), as the import does; it returns the data lines.
func decodeLayer(data []byte) (int, error) {
	pr, err := csvio.NewPairReader(bytes.NewReader(data), csvio.ReaderOptions{MaxBytes: bulkimport.MaxBytes})
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		p, err := pr.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if p.Manager == "" || p.Managee == "" {
			return n, fmt.Errorf("line %d: an empty cell", p.Line)
		}
		n++
	}
}

// exportSink is the client of an export: it discards the bytes, counting
// them and the lines, and notes when the first byte came.
type exportSink struct {
	start time.Time
	first time.Duration
	bytes int64
	lines int
}

func (w *exportSink) Write(p []byte) (int, error) {
	if w.bytes == 0 && len(p) > 0 {
		w.first = time.Since(w.start)
	}
	w.bytes += int64(len(p))
	w.lines += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}

// checkExport checks that an export wrote the header and one line per link.
func checkExport(w *exportSink, n, links int) error {
	if n != links || w.lines != links+1 {
		return fmt.Errorf("export: %d links, %d lines written; want %d links and a header", n, w.lines, links)
	}
	return nil
}

// exportProduct is E1: app.ExportManagers of every link.
func exportProduct(ctx context.Context, f *fixture, w *exportSink) (int, error) {
	return f.app.ExportManagers(ctx, importActor, w, app.ExportOptions{})
}

// floorExportSQL is the raw export: every link with both addresses and the
// columns the export writes.
const floorExportSQL = `SELECT m.email, e.email, l.kind, l.source, l.valid_from, l.valid_until
FROM links l JOIN users m ON m.tenant_id = 1 AND m.id = l.manager_id JOIN users e ON e.tenant_id = 1 AND e.id = l.managee_id
WHERE l.tenant_id = 1`

// floorExport is the export floor: one SELECT of the links joined with both
// addresses in a read transaction, written with encoding/csv. ordered adds
// the product's ORDER BY managee_id, manager_id.
func floorExport(ctx context.Context, f *fixture, w io.Writer, ordered bool) (int, error) {
	tx, err := readTx(ctx, f)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	q := floorExportSQL
	if ordered {
		q += ` ORDER BY l.managee_id, l.manager_id`
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(app.ExportHeader); err != nil {
		return 0, err
	}
	rec := make([]string, 6)
	var from, until sql.NullInt64
	n := 0
	for rows.Next() {
		if err := rows.Scan(&rec[0], &rec[1], &rec[2], &rec[3], &from, &until); err != nil {
			return n, err
		}
		rec[4], rec[5] = microsDate(from), microsDate(until)
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	cw.Flush()
	return n, cw.Error()
}

func microsDate(v sql.NullInt64) string {
	if !v.Valid {
		return ""
	}
	return time.UnixMicro(v.Int64).UTC().Format(time.DateOnly)
}

// heapBytes returns the bytes of live heap objects after a collection.
func heapBytes() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// --- Peak memory of the command (I6) ---

// buildReportline builds cmd/reportline into a temporary folder of tb.
func buildReportline(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "reportline")
	out, err := exec.Command("go", "build", "-o", bin, "reportline/cmd/reportline").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v: %s", err, out)
	}
	return bin
}

// cloneDatabase returns a private clone of the loaded organisation for a
// command to open: a PostgreSQL URL, or a data folder holding the SQLite
// file (url ""). It shares the templates of newFixture.
func cloneDatabase(tb testing.TB, engine store.Engine, o *refdata.Org) (url, dir string) {
	tb.Helper()
	ctx := context.Background()
	dir = tb.TempDir()
	switch engine {
	case store.Postgres:
		key := fmt.Sprintf("reportline-bench-%d-%d", o.Config().Users, o.Config().Seed)
		url = pgtest.NewFromTemplate(tb, key, func(url string) error { return prepare(ctx, engine, url, "", o) })
	case store.SQLite:
		src, err := templates.sqlite(ctx, o)
		if err != nil {
			tb.Fatal(err)
		}
		if err := copyFile(filepath.Join(dir, "reportline.db"), src); err != nil {
			tb.Fatal(err)
		}
	}
	return url, dir
}

// commandRun is one run of the reportline command.
type commandRun struct {
	maxRSS  int64 // bytes: GNU time's %M, the kernel's ru_maxrss of the command
	elapsed time.Duration
	stdout  string
	stderr  string
}

// timeCommand is GNU time (Debian package "time"), which reports the peak
// resident set of the command it runs. The rusage of a child started
// directly from the test process would not do: Go starts children with
// vfork, and Linux carries the parent's high-water mark (here, the whole
// loaded organisation) into the child's ru_maxrss across exec. GNU time
// forks a small process of its own first.
const timeCommand = "/usr/bin/time"

// childMemoryLimitEnv, when set, is passed to the command as GOMEMLIMIT
// (e.g. "off"), to compare its own soft limit with another.
const childMemoryLimitEnv = "REPORTLINE_BENCH_CHILD_GOMEMLIMIT"

// runReportline runs the reportline command bin on a database (its standard
// output to stdout, or kept in the result when stdout is nil) under GNU
// time, with the environment of this process less any GOMEMLIMIT or GOGC
// (so that the command's own soft memory limit applies, unless
// REPORTLINE_BENCH_CHILD_GOMEMLIMIT says otherwise) and REPORTLINE_*
// settings. The args must start with the command and subcommand.
func runReportline(ctx context.Context, bin string, stdout io.Writer, url, dir string, args ...string) (commandRun, error) {
	var run commandRun
	if _, err := os.Stat(timeCommand); err != nil {
		return run, fmt.Errorf("%s: %w (apt-get install time)", timeCommand, err)
	}
	args = append(args, "--data", dir)
	if url != "" {
		args = append(args, "--database", url)
	}
	rusage := filepath.Join(dir, "time.out")
	cmd := exec.CommandContext(ctx, timeCommand, append([]string{"-f", "%M", "-o", rusage, bin}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMEMLIMIT=") && !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "REPORTLINE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "REPORTLINE_LOG_LEVEL=debug") // the import's steps and their times
	if v := os.Getenv(childMemoryLimitEnv); v != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+v) // replaces the command's own limit
	}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if stdout != nil {
		cmd.Stdout = stdout
	}
	t0 := time.Now()
	err := cmd.Run()
	run.elapsed = time.Since(t0)
	run.stdout, run.stderr = out.String(), stderr.String()
	if err != nil {
		return run, fmt.Errorf("reportline %s: %v\n%s%s", strings.Join(args[:2], " "), err, run.stdout, tail(run.stderr, 2000))
	}
	report, err := os.ReadFile(rusage)
	if err != nil {
		return run, err
	}
	fields := strings.Fields(string(report))
	if len(fields) == 0 {
		return run, fmt.Errorf("%s: no figure in %q", timeCommand, report)
	}
	kib, err := strconv.ParseInt(fields[len(fields)-1], 10, 64)
	if err != nil {
		return run, fmt.Errorf("%s: %q: %w", timeCommand, report, err)
	}
	run.maxRSS = kib << 10
	return run, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// importSteps returns the "import step" lines of the command's debug log,
// shortened to "step=duration".
func importSteps(stderr string) string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.Contains(line, "import step") {
			continue
		}
		var step, dur string
		for _, f := range strings.Fields(line) {
			switch {
			case strings.HasPrefix(f, "duration="):
				dur = strings.TrimPrefix(f, "duration=")
			case strings.HasPrefix(f, "step="):
				step = strings.TrimPrefix(f, "step=")
			}
		}
		// step="read users and links" is quoted and holds spaces.
		if i := strings.Index(line, `step="`); i >= 0 {
			if j := strings.Index(line[i+6:], `"`); j >= 0 {
				step = line[i+6 : i+6+j]
			}
		}
		out = append(out, step+"="+dur)
	}
	return strings.Join(out, ", ")
}
