package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/server"
	"reportline/store"
)

// gate is a set of routes for admission tests: /hold keeps its slot until
// the test ends, /invalid refuses every request as invalid (422), /login
// stands for the sign-in form; each counts the requests it ran.
type gate struct {
	release chan struct{}
	ran     atomic.Int64
}

func newGate(t *testing.T) *gate {
	return &gate{release: make(chan struct{})}
}

func (g *gate) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /hold", func(w http.ResponseWriter, r *http.Request) {
		g.ran.Add(1)
		io.Copy(io.Discard, r.Body)
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /invalid", func(w http.ResponseWriter, r *http.Request) {
		g.ran.Add(1)
		io.Copy(io.Discard, r.Body)
		http.Error(w, "invalid", http.StatusUnprocessableEntity)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		g.ran.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("signed in\n"))
	})
	mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {
		g.ran.Add(1)
		w.Write([]byte("read\n"))
	})
}

// admissionServer serves the gate and echo routes behind a trusted proxy
// on loopback, so each test client chooses its address with
// X-Forwarded-For, and returns the base URL and a signed-in caller's token.
func admissionServer(t *testing.T, g *gate, adm server.Admission, limits server.Limits) (string, string) {
	t.Helper()
	env := testapp.New(t, store.SQLite)
	ctx := context.Background()
	if _, err := env.App.CreatePlatformAdmin(ctx, "pa@example.com", "a long password"); err != nil {
		t.Fatal(err)
	}
	token, err := env.App.CreateToken(ctx, app.SystemActor(reportline.SourceCLI), "pa@example.com", "test")
	if err != nil {
		t.Fatal(err)
	}
	if adm.RefusalDelay == 0 {
		adm.RefusalDelay = 10 * time.Millisecond
	}
	base := env.ServeConfig(t, server.Config{Routes: []server.Routes{g, echo{}}, Admission: adm, Limits: limits,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	// Registered after the server, so it runs before the server's Close,
	// which waits for the held requests.
	t.Cleanup(func() { close(g.release) })
	return base, token
}

// call sends one request as the client at addr (anonymous when token is
// empty) and returns the answer, its body read.
func call(t *testing.T, base, method, path, addr, token, contentType, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", addr)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// hold starts n requests to /hold from addr that keep their slots, and
// returns once the server ran want of them (the rest are refused or
// waiting). It returns the statuses of those that were answered, by the
// time the test reads them.
func hold(t *testing.T, g *gate, base, addr, token string, n int, want int64) *statuses {
	t.Helper()
	s := &statuses{m: map[int]int{}}
	before := g.ran.Load()
	for range n {
		go func() {
			req, _ := http.NewRequest("POST", base+"/hold", strings.NewReader(`{}`))
			req.Header.Set("X-Forwarded-For", addr)
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return // cut when the test ends
			}
			resp.Body.Close()
			s.add(resp)
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for g.ran.Load()-before < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests from %s ran, want %d", g.ran.Load()-before, n, addr, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s
}

type statuses struct {
	mu         sync.Mutex
	m          map[int]int
	retryAfter []string
}

func (s *statuses) add(resp *http.Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[resp.StatusCode]++
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		s.retryAfter = append(s.retryAfter, resp.Header.Get("Retry-After"))
	}
}

// waitFor waits until the statuses hold n answers.
func (s *statuses) waitFor(t *testing.T, n int) map[int]int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		total := 0
		for _, c := range s.m {
			total += c
		}
		if total >= n {
			defer s.mu.Unlock()
			return s.m
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("%d answers, want %d", total, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wantRetryAfter checks that a refusal says when to come back.
func wantRetryAfter(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	v := resp.Header.Get("Retry-After")
	if n, err := strconv.Atoi(v); err != nil || n < 1 {
		t.Errorf("%s: %d with Retry-After %q, want a number of seconds", what, resp.StatusCode, v)
	}
}

// TestFloodFromOneClientDoesNotRefuseAnother: one client holding its share
// of a class and flooding more is refused (429, Retry-After) while another
// client's request of the same class runs.
func TestFloodFromOneClientDoesNotRefuseAnother(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	adm := server.Admission{Write: server.ClassLimits{Slots: 4, PerCaller: 2, Anonymous: 4, Queue: 4}, MaxWait: 200 * time.Millisecond}
	base, _ := admissionServer(t, g, adm, server.Limits{})
	flood := hold(t, g, base, "203.0.113.1", "", 30, 2)
	// The flooder runs 2, may queue 2 more, and is refused the rest.
	got := flood.waitFor(t, 26)
	if got[http.StatusTooManyRequests] < 26 {
		t.Errorf("the flooding client's extra requests: %v, want 429 for 26 of them", got)
	}
	for _, v := range flood.retryAfter {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			t.Errorf("429 with Retry-After %q, want a number of seconds", v)
			break
		}
	}
	resp := call(t, base, "POST", "/echo", "198.51.100.7", "", "application/json", `{"ok": true}`)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("another client's request during the flood: %d, want 200", resp.StatusCode)
	}
	if resp := call(t, base, "POST", "/echo", "203.0.113.1", "", "application/json", `{}`); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the flooder's next request: %d, want 429", resp.StatusCode)
	} else {
		wantRetryAfter(t, "the flooder's next request", resp)
	}
	// Reads are a class of their own: the flood of writes takes none of
	// their slots, even from the flooder.
	if resp := call(t, base, "GET", "/read", "203.0.113.1", "", "", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("a read from the flooding client: %d, want 200", resp.StatusCode)
	}
	// Operators see the refusals.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `reportline_http_admission_refused_total{class="write",reason="caller-queue"}`; !strings.Contains(string(metrics), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// TestSignedInPassDuringAnonymousFlood: anonymous clients from many
// addresses take every slot anonymous callers may have and fill the queue;
// a signed-in caller's request still runs at once, and a new anonymous
// one is told 503 with Retry-After.
func TestSignedInPassDuringAnonymousFlood(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	adm := server.Admission{Write: server.ClassLimits{Slots: 4, PerCaller: 1, Anonymous: 2, Queue: 4}, MaxWait: 300 * time.Millisecond}
	base, token := admissionServer(t, g, adm, server.Limits{})
	var all []*statuses
	for i := range 12 {
		all = append(all, hold(t, g, base, fmt.Sprintf("203.0.113.%d", i+1), "", 1, 0))
	}
	deadline := time.Now().Add(10 * time.Second)
	for g.ran.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := g.ran.Load(); n != 2 {
		t.Fatalf("%d anonymous requests ran, want 2 (their share)", n)
	}
	resp := call(t, base, "POST", "/echo", "203.0.113.200", token, "application/json", `{"ok": true}`)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a signed-in request during an anonymous flood: %d, want 200", resp.StatusCode)
	}
	resp = call(t, base, "POST", "/echo", "198.51.100.9", "", "application/json", `{"ok": true}`)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a new anonymous request while anonymous slots are taken: %d, want 503", resp.StatusCode)
	} else {
		wantRetryAfter(t, "503", resp)
	}
	// The flood's refusals reach its clients in their own time (on a
	// loaded machine some have not sent yet): wait for the first.
	refused := 0
	for deadline := time.Now().Add(10 * time.Second); refused == 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, s := range all {
			s.mu.Lock()
			refused += s.m[http.StatusServiceUnavailable]
			s.mu.Unlock()
		}
	}
	if refused == 0 {
		t.Errorf("no anonymous flood request was refused within 10 s (12 clients, 2 slots, a queue of 4)")
	}
}

