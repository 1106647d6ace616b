package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The test that fails when an unscoped query is added (docs/tenants.md,
// "Scoped by construction"). It reads the SQL the store can send: every
// string constant of the package's non-test files, with concatenations of
// constants folded into one statement and anything computed at run time
// (an IN list, a WHERE built from a filter) left as a hole. For each
// statement it lists the tenant-owned tables it touches, in each SELECT of
// it (subqueries, CTEs and both sides of a UNION are checked on their own),
// and requires:
//
//   - after FROM, JOIN, UPDATE, DELETE FROM: a predicate tenant_id = $T on
//     that table (through its alias when it has one) in the same SELECT;
//   - after INSERT INTO: tenant_id among the inserted columns.
//
// $T is the tenant placeholder that Tx binds (bindTenant), so a statement
// that passes cannot take the tenant from anywhere else. The tenant-owned
// tables are every table the migrations create except the global ones,
// so a new table is covered the day its migration is written.

// crossTenant are the statements on tenant-owned tables that no tenant
// binds, each with the reason it may not be: an explicit, reviewed list
// (a stale entry fails the test). DB.GraphVersions reads the graph
// version of many tenants at once for the decision index's one follower
// per process (app/graph_index.go): one number per tenant, none of a
// tenant's data, for the tenants its caller names.
var crossTenant = map[string]string{
	graphVersionsPostgres: "DB.GraphVersions (PostgreSQL): the followed tenants' graph versions in one statement",
	graphVersionsSQLite:   "DB.GraphVersions (SQLite): the followed tenants' graph versions in one statement",
}

// globalTables are the tables above tenants (docs/tenants.md).
var globalTables = []string{"tenants", "schema_migrations", "credential_routes", "operator_log", "operators", "operator_sessions"}

// tenantTables reads the tables the migrations of both engines create.
func tenantTables(t *testing.T) map[string]bool {
	t.Helper()
	create := regexp.MustCompile(`(?i)CREATE TABLE (?:IF NOT EXISTS )?(\w+)`)
	out := map[string]bool{}
	err := fs.WalkDir(migrationFS, "migrations", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".sql" {
			return err
		}
		b, err := migrationFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range create.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(globalTables, m[1]) {
				out[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no table found in the migrations")
	}
	return out
}

// statement is one SQL text found in the source, and where.
type statement struct {
	pos string
	sql string
}

// hole stands for a part of a statement computed at run time.
const hole = " ? "

// storeStatements folds the string constants of the store's source files.
func storeStatements(t *testing.T) []statement {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	consts := map[string]ast.Expr{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, file)
		for _, d := range file.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							consts[n.Name] = vs.Values[i]
						}
					}
				}
			}
		}
	}
	var fold func(e ast.Expr) string
	fold = func(e ast.Expr) string {
		switch x := e.(type) {
		case *ast.BasicLit:
			if x.Kind == token.STRING {
				s, err := strconv.Unquote(x.Value)
				if err == nil {
					return s
				}
			}
		case *ast.BinaryExpr:
			if x.Op == token.ADD {
				return fold(x.X) + fold(x.Y)
			}
		case *ast.ParenExpr:
			return fold(x.X)
		case *ast.Ident:
			if v, ok := consts[x.Name]; ok {
				return fold(v)
			}
		}
		return hole
	}
	var out []statement
	for _, file := range parsed {
		ast.Inspect(file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BinaryExpr:
				if x.Op != token.ADD {
					return true
				}
				s := fold(x)
				if s == hole || !strings.ContainsAny(s, " \n") {
					return true // not a string concatenation
				}
				out = append(out, statement{fset.Position(x.Pos()).String(), s})
				return false
			case *ast.BasicLit:
				if x.Kind == token.STRING {
					out = append(out, statement{fset.Position(x.Pos()).String(), fold(x)})
				}
			}
			return true
		})
	}
	return out
}

