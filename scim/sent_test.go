package scim_test

import (
	"net/http"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// Emails and displayName come back as Entra sent them (case preserved, all
// the addresses), so that its next cycle sees no difference and sends no
// PATCH; matching stays case-insensitive.
func TestEmailsAndDisplayNameAsSent(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"e1","userName":"Ann.Lee@Example.com",
			"displayName":"Lee, Ann (Sales)","name":{"givenName":"Ann","familyName":"Lee"},"active":true,
			"emails":[{"value":"Ann.Lee@Example.com","type":"work","primary":true},{"value":"ann@home.example","type":"home"}]}`
		created := f.call(t, "POST", "/scim/v2/Users", body).want(t, http.StatusCreated)
		id := created.str("id")
		got := f.call(t, "GET", "/scim/v2/Users/"+id, "").want(t, 200)
		for path, want := range map[string]string{"emails.0.value": "Ann.Lee@Example.com", "emails.0.primary": "true",
			"emails.1.value": "ann@home.example", "emails.1.type": "home", "displayName": "Lee, Ann (Sales)"} {
			if v := got.str(path); v != want {
				t.Errorf("%s = %q, want %q as sent", path, v, want)
			}
		}
		// Matching stays case-insensitive, on the filters Entra uses.
		for _, filter := range []string{`emails%5Btype+eq+%22work%22%5D.value+eq+%22ann.lee%40example.com%22`, `userName+eq+%22ANN.LEE%40EXAMPLE.COM%22`} {
			if n := f.call(t, "GET", "/scim/v2/Users?filter="+filter, "").want(t, 200).str("totalResults"); n != "1" {
				t.Errorf("filter %s: %s results, want 1", filter, n)
			}
		}
		// A second user may not take the same address in another case.
		dup := `{"userName":"other@example.com","emails":[{"value":"ANN.LEE@example.com","primary":true}]}`
		f.call(t, "POST", "/scim/v2/Users", dup).want(t, http.StatusConflict)

		// A PATCH of the displayName is kept; a deactivation keeps what was sent.
		f.call(t, "PATCH", "/scim/v2/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"Replace","path":"displayName","value":"Ann Lee"}]}`).want(t, 200)
		f.call(t, "DELETE", "/scim/v2/Users/"+id, "").want(t, http.StatusNoContent)
		after := f.call(t, "GET", "/scim/v2/Users/"+id, "").want(t, 200)
		if after.str("displayName") != "Ann Lee" || after.str("emails.0.value") != "Ann.Lee@Example.com" || after.str("active") != "false" {
			t.Errorf("after PATCH and DELETE: %s", after.raw)
		}
	})
}
