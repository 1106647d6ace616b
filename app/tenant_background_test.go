package app_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	rlmail "reportline/mail"
	"reportline/outbox"
	"reportline/store"
)

// tenantsWorld is an installation with three tenants, each with the same
// people (boss manages emp): the implicit tenant (Paris, the configured
// public URL), beta (New York, host b.example) and gamma (suspended).
type tenantsWorld struct {
	env               *testapp.Env
	app               *app.App // background work for every tenant
	beta, gamma       reportline.TenantID
	implicitCtx       context.Context
	betaCtx, gammaCtx context.Context
	emp               map[reportline.TenantID]reportline.UserID
	publicA, publicB  string
}

func newTenantsWorld(t *testing.T, engine store.Engine) *tenantsWorld {
	t.Helper()
	ctx := context.Background()
	env := testapp.New(t, engine)
	w := &tenantsWorld{env: env, emp: map[reportline.TenantID]reportline.UserID{}, publicA: "https://a.example", publicB: "https://b.example"}
	var err error
	if w.beta, err = env.DB.CreateTenantAs(ctx, "test", "beta", "b.example"); err != nil {
		t.Fatal(err)
	}
	if w.gamma, err = env.DB.CreateTenantAs(ctx, "test", "gamma", "c.example"); err != nil {
		t.Fatal(err)
	}
	w.app = app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping, env.DB.ReadOnce), app.Config{Now: env.Now.Now,
		Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords, PublicURL: w.publicA + "/", Tenants: env.DB.Tenants})
	w.implicitCtx = reportline.WithTenant(ctx, reportline.ImplicitTenant)
	w.betaCtx, w.gammaCtx = reportline.WithTenant(ctx, w.beta), reportline.WithTenant(ctx, w.gamma)
	for _, tctx := range []context.Context{w.implicitCtx, w.betaCtx, w.gammaCtx} {
		id, _ := reportline.TenantOf(tctx)
		boss, err := w.app.CreateUser(tctx, sys, app.UserInput{Email: "boss@example.com", FirstName: "Boss"})
		if err != nil {
			t.Fatal(err)
		}
		emp, err := w.app.CreateUser(tctx, sys, app.UserInput{Email: "emp@example.com", FirstName: "Emp"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.app.AddLinks(tctx, sys, app.LinkRequest{User: emp.ID, Direction: reportline.Managers,
			Kind: reportline.Line, IDs: []reportline.UserID{boss.ID}}); err != nil {
			t.Fatal(err)
		}
		w.emp[id] = emp.ID
	}
	if err := env.DB.Tenant(w.beta).Write(ctx, func(tx *store.Tx) error {
		return tx.PutSetting(ctx, "digest_time_zone", "America/New_York")
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.SetTenantSuspended(ctx, "test", "gamma", true); err != nil {
		t.Fatal(err)
	}
	return w
}

// queuedIn is queued in a tenant.
func queuedIn(t *testing.T, db *store.DB, id reportline.TenantID, typ reportline.NotificationType) []reportline.OutboxMessage {
	t.Helper()
	var out []reportline.OutboxMessage
	err := db.Tenant(id).Read(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.OutboxMessages(context.Background(), reportline.DeliveryFilter{Type: typ, Limit: 500})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// enqueueIn enqueues in a tenant, in its own write transaction.
func enqueueIn(t *testing.T, w *tenantsWorld, id reportline.TenantID, msgs ...reportline.OutboxMessage) {
	t.Helper()
	ctx := reportline.WithTenant(context.Background(), id)
	if err := w.env.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := w.app.Enqueue(ctx, tx, msgs...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// tenantSender records the tenant each message was sent in, in order, and
// writes it through the .eml sink.
type tenantSender struct {
	*rlmail.FileSender
	mu   sync.Mutex
	sent []string // "tenant:key"
}

func (s *tenantSender) Send(ctx context.Context, m reportline.OutboxMessage) error {
	id, _ := reportline.TenantOf(ctx)
	s.mu.Lock()
	s.sent = append(s.sent, tenantName(id)+":"+m.Key)
	s.mu.Unlock()
	return s.FileSender.Send(ctx, m)
}

func tenantName(id reportline.TenantID) string {
	return map[reportline.TenantID]string{1: "default", 2: "beta", 3: "gamma"}[id]
}

// One tick of the outbox worker delivers every active tenant's mail, a
// batch of each in turn, so a tenant with a backlog does not hold back
// another's message; a suspended tenant's mail stays in its outbox until
// it is resumed; links in bulk mail lead to the tenant's own address.
func TestOutboxDeliversEveryTenantFairly(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "mail")
		fs, err := rlmail.NewFileSender(dir, "reportline@example.com")
		if err != nil {
			t.Fatal(err)
		}
		s := &tenantSender{FileSender: fs}
		// The implicit tenant's backlog: 7 messages; beta: 1; gamma
		// (suspended): 1.
		for i := range 7 {
			enqueueIn(t, w, reportline.ImplicitTenant, outboxMessage("a"+string(rune('0'+i)), "x@example.com"))
		}
		enqueueIn(t, w, w.beta, outboxMessage("b0", "y@example.com"))
		enqueueIn(t, w, w.gamma, outboxMessage("g0", "z@example.com"))
		// Sends one at a time, so that the order is the claim order; Send,
		// not the batch sink, so that the recording sees each message.
		wk := w.app.NewOutboxWorker(struct{ outbox.Sender }{s}, outbox.Options{Batch: 2, Concurrency: 1})
		n, err := wk.DeliverDue(ctx)
		if err != nil || n != 8 {
			t.Fatalf("one tick: %d attempts, %v; want the 8 messages of the two active tenants", n, err)
		}
		// beta's message went out in the first round (one batch per
		// tenant), not after the implicit tenant's backlog.
		i := -1
		for j, k := range s.sent {
			if k == "beta:b0" {
				i = j
			}
		}
		if i < 0 || i >= 3 {
			t.Errorf("beta's message was send number %d of %v; want within the first round (3 sends)", i+1, s.sent)
		}
		for _, k := range s.sent {
			if strings.HasPrefix(k, "gamma:") {
				t.Errorf("the suspended tenant's mail was sent: %v", s.sent)
			}
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		if len(files) != 8 {
			t.Errorf("%d .eml files, want 8", len(files))
		}
		if ms := queuedIn(t, w.env.DB, w.gamma, ""); len(ms) != 1 || ms[0].Status != reportline.DeliveryPending {
			t.Fatalf("gamma's outbox: %+v, want its message pending", ms)
		}
		if ms := queuedIn(t, w.env.DB, w.beta, ""); len(ms) != 1 || ms[0].Status != reportline.DeliverySent {
			t.Fatalf("beta's outbox: %+v, want its message sent", ms)
		}

		// Resumed, gamma's mail goes out at the next tick once the list of
		// tenants is read again.
		if _, err := w.env.DB.SetTenantSuspended(ctx, "test", "gamma", false); err != nil {
			t.Fatal(err)
		}
		w.env.Now.Advance(time.Minute)
		if n, err := wk.DeliverDue(ctx); n != 1 || err != nil {
			t.Fatalf("after resume: %d, %v; want gamma's one message", n, err)
		}
		if got := s.sent[len(s.sent)-1]; got != "gamma:g0" {
			t.Errorf("last send %q, want gamma:g0", got)
		}

		// A bulk message carries an unsubscribe link under its tenant's
		// address. Both have the same key: the Message-IDs (and the
		// sink's file names) still differ.
		for _, id := range []reportline.TenantID{reportline.ImplicitTenant, w.beta} {
			enqueueIn(t, w, id, reportline.OutboxMessage{Key: "bulk", Type: reportline.NotifyWeeklyDigest, Recipient: w.emp[id],
				To: "emp@example.com", Subject: "S", Text: "T"})
		}
		if n, err := wk.DeliverDue(ctx); n != 2 || err != nil {
			t.Fatalf("bulk: %d, %v", n, err)
		}
		files, _ = filepath.Glob(filepath.Join(dir, "*.eml"))
		var unsub []string
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "List-Unsubscribe:") {
				unsub = append(unsub, string(b))
			}
		}
		if len(unsub) != 2 || !containsOne(unsub, "<"+w.publicA+"/unsubscribe?t=") || !containsOne(unsub, "<"+w.publicB+"/unsubscribe?t=") {
			t.Errorf("%d messages with List-Unsubscribe, want 2, one under each tenant's address:\n%s", len(unsub), strings.Join(unsub, "\n----\n"))
		}
	})
}

// containsOne reports whether exactly one of lines contains s.
func containsOne(lines []string, s string) bool {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n == 1
}

// The weekly digest runs once per tenant at 14:00 in the tenant's time
// zone (the implicit tenant in Paris, beta in New York), whichever of two
// replicas ticks; the suspended tenant gets none; each tenant's digest
// links to its own address.
func TestDigestRunsPerTenantInItsZone(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		replicas := []*app.Scheduler{w.app.NewScheduler(app.SchedulerConfig{Owner: "one"}),
			app.New(app.Adapt(w.env.DB.Read, w.env.DB.Write, w.env.DB.Ping), app.Config{Now: w.env.Now.Now,
				Logger: slog.New(slog.DiscardHandler), PublicURL: w.publicA, Tenants: w.env.DB.Tenants}).NewScheduler(app.SchedulerConfig{Owner: "two"})}
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		type tick struct {
			at   time.Time
			want []string // the tenants whose digest run this tick (both replicas) starts
		}
		for _, tk := range []tick{
			{paris(t, 2026, 11, 23, 13, 59), nil},
			{paris(t, 2026, 11, 23, 14, 0), []string{"2026-W48"}},
			{paris(t, 2026, 11, 23, 14, 20), nil},
			{time.Date(2026, 11, 23, 13, 59, 0, 0, ny), nil},
			{time.Date(2026, 11, 23, 14, 0, 0, 0, ny), []string{"2026-W48"}},
			{time.Date(2026, 11, 23, 14, 25, 0, 0, ny), nil},
			{time.Date(2026, 11, 23, 23, 0, 0, 0, ny), nil},
		} {
			w.env.Now.Set(tk.at)
			// Days go by between the scenario's ticks: the list of tenants
			// is read again.
			var got []string
			for _, s := range replicas {
				reps, err := s.Tick(context.Background())
				if err != nil {
					t.Fatalf("tick at %s: %v", tk.at, err)
				}
				for _, r := range reps {
					if r.Kind == reportline.NotifyWeeklyDigest {
						got = append(got, r.Period)
					}
				}
			}
			if strings.Join(got, " ") != strings.Join(tk.want, " ") {
				t.Errorf("at %s: digest runs %v, want %v", tk.at.UTC(), got, tk.want)
			}
		}
		for _, c := range []struct {
			id     reportline.TenantID
			public string
			want   int
		}{{reportline.ImplicitTenant, w.publicA, 1}, {w.beta, w.publicB, 1}, {w.gamma, "", 0}} {
			ms := queuedIn(t, w.env.DB, c.id, reportline.NotifyWeeklyDigest)
			if len(ms) != c.want {
				t.Fatalf("tenant %d: %d digests, want %d", c.id, len(ms), c.want)
			}
			for _, m := range ms {
				if m.To != "boss@example.com" || !strings.Contains(m.Text+m.HTML, c.public+"/") {
					t.Errorf("tenant %d: digest to %s without a link under %s:\n%s", c.id, m.To, c.public, m.Text)
				}
				other := map[string]string{w.publicA: w.publicB, w.publicB: w.publicA}[c.public]
				if strings.Contains(m.Text+m.HTML, other) {
					t.Errorf("tenant %d: digest links to another tenant's address %s", c.id, other)
				}
			}
		}
	})
}

// The timed effects of links run in every active tenant: a temporary link
// that starts is announced in its own tenant, with links to its address,
// and not in a suspended tenant.
func TestTimedEffectsRunPerTenant(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		s := w.app.NewScheduler(app.SchedulerConfig{})
		tick := func() {
			t.Helper()
			if _, err := s.Tick(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		tick() // the first run marks where each tenant's effects start
		now := w.env.Now.Now()
		for _, tctx := range []context.Context{w.implicitCtx, w.betaCtx, w.gammaCtx} {
			id, _ := reportline.TenantOf(tctx)
			tmp, err := w.app.CreateUser(tctx, sys, app.UserInput{Email: "tmp@example.com", FirstName: "Tmp"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.app.AddLinks(tctx, sys, app.LinkRequest{User: w.emp[id], Direction: reportline.Managers, Kind: reportline.Functional,
				IDs: []reportline.UserID{tmp.ID}, ValidFrom: now.Add(time.Hour), ValidUntil: now.Add(25 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		w.env.Now.Advance(2 * time.Hour)
		tick()
		tick() // once, however often it ticks
		for _, c := range []struct {
			id     reportline.TenantID
			public string
			want   int
		}{{reportline.ImplicitTenant, w.publicA, 3}, {w.beta, w.publicB, 3}, {w.gamma, "", 0}} {
			ms := queuedIn(t, w.env.DB, c.id, reportline.NotifyTemporaryLinkStart)
			if len(ms) != c.want {
				t.Errorf("tenant %d: %d start notices, want %d", c.id, len(ms), c.want)
			}
			for _, m := range ms {
				if !strings.Contains(m.Text, c.public+"/team") {
					t.Errorf("tenant %d: notice to %s without its link %s/team:\n%s", c.id, m.To, c.public, m.Text)
				}
			}
		}
	})
}

// An unsubscribe link is its tenant's: signed in one tenant for a person
// id that another tenant also has (ids are unique across tenants today,
// but an export moved between installations or a distributed database need
// not keep them so; the link names beta's emp here to stand for it), it
// turns nothing off on the other tenant's host, whether the tenants sign
// with their own stored keys or share the configured one; in its own
// tenant it works.
func TestUnsubscribeLinkStaysInItsTenant(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		shared := app.New(app.Adapt(w.env.DB.Read, w.env.DB.Write, w.env.DB.Ping), app.Config{Now: w.env.Now.Now,
			Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords, UnsubscribeKey: []byte("one key for the installation"),
			Tenants: w.env.DB.Tenants})
		for name, a := range map[string]*app.App{"stored keys": w.app, "configured key": shared} {
			until := w.env.Now.Now().Add(time.Hour)
			elsewhere, err := a.UnsubscribeToken(w.implicitCtx, w.emp[w.beta], reportline.NotifyBirthday, until)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Unsubscribe(w.betaCtx, elsewhere); !reportline.IsCode(err, reportline.Invalid) {
				t.Errorf("%s: a link signed in the implicit tenant, on beta: %v, want invalid", name, err)
			}
			own, err := a.UnsubscribeToken(w.betaCtx, w.emp[w.beta], reportline.NotifyBirthday, until)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Unsubscribe(w.betaCtx, own); err != nil {
				t.Errorf("%s: beta's link on beta: %v", name, err)
			}
		}
	})
}
