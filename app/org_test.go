package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// orgWorld is an org structure with people in it, and a few stored links:
//
//	Company        ceo (CEO)
//	├── Sales      head, cohead (Head of Sales); oldhead (Head of Sales, inactive);
//	│   │          s1, s2, soff (inactive), reps
//	│   ├── Sales East    eastlead (Team Lead), e1
//	│   └── Sales West    w1 — no manager
//	│       └── West Inside   wilead (Team Lead, inactive), wi1
//	└── Finance    f1 — no manager
//
// nowhere names a unit that does not exist. Spellings vary in case and
// spacing on purpose. imp is s1's imported line manager, fn their
// functional manager; head is also s1's functional manager, a pair the org
// structure links too; old's line link to s2 has expired.
type orgWorld struct {
	env                                *testapp.Env
	pa, ga                             reportline.User
	company, sales, east, west, inside reportline.OrgUnit
	finance                            reportline.OrgUnit
	ceo, head, cohead, oldhead         reportline.User
	s1, s2, soff, eastlead, e1, w1     reportline.User
	wilead, wi1, f1, nowhere, imp, fn  reportline.User
	old                                reportline.User
	byID                               map[reportline.UserID]string
}

var orgSys = app.SystemActor(reportline.SourceAPI)

func newOrgWorld(t *testing.T, engine store.Engine) *orgWorld {
	t.Helper()
	ctx := context.Background()
	w := &orgWorld{env: testapp.New(t, engine), byID: map[reportline.UserID]string{}}
	a := w.env.App
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	w.pa, err = a.CreatePlatformAdmin(ctx, "pa@example.com", "correct horse battery")
	must(err)
	g, err := a.CreateGroup(ctx, orgSys, "Everyone", 0)
	must(err)
	unit := func(name string, parent reportline.OrgUnit) reportline.OrgUnit {
		u, err := a.CreateOrgUnit(ctx, orgSys, app.OrgUnitInput{Name: name, ParentID: parent.ID})
		must(err)
		return u
	}
	w.company = unit("Company", reportline.OrgUnit{})
	w.sales = unit("Sales", w.company)
	w.east = unit("Sales East", w.sales)
	w.west = unit("Sales West", w.sales)
	w.inside = unit("West Inside", w.west)
	w.finance = unit("Finance", w.company)
	user := func(name, unit, position string, status reportline.Status) reportline.User {
		u, err := a.CreateUser(ctx, orgSys, app.UserInput{Email: name + "@example.com", FirstName: name, OrgUnit: unit,
			Position: position, Status: status, GroupID: g.ID})
		must(err)
		w.byID[u.ID] = name
		return u
	}
	active, inactive := reportline.StatusActive, reportline.StatusInactive
	w.ga = user("ga", "", "", active)
	must(a.SetMember(ctx, orgSys, reportline.Membership{GroupID: g.ID, UserID: w.ga.ID, Role: reportline.AdminRole}))
	w.ceo = user("ceo", "company", "CEO", active)
	w.head = user("head", "Sales", "Head of Sales", active)
	w.cohead = user("cohead", "SALES", "head of sales", active)
	w.oldhead = user("oldhead", "Sales", "Head of Sales", inactive)
	w.s1 = user("s1", "Sales", "Sales rep", active)
	w.s2 = user("s2", " sales ", "SALES REP", active)
	w.soff = user("soff", "Sales", "Sales rep", inactive)
	w.eastlead = user("eastlead", "sales east", " Team LEAD ", active)
	w.e1 = user("e1", "Sales East", "Sales rep", active)
	w.w1 = user("w1", "Sales West", "Sales rep", active)
	w.wilead = user("wilead", "West Inside", "Team Lead", inactive)
	w.wi1 = user("wi1", "West Inside", "Sales rep", active)
	w.f1 = user("f1", "Finance", "Accountant", active)
	w.nowhere = user("nowhere", "Atlantis", "Team Lead", active)
	w.imp = user("imp", "", "", active)
	w.fn = user("fn", "", "", active)
	w.old = user("old", "", "", active)
	_, err = a.SetManagerPositions(ctx, orgSys, []string{"CEO", "Head of Sales", "team lead", " HEAD OF SALES "})
	must(err)

	link := func(actor app.Actor, manager, managee reportline.User, kind reportline.Kind, until time.Time) {
		t.Helper()
		_, err := a.AddLinks(ctx, actor, app.LinkRequest{User: managee.ID, Direction: reportline.Managers, Kind: kind,
			IDs: []reportline.UserID{manager.ID}, ValidUntil: until})
		must(err)
	}
	link(app.SystemActor(reportline.SourceImportAPI), w.imp, w.s1, reportline.Line, time.Time{})
	link(orgSys, w.fn, w.s1, reportline.Functional, time.Time{})
	link(orgSys, w.head, w.s1, reportline.Functional, time.Time{})
	link(orgSys, w.old, w.s2, reportline.Line, w.env.Now.Now().Add(time.Hour))
	w.env.Now.Advance(2 * time.Hour) // old's link has ended
	return w
}

