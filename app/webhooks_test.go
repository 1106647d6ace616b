package app_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/webhook"
)

// receiver is a real HTTPS endpoint that checks every delivery's signature
// as docs/webhooks.md tells a subscriber to, and can be down.
type receiver struct {
	srv    *httptest.Server
	secret string
	now    func() time.Time

	mu     sync.Mutex
	down   bool
	got    []webhook.CloudEvent // in arrival order, repeats included
	ids    map[string]int       // deliveries per Webhook-Id
	forged int                  // requests whose signature did not verify
}

func newReceiver(t *testing.T, now func() time.Time) *receiver {
	r := &receiver{ids: map[string]int{}, now: now}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.down {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		if err := webhook.Verify(r.secret, req.Header.Get(webhook.HeaderTimestamp), req.Header.Get(webhook.HeaderSignature),
			body, r.now(), 5*time.Minute); err != nil {
			r.forged++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var ev webhook.CloudEvent
		if err := json.Unmarshal(body, &ev); err != nil || req.Header.Get(webhook.HeaderID) != ev.ID {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		r.got = append(r.got, ev)
		r.ids[ev.ID]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setDown(d bool) { r.mu.Lock(); r.down = d; r.mu.Unlock() }

// bySubject returns the event types each subject received, in order.
func (r *receiver) bySubject() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]string{}
	for _, e := range r.got {
		out[e.Subject] = append(out[e.Subject], strings.TrimPrefix(e.Type, "com.reportline."))
	}
	return out
}

func TestWebhooksDeliverSignedInOrderOnceBack(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a, clock := o.env.App, o.env.Now
		pa := testapp.Actor(o.pa)
		rcv := newReceiver(t, clock.Now)

		// Hostile first: a private address is refused unless the operator
		// allows it, and only platform admins manage subscribers.
		if _, _, err := a.CreateWebhook(ctx, pa, app.NewWebhook{URL: rcv.srv.URL}); err == nil {
			t.Fatalf("a webhook to %s (loopback) was accepted without REPORTLINE_WEBHOOK_ALLOW_PRIVATE", rcv.srv.URL)
		}
		for _, u := range []string{"https://169.254.169.254/latest", "https://10.1.2.3/", "http://example.com/", "https://[::1]/x", "https://localhost/"} {
			if _, _, err := a.CreateWebhook(ctx, pa, app.NewWebhook{URL: u}); err == nil {
				t.Errorf("webhook URL %s accepted", u)
			}
		}
		if _, _, err := a.CreateWebhook(ctx, testapp.Actor(o.ga), app.NewWebhook{URL: rcv.srv.URL, AllowPrivate: true}); !isCode(err, reportline.Forbidden) {
			t.Fatalf("a group admin creating a webhook: %v, want forbidden", err)
		}
		sub, secret, err := a.CreateWebhook(ctx, pa, app.NewWebhook{URL: rcv.srv.URL, AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		rcv.secret = secret
		if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
			t.Fatalf("secret %q is too weak", secret)
		}
		changes, err := a.Changes(ctx, pa, reportline.ChangeFilter{Action: "webhooks.manage"})
		if err != nil || len(changes) != 1 || strings.Contains(string(changes[0].After), secret) {
			t.Fatalf("audit of the subscriber = %+v, %v; want one entry without the secret", changes, err)
		}
		if _, err := a.RunWebhookEffects(ctx); err != nil { // the dated job starts now
			t.Fatal(err)
		}

		// The receiver is down while changes happen.
		rcv.setDown(true)
		o.link(t, o.mgr, o.y, reportline.Line)
		inactive := reportline.StatusInactive
		if _, err := a.UpdateUser(ctx, sys, o.y.ID, app.UserPatch{Status: &inactive}); err != nil {
			t.Fatal(err)
		}
		if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: o.mgr.ID, ManageeID: o.x.ID}); err != nil {
			t.Fatal(err)
		}
		// A temporary link that starts in an hour is an event then, not now.
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: o.z.ID, Direction: reportline.Managers, IDs: []reportline.UserID{o.mgr.ID},
			ValidFrom: clock.Now().Add(time.Hour), ValidUntil: clock.Now().Add(3 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		client := webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, RootCAs: poolOf(rcv.srv)})
		w := a.NewWebhookWorker(client, webhook.Options{Backoff: time.Second, Jitter: func() float64 { return 0 }})
		for range 3 {
			if _, err := w.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
		}
		if got := rcv.bySubject(); len(got) != 0 {
			t.Fatalf("a down receiver got %v", got)
		}
		log, err := a.WebhookDeliveries(ctx, pa, sub.ID, 0)
		if err != nil || len(log) != 3 || log[0].Attempts < 2 || !strings.Contains(log[0].LastError, "503") {
			t.Fatalf("delivery log while down = %+v, %v; want 3 retried deliveries with the receiver's answer", log, err)
		}

		// Back up, and the temporary link's dates come.
		rcv.setDown(false)
		clock.Advance(2 * time.Hour)
		if n, err := a.RunWebhookEffects(ctx); err != nil || n != 1 {
			t.Fatalf("effects after the start date = %d, %v; want the start", n, err)
		}
		clock.Advance(2 * time.Hour)
		if n, err := a.RunWebhookEffects(ctx); err != nil || n != 1 {
			t.Fatalf("effects after the end date = %d, %v; want the end", n, err)
		}
		if n, err := a.RunWebhookEffects(ctx); err != nil || n != 0 {
			t.Fatalf("a second run of the same stretch = %d, %v; want nothing", n, err)
		}
		for range 10 {
			if _, err := w.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
		}
		id := func(u reportline.User) string { return "users/" + itoa(int64(u.ID)) }
		want := map[string][]string{
			id(o.y): {"link.created", "user.deactivated"},
			id(o.x): {"link.ended"},
			id(o.z): {"link.created", "link.ended"},
		}
		got := rcv.bySubject()
		for k, v := range want {
			if !slices.Equal(got[k], v) {
				t.Errorf("events about %s = %v, want %v in this order", k, got[k], v)
			}
		}
		if len(got) != len(want) {
			t.Errorf("events = %v, want %v", got, want)
		}
		rcv.mu.Lock()
		for k, n := range rcv.ids {
			if n != 1 {
				t.Errorf("event %s delivered %d times", k, n)
			}
		}
		if rcv.forged != 0 {
			t.Errorf("%d deliveries did not verify", rcv.forged)
		}
		rcv.mu.Unlock()
	})
}

