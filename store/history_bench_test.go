package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// BenchmarkApplyLinkChangesWithHistory applies one chunk of 20,000 new links
// with their audit entries (and so their history periods), as a bulk import
// does, on each engine: the cost the link history adds to an import is this
// figure against the same run with the history off (docs/orgchart.md).
func BenchmarkApplyLinkChangesWithHistory(b *testing.B) {
	for _, engine := range testapp.Engines {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			const n = 20_000
			for b.Loop() {
				b.StopTimer()
				db := testapp.OpenDB(b, engine)
				var ids []reportline.UserID
				if err := db.Write(ctx, func(tx *store.Tx) error {
					for i := range n + 1 {
						u := reportline.User{Email: fmt.Sprintf("u%d@example.com", i), Status: reportline.StatusActive}
						if err := tx.CreateUser(ctx, &u); err != nil {
							return err
						}
						ids = append(ids, u.ID)
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
				var c reportline.LinkChanges
				for i := 1; i <= n; i++ {
					l := reportline.Link{ManagerID: ids[0], ManageeID: ids[i], Kind: reportline.Line, Source: reportline.SourceCSV, CreatedAt: at}
					c.Insert = append(c.Insert, l)
					c.Audit = append(c.Audit, reportline.AuditEntry{At: at, Source: reportline.SourceCSV, Action: reportline.ActionAdd,
						ManagerID: l.ManagerID, ManageeID: l.ManageeID, After: &c.Insert[len(c.Insert)-1]})
				}
				b.StartTimer()
				if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ApplyLinkChanges(ctx, c) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
