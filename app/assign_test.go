package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestPreviewFlagsEveryBadAddressAndAddIsAllOrNothing(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		req := app.LinkRequest{User: o.x.ID, Direction: reportline.Managers, Emails: []string{
			" Y@Example.com ", "w@example.com", "ghost@example.com", "off@example.com", "x@example.com",
			"z@example.com", "not-an-address", "y@example.com", "mgr@example.com",
		}}
		plan, err := o.env.App.PreviewLinks(ctx, ui(o.ga), req)
		if err != nil {
			t.Fatal(err)
		}
		// An unknown address reads as out of scope to a group admin: the
		// answer must not tell who has an account elsewhere.
		want := []app.Verdict{app.VerdictNew, app.VerdictNew, app.VerdictOutOfScope, app.VerdictInactive, app.VerdictSelf,
			app.VerdictOutOfScope, app.VerdictInvalid, app.VerdictDuplicate, app.VerdictUnchanged}
		for i, c := range plan.Candidates {
			if c.Verdict != want[i] {
				t.Errorf("%q: verdict %s, want %s (%s)", c.Input, c.Verdict, want[i], c.Message)
			}
			if !c.Verdict.Accepted() && c.Message == "" {
				t.Errorf("%q: refused without a message", c.Input)
			}
		}
		if got := len(plan.Rejected()); got != 5 {
			t.Errorf("rejected = %d, want 5", got)
		}
		_, err = o.env.App.AddLinks(ctx, ui(o.ga), req)
		var e *reportline.Error
		if !errors.As(err, &e) || e.Code != reportline.Invalid || len(e.Details) != 5 {
			t.Fatalf("AddLinks = %v, want invalid with 5 details", err)
		}
		if got := o.managers(t, o.x); !slices.Equal(got, []string{"mgr@example.com"}) {
			t.Errorf("after a refused add, managers = %v; nothing may change", got)
		}
		// Confirming the valid ones stores exactly them.
		req.Emails = []string{"y@example.com", "w@example.com"}
		if _, err := o.env.App.AddLinks(ctx, ui(o.ga), req); err != nil {
			t.Fatal(err)
		}
		if got := o.managers(t, o.x); !slices.Equal(got, []string{"mgr@example.com", "w@example.com", "y@example.com"}) {
			t.Errorf("managers = %v", got)
		}
	})
}

func TestCyclesAreRefusedAndNamed(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		o.link(t, o.x, o.y, reportline.Line)
		tests := []struct {
			name             string
			manager, managee reportline.User
			kind             reportline.Kind
			wantCycle        string
		}{
			{"two users", o.y, o.x, reportline.Line, "x@example.com → y@example.com → x@example.com"},
			{"three users", o.y, o.mgr, reportline.Line, "mgr@example.com → x@example.com → y@example.com → mgr@example.com"},
			{"functional links may go against the line", o.y, o.mgr, reportline.Functional, ""},
			{"a second line manager is no cycle", o.w, o.y, reportline.Line, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := o.env.App.AddLinks(ctx, ui(o.pa), app.LinkRequest{User: tc.managee.ID, Direction: reportline.Managers,
					Kind: tc.kind, IDs: []reportline.UserID{tc.manager.ID}})
				if tc.wantCycle == "" {
					if err != nil {
						t.Fatalf("want accepted, got %v", err)
					}
					return
				}
				var e *reportline.Error
				if !errors.As(err, &e) || len(e.Details) != 1 || e.Details[0].Reason != "cycle" || !strings.HasSuffix(e.Details[0].Message, tc.wantCycle) {
					t.Fatalf("got %v (%+v), want a cycle %s", err, e, tc.wantCycle)
				}
			})
		}
	})
}

