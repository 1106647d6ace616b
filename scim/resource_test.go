package scim

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestFromResource(t *testing.T) {
	t.Parallel()
	const ent = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	tests := []struct {
		name, in string
		want     string // UserName|Email|Active|Manager|OrgUnit
	}{
		{"manager as {value} (RFC 7643)", `{"userName":"u","` + EnterpriseSchema + `":{"manager":{"value":"5","displayName":"B"}}}`, `u||true|5|`},
		{"manager as a bare string (Entra)", `{"userName":"u",` + ent + `:{"manager":"5"}}`, `u||true|5|`},
		{"manager as a number", `{"userName":"u",` + ent + `:{"manager":5}}`, `u||true|5|`},
		{"manager as a list of one", `{"userName":"u",` + ent + `:{"manager":[{"value":"ext-9"}]}}`, `u||true|ext-9|`},
		{"manager null", `{"userName":"u",` + ent + `:{"manager":null}}`, `u||true||`},
		{"manager empty value", `{"userName":"u",` + ent + `:{"manager":{"value":""}}}`, `u||true||`},
		{"manager and department without the URN", `{"userName":"u","manager":"5","department":"Ops"}`, `u||true|5|Ops`},
		{"extension URN in another case", `{"userName":"u","URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"Department":"Ops"}}`, `u||true||Ops`},
		{"active as the string False", `{"userName":"u","active":"False"}`, `u||false||`},
		{"active as TRUE", `{"userName":"u","active":"TRUE"}`, `u||true||`},
		{"attribute names in any case", `{"USERNAME":"u","Active":false}`, `u||false||`},
		{"primary email wins", `{"userName":"u","emails":[{"value":"w@x.com","type":"work"},{"value":"p@x.com","primary":true},{"value":"h@x.com","type":"home"}]}`, `u|p@x.com|true||`},
		{"else the work email", `{"userName":"u","emails":[{"value":"h@x.com","type":"home"},{"value":"w@x.com","type":"Work"}]}`, `u|w@x.com|true||`},
		{"else the first", `{"userName":"u","emails":[{"value":"a@x.com"},{"value":"b@x.com"}]}`, `u|a@x.com|true||`},
		{"primary as a string", `{"userName":"u","emails":[{"value":"a@x.com"},{"value":"b@x.com","primary":"True"}]}`, `u|b@x.com|true||`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(tt.in), &m); err != nil {
				t.Fatal(err)
			}
			in, err := fromResource(m, true)
			if err != nil {
				t.Fatal(err)
			}
			active := "false"
			if in.Active {
				active = "true"
			}
			if got := strings.Join([]string{in.UserName, in.Email, active, in.Manager, in.OrgUnit}, "|"); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFromResourceErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{}`, "userName is required"},
		{`{"userName":5}`, "userName must be a string, not the number 5"},
		{`{"userName":"u","name":{"givenName":true}}`, "name.givenName must be a string, not the boolean true"},
		{`{"userName":"u","emails":[{"value":"a@x.com"},"b@x.com"]}`, "emails[1] must be an object with a value"},
		{`{"userName":"u","emails":[{"value":7}]}`, "emails[0].value must be a string"},
		{`{"userName":"u","emails":[{"value":"a@x.com","primary":"yes"}]}`, "emails[0].primary must be true or false"},
		{`{"userName":"u","` + EnterpriseSchema + `":"x"}`, "must be an object, not the string"},
		{`{"userName":"u","` + EnterpriseSchema + `":{"manager":1.5}}`, "not the number 1.5"},
		{`{"userName":"u","` + EnterpriseSchema + `":{"manager":{"value":{"value":"1"}}}}`, "manager.value must be a user id or externalId, not an object"},
		{`{"userName":"u","` + EnterpriseSchema + `":{"manager":["1","2"]}}`, "manager must be one user"},
		{`{"userName":"u","` + EnterpriseSchema + `":{"manager":true}}`, "not the boolean true"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(tt.in), &m); err != nil {
				t.Fatal(err)
			}
			_, err := fromResource(m, true)
			e, ok := err.(*Error)
			if !ok || e.Type != InvalidValue {
				t.Fatalf("fromResource = %v, want invalidValue", err)
			}
			if !strings.Contains(e.Detail, tt.want) {
				t.Errorf("detail %q, want it to contain %q", e.Detail, tt.want)
			}
		})
	}
}

// TestToMapIsItsJSON keeps toMap what decoding the resource's JSON gives.
func TestToMapIsItsJSON(t *testing.T) {
	t.Parallel()
	for _, r := range []User{
		{Schemas: []string{UserSchema}, ID: "1", UserName: "a", Meta: Meta{ResourceType: "User"}},
		{Schemas: []string{UserSchema, EnterpriseSchema}, ID: "2", ExternalID: "x", UserName: "b", Name: &Name{GivenName: "B"},
			DisplayName: "B", Title: "T", Active: true, Emails: []Email{{Value: "b@x.com", Type: "work", Primary: true}, {Value: "c@x.com"}},
			Enterprise: &Enterprise{Department: "D", Manager: &Manager{Value: "1", Ref: "http://h/Users/1", DisplayName: "A"}},
			Meta:       Meta{ResourceType: "User", Created: "2026-01-01T00:00:00Z", LastModified: "2026-01-02T00:00:00Z", Location: "http://h/Users/2", Version: `W/"x"`}},
		{Schemas: []string{UserSchema, EnterpriseSchema}, ID: "3", UserName: "c", Name: &Name{}, Enterprise: &Enterprise{Manager: &Manager{}}},
	} {
		b, _ := json.Marshal(r)
		var want map[string]any
		json.Unmarshal(b, &want)
		if got := toMap(r); !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			t.Errorf("toMap =\n%s\nJSON =\n%s", g, b)
		}
	}
}

func TestProjection(t *testing.T) {
	t.Parallel()
	r := User{Schemas: []string{UserSchema, EnterpriseSchema}, ID: "2", ExternalID: "x", UserName: "b", Name: &Name{GivenName: "B", FamilyName: "F"},
		Active: true, Emails: []Email{{Value: "b@x.com", Type: "work", Primary: true}},
		Enterprise: &Enterprise{Department: "D", Manager: &Manager{Value: "1", DisplayName: "A"}}, Meta: Meta{ResourceType: "User"}}
	tests := []struct{ query, want string }{
		{"attributes=userName", `{"id":"2","schemas":["` + UserSchema + `","` + EnterpriseSchema + `"],"userName":"b"}`},
		{"attributes=USERNAME,name.givenName,emails.value", `{"emails":[{"value":"b@x.com"}],"id":"2","name":{"givenName":"B"},"schemas":["` + UserSchema + `","` + EnterpriseSchema + `"],"userName":"b"}`},
		{"attributes=" + EnterpriseSchema + ":manager.value", `{"id":"2","schemas":["` + UserSchema + `","` + EnterpriseSchema + `"],"` + EnterpriseSchema + `":{"manager":{"value":"1"}}}`},
		{"attributes=id,nickName", `{"id":"2","schemas":["` + UserSchema + `","` + EnterpriseSchema + `"]}`},
		{"excludedAttributes=id,meta,emails,name.familyName," + EnterpriseSchema, `{"active":true,"externalId":"x","id":"2","name":{"givenName":"B"},"schemas":["` + UserSchema + `","` + EnterpriseSchema + `"],"userName":"b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			p, err := parseProjection(q)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(p.apply(r))
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	if _, err := parseProjection(url.Values{"attributes": {"name..x"}}); err == nil {
		t.Error("attributes=name..x should be refused")
	}
}
