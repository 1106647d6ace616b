package scim

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // URN|Name|filter|Sub
	}{
		{`active`, `|active||`},
		{`name.givenName`, `|name||givenName`},
		{`members`, `|members||`},
		{`emails[type eq "work"].value`, `|emails|(eq type "work")|value`},
		{`addresses[type eq "work"]`, `|addresses|(eq type "work")|`},
		{`members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName`, `|members|(eq value "2819c223-7f76-453a-919d-413861904646")|displayName`},
		{`emails[type eq "work" and value ew "]x"]`, `|emails|(and (eq type "work") (ew value "]x"))|`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User|manager||`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User|manager||value`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User|||`},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User|||`},
		{`urn:ietf:params:scim:schemas:core:2.0:User:name.familyName`, `urn:ietf:params:scim:schemas:core:2.0:User|name||familyName`},
		{`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value`, `urn:ietf:params:scim:schemas:core:2.0:User|emails|(eq type "work")|value`},
		{`  title  `, `|title||`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePath(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			f := ""
			if p.Filter != nil {
				f = show(p.Filter)
			}
			if got := strings.Join([]string{p.URN, p.Name, f, p.Sub}, "|"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{``, "path is empty"},
		{`name.`, "is not a sub-attribute name"},
		{`1name`, "is not an attribute name"},
		{`emails[type eq "work"`, "not closed with ]"},
		{`emails[type eq "work"]value`, "only .subAttribute may follow"},
		{`emails[type eq "work"].value.x`, "only .subAttribute may follow"},
		{`emails[type work]`, "is not an operator"},
		{`name.givenName[x eq "1"]`, "not to the sub-attribute"},
		{`emails[]`, "filter is empty"},
		{`user name`, "is not an attribute path"},
		{`emails[type eq "a"][type eq "b"]`, "only .subAttribute may follow"},
		{strings.Repeat("a", maxPathLen+1), "longer than 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParsePath(tt.in)
			e, ok := err.(*Error)
			if !ok || e.Type != InvalidPath || e.Status != 400 {
				t.Fatalf("ParsePath = %v, want a 400 invalidPath", err)
			}
			if !strings.Contains(e.Detail, tt.want) {
				t.Errorf("detail = %q, want it to contain %q", e.Detail, tt.want)
			}
		})
	}
}

// patch applies a JSON PATCH body to a JSON resource and returns the result.
func patch(t *testing.T, resource, body string) (map[string]any, error) {
	t.Helper()
	var res map[string]any
	if err := json.Unmarshal([]byte(resource), &res); err != nil {
		t.Fatalf("resource: %v", err)
	}
	var req PatchRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("body: %v", err)
	}
	return res, ApplyPatch(res, req.Operations)
}

func jsonEqual(t *testing.T, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Errorf("got  %s\nwant %s", g, want)
	}
}

