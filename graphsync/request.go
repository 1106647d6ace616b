package graphsync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxBody bounds one response; a delta page is a few hundred kilobytes.
const maxBody = 64 << 20

// maxWait bounds one Retry-After, so a confused server cannot park a sync
// for a day.
const maxWait = 10 * time.Minute

// Error is a failed request to the identity platform or to Graph. It names
// the method and the URL without its query (state tokens stay out of logs);
// it never holds the secret or the access token.
type Error struct {
	Method     string
	Path       string        // the API path, or the token endpoint's URL
	Status     int           // 0 when the request got no answer
	Code       string        // Graph's or the identity platform's error code
	Message    string        // their message
	RetryAfter time.Duration // from the Retry-After header, 0 when absent
	Err        error         // the transport failure, when there was no answer
}

func (e *Error) Error() string {
	s := "graph: " + e.Method + " " + e.Path + ":"
	if e.Status != 0 {
		s += " " + strconv.Itoa(e.Status)
	}
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// transient reports whether trying again may help: throttling, a busy or
// failing service, or no answer at all.
func (e *Error) transient() bool {
	switch e.Status {
	case 0:
		return e.Err != nil && !errors.Is(e.Err, context.Canceled) && !errors.Is(e.Err, context.DeadlineExceeded)
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// get fetches one URL of the API with the bearer token, retrying what
// can be retried, and returns the body of a 200 answer.
func (c *Client) get(ctx context.Context, u *url.URL) ([]byte, error) {
	return c.do(ctx, http.MethodGet, u, nil)
}

// do sends one request of the API (a GET, or the POST of a JSON batch of
// GETs, so that it can be sent again) with the bearer token, retrying what
// can be retried, and returns the body of a 200 answer.
func (c *Client) do(ctx context.Context, method string, u *url.URL, payload []byte) ([]byte, error) {
	if u.Scheme != c.api.Scheme || u.Host != c.api.Host {
		// The token must never travel to a host we were not configured for.
		return nil, fmt.Errorf("graph: refusing a link to %s://%s, which is not the configured API %s", u.Scheme, u.Host, c.cfg.APIURL)
	}
	renew, renewed := false, false
	for attempt := 0; ; attempt++ {
		body, err := c.try(ctx, method, u, payload, renew)
		renew = false
		if err == nil {
			return body, nil
		}
		var ge *Error
		if !errors.As(err, &ge) {
			return nil, err
		}
		if ge.Status == http.StatusUnauthorized && ge.Path == u.Path && !renewed {
			// The token expired or was revoked early: get a new one, once.
			renew, renewed = true, true
			attempt--
			continue
		}
		if !ge.transient() || attempt >= c.cfg.MaxRetries {
			return nil, err
		}
		wait := ge.RetryAfter
		if wait <= 0 {
			wait = backoff(attempt)
		}
		c.log.WarnContext(ctx, "graph request will be retried", "method", ge.Method, "path", ge.Path,
			"status", ge.Status, "code", ge.Code, "wait", wait, "attempt", attempt+1, "max_retries", c.cfg.MaxRetries)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("graph: %s %s: waiting to retry: %w", method, u.Path, err)
		}
	}
}

// try makes one attempt.
func (c *Client) try(ctx context.Context, method string, u *url.URL, payload []byte, renew bool) ([]byte, error) {
	token, err := c.accessToken(ctx, renew)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("graph: %s %s: %w", method, u.Path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("graph: %s %s: %w", method, u.Path, context.Cause(ctx))
		}
		return nil, &Error{Method: method, Path: u.Path, Err: unwrapURL(err)}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, &Error{Method: method, Path: u.Path, Status: resp.StatusCode, Err: fmt.Errorf("reading the answer: %w", unwrapURL(err))}
	}
	if len(answer) > maxBody {
		return nil, &Error{Method: method, Path: u.Path, Status: resp.StatusCode, Message: fmt.Sprintf("answer larger than %d bytes", maxBody)}
	}
	if resp.StatusCode == http.StatusOK {
		return answer, nil
	}
	return nil, apiError(method, u.Path, resp.StatusCode, resp.Header.Get("Retry-After"), answer)
}

// apiError reads Graph's error body of a failed request (or of one request
// of a JSON batch).
func apiError(method, path string, status int, retry string, body []byte) *Error {
	e := &Error{Method: method, Path: path, Status: status, RetryAfter: retryAfter(retry, time.Now())}
	var ge struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(body, &ge) == nil && ge.Error.Code != "" {
		e.Code, e.Message = ge.Error.Code, firstLine(ge.Error.Message)
	} else {
		e.Message = http.StatusText(status)
	}
	return e
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxWait)
}

// backoff is 1s, 2s, 4s… up to a minute, with ±20% jitter so that replicas
// throttled together do not come back together.
func backoff(attempt int) time.Duration {
	d := min(time.Second<<min(attempt, 6), time.Minute)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
