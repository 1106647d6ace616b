package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// cancellingReader hands out a first part of an upload, then behaves like a
// request body whose client went away: it cancels the request's context and
// fails.
type cancellingReader struct {
	data   string
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.data != "" {
		n := copy(p, c.data)
		c.data = c.data[n:]
		return n, nil
	}
	c.cancel()
	return 0, errors.New("unexpected EOF: client disconnected")
}

// A client that disconnects in the middle of its upload must not leave the
// import "running": it is recorded as failed, with a reason a person reads.
func TestImportCancelledByTheClientIsMarkedFailed(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		body := &cancellingReader{data: "email of manager,email of managee\nga@example.com,w@example.com\n", cancel: cancel}
		var id int64
		_, err := o.env.App.ImportManagers(ctx, ui(o.pa), body, appImportOptions(func(i int64) { id = i }))
		if err == nil {
			t.Fatal("an interrupted upload was imported")
		}
		b, err := o.env.App.ImportBatch(context.Background(), ui(o.pa), id)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != reportline.ImportFailed {
			t.Fatalf("status = %s, want failed (error %q)", b.Status, b.Error)
		}
		if !strings.Contains(b.Error, "interrupted") || b.FinishedAt.IsZero() {
			t.Errorf("error = %q, finished %v; want a reason that says the upload was interrupted", b.Error, b.FinishedAt)
		}
	})
}

func appImportOptions(started func(int64)) app.ImportOptions {
	return app.ImportOptions{FileName: "upload.csv", Started: started}
}
