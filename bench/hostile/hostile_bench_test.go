package hostile_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"reportline/bench/hostile"
	"reportline/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Pass marks of issue 11: under the attack, the server's peak resident set
// stays under maxRSS and a normal request's p99 under maxP99Ratio times its
// p99 without the attack.
const (
	maxRSS      = 512 << 20
	maxP99Ratio = 3.0
)

// BenchmarkHostile runs the reportline binary (`serve`, default limits) on
// loopback on each engine, measures a normal request (a signed-in GET
// /api/v1/users/{id}/managers, one client after the other) alone for
// REPORTLINE_HOSTILE_DURATION (60s), then under 100 hostile clients for as
// long: bodies
// trickled one byte every 5 s (anonymous, and as a signed-in upload),
// wrong-password bursts on one account, huge one-line CSV and JSON bodies
// (REPORTLINE_HOSTILE_LINE_MB, 32 MiB each), and pathological templates;
// REPORTLINE_HOSTILE_ATTACKS=slow-body,login-burst runs only those.
// It reports the server's peak resident set (VmHWM) and the normal
// request's p99 both ways, logs what each attack got, and fails when a
// normal request fails or the server stops answering; with
// REPORTLINE_HOSTILE_JUDGE=1 also when the peak passes 512 MiB or the p99
// triples. Run it with -benchtime 1x:
//
//	REPORTLINE_HOSTILE_JUDGE=1 go test -run '^$' -bench Hostile -benchtime 1x -timeout 30m -v ./bench/hostile/
func BenchmarkHostile(b *testing.B) {
	// CI runs every benchmark once to keep it from rotting: a short attack
	// is enough for that.
	attack := time.Minute
	if os.Getenv("CI") == "true" {
		attack = 10 * time.Second
	}
	duration := envDuration(b, "REPORTLINE_HOSTILE_DURATION", attack)
	lineMB := envInt(b, "REPORTLINE_HOSTILE_LINE_MB", 32)
	var only []string
	if v := os.Getenv("REPORTLINE_HOSTILE_ATTACKS"); v != "" {
		only = strings.Split(v, ",")
	}
	bin := buildReportline(b)
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			dbURL := ""
			if engine == "postgres" {
				dbURL = pgtest.New(b)
			}
			for b.Loop() {
				b.StopTimer()
				srv := startServer(b, bin, dbURL)
				w := setUp(b, srv.base, srv.token)
				normal := func() (time.Duration, error) { return w.normal() }
				for range 50 { // warm-up: connections, caches, the query plans
					normal()
				}
				// Alone for as long as the attack lasts: a p99 over half a
				// second and one over a minute do not see the same share of
				// the machine's own hiccups.
				alone, stopAlone := context.WithTimeout(context.Background(), duration)
				unloaded := measure(alone, 1<<30, normal)
				stopAlone()

				ctx, cancel := context.WithCancel(context.Background())
				var loaded latencies
				var wg sync.WaitGroup
				wg.Go(func() { loaded = measure(ctx, 1<<30, normal) })
				report, err := hostile.Run(context.Background(), hostile.Options{
					BaseURL: srv.base, Token: srv.token, Victim: adminEmail, GroupID: w.group,
					Clients: 100, Duration: duration, LineBytes: int64(lineMB) << 20, TrickleGap: 5 * time.Second, Only: only,
				})
				cancel()
				wg.Wait()
				if err != nil {
					b.Fatal(err)
				}
				peak := srv.peakRSS()
				healthy := w.healthy()
				b.StartTimer()

				b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
				b.ReportMetric(ms(unloaded.p99()), "p99-alone-ms")
				b.ReportMetric(ms(loaded.p99()), "p99-attacked-ms")
				ratio := float64(loaded.p99()) / float64(max(unloaded.p99(), time.Microsecond))
				b.ReportMetric(ratio, "p99-ratio")
				b.ReportMetric(float64(loaded.errors), "normal-errors")
				b.Logf("%s: normal request alone: %d requests, p50 %v, p99 %v; under attack: %d requests (%d failed), p50 %v, p99 %v (%.2f×); peak RSS %.0f MiB\n%s",
					engine, len(unloaded.d), unloaded.q(0.5), unloaded.p99(), len(loaded.d), loaded.errors, loaded.q(0.5), loaded.p99(), ratio, float64(peak)/(1<<20), report)
				if !healthy {
					b.Errorf("the server does not answer /healthz after the attack")
				}
				// The marks are measurements, judged by a person reading
				// rounds on a quiet machine (docs/benchmarks.md), not by
				// every CI run: they fail the benchmark only when asked.
				judge := b.Logf
				if os.Getenv("REPORTLINE_HOSTILE_JUDGE") != "" {
					judge = b.Errorf
				}
				if peak > maxRSS {
					judge("target not met: peak RSS %.0f MiB, want under %d MiB", float64(peak)/(1<<20), maxRSS>>20)
				}
				if ratio > maxP99Ratio {
					judge("target not met: a normal request's p99 went from %v to %v (%.1f×), want under %.0f×", unloaded.p99(), loaded.p99(), ratio, maxP99Ratio)
				}
				if loaded.errors > 0 {
					b.Errorf("%d normal requests failed under attack (first: %v)", loaded.errors, loaded.first)
				}
			}
		})
	}
}

const (
	adminEmail    = "admin@hostile.test"
	adminPassword = "a long and correct password"
)

