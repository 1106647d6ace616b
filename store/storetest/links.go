package storetest

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"reportline"
	"reportline/store"
)

func testLinks(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "boss", "mid", "dev", "fm")
	boss, mid, dev, fm := us[0], us[1], us[2], us[3]
	l := func(m, e reportline.User, k reportline.Kind) reportline.Link {
		return reportline.Link{ManagerID: m.ID, ManageeID: e.ID, Kind: k, Source: reportline.SourceUI, CreatedBy: boss.ID, CreatedAt: day}
	}
	temp := l(fm, dev, reportline.Functional)
	temp.ValidFrom, temp.ValidUntil, temp.Comment = day, day.AddDate(0, 1, 0), "while away"
	write(t, db, func(tx *store.Tx) error {
		for _, x := range []reportline.Link{l(boss, mid, reportline.Line), l(mid, dev, reportline.Line), temp} {
			if err := tx.InsertLink(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	err := db.Write(ctx, func(tx *store.Tx) error { return tx.InsertLink(ctx, l(boss, mid, reportline.Functional)) })
	wantCode(t, err, reportline.Conflict)
	err = db.Write(ctx, func(tx *store.Tx) error { return tx.InsertLink(ctx, l(boss, boss, reportline.Line)) })
	wantCode(t, err, reportline.Invalid)
	err = db.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertLink(ctx, reportline.Link{ManagerID: 999, ManageeID: boss.ID, Kind: reportline.Line, Source: reportline.SourceUI, CreatedAt: day})
	})
	wantCode(t, err, reportline.Invalid)

	read(t, db, func(tx *store.Tx) error {
		got, err := tx.Link(ctx, temp.Pair())
		if err != nil {
			return err
		}
		if !got.ValidFrom.Equal(temp.ValidFrom) || !got.ValidUntil.Equal(temp.ValidUntil) || got.Comment != "while away" || got.CreatedBy != boss.ID || !got.CreatedAt.Equal(day) {
			t.Errorf("Link = %+v, want %+v", got, temp)
		}
		_, err = tx.Link(ctx, reportline.Pair{ManagerID: dev.ID, ManageeID: boss.ID})
		wantCode(t, err, reportline.NotFound)
		for _, tc := range []struct {
			f    reportline.LinkFilter
			want int
		}{
			{reportline.LinkFilter{}, 3},
			{reportline.LinkFilter{ManageeID: dev.ID}, 2},
			{reportline.LinkFilter{ManageeID: dev.ID, Kind: reportline.Line}, 1},
			{reportline.LinkFilter{ManagerID: boss.ID}, 1},
			{reportline.LinkFilter{Source: reportline.SourceLDAP}, 0},
		} {
			links, err := tx.Links(ctx, tc.f)
			if err != nil {
				return err
			}
			if len(links) != tc.want {
				t.Errorf("Links(%+v) = %d links, want %d", tc.f, len(links), tc.want)
			}
		}
		side, err := tx.LinkedUsers(ctx, dev.ID, reportline.Managers)
		if err != nil {
			return err
		}
		if len(side) != 2 || side[0].User.Email == "" || side[0].Link.ManageeID != dev.ID {
			t.Errorf("LinkedUsers(dev, managers) = %+v", side)
		}
		for _, lu := range side {
			if lu.User.ID != lu.Link.ManagerID {
				t.Errorf("LinkedUsers gives user %d for manager %d", lu.User.ID, lu.Link.ManagerID)
			}
		}
		down, err := tx.LinkedUsers(ctx, boss.ID, reportline.Managees)
		if err != nil {
			return err
		}
		if len(down) != 1 || down[0].User.ID != mid.ID {
			t.Errorf("LinkedUsers(boss, managees) = %+v", down)
		}
		// UserWithLinks is User and LinkedUsers in one statement.
		for _, u := range []reportline.User{dev, mid, boss} {
			want, err := tx.User(ctx, u.ID)
			if err != nil {
				return err
			}
			got, sides, err := tx.UserWithLinks(ctx, u.ID, reportline.Managees, reportline.Managers)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) || len(sides) != 2 {
				t.Errorf("UserWithLinks(%s) = %+v, %d sides; want %+v", u.Email, got, len(sides), want)
				continue
			}
			for i, dir := range []reportline.Direction{reportline.Managees, reportline.Managers} {
				one, err := tx.LinkedUsers(ctx, u.ID, dir)
				if err != nil {
					return err
				}
				byID := func(x, y reportline.LinkedUser) int { return cmp.Compare(x.User.ID, y.User.ID) }
				slices.SortFunc(one, byID)
				slices.SortFunc(sides[i], byID)
				if len(one) != len(sides[i]) || len(one) > 0 && !reflect.DeepEqual(one, sides[i]) {
					t.Errorf("UserWithLinks(%s) %s = %+v; LinkedUsers gives %+v", u.Email, dir, sides[i], one)
				}
			}
		}
		if _, _, err := tx.UserWithLinks(ctx, boss.ID+1000, reportline.Managers); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("UserWithLinks(unknown) err = %v, want NotFound", err)
		}
		up, err := tx.LineManagers(ctx, []reportline.UserID{dev.ID, mid.ID, boss.ID})
		if err != nil {
			return err
		}
		if fmt.Sprint(up[dev.ID]) != fmt.Sprint([]reportline.UserID{mid.ID}) || fmt.Sprint(up[mid.ID]) != fmt.Sprint([]reportline.UserID{boss.ID}) || len(up[boss.ID]) != 0 {
			t.Errorf("LineManagers = %v (functional links must not count)", up)
		}
		return nil
	})
	upd := temp
	upd.Kind, upd.ValidUntil = reportline.Line, day.AddDate(0, 2, 0)
	write(t, db, func(tx *store.Tx) error {
		if err := tx.LockLinks(ctx); err != nil {
			return err
		}
		if err := tx.UpdateLink(ctx, upd); err != nil {
			return err
		}
		return tx.DeleteLink(ctx, reportline.Pair{ManagerID: boss.ID, ManageeID: mid.ID})
	})
	read(t, db, func(tx *store.Tx) error {
		got, err := tx.Link(ctx, upd.Pair())
		if err != nil {
			return err
		}
		if got.Kind != reportline.Line || !got.ValidUntil.Equal(upd.ValidUntil) {
			t.Errorf("after update %+v", got)
		}
		_, err = tx.Link(ctx, reportline.Pair{ManagerID: boss.ID, ManageeID: mid.ID})
		wantCode(t, err, reportline.NotFound)
		return nil
	})
	err = db.Write(ctx, func(tx *store.Tx) error {
		return tx.DeleteLink(ctx, reportline.Pair{ManagerID: boss.ID, ManageeID: mid.ID})
	})
	wantCode(t, err, reportline.NotFound)
}

// testLineManagersChunks asks for more users than one IN list holds.
func testLineManagersChunks(t *testing.T, db DB) {
	ctx := context.Background()
	var names []string
	for i := range 1201 {
		names = append(names, fmt.Sprintf("u%d", i))
	}
	us := mkUsers(t, db, names...)
	var ids []reportline.UserID
	write(t, db, func(tx *store.Tx) error {
		for _, u := range us[1:] {
			ids = append(ids, u.ID)
			if err := tx.InsertLink(ctx, reportline.Link{ManagerID: us[0].ID, ManageeID: u.ID, Kind: reportline.Line, Source: reportline.SourceCSV, CreatedAt: day}); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, db, func(tx *store.Tx) error {
		up, err := tx.LineManagers(ctx, ids)
		if err != nil {
			return err
		}
		if len(up) != len(ids) {
			t.Errorf("LineManagers returned %d users, want %d", len(up), len(ids))
		}
		byID, err := tx.UsersByIDs(ctx, ids)
		if err != nil {
			return err
		}
		if len(byID) != len(ids) {
			t.Errorf("UsersByIDs returned %d users, want %d", len(byID), len(ids))
		}
		return nil
	})
}
