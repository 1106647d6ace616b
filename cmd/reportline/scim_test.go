package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"reportline/internal/testapp"
	"reportline/store"
)

// The provisioning token commands, and the real server answering SCIM
// with such a token (and only with such a token).
func TestSCIMCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st := storageArgs(t, engine)
		token, err := program(t, ctx, "", append([]string{"scim", "token", "create", "--name", "entra"}, st...)...)
		token = strings.TrimSpace(token)
		if err != nil || !strings.HasPrefix(token, "rlscim_") {
			t.Fatalf("scim token create: %q, %v", token, err)
		}
		if _, err := program(t, ctx, "", append([]string{"scim", "token", "create", "--name", "entra"}, st...)...); err == nil || !strings.Contains(err.Error(), `a provisioning client named "entra" exists already`) {
			t.Errorf("a second client of the same name: %v", err)
		}
		if _, err := program(t, ctx, "", append([]string{"scim", "token", "create"}, st...)...); err == nil || !strings.Contains(err.Error(), "--name is required") {
			t.Errorf("create without a name: %v", err)
		}
		if _, err := program(t, ctx, "", "scim", "nonsense"); err != errUsage {
			t.Errorf("scim nonsense = %v, want the usage", err)
		}
		if _, err := program(t, ctx, "", append([]string{"scim", "token", "create", "--name", "old"}, st...)...); err != nil {
			t.Fatal(err)
		}
		if out, err := program(t, ctx, "", append([]string{"scim", "token", "revoke", "--name", "old"}, st...)...); err != nil || !strings.Contains(out, `"old" revoked`) {
			t.Fatalf("revoke: %q, %v", out, err)
		}
		out, err := program(t, ctx, "", append([]string{"scim", "token", "list"}, st...)...)
		if err != nil || !strings.Contains(out, "entra") || strings.Contains(out, "old") || strings.Contains(out, token) {
			t.Errorf("list: %q, %v (want entra only, and never a token)", out, err)
		}
		apiToken, err := program(t, ctx, "a sturdy password\n", append([]string{"admin", "create", "--email", "root@example.com"}, st...)...)
		if err != nil {
			t.Fatal(apiToken, err)
		}
		apiToken, err = program(t, ctx, "", append([]string{"token", "create", "--email", "root@example.com"}, st...)...)
		if err != nil {
			t.Fatal(err)
		}

		base := serveForTest(t, ctx, st)
		get := func(path, token string) (int, string, string) {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
		}
		if code, ct, body := get("/scim/v2/ServiceProviderConfig", token); code != 200 || ct != "application/scim+json" || !strings.Contains(body, `"patch"`) {
			t.Errorf("ServiceProviderConfig with the SCIM token = %d %s %s", code, ct, body)
		}
		if code, _, body := get("/scim/v2/Users", apiToken); code != 401 || !strings.Contains(body, "not a provisioning token") {
			t.Errorf("SCIM with an API token = %d %s, want 401", code, body)
		}
		if code, _, _ := get("/api/v1/users", token); code != 401 {
			t.Errorf("the API with a SCIM token = %d, want 401", code)
		}
		if code, _, _ := get("/api/v1/users", apiToken); code != 200 {
			t.Errorf("the API with its own token = %d, want 200", code)
		}
	})
}

// serveForTest runs `reportline serve` on a free loopback port until the
// test ends and returns its base URL.
func serveForTest(t *testing.T, ctx context.Context, storage []string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, storage...), func(string) string { return "" }, strings.NewReader(""), io.Discard, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := regexp.MustCompile(`url=(http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, pr)
			return m[1]
		}
	}
	t.Fatal("serve printed no address")
	return ""
}
