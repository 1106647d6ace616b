package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"reportline"
	"reportline/web"
)

// Admission decides, from the request line and headers alone, before a
// body is read and before any expensive work (a password hash, an import,
// a large JSON document), whether a request runs now, waits a little for a
// slot, or is refused with 429 (this caller has its share) or 503 (the
// service is full), both with Retry-After.
//
// Requests are sorted into classes: reads (GET, HEAD, OPTIONS), writes (a
// small body of known length), uploads (a body over SmallBody or of unknown
// length, a file) and sign-ins (the sign-in and password-reset forms). Each
// class has its own slots, so a flood of one kind never takes the slots of
// another. Inside a class, callers are served in turn (fair queueing): a
// caller is a signed-in user (whatever token or session they use) or, when
// anonymous, a client address (web.ClientIP, so REPORTLINE_TRUSTED_PROXIES
// applies; IPv6 by /64). Signed-in callers are served before anonymous
// ones, and anonymous callers together never hold more than Anonymous of a
// class's slots, so an anonymous flood cannot queue a signed-in user.
//
// docs/security.md lists every value.
type Admission struct {
	// Off turns admission control off: every request runs at once.
	Off bool
	// The limits of each class.
	Read, Write, Upload, SignIn ClassLimits
	// MaxWait is the longest a request waits for a slot before it is
	// refused.
	MaxWait time.Duration
	// RefusalDelay holds a refusal that did not wait (a caller over its
	// share of the queue, the sign-in rate spent) this long before it is
	// answered, so that a client that ignores Retry-After and retries at
	// once costs the server one cheap answer per RefusalDelay and
	// connection instead of a busy loop. At most HeldRefusals are held at
	// once; beyond, refusals are answered at once.
	RefusalDelay time.Duration
	HeldRefusals int
	// SmallBody is the largest body that counts as a write rather than an
	// upload. A small body is read before its request takes a slot (within
	// BufferBudget bytes for all requests together), so a client trickling
	// it holds a connection, never a slot.
	SmallBody    int64
	BufferBudget int64
	// SignInRate and SignInBurst bound sign-in attempts (and password
	// reset forms) per client address, counted in memory before the
	// database's own throttle (app/throttle.go) is asked; Clients bounds
	// the addresses remembered (least recently seen forgotten first).
	SignInRate  rate.Limit
	SignInBurst int
	// FailureRate and FailureBurst bound how fast one caller's writes and
	// uploads may be refused as malformed, too large or invalid (400,
	// 413, 415, 422, 431): a caller whose failures outrun the
	// budget waits for it (up to MaxWait) or is refused before its next
	// write or upload is read. Requests that succeed spend nothing, so a
	// busy integration is never slowed, while a client hammering the
	// service with requests it refuses (a pathological template, an
	// oversized document) is held to FailureRate a second.
	FailureRate  rate.Limit
	FailureBurst int
	Clients      int
	// TenantRate gives the rate and burst of requests the request's
	// tenant's callers together may make (its token bucket; a zero rate
	// is no limit), asked with the tenant on the context. Beyond it a
	// request waits for a token up to MaxWait, else is refused with 429,
	// the limit named. Nil: New asks App.TenantLimits (the tenant's
	// settings, the operator's defaults); without an App, no limit.
	TenantRate func(ctx context.Context) (rate.Limit, int)
}

// ClassLimits are the slots of one class of requests.
type ClassLimits struct {
	// Slots is the number of requests of the class that run at once.
	Slots int
	// PerCaller is the most one caller may run at once; it may have as
	// many more waiting.
	PerCaller int
	// Anonymous is the most anonymous callers together may run at once.
	Anonymous int
	// PerTenant is the most one tenant's callers together may run at once
	// while another tenant's request waits for a slot of the class (the
	// slots are shared alone otherwise, so a single-tenant installation
	// keeps them all): one tenant's imports cannot hold every upload slot
	// from another's. Zero: half the slots, at least 1.
	PerTenant int
	// Queue bounds the requests waiting for a slot. When it is full, the
	// caller with the most waiting requests gives up its newest one to a
	// caller with fewer (anonymous callers first), else the newcomer is
	// refused: a flood from one caller cannot refuse anyone else.
	Queue int
}

