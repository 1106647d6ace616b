package scim_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/scim"
	"reportline/store"
)

const patchOp = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`

// entraCreate is the create request of Microsoft Entra's SCIM
// provisioning documentation, with the enterprise extension its default
// mapping adds.
func entraCreate(ext, userName, email, manager string) string {
	m := ""
	if manager != "" {
		m = `,"manager":` + manager
	}
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"` + ext + `","userName":"` + userName + `","active":true,"displayName":"Test User",
		"emails":[{"primary":true,"type":"work","value":"` + email + `"}],"meta":{"resourceType":"User"},
		"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[],
		"title":"Engineer","preferredLanguage":"en-US","phoneNumbers":[{"type":"work","value":"+1 555 0100"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","employeeNumber":"42"` + m + `}}`
}

// The requests Microsoft Entra ID sends, in the order of a provisioning
// cycle: match by userName, create (with the manager as a bare id or as
// {"value": id}), PATCH with capitalised ops, the manager as a bare string,
// disable with active false.
func TestEntraProvisioning(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		ctx := context.Background()

		// Entra looks the user up by its matching attribute first.
		r := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`userName eq "boss@contoso.com"`), "").want(t, 200)
		if r.str("totalResults") != "0" || r.str("Resources") != "[]" {
			t.Fatalf("no user yet, got %s", r.raw)
		}
		boss := f.call(t, "POST", "/scim/v2/Users", entraCreate("aad-boss", "boss@contoso.com", "boss@contoso.com", "")).want(t, 201)
		bossID := boss.str("id")
		if boss.str("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department") != "R&D" || boss.str("title") != "Engineer" {
			t.Errorf("department and title not kept: %s", boss.raw)
		}

		// Create with the manager as Entra sends it: the bare id.
		ann := f.call(t, "POST", "/scim/v2/Users", entraCreate("aad-ann", "ann@contoso.onmicrosoft.com", "ann@contoso.com", `"`+bossID+`"`)).want(t, 201)
		annID := ann.str("id")
		ent := "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		if got := ann.str(ent + ".manager.value"); got != bossID {
			t.Errorf("manager.value = %q, want %s", got, bossID)
		}
		if got := ann.str(ent + ".manager.$ref"); got != f.url+"/scim/v2/Users/"+bossID {
			t.Errorf("manager.$ref = %q", got)
		}
		if got := ann.str("userName"); got != "ann@contoso.onmicrosoft.com" {
			t.Errorf("userName = %q, want the UPN as sent", got)
		}
		if u := f.user(t, annID); u.Email != "ann@contoso.com" {
			t.Errorf("email = %q, want the work email", u.Email)
		}
		if got := f.links(t, annID); !slices.Equal(got, []string{bossID + ":scim"}) {
			t.Errorf("links of ann = %v, want the boss from scim", got)
		}
		// The matching query finds her by the UPN.
		if got := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`userName eq "Ann@Contoso.onmicrosoft.com"`), "").want(t, 200).ids(); !slices.Equal(got, []string{annID}) {
			t.Errorf("userName eq UPN found %v, want [%s]", got, annID)
		}

		// The RFC form {"value": id}, and the manager named by externalId.
		bob := f.call(t, "POST", "/scim/v2/Users", entraCreate("aad-bob", "bob@contoso.com", "bob@contoso.com", `{"value":"aad-ann"}`)).want(t, 201)
		bobID := bob.str("id")
		if got := bob.str(ent + ".manager.value"); got != annID {
			t.Errorf("manager by externalId: value %q, want %s", got, annID)
		}

		// Multi-valued and single-valued updates, as documented.
		f.call(t, "PATCH", "/scim/v2/Users/"+annID, `{`+patchOp+`,"Operations":[
			{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@contoso.com"},
			{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`).want(t, 200)
		if u := f.user(t, annID); u.Email != "updatedemail@contoso.com" || u.LastName != "updatedFamilyName" || u.FirstName != "givenName" {
			t.Errorf("after PATCH: %+v", u)
		}
		f.call(t, "PATCH", "/scim/v2/Users/"+annID, `{`+patchOp+`,"Operations":[{"op":"Replace","path":"userName","value":"ann.lee@contoso.onmicrosoft.com"}]}`).want(t, 200)

		// Manager: Add with a bare string at the URN path (Entra), then a
		// path-less Replace keyed by the full URN, then removal.
		newBoss := f.call(t, "POST", "/scim/v2/Users", entraCreate("aad-nb", "nb@contoso.com", "nb@contoso.com", "")).want(t, 201).str("id")
		f.call(t, "PATCH", "/scim/v2/Users/"+bobID, `{`+patchOp+`,"Operations":[{"op":"Add","path":"`+ent+`:manager","value":"`+newBoss+`"}]}`).want(t, 200)
		if got := f.links(t, bobID); !slices.Equal(got, []string{newBoss + ":scim"}) {
			t.Errorf("links of bob after Add manager = %v, want only %s:scim (the scim link is replaced)", got, newBoss)
		}
		f.call(t, "PATCH", "/scim/v2/Users/"+bobID, `{`+patchOp+`,"Operations":[{"op":"Replace","value":{"`+ent+`:manager":"`+bossID+`","`+ent+`:department":"Ops"}}]}`).want(t, 200)
		if got := f.links(t, bobID); !slices.Equal(got, []string{bossID + ":scim"}) {
			t.Errorf("links of bob after path-less Replace = %v, want %s:scim", got, bossID)
		}
		// A link made by hand is not the client's: it survives.
		if _, err := f.env.App.AddLinks(ctx, app.UserActor(adminOf(t, f), reportline.SourceUI), app.LinkRequest{
			Direction: reportline.Managers, User: reportline.UserID(atoi(bobID)), Emails: []string{"nb@contoso.com"}, Kind: reportline.Functional}); err != nil {
			t.Fatal(err)
		}
		f.call(t, "PATCH", "/scim/v2/Users/"+bobID, `{`+patchOp+`,"Operations":[{"op":"Remove","path":"`+ent+`:manager"}]}`).want(t, 200)
		if got := f.links(t, bobID); !slices.Equal(got, []string{newBoss + ":ui"}) {
			t.Errorf("links of bob after Remove manager = %v, want only the hand-made %s:ui", got, newBoss)
		}
		got := f.call(t, "GET", "/scim/v2/Users/"+bobID, "").want(t, 200)
		if got.str(ent+".manager") != "" || got.str(ent+".department") != "Ops" {
			t.Errorf("after removal: manager %q (want none), department %q", got.str(ent+".manager"), got.str(ent+".department"))
		}
		// An empty value is no manager too.
		f.call(t, "PATCH", "/scim/v2/Users/"+annID, `{`+patchOp+`,"Operations":[{"op":"Replace","path":"`+ent+`:manager","value":""}]}`).want(t, 200)
		if got := f.links(t, annID); len(got) != 0 {
			t.Errorf("links of ann after an empty manager = %v, want none", got)
		}

		// Disable: active false, as a boolean and as Entra's string "False".
		f.call(t, "PATCH", "/scim/v2/Users/"+annID, `{"Operations":[{"op":"Replace","path":"active","value":"False"}],`+patchOp+`}`).want(t, 200)
		if u := f.user(t, annID); u.Active() {
			t.Errorf("ann still active after active \"False\"")
		}
		f.call(t, "PATCH", "/scim/v2/Users/"+bobID, `{"Operations":[{"op":"Replace","path":"active","value":false}],`+patchOp+`}`).want(t, 200)
		if r := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`active eq false`), "").want(t, 200); !slices.Equal(sorted(r.ids()), sorted([]string{annID, bobID})) {
			t.Errorf("active eq false = %v, want ann and bob", r.ids())
		}

		// Audit: every link change of the cycle is in the audit log, with
		// source scim (and the hand-made one with ui).
		var entries []reportline.AuditEntry
		if err := f.env.DB.Read(ctx, func(tx *store.Tx) error {
			var err error
			entries, err = tx.Audit(ctx, reportline.AuditFilter{Limit: 100})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var scimEntries []string
		for _, e := range entries {
			if e.Source == reportline.SourceSCIM {
				scimEntries = append(scimEntries, fmt.Sprintf("%s %d→%d", e.Action, e.ManagerID, e.ManageeID))
			}
		}
		want := []string{"remove 1→2", "remove 1→3", "add 1→3", "remove 4→3", "add 4→3", "remove 2→3", "add 2→3", "add 1→2"} // newest first
		if bossID != "1" || annID != "2" || bobID != "3" || newBoss != "4" || !slices.Equal(scimEntries, want) {
			t.Errorf("scim audit entries %v, want %v", scimEntries, want)
		}
	})
}