// setMode switches the Assign role mode as the platform admin.
func (w *orgWorld) setMode(t *testing.T, m reportline.AssignMode) {
	t.Helper()
	if err := w.env.App.SetAssignMode(context.Background(), ui(w.pa), m); err != nil {
		t.Fatalf("SetAssignMode(%s): %v", m, err)
	}
	got, err := w.env.App.AssignMode(context.Background())
	if err != nil || got != m {
		t.Fatalf("AssignMode = %q, %v; want %q", got, err, m)
	}
}

// describe names a side's links "name kind/source", sorted.
func (w *orgWorld) describe(side []app.LinkedUser) []string {
	out := []string{}
	for _, l := range side {
		out = append(out, fmt.Sprintf("%s %s/%s", w.byID[l.User.ID], l.Link.Kind, l.Link.Source))
	}
	slices.Sort(out)
	return out
}

// effective returns a user's effective links as the system sees them.
func (w *orgWorld) effective(t *testing.T, u reportline.User) app.EffectiveLinks {
	t.Helper()
	e, err := w.env.App.EffectiveManagers(context.Background(), orgSys, u.ID)
	if err != nil {
		t.Fatalf("EffectiveManagers(%s): %v", u.Email, err)
	}
	return e
}

// managersOf names a user's effective managers, sorted, without the
// kind: the derivation tests care about who.
func (w *orgWorld) managersOf(t *testing.T, u reportline.User) []string {
	t.Helper()
	out := []string{}
	for _, l := range w.effective(t, u).Managers {
		if l.Link.Kind == reportline.Line {
			out = append(out, w.byID[l.User.ID])
		}
	}
	slices.Sort(out)
	return out
}

func (w *orgWorld) manageesOf(t *testing.T, u reportline.User) []string {
	t.Helper()
	out := []string{}
	for _, l := range w.effective(t, u).Managees {
		if l.Link.Kind == reportline.Line {
			out = append(out, w.byID[l.User.ID])
		}
	}
	slices.Sort(out)
	return out
}