// DefaultAdmission is the production setting.
func DefaultAdmission() Admission {
	return Admission{
		Read:         ClassLimits{Slots: 64, PerCaller: 16, Anonymous: 32, Queue: 256},
		Write:        ClassLimits{Slots: 32, PerCaller: 16, Anonymous: 16, Queue: 256},
		Upload:       ClassLimits{Slots: 4, PerCaller: 2, Anonymous: 2, Queue: 64},
		SignIn:       ClassLimits{Slots: 16, PerCaller: 8, Anonymous: 16, Queue: 64},
		MaxWait:      2 * time.Second,
		RefusalDelay: time.Second,
		HeldRefusals: 1024,
		SmallBody:    64 << 10,
		BufferBudget: 16 << 20,
		SignInRate:   2,
		SignInBurst:  20,
		FailureRate:  10,
		FailureBurst: 100,
		Clients:      10_000,
	}
}

// withDefaults fills zero fields from DefaultAdmission.
func (a Admission) withDefaults() Admission {
	d := DefaultAdmission()
	// A class given only its slots keeps the default proportions.
	class := func(c *ClassLimits, def ClassLimits) {
		orDefault(&c.Slots, def.Slots)
		scale := func(n int) int { return max(1, c.Slots*n/def.Slots) }
		orDefault(&c.PerCaller, scale(def.PerCaller))
		orDefault(&c.Anonymous, scale(def.Anonymous))
		orDefault(&c.Queue, def.Queue)
		orDefault(&c.PerTenant, max(1, c.Slots/2))
	}
	class(&a.Read, d.Read)
	class(&a.Write, d.Write)
	class(&a.Upload, d.Upload)
	class(&a.SignIn, d.SignIn)
	orDefault(&a.MaxWait, d.MaxWait)
	orDefault(&a.RefusalDelay, d.RefusalDelay)
	orDefault(&a.HeldRefusals, d.HeldRefusals)
	orDefault(&a.SmallBody, d.SmallBody)
	orDefault(&a.BufferBudget, d.BufferBudget)
	orDefault(&a.SignInRate, d.SignInRate)
	orDefault(&a.SignInBurst, d.SignInBurst)
	orDefault(&a.FailureRate, d.FailureRate)
	orDefault(&a.FailureBurst, d.FailureBurst)
	orDefault(&a.Clients, d.Clients)
	return a
}

// orDefault sets *v to def when it is the zero value: the settings' zero
// means "the default".
func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Classes of requests, as they appear in metrics and refusals.
const (
	classRead   = "read"
	classWrite  = "write"
	classUpload = "upload"
	classSignIn = "sign-in"
)

// signInPaths are the anonymous forms that cost a password hash or a
// throttle row in the database.
var signInPaths = map[string]bool{"/login": true, "/password/forgot": true, "/password/reset": true}

// admission is the state of Admission in one server.
type admission struct {
	cfg     Admission
	classes map[string]*class
	signIn  *buckets[netip.Prefix] // sign-in attempts by client address
	failed  *buckets[string]       // refused inputs by caller
	tenants tenantBuckets          // requests by tenant
	held    atomic.Int64           // refusals being held
	budget  atomic.Int64           // bytes of small bodies being read ahead
	refused func(class, reason string)
}

func newAdmission(cfg Admission, refused func(class, reason string)) *admission {
	cfg = cfg.withDefaults()
	a := &admission{cfg: cfg, refused: refused, classes: map[string]*class{
		classRead:   newClass(cfg.Read),
		classWrite:  newClass(cfg.Write),
		classUpload: newClass(cfg.Upload),
		classSignIn: newClass(cfg.SignIn),
	}}
	a.signIn = newBuckets[netip.Prefix](cfg.Clients, cfg.SignInRate, cfg.SignInBurst)
	a.failed = newBuckets[string](cfg.Clients, cfg.FailureRate, cfg.FailureBurst)
	return a
}

// buckets are token buckets by key (a client address, a caller), the
// least recently used forgotten beyond a number of keys.
type buckets[K comparable] struct {
	mu    sync.Mutex // makes "get or add" one step
	lru   *expirable.LRU[K, *rate.Limiter]
	rate  rate.Limit
	burst int
}

func newBuckets[K comparable](size int, r rate.Limit, burst int) *buckets[K] {
	// A quiet key's bucket refills fully within burst/rate; forgetting it
	// after a minute more costs nothing.
	ttl := time.Duration(float64(burst)/float64(r)*float64(time.Second)) + time.Minute
	return &buckets[K]{lru: expirable.NewLRU[K, *rate.Limiter](size, nil, ttl), rate: r, burst: burst}
}

