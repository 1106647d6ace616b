package scim_test

import (
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/scim"
	"reportline/store"
)

// TestSCIMRefusesWhatIsNotText: NUL and invalid UTF-8 in a SCIM body, and
// names over their length, are 400 invalidValue naming the attribute on
// both engines, and create nobody.
func TestSCIMRefusesWhatIsNotText(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		create := entraCreate("ext-a", "a@x.com", "a@x.com", "")
		for _, tc := range []struct{ name, body, detail string }{
			{"NUL", strings.Replace(create, `"givenName":"givenName"`, `"givenName":"Ann\u0000"`, 1), "name.givenName contains a NUL character"},
			{"invalid UTF-8", strings.Replace(create, `"title":"Engineer"`, "\"title\":\"Ing\xe9nieur\"", 1), "title is not valid UTF-8"},
			{"long family name", strings.Replace(create, `"familyName":"familyName"`, `"familyName":"`+strings.Repeat("é", 201)+`"`, 1), "longer than 200 characters"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f.call(t, "POST", "/scim/v2/Users", tc.body).wantError(t, 400, scim.InvalidValue, tc.detail)
			})
		}
		if got := f.call(t, "GET", "/scim/v2/Users", "").want(t, 200).ids(); len(got) != 0 {
			t.Errorf("users %v were created", got)
		}
	})
}
