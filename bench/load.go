package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"reportline"
)

// Bounds on one run of the load generator. It is a measuring tool for a
// server on this machine, never a way to flood anything else.
const (
	MaxConcurrency = 256
	MaxRequests    = 10_000_000
	MaxDuration    = 30 * time.Minute
)

// Options bound a run: it stops after Requests operations or after Duration,
// whichever comes first.
type Options struct {
	Concurrency int           // clients working at once; 1 is one sequential client
	Requests    int           // operations in all, 1..MaxRequests
	Duration    time.Duration // the longest the run may take, up to MaxDuration
}

func (o Options) validate() error {
	switch {
	case o.Concurrency < 1 || o.Concurrency > MaxConcurrency:
		return fmt.Errorf("bench: concurrency %d: want 1 to %d", o.Concurrency, MaxConcurrency)
	case o.Requests < 1 || o.Requests > MaxRequests:
		return fmt.Errorf("bench: %d requests: want 1 to %d", o.Requests, MaxRequests)
	case o.Duration <= 0 || o.Duration > MaxDuration:
		return fmt.Errorf("bench: duration %v: want more than 0 and at most %v", o.Duration, MaxDuration)
	}
	return nil
}

// Result is what a run measured.
type Result struct {
	Requests  int             // operations that succeeded
	Errors    int             // operations that failed
	Err       error           // the first failure
	Elapsed   time.Duration   // wall time of the whole run
	Latencies []time.Duration // one per successful operation, sorted
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of the latencies by the
// nearest-rank method, 0 when nothing succeeded.
func (r Result) Quantile(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(q*float64(len(r.Latencies))+0.999999) - 1
	return r.Latencies[min(max(i, 0), len(r.Latencies)-1)]
}

// Throughput returns successful operations per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Op is one operation of a run; i numbers the operations of the run from 0.
type Op func(ctx context.Context, i int) error

// Drive runs op opts.Requests times from opts.Concurrency goroutines, each
// taking the next number as soon as it is done with the last (a closed
// loop: the clients wait for answers, so a slow server is measured, not
// buried under a queue). It stops early when opts.Duration has passed or
// ctx ends, and returns the latency of every successful operation.
func Drive(ctx context.Context, opts Options, op Op) (Result, error) {
	if err := opts.validate(); err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	var res Result
	var wg sync.WaitGroup
	start := time.Now()
	for range opts.Concurrency {
		wg.Go(func() {
			// At most 64k latencies up front: a run bounded by time with a
			// large count (up to MaxRequests, 80 MB of them) would spend its
			// first milliseconds allocating, or all of a short Duration.
			lat := make([]time.Duration, 0, min(opts.Requests/opts.Concurrency+1, 1<<16))
			var errs int
			var first error
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= opts.Requests {
					break
				}
				t0 := time.Now()
				err := op(ctx, i)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
						break // cut short by the deadline: not the server's failure
					}
					errs++
					if first == nil {
						first = err
					}
					continue
				}
				lat = append(lat, d)
			}
			mu.Lock()
			res.Latencies = append(res.Latencies, lat...)
			res.Errors += errs
			if res.Err == nil {
				res.Err = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = len(res.Latencies)
	slices.Sort(res.Latencies)
	return res, nil
}

// Q1 is the query of BENCHMARKS.md Q1: a user's managers or managees over
// the JSON API, GET /api/v1/users/{id}/managers and /managees.
type Q1 struct {
	base   string
	token  string
	ids    []reportline.UserID
	client *http.Client
}

// NewQ1 returns a Q1 client for the server at baseURL (http://127.0.0.1:PORT
// or http://localhost:PORT: loopback only) that authenticates with a bearer
// token and asks about the given users. It keeps up to concurrency
// connections open, so that no request pays for a new one.
func NewQ1(baseURL, token string, ids []reportline.UserID, concurrency int) (*Q1, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if u.Scheme != "http" || !loopback(u.Hostname()) {
		return nil, fmt.Errorf("bench: %s: the load generator only targets http:// on the loopback interface", baseURL)
	}
	if len(ids) == 0 {
		return nil, errors.New("bench: no user ids to ask about")
	}
	if concurrency < 1 || concurrency > MaxConcurrency {
		return nil, fmt.Errorf("bench: concurrency %d: want 1 to %d", concurrency, MaxConcurrency)
	}
	tr := &http.Transport{
		MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency,
		IdleConnTimeout: time.Minute, DisableCompression: true,
	}
	return &Q1{base: u.Scheme + "://" + u.Host, token: token, ids: ids,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Target returns the user and the side that operation i asks about: the
// users in turn, managers on even operations and managees on odd ones.
func (q *Q1) Target(i int) (reportline.UserID, reportline.Direction) {
	dir := reportline.Managers
	if i%2 == 1 {
		dir = reportline.Managees
	}
	return q.ids[(i/2)%len(q.ids)], dir
}

// Do sends operation i and reads the whole answer; any status but 200 is
// an error.
func (q *Q1) Do(ctx context.Context, i int) error {
	id, dir := q.Target(i)
	body, err := q.Get(ctx, id, dir)
	if err != nil {
		return err
	}
	body.Close()
	return nil
}

// Health sends GET /healthz without credentials and reads the answer: the
// HTTP stack (client, loopback, middleware) with no database work, which
// tells how much of a Q1 request is HTTP alone. i is ignored.
func (q *Q1) Health(ctx context.Context, i int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, q.base+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := q.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz: %s", resp.Status)
	}
	return nil
}

// Get asks for one side of a user's links and returns the open body of a
// 200 answer; the caller closes it.
func (q *Q1) Get(ctx context.Context, id reportline.UserID, dir reportline.Direction) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		q.base+"/api/v1/users/"+strconv.FormatInt(int64(id), 10)+"/"+string(dir), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+q.token)
	resp, err := q.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s: %s", req.URL.Path, resp.Status, msg)
	}
	return drainCloser{resp.Body}, nil
}

// drainCloser reads what is left of a body before closing it, so that the
// connection goes back to the pool.
type drainCloser struct{ io.ReadCloser }

func (d drainCloser) Close() error {
	io.Copy(io.Discard, d.ReadCloser)
	return d.ReadCloser.Close()
}

// Close releases the client's idle connections.
func (q *Q1) Close() { q.client.CloseIdleConnections() }

// LoadQ1 runs Q1 against the server at baseURL with opts and returns the
// measurements; see NewQ1 and Drive.
func LoadQ1(ctx context.Context, baseURL, token string, ids []reportline.UserID, opts Options) (Result, error) {
	q, err := NewQ1(baseURL, token, ids, opts.Concurrency)
	if err != nil {
		return Result{}, err
	}
	defer q.Close()
	return Drive(ctx, opts, q.Do)
}
