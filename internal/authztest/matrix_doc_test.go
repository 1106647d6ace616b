package authztest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