// server is a running `reportline serve`.
type server struct {
	base  string
	token string
	cmd   *exec.Cmd

	mu   sync.Mutex
	peak int64 // the largest VmRSS seen, bytes
}

// buildReportline builds the command once.
func buildReportline(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "reportline")
	out, err := exec.Command("go", "build", "-o", bin, "reportline/cmd/reportline").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childEnv is this process's environment without REPORTLINE_* settings or
// Go memory tuning, so the server runs with its own defaults.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REPORTLINE_") && !strings.HasPrefix(kv, "GOMEMLIMIT=") && !strings.HasPrefix(kv, "GOGC=") {
			env = append(env, kv)
		}
	}
	return env
}

func storageArgs(dir, dbURL string) []string {
	args := []string{"--data", dir}
	if dbURL != "" {
		args = append(args, "--database", dbURL)
	}
	return args
}

// startServer creates the platform admin and a token, then starts `serve`
// on a free loopback port and samples its resident set until the test ends.
func startServer(b *testing.B, bin, dbURL string) *server {
	b.Helper()
	dir := b.TempDir()
	run := func(stdin string, args ...string) string {
		cmd := exec.Command(bin, append(args, storageArgs(dir, dbURL)...)...)
		cmd.Env, cmd.Stdin = childEnv(), strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("reportline %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(adminPassword+"\n", "admin", "create", "--email", adminEmail)
	token := regexp.MustCompile(`rlt_\S+`).FindString(run("", "token", "create", "--email", adminEmail, "--name", "hostile"))
	if token == "" {
		b.Fatal("token create printed no token")
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, storageArgs(dir, dbURL)...)...)
	cmd.Env = childEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &server{token: token, cmd: cmd}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
	})
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(sc.Text()); m != nil {
			s.base = m[1]
			break
		}
	}
	if s.base == "" {
		b.Fatal("serve printed no address")
	}
	go io.Copy(io.Discard, stderr)
	stop := make(chan struct{})
	b.Cleanup(func() { close(stop) })
	go func() {
		tk := time.NewTicker(50 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			if rss := procStatus(cmd.Process.Pid, "VmRSS"); rss > 0 {
				s.mu.Lock()
				s.peak = max(s.peak, rss)
				s.mu.Unlock()
			}
		}
	}()
	return s
}

// peakRSS is the server's peak resident set: the kernel's high-water mark
// (VmHWM, which starts afresh at exec), or the largest sample.
func (s *server) peakRSS() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(s.peak, procStatus(s.cmd.Process.Pid, "VmHWM"))
}

// procStatus reads one "kB" field of /proc/PID/status, in bytes.
func procStatus(pid int, field string) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(raw)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// world is what the normal request and the template attack need: a group
// whose member has a manager.
type world struct {
	base, token    string
	group, managee int64
	client         *http.Client
}

func setUp(b *testing.B, base, token string) *world {
	b.Helper()
	w := &world{base: base, token: token, client: &http.Client{Timeout: time.Minute}}
	call := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := w.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		var out map[string]any
		json.Unmarshal(raw, &out)
		return out
	}
	id := func(m map[string]any) int64 { f, _ := m["id"].(float64); return int64(f) }
	w.group = id(call("POST", "/api/v1/groups", `{"name": "Hostile"}`))
	mgr := id(call("POST", "/api/v1/users", fmt.Sprintf(`{"email": "mgr@hostile.test", "first_name": "Manager", "group_id": %d}`, w.group)))
	w.managee = id(call("POST", "/api/v1/users", fmt.Sprintf(`{"email": "ee@hostile.test", "first_name": "Managee", "group_id": %d}`, w.group)))
	call("POST", fmt.Sprintf("/api/v1/users/%d/managers", w.managee), fmt.Sprintf(`{"ids": [%d]}`, mgr))
	return w
}

// normal is the normal request: a signed-in read of a user's managers.
func (w *world) normal() (time.Duration, error) {
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/users/%d/managers", w.base, w.managee), nil)
	req.Header.Set("Authorization", "Bearer "+w.token)
	t0 := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return d, err
}

func (w *world) healthy() bool {
	resp, err := w.client.Get(w.base + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

type latencies struct {
	d      []time.Duration
	errors int
	first  error
}

// measure runs op n times one after the other, or until ctx ends.
func measure(ctx context.Context, n int, op func() (time.Duration, error)) latencies {
	var l latencies
	for i := 0; i < n && ctx.Err() == nil; i++ {
		d, err := op()
		if err != nil {
			if ctx.Err() == nil {
				l.errors++
				if l.first == nil {
					l.first = err
				}
			}
			continue
		}
		l.d = append(l.d, d)
	}
	slices.Sort(l.d)
	return l
}

// q is the q-quantile by the nearest-rank method.
func (l latencies) q(q float64) time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	i := int(q*float64(len(l.d))+0.999999) - 1
	return l.d[min(max(i, 0), len(l.d)-1)]
}

func (l latencies) p99() time.Duration { return l.q(0.99) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > hostile.MaxDuration {
		b.Fatalf("%s=%q: want a duration up to %v", name, v, hostile.MaxDuration)
	}
	return d
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > hostile.MaxLineBytes>>20 {
		b.Fatalf("%s=%q: want 1 to %d", name, v, hostile.MaxLineBytes>>20)
	}
	return n
}