// TestTrickledBodyHoldsNoSlot: a client trickling a small body holds its
// connection, not a slot, and is cut by the body deadline; a client
// trickling an upload holds an upload slot only until it is cut, then the
// slot serves the next upload.
func TestTrickledBodyHoldsNoSlot(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	adm := server.Admission{Write: server.ClassLimits{Slots: 1, PerCaller: 1}, Upload: server.ClassLimits{Slots: 1, PerCaller: 1}, MaxWait: 200 * time.Millisecond}
	limits := server.Limits{BodyTimeout: 20 * time.Second, BodyGrace: 500 * time.Millisecond, MinBodyRate: 1 << 10}
	base, _ := admissionServer(t, g, adm, limits)
	stop := make(chan struct{})
	defer close(stop)
	slow := trickle(t, base, "/echo", 1000, "Content-Type: application/json\r\nX-Forwarded-For: 203.0.113.1\r\n", 100*time.Millisecond, stop)
	time.Sleep(100 * time.Millisecond)
	resp := call(t, base, "POST", "/echo", "198.51.100.7", "", "application/json", `{"ok": true}`)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a normal write while another client trickles its body (one write slot): %d, want 200", resp.StatusCode)
	}
	if !cutWithin(slow, 10*time.Second) {
		t.Errorf("the trickling client still holds its connection after 10 s (grace 0.5 s)")
	}

	upload := trickle(t, base, "/echo", 100_000, "Content-Type: text/csv\r\nX-Forwarded-For: 203.0.113.2\r\n", 100*time.Millisecond, stop)
	time.Sleep(100 * time.Millisecond)
	if !cutWithin(upload, 10*time.Second) {
		t.Errorf("the trickling upload still holds its connection after 10 s (grace 0.5 s)")
	}
	resp = call(t, base, "POST", "/echo", "198.51.100.7", "", "text/csv", "a,b\n")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("an upload after the trickling one was cut (one upload slot): %d, want 200", resp.StatusCode)
	}
}

