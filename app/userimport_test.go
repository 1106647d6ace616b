package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// importOrg is the usual org plus three members of A1 with the external
// uids of the LMS Collaborator article's example: ker1, ker2, ker3.
type importOrg struct {
	*org
	k1, k2, k3 reportline.User
}

func newImportOrg(t *testing.T, engine store.Engine) *importOrg {
	t.Helper()
	o := &importOrg{org: newOrg(t, engine)}
	for i, dst := range []*reportline.User{&o.k1, &o.k2, &o.k3} {
		u, err := o.env.App.CreateUser(context.Background(), sys, app.UserInput{ExternalUID: fmt.Sprintf("ker%d", i+1),
			Email: fmt.Sprintf("ker%d@example.com", i+1), FirstName: fmt.Sprintf("ker%d", i+1), GroupID: o.a1.ID})
		if err != nil {
			t.Fatal(err)
		}
		*dst = u
	}
	return o
}

// sentValues is a manager field sent with the given values.
func sentValues(values ...string) app.ManagerField {
	return app.ManagerField{Sent: true, Values: values}
}

// idList formats user ids the way the LMS article does: "27816, 27819".
func idList(sep string, users ...reportline.User) string {
	s := make([]string, len(users))
	for i, u := range users {
		s[i] = strconv.FormatInt(int64(u.ID), 10)
	}
	return strings.Join(s, sep)
}

func valueOf[T any](v T) *T { return &v }

// emailsOf returns the sorted addresses of users.
func emailsOf(users []reportline.User) []string {
	out := []string{}
	for _, u := range users {
		out = append(out, u.Email)
	}
	slices.Sort(out)
	return out
}

// lineManagers returns the sorted emails of a user's line managers.
func (o *importOrg) lineManagers(t *testing.T, u reportline.User) []string {
	t.Helper()
	return o.managersOfKind(t, u, reportline.Line)
}

