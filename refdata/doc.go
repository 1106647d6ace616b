// Package refdata generates Reportline's reference data set, the seeded
// organisation every benchmark runs on (docs/benchmarks.md and
// BENCHMARKS.md): users, an 8-level org tree with about two line links per
// user, its import CSV, and a bulk loader that writes it straight into a
// migrated database.
//
// The output depends on Config alone. The random numbers come from a
// generator written here (splitmix64) rather than math/rand, whose streams
// may change between Go releases, so a seed names the same organisation on
// every machine and every Go version.
//
// Not generated yet: the ~50 courses and ~20 learning records per user that
// the statistics benchmarks (Q3) will need; they belong here, derived from
// the same seed, when the statistics tables exist.
package refdata
