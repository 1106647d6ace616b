// Package hostile is a bounded, loopback-only load of slow and malicious
// clients against a running Reportline, for the benchmark of issue 11
// (BenchmarkHostile): bodies trickled one byte every few seconds, bursts of
// wrong passwords, huge one-line bodies, pathological templates. It never
// targets anything but http:// on the loopback interface, runs for at most
// MaxDuration with at most MaxClients clients, and stops when its context
// ends.
package hostile

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of one run.
const (
	MaxClients   = 256
	MaxDuration  = 10 * time.Minute
	MaxLineBytes = 512 << 20
)

// Options describe one run against a server.
type Options struct {
	BaseURL string // http://127.0.0.1:PORT (loopback only)
	// Token is a platform admin's API token: uploads and template previews
	// are sent as a signed-in caller, who gets the longest allowances.
	Token string
	// Victim is the account whose password the login bursts guess.
	Victim string
	// GroupID is a group whose members have managers, for template
	// previews.
	GroupID int64
	// Clients is the number of hostile clients, spread over the attacks
	// in turn (1..MaxClients).
	Clients int
	// Duration is how long the attack lasts (≤ MaxDuration).
	Duration time.Duration
	// LineBytes is the size of one huge one-line body (≤ MaxLineBytes).
	LineBytes int64
	// TrickleGap is the time between two bytes of a slow body.
	TrickleGap time.Duration
	// Only, when set, limits the run to these attacks (names of Attacks).
	Only []string
}

