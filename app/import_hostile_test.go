package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"reportline"
	"reportline/bulkimport"
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
		b, err := o.env.App.GetImport(context.Background(), ui(o.pa), id)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != reportline.ImportFailed {
			t.Fatalf("status = %s, want failed (error %q)", b.Status, b.Error)
		}
		if !strings.Contains(b.Error, "interrupted") || b.FinishedAt.IsZero() {
			t.Errorf("error = %q, finished %v; want a reason that says the upload was interrupted", b.Error, b.FinishedAt)
		}
		if b.ErrorID != "error.import.interrupted" {
			t.Errorf("error id = %q, want error.import.interrupted (its page says it in the reader's language)", b.ErrorID)
		}
	})
}

func appImportOptions(started func(int64)) bulkimport.Options {
	return bulkimport.Options{FileName: "upload.csv", Started: started}
}

// A file with only its header applies nothing and says so; a file with a
// line over the limit is refused naming the line, and the import's record
// says why. Neither is recorded as done.
func TestImportRefusesEmptyAndHugeFiles(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		for _, tt := range []struct{ name, file, want string }{
			{"header only", "email of manager,email of managee\n\n", "no data line"},
			{"huge line", "email of manager,email of managee\nga@example.com,w@example.com\n" + strings.Repeat("a", 3<<20) + "@example.com,x@example.com\n",
				"line 3: the line is longer than 64 KiB"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				for _, dry := range []bool{true, false} {
					var id int64
					opt := appImportOptions(func(i int64) { id = i })
					opt.DryRun = dry
					_, err := o.env.App.ImportManagers(context.Background(), ui(o.pa), strings.NewReader(tt.file), opt)
					if reportline.ErrorCode(err) != reportline.Invalid || !strings.Contains(err.Error(), tt.want) {
						t.Fatalf("dry run %v: error = %v, want invalid saying %q", dry, err, tt.want)
					}
					b, err := o.env.App.GetImport(context.Background(), ui(o.pa), id)
					if err != nil || b.Status != reportline.ImportFailed || !strings.Contains(b.Error, tt.want) {
						t.Errorf("dry run %v: batch = %s %q, %v", dry, b.Status, b.Error, err)
					}
				}
				if got := o.managers(t, o.w); len(got) != 0 {
					t.Errorf("w's managers = %v: nothing may be applied", got)
				}
			})
		}
	})
}