var (
	tableRef   = regexp.MustCompile(`\b(FROM|JOIN|UPDATE|DELETE FROM)\s+(\w+)((?:\s+AS)?\s+(\w+))?`)
	insertInto = regexp.MustCompile(`\bINSERT INTO\s+(\w+)\s*(\(([^)]*)\))?`)
	setOps     = regexp.MustCompile(`(?i)\b(UNION ALL|UNION|INTERSECT|EXCEPT)\b`)
	// sqlWords can follow a table where an alias could: they are not one.
	sqlWords = map[string]bool{"WHERE": true, "JOIN": true, "ON": true, "SET": true, "LEFT": true, "INNER": true,
		"ORDER": true, "GROUP": true, "USING": true, "LIMIT": true, "RETURNING": true, "CROSS": true, "UNION": true,
		"FULL": true, "RIGHT": true, "HAVING": true, "FOR": true, "AS": true, "VALUES": true, "SELECT": true,
		"EXCEPT": true, "INTERSECT": true, "ON CONFLICT": true, "DO": true, "OFFSET": true}
)

// scopes splits a statement into the texts of its SELECTs: a parenthesis
// that opens a SELECT (or WITH) is a scope of its own, any other
// parenthesis belongs to the text around it, and UNION and its kin
// separate scopes.
func scopes(q string) []string {
	var out []string
	var walk func(i int) (string, int)
	walk = func(i int) (string, int) {
		var b strings.Builder
		for i < len(q) {
			c := q[i]
			switch c {
			case '(':
				inner, next := walk(i + 1)
				head := strings.ToUpper(strings.TrimSpace(inner))
				if strings.HasPrefix(head, "SELECT") || strings.HasPrefix(head, "WITH") {
					out = append(out, setOps.Split(inner, -1)...)
					b.WriteString("(" + hole + ")")
				} else {
					b.WriteString("(" + inner + ")")
				}
				i = next
				continue
			case ')':
				return b.String(), i + 1
			}
			b.WriteByte(c)
			i++
		}
		return b.String(), i
	}
	top, _ := walk(0)
	return append(out, setOps.Split(top, -1)...)
}

// unscoped returns the tenant-owned tables a statement touches without its
// tenant, with what is missing.
func unscoped(q string, tables map[string]bool) []string {
	var out []string
	for _, m := range insertInto.FindAllStringSubmatch(q, -1) {
		if tables[m[1]] && !regexp.MustCompile(`\btenant_id\b`).MatchString(m[3]) {
			out = append(out, "INSERT INTO "+m[1]+" without a tenant_id column")
		}
	}
	for _, s := range scopes(q) {
		for _, m := range tableRef.FindAllStringSubmatch(s, -1) {
			table, alias := m[2], m[4]
			if !tables[table] {
				continue
			}
			if sqlWords[strings.ToUpper(alias)] {
				alias = ""
			}
			if !hasTenantPredicate(s, table, alias) {
				name := table
				if alias != "" {
					name += " " + alias
				}
				out = append(out, m[1]+" "+name+" without "+qualified(alias, "tenant_id")+" = $T")
			}
		}
	}
	return out
}

func qualified(alias, col string) string {
	if alias == "" {
		return col
	}
	return alias + "." + col
}

// hasTenantPredicate reports whether scope s compares the table's
// tenant_id (through alias, if any) with $T.
func hasTenantPredicate(s, table, alias string) bool {
	names := []string{table + `\.`}
	if alias != "" {
		names = []string{regexp.QuoteMeta(alias) + `\.`}
	} else {
		names = append(names, `(?:^|[^.\w])`)
	}
	for _, n := range names {
		col := n + `tenant_id`
		if regexp.MustCompile(col+`\s*=\s*\$T\b`).MatchString(s) ||
			regexp.MustCompile(`\$T\s*=\s*`+strings.TrimPrefix(col, `(?:^|[^.\w])`)+`\b`).MatchString(s) {
			return true
		}
	}
	return false
}

