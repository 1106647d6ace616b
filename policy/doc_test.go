package policy

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/policy.md from the policy's rows")

// TestDocMatchesRows keeps docs/policy.md's table the policy's own rows, so
// the document people read cannot drift from what is decided.
func TestDocMatchesRows(t *testing.T) {
	t.Parallel()
	const path = "../docs/policy.md"
	var b strings.Builder
	b.WriteString("| action | who may do it |\n|---|---|\n")
	for _, r := range Rows() {
		b.WriteString("| `" + string(r.Action) + "` | " + r.Who + " |\n")
	}
	table := b.String()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- policy table: begin -->\n", "<!-- policy table: end -->"
	s := string(doc)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the policy table markers", path)
	}
	if s[i+len(begin):j] == table {
		return
	}
	if !*update {
		t.Fatalf("%s's table differs from the policy's rows; run go test ./policy -run TestDocMatchesRows -update", path)
	}
	if err := os.WriteFile(path, []byte(s[:i+len(begin)]+table+s[j:]), 0o644); err != nil {
		t.Fatal(err)
	}
}
