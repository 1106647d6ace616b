package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/internal/slapdtest"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestSyncLDAPCommand(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("../../ldapsync/testdata/people.ldif")
	if err != nil {
		t.Fatal(err)
	}
	dir := slapdtest.Start(t, fixture)
	passwordFile := filepath.Join(t.TempDir(), "bind-password")
	if err := os.WriteFile(passwordFile, []byte(slapdtest.ReaderPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		env := map[string]string{
			"REPORTLINE_LDAP_URL": dir.URL, "REPORTLINE_LDAP_STARTTLS": "true", "REPORTLINE_LDAP_CA_FILE": dir.CAFile,
			"REPORTLINE_LDAP_BIND_DN": slapdtest.ReaderDN, "REPORTLINE_LDAP_BIND_PASSWORD_FILE": passwordFile,
			"REPORTLINE_LDAP_BASE_DN": slapdtest.People, "REPORTLINE_LDAP_ATTRIBUTES": "disabled=employeeType=disabled",
			"REPORTLINE_LOG_LEVEL": "debug",
		}
		sync := func(env map[string]string, args ...string) (stdout, stderr string, err error) {
			t.Helper()
			var out, errOut strings.Builder
			err = run(ctx, append(append([]string{"sync", "ldap"}, args...), st...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
			return out.String(), errOut.String(), err
		}
		if _, _, err := sync(map[string]string{}); err == nil || !strings.Contains(err.Error(), "REPORTLINE_LDAP_URL") {
			t.Fatalf("without configuration: %v; want it to say what to set", err)
		}
		// Eve's manager is not in the directory: a problem, exit status 4.
		out, errOut, err := sync(env, "--dry-run")
		if exitCode(err) != exitSyncProblems || !strings.Contains(out, "Dry run of LDAP sync") || !strings.Contains(out, "6 created") ||
			!strings.Contains(out, "link add: jane@example.com → ann@example.com") || !strings.Contains(out, "problem: ") ||
			!strings.Contains(out, "Nothing was changed.") {
			t.Fatalf("dry run: %v (exit %d)\n%s", err, exitCode(err), out)
		}
		out, _, err = sync(env)
		if exitCode(err) != exitSyncProblems || !strings.Contains(out, "Applied LDAP sync") || !strings.Contains(out, "6 created") ||
			!strings.Contains(out, "4 added") {
			t.Fatalf("first sync: %v\n%s", err, out)
		}
		out, _, _ = sync(env)
		if !strings.Contains(out, "0 created, 0 updated, 6 unchanged") || !strings.Contains(out, "0 added, 0 removed, 0 updated, 4 unchanged") {
			t.Errorf("second sync changed something:\n%s", out)
		}
		for _, text := range []string{out, errOut} {
			if strings.Contains(text, slapdtest.ReaderPassword) {
				t.Errorf("the bind password was printed:\n%s", text)
			}
		}

		// A filter a little too narrow (only Jane and Ann): the run would
		// deactivate Bob, Eve and Carol, more than the guard's count of 2.
		narrow := map[string]string{"REPORTLINE_LDAP_FILTER": "(|(mail=jane@example.com)(mail=ann@example.com))", "REPORTLINE_DIRECTORY_HOLD_COUNT": "2"}
		for k, v := range env {
			narrow[k] = v
		}
		out, _, err = sync(narrow)
		if exitCode(err) != exitSyncHeld || !strings.Contains(out, "HELD") || !strings.Contains(out, "3 deactivated") ||
			!strings.Contains(err.Error(), "held for a platform admin's confirmation") {
			t.Fatalf("narrow filter: %v (exit %d)\n%s", err, exitCode(err), out)
		}
		out, _, err = sync(narrow) // the scheduled sync would do the same: held again
		if exitCode(err) != exitSyncHeld {
			t.Fatalf("narrow filter again: %v (exit %d)\n%s", err, exitCode(err), out)
		}
		out, _, _ = sync(env)
		if !strings.Contains(out, "0 deactivated") || !strings.Contains(out, "6 unchanged") {
			t.Errorf("after the held runs, a normal sync changed something (so the held ones were applied):\n%s", out)
		}
		out, _, err = sync(narrow, "--confirm-deactivations", "3")
		if err != nil || !strings.Contains(out, "Applied LDAP sync") || !strings.Contains(out, "3 deactivated") {
			t.Fatalf("confirmed: %v\n%s", err, out)
		}
		sync(env) // everyone back

		bad := map[string]string{}
		for k, v := range env {
			bad[k] = v
		}
		delete(bad, "REPORTLINE_LDAP_BIND_PASSWORD_FILE")
		bad["REPORTLINE_LDAP_BIND_PASSWORD"] = "wrong-password"
		_, errOut, err = sync(bad)
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "Invalid Credentials") || strings.Contains(err.Error()+errOut, "wrong-password") {
			t.Fatalf("wrong password: %v (exit %d)\n%s", err, exitCode(err), errOut)
		}
	})
}

// TestScheduledLDAPSync starts serve's scheduled sync: the first sync is
// due at once, runs as the system and is recorded; stop waits for it.
func TestScheduledLDAPSync(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("../../ldapsync/testdata/people.ldif")
	if err != nil {
		t.Fatal(err)
	}
	dir := slapdtest.Start(t, fixture)
	env := testapp.New(t, store.SQLite)
	cfg := config.LDAP{URL: dir.URL, StartTLS: true, CAFile: dir.CAFile, BindDN: slapdtest.ReaderDN, BindPassword: slapdtest.ReaderPassword,
		BaseDN: slapdtest.People, SyncInterval: time.Hour}
	stop, err := startLDAPSync(context.Background(), cfg, env.App, env.Logger())
	if err != nil {
		t.Fatal(err)
	}
	sys := app.SystemActor(reportline.SourceLDAP)
	deadline := time.Now().Add(30 * time.Second)
	var runs []reportline.SyncRun
	for time.Now().Before(deadline) {
		if runs, err = env.App.ListSyncRuns(context.Background(), sys, reportline.SourceLDAP, 5); err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 && runs[0].Status != reportline.ImportRunning {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	if len(runs) != 1 || runs[0].Status != reportline.ImportDone || runs[0].DryRun || runs[0].Counts.Created != 6 {
		t.Fatalf("runs = %+v, want one applied sync that created 6 users", runs)
	}
	if _, err := startLDAPSync(context.Background(), config.LDAP{URL: "ldap://x", BaseDN: "dc=x", Attributes: "colour=red", SyncInterval: time.Hour},
		env.App, env.Logger()); err == nil || !strings.Contains(err.Error(), "REPORTLINE_LDAP_ATTRIBUTES") {
		t.Errorf("a bad attribute map: %v, want serve to refuse to start", err)
	}
}