// Users who exist before provisioning (made by hand or by CSV) are found
// by Entra's matching query and taken over by a PATCH that sets the
// externalId; the client's later writes name them by it.
func TestEntraMatchesExistingUser(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		hand, err := f.env.App.CreateUser(context.Background(), sys, appUser("carol@contoso.com"))
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprint(hand.ID)
		r := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`userName eq "carol@contoso.com"`), "").want(t, 200)
		if !slices.Equal(r.ids(), []string{id}) || r.str("Resources.0.externalId") != "" {
			t.Fatalf("matching query: %s", r.raw)
		}
		f.call(t, "PATCH", "/scim/v2/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"Add","path":"externalId","value":"aad-carol"},
			{"op":"Replace","path":"name.givenName","value":"Carol"}]}`).want(t, 200)
		if got := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`externalId eq "aad-carol"`), "").want(t, 200).ids(); !slices.Equal(got, []string{id}) {
			t.Errorf("externalId eq aad-carol = %v, want [%s]", got, id)
		}
		// A new externalId replaces the old one; the user stays the same.
		f.call(t, "PATCH", "/scim/v2/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"Replace","path":"externalId","value":"aad-carol-2"}]}`).want(t, 200)
		if got := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`externalId eq "aad-carol"`), "").want(t, 200).ids(); len(got) != 0 {
			t.Errorf("the old externalId still finds %v", got)
		}
		if got := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`externalId eq "aad-carol-2"`), "").want(t, 200).ids(); !slices.Equal(got, []string{id}) {
			t.Errorf("externalId eq aad-carol-2 = %v, want [%s]", got, id)
		}
		// A create of the same person is refused: SCIM never merges.
		f.call(t, "POST", "/scim/v2/Users", entraCreate("aad-other", "carol2@contoso.com", "carol@contoso.com", "")).
			wantError(t, 409, scim.Uniqueness, "carol@contoso.com is already the email of user "+id)
	})
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		a := f.call(t, "POST", "/scim/v2/Users", entraCreate("ext-a", "a@x.com", "a@x.com", "")).want(t, 201).str("id")
		b := f.call(t, "POST", "/scim/v2/Users", entraCreate("ext-b", "b@x.com", "b@x.com", `"`+a+`"`)).want(t, 201).str("id")

		f.call(t, "POST", "/scim/v2/Users", entraCreate("ext-c", "A@X.com", "c@x.com", "")).wantError(t, 409, scim.Uniqueness, `userName "A@X.com" is already user `+a+`'s`)
		f.call(t, "POST", "/scim/v2/Users", entraCreate("ext-a", "c@x.com", "c@x.com", "")).wantError(t, 409, scim.Uniqueness, `externalId "ext-a" is already user `+a+`'s`)
		// An unknown manager does not refuse the user (as with LDAP and
		// Graph): it is created without one, and the run reports it.
		f.call(t, "POST", "/scim/v2/Users", entraCreate("ext-d", "d@x.com", "d@x.com", `"nobody"`)).want(t, 201)
		f.call(t, "POST", "/scim/v2/Users", entraCreate("ext-c", "c@x.com", "not-an-address", "")).wantError(t, 400, scim.InvalidValue, `emails: "not-an-address" is not a valid email address`)
		f.call(t, "POST", "/scim/v2/Users", `{"userName":"c@x.com","name":"Carl"}`).wantError(t, 400, scim.InvalidValue, "name must be an object with givenName and familyName, not the string \"Carl\"")
		f.call(t, "POST", "/scim/v2/Users", `{"userName":"c@x.com","active":"maybe"}`).wantError(t, 400, scim.InvalidValue, `active must be true or false, not the string "maybe"`)
		f.call(t, "POST", "/scim/v2/Users", `{"userName":"c@x.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"value":"1"},{"value":"2"}]}}`).
			wantError(t, 400, scim.InvalidValue, "manager must be one user")
		f.call(t, "POST", "/scim/v2/Users", `{"active":true}`).wantError(t, 400, scim.InvalidValue, "userName is required")
		f.call(t, "POST", "/scim/v2/Users", `{"userName":`).wantError(t, 400, scim.InvalidSyntax, "the body is not valid JSON")
		f.call(t, "POST", "/scim/v2/Users", `["a"]`).wantError(t, 400, scim.InvalidSyntax, "must not be a JSON array")
		f.call(t, "POST", "/scim/v2/Users", `{"userName":"c@x.com","x":"`+strings.Repeat("x", 1<<20)+`"}`).wantError(t, 413, "", "larger than 1 MiB")
		f.call(t, "POST", "/scim/v2/Users", `{"userName":"c@x.com"}`, "Content-Type", "text/plain").wantError(t, 415, "", "application/scim+json")

		// A manager closing a cycle, or the user themself, is not linked:
		// the user is synced and the run reports the problem.
		f.call(t, "PATCH", "/scim/v2/Users/"+a, `{`+patchOp+`,"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"`+b+`"}]}`).want(t, 200)
		f.call(t, "PATCH", "/scim/v2/Users/"+a, `{`+patchOp+`,"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"ext-a"}]}`).want(t, 200)
		runs, err := f.env.App.ListSyncRuns(context.Background(), sys, "scim", 3)
		if err != nil || len(runs) < 2 || runs[0].ProblemCount != 1 || runs[1].ProblemCount != 1 || runs[1].Problems[0].Code != reportline.ProblemCycle {
			t.Errorf("runs = %+v, %v; want the self and cycle problems reported", runs, err)
		}
		// No link was made.
		if got := f.links(t, a); len(got) != 0 {
			t.Errorf("links of a after refused requests = %v", got)
		}

		f.call(t, "PATCH", "/scim/v2/Users/"+a, `{`+patchOp+`,"Operations":[{"op":"replace","path":"id","value":"9"}]}`).wantError(t, 400, scim.Mutability, "Operations[0]: id is read-only")
		f.call(t, "PATCH", "/scim/v2/Users/"+a, `{`+patchOp+`,"Operations":[{"op":"replace","path":"emails[type eq","value":"x"}]}`).wantError(t, 400, scim.InvalidPath, `Operations[0]: path "emails[type eq"`)
		f.call(t, "PATCH", "/scim/v2/Users/"+a, `{`+patchOp+`,"Operations":[{"op":"replace","path":"userName","value":"b@x.com"}]}`).wantError(t, 409, scim.Uniqueness, `userName "b@x.com" is already user `+b+`'s`)
		f.call(t, "PATCH", "/scim/v2/Users/"+a, `{"schemas":["urn:example"],"Operations":[]}`).wantError(t, 400, scim.InvalidSyntax, "schemas must be")
		f.call(t, "PATCH", "/scim/v2/Users/"+a, `{`+patchOp+`,"Operations":[{"op":"replace","path":"active","value":"yes"}]}`).wantError(t, 400, scim.InvalidValue, `active must be true or false, not the string "yes"`)

		f.call(t, "GET", "/scim/v2/Users/999999", "").wantError(t, 404, "", `no user has id "999999"`)
		f.call(t, "GET", "/scim/v2/Users/abc", "").wantError(t, 404, "", `no user has id "abc"`)
		f.call(t, "DELETE", "/scim/v2/Users/999999", "").wantError(t, 404, "", `no user has id "999999"`)
		f.call(t, "PUT", "/scim/v2/Users/999999", `{"userName":"z@x.com"}`).wantError(t, 404, "", `no user has id "999999"`)
		f.call(t, "GET", "/scim/v2/Roles", "").wantError(t, 404, "", "this endpoint serves Users, Groups")
		f.call(t, "POST", "/scim/v2/Users/"+a, `{}`).wantError(t, 405, "", "POST is not supported")
	})
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		ctx := context.Background()
		f.call(t, "GET", "/scim/v2/Users", "", "Authorization", "").wantError(t, 401, "", "send Authorization: Bearer TOKEN")
		f.call(t, "GET", "/scim/v2/Users", "", "Authorization", "Bearer rlscim_wrong").wantError(t, 401, "", "unknown or revoked provisioning token")
		f.call(t, "GET", "/scim/v2/ServiceProviderConfig", "", "Authorization", "Basic dXNlcjpwdw==").wantError(t, 401, "", "Bearer")

		// A user's API token is not a provisioning token, even a platform admin's.
		if _, err := f.env.App.CreatePlatformAdmin(ctx, "root@x.com", "a-long-enough-password"); err != nil {
			t.Fatal(err)
		}
		apiToken, err := f.env.App.CreateToken(ctx, sys, "root@x.com", "api")
		if err != nil {
			t.Fatal(err)
		}
		f.call(t, "GET", "/scim/v2/Users", "", "Authorization", "Bearer "+apiToken).wantError(t, 401, "", "this is not a provisioning token")

		// Each client has its own token; revoking one stops it at once.
		other, _, err := f.env.App.CreateProvisioningClient(ctx, sys, "okta")
		if err != nil {
			t.Fatal(err)
		}
		f.call(t, "GET", "/scim/v2/Users", "", "Authorization", "Bearer "+other).want(t, 200)
		if _, _, err := f.env.App.CreateProvisioningClient(ctx, sys, "okta"); !reportline.IsCode(err, reportline.Conflict) {
			t.Errorf("a second client named okta: %v, want a conflict", err)
		}
		if err := f.env.App.RevokeProvisioningClient(ctx, sys, "okta"); err != nil {
			t.Fatal(err)
		}
		f.call(t, "GET", "/scim/v2/Users", "", "Authorization", "Bearer "+other).wantError(t, 401, "", "unknown or revoked")
		f.call(t, "GET", "/scim/v2/Users", "").want(t, 200)
		clients, err := f.env.App.ProvisioningClients(ctx, sys)
		if err != nil || len(clients) != 1 || clients[0].Name != "entra" || clients[0].LastUsedAt.IsZero() {
			t.Errorf("clients = %+v, %v; want entra, used", clients, err)
		}
		if _, _, err := f.env.App.CreateProvisioningClient(ctx, app.UserActor(reportline.User{ID: 1, Status: reportline.StatusActive}, reportline.SourceAPI), "x"); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a plain user creating a client: %v, want forbidden", err)
		}
	})
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		spc := f.call(t, "GET", "/scim/v2/ServiceProviderConfig", "").want(t, 200)
		for path, want := range map[string]string{"patch.supported": "true", "filter.supported": "true", "filter.maxResults": "200",
			"bulk.supported": "false", "sort.supported": "false", "etag.supported": "true", "authenticationSchemes.0.type": "oauthbearertoken"} {
			if got := spc.str(path); got != want {
				t.Errorf("ServiceProviderConfig %s = %s, want %s", path, got, want)
			}
		}
		rt := f.call(t, "GET", "/scim/v2/ResourceTypes", "").want(t, 200)
		if rt.str("Resources.0.id") != "User" || rt.str("Resources.0.endpoint") != "/Users" ||
			rt.str("Resources.0.schemaExtensions.0.schema") != scim.EnterpriseSchema {
			t.Errorf("ResourceTypes: %s", rt.raw)
		}
		f.call(t, "GET", "/scim/v2/ResourceTypes/User", "").want(t, 200)
		if rt.str("totalResults") != "2" || rt.str("Resources.1.id") != "Group" || rt.str("Resources.1.endpoint") != "/Groups" ||
			rt.str("Resources.1.schema") != scim.GroupSchema {
			t.Errorf("ResourceTypes without Group: %s", rt.raw)
		}
		f.call(t, "GET", "/scim/v2/ResourceTypes/Group", "").want(t, 200)
		f.call(t, "GET", "/scim/v2/ResourceTypes/Role", "").wantError(t, 404, "", "User and Group are served")
		sc := f.call(t, "GET", "/scim/v2/Schemas", "").want(t, 200)
		if sc.str("totalResults") != "3" || sc.str("Resources.0.id") != scim.UserSchema || sc.str("Resources.1.id") != scim.EnterpriseSchema ||
			sc.str("Resources.2.id") != scim.GroupSchema {
			t.Errorf("Schemas: %s", sc.raw)
		}
		user := f.call(t, "GET", "/scim/v2/Schemas/"+scim.UserSchema, "").want(t, 200)
		if user.str("attributes.0.name") != "userName" || user.str("attributes.0.required") != "true" || user.str("attributes.0.uniqueness") != "server" {
			t.Errorf("User schema: %s", user.raw)
		}
		ent := f.call(t, "GET", "/scim/v2/Schemas/"+scim.EnterpriseSchema, "").want(t, 200)
		if ent.str("attributes.1.name") != "manager" || ent.str("attributes.1.subAttributes.0.name") != "value" {
			t.Errorf("EnterpriseUser schema: %s", ent.raw)
		}
	})
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func atoi(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

// adminOf returns a platform admin, to make a link by hand.
func adminOf(t *testing.T, f *fixture) reportline.User {
	t.Helper()
	u, err := f.env.App.CreatePlatformAdmin(context.Background(), "admin@x.com", "a-long-enough-password")
	if err != nil {
		t.Fatal(err)
	}
	return u
}
