package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/internal/testapp"
	"reportline/scim"
	"reportline/store"
)

// The create and replace examples of RFC 7644 §3.3 and §3.5.1, then a
// delete, which deactivates.
func TestUserLifecycleRFC(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		// §3.3 as printed has no email: Reportline needs one, and says so.
		rfc := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","externalId":"bjensen",
			"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara"}}`
		f.call(t, "POST", "/scim/v2/Users", rfc).wantError(t, 400, scim.InvalidValue, `userName "bjensen" is not an email address and no emails were sent`)

		withEmail := strings.Replace(rfc, `"externalId":"bjensen",`, `"externalId":"bjensen","emails":[{"value":"bjensen@example.com","type":"work","primary":true}],`, 1)
		created := f.call(t, "POST", "/scim/v2/Users", withEmail).want(t, http.StatusCreated)
		id := created.str("id")
		if loc := created.header.Get("Location"); loc != f.url+"/scim/v2/Users/"+id || created.str("meta.location") != loc {
			t.Errorf("Location %q, meta.location %q, want %s/scim/v2/Users/%s", loc, created.str("meta.location"), f.url, id)
		}
		if etag := created.header.Get("ETag"); etag == "" || etag != created.str("meta.version") || !strings.HasPrefix(etag, `W/"`) {
			t.Errorf("ETag %q, meta.version %q: want the same weak tag", etag, created.str("meta.version"))
		}
		for path, want := range map[string]string{"userName": "bjensen", "externalId": "bjensen", "name.givenName": "Barbara",
			"name.familyName": "Jensen", "name.formatted": "Barbara Jensen", "emails.0.value": "bjensen@example.com",
			"active": "true", "meta.resourceType": "User"} {
			if got := created.str(path); got != want {
				t.Errorf("created %s = %q, want %q", path, got, want)
			}
		}
		if u := f.user(t, id); u.Email != "bjensen@example.com" || u.FirstName != "Barbara" || !u.Active() {
			t.Errorf("stored user = %+v", u)
		}

		got := f.call(t, "GET", "/scim/v2/Users/"+id, "").want(t, 200)
		if got.raw != created.raw {
			t.Errorf("GET differs from the created resource:\n%s\n%s", got.raw, created.raw)
		}
		f.call(t, "GET", "/scim/v2/Users/"+id, "", "If-None-Match", got.header.Get("ETag")).want(t, http.StatusNotModified)

		// §3.5.1: the emails have neither type nor primary: the first is kept.
		put := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":%q,"userName":"bjensen","externalId":"bjensen",
			"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara","middleName":"Jane"},
			"roles":[],"emails":[{"value":"bjensen@example.com"},{"value":"babs@jensen.org"}],"title":"Tour Guide"}`, id)
		replaced := f.call(t, "PUT", "/scim/v2/Users/"+id, put, "If-Match", created.header.Get("ETag")).want(t, 200)
		if replaced.str("title") != "Tour Guide" || replaced.str("meta.version") == created.str("meta.version") {
			t.Errorf("replaced: title %q, version %q (was %q)", replaced.str("title"), replaced.str("meta.version"), created.str("meta.version"))
		}
		// The old version no longer matches.
		f.call(t, "PUT", "/scim/v2/Users/"+id, put, "If-Match", created.header.Get("ETag")).wantError(t, http.StatusPreconditionFailed, "", "the user changed since version")

		// A replace without title clears it (PUT replaces).
		f.call(t, "PUT", "/scim/v2/Users/"+id, strings.Replace(put, `,"title":"Tour Guide"`, "", 1)).want(t, 200)
		if u := f.user(t, id); u.Position != "" {
			t.Errorf("position after a PUT without title = %q, want empty", u.Position)
		}

		// Delete deactivates: the user stays, with active false.
		f.call(t, "DELETE", "/scim/v2/Users/"+id, "").want(t, http.StatusNoContent)
		after := f.call(t, "GET", "/scim/v2/Users/"+id, "").want(t, 200)
		if after.str("active") != "false" || after.str("userName") != "bjensen" {
			t.Errorf("after DELETE: active %s, userName %s; want false, bjensen", after.str("active"), after.str("userName"))
		}
		if u := f.user(t, id); u.Active() {
			t.Errorf("user is still active after DELETE")
		}
		// Reactivation (as Entra does it) restores the account.
		f.call(t, "PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`).want(t, 200)
		if u := f.user(t, id); !u.Active() {
			t.Errorf("user not reactivated")
		}

		// Every write went through the directory core: one run per write,
		// of source scim.
		runs, err := f.env.App.ListSyncRuns(context.Background(), sys, reportline.SourceSCIM, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 5 {
			t.Errorf("%d scim sync runs, want 5 (create, 2 replaces, delete, patch)", len(runs))
		}
	})
}