// A subscriber whose URL passed (the operator allowed private addresses
// then) is still refused at connect time when they are not allowed: the
// dialer checks the address the connection goes to.
func TestWebhookDialerRefusesPrivateAddresses(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		rcv := newReceiver(t, o.env.Now.Now)
		// A name, not an address: only the resolved IP tells it is loopback.
		url := strings.Replace(rcv.srv.URL, "127.0.0.1", "localhost", 1)
		sub, secret, err := a.CreateWebhook(ctx, testapp.Actor(o.pa), app.NewWebhook{URL: url, AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		rcv.secret = secret
		o.link(t, o.mgr, o.y, reportline.Line)
		w := a.NewWebhookWorker(webhook.NewClient(webhook.ClientOptions{RootCAs: poolOf(rcv.srv)}), webhook.Options{MaxAttempts: 1})
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		log, err := a.WebhookDeliveries(ctx, testapp.Actor(o.pa), 0, 0)
		if err != nil || len(log) != 1 || !strings.Contains(log[0].LastError, "address refused") {
			t.Fatalf("delivery to a loopback name = %+v, %v; want refused by the dialer", log, err)
		}
		if len(rcv.bySubject()) != 0 {
			t.Fatal("the loopback receiver was reached")
		}

		// Failed for good after one attempt; an admin replays it once the
		// operator allowed private addresses.
		if log[0].Status != reportline.DeliveryFailed {
			t.Fatalf("status after the only attempt = %s, want failed", log[0].Status)
		}
		if err := a.ReplayWebhookDelivery(ctx, testapp.Actor(o.ga), sub.ID, log[0].ID); !isCode(err, reportline.Forbidden) {
			t.Fatalf("a group admin replaying: %v, want forbidden", err)
		}
		if err := a.ReplayWebhookDelivery(ctx, testapp.Actor(o.pa), sub.ID, log[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := a.ReplayWebhookDelivery(ctx, testapp.Actor(o.pa), sub.ID, log[0].ID); !isCode(err, reportline.NotFound) {
			t.Fatalf("replaying a delivery that is not failed: %v, want not found", err)
		}
		client := webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, RootCAs: poolOf(rcv.srv)})
		client.Transport.(*http.Transport).TLSClientConfig.ServerName = "example.com" // the test certificate's name
		open := a.NewWebhookWorker(client, webhook.Options{})
		if _, err := open.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := rcv.bySubject()["users/"+itoa(int64(o.y.ID))]; !slices.Equal(got, []string{"link.created"}) {
			t.Fatalf("after the replay the receiver got %v", got)
		}
	})
}

