package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestMain(m *testing.M) { testapp.Main(m) }

var sys = app.SystemActor(reportline.SourceAPI)

// fixture is a served Reportline with a platform admin token, a group admin
// token and three users in the admin's group (a manages b) and one outside.
type fixture struct {
	env               *testapp.Env
	url               string
	paToken, gaToken  string
	a, b, c, outsider reportline.User
}

func newFixture(t *testing.T, engine store.Engine) *fixture {
	t.Helper()
	ctx := context.Background()
	env := testapp.New(t, engine)
	f := &fixture{env: env, url: env.Serve(t, api.New(env.App, env.Logger()))}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	g, err := env.App.CreateGroup(ctx, sys, "Team", 0)
	must(err)
	other, err := env.App.CreateGroup(ctx, sys, "Other", 0)
	must(err)
	user := func(email string, grp reportline.GroupID) reportline.User {
		u, err := env.App.CreateUser(ctx, sys, app.UserInput{Email: email, GroupID: grp})
		must(err)
		return u
	}
	_, err = env.App.CreatePlatformAdmin(ctx, "pa@example.com", "a long password")
	must(err)
	ga := user("ga@example.com", g.ID)
	must(env.App.SetMember(ctx, sys, reportline.Membership{GroupID: g.ID, UserID: ga.ID, Role: reportline.AdminRole}))
	f.a, f.b, f.c = user("a@example.com", g.ID), user("b@example.com", g.ID), user("c@example.com", g.ID)
	f.outsider = user("out@example.com", other.ID)
	_, err = env.App.AddLinks(ctx, sys, app.LinkRequest{User: f.b.ID, Direction: reportline.Managers, IDs: []reportline.UserID{f.a.ID}})
	must(err)
	f.paToken, err = env.App.CreateToken(ctx, sys, "pa@example.com", "test")
	must(err)
	f.gaToken, err = env.App.CreateToken(ctx, sys, "ga@example.com", "test")
	must(err)
	return f
}

// do sends a request and decodes the JSON answer into a map.
func (f *fixture) do(t *testing.T, token, method, path, body string, header ...string) (int, map[string]any) {
	t.Helper()
	status, _, raw := send(t, f.url, token, method, path, body, header...)
	return status, decodeObject(t, method, path, raw)
}

// send sends a request to the server at base with token (none if "") and
// returns the status, the headers and the answer as is. A header "Host"
// sets the request's host (an organisation's own).
func send(t *testing.T, base, token, method, path, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, raw
}

// decodeObject decodes a JSON object answer; nil for an empty one.
func decodeObject(t *testing.T, method, path string, raw []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, raw)
		}
	}
	return out
}