// stars names the users of the world with the manager star, sorted.
func (w *orgWorld) stars(t *testing.T) []string {
	t.Helper()
	ids := make([]reportline.UserID, 0, len(w.byID))
	for id := range w.byID {
		ids = append(ids, id)
	}
	got, err := w.env.App.ManagerStars(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for id, ok := range got {
		if ok {
			out = append(out, w.byID[id])
		}
	}
	slices.Sort(out)
	return out
}

func TestAssignModeSwitchesBackAndForthAndLosesNothing(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newOrgWorld(t, engine)
		a := w.env.App

		importView := []string{"fn functional/api", "head functional/api", "imp line/import_api"}
		positionsView := []string{"cohead line/orgstructure", "fn functional/api", "head line/orgstructure"}
		check := func(mode reportline.AssignMode, wantManagers []string, wantInEffect bool) {
			t.Helper()
			e := w.effective(t, w.s1)
			if e.Mode != mode {
				t.Errorf("EffectiveManagers mode = %s, want %s", e.Mode, mode)
			}
			if got := w.describe(e.Managers); !slices.Equal(got, wantManagers) {
				t.Errorf("%s mode: s1's effective managers = %v, want %v", mode, got, wantManagers)
			}
			// The imported link is in the store whatever the mode.
			ul, err := a.ListUserLinks(ctx, orgSys, w.s1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.describe(ul.Managers); !slices.Equal(got, importView) {
				t.Errorf("%s mode: s1's stored managers = %v, want %v", mode, got, importView)
			}
			in, err := a.LineLinksInEffect(ctx)
			if err != nil || in != wantInEffect {
				t.Errorf("%s mode: LineLinksInEffect = %v, %v; want %v", mode, in, err, wantInEffect)
			}
		}

		// A fresh system is in import mode.
		if m, err := a.AssignMode(ctx); err != nil || m != reportline.AssignByImport {
			t.Fatalf("default AssignMode = %q, %v; want import", m, err)
		}
		check(reportline.AssignByImport, importView, true)
		if e := w.effective(t, w.s1); len(e.KeptManagers) != 0 {
			t.Errorf("import mode keeps nothing aside, got %v", w.describe(e.KeptManagers))
		}

		w.setMode(t, reportline.AssignByPositions)
		check(reportline.AssignByPositions, positionsView, false)
		e := w.effective(t, w.s1)
		if got := w.describe(e.KeptManagers); !slices.Equal(got, []string{"imp line/import_api"}) {
			t.Errorf("positions mode: kept managers = %v, want the imported link", got)
		}
		for _, l := range e.Managers {
			if l.Link.Source == reportline.SourceOrgStructure && (l.Removable || l.Link.Temporary()) {
				t.Errorf("a derived link is removable or dated: %+v", l)
			}
		}
		if got := w.describe(w.effective(t, w.imp).KeptManagees); !slices.Equal(got, []string{"s1 line/import_api"}) {
			t.Errorf("imp's kept managees = %v", got)
		}
		if got := w.effective(t, w.imp).Managees; len(got) != 0 {
			t.Errorf("positions mode: imp still manages %v", w.describe(got))
		}

		// Back to import: exactly as before; and again.
		w.setMode(t, reportline.AssignByImport)
		check(reportline.AssignByImport, importView, true)
		w.setMode(t, reportline.AssignByPositions)
		check(reportline.AssignByPositions, positionsView, false)
		w.setMode(t, reportline.AssignByImport)
		check(reportline.AssignByImport, importView, true)
		// Setting the same mode again changes nothing.
		w.setMode(t, reportline.AssignByImport)

		// In import mode positions make nobody a manager: s2 has no line
		// manager (old's link has expired, but it is still listed).
		if got := w.managersOf(t, w.s2); !slices.Equal(got, []string{"old"}) {
			t.Errorf("import mode: s2's line managers = %v, want [old]", got)
		}
		if got := w.manageesOf(t, w.head); len(got) != 0 {
			t.Errorf("import mode: head manages %v through the org structure", got)
		}

		if err := a.SetAssignMode(ctx, ui(w.pa), "both"); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("SetAssignMode(both) = %v, want invalid", err)
		}
	})
}

