package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPIDescribesEveryRoute checks the generated document against the
// route table that also registers the handlers.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	a := &API{}
	doc := a.OpenAPI()
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
	for _, rt := range append(append(a.routes(), (&V2{}).routes()...), (&AuthZEN{}).routes()...) {
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
