package scim_test

import (
	"slices"
	"testing"

	"reportline/internal/testapp"
	"reportline/scim"
	"reportline/store"
)

// What Entra ID and Okta rely on: matching by work email, absence of
// active never re-enabling, manager problems synced and reported, PATCH
// paths checked, externalId removable, GET /Users/.
func TestSCIMEntraOktaBehaviour(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		patch := func(id, ops string) response {
			t.Helper()
			return f.call(t, "PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+ops+`]}`)
		}
		ann := f.call(t, "POST", "/scim/v2/Users", `{"userName":"ann.upn@corp.example","externalId":"e-ann","emails":[{"type":"work","value":"ann@x.com","primary":true}],"active":true}`).want(t, 201).str("id")

		// Entra matching on the work email.
		r := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`emails[type eq "work"].value eq "ANN@x.com"`), "").want(t, 200)
		if !slices.Equal(r.ids(), []string{ann}) {
			t.Errorf(`emails[type eq "work"].value eq: %v, want ann`, r.ids())
		}
		f.call(t, "GET", "/scim/v2/Users/", "").want(t, 200)

		// Deactivated, then a PUT without active and a PATCH removing it.
		patch(ann, `{"op":"replace","path":"active","value":false}`).want(t, 200)
		f.call(t, "PUT", "/scim/v2/Users/"+ann, `{"userName":"ann.upn@corp.example","emails":[{"type":"work","value":"ann@x.com"}],"title":"Engineer"}`).want(t, 200)
		if u := f.user(t, ann); u.Active() {
			t.Errorf("a PUT without active re-enabled the user")
		}
		patch(ann, `{"op":"remove","path":"active"}`).want(t, 200)
		if u := f.user(t, ann); u.Active() {
			t.Errorf("a PATCH removing active re-enabled the user")
		}

		// Unknown manager and a cycle: the user is synced, the problem is
		// on the run.
		bob := f.call(t, "POST", "/scim/v2/Users", `{"userName":"bob@x.com","externalId":"e-bob","active":true,"`+scim.EnterpriseSchema+`":{"manager":{"value":"`+ann+`"}}}`).want(t, 201).str("id")
		patch(bob, `{"op":"replace","path":"title","value":"Lead"},{"op":"replace","path":"`+scim.EnterpriseSchema+`:manager","value":"nobody-here"}`).want(t, 200)
		if got := f.call(t, "GET", "/scim/v2/Users/"+bob, "").want(t, 200); got.str("title") != "Lead" || got.str(scim.EnterpriseSchema+".manager.value") != ann {
			t.Errorf("after an unknown manager: title %q manager %q, want Lead and ann kept", got.str("title"), got.str(scim.EnterpriseSchema+".manager.value"))
		}
		patch(ann, `{"op":"replace","path":"`+scim.EnterpriseSchema+`:manager","value":"`+bob+`"}`).want(t, 200)
		if got := f.links(t, ann); len(got) != 0 {
			t.Errorf("a cycle was linked: %v", got)
		}

		// PATCH paths: unknown is invalidPath; known but not kept is fine.
		patch(ann, `{"op":"replace","path":"favouriteColour","value":"red"}`).wantError(t, 400, scim.InvalidPath, "favouriteColour")
		patch(ann, `{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"+33 1"}`).want(t, 200)

		// remove externalId clears it.
		patch(bob, `{"op":"remove","path":"externalId"}`).want(t, 200)
		if got := f.call(t, "GET", "/scim/v2/Users/"+bob, "").want(t, 200); got.str("externalId") != "" {
			t.Errorf("externalId after remove = %q, want none", got.str("externalId"))
		}
		if r := f.call(t, "GET", "/scim/v2/Users?filter="+urlQuery(`externalId eq "e-bob"`), "").want(t, 200); len(r.ids()) != 0 {
			t.Errorf("the removed externalId still finds %v", r.ids())
		}
	})
}
