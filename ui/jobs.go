package ui

import (
	"context"
	"net/http"
	"sync"
	"time"

	"reportline"
	"reportline/bulkimport"
	"reportline/web"
)

// jobs runs imports in the background: an import of a million lines takes
// longer than a browser should wait for a response, so the upload (or the
// Apply button) starts it and the browser is sent to its page, which shows
// its progress. The job outlives the request; Wait waits for it.
type jobs struct {
	wg sync.WaitGroup
}

// settle is how long a request waits for a job it started to finish: a
// small file is then shown finished at once, with no refresh, and a file
// refused as a whole (not a CSV, no header) is explained on the form it was
// sent from.
const settle = 2 * time.Second

// importJob runs one import: ImportManagers or ApplyImport with the
// options given.
type importJob func(ctx context.Context, opt bulkimport.Options) (bulkimport.Result, error)

// started is what a request learns of the job it started: the import's id
// once app has recorded it, and the outcome when the job ended within the
// settle time.
type started struct {
	ID       int64
	Finished bool
	Result   bulkimport.Result
	Err      error // the job's error, when it finished
}

// startImport runs job in the background and waits until app has recorded
// the import (its id is then known), the job has ended, or the request is
// cancelled. An error returned before the import is recorded (not allowed,
// not a finished preview) is returned as is, and nothing was recorded. Once
// recorded, it waits up to settle for the job to end. cleanup runs when
// the job ends.
func (u *UI) startImport(r *http.Request, job importJob, cleanup func()) (started, error) {
	ids := make(chan int64, 1)
	type outcome struct {
		res bulkimport.Result
		err error
	}
	done := make(chan outcome, 1)
	// The job must outlive the request: it keeps the request's values
	// (request id, caller) but not its cancellation.
	ctx := context.WithoutCancel(r.Context())
	u.jobs.wg.Add(1)
	go func() {
		defer u.jobs.wg.Done()
		if cleanup != nil {
			defer cleanup()
		}
		res, err := job(ctx, bulkimport.Options{Started: func(id int64) { ids <- id }})
		if err != nil && res.Batch.ID != 0 && reportline.ErrorCode(err) == reportline.Internal {
			// Once recorded, the failure is on the import's page; only
			// the operators need the cause.
			u.log.Error("import failed", "request_id", web.RequestID(ctx), "import", res.Batch.ID, "err", err)
		}
		done <- outcome{res, err}
	}()

	var s started
	select {
	case s.ID = <-ids:
	case o := <-done:
		select {
		case s.ID = <-ids:
		default:
		}
		if s.ID == 0 {
			if o.err == nil { // cannot happen: app records every import
				o.err = reportline.Errorf(reportline.Internal, "the import was not recorded")
			}
			return s, o.err
		}
		s.Finished, s.Result, s.Err = true, o.res, o.err
		return s, nil
	case <-r.Context().Done():
		return s, r.Context().Err()
	}
	timer := time.NewTimer(settle)
	defer timer.Stop()
	select {
	case o := <-done:
		s.Finished, s.Result, s.Err = true, o.res, o.err
	case <-timer.C:
	case <-r.Context().Done():
	}
	return s, nil
}

// Wait blocks until the imports started from the pages have ended. Call it
// after the server has stopped taking requests, so that an import is not cut
// short (one that is would be marked failed at the next start, with nothing
// applied).
func (u *UI) Wait() { u.jobs.wg.Wait() }