func TestDerivedManagers(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newOrgWorld(t, engine)
		w.setMode(t, reportline.AssignByPositions)
		for _, tt := range []struct {
			name string
			user reportline.User
			want []string
		}{
			{"a member is managed by the managers of their unit, never an inactive one", w.s1, []string{"cohead", "head"}},
			{"unit and position are matched ignoring case and spaces", w.s2, []string{"cohead", "head"}},
			{"an inactive member still has managers", w.soff, []string{"cohead", "head"}},
			{"a holder of a manager position is managed by the parent unit's managers", w.eastlead, []string{"cohead", "head"}},
			{"one of two managers of a unit is managed from above, not by the other", w.head, []string{"ceo"}},
			{"the other one too", w.cohead, []string{"ceo"}},
			{"an inactive holder is managed from above", w.oldhead, []string{"ceo"}},
			{"a member of a unit without a manager goes to the nearest unit above that has one", w.w1, []string{"cohead", "head"}},
			{"…and past a unit whose only manager is inactive", w.wi1, []string{"cohead", "head"}},
			{"…and so does that unit's inactive manager", w.wilead, []string{"cohead", "head"}},
			{"a member of a unit without a manager under the top unit", w.f1, []string{"ceo"}},
			{"the top manager has nobody above", w.ceo, []string{}},
			{"a unit name that names no unit derives nothing", w.nowhere, []string{}},
			{"a member of a sub-unit with a manager", w.e1, []string{"eastlead"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if got := w.managersOf(t, tt.user); !slices.Equal(got, tt.want) {
					t.Errorf("%s's managers = %v, want %v", tt.user.FirstName, got, tt.want)
				}
			})
		}
		for _, tt := range []struct {
			user reportline.User
			want []string
		}{
			{w.ceo, []string{"cohead", "f1", "head", "oldhead"}},
			{w.head, []string{"eastlead", "s1", "s2", "soff", "w1", "wi1", "wilead"}},
			{w.cohead, []string{"eastlead", "s1", "s2", "soff", "w1", "wi1", "wilead"}},
			{w.eastlead, []string{"e1"}},
			{w.oldhead, []string{}}, // inactive: manages nobody
			{w.wilead, []string{}},
			{w.s1, []string{}},
			{w.nowhere, []string{}},
		} {
			if got := w.manageesOf(t, tt.user); !slices.Equal(got, tt.want) {
				t.Errorf("%s's managees = %v, want %v", tt.user.FirstName, got, tt.want)
			}
		}
		// The pair head → s1 is both a stored functional link and a
		// derived line link: it is listed once, as the line link.
		var kinds []string
		for _, l := range w.effective(t, w.s1).Managers {
			if l.User.ID == w.head.ID {
				kinds = append(kinds, string(l.Link.Kind))
			}
		}
		if !slices.Equal(kinds, []string{"line"}) {
			t.Errorf("head → s1 listed as %v, want once as line", kinds)
		}
	})
}

