package bench_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bench"
	"reportline/internal/slapdtest"
	"reportline/internal/testapp"
	"reportline/ldapsync"
	"reportline/store"
)

// Directory sync (BENCHMARKS.md, issue 6): a whole LDAP directory of
// REPORTLINE_BENCH_SYNC_USERS people (100,000 for the reference figures)
// synced end to end from a real slapd on loopback, against ldapsearch
// reading the same entries (same filter, attributes and page size, as the
// same account) in the same run.
//
// The directory is loaded once, offline with slapadd: inetOrgPerson entries
// under ou=bulk, each with a manager DN (a tree with 8 reports per
// manager, so 100,000 users are 6 levels deep). One round is:
//
//   - product: ldapsync.Read (bind, paged search, DN mapping) and
//     app.SyncDirectory into an empty database (every user created, every
//     manager link added with its audit entry), the run recorded — what
//     `reportline sync ldap` does;
//   - resync: the same again on the now synced database (nothing changes:
//     the steady state of a scheduled sync);
//   - floor: ldapsearch -E pr=PAGE/noprompt over the same entries, its
//     LDIF output read and counted.
//
// Each round's database is a fresh one (untimed).

const syncUsersEnv = "REPORTLINE_BENCH_SYNC_USERS"

// syncFanout is how many people report to each manager of the directory.
const syncFanout = 8

func BenchmarkSyncLDAP(b *testing.B) {
	n := envInt(b, syncUsersEnv, 5_000)
	dir := slapdtest.Start(b, syncDirectoryLDIF(n))
	cfg := ldapsync.Config{URL: dir.URL, BindDN: slapdtest.ReaderDN, BindPassword: slapdtest.ReaderPassword,
		BaseDN: "ou=bulk," + slapdtest.Suffix, Filter: ldapsync.OpenLDAPFilter, PageSize: ldapsync.DefaultPageSize,
		Attributes: ldapsync.OpenLDAPAttributes()}
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		var product, read, resync, floor, ratios, productCPU, floorCPU []float64
		for b.Loop() {
			env := testapp.New(b, engine)
			a := app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping), app.Config{Logger: slog.New(slog.DiscardHandler)})
			cpu := processCPU()
			p, r, err := syncRound(ctx, a, cfg, n)
			if err != nil {
				b.Fatal(err)
			}
			productCPU = append(productCPU, (processCPU() - cpu).Seconds())
			again, _, err := syncRound(ctx, a, cfg, n)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			got, fcpu, err := dir.Search(ctx, cfg.Filter, cfg.PageSize, cfg.Attributes.Names()...)
			if err != nil {
				b.Fatal(err)
			}
			if got != n {
				b.Fatalf("ldapsearch read %d entries, want %d", got, n)
			}
			fl := time.Since(start)
			floorCPU = append(floorCPU, fcpu.Seconds())
			product, read, resync, floor = append(product, p.Seconds()), append(read, r.Seconds()), append(resync, again.Seconds()), append(floor, fl.Seconds())
			ratios = append(ratios, p.Seconds()/fl.Seconds())
		}
		b.ReportMetric(float64(n), "users")
		b.ReportMetric(bench.Median(product), "product-s")
		b.ReportMetric(bench.Median(read), "read-s")
		b.ReportMetric(bench.Median(resync), "resync-s")
		b.ReportMetric(bench.Median(floor), "floor-s")
		b.ReportMetric(bench.Median(ratios), "x-floor")
		// CPU time of this process (the whole sync) and of ldapsearch: on a
		// busy machine they vary less than wall times. slapd's own work is
		// in neither.
		b.ReportMetric(bench.Median(productCPU), "product-cpu-s")
		b.ReportMetric(bench.Median(floorCPU), "floor-cpu-s")
	})
}

// syncRound reads the directory and syncs it, and returns how long the
// whole took and how long the read took.
func syncRound(ctx context.Context, a *app.App, cfg ldapsync.Config, n int) (total, read time.Duration, err error) {
	start := time.Now()
	rep, err := a.SyncDirectoryFrom(ctx, app.SystemActor(reportline.SourceLDAP), reportline.SourceLDAP, false,
		func(ctx context.Context) (reportline.DirectoryBatch, error) {
			b, stats, err := ldapsync.Read(ctx, cfg, nil)
			read = stats.Elapsed
			return b, err
		})
	total = time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	if len(rep.Problems) > 0 || rep.Created+rep.Unchanged != n || rep.LinksAdded+rep.LinksUnchanged != n-1 {
		return 0, 0, fmt.Errorf("sync of %d users: %+v, %d problems (first %+v)", n, rep.SyncCounts, len(rep.Problems), rep.Problems[:min(1, len(rep.Problems))])
	}
	return total, read, nil
}

// syncDirectoryLDIF is n people under ou=bulk: person 0 manages 1–8, person
// 1 manages 9–16, and so on.
func syncDirectoryLDIF(n int) []byte {
	var b strings.Builder
	b.Grow(n * 300)
	fmt.Fprintf(&b, "dn: ou=bulk,%s\nobjectClass: organizationalUnit\nou: bulk\n\n", slapdtest.Suffix)
	for i := range n {
		fmt.Fprintf(&b, "dn: uid=u%06d,ou=bulk,%s\nobjectClass: inetOrgPerson\nuid: u%06d\ncn: User %d\ngivenName: User\nsn: Number %d\nmail: u%06d@example.com\ntitle: Analyst\nou: Unit %d\n",
			i, slapdtest.Suffix, i, i, i, i, i/100)
		if i > 0 {
			fmt.Fprintf(&b, "manager: uid=u%06d,ou=bulk,%s\n", (i-1)/syncFanout, slapdtest.Suffix)
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func TestSyncDirectoryLDIFIsATree(t *testing.T) {
	ldif := string(syncDirectoryLDIF(20))
	if got := strings.Count(ldif, "manager: uid=u000000,"); got != syncFanout {
		t.Errorf("u000000 manages %d people, want %d", got, syncFanout)
	}
	if !strings.Contains(ldif, "dn: uid=u000019,ou=bulk,dc=example,dc=com\n") || !strings.Contains(ldif, "manager: uid=u000002,") {
		t.Errorf("the tree is not as documented:\n%s", ldif)
	}
}
