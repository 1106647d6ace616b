package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"reportline/internal/pgtest"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// program runs the real program in-process, as a user would from a shell.
func program(t *testing.T, ctx context.Context, stdin string, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(ctx, args, func(string) string { return "" }, strings.NewReader(stdin), &out, io.Discard)
	return out.String(), err
}

// storageArgs names an already migrated database for the commands under
// test (testapp.Storage: a copy of the migrated template, not 32 migrations
// per test); freshStorageArgs names an empty one, for the tests of migrate.
func storageArgs(t *testing.T, engine store.Engine) []string {
	t.Helper()
	dir, url := testapp.Storage(t, engine)
	if url != "" {
		return []string{"--data", dir, "--database", url}
	}
	return []string{"--data", dir}
}

func freshStorageArgs(t *testing.T, engine store.Engine) []string {
	if engine == store.Postgres {
		return []string{"--data", t.TempDir(), "--database", pgtest.New(t)}
	}
	return []string{"--data", t.TempDir()}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := freshStorageArgs(t, engine)
		out, err := program(t, ctx, "", append([]string{"migrate"}, st...)...)
		if err != nil || !strings.Contains(out, "migrated") {
			t.Fatalf("migrate: %q, %v", out, err)
		}
		out, err = program(t, ctx, "a sturdy password\n", append([]string{"admin", "create", "--email", "Boss@Example.com"}, st...)...)
		if err != nil || !strings.Contains(out, "platform admin boss@example.com") || strings.Contains(out, "generated password") {
			t.Fatalf("admin create: %q, %v", out, err)
		}
		out, err = program(t, ctx, "", append([]string{"admin", "create", "--email", "second@example.com"}, st...)...)
		if err != nil || !strings.Contains(out, "generated password: ") {
			t.Fatalf("admin create without a password: %q, %v", out, err)
		}
		// The same address again: the account is recovered, not doubled.
		out, err = program(t, ctx, "another sturdy password\n", append([]string{"admin", "create", "--email", "boss@example.com"}, st...)...)
		if err != nil || !strings.Contains(out, "recovered the existing account boss@example.com") || !strings.Contains(out, "given the new password") {
			t.Fatalf("admin create on an existing admin: %q, %v", out, err)
		}
		if _, err := program(t, ctx, "short\n", append([]string{"admin", "create", "--email", "x@example.com"}, st...)...); err == nil || !strings.Contains(err.Error(), "at least") {
			t.Errorf("a short password must be refused, got %v", err)
		}
		out, err = program(t, ctx, "", append([]string{"token", "create", "--email", "boss@example.com"}, st...)...)
		if err != nil || !strings.HasPrefix(out, "rlt_") {
			t.Fatalf("token create: %q, %v", out, err)
		}
		if _, err := program(t, ctx, "", append([]string{"token", "create", "--email", "nobody@example.com"}, st...)...); err == nil {
			t.Error("a token for an unknown user must fail")
		}
		if _, err := program(t, ctx, "", "frobnicate"); err == nil {
			t.Error("an unknown command must fail")
		}
	})
}

// TestServeDemo starts the service as the README says, with the demo, and
// checks the endpoints a user and an operator rely on, then stops it.
func TestServeDemo(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel() // each engine has its own database; they share nothing
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--demo"}, storageArgs(t, engine)...)
		go func() {
			done <- run(ctx, args, func(string) string { return "" }, strings.NewReader(""), pw, io.Discard)
			pw.Close()
		}()
		var base string
		var banner strings.Builder
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			banner.WriteString(sc.Text() + "\n")
			if m := regexp.MustCompile(`running at (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				base = m[1]
			}
			if strings.Contains(sc.Text(), "linus.torvalds") {
				break
			}
		}
		go io.Copy(io.Discard, pr)
		if base == "" {
			t.Fatalf("serve printed no address: %q", banner.String())
		}
		if !strings.Contains(banner.String(), "admin@acme.example") || !strings.Contains(banner.String(), "reportline-demo") {
			t.Errorf("the demo banner must say how to sign in: %q", banner.String())
		}
		for _, tc := range []struct{ path, want string }{
			{"/healthz", "ok"},
			{"/readyz", "ready"},
			{"/metrics", "reportline_http_requests_total"},
			{"/api/openapi.json", `"openapi": "3.1.0"`},
			{"/login", "<form"},
		} {
			resp, err := http.Get(base + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), tc.want) {
				t.Errorf("GET %s = %d, want 200 containing %q", tc.path, resp.StatusCode, tc.want)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("GET %s: Content-Security-Policy = %q", tc.path, csp)
			}
		}
		// The LMS import API is served, and asks for a token.
		resp, err := http.Post(base+"/api/v2/users-import/single", "application/json", strings.NewReader(`{"email": "x@acme.example"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST /api/v2/users-import/single without a token = %d, want 401", resp.StatusCode)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not shut down")
		}
	})
}

type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }

func osPipe(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}