// TestDerivationPathsAgree holds the all-at-once derivation and the batch
// path against the one-user path, for every user, in both modes.
func TestDerivationPathsAgree(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newOrgWorld(t, engine)
		ids := make([]reportline.UserID, 0, len(w.byID))
		for id := range w.byID {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		key := func(l reportline.Link) string {
			return fmt.Sprintf("%s→%s %s/%s", w.byID[l.ManagerID], w.byID[l.ManageeID], l.Kind, l.Source)
		}
		for _, mode := range []reportline.AssignMode{reportline.AssignByPositions, reportline.AssignByImport} {
			w.setMode(t, mode)
			all, err := w.env.App.EveryEffectiveLinkForTest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var every, one, down []string
			for _, l := range all {
				every = append(every, key(l))
			}
			batch, err := w.env.App.ManagersOfManyForTest(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			batchDown, err := w.env.App.ManageesOfManyForTest(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			var many, manyDown []string
			for _, id := range ids {
				e := w.effective(t, reportline.User{ID: id})
				for _, l := range e.Managers {
					one = append(one, key(l.Link))
				}
				for _, l := range e.Managees {
					down = append(down, key(l.Link))
				}
				for _, l := range batch[id] {
					many = append(many, key(l))
				}
				for _, l := range batchDown[id] {
					manyDown = append(manyDown, key(l))
				}
			}
			for _, s := range [][]string{every, one, down, many, manyDown} {
				slices.Sort(s)
			}
			if len(every) < 4 {
				t.Fatalf("%s mode: only %d links", mode, len(every))
			}
			for name, got := range map[string][]string{"managersOf": one, "manageesOf": down, "managersOfMany": many, "manageesOfMany": manyDown} {
				if !slices.Equal(got, every) {
					t.Errorf("%s mode: %s says\n%v\nall at once says\n%v", mode, name, got, every)
				}
			}
		}
	})
}

func TestManagerStar(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newOrgWorld(t, engine)
		// Import mode: imp has a line managee; fn and head only functional
		// ones, old an expired one; positions give nothing.
		if got := w.stars(t); !slices.Equal(got, []string{"imp"}) {
			t.Errorf("import mode: stars = %v, want [imp]", got)
		}
		w.setMode(t, reportline.AssignByPositions)
		// Positions mode: the active managers of units with an active
		// managee; not inactive holders, not imp.
		want := []string{"ceo", "cohead", "eastlead", "head"}
		if got := w.stars(t); !slices.Equal(got, want) {
			t.Errorf("positions mode: stars = %v, want %v", got, want)
		}
		if !w.effective(t, w.head).ManagerStar || w.effective(t, w.s1).ManagerStar {
			t.Error("EffectiveManagers disagrees with ManagerStars")
		}
		// A manager whose only managee leaves loses the star.
		off := reportline.StatusInactive
		if _, err := w.env.App.UpdateUser(ctx, orgSys, w.e1.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		want = []string{"ceo", "cohead", "head"}
		if got := w.stars(t); !slices.Equal(got, want) {
			t.Errorf("after e1 left: stars = %v, want %v", got, want)
		}
		// Back in import mode, only the stored line link counts again.
		w.setMode(t, reportline.AssignByImport)
		if got := w.stars(t); !slices.Equal(got, []string{"imp"}) {
			t.Errorf("back in import mode: stars = %v, want [imp]", got)
		}
		// An inactive manager carries no star.
		if _, err := w.env.App.UpdateUser(ctx, orgSys, w.imp.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		if got := w.stars(t); len(got) != 0 {
			t.Errorf("stars = %v, want none", got)
		}
	})
}

func TestOrgUnitsAndPositions(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newOrgWorld(t, engine)
		a, pa := w.env.App, ui(w.pa)
		w.setMode(t, reportline.AssignByPositions)

		if _, err := a.CreateOrgUnit(ctx, pa, app.OrgUnitInput{Name: "  SALES "}); !reportline.IsCode(err, reportline.Conflict) {
			t.Errorf("a second Sales = %v, want conflict", err)
		}
		if _, err := a.CreateOrgUnit(ctx, pa, app.OrgUnitInput{Name: "Lab", ParentID: 9999}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("missing parent = %v, want invalid", err)
		}
		if _, err := a.CreateOrgUnit(ctx, pa, app.OrgUnitInput{Name: "  "}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("blank name = %v, want invalid", err)
		}

		// Moving a unit under its own sub-unit is refused, naming the path.
		parent := w.inside.ID
		_, err := a.UpdateOrgUnit(ctx, pa, w.sales.ID, app.OrgUnitPatch{ParentID: &parent})
		if !reportline.IsCode(err, reportline.Invalid) || !strings.Contains(reportline.ErrorMessage(err), "Sales → Sales West → West Inside") {
			t.Errorf("move under a descendant = %v", err)
		}
		// Moving Sales West to the top: w1 loses its managers (its units up
		// to the root have none).
		top := reportline.OrgUnitID(0)
		if _, err := a.UpdateOrgUnit(ctx, pa, w.west.ID, app.OrgUnitPatch{ParentID: &top}); err != nil {
			t.Fatal(err)
		}
		if got := w.managersOf(t, w.w1); len(got) != 0 {
			t.Errorf("after the move, w1's managers = %v, want none", got)
		}
		sales := w.sales.ID
		if _, err := a.UpdateOrgUnit(ctx, pa, w.west.ID, app.OrgUnitPatch{ParentID: &sales}); err != nil {
			t.Fatal(err)
		}

		// A rename carries the members along; a change of case alone
		// leaves their spelling.
		name := "Sales & Marketing"
		ch, err := a.UpdateOrgUnit(ctx, pa, w.sales.ID, app.OrgUnitPatch{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if ch.MembersRenamed != 6 { // head, cohead, oldhead, s1, s2, soff
			t.Errorf("members renamed: %d, want 6", ch.MembersRenamed)
		}
		if got := w.managersOf(t, w.s2); !slices.Equal(got, []string{"cohead", "head"}) {
			t.Errorf("after the rename, s2's managers = %v", got)
		}
		s2, err := a.GetUser(ctx, orgSys, w.s2.ID)
		if err != nil || s2.OrgUnit != name {
			t.Errorf("s2's org unit = %q, %v; want %q", s2.OrgUnit, err, name)
		}
		lower := "sales & marketing"
		ch, err = a.UpdateOrgUnit(ctx, pa, w.sales.ID, app.OrgUnitPatch{Name: &lower})
		if err != nil || ch.MembersRenamed != 0 {
			t.Errorf("case-only rename = %+v, %v; want no member renamed", ch, err)
		}

		// Deleting a unit with sub-units is refused; a leaf goes, and its
		// members then belong nowhere.
		if err := a.DeleteOrgUnit(ctx, pa, w.sales.ID); !reportline.IsCode(err, reportline.Conflict) {
			t.Errorf("delete a unit with sub-units = %v, want conflict", err)
		}
		if err := a.DeleteOrgUnit(ctx, pa, w.east.ID); err != nil {
			t.Fatal(err)
		}
		if got := w.managersOf(t, w.e1); len(got) != 0 {
			t.Errorf("after deleting Sales East, e1's managers = %v", got)
		}
		if err := a.DeleteOrgUnit(ctx, pa, w.east.ID); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("delete again = %v, want not found", err)
		}

		// The positions mapping: trimmed, one entry per key, blank lines
		// skipped. Without Team Lead, wilead is a plain member of West
		// Inside, which has no manager: wi1 still goes up to Sales.
		got, err := a.SetManagerPositions(ctx, pa, []string{"CEO", "", "Head of Sales", "head OF sales"})
		if err != nil || !slices.Equal(got, []string{"CEO", "Head of Sales"}) {
			t.Errorf("SetManagerPositions = %v, %v", got, err)
		}
		if got := w.managersOf(t, w.wi1); !slices.Equal(got, []string{"cohead", "head"}) {
			t.Errorf("wi1's managers = %v", got)
		}
		if got := w.managersOf(t, w.wilead); !slices.Equal(got, []string{"cohead", "head"}) {
			t.Errorf("wilead's managers = %v", got)
		}
		if _, err := a.SetManagerPositions(ctx, pa, []string{strings.Repeat("x", 201)}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("a 201-character title = %v, want invalid", err)
		}

		tree, err := a.OrgStructure(ctx, pa, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(nodes []*app.OrgNode, depth int) []string
		walk = func(nodes []*app.OrgNode, depth int) []string {
			var out []string
			for _, n := range nodes {
				var ms []string
				for _, m := range n.Managers {
					ms = append(ms, m.FirstName)
				}
				out = append(out, fmt.Sprintf("%s%s %d/%d %v", strings.Repeat(".", depth), n.Name, n.Counts.Active, n.Counts.Members, ms))
				out = append(out, walk(n.Children, depth+1)...)
			}
			return out
		}
		wantTree := []string{
			"Company 1/1 [ceo]",
			".Finance 1/1 []",
			".sales & marketing 4/6 [cohead head]",
			"..Sales West 1/1 []",
			"...West Inside 1/2 []",
		}
		if got := walk(tree.Nodes, 0); !slices.Equal(got, wantTree) {
			t.Errorf("tree =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantTree, "\n"))
		}
		shallow, err := a.OrgStructure(ctx, pa, w.sales.ID, 1)
		if err != nil || len(shallow.Nodes) != 1 || shallow.Nodes[0].Hidden != 1 || len(shallow.Path) != 2 {
			t.Errorf("OrgStructure(sales, 1) = %+v, %v; want Sales West with 1 hidden sub-unit, path Company → Sales", shallow, err)
		}
		held, err := a.HeldPositions(ctx, pa, 3)
		if err != nil || len(held) != 3 || held[0].Title != "Sales rep" || held[0].Users != 6 {
			t.Errorf("HeldPositions = %+v, %v; want Sales rep (6 users) first", held, err)
		}
	})
}

func TestOrgSettingsArePlatformAdminsOnly(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newOrgWorld(t, engine)
		a := w.env.App
		name := "X"
		inactivePA := w.pa
		inactivePA.Status = reportline.StatusInactive
		for _, actor := range []struct {
			name  string
			actor app.Actor
		}{{"group admin", ui(w.ga)}, {"manager", ui(w.head)}, {"inactive platform admin", ui(inactivePA)}} {
			for _, op := range []struct {
				name string
				err  error
			}{
				{"SetAssignMode", a.SetAssignMode(ctx, actor.actor, reportline.AssignByPositions)},
				{"SetManagerPositions", second(a.SetManagerPositions(ctx, actor.actor, []string{"Boss"}))},
				{"ManagerPositions", second(a.ManagerPositions(ctx, actor.actor))},
				{"HeldPositions", second(a.HeldPositions(ctx, actor.actor, 10))},
				{"OrgUnits", second(a.ListOrgUnits(ctx, actor.actor))},
				{"OrgStructure", second(a.OrgStructure(ctx, actor.actor, 0, 2))},
				{"OrgUnitInfo", second(a.OrgUnitInfo(ctx, actor.actor, w.sales.ID))},
				{"FindOrgUnit", second(a.FindOrgUnit(ctx, actor.actor, "Sales"))},
				{"CreateOrgUnit", second(a.CreateOrgUnit(ctx, actor.actor, app.OrgUnitInput{Name: "X"}))},
				{"UpdateOrgUnit", second(a.UpdateOrgUnit(ctx, actor.actor, w.sales.ID, app.OrgUnitPatch{Name: &name}))},
				{"DeleteOrgUnit", a.DeleteOrgUnit(ctx, actor.actor, w.finance.ID)},
			} {
				if !reportline.IsCode(op.err, reportline.Forbidden) || !strings.Contains(reportline.ErrorMessage(op.err), "only platform admins may") {
					t.Errorf("%s by a %s = %v, want forbidden with the reason", op.name, actor.name, op.err)
				}
			}
		}
		if m, _ := a.AssignMode(ctx); m != reportline.AssignByImport {
			t.Errorf("the refused switch happened: mode %s", m)
		}
		if _, err := a.FindOrgUnit(ctx, ui(w.pa), "finance"); err != nil {
			t.Errorf("the refused delete happened: %v", err)
		}
		// Effective managers follow ListUserLinks' rule: a stranger may not look.
		if _, err := a.EffectiveManagers(ctx, ui(w.f1), w.s1.ID); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("EffectiveManagers by a stranger = %v, want forbidden", err)
		}
		if _, err := a.EffectiveManagers(ctx, ui(w.s1), w.s1.ID); err != nil {
			t.Errorf("EffectiveManagers of oneself = %v", err)
		}
	})
}

// second returns the error of a two-valued call.
func second[T any](_ T, err error) error { return err }
