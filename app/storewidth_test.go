package app_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// maxStoreWidth is the most methods (embedded interfaces included) a store
// interface a use case depends on may have (issue 12): past it, a reader
// can no longer see what a use case touches, and every new query edits an
// interface most use cases do not need.
const maxStoreWidth = 25

// storeRunners are the wiring that may hold the whole store: the
// constructor, the shims around the concrete store and the transaction
// runners that wrap every transaction before a use case narrows it.
var storeRunners = map[string]bool{
	"New":                true,
	"Adapt":              true,
	"narrow":             true,
	"adapted.Read":       true,
	"adapted.Write":      true,
	"adapted.ReadOnce":   true,
	"narrowed.Read":      true,
	"narrowed.Write":     true,
	"narrowed.ReadOnce":  true,
	"eventStore.Write":   true, // webhooks.go: every write becomes an eventTx
	"indexedStore.Write": true, // graph_index.go: reads graph_version after each write
}

// wideStoreUsers are the use cases not narrowed yet: each still has a
// parameter or a transaction closure typed as an interface wider than
// maxStoreWidth (the whole Tx). The list may only shrink: a function that
// is narrowed must leave it (the test fails on a stale entry), and a new
// function must not join it. None is left (issue 12): a transaction that
// must serve more than maxStoreWidth methods is held as a struct of narrow
// views of it, one per step (checkTx, planApplyTx…), never as one wide
// interface.
var wideStoreUsers = []string{}

// TestStoreWidth fails when a function or method of package app (other than
// storeRunners) takes, or runs a closure taking, a store interface wider
// than maxStoreWidth methods.
func TestStoreWidth(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}, Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", exportData(t))}
	if _, err := conf.Check("reportline/app", fset, files, info); err != nil {
		t.Fatalf("type-check app: %v", err)
	}

	wide := map[string][]string{} // function → what is too wide in it
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			name := funcName(fd)
			if storeRunners[name] {
				continue
			}
			check := func(fields *ast.FieldList, where string) {
				for _, field := range fields.List {
					typ := info.Types[field.Type].Type
					if n := storeWidth(typ); n > maxStoreWidth {
						wide[name] = append(wide[name], where+" "+types.TypeString(typ, types.RelativeTo(nil))+
							" ("+strconv.Itoa(n)+" methods) at "+fset.Position(field.Pos()).String())
					}
				}
			}
			check(fd.Type.Params, "parameter")
			conversions := map[*ast.FuncLit]bool{} // the closures handed to narrow
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok && isNarrow(call.Fun) {
					for _, arg := range call.Args {
						if lit, ok := arg.(*ast.FuncLit); ok {
							conversions[lit] = true
						}
					}
				}
				if lit, ok := n.(*ast.FuncLit); ok && !conversions[lit] {
					check(lit.Type.Params, "closure parameter")
				}
				return true
			})
		}
	}

	allowed := map[string]bool{}
	for _, name := range wideStoreUsers {
		allowed[name] = true
		if wide[name] == nil {
			t.Errorf("%s takes no store wider than %d methods now: remove it from wideStoreUsers", name, maxStoreWidth)
		}
	}
	var names2 []string
	for name := range wide {
		names2 = append(names2, name)
	}
	slices.Sort(names2)
	for _, name := range names2 {
		if !allowed[name] {
			t.Errorf("%s depends on a store interface wider than %d methods; give it the narrow interface its use case needs (docs/architecture.md, \"Storage interfaces\"):\n\t%s",
				name, maxStoreWidth, strings.Join(wide[name], "\n\t"))
		}
	}
	t.Logf("%d functions still on a wide store (wideStoreUsers)", len(wideStoreUsers))
}

// exportData returns a lookup of the compiler's export data for app's
// dependencies, as `go list -export` builds it (or finds it in the build
// cache). The "source" importer type-checked every dependency, the standard
// library included, from source inside the test: ~100 s of the race run's
// app package on two cores. app's own files are still parsed and checked
// from source here, which is all the test inspects.
func exportData(t *testing.T) func(path string) (io.ReadCloser, error) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-export", "-f", "{{.ImportPath}}\t{{.Export}}", ".").Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("go list -export: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("go list -export: %v", err)
	}
	files := map[string]string{}
	for line := range strings.Lines(string(out)) {
		path, file, _ := strings.Cut(strings.TrimSpace(line), "\t")
		files[path] = file
	}
	return func(path string) (io.ReadCloser, error) {
		file := files[path]
		if file == "" {
			return nil, fmt.Errorf("no export data for %q (go list -export)", path)
		}
		return os.Open(file)
	}
}

// isNarrow reports whether fun is app's narrow: the closure it is handed
// converts the whole Tx to the narrow interface of a feature or a use-case
// group (or wraps it in the adapter that answers it, as digestStore), and
// is wiring, not a use case.
func isNarrow(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.IndexExpr:
		fun = f.X
	case *ast.IndexListExpr:
		fun = f.X
	}
	id, ok := fun.(*ast.Ident)
	return ok && id.Name == "narrow"
}

// storeWidth is the size of typ's method set when typ is an interface
// (embedded interfaces included), else 0.
func storeWidth(typ types.Type) int {
	if typ == nil {
		return 0
	}
	if p, ok := typ.(*types.Pointer); ok {
		typ = p.Elem()
	}
	if _, ok := typ.(*types.TypeParam); ok {
		return 0 // a type parameter's constraint is not a store the function reads
	}
	it, ok := typ.Underlying().(*types.Interface)
	if !ok {
		return 0
	}
	return it.NumMethods()
}

// funcName is "Recv.Name" for a method, "Name" for a function.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	typ := fd.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	switch r := typ.(type) {
	case *ast.IndexExpr:
		typ = r.X
	case *ast.IndexListExpr:
		typ = r.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}
