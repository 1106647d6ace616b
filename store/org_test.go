package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestOrgKeyMatchesInSQL holds the SQL of the org structure (users found by
// unit and position through the users_org index) to the rule of
// reportline.OrgKey, on both engines: the same users must match whether Go
// or the database compares.
func TestOrgKeyMatchesInSQL(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := testapp.OpenDB(t, engine)
		units := []string{"Sales", " sales ", "SALES", "Sales\t", "Île-de-France", "île-de-France", "ÎLE-DE-FRANCE", "Straße", "STRASSE", "R&D"}
		positions := []string{"Head", " HEAD", "head ", "Chef d'équipe", "CHEF D'ÉQUIPE", "Chef d'Équipe", "Headmaster"}
		err := db.Write(ctx, func(tx *store.Tx) error {
			for i, unit := range units {
				for j, pos := range positions {
					u := reportline.User{Email: "u" + string(rune('a'+i)) + string(rune('a'+j)) + "@example.com",
						Status: reportline.StatusActive, OrgUnit: unit, Position: pos}
					if err := tx.CreateUser(ctx, &u); err != nil {
						return err
					}
				}
			}
			return tx.SetManagerPositions(ctx, []string{"Head", "Chef d'équipe"})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Read(ctx, func(tx *store.Tx) error {
			holder := map[string]bool{reportline.OrgKey("Head"): true, reportline.OrgKey("Chef d'équipe"): true}
			for _, unit := range units {
				key := reportline.OrgKey(unit)
				members, err := tx.OrgMembers(ctx, reportline.OrgMemberFilter{UnitKeys: []string{key}})
				if err != nil {
					return err
				}
				var gotHolders, wantHolders, gotUnits, wantUnits int
				for _, m := range members {
					if m.UnitKey != key {
						t.Errorf("%q: member %d has unit key %q", unit, m.User, m.UnitKey)
					}
					gotUnits++
					if m.Holder {
						gotHolders++
					}
				}
				for _, u := range units {
					if reportline.OrgKey(u) == key {
						wantUnits += len(positions)
						for _, p := range positions {
							if holder[reportline.OrgKey(p)] {
								wantHolders++
							}
						}
					}
				}
				if gotUnits != wantUnits || gotHolders != wantHolders {
					t.Errorf("%q (key %q): SQL finds %d users, %d holders; OrgKey says %d, %d", unit, key, gotUnits, gotHolders, wantUnits, wantHolders)
				}
				counts, err := tx.OrgCounts(ctx, []string{key})
				if err != nil {
					return err
				}
				if c := counts[key]; c.Members != wantUnits || c.ActiveHolders != wantHolders {
					t.Errorf("%q: counts %+v, want %d members, %d managers", unit, c, wantUnits, wantHolders)
				}
			}
			// Only ASCII letters fold: "Île" and "île" are two units.
			if a, b := reportline.OrgKey("Île-de-France"), reportline.OrgKey("île-de-France"); a == b {
				t.Errorf("OrgKey folds non-ASCII letters: %q", a)
			}
			held, err := tx.HeldPositions(ctx, 100)
			if err != nil {
				return err
			}
			var titles []string
			for _, h := range held {
				titles = append(titles, h.Title)
			}
			// " HEAD", "head " and "Head" are one position; the three
			// spellings of chef d'équipe are two (É is not folded).
			if len(held) != 4 || held[0].Users != 3*len(units) {
				t.Errorf("held positions = %+v", held)
			}
			if !slices.Contains(titles, "Headmaster") {
				t.Errorf("held positions %v lack Headmaster", titles)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestOrgUnitChain checks the walk up the unit tree and the unit
// conflicts, on both engines.
func TestOrgUnitChain(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := testapp.OpenDB(t, engine)
		var ids []reportline.OrgUnitID
		err := db.Write(ctx, func(tx *store.Tx) error {
			var parent reportline.OrgUnitID
			for _, name := range []string{"Top", "Middle", "Bottom"} {
				u := reportline.OrgUnit{Name: name, ParentID: parent}
				if err := tx.CreateOrgUnit(ctx, &u); err != nil {
					return err
				}
				parent = u.ID
				ids = append(ids, u.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A failed statement ends a PostgreSQL transaction: one each.
		err = db.Write(ctx, func(tx *store.Tx) error { return tx.CreateOrgUnit(ctx, &reportline.OrgUnit{Name: " TOP "}) })
		if !reportline.IsCode(err, reportline.Conflict) || !strings.Contains(reportline.ErrorMessage(err), "already exists") {
			t.Errorf("a second TOP: %v, want conflict", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteOrgUnit(ctx, ids[1]) })
		if !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("deleting a unit with a sub-unit: %v, want invalid", err)
		}
		err = db.Read(ctx, func(tx *store.Tx) error {
			chains, err := tx.OrgUnitChainsByKeys(ctx, []string{"bottom", "middle", "nowhere"})
			if err != nil {
				return err
			}
			names := func(chain []reportline.OrgUnit) []string {
				var out []string
				for _, u := range chain {
					out = append(out, u.Name)
				}
				return out
			}
			if got := names(chains["bottom"]); !slices.Equal(got, []string{"Bottom", "Middle", "Top"}) {
				t.Errorf("chain of bottom = %v", got)
			}
			if got := names(chains["middle"]); !slices.Equal(got, []string{"Middle", "Top"}) {
				t.Errorf("chain of middle = %v", got)
			}
			if _, ok := chains["nowhere"]; ok || len(chains) != 2 {
				t.Errorf("chains = %v, want bottom and middle only", chains)
			}
			if _, err := tx.OrgUnitAncestors(ctx, 4242); !reportline.IsCode(err, reportline.NotFound) {
				t.Errorf("ancestors of 4242: %v, want not found", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
