package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// importCSV runs a users CSV import as the platform admin.
func (o *importOrg) importCSV(t *testing.T, file string, dryRun bool) app.UserCSVReport {
	t.Helper()
	rep, err := o.env.App.ImportUsersCSV(context.Background(), ui(o.pa), strings.NewReader(file), app.UserCSVOptions{DryRun: dryRun})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

// rowErrors lists the refused rows as "line field reason" (reason of the
// first detail when the error has details).
func rowErrors(rep app.UserCSVReport) []string {
	var out []string
	for _, r := range rep.Rows {
		if r.Err == nil {
			continue
		}
		field, reason := r.Err.Field, string(r.Err.Code)
		if len(r.Err.Details) > 0 {
			field, reason = r.Err.Details[0].Field, r.Err.Details[0].Reason
		}
		out = append(out, fmt.Sprintf("%d %s %s", r.Err.Line, field, reason))
	}
	return out
}

// A ';'-separated Windows-1252 file as Excel saves it in European locales:
// no BOM, accented names in single bytes, CRLF, headers spelt by hand.
func TestUsersCSVWindows1252Semicolons(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		file := "UID;E-Mail;First Name;Second Name;Is Active;Birthday;Position;Department;Manager UID;Login\r\n" +
			"hr-1;jose.garcia@example.com;Jos\xe9;Garc\xeda;1;26.07.1988;Ing\xe9nieur;M\xfcnchen;ker1, ker2;jgarcia\r\n" +
			"hr-2;anna.mueller@example.com;Anna;M\xfcller;0;1990-01-31;;;;amueller\r\n" +
			"\r\n" +
			"hr-3;bad@example.com;Bad;Row;maybe;;;;;\r\n" +
			"hr-4;nomgr@example.com;No;Manager;1;;;;ker1, nobody-404;\r\n" +
			"hr-5;self@example.com;Self;Ref;1;31.02.1990;;;;\r\n"

		preview := o.importCSV(t, file, true)
		if preview.Encoding != "windows-1252" || preview.Separator != ';' || !preview.DryRun {
			t.Errorf("file read as %s with %q", preview.Encoding, preview.Separator)
		}
		if want := []string{"uid", "email", "firstname", "secondname", "is_active", "birth_date", "position", "department", "manager_uid"}; !slices.Equal(preview.Columns, want) {
			t.Errorf("columns = %v, want %v", preview.Columns, want)
		}
		if !slices.Equal(preview.Ignored, []string{"Login"}) {
			t.Errorf("ignored = %v", preview.Ignored)
		}
		wantErrors := []string{"5 is_active invalid", "6 manager_uid unknown", "7 birth_date invalid"}
		if got := rowErrors(preview); !slices.Equal(got, wantErrors) {
			t.Errorf("preview errors = %v, want %v", got, wantErrors)
		}
		if c := preview.Counts; c != (app.UserCSVCounts{Rows: 5, Created: 2, Failed: 3}) {
			t.Errorf("preview counts = %+v", c)
		}
		if _, err := o.env.App.GetUserByEmail(ctx, "jose.garcia@example.com"); !reportline.IsCode(err, reportline.NotFound) {
			t.Fatalf("a preview created a user: %v", err)
		}
		for _, r := range preview.Rows {
			if r.Err != nil && r.Err.Message == "" {
				t.Errorf("line %d: refused without a reason", r.Line)
			}
		}
		unknown := preview.Rows[3].Err
		if unknown.Details[0].Value != "nobody-404" {
			t.Errorf("the unknown manager is not named: %+v", unknown.Details)
		}

		rep := o.importCSV(t, file, false)
		if got := rowErrors(rep); !slices.Equal(got, wantErrors) {
			t.Errorf("apply errors = %v, want %v", got, wantErrors)
		}
		if rep.Counts != preview.Counts {
			t.Errorf("apply counts %+v differ from the preview's %+v", rep.Counts, preview.Counts)
		}
		jose, err := o.env.App.GetUserByEmail(ctx, "jose.garcia@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if jose.Name() != "José García" || jose.Position != "Ingénieur" || jose.OrgUnit != "München" || jose.ExternalUID != "hr-1" ||
			jose.Birthday.String() != "1988-07-26" || !jose.Active() {
			t.Errorf("stored user = %+v", jose)
		}
		if got := o.lineManagers(t, jose); !slices.Equal(got, []string{"ker1@example.com", "ker2@example.com"}) {
			t.Errorf("managers = %v", got)
		}
		anna, err := o.env.App.GetUserByEmail(ctx, "anna.mueller@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if anna.Active() || anna.LastName != "Müller" || anna.Birthday.String() != "1990-01-31" {
			t.Errorf("stored user = %+v", anna)
		}
		for _, email := range []string{"bad@example.com", "nomgr@example.com", "self@example.com"} {
			if _, err := o.env.App.GetUserByEmail(ctx, email); !reportline.IsCode(err, reportline.NotFound) {
				t.Errorf("a refused row created %s (%v)", email, err)
			}
		}

		// The same file again: the good rows are unchanged.
		again := o.importCSV(t, file, false)
		if c := again.Counts; c != (app.UserCSVCounts{Rows: 5, Unchanged: 2, Failed: 3}) {
			t.Errorf("re-import counts = %+v", c)
		}
	})
}