func (o *importOrg) managersOfKind(t *testing.T, u reportline.User, kind reportline.Kind) []string {
	t.Helper()
	ul, err := o.env.App.ListUserLinks(context.Background(), sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, m := range ul.Managers {
		if m.Link.Kind == kind {
			out = append(out, m.User.Email)
		}
	}
	slices.Sort(out)
	return out
}

// setManagers makes the user's line managers exactly the given ones.
func (o *importOrg) setManagers(t *testing.T, u reportline.User, managers ...reportline.User) {
	t.Helper()
	req := app.LinkRequest{User: u.ID, Direction: reportline.Managers, Kind: reportline.Line}
	for _, m := range managers {
		req.IDs = append(req.IDs, m.ID)
	}
	if _, err := o.env.App.ReplaceLinks(context.Background(), sys, req); err != nil {
		t.Fatal(err)
	}
}

func (o *importOrg) user(t *testing.T, id reportline.UserID) reportline.User {
	t.Helper()
	u, err := o.env.App.GetUser(context.Background(), sys, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// wantImportError checks err's code and that its details (or the error itself)
// name field, value and reason.
func wantImportError(t *testing.T, err error, code reportline.Code, field, value, reason string) *reportline.Error {
	t.Helper()
	e, ok := errors.AsType[*reportline.Error](err)
	if !ok || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	if reason == "" {
		if e.Field != field || (value != "" && e.Value != value) {
			t.Fatalf("error names %s=%q, want %s=%q (%v)", e.Field, e.Value, field, value, err)
		}
		return e
	}
	for _, d := range e.Details {
		if d.Field == field && d.Value == value && d.Reason == reason && d.Message != "" {
			return e
		}
	}
	t.Fatalf("details = %+v, want %s=%q (%s)", e.Details, field, value, reason)
	return e
}

func TestImportCreatesByEmail(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		in := app.UserImport{UID: "cl123456", Email: " John.Smith@Example.com ", FirstName: valueOf("John"), LastName: valueOf("Smith"),
			Active: valueOf(true), Birthday: valueOf("26.07.1988"), Position: valueOf("CEO"), OrgUnit: valueOf("Main Office"),
			Locale: valueOf("en"), TimeZone: valueOf("Europe/Kyiv")}
		res, err := o.env.App.ImportUser(ctx, ui(o.pa), in)
		if err != nil {
			t.Fatal(err)
		}
		u := res.User
		if res.Action != app.UserCreated || res.MatchedBy != "" || u.ID == 0 || !res.InEffect || res.Managers != nil {
			t.Errorf("result = %+v", res)
		}
		if u.Email != "john.smith@example.com" || u.ExternalUID != "cl123456" || u.Name() != "John Smith" || !u.Active() ||
			u.Birthday.String() != "1988-07-26" || u.Position != "CEO" || u.OrgUnit != "Main Office" || u.TimeZone != "Europe/Kyiv" {
			t.Errorf("stored user = %+v", u)
		}
		if want := []string{"external_uid", "email", "first_name", "last_name", "birthday", "position", "org_unit", "locale", "time_zone"}; !slices.Equal(res.Changed, want) {
			t.Errorf("changed = %v, want %v", res.Changed, want)
		}
		// The same import again matches and changes nothing.
		res, err = o.env.App.ImportUser(ctx, ui(o.pa), in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Action != app.UserUnchanged || res.MatchedBy != "uid" || res.User.ID != u.ID || len(res.Changed) != 0 {
			t.Errorf("re-import = %+v", res)
		}

		tests := []struct {
			name          string
			actor         app.Actor
			in            app.UserImport
			code          reportline.Code
			field, inText string
		}{
			{"no key", ui(o.pa), app.UserImport{FirstName: valueOf("Nobody")}, reportline.Invalid, "uid", ""},
			{"unknown uid without email", ui(o.pa), app.UserImport{UID: "hr-404"}, reportline.Invalid, "email", ""},
			{"bad email", ui(o.pa), app.UserImport{Email: "not-an-address"}, reportline.Invalid, "email", ""},
			{"bad date", ui(o.pa), app.UserImport{Email: "new1@example.com", Birthday: valueOf("31.02.1990")}, reportline.Invalid, "birth_date", ""},
			{"bad time zone", ui(o.pa), app.UserImport{Email: "new2@example.com", TimeZone: valueOf("Mars/Olympus")}, reportline.Invalid, "timezone", ""},
			{"group admin may not create", ui(o.ga), app.UserImport{Email: "new3@example.com"}, reportline.Forbidden, "", "platform admin"},
			{"plain member may not import", ui(o.mem), app.UserImport{Email: "x@example.com"}, reportline.Forbidden, "", "admins"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := o.env.App.ImportUser(ctx, tc.actor, tc.in)
				e := wantImportError(t, err, tc.code, tc.field, "", "")
				if !strings.Contains(e.Message, tc.inText) {
					t.Errorf("message %q does not say %q", e.Message, tc.inText)
				}
				if tc.in.Email != "" && !strings.HasPrefix(tc.in.Email, "x@") {
					page, err := o.env.App.FindUsers(ctx, sys, reportline.UserFilter{Query: strings.TrimSuffix(tc.in.Email, "@example.com")}, 0)
					if err != nil {
						t.Fatal(err)
					}
					if page.Total != 0 {
						t.Errorf("a refused import created %v", page.Users)
					}
				}
			})
		}
	})
}

func TestImportMatchesByUIDThenEmail(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		if _, err := o.env.App.UpdateUser(ctx, sys, o.x.ID, app.UserPatch{ExternalUID: valueOf("hr-x")}); err != nil {
			t.Fatal(err)
		}
		// By uid: the email is just a field and follows the directory.
		res, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{UID: "hr-x", Email: "Xavier@example.com", FirstName: valueOf("Xavier")})
		if err != nil {
			t.Fatal(err)
		}
		if res.MatchedBy != "uid" || res.User.ID != o.x.ID || res.Action != app.UserUpdated || !slices.Equal(res.Changed, []string{"email", "first_name"}) {
			t.Errorf("by uid: %+v", res)
		}
		if u := o.user(t, o.x.ID); u.Email != "xavier@example.com" || u.FirstName != "Xavier" {
			t.Errorf("stored = %+v", u)
		}
		// No user has the uid: by email, and the user gets the uid.
		res, err = o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{UID: "hr-y", Email: "Y@Example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if res.MatchedBy != "email" || res.User.ID != o.y.ID || !slices.Equal(res.Changed, []string{"external_uid"}) {
			t.Errorf("by email: %+v", res)
		}
		if u := o.user(t, o.y.ID); u.ExternalUID != "hr-y" {
			t.Errorf("uid not stored: %+v", u)
		}
		// Email only.
		res, err = o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "w@example.com", Position: valueOf("Developer")})
		if err != nil || res.MatchedBy != "email" || res.User.ID != o.w.ID || res.User.Position != "Developer" {
			t.Errorf("email only: %+v, %v", res, err)
		}
		// The email belongs to a user with another uid: never merged.
		_, err = o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{UID: "hr-other", Email: "xavier@example.com", FirstName: valueOf("Other")})
		wantImportError(t, err, reportline.Conflict, "uid", "hr-other", "")
		// The uid's user is renamed to another user's address.
		_, err = o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{UID: "hr-x", Email: "w@example.com"})
		wantImportError(t, err, reportline.Conflict, "email", "w@example.com", "")
		if u := o.user(t, o.x.ID); u.FirstName != "Xavier" || u.Email != "xavier@example.com" {
			t.Errorf("refused imports changed x: %+v", u)
		}
	})
}

