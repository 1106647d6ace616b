package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	rlmail "reportline/mail"
	"reportline/outbox"
	"reportline/store"
)

// failingFolderSync is the .eml sink whose folder fsync fails once: the
// files are renamed into place but their renames are not durable.
type failingFolderSync struct {
	*rlmail.FileSender
	fail bool
}

func (s *failingFolderSync) SyncBatch(ctx context.Context) error {
	if s.fail {
		s.fail = false
		return errors.New("fsync: input/output error")
	}
	return s.FileSender.SyncBatch(ctx)
}

// TestOutboxFileSinkSyncsTheFolderPerBatch: the worker writes a batch into
// the .eml folder and records the messages as sent only once the folder's
// fsync made their renames durable; when that fsync fails, they are
// pending and written again at the next attempt.
func TestOutboxFileSinkSyncsTheFolderPerBatch(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "mail")
		fs, err := rlmail.NewFileSender(dir, "reportline@example.com")
		if err != nil {
			t.Fatal(err)
		}
		s := &failingFolderSync{FileSender: fs, fail: true}
		keys := []string{"a", "b", "c"}
		for _, k := range keys {
			enqueue(t, env, outboxMessage(k, k+"@example.com"))
		}
		w := env.App.NewOutboxWorker(s, outbox.Options{Batch: 2, Jitter: func() float64 { return 0.5 }})
		if n, err := w.DeliverDue(ctx); n != 3 || err != nil {
			t.Fatalf("first pass = %d, %v; want 3 attempts", n, err)
		}
		// The first batch's fsync failed: its two messages are pending, the
		// second batch's one is sent.
		pending := 0
		for _, k := range keys {
			m, as := outboxState(t, env, k)
			switch m.Status {
			case reportline.DeliveryPending:
				pending++
				if len(as) != 1 || !strings.Contains(as[0].Error, "make the batch durable") {
					t.Errorf("%s: attempts %+v, want one naming the failed fsync", k, as)
				}
			case reportline.DeliverySent:
			default:
				t.Errorf("%s: status %s", k, m.Status)
			}
		}
		if pending != 2 {
			t.Fatalf("%d messages pending after the failed fsync, want the first batch's 2", pending)
		}
		env.Now.Advance(24 * time.Hour)
		if n, err := w.DeliverDue(ctx); n != 2 || err != nil {
			t.Fatalf("retry = %d, %v; want the 2 pending", n, err)
		}
		for _, k := range keys {
			m, _ := outboxState(t, env, k)
			if m.Status != reportline.DeliverySent {
				t.Errorf("%s: status %s after the retry, want sent", k, m.Status)
			}
			if _, err := os.Stat(filepath.Join(dir, rlmail.FileName(m))); err != nil {
				t.Errorf("%s: %v", k, err)
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) != len(keys) {
			t.Errorf("mail folder holds %d files (%v), want %d", len(entries), err, len(keys))
		}
	})
}
