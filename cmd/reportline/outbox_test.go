package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/smtptest"
	"reportline/internal/testapp"
	"reportline/store"
)

// serveForMail starts serve with env and returns its data folder and
// database URL once it listens, and a stop function that checks it shut
// down cleanly.
func serveForMail(t *testing.T, engine store.Engine, env map[string]string) (dataDir, dbURL string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st := storageArgs(t, engine)
	dataDir = st[1]
	if len(st) > 2 {
		dbURL = st[3]
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, st...), func(k string) string { return env[k] },
			strings.NewReader(""), io.Discard, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var log strings.Builder
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "reportline serving") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if !strings.Contains(log.String(), "mail outbox started") {
		cancel()
		t.Fatalf("serve did not start its outbox:\n%s", log.String())
	}
	if strings.Contains(log.String(), "s3cret") {
		t.Errorf("serve logged the SMTP password:\n%s", log.String())
	}
	return dataDir, dbURL, func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not shut down")
		}
	}
}

// enqueueFromOutside enqueues messages through another App over the same
// database, as another replica would.
func enqueueFromOutside(t *testing.T, dataDir, dbURL string, keys ...string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := app.New(app.Adapt(db.Read, db.Write, db.Ping), app.Config{})
	err = db.Write(ctx, func(tx *store.Tx) error {
		for _, k := range keys {
			m := reportline.OutboxMessage{Key: k, Type: reportline.NotifyTemplateMessage, To: "manager@example.com",
				Subject: "Subject " + k, Text: "Hello", HTML: "<p>Hello</p>"}
			if _, err := a.Enqueue(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestServeSendsTheOutboxBySMTP: serve, configured with an SMTP relay (a
// real SMTP server process requiring AUTH), delivers what another replica
// enqueued, and never logs the password.
func TestServeSendsTheOutboxBySMTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		srv := smtptest.Start(t, "-user", "u", "-password", "s3cret")
		url := strings.Replace(srv.URL(), "smtp://", "smtp://u:s3cret@", 1)
		dataDir, dbURL, stop := serveForMail(t, engine, map[string]string{"REPORTLINE_SMTP_URL": url, "REPORTLINE_SMTP_RATE": "50"})
		enqueueFromOutside(t, dataDir, dbURL, "e2e:1", "e2e:2")
		srv.WaitMessages(t, 2, 30*time.Second)
		stop()
		got := srv.ByMessageID(t)
		if got["<e2e.1@reportline.local>"] != 1 || got["<e2e.2@reportline.local>"] != 1 || len(got) != 2 {
			t.Errorf("the SMTP server received %v, want each message once", got)
		}
	})
}

// TestServeWritesEmlFilesByDefault: without SMTP settings, messages become
// .eml files in <data>/mail.
func TestServeWritesEmlFilesByDefault(t *testing.T) {
	t.Parallel()
	dataDir, dbURL, stop := serveForMail(t, store.SQLite, nil)
	defer stop()
	enqueueFromOutside(t, dataDir, dbURL, "e2e:eml")
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dataDir, "mail", "*.eml"))
		if len(files) == 1 {
			b, err := os.ReadFile(files[0])
			if err != nil || !strings.Contains(string(b), "Message-ID: <e2e.eml@reportline.local>") {
				t.Errorf("the .eml file reads %q, %v", b, err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no .eml file in %s after 30 s (found %v)", filepath.Join(dataDir, "mail"), files)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
