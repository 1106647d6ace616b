package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIDescribesEveryRoute checks the generated document against the
// route table that also registers the handlers.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	a := &API{}
	doc := a.OpenAPI("/")
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("document does not encode: %v", err)
	}
	var parsed struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rt := range allRoutes() {
		n++
		if _, ok := parsed.Paths[rt.path][strings.ToLower(rt.method)]; !ok {
			t.Errorf("%s %s is served but not documented", rt.method, rt.path)
		}
	}
	documented := 0
	for _, ops := range parsed.Paths {
		documented += len(ops)
	}
	if documented != n {
		t.Errorf("%d operations documented, %d served", documented, n)
	}
	// Every $ref must resolve.
	for _, m := range refPattern.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := parsed.Components.Schemas[m[1]]; !ok {
			t.Errorf("dangling $ref to %s", m[1])
		}
	}
	if !strings.Contains(string(raw), `"LinkRequest"`) {
		t.Error("the LinkRequest schema is missing")
	}
}

// allRoutes is every operation the three route tables serve.
func allRoutes() []route {
	return append(append((&API{}).routes(), (&V2{}).routes()...), (&AuthZEN{}).routes()...)
}

// TestOperationIDsAreUniqueNames: every operation has a human operationId
// (lowerCamelCase, letters and digits), and no two share one.
func TestOperationIDsAreUniqueNames(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	name := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	for _, rt := range allRoutes() {
		op := rt.method + " " + rt.path
		if !name.MatchString(rt.id) {
			t.Errorf("%s: operationId %q is not a lowerCamelCase name", op, rt.id)
		}
		if other, dup := seen[rt.id]; dup {
			t.Errorf("%s and %s share the operationId %q", other, op, rt.id)
		}
		seen[rt.id] = op
	}
}

// TestOpenAPIServersAndLicense: the document names its server (the one it is
// given) and its license, and carries each operation's id.
func TestOpenAPIServersAndLicense(t *testing.T) {
	t.Parallel()
	raw, err := json.Marshal((&API{}).OpenAPI("https://reportline.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Info struct {
			License struct{ Name string } `json:"license"`
		} `json:"info"`
		Servers []struct{ URL string } `json:"servers"`
		Paths   map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "https://reportline.example.com" {
		t.Errorf("servers = %+v, want the one given", doc.Servers)
	}
	if doc.Info.License.Name == "" {
		t.Error("info.license has no name")
	}
	if got := doc.Paths["/api/v1/users/{id}/managers"]["put"].OperationID; got != "replaceManagers" {
		t.Errorf("PUT managers operationId = %q, want replaceManagers", got)
	}
	if got := doc.Paths["/access/v1/evaluation"]["post"].OperationID; got != "evaluateAccess" {
		t.Errorf("AuthZEN evaluation operationId = %q, want evaluateAccess", got)
	}
}
