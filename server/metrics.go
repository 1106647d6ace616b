package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"reportline"
	"reportline/app"
)

// Metrics is the service's /metrics: a private registry with the Go and
// process collectors, the HTTP metrics, the counters App reports through
// app.Recorder (Metrics implements it) and the gauges read from the
// database on each scrape. The serve command makes one, hands it to
// app.Config.Recorder and to Config.Metrics.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	scheduledRuns  *prometheus.CounterVec
	imports        *prometheus.CounterVec
	directorySyncs *prometheus.CounterVec
	admission      *prometheus.CounterVec
	outboxHeld     *outboxHeld
}

// NewMetrics returns the metrics of one server.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reportline_http_requests_total", Help: "HTTP requests by route (the mux's pattern without its method), method and status.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "reportline_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "method"}),
		scheduledRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reportline_scheduled_runs_total", Help: "Scheduled runs (weekly digest, birthdays) this process worked on, by kind and outcome (finished, interrupted, failed).",
		}, []string{"kind", "outcome"}),
		imports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reportline_imports_total", Help: "Imports that ended in this process, by kind and outcome (applied, previewed, failed).",
		}, []string{"kind", "outcome"}),
		directorySyncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reportline_directory_syncs_total", Help: "Directory syncs that ended in this process, by source and outcome (applied, dry_run, held, failed).",
		}, []string{"source", "outcome"}),
		admission: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reportline_http_admission_refused_total", Help: "Requests refused by admission control before any work, by class (read, write, upload, sign-in) and reason (wait, queue-full, caller-queue, sign-in-rate, failure-rate, tenant-rate: the tenant's own request rate spent).",
		}, []string{"class", "reason"}),
	}
	held, heldCounter := newOutboxHeld()
	m.outboxHeld = held
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.scheduledRuns, m.imports, m.directorySyncs, m.admission, heldCounter)
	return m
}

// ScheduledRun implements app.Recorder.
func (m *Metrics) ScheduledRun(kind, outcome string) {
	m.scheduledRuns.WithLabelValues(kind, outcome).Inc()
}

// Import implements app.Recorder.
func (m *Metrics) Import(kind, outcome string) { m.imports.WithLabelValues(kind, outcome).Inc() }

// DirectorySync implements app.Recorder.
func (m *Metrics) DirectorySync(source, outcome string) {
	m.directorySyncs.WithLabelValues(source, outcome).Inc()
}

// admissionRefused counts a refusal of admission control.
func (m *Metrics) admissionRefused(class, reason string) {
	m.admission.WithLabelValues(class, reason).Inc()
}

var _ app.Recorder = (*Metrics)(nil)

// gaugeTimeout bounds the database read of one scrape; a read younger
// than gaugeMaxAge is served again, so that anyone reaching /metrics cannot
// make it query the database more often than that.
const (
	gaugeTimeout = 2 * time.Second
	gaugeMaxAge  = 5 * time.Second
)

var (
	outboxDepthDesc = prometheus.NewDesc("reportline_outbox_depth",
		"Outbox messages not yet delivered (pending or being sent), read from the database at scrape.", nil, nil)
	outboxFailedDesc = prometheus.NewDesc("reportline_outbox_failed_messages",
		"Outbox messages given up after their last attempt, read from the database at scrape.", nil, nil)
	graphLagDesc = prometheus.NewDesc("reportline_graph_index_version_lag",
		"Changes to the reporting graph committed in the database that this process's index in memory does not hold yet, per tenant with an index; read at scrape.",
		[]string{"tenant"}, nil)
	graphAgeDesc = prometheus.NewDesc("reportline_graph_index_staleness_seconds",
		"How long this process's reporting-graph index has been behind the database, per tenant with an index: 0 when current, else the time since a read last found the database at its version.",
		[]string{"tenant"}, nil)
	gaugesUpDesc = prometheus.NewDesc("reportline_database_gauges_up",
		"1 when this scrape read the database's counts (the gauges above), 0 when the read failed or timed out.", nil, nil)
)

// gauges reads the database's counts on scrape, within gaugeTimeout, at
// most once per gaugeMaxAge.
type gauges struct {
	app *app.App
	log *slog.Logger

	mu   sync.Mutex
	at   time.Time
	last app.Gauges
	err  error
}

func (g *gauges) read() (app.Gauges, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.at.IsZero() && time.Since(g.at) < gaugeMaxAge {
		return g.last, g.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), gaugeTimeout)
	defer cancel()
	g.last, g.err = g.app.Gauges(ctx)
	g.at = time.Now()
	return g.last, g.err
}

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepthDesc
	ch <- outboxFailedDesc
	ch <- graphLagDesc
	ch <- graphAgeDesc
	ch <- gaugesUpDesc
}

func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	v, err := g.read()
	if err != nil {
		g.log.Warn("metrics: database counts", "err", err)
		ch <- prometheus.MustNewConstMetric(gaugesUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(gaugesUpDesc, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue,
		float64(v.Outbox[reportline.DeliveryPending]+v.Outbox[reportline.DeliverySending]))
	ch <- prometheus.MustNewConstMetric(outboxFailedDesc, prometheus.GaugeValue, float64(v.Outbox[reportline.DeliveryFailed]))
	for _, l := range v.GraphIndex {
		tenant := strconv.FormatInt(int64(l.Tenant), 10)
		ch <- prometheus.MustNewConstMetric(graphLagDesc, prometheus.GaugeValue, float64(l.VersionLag()), tenant)
		ch <- prometheus.MustNewConstMetric(graphAgeDesc, prometheus.GaugeValue, l.Age.Seconds(), tenant)
	}
}

// routeOf returns a mux pattern's path part: "GET /api/v1/users" is route
// "/api/v1/users" (the method is a label of its own).
func routeOf(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return strings.TrimSpace(path)
	}
	return pattern
}

// notePattern serves mux and notes the route it chose on the request's
// statusWriter (instrument's), so that instrument need not match the
// request against the mux a second time.
func notePattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		for {
			if sw, ok := w.(*statusWriter); ok {
				sw.routed, sw.pattern = true, r.Pattern
				return
			}
			u, ok := w.(interface{ Unwrap() http.ResponseWriter })
			if !ok {
				return
			}
			w = u.Unwrap()
		}
	})
}

// instrument counts requests by the mux's route (never the raw path, whose
// ids would make unbounded label values) and method.
func (m *Metrics) instrument(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		pattern := sw.pattern
		if !sw.routed {
			// Refused before the mux (admission, authentication): the
			// route it would have taken.
			_, pattern = mux.Handler(r)
		}
		route := routeOf(pattern)
		if route == "" {
			route = "unmatched"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
		m.duration.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
	})
}