// get returns the bucket of key, a full one when key has none.
func (b *buckets[K]) get(key K) *rate.Limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	lim, ok := b.lru.Get(key)
	if !ok {
		lim = rate.NewLimiter(b.rate, b.burst)
		b.lru.Add(key, lim)
	}
	return lim
}

// tenantBuckets are the tenants' request buckets, one per tenant (tenants
// are few and known: the request's tenant was resolved before admission).
type tenantBuckets struct {
	mu sync.Mutex
	m  map[reportline.TenantID]*rate.Limiter
}

// get returns the tenant's bucket at rate r and burst b, changing them
// when the tenant's limits changed.
func (t *tenantBuckets) get(id reportline.TenantID, r rate.Limit, b int) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	lim := t.m[id]
	switch {
	case lim == nil:
		if t.m == nil {
			t.m = map[reportline.TenantID]*rate.Limiter{}
		}
		lim = rate.NewLimiter(r, b)
		t.m[id] = lim
	case lim.Limit() != r || lim.Burst() != b:
		lim.SetLimit(r)
		lim.SetBurst(b)
	}
	return lim
}

// tenantTurn spends one request of the tenant's bucket, waiting for it up
// to MaxWait; when the next token is further off it returns that delay,
// the tenant's rate and burst, and false.
func (a *admission) tenantTurn(r *http.Request) (time.Duration, rate.Limit, int, bool) {
	if a.cfg.TenantRate == nil {
		return 0, 0, 0, true
	}
	ctx := r.Context()
	rt, burst := a.cfg.TenantRate(ctx)
	if rt <= 0 {
		return 0, 0, 0, true
	}
	id, ok := reportline.TenantOf(ctx)
	if !ok {
		id = reportline.ImplicitTenant
	}
	lim := a.tenants.get(id, rt, max(1, burst))
	now := time.Now()
	res := lim.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	if !res.OK() || wait > a.cfg.MaxWait {
		res.CancelAt(now)
		return max(wait, time.Second), rt, max(1, burst), false
	}
	if wait > 0 {
		sleep(ctx, wait)
	}
	return 0, 0, 0, true
}

// formatRate writes a rate for people: "50", "0.5".
func formatRate(r rate.Limit) string {
	return strconv.FormatFloat(float64(r), 'f', -1, 64)
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// classify says which class a request belongs to, from its line and
// headers.
func (a *admission) classify(r *http.Request) string {
	switch r.URL.Path {
	case "/healthz", "/readyz", "/metrics":
		return ""
	}
	if r.Method == http.MethodPost && signInPaths[r.URL.Path] {
		return classSignIn
	}
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	if hasBody && (r.ContentLength < 0 || r.ContentLength > a.cfg.SmallBody || isUpload(r)) {
		return classUpload
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return classRead
	}
	return classWrite
}

// callerKey names the caller of a request: the signed-in user, else the
// client's address (an IPv6 client by its /64, which one host usually
// holds whole).
func callerKey(r *http.Request) (key string, anonymous bool) {
	if u, ok := web.User(r.Context()); ok {
		return "user:" + strconv.FormatInt(int64(u.ID), 10), false
	}
	return "addr:" + clientPrefix(r).String(), true
}

func clientPrefix(r *http.Request) netip.Prefix {
	ip := web.ClientIP(r)
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return netip.Prefix{}
	}
	return p
}

// admit is the middleware. It runs after authentication (which reads only
// headers), so it knows who is signed in.
func (a *admission) admit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := a.classify(r)
		if name == "" {
			next.ServeHTTP(w, r)
			return
		}
		if wait, r0, burst, ok := a.tenantTurn(r); !ok {
			a.refuseWith(w, r, name, "tenant-rate", http.StatusTooManyRequests, wait, true,
				fmt.Sprintf("your organisation has used its share of requests (its limit: %s a second, bursts of %d); try again in a moment", formatRate(r0), burst),
				map[string]any{"limit": "tenant_api_rate", "rate_per_second": float64(r0), "burst": burst})
			return
		}
		if name == classSignIn {
			if wait, ok := a.signInTurn(r); !ok {
				a.refuse(w, r, name, "sign-in-rate", http.StatusTooManyRequests, wait, true,
					"too many sign-in attempts from your address; try again in a moment")
				return
			}
		}
		key, anonymous := callerKey(r)
		var failures *rate.Limiter
		if name == classWrite || name == classUpload {
			failures = a.failed.get(key)
			if wait, ok := failureTurn(r.Context(), failures, a.cfg.MaxWait); !ok {
				a.refuse(w, r, name, "failure-rate", http.StatusTooManyRequests, wait, true,
					"too many of your recent requests were refused; try again in a moment")
				return
			}
		}
		if name != classUpload {
			a.readAhead(r)
		}
		tenant, ok := reportline.TenantOf(r.Context())
		if !ok {
			tenant = reportline.ImplicitTenant
		}
		release, ref := a.classes[name].acquire(r.Context(), key, tenant, anonymous, a.cfg.MaxWait)
		if ref != nil {
			status, msg := http.StatusServiceUnavailable, "the service is busy; try again in a moment"
			if ref.own {
				status, msg = http.StatusTooManyRequests, "you have too many requests of this kind in progress; try again in a moment"
			}
			a.refuse(w, r, name, ref.reason, status, a.cfg.MaxWait, !ref.waited, msg)
			return
		}
		defer release()
		if failures == nil {
			next.ServeHTTP(w, r)
			return
		}
		cw := &codeWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		if refusedInput[cw.code] {
			failures.ReserveN(time.Now(), 1) // into debt if need be
		}
	})
}