// TestImportManagerLists covers the value shapes of the manager fields: the
// article's "27816, 27819, 27822" and "ker1, ker2, ker3", with and without
// spaces, lists, a single id. Each replaces x's manager mgr.
func TestImportManagerLists(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		k1, k2, k3 := o.k1, o.k2, o.k3
		all := []string{"ker1@example.com", "ker2@example.com", "ker3@example.com"}
		tests := []struct {
			name string
			id   app.ManagerField
			uid  app.ManagerField
			want []string
		}{
			{"manager_id with spaces", sentValues(idList(", ", k1, k2, k3)), app.ManagerField{}, all},
			{"manager_id without spaces", sentValues(idList(",", k1, k2, k3)), app.ManagerField{}, all},
			{"manager_id as a list", sentValues(idList("", k1), idList("", k2), idList("", k3)), app.ManagerField{}, all},
			{"manager_id, one id", sentValues(idList("", k2)), app.ManagerField{}, []string{"ker2@example.com"}},
			{"manager_id listed twice", sentValues(idList(", ", k1, k1)), app.ManagerField{}, []string{"ker1@example.com"}},
			{"manager_uid with spaces", app.ManagerField{}, sentValues("ker1, ker2, ker3"), all},
			{"manager_uid without spaces", app.ManagerField{}, sentValues("ker1,ker2,ker3"), all},
			{"manager_uid as a list", app.ManagerField{}, sentValues("ker1", "ker2", "ker3"), all},
			{"manager_uid, one uid", app.ManagerField{}, sentValues("ker3"), []string{"ker3@example.com"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				o.setManagers(t, o.x, o.mgr)
				res, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "x@example.com", ManagerID: tc.id, ManagerUID: tc.uid})
				if err != nil {
					t.Fatal(err)
				}
				if got := o.lineManagers(t, o.x); !slices.Equal(got, tc.want) {
					t.Errorf("managers = %v, want %v", got, tc.want)
				}
				m := res.Managers
				if m == nil || !slices.Equal(emailsOf(m.Added), tc.want) || !slices.Equal(emailsOf(m.Removed), []string{"mgr@example.com"}) || res.Action != app.UserUpdated {
					t.Errorf("result = %+v managers %+v", res, m)
				}
			})
		}
	})
}

func TestImportManagerIDWinsOverManagerUID(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		tests := []struct {
			name         string
			id, uid      app.ManagerField
			want         []string
			field, other string
		}{
			{"both: manager_id wins", sentValues(idList(", ", o.k1)), sentValues("ker2"), []string{"ker1@example.com"}, "manager_id", "manager_uid"},
			{"manager_uid naming nobody is not even read", sentValues(idList(",", o.k1, o.k3)), sentValues("ghost, nobody, ,"), []string{"ker1@example.com", "ker3@example.com"}, "manager_id", "manager_uid"},
			{"null manager_id yields to manager_uid", app.ManagerField{Sent: true, Null: true}, sentValues("ker2"), []string{"ker2@example.com"}, "manager_uid", "manager_id"},
			{"both null: empty", app.ManagerField{Sent: true, Null: true}, app.ManagerField{Sent: true, Null: true}, []string{}, "manager_id", "manager_uid"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				o.setManagers(t, o.x, o.mgr)
				res, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "x@example.com", ManagerID: tc.id, ManagerUID: tc.uid})
				if err != nil {
					t.Fatal(err)
				}
				if got := o.lineManagers(t, o.x); !slices.Equal(got, tc.want) {
					t.Errorf("managers = %v, want %v", got, tc.want)
				}
				if res.Managers.Field != tc.field || res.Managers.IgnoredField != tc.other {
					t.Errorf("field %q ignored %q, want %q and %q", res.Managers.Field, res.Managers.IgnoredField, tc.field, tc.other)
				}
			})
		}
	})
}

