package scim_test

import (
	"context"
	"fmt"
	"testing"

	"reportline/app"
	"reportline/directory"
	"reportline/internal/testapp"
	"reportline/scim"
	"reportline/store"
)

// A provisioning client may not deactivate, re-address or rename a platform
// admin: 403 with a SCIM error, and the admin is unchanged. A write that
// changes nothing of theirs passes.
func TestSCIMLeavesPlatformAdminsAlone(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		admin := adminOf(t, f)
		id := fmt.Sprint(admin.ID)
		patchOp := `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
		f.call(t, "PATCH", "/scim/v2/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"active","value":false}]}`).
			wantError(t, 403, scim.Mutability, "platform admin")
		f.call(t, "PATCH", "/scim/v2/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"evil@x.com"}]}`).
			wantError(t, 403, scim.Mutability, "platform admin")
		f.call(t, "PUT", "/scim/v2/Users/"+id, `{"userName":"admin@x.com","name":{"givenName":"Mallory"},"active":true}`).
			wantError(t, 403, scim.Mutability, "first_name")
		f.call(t, "DELETE", "/scim/v2/Users/"+id, "").wantError(t, 403, scim.Mutability, "REPORTLINE_DIRECTORY_MAY_CHANGE_PLATFORM_ADMINS")
		if u := f.user(t, id); !u.Active() || u.Email != "admin@x.com" || u.FirstName != "" {
			t.Errorf("admin after the refused writes = %+v, want unchanged", u)
		}
		// Entra's matching PATCH that changes nothing (externalId only) is fine.
		f.call(t, "PATCH", "/scim/v2/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"externalId","value":"entra-admin"}]}`).want(t, 200)

		// With the operator's setting, the client may.
		lax := &fixture{env: f.env, token: f.token, url: f.env.Serve(t, scim.New(f.env.AppWith(directory.Guard{MayChangePlatformAdmins: true}), f.env.Logger()))}
		lax.call(t, "DELETE", "/scim/v2/Users/"+id, "").want(t, 204)
		if u := f.user(t, id); u.Active() {
			t.Errorf("with the setting on, the admin is still active")
		}
	})
}

// Deactivations past the guard within an hour are held: 503 with
// Retry-After, which Entra ID and Okta retry, and the user stays active.
func TestSCIMHeldDeactivation(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		guarded := &fixture{env: f.env, token: f.token, url: f.env.Serve(t, scim.New(f.env.AppWith(directory.Guard{HoldPercent: -1, HoldCount: 1}), f.env.Logger()))}
		var ids []string
		for i := range 3 {
			r := guarded.call(t, "POST", "/scim/v2/Users", fmt.Sprintf(`{"userName":"u%d@x.com","active":true}`, i)).want(t, 201)
			ids = append(ids, r.str("id"))
		}
		guarded.call(t, "DELETE", "/scim/v2/Users/"+ids[0], "").want(t, 204)
		r := guarded.call(t, "PATCH", "/scim/v2/Users/"+ids[1], `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
		r.wantError(t, 503, "", "held")
		if r.header.Get("Retry-After") == "" {
			t.Errorf("held answer without Retry-After")
		}
		if u := f.user(t, ids[1]); !u.Active() {
			t.Errorf("a held deactivation was applied")
		}
		// A platform admin confirms the held run: the client's retry passes.
		runs, err := f.env.App.ListSyncRuns(context.Background(), sys, "scim", 1)
		if err != nil || len(runs) == 0 {
			t.Fatal(runs, err)
		}
		if _, err := f.env.App.ConfirmHeldRun(context.Background(), app.UserActor(adminOf(t, f), "api"), runs[0].ID); err != nil {
			t.Fatal(err)
		}
		guarded.call(t, "PATCH", "/scim/v2/Users/"+ids[1], `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`).want(t, 200)
	})
}
