package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/pgtest"
	"reportline/internal/smtptest"
	rlmail "reportline/mail"
	"reportline/outbox"
	"reportline/store"
)

// atomicClock is a clock shared by a replica's goroutines (scheduler and
// outbox worker).
type atomicClock struct{ ns atomic.Int64 }

func (c *atomicClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *atomicClock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *atomicClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// replica is one serve process: its own connection pool to the shared
// PostgreSQL database, App, clock, scheduler and outbox worker.
type replica struct {
	name   string
	db     *store.DB
	app    *app.App
	clock  *atomicClock
	sched  *app.Scheduler
	ctx    context.Context
	kill   context.CancelFunc
	chunks atomic.Int32
	done   chan struct{} // closed when the outbox worker stopped
}

// startReplica starts a replica. The first replica to finish
// killAfterChunks digest chunks dies (killed is shared by the replicas).
func startReplica(t *testing.T, name, url string, smtp *smtptest.Server, at time.Time, killAfterChunks int, killed *atomic.Bool) *replica {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &replica{name: name, db: db, clock: &atomicClock{}, done: make(chan struct{})}
	r.clock.Set(at)
	r.app = app.New(app.Adapt(db.Read, db.Write, db.Ping), app.Config{Now: r.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	r.ctx, r.kill = context.WithCancel(ctx)
	t.Cleanup(r.kill)
	r.sched = r.app.NewScheduler(app.SchedulerConfig{Owner: name, Chunk: 7,
		AfterChunk: func(kind reportline.NotificationType, _ string, _ reportline.UserID) {
			if kind == reportline.NotifyWeeklyDigest && int(r.chunks.Add(1)) == killAfterChunks && killed.CompareAndSwap(false, true) {
				r.kill() // the process dies between two chunks
			}
		}})
	host, port, _ := net.SplitHostPort(smtp.Addr)
	p, _ := strconv.Atoi(port)
	sender, err := rlmail.NewSMTPSender(rlmail.SMTPConfig{Host: host, Port: p, TLS: rlmail.TLSNone,
		From: "reportline@example.com", Pool: 2, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	w := r.app.NewOutboxWorker(sender, outbox.Options{Owner: name, Poll: 20 * time.Millisecond, Batch: 16})
	go func() { defer close(r.done); w.Run(r.ctx) }()
	t.Cleanup(func() { r.kill(); <-r.done })
	return r
}

// TestDigestTwoReplicasOneKilled runs two replicas on one PostgreSQL
// database, both ticking at 14:00; the one that takes the week's run dies
// after three chunks, and the other finishes the run once the lease ran
// out. Every manager receives exactly one digest at a real SMTP server
// process, counted by Message-ID.
func TestDigestTwoReplicasOneKilled(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewFromTemplate(t, "reportline-migrated", func(url string) error {
		db, err := store.Open(ctx, url, "")
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Migrate(ctx)
	})
	smtp := smtptest.Start(t)
	start := paris(t, 2026, 11, 23, 14, 0)
	var killed atomic.Bool
	a := startReplica(t, "replica-a", url, smtp, start, 3, &killed)
	b := startReplica(t, "replica-b", url, smtp, start, 3, &killed)

	// 40 managers with two managees each.
	const managers = 40
	var want []string
	for i := range managers {
		m, err := a.app.CreateUser(ctx, sys, app.UserInput{Email: fmt.Sprintf("m%02d@example.com", i), FirstName: "M", LastName: strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			e, err := a.app.CreateUser(ctx, sys, app.UserInput{Email: fmt.Sprintf("e%02d-%d@example.com", i, j), FirstName: "E"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.app.AddLinks(ctx, sys, app.LinkRequest{User: e.ID, Direction: reportline.Managers,
				Kind: reportline.Line, IDs: []reportline.UserID{m.ID}}); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, reportline.MessageIDFor(fmt.Sprintf("weekly_digest:2026-W48:%d", m.ID)))
	}

	// Both tick at 14:00; one takes the run and dies after 3 chunks.
	reports := make([][]app.RunReport, 2)
	var wg sync.WaitGroup
	for i, r := range []*replica{a, b} {
		wg.Go(func() { reports[i], _ = r.sched.Tick(r.ctx) })
	}
	wg.Wait()
	holder, survivor := a, b
	if b.ctx.Err() != nil {
		holder, survivor = b, a
	}
	if holder.ctx.Err() == nil {
		t.Fatalf("no replica was killed: reports %+v", reports)
	}
	for _, rep := range reports[0] {
		if rep.Kind == reportline.NotifyWeeklyDigest {
			t.Fatalf("the surviving replica ran the week alongside: %+v", rep)
		}
	}
	for _, rep := range reports[1] {
		if rep.Kind == reportline.NotifyWeeklyDigest {
			t.Fatalf("the surviving replica ran the week alongside: %+v", rep)
		}
	}
	t.Logf("%s took the run and died after %d chunks", holder.name, holder.chunks.Load())

	// Within the lease the survivor leaves the run alone; after, it
	// takes over and finishes.
	survivor.clock.Advance(time.Minute)
	if reps, err := survivor.sched.Tick(survivor.ctx); err != nil || len(reps) != 0 {
		t.Fatalf("survivor within the lease: %+v, %v", reps, err)
	}
	survivor.clock.Advance(2 * time.Minute)
	ageLeases(t, survivor.db, "scheduled_runs", 3*time.Minute) // leases follow the database's clock
	reps, err := survivor.sched.Tick(survivor.ctx)
	if err != nil || len(reps) != 1 || !reps[0].Finished || reps[0].Sent != managers-3*7 {
		t.Fatalf("survivor after the lease: %+v, %v; want the %d digests left", reps, err, managers-3*7)
	}
	// The survivor's ticks after that, and its birthdays run, send nothing
	// more.
	survivor.clock.Advance(time.Minute)
	if reps, err := survivor.sched.Tick(survivor.ctx); err != nil || len(reps) != 0 {
		t.Fatalf("survivor's next tick: %+v, %v", reps, err)
	}

	smtp.WaitMessages(t, managers, 30*time.Second)
	// Leave the survivor's worker time to send a duplicate, were there one.
	time.Sleep(300 * time.Millisecond)
	got := smtp.ByMessageID(t)
	for _, id := range want {
		if got[id] != 1 {
			t.Errorf("%s received %d times, want once", id, got[id])
		}
	}
	if len(got) != managers {
		t.Errorf("%d distinct messages received, want %d", len(got), managers)
	}
}
