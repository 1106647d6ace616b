package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/internal/graphtest"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestSyncGraphCommand(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		srv := graphtest.New(t)
		srv.PageSize = 3
		srv.Put(graphtest.User{ID: graphtest.ID(1), Mail: "boss@contoso.com", UserPrincipalName: "boss@contoso.com", GivenName: "Adele", Surname: "Vance", AccountEnabled: true})
		srv.Put(graphtest.User{ID: graphtest.ID(2), UserPrincipalName: "ann@contoso.com", GivenName: "Ann", AccountEnabled: true, ManagerID: graphtest.ID(1)})
		srv.Put(graphtest.User{ID: graphtest.ID(3), Mail: "bob@contoso.com", UserPrincipalName: "bob@contoso.com", AccountEnabled: false, ManagerID: graphtest.ID(1)})
		env := map[string]string{
			"REPORTLINE_GRAPH_TENANT": srv.Tenant, "REPORTLINE_GRAPH_CLIENT_ID": srv.ClientID, "REPORTLINE_GRAPH_CLIENT_SECRET": srv.ClientSecret,
			"REPORTLINE_GRAPH_AUTHORITY_URL": srv.URL, "REPORTLINE_GRAPH_API_URL": srv.URL, "REPORTLINE_LOG_LEVEL": "debug",
		}
		sync := func(env map[string]string, args ...string) (stdout, stderr string, err error) {
			t.Helper()
			var out, errOut strings.Builder
			err = run(ctx, append(append([]string{"sync", "graph"}, args...), st...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
			return out.String(), errOut.String(), err
		}

		if _, _, err := sync(map[string]string{}); err == nil || !strings.Contains(err.Error(), "REPORTLINE_GRAPH_TENANT") {
			t.Fatalf("without configuration: %v; want it to say what to set", err)
		}
		out, _, err := sync(env, "--dry-run")
		if err != nil || !strings.Contains(out, "Dry run of Microsoft Graph sync (whole directory)") || !strings.Contains(out, "3 created") || !strings.Contains(out, "Nothing was changed.") {
			t.Fatalf("dry run: %v\n%s", err, out)
		}
		out, _, err = sync(env)
		if err != nil || !strings.Contains(out, "Applied Microsoft Graph sync (whole directory)") || !strings.Contains(out, "3 created") || !strings.Contains(out, "2 added") {
			t.Fatalf("first sync: %v\n%s", err, out)
		}

		// A change, and a guest whose only name is not an address.
		srv.SetManager(graphtest.ID(3), graphtest.ID(2))
		srv.Put(graphtest.User{ID: graphtest.ID(4), UserPrincipalName: "carl_fabrikam.com#EXT#@contoso.onmicrosoft.com", AccountEnabled: true})
		out, _, err = sync(env)
		if exitCode(err) != exitSyncProblems || !strings.Contains(out, "(changes since the last sync)") || !strings.Contains(out, "1 added, 1 removed") ||
			!strings.Contains(out, "problem: "+graphtest.ID(4)+": invalid:") {
			t.Fatalf("delta sync with a problem: %v (exit %d)\n%s", err, exitCode(err), out)
		}
		var lastDelta graphtest.Request
		for _, r := range srv.Requests() {
			if r.Path == "/v1.0/users/delta" {
				lastDelta = r
			}
		}
		if !lastDelta.Query.Has("$deltatoken") {
			t.Errorf("the last sync did not start from the stored delta link: %v", lastDelta.Query)
		}

		// A wrong secret: status 1, the identity platform's reason, no secret.
		bad := map[string]string{}
		for k, v := range env {
			bad[k] = v
		}
		bad["REPORTLINE_GRAPH_CLIENT_SECRET"] = "wrong~" + srv.ClientSecret
		out, errOut, err := sync(bad, "--full")
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("wrong secret: %v (exit %d)", err, exitCode(err))
		}
		for _, text := range []string{out, errOut, err.Error()} {
			if strings.Contains(text, srv.ClientSecret) {
				t.Errorf("the secret leaked: %s", text)
			}
		}
		if _, _, err := sync(env, "extra"); exitCode(err) != 2 {
			t.Errorf("a stray argument: %v; want the usage (exit 2)", err)
		}
	})
}

