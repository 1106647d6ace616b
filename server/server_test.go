package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/server"
	"reportline/store"
	"reportline/ui"
	"reportline/web"
)

func TestReadyzHidesTheDatabase(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := server.New(server.Config{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Ready: func(ctx context.Context) error {
			return errors.New(`failed to connect to user=rl_owner database=payroll_db host=db7.internal: dial tcp 10.2.3.4:5432: connect: connection refused`)
		},
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", rec.Code)
	}
	for _, secret := range []string{"rl_owner", "payroll_db", "db7.internal", "10.2.3.4", "5432"} {
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("/readyz shows %q to anyone: %q", secret, rec.Body.String())
		}
		if !strings.Contains(logs.String(), secret) {
			t.Errorf("the log lacks %q, the cause operators need: %s", secret, logs.String())
		}
	}
}

// echo is a route that reads the whole body, as every handler with a body
// does.
type echo struct{}

func (echo) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			web.WriteJSONError(w, r, slog.New(slog.DiscardHandler), web.BodyError(err, "the body"))
			return
		}
		fmt.Fprintf(w, "%d bytes\n", n)
	})
}

// trickle opens a connection, sends the headers of a POST announcing size
// bytes, and then one byte every gap until stop is closed or the write
// fails. It returns the connection.
func trickle(t *testing.T, base, path string, size int, header string, gap time.Duration, stop <-chan struct{}) net.Conn {
	t.Helper()
	u, _ := url.Parse(base)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n%s\r\n", path, u.Host, size, header)
	go func() {
		tk := time.NewTicker(gap)
		defer tk.Stop()
		for range size {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	return c
}

// cutWithin reports whether the server answered or closed the connection
// within d.
func cutWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.ReadAll(c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestSlowBodiesAreCut: clients trickling a body one byte at a time are cut
// after the grace period, all of them, while a normal request is served.
func TestSlowBodiesAreCut(t *testing.T) {
	t.Parallel()
	env := testapp.New(t, store.SQLite)
	limits := server.Limits{BodyTimeout: 20 * time.Second, UploadTimeout: time.Minute, BodyGrace: 500 * time.Millisecond, MinBodyRate: 1 << 10}
	base := env.ServeConfig(t, server.Config{Routes: []server.Routes{echo{}}, Limits: limits})
	stop := make(chan struct{})
	defer close(stop)
	const clients = 50
	conns := make([]net.Conn, clients)
	for i := range conns {
		// To a handler that reads the body, to one that does not, and with
		// a wrong token (the server then reads what is left of the body to
		// keep the connection).
		path, header := "/echo", "Content-Type: application/json\r\n"
		switch i % 3 {
		case 1:
			path = "/nowhere"
		case 2:
			header += "Authorization: Bearer rlt_wrong\r\n" // refused before any handler
		}
		conns[i] = trickle(t, base, path, 10_000, header, 100*time.Millisecond, stop)
	}
	resp, err := http.Post(base+"/echo", "application/json", strings.NewReader(`{"ok": true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a normal request during the attack got %d", resp.StatusCode)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := 0
	for _, c := range conns {
		wg.Go(func() {
			if !cutWithin(c, 10*time.Second) {
				mu.Lock()
				open++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if open > 0 {
		t.Errorf("%d of %d slow clients still held their connection after 10 s (grace 0.5 s, 1 KiB/s minimum)", open, clients)
	}
}

// TestUploadsGetALongerAllowance: a signed-in caller's CSV upload may take
// longer than an ordinary body; the same body from an anonymous client is
// cut at the ordinary allowance.
func TestUploadsGetALongerAllowance(t *testing.T) {
	t.Parallel()
	env := testapp.New(t, store.SQLite)
	ctx := context.Background()
	if _, err := env.App.CreatePlatformAdmin(ctx, "pa@example.com", "a long password"); err != nil {
		t.Fatal(err)
	}
	token, err := env.App.CreateToken(ctx, app.SystemActor(reportline.SourceCLI), "pa@example.com", "test")
	if err != nil {
		t.Fatal(err)
	}
	limits := server.Limits{BodyTimeout: 300 * time.Millisecond, UploadTimeout: 30 * time.Second, BodyGrace: 20 * time.Second, MinBodyRate: 1}
	base := env.ServeConfig(t, server.Config{Routes: []server.Routes{echo{}}, Limits: limits})
	send := func(header string) string {
		stop := make(chan struct{})
		defer close(stop)
		c := trickle(t, base, "/echo", 8, header, 150*time.Millisecond, stop)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		return strings.TrimSpace(line)
	}
	if got := send("Content-Type: text/csv\r\nAuthorization: Bearer " + token + "\r\n"); got != "HTTP/1.1 200 OK" {
		t.Errorf("signed-in upload over 1.2 s: %q, want 200", got)
	}
	if got := send("Content-Type: text/csv\r\n"); got == "HTTP/1.1 200 OK" {
		t.Errorf("anonymous upload over 1.2 s with a 0.3 s allowance: %q, want it cut", got)
	}
	if got := send("Content-Type: application/json\r\nAuthorization: Bearer " + token + "\r\n"); got == "HTTP/1.1 200 OK" {
		t.Errorf("signed-in JSON over 1.2 s with a 0.3 s allowance: %q, want it cut", got)
	}
}

// TestOversizedBodiesAre413 on both engines: JSON bodies and forms over
// their limit get 413 naming the limit, before the body is sent when the
// client asks with Expect: 100-continue, and a client that sends a body of
// the right size with Expect: 100-continue is served.
func TestOversizedBodiesAre413(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		ctx := context.Background()
		if _, err := env.App.CreatePlatformAdmin(ctx, "pa@example.com", "a long password"); err != nil {
			t.Fatal(err)
		}
		token, err := env.App.CreateToken(ctx, app.SystemActor(reportline.SourceCLI), "pa@example.com", "test")
		if err != nil {
			t.Fatal(err)
		}
		pages, err := ui.New(env.App, env.Logger())
		if err != nil {
			t.Fatal(err)
		}
		base := env.ServeConfig(t, server.Config{Routes: []server.Routes{api.New(env.App, env.Logger()), api.NewV2(env.App, env.Logger()), pages}})
		client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 5 * time.Second}}
		big := `{"email": "big@example.com", "first_name": "` + strings.Repeat("a", 2<<20) + `"}`
		for _, tc := range []struct {
			name, path, contentType, body string
			expect, chunked               bool
			want                          int
			wantIn                        string
		}{
			{"JSON with Expect", "/api/v1/users", "application/json", big, true, false, 413, "1 MiB"},
			{"JSON without a length", "/api/v1/users", "application/json", big, false, true, 413, "1 MiB"},
			{"LMS import with Expect", "/api/v2/users-import/single", "application/json", big, true, false, 413, "1 MiB"},
			{"CSV import announcing too much", "/api/v1/managers/imports", "text/csv", "", true, false, 413, "200 MiB"},
			{"users CSV announcing too much", "/api/v2/users-import/csv", "text/csv", "", true, false, 413, "64 MiB"},
			{"learning CSV announcing too much", "/api/v1/learning/records/import", "text/csv", "", true, false, 413, "256 MiB"},
			{"form with Expect", "/login", "application/x-www-form-urlencoded", "email=" + strings.Repeat("a", 2<<20), true, false, 413, "1 MiB"},
			{"small JSON with Expect", "/api/v1/users", "application/json", `{"email": "small@example.com"}`, true, false, 201, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var body io.Reader = strings.NewReader(tc.body)
				if tc.chunked {
					body = io.MultiReader(body) // hides the length
				}
				req, err := http.NewRequest("POST", base+tc.path, body)
				if err != nil {
					t.Fatal(err)
				}
				if tc.contentType == "text/csv" {
					// A 300 MiB file is announced; the server must answer
					// before any of it is sent.
					req.ContentLength = 300 << 20
					req.Body = io.NopCloser(io.LimitReader(neverEnding('a'), 300<<20))
				}
				req.Header.Set("Content-Type", tc.contentType)
				req.Header.Set("Authorization", "Bearer "+token)
				if tc.path == "/login" {
					req.Header.Del("Authorization")
				}
				if tc.expect {
					req.Header.Set("Expect", "100-continue")
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatalf("the connection failed instead of an answer: %v", err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != tc.want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, raw)
				}
				if !strings.Contains(string(raw), tc.wantIn) {
					t.Errorf("answer does not name the limit %q: %s", tc.wantIn, raw)
				}
				if tc.want == 413 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
					var e web.ErrorBody
					if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code != "too_large" {
						t.Errorf("error body %s, want code too_large", raw)
					}
				}
			})
		}
	})
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestPublicURL: an https public URL makes cookies Secure and sends HSTS
// behind a proxy that speaks plain HTTP; the AuthZEN metadata names the
// public URL whatever Host the client sends, and is cacheable only then.
func TestPublicURL(t *testing.T) {
	t.Parallel()
	env := testapp.New(t, store.SQLite)
	ctx := context.Background()
	if _, err := env.App.CreatePlatformAdmin(ctx, "pa@example.com", "a long password"); err != nil {
		t.Fatal(err)
	}
	pages, err := ui.New(env.App, env.Logger())
	if err != nil {
		t.Fatal(err)
	}
	public, _ := url.Parse("https://rl.example.com/people")
	routes := []server.Routes{api.NewAuthZEN(env.App, env.Logger()), pages}
	withURL := env.ServeConfig(t, server.Config{Routes: routes, PublicURL: public})
	without := env.ServeConfig(t, server.Config{Routes: routes})
	trustingLoopback := env.ServeConfig(t, server.Config{Routes: routes, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	login := func(base string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(url.Values{"email": {"pa@example.com"}, "password": {"a long password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login = %d", resp.StatusCode)
		}
		return resp
	}
	secureCookie := func(resp *http.Response) bool {
		for _, c := range resp.Cookies() {
			if c.Name == web.SessionCookie {
				return c.Secure
			}
		}
		t.Fatal("no session cookie")
		return false
	}
	for _, tc := range []struct {
		name   string
		base   string
		header []string
		secure bool
	}{
		{"https public URL", withURL, nil, true},
		{"no public URL", without, nil, false},
		{"no public URL, a client claims https", without, []string{"X-Forwarded-Proto", "https"}, false},
		{"a trusted proxy says https", trustingLoopback, []string{"X-Forwarded-Proto", "https"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := login(tc.base, tc.header...)
			if got := secureCookie(resp); got != tc.secure {
				t.Errorf("cookie Secure = %v, want %v", got, tc.secure)
			}
			if got := resp.Header.Get("Strict-Transport-Security") != ""; got != tc.secure {
				t.Errorf("HSTS sent = %v, want %v", got, tc.secure)
			}
		})
	}

	metadata := func(base, host string) (map[string]any, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/.well-known/authzen-configuration", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m, resp.Header
	}
	m, h := metadata(withURL, "evil.example")
	if m["policy_decision_point"] != "https://rl.example.com/people" || m["access_evaluation_endpoint"] != "https://rl.example.com/people/access/v1/evaluation" {
		t.Errorf("metadata with a public URL = %v, want it under https://rl.example.com/people", m)
	}
	if cc := h.Get("Cache-Control"); !strings.Contains(cc, "public") {
		t.Errorf("Cache-Control = %q, want public with a public URL", cc)
	}
	m, h = metadata(without, "evil.example")
	if m["policy_decision_point"] != "http://evil.example" {
		t.Errorf("metadata without a public URL = %v, want the request's own Host", m)
	}
	if cc := h.Get("Cache-Control"); strings.Contains(cc, "public") || !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q without a public URL: a shared cache would serve a forged Host to others", cc)
	}
}

// TestSlowHeadersAndIdleConnectionsAreClosed: a client that never finishes
// its headers, and a kept-alive connection that sends nothing more, are
// closed after their timeouts.
func TestSlowHeadersAndIdleConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	env := testapp.New(t, store.SQLite)
	limits := server.Limits{ReadHeaderTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}
	base := env.ServeConfig(t, server.Config{Routes: []server.Routes{echo{}}, Limits: limits})
	u, _ := url.Parse(base)

	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Slow: ", u.Host)
	if !cutWithin(c, 10*time.Second) {
		t.Error("a client still sending its headers after 10 s was not cut (header timeout 0.3 s)")
	}

	idle, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprintf(idle, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
	r := bufio.NewReader(idle)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("an idle kept-alive connection: read %v, want it closed by the server (idle timeout 0.3 s)", err)
	}
}

func TestDefaultLimits(t *testing.T) {
	t.Parallel()
	srv := server.NewHTTPServer(server.Config{Logger: slog.New(slog.DiscardHandler)})
	if srv.ReadHeaderTimeout != 10*time.Second || srv.IdleTimeout != 2*time.Minute || srv.MaxHeaderBytes != 64<<10 {
		t.Errorf("server timeouts: header %v, idle %v, header bytes %d; want 10s, 2m, 64 KiB (docs/security.md)", srv.ReadHeaderTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	l := server.DefaultLimits()
	if l.BodyTimeout != 30*time.Second || l.UploadTimeout != 15*time.Minute || l.BodyGrace != 10*time.Second || l.MinBodyRate != 4<<10 {
		t.Errorf("body limits %+v differ from docs/security.md", l)
	}
}
