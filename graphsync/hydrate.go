package graphsync

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A delta round names some users only partly: one whose manager did not
// change comes without manager@delta, one whose only change is the manager
// may come without its properties. Such users are read whole, with
// $expand=manager, twenty to a JSON batch ($batch), so that a
// reorganisation of a thousand people costs fifty requests, not a thousand.

// batchSize is the most requests Graph takes in one JSON batch.
const batchSize = 20

// hydrateWorkers is how many batches are in flight at once: enough to hide
// latency, few enough to stay well inside Graph's per-app throttling.
const hydrateWorkers = 2

// notFoundRetries bounds the retries of a user the round listed but that
// cannot be read (yet): directory replicas may lag behind each other.
const notFoundRetries = 3

// hydrate reads the records' users whole; the first error stops the rest.
func (c *Client) hydrate(ctx context.Context, recs []*record) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan []*record)
	var wg sync.WaitGroup
	for range min(hydrateWorkers, (len(recs)+batchSize-1)/batchSize) {
		wg.Go(func() {
			for chunk := range work {
				if err := c.readWhole(ctx, chunk); err != nil {
					cancel(err)
				}
			}
		})
	}
	for i := 0; i < len(recs) && ctx.Err() == nil; i += batchSize {
		work <- recs[i:min(i+batchSize, len(recs))]
	}
	close(work)
	wg.Wait()
	return context.Cause(ctx)
}

// batchAnswer is one answer of a JSON batch.
type batchAnswer struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// readWhole reads up to batchSize users in one JSON batch, sending again
// the requests that were throttled or failed (after the longest
// Retry-After among them, else a backoff).
//
// A user the round listed as changed that answers 404 fails the round, after
// a few tries: the delta link is then not kept, and the next sync reads the
// same changes again, by when the user is either readable or reported
// @removed. Guessing "deleted" would deactivate a user who is merely not
// replicated yet; guessing "unchanged" would lose the change.
func (c *Client) readWhole(ctx context.Context, recs []*record) error {
	endpoint := *c.api
	endpoint.Path += "/v1.0/$batch"
	query := url.Values{"$select": {properties}, "$expand": {"manager($select=id)"}}.Encode()
	pending := recs
	for attempt := 0; ; attempt++ {
		type request struct {
			ID     string `json:"id"`
			Method string `json:"method"`
			URL    string `json:"url"`
		}
		reqs := make([]request, len(pending))
		for i, rec := range pending {
			reqs[i] = request{ID: strconv.Itoa(i + 1), Method: http.MethodGet, URL: "/users/" + url.PathEscape(rec.user.ID) + "?" + query}
		}
		payload, err := json.Marshal(map[string]any{"requests": reqs})
		if err != nil {
			return fmt.Errorf("graph: POST %s: %w", endpoint.Path, err)
		}
		body, err := c.do(ctx, http.MethodPost, &endpoint, payload)
		if err != nil {
			return err
		}
		var out struct {
			Responses []batchAnswer `json:"responses"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return fmt.Errorf("graph: POST %s: %w", endpoint.Path, err)
		}
		answered := make([]bool, len(pending))
		var again []*record
		var wait time.Duration
		var last *Error
		for _, a := range out.Responses {
			i, err := strconv.Atoi(a.ID)
			if err != nil || i < 1 || i > len(pending) || answered[i-1] {
				return fmt.Errorf("graph: POST %s: an answer to request %q, which was not asked or was answered twice", endpoint.Path, a.ID)
			}
			answered[i-1] = true
			rec := pending[i-1]
			path := "/v1.0/users/" + rec.user.ID
			if a.Status == http.StatusOK {
				if rec.user, err = parseUser(rec.user.ID, a.Body); err != nil {
					return fmt.Errorf("graph: GET %s (in a batch): %w", path, err)
				}
				continue
			}
			e := apiError(http.MethodGet, path, a.Status, header(a.Headers, "Retry-After"), a.Body)
			switch {
			case a.Status == http.StatusNotFound && attempt < notFoundRetries:
			case a.Status == http.StatusNotFound:
				return fmt.Errorf("%w (the delta round lists this user as changed; the next sync reads these changes again)", e)
			case !e.transient() || attempt >= c.cfg.MaxRetries:
				return e
			}
			again, wait, last = append(again, rec), max(wait, e.RetryAfter), e
		}
		for i, ok := range answered {
			if !ok {
				return fmt.Errorf("graph: POST %s: no answer to request %d (user %s)", endpoint.Path, i+1, pending[i].user.ID)
			}
		}
		if len(again) == 0 {
			return nil
		}
		if wait <= 0 {
			wait = backoff(attempt)
		}
		c.log.WarnContext(ctx, "graph batch requests will be sent again", "requests", len(again), "status", last.Status,
			"code", last.Code, "wait", wait, "attempt", attempt+1)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("graph: POST %s: waiting to retry: %w", endpoint.Path, err)
		}
		pending = again
	}
}

// header reads a batch answer's header whatever its case.
func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// parseUser reads a user read whole, with its expanded manager.
func parseUser(id string, body []byte) (User, error) {
	var item map[string]json.RawMessage
	if err := json.Unmarshal(body, &item); err != nil {
		return User{}, err
	}
	u := User{ID: id}
	if err := u.set(item); err != nil {
		return User{}, err
	}
	if raw, ok := item["manager"]; ok {
		var m *struct{ ID string }
		if err := json.Unmarshal(raw, &m); err != nil {
			return User{}, fmt.Errorf("manager: %w", err)
		}
		if m != nil {
			u.ManagerID = m.ID
		}
	}
	return u, nil
}