// The filter examples of RFC 7644 §3.4.2.2 that apply to the attributes
// kept, and pagination (§3.4.2.4).
func TestListUsers(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		ids := map[string]string{}
		for i, u := range []struct{ userName, email, given, family, title, ext string }{
			{"bjensen", "bjensen@example.com", "Barbara", "Jensen", "Tour Guide", "e1"},
			{"jsmith", "jsmith@example.org", "John", "Smith", "", "e2"},
			{"omalley", "pat@example.com", "Pat", "O'Malley", "Intern", "e3"},
			{"Jdoe@Example.com", "jdoe@example.com", "Jane", "Doe", "", "e4"},
			{"kim", "kim@example.net", "Kim", "Lee", "Employee", "e5"},
		} {
			r := f.call(t, "POST", "/scim/v2/Users", body(map[string]any{"userName": u.userName, "externalId": u.ext,
				"name": map[string]any{"givenName": u.given, "familyName": u.family}, "title": u.title, "active": i != 4,
				"emails": []any{map[string]any{"value": u.email, "type": "work"}}})).want(t, 201)
			ids[u.userName] = r.str("id")
		}
		// A user made by hand is listed too, with their email as userName:
		// that is how Entra finds people who exist before provisioning.
		hand, err := f.env.App.CreateUser(context.Background(), sys, appUser("hand@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		ids["hand@example.com"] = fmt.Sprint(hand.ID)

		tests := []struct {
			filter string
			want   []string
		}{
			{`userName eq "bjensen"`, []string{"bjensen"}},
			{`userName eq "BJENSEN"`, []string{"bjensen"}},
			{`userName eq "jdoe@example.com"`, []string{"Jdoe@Example.com"}},
			{`userName eq "hand@example.com"`, []string{"hand@example.com"}},
			{`userName eq "nobody"`, nil},
			{`externalId eq "e3"`, []string{"omalley"}},
			{`externalId eq "E3"`, nil}, // externalId is caseExact
			{`id eq "` + ids["jsmith"] + `"`, []string{"jsmith"}},
			{`id eq "x"`, nil},
			{`emails.value eq "pat@example.com"`, []string{"omalley"}},
			{`emails[type eq "work" and value ew "@example.org"]`, []string{"jsmith"}},
			{`name.familyName co "O'Malley"`, []string{"omalley"}},
			{`userName sw "J"`, []string{"jsmith", "Jdoe@Example.com"}},
			{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, []string{"jsmith", "Jdoe@Example.com"}},
			{`title pr`, []string{"bjensen", "omalley", "kim"}},
			{`title pr and active eq true`, []string{"bjensen", "omalley"}},
			{`active eq false`, []string{"kim"}},
			{`title eq "Intern" or title eq "Employee"`, []string{"omalley", "kim"}},
			{`emails co "example.com" and not (userName sw "b" or userName eq "hand@example.com")`, []string{"omalley", "Jdoe@Example.com"}},
			{`(userName eq "bjensen" or userName eq "kim") and active eq true`, []string{"bjensen"}},
			{`userName eq "bjensen" and active eq false`, nil},
			{`meta.created ge "2000-01-01T00:00:00Z"`, []string{"bjensen", "jsmith", "omalley", "Jdoe@Example.com", "kim", "hand@example.com"}},
		}
		for _, tt := range tests {
			t.Run(tt.filter, func(t *testing.T) {
				r := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(tt.filter), "").want(t, 200)
				var want []string
				for _, n := range tt.want {
					want = append(want, ids[n])
				}
				got := r.ids()
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("ids %v, want %v", got, want)
				}
				if r.str("totalResults") != fmt.Sprint(len(want)) || r.str("schemas") != `["`+scim.ListSchema+`"]` {
					t.Errorf("totalResults %s, schemas %s", r.str("totalResults"), r.str("schemas"))
				}
			})
		}

		// Pagination: 1-based startIndex, count, and totalResults of all.
		all := f.call(t, "GET", "/scim/v2/Users", "").want(t, 200).ids()
		if len(all) != 6 {
			t.Fatalf("%d users listed, want 6", len(all))
		}
		page := f.call(t, "GET", "/scim/v2/Users?startIndex=2&count=3", "").want(t, 200)
		if got := page.ids(); !slices.Equal(got, all[1:4]) || page.str("totalResults") != "6" || page.str("startIndex") != "2" || page.str("itemsPerPage") != "3" {
			t.Errorf("page 2..4 = %v (total %s, start %s, items %s), want %v", got, page.str("totalResults"), page.str("startIndex"), page.str("itemsPerPage"), all[1:4])
		}
		last := f.call(t, "GET", "/scim/v2/Users?startIndex=5&count=10", "").want(t, 200)
		if got := last.ids(); !slices.Equal(got, all[4:]) {
			t.Errorf("last page = %v, want %v", got, all[4:])
		}
		none := f.call(t, "GET", "/scim/v2/Users?count=0", "").want(t, 200)
		if none.str("totalResults") != "6" || none.str("Resources") != "[]" {
			t.Errorf("count=0: total %s, Resources %s; want 6 and []", none.str("totalResults"), none.str("Resources"))
		}
		if got := f.call(t, "GET", "/scim/v2/Users?startIndex=0&count=-3", "").want(t, 200); got.str("startIndex") != "1" || len(got.ids()) != 0 {
			t.Errorf("startIndex below 1 should count as 1 and a negative count as 0: %s", got.raw)
		}
		f.call(t, "GET", "/scim/v2/Users?count=ten", "").wantError(t, 400, scim.InvalidValue, `count must be an integer, not "ten"`)

		// POST .search (§3.4.3) is the same query in a body.
		s := f.call(t, "POST", "/scim/v2/Users/.search", `{"schemas":["`+scim.SearchSchema+`"],"filter":"title pr","startIndex":1,"count":2}`).want(t, 200)
		if s.str("totalResults") != "3" || len(s.ids()) != 2 {
			t.Errorf(".search: %s", s.raw)
		}

		// attributes / excludedAttributes (§3.9).
		p := f.call(t, "GET", "/scim/v2/Users?attributes=userName&filter="+urlQuery(`userName eq "bjensen"`), "").want(t, 200)
		if got := p.str("Resources.0"); got != `{"id":"`+ids["bjensen"]+`","schemas":["`+scim.UserSchema+`"],"userName":"bjensen"}` {
			t.Errorf("attributes=userName: %s", got)
		}
		one := f.call(t, "GET", "/scim/v2/Users/"+ids["bjensen"]+"?excludedAttributes=meta,emails,name", "").want(t, 200)
		if one.str("meta") != "" || one.str("emails") != "" || one.str("name") != "" || one.str("userName") != "bjensen" || one.str("id") != ids["bjensen"] {
			t.Errorf("excludedAttributes=meta,emails,name: %s", one.raw)
		}
		f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`userName eq`), "").wantError(t, 400, scim.InvalidFilter, "expected a value after userName eq")
		f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`userType eq "Employee"`), "").wantError(t, 400, scim.InvalidFilter, "userType is not an attribute of User")
	})
}
