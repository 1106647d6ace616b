package authztest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

var update = flag.Bool("update", false, "rewrite docs/authz-matrix.md from the matrix")

// role is a kind of caller.
type role int

const (
	anon role = iota
	plainUser
	manager
	userAdmin
	groupAdmin
	platformAdmin
	scimClient
	deactivated
	nRoles
)

var roleNames = [nRoles]string{"anon", "plain", "mgr", "uadm", "gadm", "padm", "scim", "off"}

// callers are the fixture's callers of each role ("" anonymous).
var callers = [nRoles]string{"", paul, linus, ada, grace, root, "scim", olga}

// The targets of a targeted row, in the order of its letters.
const (
	tIn = iota
	tOut
	tSelf
	tPA
)

var targetNames = []string{"in", "out", "self", "pa"}

// cell is one request of the matrix: a row, a role, a target.
type cell struct {
	t       testing.TB
	f       *fixture
	row     *row
	role    role
	tgt     int // tIn…tPA, -1 for rows without a target
	want    byte
	caller  string
	user    reportline.User // the target user
	group   reportline.GroupID
	partner reportline.User // the other end of a link
	unit    int64
	seq     int
}

func (c *cell) name() string {
	s := c.row.pattern + " as " + roleNames[c.role]
	if c.tgt >= 0 {
		s += " → " + targetNames[c.tgt]
	}
	return s
}

func (c *cell) key() string {
	tg := "-"
	if c.tgt >= 0 {
		tg = targetNames[c.tgt]
	}
	return c.row.pattern + "|" + roleNames[c.role] + "|" + tg
}

// defaultPath is the pattern's path with its wildcards filled: {id} with
// the target (a user, or a group for group rows), {user_id} with the
// target user, others with 1.
func (c *cell) defaultPath() string {
	p := pathOf(c.row.pattern)
	id := int64(c.user.ID)
	if c.row.target == tGroup || c.row.target == tMember {
		id = int64(c.group)
	}
	p = strings.ReplaceAll(p, "{id}", fmt.Sprint(id))
	p = strings.ReplaceAll(p, "{user_id}", fmt.Sprint(c.user.ID))
	p = strings.ReplaceAll(p, "{$}", "")
	if strings.Contains(p, "{other}") {
		return p // partnerPath fills it
	}
	for strings.Contains(p, "{") {
		i := strings.IndexByte(p, '{')
		j := strings.IndexByte(p[i:], '}')
		p = p[:i] + "1" + p[i+j+1:]
	}
	return p
}

func (c *cell) link(manager, managee reportline.User) {
	_, err := c.f.env.App.AddLinks(context.Background(), c.f.sys, app.LinkRequest{User: managee.ID,
		Direction: reportline.Managers, Kind: reportline.Line, IDs: []reportline.UserID{manager.ID}})
	if err != nil {
		c.t.Fatalf("%s: link: %v", c.name(), err)
	}
}

// inGroup is the group a role covers (its own for plain users and
// managers); outGroup one it does not.
func (f *fixture) inGroup(r role) reportline.GroupID {
	switch r {
	case userAdmin:
		return f.sales
	case manager:
		return f.plat
	default:
		return f.eng
	}
}

func (f *fixture) outGroup(r role) reportline.GroupID {
	if r == userAdmin {
		return f.eng
	}
	return f.sales
}

// groups returns the rows' letters for each role.
func (r *row) groups() ([nRoles]string, error) {
	var out [nRoles]string
	parts := strings.Fields(r.want)
	if len(parts) != int(nRoles) {
		return out, fmt.Errorf("%s: want has %d groups, not %d", r.pattern, len(parts), nRoles)
	}
	n := map[target]int{tNone: 1, tGroup: 2, tUser: 4, tMember: 4, tSCIM: 4}[r.target]
	for i, p := range parts {
		if len(p) != n {
			return out, fmt.Errorf("%s: %s has %q, want %d letters", r.pattern, roleNames[i], p, n)
		}
		if strings.Trim(p, "ARXU?-") != "" {
			return out, fmt.Errorf("%s: %s has an unknown letter in %q", r.pattern, roleNames[i], p)
		}
		out[i] = p
	}
	return out, nil
}

func (r *row) mutates() bool { m := methodOf(r.pattern); return m != "GET" && m != "HEAD" }

// cells makes the row's cells on f. Mutating rows get fresh targets.
func (f *fixture) cells(t testing.TB, r *row) []*cell {
	t.Helper()
	groups, err := r.groups()
	if err != nil {
		t.Fatal(err)
	}
	var out []*cell
	for ro := range nRoles {
		for i := range len(groups[ro]) {
			want := groups[ro][i]
			if want == '-' {
				continue
			}
			f.seq++
			c := &cell{t: t, f: f, row: r, role: ro, tgt: -1, want: want, caller: callers[ro], seq: f.seq}
			if r.target != tNone {
				c.tgt = i
			}
			f.place(c)
			out = append(out, c)
		}
	}
	return out
}