// The manager columns mean what the API's fields mean: an absent column
// leaves the managers alone, an empty cell removes them, manager_id wins.
func TestUsersCSVManagerColumns(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newImportOrg(t, engine)
		o.setManagers(t, o.y, o.k1, o.k2)
		o.setManagers(t, o.w, o.k1)
		ids := idList(", ", o.k3)
		tests := []struct {
			name string
			file string
			y, w []string // line managers after
		}{
			{"no manager column: unchanged",
				"email,firstname\ny@example.com,Y\nw@example.com,W\n",
				[]string{"ker1@example.com", "ker2@example.com"}, []string{"ker1@example.com"}},
			{"2 managers → 1",
				"email,manager_uid\ny@example.com,ker2\n",
				[]string{"ker2@example.com"}, []string{"ker1@example.com"}},
			{"manager_id wins over manager_uid",
				"email\tmanager_uid\tmanager_id\ny@example.com\tker1\t" + ids + "\n",
				[]string{"ker3@example.com"}, []string{"ker1@example.com"}},
			{"both columns: the one with a value counts",
				"email;manager_id;manager_uid\ny@example.com;;ker1, ker2\nw@example.com;;\n",
				[]string{"ker1@example.com", "ker2@example.com"}, []string{}},
			{"empty cell removes every line manager",
				"email,manager_uid\ny@example.com,\n",
				[]string{}, []string{}},
		}
		for _, tc := range tests { // in order: each starts from the one before
			rep := o.importCSV(t, tc.file, false)
			if rep.Counts.Failed != 0 {
				t.Fatalf("%s: refused rows %v", tc.name, rowErrors(rep))
			}
			if got := o.lineManagers(t, o.y); !slices.Equal(got, tc.y) {
				t.Errorf("%s: y's managers = %v, want %v", tc.name, got, tc.y)
			}
			if got := o.lineManagers(t, o.w); !slices.Equal(got, tc.w) {
				t.Errorf("%s: w's managers = %v, want %v", tc.name, got, tc.w)
			}
		}
	})
}

func TestUsersCSVRefusesTheFile(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newImportOrg(t, engine)
		tests := []struct {
			name, file string
			actor      app.Actor
			code       reportline.Code
			inText     string
		}{
			{"misspelt column", "email,frist name\na@example.com,A\n", ui(o.pa), reportline.Invalid, `"frist name"`},
			{"no key column", "firstname,position\nA,CEO\n", ui(o.pa), reportline.Invalid, "neither a uid nor an email"},
			{"empty file", "", ui(o.pa), reportline.Invalid, "empty"},
			{"plain member", "email\ny@example.com\n", ui(o.mem), reportline.Forbidden, "admins"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := o.env.App.ImportUsersCSV(ctx, tc.actor, strings.NewReader(tc.file), app.UserCSVOptions{})
				if reportline.ErrorCode(err) != tc.code || !strings.Contains(reportline.ErrorMessage(err), tc.inText) {
					t.Errorf("error = %v, want %s saying %s", err, tc.code, tc.inText)
				}
			})
		}
		// A group admin imports the users of their groups and no others.
		rep, err := o.env.App.ImportUsersCSV(ctx, ui(o.ga), strings.NewReader("email,position\ny@example.com,Lead\nz@example.com,Lead\n"), app.UserCSVOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Counts.Updated != 1 || rep.Rows[1].Err == nil || rep.Rows[1].Err.Code != reportline.Forbidden || rep.Rows[1].Err.Line != 3 {
			t.Errorf("group admin import = %+v", rep)
		}
	})
}

// A preview rolls every row back, yet knows the managers that earlier rows
// of the file create.
func TestUsersCSVPreviewSeesUsersCreatedEarlier(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newImportOrg(t, engine)
		o.setManagers(t, o.y, o.k1)
		file := "uid,email,manager_uid\nboss-1,boss1@example.com,\nnew-1,new1@example.com,\"boss-1, ker2\"\n,y@example.com,boss-1\n,w@example.com,\"boss-1, ghost\"\n"
		rep := o.importCSV(t, file, true)
		if got := rowErrors(rep); !slices.Equal(got, []string{"5 manager_uid unknown"}) {
			t.Fatalf("preview errors = %v", got)
		}
		added := func(row int) []string { return emailsOf(rep.Rows[row].Result.Managers.Added) }
		if got := added(1); !slices.Equal(got, []string{"boss1@example.com", "ker2@example.com"}) {
			t.Errorf("line 3 adds %v", got)
		}
		if got, removed := added(2), emailsOf(rep.Rows[2].Result.Managers.Removed); !slices.Equal(got, []string{"boss1@example.com"}) ||
			!slices.Equal(removed, []string{"ker1@example.com"}) || rep.Rows[2].Result.Action != app.UserUpdated {
			t.Errorf("line 4 adds %v and removes %v (%s)", got, removed, rep.Rows[2].Result.Action)
		}
		if got := o.lineManagers(t, o.y); !slices.Equal(got, []string{"ker1@example.com"}) {
			t.Errorf("a preview changed y's managers: %v", got)
		}
		applied := o.importCSV(t, file, false)
		if applied.Counts != rep.Counts {
			t.Errorf("apply counts %+v differ from the preview's %+v", applied.Counts, rep.Counts)
		}
		if got := o.lineManagers(t, o.y); !slices.Equal(got, []string{"boss1@example.com"}) {
			t.Errorf("y's managers = %v", got)
		}
	})
}
