package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestTextIsRefusedWhenItIsNotText: NUL characters and invalid UTF-8 in a
// JSON body, and text over its documented length, are refused with a 4xx
// naming the field, the same on both engines, and nothing is stored.
func TestTextIsRefusedWhenItIsNotText(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newV2Fixture(t, engine)
		bPath := fmt.Sprintf("/api/v1/users/%d/managers", f.b.ID)
		aPath := fmt.Sprintf("/api/v1/users/%d", f.a.ID)
		long := func(n int) string { return strings.Repeat("é", n) } // two bytes, one character
		tests := []struct {
			name, method, path, body string
			field, message           string
			newEmail                 string // an address the request would have created
		}{
			{"NUL in a name", "POST", "/api/v1/users", `{"email": "n1@example.com", "first_name": "Ann\u0000e"}`, "first_name", "NUL", "n1@example.com"},
			{"invalid UTF-8 in a name", "POST", "/api/v1/users", "{\"email\": \"n2@example.com\", \"last_name\": \"M\xfcller\"}", "last_name", "UTF-8", "n2@example.com"},
			{"invalid UTF-8 in a key", "POST", "/api/v1/users", "{\"email\": \"n3@example.com\", \"fi\xffrst\": \"x\"}", "fi\ufffdrst", "UTF-8", "n3@example.com"},
			{"NUL in a list", "POST", bPath, `{"emails": ["c@example.com", "c@exam\u0000ple.com"]}`, "emails[1]", "NUL", ""},
			{"NUL in a patch", "PATCH", aPath, `{"position": "Boss\u0000"}`, "position", "NUL", ""},
			{"NUL in a comment", "POST", bPath, `{"emails": ["c@example.com"], "comment": "\u0000"}`, "comment", "NUL", ""},
			{"900 KB first name", "POST", "/api/v1/users", `{"email": "n4@example.com", "first_name": "` + strings.Repeat("a", 900_000) + `"}`, "first_name", "longer than 200 characters", "n4@example.com"},
			{"201-character last name", "POST", "/api/v1/users", `{"email": "n5@example.com", "last_name": "` + long(201) + `"}`, "last_name", "longer than 200 characters", "n5@example.com"},
			{"long position", "PATCH", aPath, `{"position": "` + long(201) + `"}`, "position", "longer than 200", ""},
			{"long org unit", "PATCH", aPath, `{"org_unit": "` + long(201) + `"}`, "org_unit", "longer than 200", ""},
			{"long uid", "POST", "/api/v1/users", `{"email": "n6@example.com", "external_uid": "` + strings.Repeat("u", 256) + `"}`, "external_uid", "longer than 255", "n6@example.com"},
			{"long email", "POST", "/api/v1/users", `{"email": "` + strings.Repeat("a", 250) + `@example.com"}`, "email", "longer than 254", ""},
			{"long locale", "PATCH", aPath, `{"locale": "` + strings.Repeat("x", 36) + `"}`, "locale", "longer than 35", ""},
			{"long comment", "POST", bPath, `{"emails": ["c@example.com"], "comment": "` + long(1001) + `"}`, "comment", "longer than 1000", ""},
			{"long group name", "POST", "/api/v1/groups", `{"name": "` + long(201) + `"}`, "name", "longer than 200", ""},
			{"LMS import NUL", "POST", v2Single, `{"email": "n7@example.com", "firstname": "\u0000"}`, "firstname", "NUL", "n7@example.com"},
			{"LMS import invalid UTF-8", "POST", v2Single, "{\"email\": \"n8@example.com\", \"position\": \"\xc3\x28\"}", "position", "UTF-8", "n8@example.com"},
			{"LMS import long name", "POST", v2Single, `{"email": "n9@example.com", "secondname": "` + long(201) + `"}`, "secondname", "longer than 200", "n9@example.com"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := f.managerCount(t, f.b)
				status, body := f.do(t, f.paToken, tc.method, tc.path, tc.body)
				if status != 422 || errField(body, "code") != "invalid" {
					t.Fatalf("got %d %v, want 422 invalid", status, body)
				}
				if got := errField(body, "field"); got != tc.field {
					t.Errorf("field = %q, want %q (%v)", got, tc.field, body)
				}
				if msg := errField(body, "message"); !strings.Contains(msg, tc.message) {
					t.Errorf("message = %q, want it to say %q", msg, tc.message)
				}
				if after := f.managerCount(t, f.b); after != before {
					t.Errorf("b's managers went from %d to %d", before, after)
				}
				if tc.newEmail != "" {
					err := f.env.DB.Read(context.Background(), func(tx *store.Tx) error {
						_, err := tx.UserByEmail(context.Background(), tc.newEmail)
						return err
					})
					if !reportline.IsCode(err, reportline.NotFound) {
						t.Errorf("%s was stored (err %v)", tc.newEmail, err)
					}
				}
				a, err := f.env.App.GetUser(context.Background(), sys, f.a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if a.Position != "" || a.OrgUnit != "" || a.Locale != "" {
					t.Errorf("a was changed: %+v", a)
				}
			})
		}

		// The longest accepted values are accepted, counted in characters.
		status, body := f.do(t, f.paToken, "POST", "/api/v1/users", `{"email": "max@example.com", "first_name": "`+long(200)+`", "position": "`+long(200)+`"}`)
		if status != 201 {
			t.Fatalf("200-character name: got %d %v, want 201", status, body)
		}
	})
}