func isCode(err error, c reportline.Code) bool {
	var e *reportline.Error
	return errors.As(err, &e) && e.Code == c
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// poolOf trusts the test server's certificate, as an operator trusts a test CA.
func poolOf(s *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

// Two workers (two replicas) deliver one person's many events together:
// each arrives once and in the order it took effect.
func TestWebhooksTwoWorkersKeepOrderPerPerson(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		rcv := newReceiver(t, o.env.Now.Now)
		_, secret, err := a.CreateWebhook(ctx, testapp.Actor(o.pa), app.NewWebhook{URL: rcv.srv.URL, AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		rcv.secret = secret
		const rounds = 6
		var want []string
		for range rounds {
			for _, u := range []reportline.User{o.y, o.w} {
				o.link(t, o.mgr, u, reportline.Line)
				if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: o.mgr.ID, ManageeID: u.ID}); err != nil {
					t.Fatal(err)
				}
			}
			want = append(want, "link.created", "link.ended")
		}
		client := webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, RootCAs: poolOf(rcv.srv)})
		var wg sync.WaitGroup
		for i := range 2 {
			w := a.NewWebhookWorker(client, webhook.Options{Owner: "replica-" + itoa(int64(i)), Batch: 3})
			wg.Go(func() {
				for range 4 * rounds {
					if _, err := w.DeliverDue(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		got := rcv.bySubject()
		for _, u := range []reportline.User{o.y, o.w} {
			if k := "users/" + itoa(int64(u.ID)); !slices.Equal(got[k], want) {
				t.Errorf("events about %s = %v, want %v", k, got[k], want)
			}
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		for id, n := range rcv.ids {
			if n != 1 {
				t.Errorf("event %s delivered %d times", id, n)
			}
		}
	})
}

// A CSV import writes links in bulk: its changes are events too, and its
// dry run is none.
func TestWebhooksOfACSVImport(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.mgr, o.y, reportline.Line)
		rcv := newReceiver(t, o.env.Now.Now)
		_, secret, err := a.CreateWebhook(ctx, testapp.Actor(o.pa), app.NewWebhook{URL: rcv.srv.URL, AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		rcv.secret = secret
		w := a.NewWebhookWorker(webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, RootCAs: poolOf(rcv.srv)}), webhook.Options{})
		csv := "email of manager,email of managee\nga@example.com,w@example.com\n,y@example.com\n"
		importCSV(t, o, testapp.Actor(o.pa), csv, true)
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := rcv.bySubject(); len(got) != 0 {
			t.Fatalf("a dry run sent %v", got)
		}
		importCSV(t, o, testapp.Actor(o.pa), csv, false)
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		got := rcv.bySubject()
		want := map[string][]string{"users/" + itoa(int64(o.w.ID)): {"link.created"}, "users/" + itoa(int64(o.y.ID)): {"link.ended"}}
		if len(got) != len(want) {
			t.Fatalf("events of the import = %v, want %v", got, want)
		}
		for k, v := range want {
			if !slices.Equal(got[k], v) {
				t.Errorf("events about %s = %v, want %v", k, got[k], v)
			}
		}
	})
}

// BenchmarkWebhookDelivery measures delivering change events to a local
// HTTPS receiver: one link added and removed per iteration (two events),
// then every due delivery sent by one worker. All the events are about one
// person, so they go one at a time (claim, POST, record): the rate of one
// person's ordered stream, the slowest case.
//
//	go test -run '^$' -bench WebhookDelivery -benchtime 200x ./app/
func BenchmarkWebhookDelivery(b *testing.B) {
	for _, engine := range testapp.Engines {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			env := testapp.New(b, engine)
			a := env.App
			pa, err := a.CreatePlatformAdmin(ctx, "pa@example.com", "correct horse battery")
			if err != nil {
				b.Fatal(err)
			}
			var users []reportline.User
			for _, n := range []string{"m", "e"} {
				u, err := a.CreateUser(ctx, sys, app.UserInput{Email: n + "@example.com", FirstName: n})
				if err != nil {
					b.Fatal(err)
				}
				users = append(users, u)
			}
			var got atomic.Int64
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				got.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			if _, _, err := a.CreateWebhook(ctx, testapp.Actor(pa), app.NewWebhook{URL: srv.URL, AllowPrivate: true}); err != nil {
				b.Fatal(err)
			}
			for range b.N {
				if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: users[1].ID, Direction: reportline.Managers, IDs: []reportline.UserID{users[0].ID}}); err != nil {
					b.Fatal(err)
				}
				if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: users[0].ID, ManageeID: users[1].ID}); err != nil {
					b.Fatal(err)
				}
			}
			w := a.NewWebhookWorker(webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, RootCAs: poolOf(srv)}), webhook.Options{})
			b.ResetTimer()
			for got.Load() < int64(2*b.N) {
				if _, err := w.DeliverDue(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// A directory sync writes users and links in batches: a person it links
// and then deactivates is two events, in that order.
func TestWebhooksOfADirectorySync(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		rcv := newReceiver(t, o.env.Now.Now)
		_, secret, err := a.CreateWebhook(ctx, testapp.Actor(o.pa), app.NewWebhook{URL: rcv.srv.URL, AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		rcv.secret = secret
		boss, ann := dirUser("boss", ""), dirUser("ann", "boss")
		syncBatch(t, a, full(boss, ann), false)
		ann.Active = false
		syncBatch(t, a, full(boss, ann), false)
		w := a.NewWebhookWorker(webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, RootCAs: poolOf(rcv.srv)}), webhook.Options{})
		for range 3 {
			if _, err := w.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		annID := userByEmail(t, o, "ann@corp.example").ID
		got := rcv.bySubject()["users/"+itoa(int64(annID))]
		if len(got) < 2 || got[0] != "link.created" || !slices.Contains(got[1:], "user.deactivated") {
			t.Fatalf("events about ann = %v, want link.created then user.deactivated", got)
		}
	})
}
