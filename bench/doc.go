// Package bench measures Reportline against the targets of BENCHMARKS.md.
//
// The benchmarks (the _test.go files) run on both engines over the seeded
// reference organisation of package refdata, and each product figure has a
// floor measured in the same run: the raw engine doing the same work through
// database/sql. The size comes from REPORTLINE_BENCH_USERS (10,000 by
// default, so that CI can run every benchmark once, quickly) and the seed
// from REPORTLINE_BENCH_SEED (1). docs/benchmarks.md has the commands and
// the figures.
//
// The package's ordinary code is what the benchmarks and the command line
// share: a bounded, loopback-only HTTP load generator (Drive, LoadQ1), and
// Summarize, which turns `go test -bench` output into medians and ratios to
// the floors.
package bench