func TestImportWithoutManagerFieldsKeepsManagers(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newImportOrg(t, engine)
		o.setManagers(t, o.x, o.mgr, o.k1)
		res, err := o.env.App.ImportUser(context.Background(), ui(o.pa), app.UserImport{Email: "x@example.com", Position: valueOf("Analyst")})
		if err != nil {
			t.Fatal(err)
		}
		if res.Managers != nil {
			t.Errorf("managers reported without a manager field: %+v", res.Managers)
		}
		if got := o.lineManagers(t, o.x); !slices.Equal(got, []string{"ker1@example.com", "mgr@example.com"}) {
			t.Errorf("managers = %v, want them untouched", got)
		}
	})
}

// TestImportEmptyValueRemovesLineManagersOnly: "", [], null and a value of
// separators alone remove every line manager; functional ones stay.
func TestImportEmptyValueRemovesLineManagersOnly(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		o.link(t, o.w, o.x, reportline.Functional)
		for _, tc := range []struct {
			name     string
			id, uid  app.ManagerField
			wantFrom string
		}{
			{`manager_id ""`, sentValues(""), app.ManagerField{}, "manager_id"},
			{`manager_id []`, app.ManagerField{Sent: true, Values: []string{}}, app.ManagerField{}, "manager_id"},
			{`manager_id null`, app.ManagerField{Sent: true, Null: true}, app.ManagerField{}, "manager_id"},
			{`manager_uid ""`, app.ManagerField{}, sentValues(""), "manager_uid"},
			{`manager_uid " , "`, app.ManagerField{}, sentValues(" , "), "manager_uid"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o.setManagers(t, o.x, o.mgr, o.k1)
				res, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "x@example.com", ManagerID: tc.id, ManagerUID: tc.uid})
				if err != nil {
					t.Fatal(err)
				}
				if got := o.lineManagers(t, o.x); len(got) != 0 {
					t.Errorf("line managers = %v, want none", got)
				}
				if got := o.managersOfKind(t, o.x, reportline.Functional); !slices.Equal(got, []string{"w@example.com"}) {
					t.Errorf("functional managers = %v, want w untouched", got)
				}
				if res.Managers.Field != tc.wantFrom || !slices.Equal(emailsOf(res.Managers.Removed), []string{"ker1@example.com", "mgr@example.com"}) {
					t.Errorf("result managers = %+v", res.Managers)
				}
			})
		}
	})
}

func TestImportTwoManagersThenOneLeavesOne(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		x := app.UserImport{UID: "hr-x", Email: "x@example.com", ManagerUID: sentValues("ker1, ker2")}
		if _, err := o.env.App.ImportUser(ctx, ui(o.pa), x); err != nil {
			t.Fatal(err)
		}
		if got := o.lineManagers(t, o.x); !slices.Equal(got, []string{"ker1@example.com", "ker2@example.com"}) {
			t.Fatalf("after 2 sent: %v", got)
		}
		x.ManagerUID = sentValues("ker2")
		res, err := o.env.App.ImportUser(ctx, ui(o.pa), x)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.lineManagers(t, o.x); !slices.Equal(got, []string{"ker2@example.com"}) {
			t.Errorf("after 1 sent: %v, want only ker2", got)
		}
		m := res.Managers
		if len(m.Added) != 0 || !slices.Equal(emailsOf(m.Removed), []string{"ker1@example.com"}) || !slices.Equal(emailsOf(m.Unchanged), []string{"ker2@example.com"}) {
			t.Errorf("changes = %+v", m)
		}
		// Sending the same again changes nothing.
		res, err = o.env.App.ImportUser(ctx, ui(o.pa), x)
		if err != nil || res.Action != app.UserUnchanged {
			t.Errorf("re-import = %+v, %v", res, err)
		}
	})
}

