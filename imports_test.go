package reportline_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// mayImport is the intended import direction (docs/architecture.md): for each
// package of the module, the packages of the module it may import directly,
// outside its tests. Imports flow one way,
//
//	cmd/reportline → server → api, ui, scim → app → policy → reportline
//
// the adapters (store, mail, ldapsync, graphsync, csvio, …) import only the root
// package, the root package imports only the standard library, and nothing
// imports cmd/reportline. A package missing from this table fails the test: a
// new package takes its place here, on purpose, in the same change.
var mayImport = map[string][]string{
	// The domain: vocabulary and pure rules, standard library only.
	"reportline": {},
	// Who may do what: a pure table over the domain.
	"policy":   {"reportline"},
	"msgtmpl":  {"reportline"},
	"orggraph": {"reportline"},
	// The org chart's layout: a pure function, standard library only.
	"orgchart": {},
	"i18n":     {},
	// The one ticker of timed work: standard library only.
	"schedule": {},
	// How emails look (brand, notice layout): the domain and the catalogues.
	"notice": {"reportline", "i18n"},
	// Sealing tenants' secrets at rest: standard library only.
	"secret": {},

	// Adapters and leaf libraries: the root package only.
	"config":    {},
	"csvio":     {"reportline"},
	"store":     {"reportline"},
	"mail":      {"reportline"},
	"ldapsync":  {"reportline"},
	"graphsync": {"reportline"},
	"refdata":   {"reportline"},
	"bench":     {"reportline"},
	// A load generator of hostile clients: it talks HTTP to a running server.
	"bench/hostile": {"reportline"},
	"web":           {"reportline"},

	// The frame of every use case: the actor, their authority, the change
	// record, the transactions.
	"usecase": {"reportline", "policy"},

	// Feature packages: use cases grouped by what they own, each with its
	// own store interface.
	"directory":    {"reportline", "policy", "usecase"},
	"bulkimport":   {"reportline", "policy", "usecase", "csvio", "directory"},
	"outbox":       {"reportline", "usecase", "schedule"},
	"webhook":      {"reportline", "usecase", "schedule"},
	"learning":     {"reportline", "policy", "usecase", "csvio"},
	"provisioning": {"reportline", "policy", "usecase", "directory"},
	"digest":       {"reportline", "usecase", "outbox", "learning", "notice", "i18n"},
	"notify":       {"reportline", "policy", "usecase", "outbox", "schedule", "notice", "i18n"},

	// Use cases.
	"app":  {"reportline", "policy", "usecase", "directory", "bulkimport", "provisioning", "outbox", "webhook", "learning", "digest", "notify", "notice", "schedule", "csvio", "msgtmpl", "orggraph", "i18n", "secret"},
	"demo": {"reportline", "app", "learning"},

	// HTTP front ends, then the root handler that serves them.
	"api":    {"reportline", "policy", "app", "bulkimport", "learning", "csvio", "web", "secret"},
	"ui":     {"reportline", "policy", "app", "bulkimport", "csvio", "web", "msgtmpl", "i18n", "orgchart", "secret", "webhook"},
	"scim":   {"reportline", "policy", "app", "provisioning", "web"},
	"sso":    {"reportline", "app", "web"},
	"server": {"reportline", "app", "web", "api", "ui", "scim"},
	// The operator page: above tenants, on its own listener; it calls the
	// store's tenant operations as the CLI does.
	"operatorui": {"reportline", "app", "store", "web", "i18n", "policy"},

	// The binary: the one place that wires everything.
	"cmd/reportline": {"*"},

	// Test support. It may build a whole service (server, store) but is never
	// imported by production code, and nothing imports cmd/reportline.
	"store/storetest":                {"reportline", "store", "app"},
	"internal/testapp":               {"reportline", "app", "directory", "store", "server", "internal/pgtest"},
	"internal/pgtest":                {},
	"internal/authztest":             {},
	"internal/browser":               {},
	"internal/graphtest":             {},
	"internal/muxpattern":            {},
	"internal/slapdtest":             {},
	"internal/smtptest":              {},
	"internal/smtptest/cmd/smtpsink": {},
}

