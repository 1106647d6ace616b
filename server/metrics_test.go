package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/bulkimport"
	"reportline/internal/testapp"
	"reportline/server"
	"reportline/store"
)

// /metrics, read over a real listener, reports the outbox's depth and
// failures from the database, the staleness of the reporting graph's index, the imports and directory syncs App did, and
// HTTP requests with the route and the method as separate labels.
func TestDomainMetrics(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		env := testapp.New(t, engine)
		metrics := server.NewMetrics()
		log := slog.New(slog.DiscardHandler)
		a := app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping), app.Config{
			Now: env.Now.Now, Logger: log, PasswordParams: testapp.FastPasswords, Recorder: metrics,
		})
		base := env.ServeConfig(t, server.Config{App: a, Metrics: metrics, Routes: []server.Routes{api.New(a, log)}})

		// Three messages: one given up, two still to deliver.
		now := env.Now.Now()
		msg := func(key string) reportline.OutboxMessage {
			return reportline.OutboxMessage{Key: key, Type: reportline.NotifyTemplateMessage, To: key + "@example.com", Subject: "Hello",
				Text: "Body", HTML: "<p>Body</p>", MessageID: reportline.MessageIDFor(key),
				Status: reportline.DeliveryPending, NextAttempt: now, CreatedAt: now}
		}
		err := env.DB.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.EnqueueMessages(ctx, []reportline.OutboxMessage{msg("a")}); err != nil {
				return err
			}
			claimed, err := tx.ClaimMessages(ctx, reportline.OutboxClaim{Owner: "w", Now: now, Lease: time.Minute, Limit: 1})
			if err != nil || len(claimed) != 1 {
				t.Fatalf("claim = %v, %v", claimed, err)
			}
			if _, err := tx.FinishDeliveries(ctx, "w", []reportline.DeliveryAttempt{{MessageID: claimed[0].ID, At: now, Attempt: 1,
				Status: reportline.DeliveryFailed, Error: "mailbox unavailable"}}); err != nil {
				return err
			}
			_, err = tx.EnqueueMessages(ctx, []reportline.OutboxMessage{msg("b"), msg("c")})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		system := app.SystemActor(reportline.SourceCLI)
		var template bytes.Buffer
		if err := app.WriteTemplate(&template); err != nil {
			t.Fatal(err)
		}
		if _, err := a.ImportManagers(ctx, system, &template, bulkimport.Options{DryRun: true}); err != nil {
			t.Fatalf("dry-run import: %v", err)
		}
		if _, err := a.ImportManagers(ctx, system, strings.NewReader("not,a\nmanagers,file\n"), bulkimport.Options{}); err == nil {
			t.Fatal("a file without the template's columns was imported")
		}
		if _, err := a.SyncDirectory(ctx, app.SystemActor(reportline.SourceLDAP), reportline.DirectoryBatch{Source: reportline.SourceLDAP}, true); err != nil {
			t.Fatalf("dry-run sync: %v", err)
		}

		res, err := http.Get(base + "/api/v1/users")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()

		// A decision builds the reporting graph's index in memory: its
		// staleness is reported per tenant.
		if _, err := a.CheckAccess(ctx, system, 1, reportline.ViewReports, 1, time.Time{}); err != nil {
			t.Fatal(err)
		}
		res, err = http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		text := string(body)
		for _, want := range []string{
			"reportline_database_gauges_up 1\n",
			"reportline_outbox_depth 2\n",
			"reportline_outbox_failed_messages 1\n",
			`reportline_graph_index_version_lag{tenant="1"} 0` + "\n",
			`reportline_graph_index_staleness_seconds{tenant="1"} 0` + "\n",
			`reportline_imports_total{kind="managers",outcome="previewed"} 1` + "\n",
			`reportline_imports_total{kind="managers",outcome="failed"} 1` + "\n",
			`reportline_directory_syncs_total{outcome="dry_run",source="ldap"} 1` + "\n",
			`reportline_http_requests_total{code="401",method="GET",route="/api/v1/users"} 1` + "\n",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		if strings.Contains(text, `"GET /api/v1/users"`) {
			t.Error("a label repeats the method inside the route")
		}
		if t.Failed() {
			t.Logf("/metrics:\n%s", grepReportline(text))
		}
	})
}

func grepReportline(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "reportline_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// When the database cannot be read, /metrics still answers, without the
// database's gauges and with reportline_database_gauges_up 0.
func TestMetricsWithoutTheDatabase(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		base := env.Serve(t)
		env.DB.Close()
		res, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("/metrics answered %d, want 200", res.StatusCode)
		}
		if !strings.Contains(string(body), "reportline_database_gauges_up 0\n") || strings.Contains(string(body), "reportline_outbox_depth") {
			t.Errorf("/metrics without the database:\n%s", grepReportline(string(body)))
		}
	})
}