// TestImportRefusalsApplyNothing: each bad manager value fails the whole
// import, names the value, and leaves the user's fields and links as they
// were (the first name change and the good manager k1 are not applied).
func TestImportRefusalsApplyNothing(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine) // mgr → x
		o.link(t, o.x, o.y, reportline.Line)
		id := func(u reportline.User) string { return strconv.FormatInt(int64(u.ID), 10) }
		tests := []struct {
			name                 string
			in                   app.UserImport
			field, value, reason string
		}{
			{"unknown id", app.UserImport{ManagerID: sentValues(id(o.k1) + ", 424242")}, "manager_id", "424242", "unknown"},
			{"unknown uid", app.UserImport{ManagerUID: sentValues("ker1, ghost")}, "manager_uid", "ghost", "unknown"},
			{"not an id", app.UserImport{ManagerID: sentValues(id(o.k1) + ", ker2")}, "manager_id", "ker2", "invalid"},
			{"inactive manager", app.UserImport{ManagerID: sentValues(id(o.k1), id(o.off))}, "manager_id", id(o.off), "inactive"},
			{"self by id", app.UserImport{ManagerID: sentValues(id(o.k1) + "," + id(o.x))}, "manager_id", id(o.x), "self"},
			{"self by uid", app.UserImport{UID: "hr-x", ManagerUID: sentValues("ker1, hr-x")}, "manager_uid", "hr-x", "self"},
			{"cycle", app.UserImport{ManagerID: sentValues(id(o.k1) + ", " + id(o.y))}, "manager_id", id(o.y), "cycle"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.in
				in.Email, in.FirstName, in.Position = "x@example.com", valueOf("Changed"), valueOf("Changed")
				if tc.name == "self by uid" {
					// x gets the uid hr-x first, so that hr-x names x.
					if _, err := o.env.App.UpdateUser(ctx, sys, o.x.ID, app.UserPatch{ExternalUID: valueOf("hr-x")}); err != nil {
						t.Fatal(err)
					}
					in.UID = "hr-x"
				}
				_, err := o.env.App.ImportUser(ctx, ui(o.pa), in)
				e := wantImportError(t, err, reportline.Invalid, tc.field, tc.value, tc.reason)
				if e.Field != tc.field || !strings.Contains(e.Message, "nothing was imported") {
					t.Errorf("error = %+v", e)
				}
				if u := o.user(t, o.x.ID); u.FirstName != "x" || u.Position != "" {
					t.Errorf("a refused import changed the user: %+v", u)
				}
				if got := o.lineManagers(t, o.x); !slices.Equal(got, []string{"mgr@example.com"}) {
					t.Errorf("a refused import changed the managers: %v", got)
				}
			})
		}
		// A refused import of a new user creates nobody.
		_, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{UID: "hr-new", Email: "new@example.com", ManagerUID: sentValues("ghost")})
		wantImportError(t, err, reportline.Invalid, "manager_uid", "ghost", "unknown")
		if _, err := o.env.App.GetUserByEmail(ctx, "new@example.com"); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("the refused new user exists: %v", err)
		}
		// Every refusal is listed, not just the first.
		_, err = o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "x@example.com", ManagerID: sentValues(id(o.off) + ", 424242, " + id(o.x))})
		if e, _ := errors.AsType[*reportline.Error](err); e == nil || len(e.Details) != 3 {
			t.Errorf("want 3 details, got %v", err)
		}
	})
}

func TestImportFunctionalLinksUntouched(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine) // mgr → x
		o.link(t, o.w, o.x, reportline.Functional)
		o.link(t, o.y, o.x, reportline.Functional)
		// k1 replaces mgr; w and y stay functional managers.
		if _, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "x@example.com", ManagerUID: sentValues("ker1")}); err != nil {
			t.Fatal(err)
		}
		if got := o.lineManagers(t, o.x); !slices.Equal(got, []string{"ker1@example.com"}) {
			t.Errorf("line = %v", got)
		}
		if got := o.managersOfKind(t, o.x, reportline.Functional); !slices.Equal(got, []string{"w@example.com", "y@example.com"}) {
			t.Errorf("functional = %v, want w and y untouched", got)
		}
		// Listing a functional manager makes them a line manager: a pair
		// has one link. It is reported as updated.
		res, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "x@example.com", ManagerID: sentValues(idList(", ", o.k1, o.w))})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(emailsOf(res.Managers.Updated), []string{"w@example.com"}) || !slices.Equal(emailsOf(res.Managers.Unchanged), []string{"ker1@example.com"}) {
			t.Errorf("changes = %+v", res.Managers)
		}
		if got := o.managersOfKind(t, o.x, reportline.Functional); !slices.Equal(got, []string{"y@example.com"}) {
			t.Errorf("functional = %v", got)
		}
	})
}

