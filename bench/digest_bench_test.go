package bench_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bench"
	"reportline/learning"
	"reportline/mail"
	"reportline/outbox"
	"reportline/store"
)

// D1 (BENCHMARKS.md): the weekly digest of every manager of the reference
// organisation, rendered and written to the .eml sink (an fsync per
// message), against the floor of writing the very same bytes, one fsync'd
// file each, in the same run.
//
// One round is one week's run as serve does it: the scheduler claims the
// week, lists the recipients (every effective link once), composes each
// manager's TeamWeek and renders it, and records sends and outbox rows in
// chunks of 500; the outbox worker, running alongside with its default
// concurrency (4), writes each message with mail.FileSender (temporary
// file, fsync, rename, fsync of the folder). The round ends when the
// outbox is empty. The floor then writes each .eml file of the round again
// into an empty folder (create, write, fsync, close) from as many
// goroutines. Rounds use successive weeks, so every round sends.
//
// The learning records are made here (untimed): refdata has none. Each
// user gets REPORTLINE_BENCH_RECORDS records (2 by default) on 50 courses,
// completed, in progress, late or due soon in the weeks measured, so that
// digests have content to render.

const recordsEnv = "REPORTLINE_BENCH_RECORDS"

func BenchmarkDigestD1(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		first := reportline.ISOWeek{Year: 2026, Week: 40}
		if err := addLearning(ctx, f, envInt(b, recordsEnv, 2), first); err != nil {
			b.Fatal(err)
		}
		var product, floor, ratios, productCPU, floorCPU []float64
		var digests int
		week := first
		for b.Loop() {
			dir := b.TempDir()
			c0 := cpuTime(b)
			took, n, err := digestRound(ctx, f, week, dir)
			if err != nil {
				b.Fatal(err)
			}
			c1 := cpuTime(b)
			fl, err := floorWrites(dir, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			productCPU = append(productCPU, (c1 - c0).Seconds())
			floorCPU = append(floorCPU, (cpuTime(b) - c1).Seconds())
			product, floor = append(product, took.Seconds()), append(floor, fl.Seconds())
			ratios = append(ratios, took.Seconds()/fl.Seconds())
			digests = n
			week.Week++
		}
		b.ReportMetric(float64(digests), "digests")
		b.ReportMetric(bench.Median(product), "product-s")
		b.ReportMetric(bench.Median(floor), "floor-s")
		b.ReportMetric(bench.Median(ratios), "x-floor")
		b.ReportMetric(float64(digests)/bench.Median(product), "digests/s")
		// CPU time of this process (not of a PostgreSQL server): on a
		// shared machine the wall-clock ratio mostly measures the load, as
		// the product needs the CPU and the floor the disk.
		b.ReportMetric(bench.Median(productCPU)*1000/float64(digests), "cpu-ms/digest")
		b.ReportMetric(bench.Median(floorCPU)*1000/float64(digests), "floor-cpu-ms/file")
	})
}

// digestRound runs the digest of week and delivers it into dir, as serve
// does, and returns how long it took and how many digests were written.
func digestRound(ctx context.Context, f *fixture, week reportline.ISOWeek, dir string) (time.Duration, int, error) {
	sender, err := mail.NewFileSender(dir, "reportline@example.com")
	if err != nil {
		return 0, 0, err
	}
	a := f.app
	if os.Getenv("D1_DEBUG") != "" {
		a = app.New(app.Adapt(f.db.Read, f.db.Write, f.db.Ping), app.Config{
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	}
	worker := a.NewOutboxWorker(sender, outbox.Options{Poll: 50 * time.Millisecond})
	sched := a.NewScheduler(app.SchedulerConfig{})
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { worker.Run(wctx) })
	rep, err := sched.RunDigest(ctx, reportline.DigestSlotOf(week, paris))
	if err != nil {
		stop()
		wg.Wait()
		return 0, 0, err
	}
	composed := time.Since(start)
	stop()
	wg.Wait()
	if os.Getenv("D1_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "run %v\n", composed)
	}
	// Whatever the running worker had not claimed yet.
	for {
		n, err := worker.DeliverDue(ctx)
		if err != nil {
			return 0, 0, err
		}
		if n == 0 {
			break
		}
	}
	took := time.Since(start)
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return 0, 0, err
	}
	if len(files) != rep.Sent || rep.Sent == 0 {
		return 0, 0, fmt.Errorf("week %s: %d digests sent, %d files written", week, rep.Sent, len(files))
	}
	return took, rep.Sent, nil
}

// floorWrites writes every .eml file of src into dst, each created,
// written, fsync'd and closed, from 4 goroutines (the worker's
// concurrency), and returns how long the writes took (reading src is not
// counted).
func floorWrites(src, dst string) (time.Duration, error) {
	names, err := filepath.Glob(filepath.Join(src, "*.eml"))
	if err != nil {
		return 0, err
	}
	data := make([][]byte, len(names))
	for i, n := range names {
		if data[i], err = os.ReadFile(n); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(data); i += 4 {
				if err := writeSynced(filepath.Join(dst, filepath.Base(names[i])), data[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// addLearning gives every user perUser learning records on 50 courses,
// spread over the weeks from first on: completed, in progress, late, due
// soon. Loaded through the product's batch API, untimed.
func addLearning(ctx context.Context, f *fixture, perUser int, first reportline.ISOWeek) error {
	if perUser == 0 {
		return nil
	}
	t0 := time.Now()
	sys := app.SystemActor(reportline.SourceAPI)
	courses := make([]learning.CourseInput, 50)
	for i := range courses {
		courses[i] = learning.CourseInput{ID: fmt.Sprintf("C%02d", i), Title: fmt.Sprintf("Course %02d", i)}
	}
	if _, err := f.app.ApplyLearning(ctx, sys, learning.Batch{Courses: courses}); err != nil {
		return fmt.Errorf("courses: %w", err)
	}
	base := first.Monday(time.UTC)
	var batch []learning.RecordInput
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := f.app.ApplyLearning(ctx, sys, learning.Batch{Records: batch})
		batch = batch[:0]
		return err
	}
	n := 0
	for u := range f.org.Users() {
		for j := range perUser {
			n++
			// A spread of 4 weeks, so the weeks measured all have activity.
			at := base.Add(time.Duration(n%(28*24)) * time.Hour)
			r := learning.RecordInput{ID: fmt.Sprintf("R%d-%d", u.ID, j), UserID: u.ID, CourseID: fmt.Sprintf("C%02d", (int(u.ID)+j)%50)}
			switch n % 4 {
			case 0:
				r.Status, r.Progress, r.Completed = "completed", 100, at
			case 1:
				r.Status, r.Progress, r.LastActivity = "in_progress", n%100, at
			case 2:
				r.Status, r.Progress, r.Due = "in_progress", n%90, at.AddDate(0, 0, -10)
			default:
				r.Status, r.Due = "not_started", at.AddDate(0, 0, 7)
			}
			batch = append(batch, r)
			if len(batch) == 10_000 {
				if err := flush(); err != nil {
					return fmt.Errorf("records: %w", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("records: %w", err)
	}
	if f.org.Size() >= 100_000 {
		fmt.Fprintf(os.Stderr, "bench: set-up (untimed): %d learning records into %s in %.1fs\n", n, f.engine, time.Since(t0).Seconds())
	}
	return nil
}