// refusedInput are the answers that spend the failure budget: the request
// itself was malformed, too large or invalid, usually found only after its
// body was read. A refusal by the policy (403), a missing resource (404)
// or a conflict (409) costs little and spends nothing.
var refusedInput = map[int]bool{
	http.StatusBadRequest:                  true,
	http.StatusRequestEntityTooLarge:       true,
	http.StatusUnsupportedMediaType:        true,
	http.StatusUnprocessableEntity:         true,
	http.StatusRequestHeaderFieldsTooLarge: true,
}

// failureTurn waits, up to maxWait, until the failure budget has room for
// one more failure; when that is further off it returns the delay and
// false. It spends nothing: only a failure does.
func failureTurn(ctx context.Context, lim *rate.Limiter, maxWait time.Duration) (time.Duration, bool) {
	now := time.Now()
	tokens := lim.TokensAt(now)
	if tokens >= 1 {
		return 0, true
	}
	wait := time.Duration((1 - tokens) / float64(lim.Limit()) * float64(time.Second))
	if wait > maxWait {
		return wait, false
	}
	sleep(ctx, wait)
	return 0, true
}

// codeWriter records the status a handler answered.
type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *codeWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// signInTurn spends one sign-in attempt of the client's address, waiting
// for it up to MaxWait; when the next attempt is further off it returns
// that delay and false.
func (a *admission) signInTurn(r *http.Request) (time.Duration, bool) {
	lim := a.signIn.get(clientPrefix(r))
	now := time.Now()
	res := lim.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	if !res.OK() || wait > a.cfg.MaxWait {
		res.CancelAt(now)
		return max(wait, a.cfg.MaxWait), false
	}
	if wait > 0 {
		sleep(r.Context(), wait)
	}
	return 0, true
}

// readAhead reads a small body of known length before the request waits
// for its slot, so that a client trickling it holds its connection (cut by
// the body deadlines) but never a slot. The budget bounds the bytes read
// ahead by all requests together; beyond it the body is read as usual,
// inside the slot. A failed read is handed to the handler as it would
// have met it.
func (a *admission) readAhead(r *http.Request) {
	n := r.ContentLength
	if r.Body == nil || r.Body == http.NoBody || n <= 0 || n > a.cfg.SmallBody {
		return
	}
	if a.budget.Add(n) > a.cfg.BufferBudget {
		a.budget.Add(-n)
		return
	}
	defer a.budget.Add(-n)
	// Exactly n bytes of room (a bytes.Buffer's ReadFrom would grow it
	// past n to keep 512 bytes free).
	buf := make([]byte, n)
	k, err := 0, error(nil)
	for k < len(buf) && err == nil {
		var m int
		m, err = r.Body.Read(buf[k:])
		k += m
	}
	if err == io.EOF {
		err = nil
	}
	r.Body = &readBody{r: bytes.NewReader(buf[:k]), err: err, orig: r.Body}
}

// readBody replays a body read ahead, then the error that ended the read
// (nil: EOF). It has no WriteTo, so io.Copy meets the error too.
type readBody struct {
	r    *bytes.Reader
	err  error
	orig io.ReadCloser
}

func (b *readBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.err != nil {
		return n, b.err
	}
	return n, err
}

func (b *readBody) Close() error { return b.orig.Close() }

