package authztest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
)

// fingerprint is everything a mutation could change, read as the system.
func fingerprint(t testing.TB, f *fixture) string {
	t.Helper()
	ctx, a, sys := context.Background(), f.env.App, f.sys
	var b bytes.Buffer
	page, err := a.FindUsers(ctx, sys, reportline.UserFilter{Limit: 10000}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range page.Users {
		fmt.Fprintf(&b, "user %d %s %s %s %s %s %s %s %s %s\n", u.ID, u.Email, u.Status, u.FirstName, u.LastName, u.ExternalUID, u.Position, u.OrgUnit, u.PlatformRole, u.Birthday)
	}
	groups, err := a.ListGroups(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		ms, err := a.ListMembers(ctx, sys, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "group %d %s %d\n", g.ID, g.Name, g.ParentID)
		for _, m := range ms {
			fmt.Fprintf(&b, "member %d %d %s\n", m.GroupID, m.UserID, m.Role)
		}
	}
	if _, err := a.ExportManagers(ctx, sys, &b, app.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	mode, _ := a.AssignMode(ctx)
	positions, _ := a.ManagerPositions(ctx, sys)
	scopes, _ := a.StatisticsScopes(ctx, sys)
	caps, _ := a.CapabilityMatrix(ctx, sys)
	digest, _ := a.DigestSettings(ctx, sys)
	units, _ := a.ListOrgUnits(ctx, sys)
	fmt.Fprintf(&b, "mode %v\npositions %v\nscopes %v\ncaps %v\ndigest %+v\n", mode, positions, scopes, caps, digest)
	for _, u := range units {
		fmt.Fprintf(&b, "unit %d %s %d\n", u.ID, u.Name, u.ParentID)
	}
	return b.String()
}

// baseFingerprint is the part of the fingerprint about the fixture as
// built: its people, their memberships and links, the groups, the settings.
func baseFingerprint(t testing.TB, f *fixture) string {
	t.Helper()
	people := map[string]bool{}
	for _, u := range f.users {
		if !strings.HasPrefix(u.Email, "fresh") {
			people[u.Email] = true
			people[fmt.Sprint(u.ID)] = true
		}
	}
	var out []string
	for _, l := range strings.Split(fingerprint(t, f), "\n") {
		fields := strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == ',' })
		keep := true
		switch {
		case len(fields) == 0:
		case fields[0] == "user":
			keep = people[fields[1]]
		case fields[0] == "member":
			keep = people[fields[2]]
		case fields[0] == "group":
			keep = fields[1] == fmt.Sprint(f.eng) || fields[1] == fmt.Sprint(f.plat) || fields[1] == fmt.Sprint(f.sales)
		case fields[0] == "unit": // the fixture has none; rows make their own
			keep = false
		case strings.Contains(l, "@"): // a link of the export: both ends the fixture's
			n := 0
			for _, x := range fields {
				if people[x] {
					n++
				}
			}
			keep = n >= 2
		}
		if keep {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// diff names the lines that differ.
func diff(before, after string) string {
	a, b := strings.Split(before, "\n"), strings.Split(after, "\n")
	var out []string
	for _, l := range a {
		if !slices.Contains(b, l) {
			out = append(out, "-"+l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			out = append(out, "+"+l)
		}
	}
	if len(out) > 6 {
		out = append(out[:6], "…")
	}
	return strings.Join(out, " | ")
}