// place chooses a cell's targets.
func (f *fixture) place(c *cell) {
	// Unauthenticated cells cannot spend a target (unless they are holes,
	// which then show): they share the fixture's people.
	t, ro, fresh := c.t, c.role, c.row.mutates() && c.want != 'U'
	self := c.caller
	if _, ok := f.users[self]; !ok || self == olga {
		self = ken
	}
	c.group = f.inGroup(ro)
	if c.tgt == tOut && (c.row.target == tGroup || c.row.target == tMember && methodOf(c.row.pattern) == "DELETE") {
		c.group = f.outGroup(ro)
	}
	inUser := map[role]string{userAdmin: dorothy}[ro]
	if inUser == "" {
		inUser = ken
	}
	outUser := dorothy
	if ro == userAdmin {
		outUser = ken
	}
	switch {
	case c.tgt == tSelf:
		c.user = f.users[self]
		if c.row.target == tSCIM {
			c.user = f.users[ken]
		}
	case c.tgt == tPA && fresh:
		c.user = f.newUser(t, 0, "", reportline.PlatformAdminRole)
	case c.tgt == tPA:
		c.user = f.users[pa2]
	case c.tgt == tIn && fresh:
		c.user = f.newUser(t, f.inGroup(ro), reportline.MemberRole, "")
		if ro == manager {
			c.link(f.users[linus], c.user)
		}
	case c.tgt == tIn:
		c.user = f.users[inUser]
	case c.tgt == tOut && fresh:
		c.user = f.newUser(t, f.outGroup(ro), reportline.MemberRole, "")
	case c.tgt == tOut:
		c.user = f.users[outUser]
	default:
		c.user = f.users[ken]
	}
	switch {
	case fresh && c.row.partner:
		g := f.inGroup(ro)
		if c.tgt == tOut {
			g = f.outGroup(ro)
		}
		c.partner = f.newUser(t, g, reportline.MemberRole, "")
	case c.row.partner:
		c.partner = f.users[rob]
		if c.user.ID == c.partner.ID {
			c.partner = f.users[paul]
		}
	}
}

// got classifies an answer.
func got(r reply) string {
	switch {
	case r.status == 401, r.status/100 == 3 && strings.HasPrefix(r.location, "/login"):
		return "U"
	case r.status == 403:
		return "R"
	case r.status/100 == 2, r.status/100 == 3:
		return "A"
	default:
		return fmt.Sprint(r.status)
	}
}

// matches reports whether an answer fulfils a letter.
func matches(want byte, loose bool, g string) bool {
	switch want {
	case 'A':
		return g == "A" || loose && g != "U" && g != "R"
	case 'X':
		return g == "R" || len(g) == 3 && g[0] == '4'
	case '?':
		return true
	default:
		return g == string(want)
	}
}

func (c *cell) run() (string, reply) {
	p, b := c.defaultPath(), any(nil)
	if c.row.build != nil {
		p, b = c.row.build(c)
	}
	tok := ""
	if c.caller != "" {
		tok = c.f.tokens[c.caller]
	}
	r := c.f.do(c.t, tok, methodOf(c.row.pattern), p, b)
	return got(r), r
}

// mismatch is a cell whose answer is not the expected one.
type mismatch struct {
	key, cell, want, got string
}

// TestAuthzMatrix runs every cell of the matrix over a real listener on
// both engines and prints every mismatch, not only the first.
func TestAuthzMatrix(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		// One fixture serves row after row while the fixture's own people,
		// groups and settings stay as built (mutations spend fresh
		// targets); a row that changed them (a hole, or a settings change)
		// gets the next row a new fixture.
		f := newFixture(t, engine)
		base := baseFingerprint(t, f)
		var bad []mismatch
		observed := map[string]string{}
		for i := range matrix {
			r := &matrix[i]
			if i > 0 && matrix[i-1].mutates() && baseFingerprint(t, f) != base {
				f = newFixture(t, engine)
			}
			cells := f.cells(t, r)
			if r.prep != nil {
				for _, c := range cells {
					if c.want != 'U' { // those share the fixture's people
						r.prep(c)
					}
				}
			}
			record := func(c *cell) {
				g, rep := c.run()
				observed[c.key()] = g
				if !matches(c.want, r.loose, g) {
					bad = append(bad, mismatch{key: c.key(), cell: c.name(), want: string(c.want), got: g + " " + short(rep.body)})
				}
			}
			refused := func(c *cell) bool { return c.want == 'R' || c.want == 'U' || c.want == 'X' }
			// Refusals first, so that they can be checked to have changed
			// nothing; a caller acting on themself last, so that a hole
			// there (an admin demoting herself) cannot spoil their other
			// cells.
			phase := func(self bool, refusals bool) {
				before := fingerprint(t, f)
				for _, c := range cells {
					if (c.tgt == tSelf) == self && refused(c) == refusals {
						record(c)
					}
				}
				if refusals && r.mutates() {
					if after := fingerprint(t, f); after != before {
						bad = append(bad, mismatch{key: r.pattern + "|state", cell: r.pattern + ": refused requests changed the data",
							want: "unchanged", got: diff(before, after)})
					}
				}
			}
			phase(false, true)
			phase(false, false)
			phase(true, true)
			phase(true, false)
		}
		report(t, engine, bad)
		if *update && engine == store.SQLite {
			writeMatrixDoc(t, observed)
		}
	})
}

