// Package demo loads a small, realistic organisation so that a new user of
// `reportline serve --demo` sees something at once: a company with
// departments and teams, a platform admin, a group admin and a user admin,
// about fifty people with reporting lines, a functional manager, a
// temporary delegate and a couple of inactive accounts.
//
// It goes through the application services like any other client.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"reportline"
	"reportline/app"
)

// Password is every demo account's password. The demo is for trying the
// product on one's own machine; never load it into a real deployment.
const Password = "reportline-demo"

// Login is a demo account worth signing in as.
type Login struct {
	Email string
	Role  string
}

// Logins lists the demo accounts to try, in the order they are printed.
var Logins = []Login{
	{"admin@acme.example", "platform admin: everything"},
	{"grace.hopper@acme.example", "group admin of Engineering (and its teams)"},
	{"ada.lovelace@acme.example", "user admin of Sales"},
	{"linus.torvalds@acme.example", "a manager"},
}

// team is a group with its people; the first person leads the team.
type team struct {
	group  string
	parent string
	people []string // "First Last|Position"
}

var org = []team{
	{"Acme", "", []string{"Margaret Hamilton|Chief Executive Officer", "Alan Turing|Chief Operating Officer"}},
	{"Engineering", "Acme", []string{"Grace Hopper|VP Engineering", "Barbara Liskov|Engineering Manager"}},
	{"Platform team", "Engineering", []string{"Linus Torvalds|Team Lead", "Ken Thompson|Senior Engineer", "Dennis Ritchie|Senior Engineer",
		"Rob Pike|Engineer", "Russ Cox|Engineer", "Brian Kernighan|Engineer", "Robert Griesemer|Engineer", "Ian Lance Taylor|Engineer"}},
	{"Mobile team", "Engineering", []string{"Frances Allen|Team Lead", "John Backus|Engineer", "Jean Sammet|Engineer", "Niklaus Wirth|Engineer",
		"Edsger Dijkstra|Engineer", "Donald Knuth|Engineer", "Tony Hoare|Engineer"}},
	{"Sales", "Acme", []string{"Ada Lovelace|Head of Sales", "Katherine Johnson|Sales Manager", "Dorothy Vaughan|Account Executive",
		"Mary Jackson|Account Executive", "Hedy Lamarr|Account Executive", "Radia Perlman|Sales Engineer", "Sophie Wilson|Account Executive",
		"Lynn Conway|Account Executive", "Adele Goldberg|Sales Development", "Annie Easley|Sales Development"}},
	{"Operations", "Acme", []string{"Claude Shannon|Head of Operations", "John von Neumann|Operations Manager", "Carol Shaw|HR Partner",
		"Evelyn Berezin|Office Manager", "Kathleen Booth|Finance Analyst", "Betty Holberton|Finance Analyst", "Marlyn Wescoff|Payroll",
		"Ruth Teitelbaum|Recruiter", "Kay McNulty|Recruiter", "Joan Clarke|IT Support", "Tim Berners-Lee|IT Support", "Vint Cerf|Facilities"}},
}