// TestSignInAttemptsPerAddress: sign-in attempts beyond the address's
// budget are refused with 429 and Retry-After before the form is read;
// another address signs in.
func TestSignInAttemptsPerAddress(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	adm := server.Admission{SignInRate: 0.1, SignInBurst: 3, MaxWait: 50 * time.Millisecond}
	base, _ := admissionServer(t, g, adm, server.Limits{})
	form := "application/x-www-form-urlencoded"
	for i := range 3 {
		if resp := call(t, base, "POST", "/login", "203.0.113.1", "", form, "email=a&password=b"); resp.StatusCode != http.StatusOK {
			t.Fatalf("sign-in %d within the burst: %d, want 200", i+1, resp.StatusCode)
		}
	}
	resp := call(t, base, "POST", "/login", "203.0.113.1", "", form, "email=a&password=b")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("4th sign-in within a second (burst 3): %d, want 429", resp.StatusCode)
	} else {
		wantRetryAfter(t, "sign-in 429", resp)
	}
	if n := g.ran.Load(); n != 3 {
		t.Errorf("the sign-in form ran %d times, want 3 (the refused attempt never reaches it)", n)
	}
	if resp := call(t, base, "POST", "/login", "198.51.100.7", "", form, "email=a&password=b"); resp.StatusCode != http.StatusOK {
		t.Errorf("a sign-in from another address: %d, want 200", resp.StatusCode)
	}
}

// TestRefusedRequestsSpendABudget: a caller whose writes keep being refused
// as invalid is held back before its next write is read; its reads, and
// other callers, go on.
func TestRefusedRequestsSpendABudget(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	adm := server.Admission{FailureRate: 0.1, FailureBurst: 3, MaxWait: 50 * time.Millisecond}
	base, token := admissionServer(t, g, adm, server.Limits{})
	for i := range 3 {
		if resp := call(t, base, "POST", "/invalid", "203.0.113.1", token, "application/json", `{}`); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid request %d: %d, want 422", i+1, resp.StatusCode)
		}
	}
	resp := call(t, base, "POST", "/invalid", "203.0.113.1", token, "application/json", `{}`)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a 4th write after 3 refused in a row (budget 3): %d, want 429", resp.StatusCode)
	} else {
		wantRetryAfter(t, "failure budget 429", resp)
	}
	if n := g.ran.Load(); n != 3 {
		t.Errorf("the handler ran %d times, want 3", n)
	}
	if resp := call(t, base, "GET", "/read", "203.0.113.1", token, "", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("a read by the same caller: %d, want 200", resp.StatusCode)
	}
	if resp := call(t, base, "POST", "/echo", "203.0.113.1", "", "application/json", `{}`); resp.StatusCode != http.StatusOK {
		t.Errorf("an anonymous write from the same address (another caller): %d, want 200", resp.StatusCode)
	}
}

func TestDefaultAdmission(t *testing.T) {
	t.Parallel()
	a := server.DefaultAdmission()
	if a.Read.Slots != 64 || a.Write.Slots != 32 || a.Upload.Slots != 4 || a.SignIn.Slots != 16 || a.MaxWait != 2*time.Second ||
		a.SmallBody != 64<<10 || a.SignInRate != 2 || a.SignInBurst != 20 || a.FailureRate != 10 || a.FailureBurst != 100 {
		t.Errorf("admission defaults %+v differ from docs/security.md", a)
	}
}