// report prints the mismatches as a table; known holes are errors only
// under REPORTLINE_AUTHZ_EXPECT_FIXED.
func report(t *testing.T, engine store.Engine, bad []mismatch) {
	var known, unknown []mismatch
	seen := map[string]bool{}
	for _, m := range bad {
		seen[m.key] = true
		if knownHoles[m.key] {
			known = append(known, m)
		} else {
			unknown = append(unknown, m)
		}
	}
	table := func(ms []mismatch) string {
		var b strings.Builder
		for _, m := range ms {
			fmt.Fprintf(&b, "\n  %-70s want %s got %s", m.cell, m.want, m.got)
		}
		return b.String()
	}
	if len(unknown) > 0 {
		t.Errorf("%s: %d cells of the authorization matrix differ from the expectation:%s", engine, len(unknown), table(unknown))
	}
	if len(known) > 0 {
		hole(t, "%s: %d known holes:%s", engine, len(known), table(known))
	}
	var fixed []string
	for k := range knownHoles {
		if !seen[k] {
			fixed = append(fixed, k)
		}
	}
	slices.Sort(fixed)
	if len(fixed) > 0 {
		t.Logf("%s: %d known holes now pass; remove them from knownHoles:\n  %s", engine, len(fixed), strings.Join(fixed, "\n  "))
	}
	if len(unknown) > 0 || len(known) > 0 {
		var keys []string
		for _, m := range bad {
			keys = append(keys, fmt.Sprintf("%q: true,", m.key))
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		t.Logf("%s: every mismatch as a knownHoles entry:\n%s", engine, strings.Join(keys, "\n"))
	}
}

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
	groups, err := a.Groups(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		ms, err := a.Members(ctx, sys, g.ID)
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
	units, _ := a.OrgUnits(ctx, sys)
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

// writeMatrixDoc writes docs/authz-matrix.md from the table, with what the
// product answered today where it differs.
func writeMatrixDoc(t *testing.T, observed map[string]string) {
	var b strings.Builder
	b.WriteString(`# Authorization matrix

Generated from internal/authztest/matrix_table_test.go by
` + "`go test ./internal/authztest -run TestAuthzMatrix -update`" + `; do not edit by hand.
The expectations are written by hand from the rules of issue 10, never derived from the policy code,
and every cell is run over a real listener on SQLite and PostgreSQL.

Roles: **anon** no credentials · **plain** a member who manages nobody · **mgr** a line manager ·
**uadm** a user admin (of Sales) · **gadm** a group admin (of Engineering) · **padm** a platform admin ·
**scim** a provisioning client's token · **off** the token of a deactivated user.

Targets (in, out, self, pa): a person the role covers (a managee for mgr, a member of the administered
group for admins), a person outside it, the caller, another platform admin. For group routes: the caller's
(administered) group, another group.

Letters: **A** allowed (2xx/3xx) · **R** refused (403) · **X** refused, any 4xx but 401 · **U**
unauthenticated (401, or a redirect to /login) · **?** not said by the rules (run, not asserted) ·
**-** not run. A cell written ` + "`R (A)`" + ` is expected R and the code answered A when the table was
generated (a known hole, see knownHoles in internal/authztest/known_holes_test.go); ` + "`? (A)`" + ` shows
what the code answered where the rules are silent.

| route | target | anon | plain | mgr | uadm | gadm | padm | scim | off | note |
|---|---|---|---|---|---|---|---|---|---|---|
`)
	for i := range matrix {
		r := &matrix[i]
		groups, err := r.groups()
		if err != nil {
			t.Fatal(err)
		}
		tg := map[target]string{tNone: "", tUser: "in out self pa", tGroup: "in out", tMember: "in out self pa", tSCIM: "in out self pa"}[r.target]
		fmt.Fprintf(&b, "| `%s` | %s |", strings.ReplaceAll(r.pattern, "|", `\|`), tg)
		for ro := range nRoles {
			var parts []string
			for i := range len(groups[ro]) {
				w := string(groups[ro][i])
				key := r.pattern + "|" + roleNames[ro] + "|-"
				if r.target != tNone {
					key = r.pattern + "|" + roleNames[ro] + "|" + targetNames[i]
				}
				if knownHoles[key] || w == "?" {
					if g, ok := observed[key]; ok {
						w += " (" + g + ")"
					}
				}
				parts = append(parts, w)
			}
			fmt.Fprintf(&b, " %s |", strings.Join(parts, " "))
		}
		note := r.note
		if r.loose {
			note = strings.TrimPrefix(note+"; A: passes authorization (the request is not a complete one)", "; ")
		}
		fmt.Fprintf(&b, " %s |\n", note)
	}
	dst := filepath.Join("..", "..", "docs", "authz-matrix.md")
	if err := os.WriteFile(dst, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