// refuse answers 429 or 503 with Retry-After. A refusal that did not wait
// for a slot is held RefusalDelay first (within HeldRefusals), so that a
// client retrying in a loop is slowed to the pace of the answers. A request
// with a body is answered without reading it, and its connection closed.
func (a *admission) refuse(w http.ResponseWriter, r *http.Request, class, reason string, status int, retry time.Duration, hold bool, msg string) {
	a.refuseWith(w, r, class, reason, status, retry, hold, msg, nil)
}

// refuseWith is refuse with more fields in the JSON error (the limit a
// refusal names).
func (a *admission) refuseWith(w http.ResponseWriter, r *http.Request, class, reason string, status int, retry time.Duration, hold bool, msg string, extra map[string]any) {
	a.refused(class, reason)
	if hold && a.cfg.RefusalDelay > 0 {
		if a.held.Add(1) <= int64(a.cfg.HeldRefusals) {
			sleep(r.Context(), a.cfg.RefusalDelay)
		}
		a.held.Add(-1)
	}
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(max(retry, time.Second).Seconds()))))
	if r.ContentLength != 0 {
		h.Set("Connection", "close")
	}
	if wantsJSON(r) {
		code := "unavailable"
		if status == http.StatusTooManyRequests {
			code = "rate_limited"
		}
		body := map[string]any{"code": code, "message": msg, "request_id": web.RequestID(r.Context())}
		for k, v := range extra {
			body[k] = v
		}
		web.WriteJSON(w, status, map[string]any{"error": body})
		return
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// wantsJSON reports whether the request is an API call rather than a page.
func wantsJSON(r *http.Request) bool {
	for _, p := range []string{"/api/", "/scim/", "/access/", "/.well-known/"} {
		if strings.HasPrefix(r.URL.Path, p) {
			return true
		}
	}
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// class holds the slots of one class and the callers waiting for them.
type class struct {
	lim ClassLimits

	mu          sync.Mutex
	running     int
	anonRunning int
	waiting     int
	callers     map[string]*caller
	// tenantRunning and tenantWaiting count each tenant's requests
	// running and waiting (PerTenant).
	tenantRunning, tenantWaiting map[reportline.TenantID]int
	// turn lists the callers with waiting requests in the order they are
	// served; a caller served goes to the back.
	turn []*caller
}

type caller struct {
	key       string
	tenant    reportline.TenantID
	anonymous bool
	running   int
	waiters   []*waiter
}

type waiter struct {
	ready   chan struct{}
	granted bool
	evicted bool
}

// refusal says why a request got no slot.
type refusal struct {
	reason string
	own    bool // the caller's own share is used (429), not the service's (503)
	waited bool
}

func newClass(l ClassLimits) *class {
	return &class{lim: l, callers: map[string]*caller{},
		tenantRunning: map[reportline.TenantID]int{}, tenantWaiting: map[reportline.TenantID]int{}}
}

func (c *class) canRun(k *caller) bool {
	return c.running < c.lim.Slots && k.running < c.lim.PerCaller && (!k.anonymous || c.anonRunning < c.lim.Anonymous) &&
		(c.tenantRunning[k.tenant] < c.lim.PerTenant || !c.anotherTenantDue(k.tenant))
}

// anotherTenantDue reports whether a tenant other than t has a request
// waiting and is under its share: a tenant over its share then leaves it
// the slot. When every waiting tenant is over its share, the slot goes to
// whoever is next, so no slot stays idle while requests wait.
func (c *class) anotherTenantDue(t reportline.TenantID) bool {
	if len(c.tenantWaiting) == 0 || (len(c.tenantWaiting) == 1 && c.tenantWaiting[t] > 0) {
		return false
	}
	for _, v := range c.turn {
		if v.tenant != t && c.tenantRunning[v.tenant] < c.lim.PerTenant && v.running < c.lim.PerCaller &&
			(!v.anonymous || c.anonRunning < c.lim.Anonymous) {
			return true
		}
	}
	return false
}

// wait and unwait count a request of k joining and leaving the queue.
func (c *class) wait(k *caller) {
	c.waiting++
	c.tenantWaiting[k.tenant]++
}

func (c *class) unwait(k *caller) {
	c.waiting--
	if c.tenantWaiting[k.tenant]--; c.tenantWaiting[k.tenant] == 0 {
		delete(c.tenantWaiting, k.tenant)
	}
}

func (c *class) start(k *caller) {
	c.running++
	k.running++
	c.tenantRunning[k.tenant]++
	if k.anonymous {
		c.anonRunning++
	}
}

// acquire takes a slot for the caller, waiting up to maxWait, and returns
// the function that gives it back.
func (c *class) acquire(ctx context.Context, key string, tenant reportline.TenantID, anonymous bool, maxWait time.Duration) (func(), *refusal) {
	c.mu.Lock()
	// A caller is one tenant's: the same address in two tenants is two
	// callers.
	key = strconv.FormatInt(int64(tenant), 10) + "/" + key
	k := c.callers[key]
	if k == nil {
		k = &caller{key: key, tenant: tenant, anonymous: anonymous}
		c.callers[key] = k
	}
	release := func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.running--
		k.running--
		if c.tenantRunning[k.tenant]--; c.tenantRunning[k.tenant] == 0 {
			delete(c.tenantRunning, k.tenant)
		}
		if k.anonymous {
			c.anonRunning--
		}
		c.dispatch()
		c.forget(k)
	}
	if len(k.waiters) == 0 && c.canRun(k) {
		c.start(k)
		c.mu.Unlock()
		return release, nil
	}
	if len(k.waiters) >= c.lim.PerCaller {
		c.forget(k)
		c.mu.Unlock()
		return nil, &refusal{reason: "caller-queue", own: true}
	}
	if c.waiting >= c.lim.Queue && !c.evictFor(k) {
		c.forget(k)
		c.mu.Unlock()
		return nil, &refusal{reason: "queue-full"}
	}
	w := &waiter{ready: make(chan struct{})}
	k.waiters = append(k.waiters, w)
	c.wait(k)
	if len(k.waiters) == 1 {
		c.turn = append(c.turn, k)
	}
	c.mu.Unlock()

	t := time.NewTimer(maxWait)
	defer t.Stop()
	select {
	case <-w.ready:
	case <-t.C:
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case w.granted:
		return release, nil
	case w.evicted:
		c.forget(k)
		return nil, &refusal{reason: "queue-full", waited: true}
	}
	c.drop(k, w)
	own := k.running >= c.lim.PerCaller
	c.forget(k)
	return nil, &refusal{reason: "wait", own: own, waited: true}
}

// dispatch gives free slots to waiting requests: signed-in callers first,
// then anonymous ones, each in turn. The caller holds c.mu.
func (c *class) dispatch() {
	for c.running < c.lim.Slots {
		i := c.next(false)
		if i < 0 {
			i = c.next(true)
		}
		if i < 0 {
			return
		}
		k := c.turn[i]
		w := k.waiters[0]
		k.waiters = k.waiters[1:]
		c.unwait(k)
		c.turn = append(c.turn[:i], c.turn[i+1:]...)
		if len(k.waiters) > 0 {
			c.turn = append(c.turn, k)
		}
		w.granted = true
		c.start(k)
		close(w.ready)
	}
}

// next is the index in turn of the first caller of the kind that may run
// now, or -1.
func (c *class) next(anonymous bool) int {
	for i, k := range c.turn {
		if k.anonymous == anonymous && c.canRun(k) {
			return i
		}
	}
	return -1
}

// evictFor makes room in a full queue for newcomer k: the caller with the
// most waiting requests (an anonymous one first when k is signed in) gives
// up its newest, if it has more waiting than k would. The caller holds c.mu.
func (c *class) evictFor(k *caller) bool {
	var victim *caller
	better := func(v *caller) bool {
		if victim == nil {
			return true
		}
		if !k.anonymous && v.anonymous != victim.anonymous {
			return v.anonymous
		}
		return len(v.waiters) > len(victim.waiters)
	}
	for _, v := range c.turn {
		if v != k && better(v) {
			victim = v
		}
	}
	if victim == nil || !(len(victim.waiters) > len(k.waiters)+1 || (!k.anonymous && victim.anonymous)) {
		return false
	}
	w := victim.waiters[len(victim.waiters)-1]
	c.drop(victim, w)
	w.evicted = true
	close(w.ready)
	return true
}

// drop takes waiter w of caller k out of the queue. The caller holds c.mu.
func (c *class) drop(k *caller, w *waiter) {
	for i, x := range k.waiters {
		if x == w {
			k.waiters = append(k.waiters[:i], k.waiters[i+1:]...)
			c.unwait(k)
			break
		}
	}
	if len(k.waiters) == 0 {
		for i, x := range c.turn {
			if x == k {
				c.turn = append(c.turn[:i], c.turn[i+1:]...)
				break
			}
		}
	}
}

// forget removes a caller that has nothing running or waiting.
func (c *class) forget(k *caller) {
	if k.running == 0 && len(k.waiters) == 0 && c.callers[k.key] == k {
		delete(c.callers, k.key)
	}
}