func TestReplaceAuditAndUnchanged(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		req := app.LinkRequest{User: o.x.ID, Direction: reportline.Managers, Emails: []string{"y@example.com", "w@example.com"}}
		plan, err := o.env.App.PreviewReplace(ctx, ui(o.ga), req)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Count(app.VerdictNew) != 2 || len(plan.Removals) != 1 || plan.Removals[0].User.ID != o.mgr.ID {
			t.Fatalf("preview = %+v", plan)
		}
		if got := o.managers(t, o.x); len(got) != 1 {
			t.Fatalf("a preview changed links: %v", got)
		}
		if _, err := o.env.App.ReplaceLinks(ctx, ui(o.ga), req); err != nil {
			t.Fatal(err)
		}
		if got := o.managers(t, o.x); !slices.Equal(got, []string{"w@example.com", "y@example.com"}) {
			t.Errorf("managers = %v", got)
		}
		entries, err := o.env.App.Audit(ctx, ui(o.ga), reportline.AuditFilter{UserID: o.x.ID})
		if err != nil {
			t.Fatal(err)
		}
		var mine []string
		for _, e := range entries {
			if e.ActorID == o.ga.ID {
				mine = append(mine, string(e.Action))
				if e.Source != reportline.SourceUI || e.At.IsZero() {
					t.Errorf("entry %+v lacks source or time", e)
				}
			}
		}
		slices.Sort(mine)
		if !slices.Equal(mine, []string{"add", "add", "remove"}) {
			t.Errorf("audit actions = %v, want add, add, remove", mine)
		}
		// Applying the same again changes and audits nothing.
		plan, err = o.env.App.ReplaceLinks(ctx, ui(o.ga), req)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Count(app.VerdictUnchanged) != 2 || len(plan.Removals) != 0 {
			t.Errorf("re-apply plan = %+v", plan)
		}
		again, _ := o.env.App.Audit(ctx, ui(o.ga), reportline.AuditFilter{UserID: o.x.ID})
		if len(again) != len(entries) {
			t.Errorf("re-apply wrote %d audit entries", len(again)-len(entries))
		}
		// Changing a link's terms is an update, audited with before and after.
		req.Kind, req.Emails = reportline.Functional, []string{"y@example.com"}
		if _, err := o.env.App.AddLinks(ctx, ui(o.ga), req); err != nil {
			t.Fatal(err)
		}
		last, _ := o.env.App.Audit(ctx, ui(o.ga), reportline.AuditFilter{UserID: o.x.ID, Limit: 1})
		if len(last) != 1 || last[0].Action != reportline.ActionUpdate || last[0].Before.Kind != reportline.Line || last[0].After.Kind != reportline.Functional {
			t.Errorf("update entry = %+v", last)
		}
	})
}

func TestLinkInputIsValidated(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		tests := []struct {
			name  string
			req   app.LinkRequest
			field string
		}{
			{"dates reversed", app.LinkRequest{User: o.x.ID, Direction: reportline.Managers, Emails: []string{"y@example.com"}, ValidFrom: day, ValidUntil: day.AddDate(0, 0, -1)}, "valid_until"},
			{"unknown kind", app.LinkRequest{User: o.x.ID, Direction: reportline.Managers, Kind: "dotted", Emails: []string{"y@example.com"}}, "kind"},
			{"bad direction", app.LinkRequest{User: o.x.ID, Direction: "sideways", Emails: []string{"y@example.com"}}, "direction"},
			{"empty list", app.LinkRequest{User: o.x.ID, Direction: reportline.Managers}, "managers"},
			{"inactive user", app.LinkRequest{User: o.off.ID, Direction: reportline.Managers, Emails: []string{"y@example.com"}}, "user"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := o.env.App.AddLinks(ctx, ui(o.pa), tc.req)
				var e *reportline.Error
				if !errors.As(err, &e) || e.Code != reportline.Invalid || e.Field != tc.field {
					t.Errorf("got %v, want invalid %s", err, tc.field)
				}
			})
		}
		_, err := o.env.App.AddLinks(ctx, ui(o.pa), app.LinkRequest{User: 99999, Direction: reportline.Managers, Emails: []string{"y@example.com"}})
		if !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("unknown user: got %v, want not found", err)
		}
	})
}

func TestDeactivationKeepsLinks(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		for _, s := range []reportline.Status{reportline.StatusInactive, reportline.StatusActive} {
			if _, err := o.env.App.UpdateUser(ctx, ui(o.ga), o.mgr.ID, app.UserPatch{Status: &s}); err != nil {
				t.Fatal(err)
			}
			if got := o.managers(t, o.x); !slices.Equal(got, []string{"mgr@example.com"}) {
				t.Errorf("status %s: managers = %v, want the link kept", s, got)
			}
		}
	})
}

func TestSplitAddresses(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a@x.org, b@x.org;c@x.org\nd@x.org\r\ne@x.org\tf@x.org", []string{"a@x.org", "b@x.org", "c@x.org", "d@x.org", "e@x.org", "f@x.org"}},
		{"Jane Doe <jane@x.org>, \"Roe, R\" <r@x.org>", []string{"jane@x.org", "\"Roe", "r@x.org"}},
		{"a@x.org b@x.org", []string{"a@x.org", "b@x.org"}},
		{"typo-without-at", []string{"typo-without-at"}},
		{"  \n ,; ", nil},
	}
	for _, tc := range tests {
		if got := app.SplitAddresses(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("SplitAddresses(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestListUserLinksSaysWhichLinksTheViewerMayRemove(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine) // mgr (in A) → x (in A1)
		o.link(t, o.y, o.x, reportline.Line)
		for _, tc := range []struct {
			viewer reportline.User
			want   map[string]bool
		}{
			{o.ga, map[string]bool{"mgr@example.com": true, "y@example.com": true}},
			{o.ua, map[string]bool{"mgr@example.com": false, "y@example.com": true}},
			{o.mgr, map[string]bool{"mgr@example.com": false, "y@example.com": false}},
		} {
			ul, err := o.env.App.ListUserLinks(context.Background(), ui(tc.viewer), o.x.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ul.Managers {
				if m.Removable != tc.want[m.User.Email] {
					t.Errorf("%s sees %s removable = %v", tc.viewer.Email, m.User.Email, m.Removable)
				}
			}
		}
	})
}