func TestImportRecordsSourceAndAudit(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine) // mgr → x
		if _, err := o.env.App.ImportUser(ctx, ui(o.ga), app.UserImport{Email: "x@example.com", ManagerUID: sentValues("ker1")}); err != nil {
			t.Fatal(err)
		}
		ul, err := o.env.App.ListUserLinks(ctx, sys, o.x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ul.Managers) != 1 || ul.Managers[0].Link.Source != reportline.SourceImportAPI || ul.Managers[0].Link.CreatedBy != o.ga.ID {
			t.Fatalf("managers = %+v, want ker1 with source import_api by ga", ul.Managers)
		}
		entries, err := o.env.App.Audit(ctx, ui(o.pa), reportline.AuditFilter{UserID: o.x.ID})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			if e.ActorID == o.ga.ID {
				if e.Source != reportline.SourceImportAPI {
					t.Errorf("audit entry %+v: source %s, want import_api", e, e.Source)
				}
				got = append(got, fmt.Sprintf("%s %d", e.Action, e.ManagerID))
			}
		}
		slices.Sort(got)
		want := []string{fmt.Sprintf("add %d", o.k1.ID), fmt.Sprintf("remove %d", o.mgr.ID)}
		if !slices.Equal(got, want) {
			t.Errorf("audit = %v, want %v", got, want)
		}
	})
}

func TestImportGroupAdminScope(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine) // ga administers A (and A1); ua administers A1; z is in B
		id := func(u reportline.User) string { return strconv.FormatInt(int64(u.ID), 10) }
		tests := []struct {
			name   string
			actor  app.Actor
			in     app.UserImport
			code   reportline.Code
			reason string // for a refused manager
		}{
			{"group admin, user and manager in scope", ui(o.ga), app.UserImport{Email: "x@example.com", Position: valueOf("A"), ManagerID: sentValues(id(o.k1))}, "", ""},
			{"user admin, user and manager in A1", ui(o.ua), app.UserImport{Email: "y@example.com", ManagerUID: sentValues("ker2")}, "", ""},
			{"group admin, user outside scope", ui(o.ga), app.UserImport{Email: "z@example.com", Position: valueOf("B")}, reportline.Forbidden, ""},
			{"group admin, manager outside scope", ui(o.ga), app.UserImport{Email: "w@example.com", Position: valueOf("B"), ManagerID: sentValues(id(o.z))}, reportline.Forbidden, "out_of_scope"},
			{"user admin, manager in the parent group", ui(o.ua), app.UserImport{Email: "w@example.com", Position: valueOf("B"), ManagerID: sentValues(id(o.mgr))}, reportline.Forbidden, "out_of_scope"},
			{"group admin, new user", ui(o.ga), app.UserImport{Email: "brand.new@example.com"}, reportline.Forbidden, ""},
			{"group admin, a platform admin", ui(o.ga), app.UserImport{Email: "pa@example.com", Position: valueOf("B")}, reportline.Forbidden, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := o.env.App.ImportUser(ctx, tc.actor, tc.in)
				if tc.code == "" {
					if err != nil {
						t.Fatalf("want accepted, got %v", err)
					}
					return
				}
				e, _ := errors.AsType[*reportline.Error](err)
				if e == nil || e.Code != tc.code || e.Message == "" {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
				if tc.reason != "" && (len(e.Details) != 1 || e.Details[0].Reason != tc.reason) {
					t.Errorf("details = %+v, want %s", e.Details, tc.reason)
				}
			})
		}
		if u := o.user(t, o.w.ID); u.Position != "" {
			t.Errorf("a refused import changed w: %+v", u)
		}
		if u := o.user(t, o.z.ID); u.Position != "" {
			t.Errorf("a refused import changed z: %+v", u)
		}
		if got := o.lineManagers(t, o.x); !slices.Equal(got, []string{"ker1@example.com"}) {
			t.Errorf("x's managers = %v", got)
		}
	})
}

