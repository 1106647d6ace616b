package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/demo"
	"reportline/internal/testapp"
	"reportline/store"
)

// cellsSink gathers every cell of a tenant export.
type cellsSink struct {
	table string
	hits  map[string][]string // needle → tables holding it
	find  []string
}

func (s *cellsSink) BeginTable(name string, _ []string) error { s.table = name; return nil }

func (s *cellsSink) Row(cells []string) error {
	for _, c := range cells {
		for _, n := range s.find {
			if strings.Contains(c, n) {
				s.hits[n] = append(s.hits[n], s.table+": "+c)
			}
		}
	}
	return nil
}

// Erasing a person leaves their email, external uid and full name in no
// row of the tenant (its whole export searched: users, audit and change
// logs, link history, mail…), ends their links with history, deletes their
// tokens and sessions, records the erasure without personal data, and
// leaves everybody else as they were. Only platform admins erase, never
// themself.
func TestEraseUser(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel()
		ctx := context.Background()
		env := testapp.New(t, engine)
		if _, err := demo.Load(ctx, env.App); err != nil {
			t.Fatal(err)
		}
		byEmail := func(email string) reportline.User {
			t.Helper()
			u, err := env.App.GetUserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		admin, grace := byEmail("admin@acme.example"), byEmail("grace.hopper@acme.example")
		linus := byEmail("linus.torvalds@acme.example")
		// A profile change logs the person's data before and after.
		if _, err := env.App.UpdateUser(ctx, testapp.Actor(admin), linus.ID, app.UserPatch{LastName: ptr("Torvalds-Erased")}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.CreateToken(ctx, testapp.Actor(linus), linus.Email, "laptop"); err != nil {
			t.Fatal(err)
		}
		now := env.Now.Now()
		if err := env.DB.Write(ctx, func(tx *store.Tx) error {
			return tx.CreateSession(ctx, reportline.Session{Hash: []byte("linus-session"), UserID: linus.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
		}); err != nil {
			t.Fatal(err)
		}
		links := func(id reportline.UserID) int {
			t.Helper()
			n := 0
			env.DB.Read(ctx, func(tx *store.Tx) error {
				for _, f := range []reportline.LinkFilter{{ManagerID: id}, {ManageeID: id}} {
					ls, err := tx.Links(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					n += len(ls)
				}
				return nil
			})
			return n
		}
		had := links(linus.ID)
		if had < 2 {
			t.Fatalf("linus has %d links; the fixture should give him a manager and managees", had)
		}

		// Refusals: not a platform admin; oneself; nobody.
		if _, err := env.App.EraseUser(ctx, testapp.Actor(grace), linus.ID); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a group admin erases: %v, want forbidden", err)
		}
		if _, err := env.App.EraseUser(ctx, testapp.Actor(admin), admin.ID); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a platform admin erases themself: %v, want forbidden", err)
		}
		if _, err := env.App.EraseUser(ctx, testapp.Actor(admin), 999999); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("erasing nobody: %v, want not found", err)
		}

		r, err := env.App.EraseUser(ctx, testapp.Actor(admin), linus.ID)
		if err != nil {
			t.Fatal(err)
		}
		pseudo := app.ErasedPseudonym(linus.ID)
		if r.Pseudonym != pseudo || r.Links != had || r.User.Email != pseudo+"@erased.invalid" || r.User.Active() || !r.User.Birthday.IsZero() {
			t.Errorf("erasure = %+v", r)
		}
		if n := links(linus.ID); n != 0 {
			t.Errorf("%d links left", n)
		}
		err = env.DB.Read(ctx, func(tx *store.Tx) error {
			periods, err := tx.LinkPeriods(ctx, linus.ID)
			if err != nil {
				return err
			}
			for _, p := range periods {
				if p.EndedAt.IsZero() {
					t.Errorf("an open period after the erasure: %+v", p)
				}
			}
			changes, err := tx.Changes(ctx, reportline.ChangeFilter{UserID: linus.ID, Limit: 1})
			if err != nil {
				return err
			}
			if len(changes) != 1 || changes[0].Action != "user.erase" || changes[0].ActorID != admin.ID {
				t.Errorf("the last change about him: %+v", changes)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Nowhere in the tenant: the whole export searched.
		sink := &cellsSink{hits: map[string][]string{}, find: []string{linus.Email, linus.ExternalUID, "Linus Torvalds", "Torvalds-Erased"}}
		if _, err := env.DB.ExportTenant(ctx, "default", sink); err != nil {
			t.Fatal(err)
		}
		for n, where := range sink.hits {
			t.Errorf("%q is still stored: %v", n, where)
		}
		counts := map[string]int{}
		env.DB.Read(ctx, func(tx *store.Tx) error {
			toks, _ := tx.Tokens(ctx, linus.ID)
			counts["tokens"] = len(toks)
			if _, err := tx.SessionByHash(ctx, []byte("linus-session")); err == nil {
				counts["sessions"] = 1
			}
			return nil
		})
		if counts["tokens"] != 0 || counts["sessions"] != 0 {
			t.Errorf("left: %v", counts)
		}
		// Everybody else is untouched.
		if u := byEmail("grace.hopper@acme.example"); u.FirstName != "Grace" || !u.Active() {
			t.Errorf("grace after the erasure: %+v", u)
		}
	})
}

func ptr[T any](v T) *T { return &v }
