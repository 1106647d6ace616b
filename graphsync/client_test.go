package graphsync_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"reportline/graphsync"
	"reportline/internal/graphtest"
)

// harness is a fake tenant and a client of it whose waits are recorded
// instead of slept, and whose log is kept.
type harness struct {
	srv    *graphtest.Server
	client *graphsync.Client
	logs   *bytes.Buffer

	mu     sync.Mutex
	sleeps []time.Duration
}

func newHarness(t *testing.T, tweak ...func(*graphsync.Config)) *harness {
	t.Helper()
	h := &harness{srv: graphtest.New(t), logs: &bytes.Buffer{}}
	cfg := graphsync.Config{
		Tenant: h.srv.Tenant, ClientID: h.srv.ClientID, ClientSecret: h.srv.ClientSecret,
		AuthorityURL: h.srv.URL, APIURL: h.srv.URL,
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.sleeps = append(h.sleeps, d)
			return ctx.Err()
		},
	}
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := graphsync.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.client = c
	return h
}

// org puts a small organisation: 1 heads 2 and 3, 3 heads 4–7.
func (h *harness) org() {
	h.srv.Put(graphtest.User{ID: graphtest.ID(1), Mail: "ceo@contoso.com", UserPrincipalName: "ceo@contoso.com", GivenName: "Adele", Surname: "Vance", JobTitle: "CEO", Department: "Board", AccountEnabled: true})
	h.srv.Put(graphtest.User{ID: graphtest.ID(2), Mail: "cfo@contoso.com", UserPrincipalName: "cfo@contoso.com", GivenName: "Bianca", Surname: "Pisani", JobTitle: "CFO", AccountEnabled: true, ManagerID: graphtest.ID(1)})
	h.srv.Put(graphtest.User{ID: graphtest.ID(3), UserPrincipalName: "cto@contoso.com", GivenName: "Cameron", Surname: "White", JobTitle: "CTO", AccountEnabled: true, ManagerID: graphtest.ID(1)})
	for i := 4; i <= 7; i++ {
		h.srv.Put(graphtest.User{ID: graphtest.ID(i), Mail: "dev" + string(rune('0'+i)) + "@contoso.com", UserPrincipalName: "dev" + string(rune('0'+i)) + "@contoso.com",
			GivenName: "Dev", Surname: string(rune('A' + i)), JobTitle: "Engineer", Department: "R&D", AccountEnabled: i != 7, ManagerID: graphtest.ID(3)})
	}
}

func byID(users []graphsync.User) map[string]graphsync.User {
	m := map[string]graphsync.User{}
	for _, u := range users {
		m[u.ID] = u
	}
	return m
}

func TestFetchReadsEveryPageOfTheFirstRound(t *testing.T) {
	t.Parallel()
	for _, split := range []bool{false, true} {
		t.Run(map[bool]string{false: "manager with the user", true: "manager in a later entry"}[split], func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.org()
			h.srv.SplitManagers(split)
			r, err := h.client.Fetch(t.Context(), "")
			if err != nil {
				t.Fatal(err)
			}
			if !r.Full || r.Reset != "" || r.DeltaLink == "" || len(r.Removed) != 0 {
				t.Errorf("round: full %v, reset %q, delta link %q, removed %v; want a full round with a delta link", r.Full, r.Reset, r.DeltaLink, r.Removed)
			}
			if want := map[bool]int{false: 4, true: 7}[split]; r.Pages != want {
				t.Errorf("pages = %d, want %d (2 entries a page, managers apart when split)", r.Pages, want)
			}
			if r.Hydrated != 0 {
				t.Errorf("hydrated %d users; a first round has them all", r.Hydrated)
			}
			got := byID(r.Users)
			if len(got) != 7 || len(r.Users) != 7 {
				t.Fatalf("got %d users (%d distinct), want 7", len(r.Users), len(got))
			}
			want := graphsync.User{ID: graphtest.ID(3), UserPrincipalName: "cto@contoso.com", GivenName: "Cameron", Surname: "White", JobTitle: "CTO", AccountEnabled: true, ManagerID: graphtest.ID(1)}
			if got[want.ID] != want {
				t.Errorf("user 3 = %+v, want %+v", got[want.ID], want)
			}
			if u := got[graphtest.ID(7)]; u.AccountEnabled || u.ManagerID != graphtest.ID(3) || u.Department != "R&D" {
				t.Errorf("user 7 = %+v, want disabled, in R&D, managed by 3", u)
			}
			if u := got[graphtest.ID(1)]; u.ManagerID != "" {
				t.Errorf("the CEO has manager %q, want none", u.ManagerID)
			}
		})
	}
}

