// Package pgtest gives each test a fresh, empty PostgreSQL database.
//
// New returns the URL of an empty database; NewFromTemplate returns the URL of
// a clone of a template database that a prepare func (typically the
// migrations) built once per test process. Either database is dropped when
// the test ends, so tests may run in parallel and never see each other's rows.
//
// # Where the server comes from
//
// In order:
//
//  1. $DATABASE_URL, when set: a postgres:// URL to any database on a server
//     where the user may CREATE DATABASE (PostgreSQL 13 or later, for DROP
//     DATABASE ... WITH (FORCE)). Databases are named rltest_<pid>_<n>, so
//     several test processes can share the server.
//  2. Otherwise a throwaway server, started once per test process from the
//     local PostgreSQL binaries (`pg_config --bindir`, else the newest
//     /usr/lib/postgresql/*/bin): initdb into a temporary directory (in
//     /dev/shm when that is a roomy tmpfs, because cloning a database is then
//     some 40 times faster), then postgres on a free loopback port with
//     durability switched off. initdb refuses to run as root, so as root both
//     run as the postgres OS user.
//  3. Neither: the test is skipped with the reason, unless CI=true, where it
//     fails instead, because CI must never pass by skipping the database tests.
//
// # Citus
//
// With $REPORTLINE_CITUS_URL set (a Citus coordinator's URL, .ci/run's Citus
// phase), Shared returns that database, prepared once per test process, for
// tests that then keep to a tenant of their own (internal/testapp): a clone
// of a template would lack the workers' shards.
//
// # TestMain
//
// A package whose tests use pgtest runs them through Main, so that the
// throwaway server stops and its directory goes away when the tests end, and
// the templates made on a $DATABASE_URL server are dropped:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without Main the throwaway server still dies with the test process (the
// kernel sends it SIGQUIT when the process that started it dies, also on
// SIGKILL), and the next start removes the directory it left behind.
//
// # Global state
//
// The one server per test process, its admin connection pool, the template
// databases built so far and the counter behind database names live in
// package variables: sharing them between the tests of a process is the point
// of the package. Nothing else is global.
package pgtest
