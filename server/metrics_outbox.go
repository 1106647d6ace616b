package server

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// outboxHeld is reportline_outbox_held_back_total: the batches the outbox
// workers of this process cut short or skipped because their tenant had
// spent its mail rate (outbox.Worker.HeldBack). The workers are made in
// cmd/reportline, after the metrics; until one is watched the counter is 0.
type outboxHeld struct {
	mu      sync.Mutex
	workers []HeldBacker
}

// HeldBacker is what the metrics read of an outbox worker
// (*outbox.Worker): the batches it held back, counted since it started.
type HeldBacker interface {
	HeldBack() int64
}

func newOutboxHeld() (*outboxHeld, prometheus.CounterFunc) {
	h := &outboxHeld{}
	return h, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "reportline_outbox_held_back_total",
		Help: "Outbox batches this process cut short or skipped because their tenant had spent its mail rate " +
			"(the tenant's limit_mail_per_minute, else REPORTLINE_TENANT_MAIL_PER_MINUTE); that mail waits pending for a later round, nothing is refused.",
	}, h.sum)
}

func (h *outboxHeld) sum() float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	var n int64
	for _, w := range h.workers {
		n += w.HeldBack()
	}
	return float64(n)
}

// WatchOutbox adds w's held-back batches to
// reportline_outbox_held_back_total (serve watches its one worker).
func (m *Metrics) WatchOutbox(w HeldBacker) {
	m.outboxHeld.mu.Lock()
	defer m.outboxHeld.mu.Unlock()
	m.outboxHeld.workers = append(m.outboxHeld.workers, w)
}
