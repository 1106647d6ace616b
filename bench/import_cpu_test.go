package bench_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuClock adds up the test process's CPU time (user and system, every
// goroutine, the collector included) over the timed parts of a benchmark,
// reported as cpu-ns/op next to ns/op. On a shared machine a ratio of CPU
// times is steadier than one of wall times, which also count the time
// other processes hold the cores. It is a different measure, not a better
// one: it counts the product's second goroutine (parsing, compressing)
// even when it runs beside the first, and it leaves out the database
// server's own CPU (PostgreSQL is another process; SQLite runs inside).
type cpuClock struct{ total, start time.Duration }

func (c *cpuClock) begin() { c.start = processCPU() }
func (c *cpuClock) end()   { c.total += processCPU() - c.start }

func (c *cpuClock) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(c.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// processCPU is the CPU time the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timeOps runs op importWarmups times untimed, then afterWarmup (when not
// nil: e.g. to forget the warm-up's step timings), then in the benchmark
// loop, and reports the process's CPU time per timed operation.
func timeOps(b *testing.B, op func() error, afterWarmup func()) {
	for range importWarmups(b) {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	if afterWarmup != nil {
		afterWarmup()
	}
	var cpu cpuClock
	cpu.begin()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	cpu.end()
	cpu.report(b)
}