func TestRequestsHaveTheDocumentedShape(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	if _, err := h.client.Fetch(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	reqs := h.srv.Requests()
	tok := reqs[0]
	if tok.Method != "POST" || tok.Path != "/"+h.srv.Tenant+"/oauth2/v2.0/token" {
		t.Fatalf("first request %s %s, want the token request", tok.Method, tok.Path)
	}
	wantForm := map[string]string{"grant_type": "client_credentials", "client_id": h.srv.ClientID, "client_secret": h.srv.ClientSecret, "scope": h.srv.URL + "/.default"}
	for k, v := range wantForm {
		if got := tok.Form.Get(k); got != v {
			t.Errorf("token form %s = %q, want %q", k, got, v)
		}
	}
	if tok.Auth != "" {
		t.Errorf("token request sent Authorization %q; the secret goes in the form", tok.Auth)
	}
	if n := h.srv.Count(tok.Path); n != 1 {
		t.Errorf("%d token requests for one round, want 1 (the token is reused)", n)
	}
	first := reqs[1]
	if first.Path != "/v1.0/users/delta" {
		t.Fatalf("second request %s, want /v1.0/users/delta", first.Path)
	}
	sel := strings.Split(first.Query.Get("$select"), ",")
	for _, p := range []string{"id", "mail", "userPrincipalName", "givenName", "surname", "jobTitle", "department", "accountEnabled", "manager"} {
		if !slices.Contains(sel, p) {
			t.Errorf("$select %v lacks %s", sel, p)
		}
	}
	for _, r := range reqs[1:] {
		if !strings.HasPrefix(r.Auth, "Bearer eyJ") {
			t.Errorf("%s sent Authorization %q, want the bearer token", r.Path, r.Auth)
		}
		if r.Query.Has("$skiptoken") && r.Query.Has("$select") {
			t.Errorf("a nextLink request repeated $select; the state token carries it")
		}
	}
}

func TestFetchDeltaRoundAppliesOnlyChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	first, err := h.client.Fetch(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	// Changes of every kind Graph reports.
	h.srv.Put(graphtest.User{ID: graphtest.ID(8), Mail: "new@contoso.com", UserPrincipalName: "new@contoso.com", GivenName: "Nina", Surname: "New", AccountEnabled: true, ManagerID: graphtest.ID(2)})
	h.srv.Put(graphtest.User{ID: graphtest.ID(4), Mail: "dev4@contoso.com", UserPrincipalName: "dev4@contoso.com", GivenName: "Dev", Surname: "E", JobTitle: "Lead engineer", Department: "R&D", AccountEnabled: true, ManagerID: graphtest.ID(3)})
	h.srv.SetManager(graphtest.ID(5), graphtest.ID(2)) // manager change only
	h.srv.SetManager(graphtest.ID(2), "")              // manager removed
	h.srv.Delete(graphtest.ID(6), false)               // soft-deleted: reason "changed"
	h.srv.Delete(graphtest.ID(7), true)                // permanently: reason "deleted"

	r, err := h.client.Fetch(t.Context(), first.DeltaLink)
	if err != nil {
		t.Fatal(err)
	}
	if r.Full || r.Reset != "" || r.DeltaLink == "" || r.DeltaLink == first.DeltaLink {
		t.Errorf("round: full %v, reset %q, new delta link %v; want a delta round with a new link", r.Full, r.Reset, r.DeltaLink != first.DeltaLink)
	}
	got := byID(r.Users)
	want := map[string]graphsync.User{
		graphtest.ID(8): {ID: graphtest.ID(8), Mail: "new@contoso.com", UserPrincipalName: "new@contoso.com", GivenName: "Nina", Surname: "New", AccountEnabled: true, ManagerID: graphtest.ID(2)},
		graphtest.ID(4): {ID: graphtest.ID(4), Mail: "dev4@contoso.com", UserPrincipalName: "dev4@contoso.com", GivenName: "Dev", Surname: "E", JobTitle: "Lead engineer", Department: "R&D", AccountEnabled: true, ManagerID: graphtest.ID(3)},
		graphtest.ID(5): {ID: graphtest.ID(5), Mail: "dev5@contoso.com", UserPrincipalName: "dev5@contoso.com", GivenName: "Dev", Surname: "F", JobTitle: "Engineer", Department: "R&D", AccountEnabled: true, ManagerID: graphtest.ID(2)},
		graphtest.ID(2): {ID: graphtest.ID(2), Mail: "cfo@contoso.com", UserPrincipalName: "cfo@contoso.com", GivenName: "Bianca", Surname: "Pisani", JobTitle: "CFO", AccountEnabled: true},
	}
	if len(got) != len(want) {
		t.Errorf("changed users %v, want %d", r.Users, len(want))
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("user %s = %+v\n want %+v", id, got[id], w)
		}
	}
	slices.Sort(r.Removed)
	if !slices.Equal(r.Removed, []string{graphtest.ID(6), graphtest.ID(7)}) {
		t.Errorf("removed %v, want 6 and 7", r.Removed)
	}
	// 4 came without its (unchanged) manager, 5 and 2 with only their
	// manager: each is read whole; 8 came complete.
	if r.Hydrated != 3 || h.srv.Count("/v1.0/$batch") != 1 {
		t.Errorf("hydrated %d users in %d batches, want 3 in one", r.Hydrated, h.srv.Count("/v1.0/$batch"))
	}

	again, err := h.client.Fetch(t.Context(), r.DeltaLink)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Users) != 0 || len(again.Removed) != 0 || again.Pages != 1 {
		t.Errorf("a round with no changes: %d users, %d removed, %d pages; want nothing in one page", len(again.Users), len(again.Removed), again.Pages)
	}
}

func TestThrottlingHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	h.srv.Fail(
		graphtest.Fault{Status: 429, RetryAfter: "7"},
		graphtest.Fault{Status: 503, RetryAfter: "2"},
		graphtest.Fault{Status: 504},
		graphtest.Fault{Status: 500},
	)
	r, err := h.client.Fetch(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Users) != 7 {
		t.Errorf("got %d users after the retries, want 7", len(r.Users))
	}
	if len(h.sleeps) != 4 || h.sleeps[0] != 7*time.Second || h.sleeps[1] != 2*time.Second {
		t.Fatalf("waits %v, want 7s and 2s (Retry-After) then two backoffs", h.sleeps)
	}
	// Backoff without Retry-After: about 4s then 8s (±20%).
	for i, base := range map[int]time.Duration{2: 4 * time.Second, 3: 8 * time.Second} {
		if d := h.sleeps[i]; d < base*8/10 || d > base*12/10 {
			t.Errorf("wait %d = %v, want about %v", i, d, base)
		}
	}
	if !strings.Contains(h.logs.String(), "graph request will be retried") {
		t.Errorf("retries were not logged:\n%s", h.logs)
	}
}

func TestRetriesAreBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *graphsync.Config) { c.MaxRetries = 2 })
	h.org()
	h.srv.Fail(graphtest.Fault{Status: 503}, graphtest.Fault{Status: 503}, graphtest.Fault{Status: 503})
	_, err := h.client.Fetch(t.Context(), "")
	var ge *graphsync.Error
	if !errors.As(err, &ge) || ge.Status != 503 || ge.Path != "/v1.0/users/delta" {
		t.Fatalf("err = %v, want a 503 from /v1.0/users/delta", err)
	}
	if !strings.Contains(err.Error(), "GET /v1.0/users/delta: 503") {
		t.Errorf("error %q does not say what failed", err)
	}
	if len(h.sleeps) != 2 {
		t.Errorf("waited %d times, want 2 (MaxRetries)", len(h.sleeps))
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	h.srv.Fail(graphtest.Fault{Status: 403, Code: "Authorization_RequestDenied"})
	_, err := h.client.Fetch(t.Context(), "")
	if err == nil || !strings.Contains(err.Error(), "403 Authorization_RequestDenied") {
		t.Fatalf("err = %v, want the 403", err)
	}
	if len(h.sleeps) != 0 {
		t.Errorf("a 403 was retried %d times", len(h.sleeps))
	}
}

func TestExpiredAccessTokenIsRenewedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	if _, err := h.client.Fetch(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	h.srv.RevokeTokens()
	if _, err := h.client.Fetch(t.Context(), ""); err != nil {
		t.Fatalf("after revocation: %v; want a new token and success", err)
	}
	tokenPath := "/" + h.srv.Tenant + "/oauth2/v2.0/token"
	if n := h.srv.Count(tokenPath); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
	// A 401 that persists is reported after one renewal.
	h.srv.Fail(graphtest.Fault{Status: 401}, graphtest.Fault{Status: 401})
	_, err := h.client.Fetch(t.Context(), "")
	if err == nil || !strings.Contains(err.Error(), "401 InvalidAuthenticationToken") {
		t.Fatalf("err = %v, want the 401", err)
	}
	if n := h.srv.Count(tokenPath); n != 3 {
		t.Errorf("%d token requests, want 3 (one renewal only)", n)
	}
}

func TestExpiredDeltaLinkStartsAFullRound(t *testing.T) {
	t.Parallel()
	for _, status := range []int{410, 400} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.org()
			first, err := h.client.Fetch(t.Context(), "")
			if err != nil {
				t.Fatal(err)
			}
			h.srv.ExpireDeltaTokens(status)
			r, err := h.client.Fetch(t.Context(), first.DeltaLink)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Full || !strings.Contains(r.Reset, "syncStateNotFound") || len(r.Users) != 7 || r.DeltaLink == "" {
				t.Errorf("round: full %v, reset %q, %d users; want a full round of 7 saying why", r.Full, r.Reset, len(r.Users))
			}
		})
	}
}

func TestDeltaLinkOfAnotherHostIsNotFollowed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	r, err := h.client.Fetch(t.Context(), "https://graph.example.net/v1.0/users/delta?$deltatoken=abc")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Full || r.Reset == "" || len(r.Users) != 7 {
		t.Errorf("round: full %v, reset %q, %d users; want a full round from the configured host", r.Full, r.Reset, len(r.Users))
	}
}

func TestSecretsNeverAppearInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	h.srv.Fail(graphtest.Fault{Status: 429, RetryAfter: "1"}, graphtest.Fault{Status: 401})
	if _, err := h.client.Fetch(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, r := range h.srv.Requests() {
		if tok, ok := strings.CutPrefix(r.Auth, "Bearer "); ok {
			tokens = append(tokens, tok)
		}
	}
	if len(tokens) == 0 {
		t.Fatal("no bearer token seen")
	}

	bad := newHarness(t, func(c *graphsync.Config) { c.ClientSecret = "wrong-" + c.ClientSecret })
	_, err := bad.client.Fetch(t.Context(), "")
	if err == nil || !strings.Contains(err.Error(), "invalid_client") || !strings.Contains(err.Error(), "/oauth2/v2.0/token") {
		t.Fatalf("err = %v, want invalid_client from the token endpoint", err)
	}
	for _, text := range []string{err.Error(), h.logs.String(), bad.logs.String()} {
		for _, secret := range append(tokens, h.srv.ClientSecret, "wrong-"+bad.srv.ClientSecret) {
			if strings.Contains(text, secret) {
				t.Errorf("a secret or token leaked into %q", text)
			}
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "graph", graphsync.Config{ClientSecret: "s3cr3t-value", Tenant: "t"})
	if strings.Contains(buf.String(), "s3cr3t-value") {
		t.Errorf("a logged Config shows its secret: %s", &buf)
	}
}

func TestCancellationStopsAWait(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *graphsync.Config) { c.Sleep = nil }) // real waiting
	h.org()
	h.srv.Fail(graphtest.Fault{Status: 429, RetryAfter: "120"})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.client.Fetch(ctx, "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to notice the cancellation", d)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []graphsync.Config{
		{ClientID: "c", ClientSecret: "s"},
		{Tenant: "t", ClientSecret: "s"},
		{Tenant: "t", ClientID: "c"},
		{Tenant: "t", ClientID: "c", ClientSecret: "s", APIURL: "graph.microsoft.com"},
		{Tenant: "t/../x", ClientID: "c", ClientSecret: "s"},
	} {
		if _, err := graphsync.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted it", cfg.LogValue())
		} else if strings.Contains(err.Error(), "s\"") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}