const module = "reportline"

// listed is what `go list -deps -json` says of one package.
type listed struct {
	ImportPath string
	Standard   bool
	Imports    []string
}

func TestImportDirection(t *testing.T) {
	t.Parallel()
	pkgs := goList(t)
	ours := 0
	for _, p := range pkgs {
		if _, ok := local(p.ImportPath); ok {
			ours++
		}
	}
	if ours < 10 {
		t.Fatalf("go list found %d packages of module %s; want them all", ours, module)
	}
	for _, v := range violations(pkgs, mayImport) {
		t.Error(v)
	}
}

// TestImportDirectionViolations feeds the check a made-up module that breaks
// every rule once, so the test above cannot pass by seeing nothing.
func TestImportDirectionViolations(t *testing.T) {
	t.Parallel()
	pkgs := []listed{
		{ImportPath: "reportline", Imports: []string{"strings", "github.com/acme/lib"}},
		{ImportPath: "strings", Standard: true},
		{ImportPath: "github.com/acme/lib", Imports: []string{"strings"}},
		{ImportPath: "reportline/app", Imports: []string{"reportline", "reportline/policy", "github.com/acme/lib"}},
		{ImportPath: "reportline/policy", Imports: []string{"reportline"}},
		{ImportPath: "reportline/store", Imports: []string{"reportline", "reportline/app"}},
		{ImportPath: "reportline/api", Imports: []string{"reportline/app", "reportline/cmd/reportline"}},
		{ImportPath: "reportline/cmd/reportline", Imports: []string{"reportline/server", "reportline/store"}},
		{ImportPath: "reportline/server", Imports: []string{"reportline/api"}},
		{ImportPath: "reportline/newthing", Imports: []string{"reportline"}},
	}
	got := violations(pkgs, mayImport)
	want := []string{
		"store imports app",
		"api imports cmd/reportline",
		"package newthing is not in the import table",
		"package reportline reaches github.com/acme/lib",
	}
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, w) }) {
			t.Errorf("no violation says %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

// local returns path relative to the module, and whether it is the module's.
func local(path string) (string, bool) {
	if path == module {
		return module, true
	}
	return strings.CutPrefix(path, module+"/")
}

// violations checks pkgs (as go list -deps lists them) against table.
func violations(pkgs []listed, table map[string][]string) []string {
	var out []string
	byPath := make(map[string]listed, len(pkgs))
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	for _, p := range pkgs {
		name, ok := local(p.ImportPath)
		if !ok {
			continue
		}
		allowed, known := table[name]
		if !known {
			out = append(out, fmt.Sprintf("package %s is not in the import table (imports_test.go, mayImport): say what it may import", name))
			continue
		}
		for _, imp := range p.Imports {
			dep, ok := local(imp)
			switch {
			case !ok:
			case dep == "cmd/reportline":
				out = append(out, fmt.Sprintf("%s imports cmd/reportline: nothing may", name))
			case !slices.Contains(allowed, dep) && !slices.Contains(allowed, "*"):
				out = append(out, fmt.Sprintf("%s imports %s, against the intended direction: %s may import only %v", name, dep, name, allowed))
			}
		}
	}
	// The root package, and everything it reaches, is the standard library.
	for _, dep := range reachable(byPath, module) {
		if p, ok := byPath[dep]; !ok || !p.Standard {
			out = append(out, fmt.Sprintf("package reportline reaches %s, which is not the standard library: the domain imports only the standard library", dep))
		}
	}
	return out
}

// reachable returns the packages from reaches through imports, sorted.
func reachable(pkgs map[string]listed, from string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(path string) {
		for _, imp := range pkgs[path].Imports {
			if imp == "C" && pkgs[path].Standard {
				continue // the standard library's own cgo (net, os/user)
			}
			if !seen[imp] {
				seen[imp] = true
				walk(imp)
			}
		}
	}
	walk(from)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// goList returns every package of the module and everything they import,
// without their tests (test files may import test support).
func goList(t *testing.T) []listed {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Standard,Imports", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}