// The PATCH examples of RFC 7644 §3.5.2, on the resources they apply to.
func TestApplyPatchRFCExamples(t *testing.T) {
	t.Parallel()
	const group = `{"displayName":"Tour Guides","members":[{"value":"2819c223-7f76-453a-919d-413861904646","display":"Babs Jensen"},{"value":"902c246b","display":"Mandy Pepperidge"}]}`
	const user = `{"userName":"bjensen","emails":[{"value":"bjensen@example.com","type":"work","primary":true}],"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood"},{"type":"home","streetAddress":"456 Hollywood Blvd"}]}`
	tests := []struct {
		name, resource, body, want string
	}{
		{"add members (§3.5.2.1)", group,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"display":"Babs Jensen","$ref":"https://example.com/v2/Users/2819c223","value":"2819c223-7f76-453a-919d-413861904646"},{"value":"new","display":"James"}]}]}`,
			`{"displayName":"Tour Guides","members":[{"value":"2819c223-7f76-453a-919d-413861904646","display":"Babs Jensen"},{"value":"902c246b","display":"Mandy Pepperidge"},{"value":"new","display":"James"}]}`},
		{"add without path (§3.5.2.1)", user,
			`{"Operations":[{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}]}`,
			`{"userName":"bjensen","nickname":"Babs","emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood"},{"type":"home","streetAddress":"456 Hollywood Blvd"}]}`},
		{"remove one member (§3.5.2.2)", group,
			`{"Operations":[{"op":"remove","path":"members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"}]}`,
			`{"displayName":"Tour Guides","members":[{"value":"902c246b","display":"Mandy Pepperidge"}]}`},
		{"remove all members (§3.5.2.2)", group,
			`{"Operations":[{"op":"remove","path":"members"}]}`,
			`{"displayName":"Tour Guides"}`},
		{"remove then add (§3.5.2.2)", group,
			`{"Operations":[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"x","display":"X"}]}]}`,
			`{"displayName":"Tour Guides","members":[{"value":"x","display":"X"}]}`},
		{"replace all members (§3.5.2.3)", group,
			`{"Operations":[{"op":"replace","path":"members","value":[{"display":"Babs Jensen","value":"2819c223"},{"display":"James Smith","value":"08e1d05d"}]}]}`,
			`{"displayName":"Tour Guides","members":[{"display":"Babs Jensen","value":"2819c223"},{"display":"James Smith","value":"08e1d05d"}]}`},
		{"replace a work address (§3.5.2.3)", user,
			`{"Operations":[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","primary":true}}]}`,
			`{"userName":"bjensen","emails":[{"value":"bjensen@example.com","type":"work","primary":true}],"addresses":[{"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","primary":true},{"type":"home","streetAddress":"456 Hollywood Blvd"}]}`},
		{"replace a sub-attribute of a filtered value (§3.5.2.3)", user,
			`{"Operations":[{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1010 Broadway Ave"}]}`,
			`{"userName":"bjensen","emails":[{"value":"bjensen@example.com","type":"work","primary":true}],"addresses":[{"type":"work","streetAddress":"1010 Broadway Ave","locality":"Hollywood"},{"type":"home","streetAddress":"456 Hollywood Blvd"}]}`},
		{"replace without path (§3.5.2.3)", user,
			`{"Operations":[{"op":"replace","value":{"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}]}`,
			`{"userName":"bjensen","nickname":"Babs","emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood"},{"type":"home","streetAddress":"456 Hollywood Blvd"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := patch(t, tt.resource, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, got, tt.want)
		})
	}
}

// The PATCH shapes Microsoft Entra ID sends (its SCIM provisioning
// documentation and known behaviours): capitalised ops, the manager as a
// bare string at a URN path or as a URN-keyed member of a value object,
// "False" as a string, dotted keys in a path-less value.
func TestApplyPatchEntraShapes(t *testing.T) {
	t.Parallel()
	const ent = EnterpriseSchema
	const user = `{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true,"emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales","manager":{"value":"7","displayName":"Bob"}}}`
	tests := []struct{ name, body, want string }{
		{"Replace work email and family name",
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"updatedFamilyName"},"active":true,"emails":[{"value":"updatedEmail@microsoft.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales","manager":{"value":"7","displayName":"Bob"}}}`},
		{"Replace userName",
			`{"Operations":[{"op":"Replace","path":"userName","value":"5b50642d@testuser.com"}]}`,
			`{"userName":"5b50642d@testuser.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true,"emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales","manager":{"value":"7","displayName":"Bob"}}}`},
		{"disable with the string False",
			`{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":"False","emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales","manager":{"value":"7","displayName":"Bob"}}}`},
		{"Add manager as a bare id at its URN path",
			`{"Operations":[{"op":"Add","path":"` + ent + `:manager","value":"12"}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true,"emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales","manager":"12"}}`},
		{"Replace manager.value",
			`{"Operations":[{"op":"replace","path":"` + ent + `:manager.value","value":"12"}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true,"emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales","manager":{"value":"12","displayName":"Bob"}}}`},
		{"Remove manager",
			`{"Operations":[{"op":"Remove","path":"` + ent + `:manager","value":[{"value":"7"}]}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true,"emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales"}}`},
		{"path-less value keyed by full URNs and dotted names",
			`{"Operations":[{"op":"Add","value":{"` + ent + `:manager":"12","` + ent + `:department":"Ops","name.givenName":"Anna","title":"Boss","displayName":"Anna Lee"}}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Anna","familyName":"Lee"},"active":true,"title":"Boss","displayName":"Anna Lee","emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Ops","manager":"12"}}`},
		{"path-less value with the extension as an object",
			`{"Operations":[{"op":"replace","value":{"` + ent + `":{"department":"Ops"},"active":false}}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":false,"emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Ops","manager":{"value":"7","displayName":"Bob"}}}`},
		{"Add a work email where there is none creates it",
			`{"Operations":[{"op":"Remove","path":"emails"},{"op":"Add","path":"emails[type eq \"work\"].value","value":"new@contoso.com"}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true,"emails":[{"type":"work","value":"new@contoso.com"}],"` + ent + `":{"department":"Sales","manager":{"value":"7","displayName":"Bob"}}}`},
		{"attributes not kept are accepted",
			`{"Operations":[{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555"},{"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"1 Main St"}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true,"emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales","manager":{"value":"7","displayName":"Bob"}},"phoneNumbers":[{"type":"mobile","value":"+1 555"}],"addresses":[{"type":"work","formatted":"1 Main St"}]}`},
		{"manager without its URN",
			`{"Operations":[{"op":"Replace","path":"manager","value":"12"}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true,"emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales","manager":"12"}}`},
		{"a new primary email takes primary from the old one",
			`{"Operations":[{"op":"Add","path":"emails","value":[{"value":"new@contoso.com","type":"home","primary":true}]}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true,"emails":[{"value":"ann@contoso.com","type":"work"},{"value":"new@contoso.com","type":"home","primary":true}],"` + ent + `":{"department":"Sales","manager":{"value":"7","displayName":"Bob"}}}`},
		{"attribute names in any case",
			`{"Operations":[{"op":"REPLACE","path":"NAME.GIVENNAME","value":"Annie"},{"op":"replace","path":"Active","value":false}]}`,
			`{"userName":"Test_User@contoso.com","name":{"givenName":"Annie","familyName":"Lee"},"active":false,"emails":[{"value":"ann@contoso.com","type":"work","primary":true}],"` + ent + `":{"department":"Sales","manager":{"value":"7","displayName":"Bob"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := patch(t, user, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, got, tt.want)
		})
	}
}

func TestApplyPatchErrors(t *testing.T) {
	t.Parallel()
	const user = `{"id":"5","userName":"a@b.c","emails":[{"value":"a@b.c","type":"work"}]}`
	tests := []struct{ body, scimType, want string }{
		{`{"Operations":[]}`, InvalidValue, "Operations is empty"},
		{`{"Operations":[{"op":"move","path":"title","value":"x"}]}`, InvalidSyntax, `Operations[0]: op "move" is not add, replace or remove`},
		{`{"Operations":[{"op":"remove"}]}`, NoTarget, "remove needs a path"},
		{`{"Operations":[{"op":"add","value":"x"}]}`, InvalidValue, "needs an object as value"},
		{`{"Operations":[{"op":"replace","path":"title"}]}`, InvalidValue, "replace of title needs a value"},
		{`{"Operations":[{"op":"replace","path":"id","value":"6"}]}`, Mutability, "id is read-only"},
		{`{"Operations":[{"op":"replace","path":"meta.version","value":"x"}]}`, Mutability, "meta is read-only"},
		{`{"Operations":[{"op":"replace","path":"name.formatted","value":"x"}]}`, Mutability, "name.formatted is read-only"},
		{`{"Operations":[{"op":"add","path":"title","value":"x"},{"op":"replace","path":"emails[type eq","value":"x"}]}`, InvalidPath, "Operations[1]: path"},
		{`{"Operations":[{"op":"replace","path":"emails[type ne \"work\"].value","value":"x@y.z"}]}`, NoTarget, "no value of emails matches the filter"},
		{`{"Operations":[{"op":"replace","path":"emails[kind eq \"work\"].value","value":"x@y.z"}]}`, InvalidPath, "kind is not a sub-attribute of emails"},
		{`{"Operations":[{"op":"replace","path":"urn:example:other:1.0:User:x","value":"y"}]}`, InvalidPath, "is not a schema of User"},
		{`{"Operations":[{"op":"add","path":"` + EnterpriseSchema + `","value":"x"}]}`, InvalidValue, "must be an object of its attributes"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := patch(t, user, tt.body)
			e, ok := err.(*Error)
			if !ok || e.Type != tt.scimType || e.Status != 400 {
				t.Fatalf("ApplyPatch = %#v, want a 400 %s", err, tt.scimType)
			}
			if !strings.Contains(e.Detail, tt.want) {
				t.Errorf("detail = %q, want it to contain %q", e.Detail, tt.want)
			}
		})
	}
}

func TestApplyPatchBounded(t *testing.T) {
	t.Parallel()
	ops := make([]Operation, maxOperations+1)
	err := ApplyPatch(map[string]any{}, ops)
	if e, ok := err.(*Error); !ok || e.Type != TooMany {
		t.Errorf("ApplyPatch of %d operations = %v, want tooMany", len(ops), err)
	}
}