// TestImportInactiveUser: deactivating by import keeps the links, a
// leaver's record re-sent with the same managers passes, and changing the
// managers of an inactive user is refused.
func TestImportInactiveUser(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine) // mgr → x
		mgr := strconv.FormatInt(int64(o.mgr.ID), 10)
		for range 2 { // twice: the nightly re-send
			res, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "x@example.com", Active: valueOf(false), ManagerID: sentValues(mgr)})
			if err != nil {
				t.Fatal(err)
			}
			if res.User.Active() || !slices.Equal(emailsOf(res.Managers.Unchanged), []string{"mgr@example.com"}) {
				t.Errorf("result = %+v %+v", res, res.Managers)
			}
		}
		if got := o.lineManagers(t, o.x); !slices.Equal(got, []string{"mgr@example.com"}) {
			t.Errorf("deactivation lost the links: %v", got)
		}
		_, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "x@example.com", ManagerUID: sentValues("ker1")})
		wantImportError(t, err, reportline.Invalid, "is_active", "", "")
		res, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{Email: "x@example.com", Active: valueOf(true), ManagerUID: sentValues("ker1")})
		if err != nil {
			t.Fatal(err)
		}
		if !res.User.Active() || !slices.Equal(res.Changed, []string{"status"}) {
			t.Errorf("reactivation = %+v", res)
		}
		if got := o.lineManagers(t, o.x); !slices.Equal(got, []string{"ker1@example.com"}) {
			t.Errorf("managers = %v", got)
		}
	})
}

func TestImportUsersBatch(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		batch := []app.UserImport{
			{UID: "hr-1", Email: "one@example.com", FirstName: valueOf("One"), ManagerUID: sentValues("ker1")},
			{Email: "x@example.com", FirstName: valueOf("Changed"), ManagerUID: sentValues("ghost")},
			{UID: "hr-2", Email: "two@example.com", ManagerUID: sentValues("hr-1, ker2")}, // a manager made earlier in the batch
			{FirstName: valueOf("No key")},
			{Email: "y@example.com", ManagerID: sentValues(idList(", ", o.k3))},
		}
		out, err := o.env.App.ImportUsers(ctx, ui(o.pa), batch)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(batch) {
			t.Fatalf("%d outcomes for %d users", len(out), len(batch))
		}
		for i, want := range []bool{true, false, true, false, true} {
			if (out[i].Err == nil) != want {
				t.Errorf("user %d: err = %v, want ok = %v", i, out[i].Err, want)
			}
		}
		wantImportError(t, out[1].Err, reportline.Invalid, "manager_uid", "ghost", "unknown")
		if out[0].Result.Action != app.UserCreated || out[2].Result.Action != app.UserCreated || out[4].Result.Action != app.UserUpdated {
			t.Errorf("actions: %s %s %s", out[0].Result.Action, out[2].Result.Action, out[4].Result.Action)
		}
		two := out[2].Result.User
		got := o.lineManagers(t, two)
		if !slices.Equal(got, []string{"ker2@example.com", "one@example.com"}) {
			t.Errorf("two's managers = %v", got)
		}
		if got := o.lineManagers(t, o.y); !slices.Equal(got, []string{"ker3@example.com"}) {
			t.Errorf("y's managers = %v", got)
		}
		if u := o.user(t, o.x.ID); u.FirstName != "x" {
			t.Errorf("the refused user changed: %+v", u)
		}
		if _, err := o.env.App.ImportUsers(ctx, ui(o.pa), make([]app.UserImport, app.MaxUserImportBatch+1)); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("oversized batch: %v", err)
		}
	})
}

// TestImportConcurrentCreatesOfOneUser: clients pushing the same new user at
// once get one user, and no conflict error.
func TestImportConcurrentCreatesOfOneUser(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		const n = 8
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := o.env.App.ImportUser(ctx, ui(o.pa), app.UserImport{UID: "hr-same", Email: "same@example.com", FirstName: valueOf("Same")})
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("concurrent import: %v", err)
			}
		}
		page, err := o.env.App.FindUsers(ctx, sys, reportline.UserFilter{ExternalUID: "hr-same"}, 0)
		if err != nil || page.Total != 1 {
			t.Errorf("users with the uid: %d, %v", page.Total, err)
		}
	})
}
