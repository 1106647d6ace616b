package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// testLinkHistory changes links as the use cases do (a link and its audit
// entry; a bulk change set) and asks who managed whom on dates before,
// between and after the changes: a link removed and re-added with another
// kind, a temporary link before, during and after its dates, a bulk chunk.
func testLinkHistory(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "boss", "mid", "dev", "fm", "other")
	boss, mid, dev, fm, other := us[0], us[1], us[2], us[3], us[4]
	at := func(d int) time.Time { return day.AddDate(0, 0, d) }
	link := func(m reportline.User, k reportline.Kind, d int) reportline.Link {
		return reportline.Link{ManagerID: m.ID, ManageeID: dev.ID, Kind: k, Source: reportline.SourceUI, CreatedAt: at(d)}
	}
	add := func(l reportline.Link) {
		write(t, db, func(tx *store.Tx) error {
			if err := tx.InsertLink(ctx, l); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, []reportline.AuditEntry{{At: l.CreatedAt, Source: l.Source, Action: reportline.ActionAdd,
				ManagerID: l.ManagerID, ManageeID: l.ManageeID, After: &l}})
		})
	}
	remove := func(l reportline.Link, d int) {
		write(t, db, func(tx *store.Tx) error {
			if err := tx.DeleteLink(ctx, l.Pair()); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, []reportline.AuditEntry{{At: at(d), Source: l.Source, Action: reportline.ActionRemove,
				ManagerID: l.ManagerID, ManageeID: l.ManageeID, Before: &l}})
		})
	}
	first := link(boss, reportline.Line, 0)
	add(first)
	remove(first, 10)
	add(link(mid, reportline.Line, 10))
	add(link(boss, reportline.Functional, 20)) // re-added, another kind
	temp := link(fm, reportline.Functional, 20)
	temp.ValidFrom, temp.ValidUntil = at(30), at(40)
	add(temp)
	// A bulk chunk (an import, a directory sync) at day 50: mid's link
	// replaced by other's; fm's ended temporary link updated (comment).
	bulkAdd := link(other, reportline.Line, 50)
	midLink := link(mid, reportline.Line, 10)
	tempAfter := temp
	tempAfter.Comment = "was away"
	write(t, db, func(tx *store.Tx) error {
		return tx.ApplyLinkChanges(ctx, reportline.LinkChanges{
			Remove: []reportline.Pair{midLink.Pair()},
			Update: []reportline.Link{tempAfter},
			Insert: []reportline.Link{bulkAdd},
			Audit: []reportline.AuditEntry{
				{At: at(50), Source: reportline.SourceCSV, Action: reportline.ActionRemove, ManagerID: mid.ID, ManageeID: dev.ID, Before: &midLink},
				{At: at(50), Source: reportline.SourceCSV, Action: reportline.ActionUpdate, ManagerID: fm.ID, ManageeID: dev.ID, Before: &temp, After: &tempAfter},
				{At: at(50), Source: reportline.SourceCSV, Action: reportline.ActionAdd, ManagerID: other.ID, ManageeID: dev.ID, After: &bulkAdd},
			},
		})
	})

	name := map[reportline.UserID]string{boss.ID: "boss", mid.ID: "mid", fm.ID: "fm", other.ID: "other", dev.ID: "dev"}
	managers := func(d int) string {
		var out []string
		read(t, db, func(tx *store.Tx) error {
			ps, err := tx.LinksAsOf(ctx, reportline.Managers, []reportline.UserID{dev.ID}, at(d))
			for _, p := range ps {
				out = append(out, fmt.Sprintf("%s:%s", name[p.ManagerID], p.Kind))
			}
			return err
		})
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		day  int
		want string
	}{
		{-1, ""},
		{0, "boss:line"},
		{5, "boss:line"},
		{10, "mid:line"}, // removed and added at the same instant
		{25, "boss:functional mid:line"},
		{30, "boss:functional fm:functional mid:line"},
		{39, "boss:functional fm:functional mid:line"},
		{40, "boss:functional mid:line"}, // the temporary link ended
		{55, "boss:functional other:line"},
	} {
		if got := managers(tc.day); got != tc.want {
			t.Errorf("dev's managers on day %d = %q, want %q", tc.day, got, tc.want)
		}
	}
	// The export as of a date: each link once, even where two periods of a
	// pair cover the day (fm's temporary link, updated at day 50 with its
	// dates reaching back), with the later recorded period's terms.
	for _, tc := range []struct {
		day  int
		want string
	}{
		{35, "boss:functional fm:functional mid:line"},
		{55, "boss:functional other:line"},
	} {
		var got []string
		read(t, db, func(tx *store.Tx) error {
			return tx.EachLinkRowAsOf(ctx, at(tc.day), func(r reportline.LinkRow) error {
				if r.ManageeID == dev.ID {
					got = append(got, fmt.Sprintf("%s:%s", name[r.ManagerID], r.Kind))
				}
				return nil
			})
		})
		slices.Sort(got)
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("export as of day %d: dev's managers %q, want %q", tc.day, s, tc.want)
		}
	}
	read(t, db, func(tx *store.Tx) error {
		ps, err := tx.LinksAsOf(ctx, reportline.Managees, []reportline.UserID{boss.ID, mid.ID}, at(5))
		if err != nil {
			return err
		}
		if len(ps) != 1 || ps[0].ManagerID != boss.ID || ps[0].ManageeID != dev.ID || ps[0].Origin != reportline.OriginChange {
			t.Errorf("boss's and mid's managees on day 5 = %+v, want dev under boss", ps)
		}
		// Today's links and the history's open periods agree.
		links, err := tx.Links(ctx, reportline.LinkFilter{ManageeID: dev.ID})
		if err != nil {
			return err
		}
		periods, err := tx.LinkPeriods(ctx, dev.ID)
		if err != nil {
			return err
		}
		var open []reportline.UserID
		for _, p := range periods {
			if p.EndedAt.IsZero() {
				open = append(open, p.ManagerID)
			}
		}
		var now []reportline.UserID
		for _, l := range links {
			now = append(now, l.ManagerID)
		}
		slices.Sort(open)
		if !slices.Equal(open, now) {
			t.Errorf("open periods' managers = %v, today's links' = %v", open, now)
		}
		if start, err := tx.HistoryStart(ctx); err != nil || !start.IsZero() {
			t.Errorf("HistoryStart = %v, %v; want zero: every period came with its change", start, err)
		}
		return nil
	})
}