// errField returns error.<name> from an error answer.
func errField(body map[string]any, name string) string {
	e, _ := body["error"].(map[string]any)
	v, _ := e[name]
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func (f *fixture) managerCount(t *testing.T, u reportline.User) int {
	t.Helper()
	ul, err := f.env.App.ListUserLinks(context.Background(), sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return len(ul.Managers)
}

func TestBadInputGetsAClearErrorAndStoresNothing(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		bPath := fmt.Sprintf("/api/v1/users/%d/managers", f.b.ID)
		aManagers := fmt.Sprintf("/api/v1/users/%d/managers", f.a.ID)
		tests := []struct {
			name, method, path, body string
			header                   []string
			status                   int
			code, field, reason      string
		}{
			{"malformed JSON", "POST", bPath, `{"emails": [`, nil, 422, "invalid", "", ""},
			{"not an object", "POST", bPath, `"c@example.com"`, nil, 422, "invalid", "body", ""},
			{"unknown field", "POST", bPath, `{"emails": ["c@example.com"], "colour": "red"}`, nil, 422, "invalid", "colour", ""},
			{"wrong type", "POST", bPath, `{"ids": "3"}`, nil, 422, "invalid", "ids", ""},
			{"wrong element type", "POST", bPath, `{"ids": [true]}`, nil, 422, "invalid", "ids", ""},
			{"trailing data", "POST", bPath, `{"emails": ["c@example.com"]} {}`, nil, 422, "invalid", "", ""},
			{"empty body", "POST", bPath, ``, []string{"Content-Type", "application/json"}, 422, "invalid", "", ""},
			{"not JSON", "POST", bPath, `emails=c@example.com`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 422, "invalid", "", ""},
			{"oversized body", "POST", bPath, `{"emails": ["` + strings.Repeat("a", 1<<20) + `@example.com"]}`, nil, 413, "too_large", "", ""},
			{"bad email", "POST", bPath, `{"emails": ["c@example"]}`, nil, 422, "invalid", "managers", "invalid_email"},
			{"self link", "POST", bPath, fmt.Sprintf(`{"ids": [%d]}`, f.b.ID), nil, 422, "invalid", "managers", "self"},
			{"cycle", "POST", aManagers, fmt.Sprintf(`{"ids": [%d]}`, f.b.ID), nil, 422, "invalid", "managers", "cycle"},
			{"unknown id", "POST", bPath, `{"ids": [424242]}`, nil, 422, "invalid", "managers", "unknown"},
			{"bad date", "POST", bPath, `{"emails": ["c@example.com"], "valid_from": "next week"}`, nil, 422, "invalid", "valid_from", ""},
			{"bad path id", "GET", "/api/v1/users/abc/managers", "", nil, 422, "invalid", "id", ""},
			{"unknown user", "POST", "/api/v1/users/424242/managers", `{"emails": ["c@example.com"]}`, nil, 404, "not_found", "", ""},
			{"unknown operation", "GET", "/api/v1/nothing", "", nil, 404, "not_found", "", ""},
			{"create user with bad email", "POST", "/api/v1/users", `{"email": "not an email"}`, nil, 422, "invalid", "email", ""},
			{"create user with taken email", "POST", "/api/v1/users", `{"email": "A@example.com"}`, nil, 409, "conflict", "email", ""},
			{"create user with bad birthday", "POST", "/api/v1/users", `{"email": "new@example.com", "birthday": "31.02.1990"}`, nil, 422, "invalid", "birthday", ""},
			{"bad status filter", "GET", "/api/v1/users?status=gone", "", nil, 422, "invalid", "status", ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := f.managerCount(t, f.b)
				status, body := f.do(t, f.paToken, tc.method, tc.path, tc.body, tc.header...)
				if status != tc.status || errField(body, "code") != tc.code {
					t.Fatalf("got %d %v, want %d %s", status, body, tc.status, tc.code)
				}
				if errField(body, "message") == "" || errField(body, "request_id") == "" {
					t.Errorf("error without message or request id: %v", body)
				}
				if tc.field != "" && errField(body, "field") != tc.field {
					t.Errorf("field = %q, want %q (%v)", errField(body, "field"), tc.field, body)
				}
				if tc.reason != "" && !strings.Contains(errField(body, "details"), "reason:"+tc.reason) {
					t.Errorf("details = %s, want reason %s", errField(body, "details"), tc.reason)
				}
				if got := f.managerCount(t, f.b); got != before {
					t.Errorf("managers of b went from %d to %d", before, got)
				}
			})
		}
	})
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		for _, tc := range []struct {
			name, token string
			header      []string
		}{
			{"no token", "", nil},
			{"wrong token", "rlt_nope", nil},
			{"not bearer", "", []string{"Authorization", "Basic cGE6cGE="}},
		} {
			status, body := f.do(t, tc.token, "GET", "/api/v1/me", "", tc.header...)
			if status != 401 || errField(body, "code") != "unauthenticated" {
				t.Errorf("%s: got %d %v, want 401", tc.name, status, body)
			}
		}
		status, body := f.do(t, f.gaToken, "GET", "/api/v1/me", "")
		if status != 200 || body["email"] != "ga@example.com" {
			t.Errorf("me = %d %v", status, body)
		}
	})
}

func TestLinksOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		cPath := fmt.Sprintf("/api/v1/users/%d/managers", f.c.ID)
		// A dry run reports and stores nothing.
		status, body := f.do(t, f.gaToken, "POST", cPath, `{"emails": ["a@example.com", "ghost@example.com"], "dry_run": true}`)
		if status != 200 || body["applied"] != false || fmt.Sprint(body["counts"]) != "map[new:1 out_of_scope:1 rejected:1 removed:0]" {
			t.Fatalf("dry run = %d %v", status, body)
		}
		if f.managerCount(t, f.c) != 0 {
			t.Fatal("dry run stored a link")
		}
		status, body = f.do(t, f.gaToken, "POST", cPath, `{"emails": ["a@example.com"], "kind": "functional", "valid_until": "2027-01-01", "comment": "cover"}`)
		if status != 200 || body["applied"] != true {
			t.Fatalf("add = %d %v", status, body)
		}
		status, body = f.do(t, f.gaToken, "GET", cPath, "")
		links, _ := body["links"].([]any)
		if status != 200 || len(links) != 1 || !strings.Contains(fmt.Sprint(links[0]), "kind:functional") || !strings.Contains(fmt.Sprint(links[0]), "valid_until:2027-01-01T00:00:00Z") {
			t.Fatalf("list = %d %v", status, body)
		}
		// Replace with b: a is removed, b added.
		status, body = f.do(t, f.gaToken, "PUT", cPath, `{"emails": ["b@example.com"], "kind": "functional"}`)
		if status != 200 || fmt.Sprint(body["counts"]) != "map[new:1 rejected:0 removed:1]" {
			t.Fatalf("replace = %d %v", status, body)
		}
		status, _ = f.do(t, f.gaToken, "DELETE", fmt.Sprintf("%s/%d", cPath, f.b.ID), "")
		if status != 204 || f.managerCount(t, f.c) != 0 {
			t.Fatalf("delete = %d, managers left %d", status, f.managerCount(t, f.c))
		}
		// The group admin cannot reach outside the group.
		status, body = f.do(t, f.gaToken, "POST", fmt.Sprintf("/api/v1/users/%d/managers", f.outsider.ID), `{"emails": ["a@example.com"]}`)
		if status != 403 || errField(body, "message") == "" {
			t.Errorf("outside the group: %d %v, want 403 with a reason", status, body)
		}
		status, body = f.do(t, f.gaToken, "GET", fmt.Sprintf("/api/v1/audit?user_id=%d", f.c.ID), "")
		entries, _ := body["entries"].([]any)
		if status != 200 || len(entries) != 4 {
			t.Errorf("audit = %d, %d entries, want 4 (add, remove, add, remove)", status, len(entries))
		}
		status, _ = f.do(t, f.gaToken, "GET", "/api/v1/audit", "")
		if status != 403 {
			t.Errorf("whole audit as group admin = %d, want 403", status)
		}
	})
}

func TestUsersAndGroupsOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		status, body := f.do(t, f.gaToken, "GET", "/api/v1/groups", "")
		groups, _ := body["groups"].([]any)
		if status != 200 || len(groups) != 1 {
			t.Fatalf("groups = %d %v", status, body)
		}
		gid := groups[0].(map[string]any)["id"]
		status, body = f.do(t, f.gaToken, "POST", "/api/v1/users", fmt.Sprintf(`{"email": " New.Person@Example.com ", "first_name": "New", "group_id": %v, "birthday": "--02-29"}`, gid))
		if status != 201 || body["email"] != "new.person@example.com" || body["birthday"] != "--02-29" {
			t.Fatalf("create = %d %v", status, body)
		}
		id := body["id"]
		status, body = f.do(t, f.gaToken, "PATCH", fmt.Sprintf("/api/v1/users/%v", id), `{"position": "Analyst"}`)
		if status != 200 || body["position"] != "Analyst" || body["first_name"] != "New" {
			t.Errorf("patch = %d %v", status, body)
		}
		status, body = f.do(t, f.gaToken, "POST", fmt.Sprintf("/api/v1/users/%v/deactivate", id), "")
		if status != 200 || body["status"] != "inactive" {
			t.Errorf("deactivate = %d %v", status, body)
		}
		status, body = f.do(t, f.gaToken, "GET", "/api/v1/users?status=active&limit=2", "")
		if status != 200 || body["total"] != float64(4) || len(body["users"].([]any)) != 2 || body["next_after"] == nil {
			t.Errorf("list = %d %v", status, body)
		}
		status, body = f.do(t, f.gaToken, "GET", "/api/v1/users?email=OUT@example.com", "")
		if status != 200 || body["total"] != float64(0) {
			t.Errorf("a group admin must not find users outside their groups: %d %v", status, body)
		}
		status, _ = f.do(t, f.gaToken, "POST", "/api/v1/users", `{"email": "p@example.com", "platform_role": "platform_admin", "group_id": 1}`)
		if status != 403 {
			t.Errorf("group admin creating a platform admin = %d, want 403", status)
		}
	})
}
