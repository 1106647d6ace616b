package authztest

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/muxpattern"
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
	p := muxpattern.Path(c.row.pattern)
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

// A GET row with a prep (a confirmation step that needs a link) changes
// the fixture too.
func (r *row) mutates() bool {
	m := muxpattern.Method(r.pattern)
	return m != "GET" && m != "HEAD" || r.prep != nil
}

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
	if c.tgt == tOut && (c.row.target == tGroup || c.row.target == tMember && muxpattern.Method(c.row.pattern) == "DELETE") {
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
	r := c.f.do(c.t, tok, muxpattern.Method(c.row.pattern), p, b)
	return got(r), r
}

// mismatch is a cell whose answer is not the expected one.
type mismatch struct {
	key, cell, want, got string
}

// TestAuthzMatrix runs every cell of the matrix over a real listener on
// both engines and prints every mismatch, not only the first.
func TestAuthzMatrix(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel() // each engine has its own database; they share nothing
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

// report prints the mismatches as a table; cells listed in knownHoles are
// logged, every other mismatch is an error.
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