func TestUserNotReadableYetFailsTheRound(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	first, err := h.client.Fetch(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	h.srv.SetManager(graphtest.ID(5), graphtest.ID(2)) // listed with manager@delta only: read whole

	// A replica that catches up after two tries: the round succeeds.
	h.srv.Hide(graphtest.ID(5), 2)
	r, err := h.client.Fetch(t.Context(), first.DeltaLink)
	if err != nil || len(r.Users) != 1 || r.Users[0].Mail != "dev5@contoso.com" || len(h.sleeps) != 2 {
		t.Fatalf("after two 404s: %v, users %+v, %d waits; want user 5 read on the third try", err, r.Users, len(h.sleeps))
	}

	// One that does not: the round fails, saying why, and the same delta
	// link gives the changes once the user can be read.
	h.srv.Hide(graphtest.ID(5), 100)
	_, err = h.client.Fetch(t.Context(), first.DeltaLink)
	if err == nil || !strings.Contains(err.Error(), "404 Request_ResourceNotFound") || !strings.Contains(err.Error(), "/v1.0/users/"+graphtest.ID(5)) {
		t.Fatalf("err = %v, want the 404 of user 5", err)
	}
	h.srv.Hide(graphtest.ID(5), 0)
	r, err = h.client.Fetch(t.Context(), first.DeltaLink)
	if err != nil || len(r.Users) != 1 || r.Users[0].ManagerID != graphtest.ID(2) || len(r.Removed) != 0 {
		t.Errorf("again: %v, users %+v, removed %v; want user 5 under manager 2", err, r.Users, r.Removed)
	}

	// Deleted meanwhile: the retry's round carries @removed, and no read.
	h.srv.Delete(graphtest.ID(5), false)
	r, err = h.client.Fetch(t.Context(), first.DeltaLink)
	if err != nil || len(r.Users) != 0 || !slices.Equal(r.Removed, []string{graphtest.ID(5)}) {
		t.Errorf("deleted: %v, users %+v, removed %v; want 5 removed", err, r.Users, r.Removed)
	}
}

func TestBatchRequestsThrottledAreSentAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	h.srv.PageSize = 10
	first, err := h.client.Fetch(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int{4, 5, 6} {
		h.srv.SetManager(graphtest.ID(id), graphtest.ID(2)) // manager only: read whole
	}
	ok := graphtest.Fault{}
	h.srv.Fail(ok, ok, // the delta page, the batch
		graphtest.Fault{Status: 429, RetryAfter: "3"}, ok, graphtest.Fault{Status: 503}, // its three requests (answered in any order)
	)
	r, err := h.client.Fetch(t.Context(), first.DeltaLink)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Users) != 3 || r.Hydrated != 3 {
		t.Fatalf("users %+v, hydrated %d; want 4, 5, 6", r.Users, r.Hydrated)
	}
	for _, u := range r.Users {
		if u.ManagerID != graphtest.ID(2) || u.Mail == "" {
			t.Errorf("user %+v: want read whole, under 2", u)
		}
	}
	if n := h.srv.Count("/v1.0/$batch"); n != 2 {
		t.Errorf("%d batches, want 2 (the second with the two failed requests)", n)
	}
	if !slices.Equal(h.sleeps, []time.Duration{3 * time.Second}) {
		t.Errorf("waits %v, want the batch's longest Retry-After, 3s", h.sleeps)
	}
}

func TestTokenEndpointBusyIsRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.org()
	h.srv.FailToken(graphtest.Fault{Status: 503, RetryAfter: "2"}, graphtest.Fault{Status: 500})
	if _, err := h.client.Fetch(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	if len(h.sleeps) != 2 || h.sleeps[0] != 2*time.Second {
		t.Errorf("waits %v, want 2s (Retry-After) then a backoff", h.sleeps)
	}
}

// Graph's expired-state codes are matched whatever their case.
func TestExpiredDeltaCodeAnyCase(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"SyncStateNotFound", "RESYNCREQUIRED", "syncStateInvalid"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.org()
			first, err := h.client.Fetch(t.Context(), "")
			if err != nil {
				t.Fatal(err)
			}
			h.srv.ExpireDeltaTokensWithCode(code)
			r, err := h.client.Fetch(t.Context(), first.DeltaLink)
			if err != nil {
				t.Fatalf("400 %s: %v, want a full round", code, err)
			}
			if !r.Full || !strings.Contains(r.Reset, code) || len(r.Users) != 7 {
				t.Errorf("round: full %v, reset %q, %d users; want a full round of 7", r.Full, r.Reset, len(r.Users))
			}
		})
	}
}