// Load creates the demo organisation if the database has no users yet. It
// reports whether it loaded anything.
func Load(ctx context.Context, a *app.App) (bool, error) {
	sys := app.SystemActor(reportline.SourceAPI)
	page, err := a.FindUsers(ctx, sys, reportline.UserFilter{Limit: 1}, 0)
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	if page.Total > 0 {
		return false, nil
	}
	admin, err := a.CreatePlatformAdmin(ctx, "admin@acme.example", Password)
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	if _, err := a.UpdateUser(ctx, sys, admin.ID, app.UserPatch{FirstName: ptr("Platform"), LastName: ptr("Admin")}); err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	groups := map[string]reportline.GroupID{}
	leads := map[string]reportline.User{}
	byEmail := map[string]reportline.User{}
	for i, t := range org {
		g, err := a.CreateGroup(ctx, sys, t.group, groups[t.parent])
		if err != nil {
			return false, fmt.Errorf("demo: group %s: %w", t.group, err)
		}
		groups[t.group] = g.ID
		var members []reportline.User
		for j, p := range t.people {
			name, position, _ := strings.Cut(p, "|")
			first, last, _ := strings.Cut(name, " ")
			u, err := a.CreateUser(ctx, sys, app.UserInput{
				Email: emailOf(name), FirstName: first, LastName: last, Position: position, OrgUnit: t.group,
				ExternalUID: fmt.Sprintf("HR%04d", 100*i+j+1), GroupID: g.ID, TimeZone: "Europe/Paris", Locale: "en",
				Birthday: birthday(i, j),
			})
			if err != nil {
				return false, fmt.Errorf("demo: user %s: %w", name, err)
			}
			if err := a.SetPassword(ctx, sys, u.ID, Password); err != nil {
				return false, fmt.Errorf("demo: %w", err)
			}
			members = append(members, u)
			byEmail[u.Email] = u
		}
		leads[t.group] = members[0]
		// Everyone in the team reports to its lead; the lead reports to the
		// lead of the parent group.
		for _, m := range members[1:] {
			if err := link(ctx, a, members[0], m, reportline.Line); err != nil {
				return false, err
			}
		}
		if t.parent != "" {
			if err := link(ctx, a, leads[t.parent], members[0], reportline.Line); err != nil {
				return false, err
			}
		}
	}
	// Acme members are in the root group; everyone else inherits it through
	// the tree, so the roles below cover the right people.
	roles := []reportline.Membership{
		{GroupID: groups["Engineering"], UserID: byEmail["grace.hopper@acme.example"].ID, Role: reportline.AdminRole},
		{GroupID: groups["Sales"], UserID: byEmail["ada.lovelace@acme.example"].ID, Role: reportline.UserAdminRole},
	}
	for _, m := range roles {
		if err := a.SetMember(ctx, sys, m); err != nil {
			return false, fmt.Errorf("demo: %w", err)
		}
	}
	// A second line manager, a functional manager and a temporary delegate.
	extras := []struct {
		manager, managee string
		kind             reportline.Kind
		until            time.Duration
	}{
		{"barbara.liskov@acme.example", "rob.pike@acme.example", reportline.Line, 0},
		{"radia.perlman@acme.example", "ken.thompson@acme.example", reportline.Functional, 0},
		{"katherine.johnson@acme.example", "hedy.lamarr@acme.example", reportline.Line, 30 * 24 * time.Hour},
	}
	for _, x := range extras {
		req := app.LinkRequest{User: byEmail[x.managee].ID, Direction: reportline.Managers, Kind: x.kind, Emails: []string{x.manager}}
		if x.until > 0 {
			req.ValidUntil = time.Now().Add(x.until).Truncate(24 * time.Hour)
			req.Comment = "Delegate while Sophie is on leave"
		}
		if _, err := a.AddLinks(ctx, app.SystemActor(reportline.SourceUI), req); err != nil {
			return false, fmt.Errorf("demo: %w", err)
		}
	}
	// Two people have left: their accounts are inactive, their links kept.
	off := reportline.StatusInactive
	for _, e := range []string{"annie.easley@acme.example", "vint.cerf@acme.example"} {
		if _, err := a.UpdateUser(ctx, sys, byEmail[e].ID, app.UserPatch{Status: &off}); err != nil {
			return false, fmt.Errorf("demo: %w", err)
		}
	}
	if err := loadLearning(ctx, a, groups, byEmail); err != nil {
		return false, err
	}
	return true, nil
}

func link(ctx context.Context, a *app.App, manager, managee reportline.User, kind reportline.Kind) error {
	// The reporting line came from HR's spreadsheet, as in most platforms.
	_, err := a.AddLinks(ctx, app.SystemActor(reportline.SourceCSV), app.LinkRequest{
		User: managee.ID, Direction: reportline.Managers, Kind: kind, IDs: []reportline.UserID{manager.ID}})
	if err != nil {
		return fmt.Errorf("demo: link %s → %s: %w", manager.Email, managee.Email, err)
	}
	return nil
}

func emailOf(name string) string {
	return strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(name, " ", "."), "-", "")) + "@acme.example"
}

// birthday spreads birthdays over the year; every third has no year, as
// people often prefer.
func birthday(i, j int) string {
	month, day := (i*5+j*7)%12+1, (i*11+j*3)%28+1
	if (i+j)%3 == 0 {
		return fmt.Sprintf("--%02d-%02d", month, day)
	}
	return fmt.Sprintf("%d-%02d-%02d", 1970+(i*7+j*5)%30, month, day)
}

func ptr[T any](v T) *T { return &v }