func TestEveryStatementIsScopedToItsTenant(t *testing.T) {
	tables := tenantTables(t)
	checked := 0
	var problems []string
	exempted := map[string]bool{}
	for _, st := range storeStatements(t) {
		if _, ok := crossTenant[st.sql]; ok {
			exempted[st.sql] = true
			continue
		}
		touches := false
		for _, m := range tableRef.FindAllStringSubmatch(st.sql, -1) {
			touches = touches || tables[m[2]]
		}
		for _, m := range insertInto.FindAllStringSubmatch(st.sql, -1) {
			touches = touches || tables[m[1]]
		}
		if !touches {
			continue
		}
		checked++
		for _, p := range unscoped(st.sql, tables) {
			problems = append(problems, st.pos+": "+p)
		}
	}
	for q, why := range crossTenant {
		if !exempted[q] {
			t.Errorf("crossTenant names a statement the store no longer holds (%s): %s", why, q)
		}
		if len(unscoped(q, tables)) == 0 {
			t.Errorf("crossTenant names a statement bound to its tenant: remove it (%s)", why)
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("%d statements on %d tenant-owned tables checked", checked, len(tables))
	if checked < 100 {
		t.Errorf("only %d statements found: is the source still read?", checked)
	}
}

// TestScopeCheckFindsUnscopedStatements proves that the check above can
// fail: each statement here forgets its tenant somewhere.
func TestScopeCheckFindsUnscopedStatements(t *testing.T) {
	tables := map[string]bool{"users": true, "links": true, "memberships": true, "groups": true}
	tests := []struct {
		sql  string
		want int // unscoped tables
	}{
		{`SELECT id FROM users WHERE email = $1`, 1},
		{`SELECT id FROM users WHERE tenant_id = $T AND email = $1`, 0},
		{`SELECT id FROM users WHERE tenant_id = $2`, 1}, // the tenant must be the bound one
		{`INSERT INTO users (email, status) VALUES ($1, $2)`, 1},
		{`INSERT INTO users (tenant_id, email, status) VALUES ($T, $1, $2)`, 0},
		{`UPDATE users SET status = $1 WHERE id = $2`, 1},
		{`DELETE FROM links WHERE manager_id = $1`, 1},
		{`DELETE FROM links WHERE tenant_id = $T AND manager_id = $1`, 0},
		// A join: each table needs its own predicate.
		{`SELECT u.id FROM links l JOIN users u ON u.id = l.manager_id WHERE l.tenant_id = $T`, 1},
		{`SELECT u.id FROM links l JOIN users u ON u.tenant_id = $T AND u.id = l.manager_id WHERE l.tenant_id = $T`, 0},
		// A subquery is its own scope: the outer predicate does not cover it.
		{`SELECT id FROM users WHERE tenant_id = $T AND id NOT IN (SELECT user_id FROM memberships)`, 1},
		{`SELECT id FROM users WHERE tenant_id = $T AND id NOT IN (SELECT user_id FROM memberships WHERE tenant_id = $T)`, 0},
		// A recursive CTE repeats the predicate in its recursive part.
		{`WITH RECURSIVE up (id) AS (SELECT manager_id FROM links WHERE tenant_id = $T AND managee_id = $1
			UNION ALL SELECT l.manager_id FROM links l JOIN up ON l.managee_id = up.id) SELECT id FROM up`, 1},
		{`WITH RECURSIVE up (id) AS (SELECT manager_id FROM links WHERE tenant_id = $T AND managee_id = $1
			UNION ALL SELECT l.manager_id FROM links l JOIN up ON l.managee_id = up.id WHERE l.tenant_id = $T) SELECT id FROM up`, 0},
		// Another table's predicate does not count.
		{`SELECT g.name FROM groups g JOIN memberships m ON m.group_id = g.id WHERE m.tenant_id = $T AND g.id = $1`, 1},
	}
	for _, tt := range tests {
		if got := unscoped(tt.sql, tables); len(got) != tt.want {
			t.Errorf("unscoped(%q) = %q, want %d problems", tt.sql, got, tt.want)
		}
	}
	// The folding: a constant in a concatenation is read, a value computed
	// at run time is a hole that holds no predicate.
	if got := unscoped("SELECT id FROM users WHERE "+hole, tables); len(got) != 1 {
		t.Errorf("a WHERE built at run time passed the check: %q", got)
	}
}