func (o Options) validate() error {
	u, err := url.Parse(o.BaseURL)
	switch {
	case err != nil:
		return fmt.Errorf("hostile: %w", err)
	case u.Scheme != "http" || !loopback(u.Hostname()):
		return fmt.Errorf("hostile: %s: only http:// on the loopback interface is a target", o.BaseURL)
	case o.Clients < 1 || o.Clients > MaxClients:
		return fmt.Errorf("hostile: %d clients: want 1 to %d", o.Clients, MaxClients)
	case o.Duration <= 0 || o.Duration > MaxDuration:
		return fmt.Errorf("hostile: duration %v: want more than 0 and at most %v", o.Duration, MaxDuration)
	case o.LineBytes <= 0 || o.LineBytes > MaxLineBytes:
		return fmt.Errorf("hostile: line of %d bytes: want 1 to %d", o.LineBytes, MaxLineBytes)
	case o.TrickleGap <= 0:
		return fmt.Errorf("hostile: trickle gap %v: want more than 0", o.TrickleGap)
	}
	for _, a := range o.Only {
		if !slices.Contains(Attacks, a) {
			return fmt.Errorf("hostile: no attack %q (want some of %s)", a, strings.Join(Attacks, ", "))
		}
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Attacks are the kinds of hostile client, in the order clients are given
// them (client i runs Attacks[i % len(Attacks)], or the same over
// Options.Only).
var Attacks = []string{"slow-body", "slow-upload", "login-burst", "huge-line", "huge-json", "template"}

// Tally is what one kind of attack achieved.
type Tally struct {
	Clients  int
	Attempts int64
	// Statuses counts the answers by HTTP status; 0 counts connections the
	// server closed without an answer.
	Statuses map[int]int64
	// Errors counts attempts that failed on the client's side (refused,
	// reset while sending).
	Errors int64
	// Held is the longest time the server let one slow connection live.
	Held time.Duration
}

// Report is the outcome of a run, by attack.
type Report map[string]*Tally

// String writes the report as one line per attack.
func (r Report) String() string {
	var b strings.Builder
	for _, name := range Attacks {
		t := r[name]
		if t == nil {
			continue
		}
		codes := make([]int, 0, len(t.Statuses))
		for c := range t.Statuses {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		var parts []string
		for _, c := range codes {
			label := fmt.Sprint(c)
			if c == 0 {
				label = "closed"
			}
			parts = append(parts, fmt.Sprintf("%s×%d", label, t.Statuses[c]))
		}
		fmt.Fprintf(&b, "%-12s clients %3d  attempts %6d  errors %5d  longest held %6s  answers %s\n",
			name, t.Clients, t.Attempts, t.Errors, t.Held.Round(100*time.Millisecond), strings.Join(parts, " "))
	}
	return b.String()
}

type tally struct {
	mu sync.Mutex
	t  Tally
}

func (t *tally) add(status int, err error, held time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.t.Attempts++
	if err != nil {
		t.t.Errors++
	} else {
		t.t.Statuses[status]++
	}
	t.t.Held = max(t.t.Held, held)
}

// Run attacks the server for opts.Duration and reports what each attack
// got. It returns early when ctx ends.
func Run(ctx context.Context, opts Options) (Report, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	u, _ := url.Parse(opts.BaseURL)
	tallies := map[string]*tally{}
	for _, a := range Attacks {
		tallies[a] = &tally{t: Tally{Statuses: map[int]int64{}}}
	}
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: opts.Clients, DisableKeepAlives: true}, Timeout: 2 * time.Minute}
	var wg sync.WaitGroup
	var running atomic.Int64
	kinds := Attacks
	if len(opts.Only) > 0 {
		kinds = opts.Only
	}
	for i := range opts.Clients {
		name := kinds[i%len(kinds)]
		t := tallies[name]
		t.t.Clients++
		wg.Go(func() {
			running.Add(1)
			defer running.Add(-1)
			for ctx.Err() == nil {
				a := attack{ctx: ctx, opts: opts, host: u.Host, client: client}
				var status int
				var err error
				start := time.Now()
				switch name {
				case "slow-body":
					status, err = a.trickle("/login", "Content-Type: application/x-www-form-urlencoded\r\n")
				case "slow-upload":
					status, err = a.trickle("/api/v1/managers/imports?dry_run=true", "Content-Type: text/csv\r\nAuthorization: Bearer "+opts.Token+"\r\n")
				case "login-burst":
					status, err = a.post("/login", "application/x-www-form-urlencoded", false,
						strings.NewReader(url.Values{"email": {opts.Victim}, "password": {fmt.Sprintf("guess-%d", i)}}.Encode()))
				case "huge-line":
					status, err = a.post("/api/v1/managers/imports?dry_run=true", "text/csv", true,
						io.MultiReader(strings.NewReader("email of manager,email of managee\n"), io.LimitReader(repeat('a'), opts.LineBytes)))
				case "huge-json":
					status, err = a.post("/api/v1/users", "application/json", true,
						io.MultiReader(strings.NewReader(`{"email": "x@example.com", "first_name": "`), io.LimitReader(repeat('a'), opts.LineBytes)))
				case "template":
					body := fmt.Sprintf(`{"group_id": %d, "subject": "s", "body": "{{range 20000}}{{range 1000}}{{end}}{{end}}"}`, opts.GroupID)
					status, err = a.post("/api/v1/template-messages/preview", "application/json", true, strings.NewReader(body))
				}
				if ctx.Err() != nil && err != nil {
					return // cut by the end of the run, not by the server
				}
				t.add(status, err, time.Since(start))
			}
		})
	}
	wg.Wait()
	out := Report{}
	for name, t := range tallies {
		out[name] = &t.t
	}
	return out, nil
}

type attack struct {
	ctx    context.Context
	opts   Options
	host   string
	client *http.Client
}

// trickle sends the headers of a POST announcing a 1 MB body and then one
// byte every TrickleGap, until the server answers or closes the
// connection, and returns the answer's status (0: closed without one).
func (a attack) trickle(path, header string) (int, error) {
	var d net.Dialer
	c, err := d.DialContext(a.ctx, "tcp", a.host)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	stop := context.AfterFunc(a.ctx, func() { c.Close() })
	defer stop()
	if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000000\r\n%s\r\n", path, a.host, header); err != nil {
		return 0, err
	}
	answered := make(chan int, 1)
	go func() {
		line, _ := bufio.NewReader(c).ReadString('\n')
		var status int
		fmt.Sscanf(line, "HTTP/1.1 %d", &status)
		answered <- status
	}()
	tk := time.NewTicker(a.opts.TrickleGap)
	defer tk.Stop()
	for {
		select {
		case status := <-answered:
			return status, nil
		case <-a.ctx.Done():
			return 0, a.ctx.Err()
		case <-tk.C:
			if _, err := c.Write([]byte("a")); err != nil {
				// The server closed its side; its answer, if any, is
				// on the way.
				select {
				case status := <-answered:
					return status, nil
				case <-time.After(5 * time.Second):
					return 0, nil
				}
			}
		}
	}
}

// post sends a body (of unknown length when chunked) and reads the answer.
func (a attack) post(path, contentType string, signedIn bool, body io.Reader) (int, error) {
	req, err := http.NewRequestWithContext(a.ctx, "POST", "http://"+a.host+path, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	if signedIn {
		req.Header.Set("Authorization", "Bearer "+a.opts.Token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

type repeat byte

func (b repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}