func TestHelpListsSyncGraph(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := run(context.Background(), []string{"help"}, func(string) string { return "" }, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "reportline sync graph") {
		t.Errorf("help does not list sync graph:\n%s", &out)
	}
}

func TestScheduledGraphSyncRunsOncePerInterval(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		srv := graphtest.New(t)
		srv.Put(graphtest.User{ID: graphtest.ID(1), Mail: "boss@contoso.com", UserPrincipalName: "boss@contoso.com", AccountEnabled: true})
		srv.Put(graphtest.User{ID: graphtest.ID(2), Mail: "ann@contoso.com", UserPrincipalName: "ann@contoso.com", AccountEnabled: true, ManagerID: graphtest.ID(1)})
		cfg := config.Graph{Tenant: srv.Tenant, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, AuthorityURL: srv.URL, APIURL: srv.URL, SyncInterval: time.Hour}
		log := slog.New(slog.DiscardHandler)
		env := testapp.New(t, engine)
		sources, err := envSources(config.Config{Graph: cfg}, env.App, log)
		if err != nil {
			t.Fatal(err)
		}
		// Two replicas over one database, each with serve's scheduler of
		// directory syncs, checking every 10ms.
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { env.App.NewDirectorySyncs(sources, 0).Run(ctx, 10*time.Millisecond) })
		}
		runs := func() []reportline.SyncRun {
			rs, err := env.App.ListSyncRuns(t.Context(), app.SystemActor(reportline.SourceGraph), reportline.SourceGraph, 10)
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(runs()) == 0 || runs()[0].Status == reportline.ImportRunning {
			if time.Now().After(deadline) {
				t.Fatal("no scheduled sync ran")
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // thirty more checks by each replica
		cancel()
		wg.Wait()
		rs := runs()
		// Both replicas may decide at the very first instant; after that the
		// recorded run holds them back for the interval.
		created := 0
		for _, r := range rs {
			created += r.Counts.Created
		}
		if len(rs) == 0 || len(rs) > 2 || rs[len(rs)-1].Status != reportline.ImportDone || created != 2 {
			t.Errorf("runs %+v; want one (or two simultaneous) runs that created the 2 users", rs)
		}
	})
}

// TestServeSyncsGraphOnSchedule starts serve configured for a tenant and
// waits for the first scheduled sync in its log.
func TestServeSyncsGraphOnSchedule(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		srv := graphtest.New(t)
		srv.Put(graphtest.User{ID: graphtest.ID(1), Mail: "boss@contoso.com", UserPrincipalName: "boss@contoso.com", AccountEnabled: true})
		srv.Put(graphtest.User{ID: graphtest.ID(2), Mail: "ann@contoso.com", UserPrincipalName: "ann@contoso.com", AccountEnabled: true, ManagerID: graphtest.ID(1)})
		env := map[string]string{
			"REPORTLINE_GRAPH_TENANT": srv.Tenant, "REPORTLINE_GRAPH_CLIENT_ID": srv.ClientID, "REPORTLINE_GRAPH_CLIENT_SECRET": srv.ClientSecret,
			"REPORTLINE_GRAPH_AUTHORITY_URL": srv.URL, "REPORTLINE_GRAPH_API_URL": srv.URL, "REPORTLINE_LOG_LEVEL": "debug",
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, storageArgs(t, engine)...), func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, pw)
			pw.Close()
		}()
		var logs strings.Builder
		sc := bufio.NewScanner(pr)
		synced := false
		for !synced && sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			synced = strings.Contains(sc.Text(), `msg="directory sync"`) && strings.Contains(sc.Text(), "source=graph") && strings.Contains(sc.Text(), "created=2")
		}
		cancel()
		go io.Copy(io.Discard, pr)
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if !synced {
			t.Fatalf("no scheduled sync in the log:\n%s", &logs)
		}
		if !strings.Contains(logs.String(), "scheduled Microsoft Graph sync") || strings.Contains(logs.String(), srv.ClientSecret) {
			t.Errorf("want the schedule logged without the secret:\n%s", &logs)
		}
	})
}
