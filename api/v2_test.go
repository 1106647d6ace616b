package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// v2Fixture is the API fixture served with /api/v2 too, plus the article's
// managers ker1, ker2, ker3 and an inactive user, all in the group admin's
// group.
type v2Fixture struct {
	*fixture
	k1, k2, k3, off reportline.User
}

func newV2Fixture(t *testing.T, engine store.Engine) *v2Fixture {
	t.Helper()
	ctx := context.Background()
	f := &v2Fixture{fixture: newFixture(t, engine)}
	env := f.env
	f.url = env.Serve(t, api.New(env.App, env.Logger()), api.NewV2(env.App, env.Logger()))
	team := f.teamID(t)
	user := func(uid, email string) reportline.User {
		u, err := env.App.CreateUser(ctx, sys, app.UserInput{ExternalUID: uid, Email: email, GroupID: team})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.k1, f.k2, f.k3 = user("ker1", "ker1@example.com"), user("ker2", "ker2@example.com"), user("ker3", "ker3@example.com")
	f.off = user("off", "off@example.com")
	inactive := reportline.StatusInactive
	if _, err := env.App.UpdateUser(ctx, sys, f.off.ID, app.UserPatch{Status: &inactive}); err != nil {
		t.Fatal(err)
	}
	return f
}

// teamID returns the group of a, b and c.
func (f *v2Fixture) teamID(t *testing.T) reportline.GroupID {
	t.Helper()
	groups, err := f.env.App.ListGroups(context.Background(), sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g.Name == "Team" {
			return g.ID
		}
	}
	t.Fatal("no Team group")
	return 0
}

// lineManagers returns the sorted emails of a user's line managers.
func (f *v2Fixture) lineManagers(t *testing.T, u reportline.User) []string {
	t.Helper()
	ul, err := f.env.App.ListUserLinks(context.Background(), sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, m := range ul.Managers {
		if m.Link.Kind == reportline.Line {
			out = append(out, m.User.Email)
		}
	}
	slices.Sort(out)
	return out
}

// managerEmails returns the emails of a list of manager refs in a result.
func managerEmails(v any) []string {
	out := []string{}
	list, _ := v.([]any)
	for _, r := range list {
		m, _ := r.(map[string]any)
		out = append(out, fmt.Sprint(m["email"]))
	}
	slices.Sort(out)
	return out
}

// hasDetail reports whether an error body lists a detail with the field,
// value and reason.
func hasDetail(body map[string]any, field, value, reason string) bool {
	e, _ := body["error"].(map[string]any)
	details, _ := e["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if m["field"] == field && (value == "" || m["value"] == value) && (reason == "" || m["reason"] == reason) && m["message"] != "" {
			return true
		}
	}
	return false
}

const v2Single = "/api/v2/users-import/single"

func TestV2ImportSingleOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newV2Fixture(t, engine)
		// The LMS Collaborator example payload, with the article's manager_uid.
		lms := `{"uid":"cl123456", "secondname":"Smith", "firstname":"John", "patronymic":"", "login":"john.smith",
			"email":"John.Smith@example.com", "password":"123456", "birth_date":"26.07.1988", "gender":0, "is_active":1,
			"city":"Kyiv", "department":"Main Office", "position":"CEO", "tags":"tag1,tag2", "phone":"+380971111111",
			"user_field1":"Cluster1", "manager_uid": "ker1, ker2, ker3"}`
		status, body := f.do(t, f.paToken, "POST", v2Single, lms, "Content-Type", "application/json;charset=UTF-8")
		if status != 200 {
			t.Fatalf("create = %d %v", status, body)
		}
		user, _ := body["user"].(map[string]any)
		managers, _ := body["managers"].(map[string]any)
		if body["action"] != "created" || body["in_effect"] != true || user["email"] != "john.smith@example.com" || user["last_name"] != "Smith" ||
			user["org_unit"] != "Main Office" || user["birthday"] != "1988-07-26" || user["external_uid"] != "cl123456" {
			t.Errorf("create = %v", body)
		}
		if got := fmt.Sprint(body["ignored_fields"]); got != "[city gender login password patronymic phone tags user_field1]" {
			t.Errorf("ignored_fields = %s", got)
		}
		if managers["field"] != "manager_uid" || !slices.Equal(managerEmails(managers["added"]), []string{"ker1@example.com", "ker2@example.com", "ker3@example.com"}) {
			t.Errorf("managers = %v", managers)
		}
		john, err := f.env.App.GetUserByEmail(context.Background(), "john.smith@example.com")
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name, body string
			want       []string
		}{
			{"manager_id string with spaces, garbage manager_uid ignored",
				fmt.Sprintf(`{"uid": "cl123456", "manager_id": "%d, %d", "manager_uid": {"not": "read"}}`, f.k1.ID, f.k2.ID), []string{"ker1@example.com", "ker2@example.com"}},
			{"manager_id string without spaces", fmt.Sprintf(`{"uid": "cl123456", "manager_id": "%d,%d"}`, f.k2.ID, f.k3.ID), []string{"ker2@example.com", "ker3@example.com"}},
			{"manager_id number", fmt.Sprintf(`{"uid": "cl123456", "manager_id": %d}`, f.k1.ID), []string{"ker1@example.com"}},
			{"manager_id list of numbers and strings", fmt.Sprintf(`{"uid": "cl123456", "manager_id": [%d, "%d"]}`, f.k1.ID, f.k3.ID), []string{"ker1@example.com", "ker3@example.com"}},
			{"manager_uid list", `{"uid": "cl123456", "manager_uid": ["ker2", "ker3"]}`, []string{"ker2@example.com", "ker3@example.com"}},
			{"null manager_id yields to manager_uid", `{"uid": "cl123456", "manager_id": null, "manager_uid": "ker1"}`, []string{"ker1@example.com"}},
			{"neither: unchanged", `{"uid": "cl123456", "position": "CTO"}`, []string{"ker1@example.com"}},
			{"empty string: all removed", `{"uid": "cl123456", "manager_id": ""}`, []string{}},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				status, body := f.do(t, f.paToken, "POST", v2Single, s.body)
				if status != 200 {
					t.Fatalf("%d %v", status, body)
				}
				if s.want != nil {
					if got := f.lineManagers(t, john); !slices.Equal(got, s.want) {
						t.Errorf("managers = %v, want %v", got, s.want)
					}
				}
			})
		}
		// A numeric uid is read as its decimal text; lastname is secondname.
		status, body = f.do(t, f.paToken, "POST", v2Single, `{"uid": 4242, "email": "num@example.com", "lastname": "Smyth", "is_active": "0"}`)
		user, _ = body["user"].(map[string]any)
		if status != 200 || user["external_uid"] != "4242" || user["last_name"] != "Smyth" || user["status"] != "inactive" {
			t.Errorf("numeric uid = %d %v", status, body)
		}
		// An address that belongs to a user with another uid is a conflict.
		status, body = f.do(t, f.paToken, "POST", v2Single, `{"uid": "someone-else", "email": "john.smith@example.com", "firstname": "Other"}`)
		if status != 409 || errField(body, "field") != "uid" {
			t.Errorf("uid conflict = %d %v, want 409 on uid", status, body)
		}
	})
}

func TestV2ImportErrorsOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newV2Fixture(t, engine) // a manages b
		b := `"email": "b@example.com", "firstname": "Changed"`
		tests := []struct {
			name, token, body    string
			header               []string
			status               int
			code, field          string
			dField, dVal, reason string
		}{
			{"unknown id", f.paToken, fmt.Sprintf(`{%s, "manager_id": "%d, 424242"}`, b, f.k1.ID), nil, 422, "invalid", "manager_id", "manager_id", "424242", "unknown"},
			{"unknown uid", f.paToken, fmt.Sprintf(`{%s, "manager_uid": "ker1, ghost"}`, b), nil, 422, "invalid", "manager_uid", "manager_uid", "ghost", "unknown"},
			{"inactive manager", f.paToken, fmt.Sprintf(`{%s, "manager_id": [%d]}`, b, f.off.ID), nil, 422, "invalid", "manager_id", "manager_id", fmt.Sprint(f.off.ID), "inactive"},
			{"self", f.paToken, fmt.Sprintf(`{%s, "manager_id": %d}`, b, f.b.ID), nil, 422, "invalid", "manager_id", "manager_id", fmt.Sprint(f.b.ID), "self"},
			{"cycle", f.paToken, fmt.Sprintf(`{"email": "a@example.com", "firstname": "Changed", "manager_id": "%d"}`, f.b.ID), nil, 422, "invalid", "manager_id", "manager_id", fmt.Sprint(f.b.ID), "cycle"},
			{"manager outside the group admin's groups", f.gaToken, fmt.Sprintf(`{%s, "manager_id": "%d"}`, b, f.outsider.ID), nil, 403, "forbidden", "manager_id", "manager_id", fmt.Sprint(f.outsider.ID), "out_of_scope"},
			{"user outside the group admin's groups", f.gaToken, `{"email": "out@example.com", "firstname": "Changed"}`, nil, 403, "forbidden", "", "", "", ""},
			{"group admin creating a user", f.gaToken, `{"email": "new@example.com"}`, nil, 403, "forbidden", "", "", "", ""},
			{"anonymous", "", `{"email": "b@example.com"}`, nil, 401, "unauthenticated", "", "", "", ""},
			{"is_active not a flag", f.paToken, fmt.Sprintf(`{%s, "is_active": "maybe"}`, b), nil, 422, "invalid", "is_active", "", "", ""},
			{"firstname a number", f.paToken, `{"email": "b@example.com", "firstname": 5}`, nil, 422, "invalid", "firstname", "", "", ""},
			{"manager_id an object", f.paToken, fmt.Sprintf(`{%s, "manager_id": {"id": 1}}`, b), nil, 422, "invalid", "manager_id", "", "", ""},
			{"manager_id element true", f.paToken, fmt.Sprintf(`{%s, "manager_id": [true]}`, b), nil, 422, "invalid", "manager_id[0]", "", "", ""},
			{"manager_id not an id", f.paToken, fmt.Sprintf(`{%s, "manager_id": "ker1"}`, b), nil, 422, "invalid", "manager_id", "manager_id", "ker1", "invalid"},
			{"uid a boolean", f.paToken, `{"uid": true, "email": "b@example.com"}`, nil, 422, "invalid", "uid", "", "", ""},
			{"unknown field", f.paToken, fmt.Sprintf(`{%s, "colour": "red"}`, b), nil, 422, "invalid", "colour", "", "", ""},
			{"two wrong fields listed", f.paToken, fmt.Sprintf(`{%s, "colour": "red", "is_active": 2}`, b), nil, 422, "invalid", "", "colour", "", "unknown_field"},
			{"secondname and lastname differ", f.paToken, fmt.Sprintf(`{%s, "secondname": "A", "lastname": "B"}`, b), nil, 422, "invalid", "lastname", "", "", ""},
			{"bad birth_date", f.paToken, fmt.Sprintf(`{%s, "birth_date": "31.02.1990"}`, b), nil, 422, "invalid", "birth_date", "", "", ""},
			{"bad birthday (alias)", f.paToken, fmt.Sprintf(`{%s, "birthday": "someday"}`, b), nil, 422, "invalid", "birthday", "", "", ""},
			{"bad timezone", f.paToken, fmt.Sprintf(`{%s, "timezone": "Mars/Base"}`, b), nil, 422, "invalid", "timezone", "", "", ""},
			{"no uid nor email", f.paToken, `{"firstname": "Changed"}`, nil, 422, "invalid", "uid", "", "", ""},
			{"malformed JSON", f.paToken, `{"email": `, nil, 422, "invalid", "", "", "", ""},
			{"not an object", f.paToken, `["b@example.com"]`, nil, 422, "invalid", "body", "", "", ""},
			{"trailing data", f.paToken, `{"email": "b@example.com"} {}`, nil, 422, "invalid", "", "", "", ""},
			{"empty body", f.paToken, ``, []string{"Content-Type", "application/json"}, 422, "invalid", "", "", "", ""},
			{"not JSON", f.paToken, `email=b@example.com`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 422, "invalid", "", "", "", ""},
			{"oversized body", f.paToken, `{"email": "b@example.com", "tags": "` + strings.Repeat("a", api.MaxUserImportBody) + `"}`, nil, 413, "too_large", "", "", "", ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, body := f.do(t, tc.token, "POST", v2Single, tc.body, tc.header...)
				if status != tc.status || errField(body, "code") != tc.code {
					t.Fatalf("got %d %v, want %d %s", status, body, tc.status, tc.code)
				}
				if errField(body, "message") == "" || errField(body, "request_id") == "" {
					t.Errorf("error without message or request id: %v", body)
				}
				if errField(body, "field") != tc.field {
					t.Errorf("field = %q, want %q (%v)", errField(body, "field"), tc.field, body)
				}
				if tc.dField != "" && !hasDetail(body, tc.dField, tc.dVal, tc.reason) {
					t.Errorf("details = %s, want %s=%s (%s)", errField(body, "details"), tc.dField, tc.dVal, tc.reason)
				}
				for _, u := range []reportline.User{f.a, f.b, f.outsider} {
					got, err := f.env.App.GetUser(context.Background(), sys, u.ID)
					if err != nil {
						t.Fatal(err)
					}
					if got.FirstName == "Changed" {
						t.Errorf("a refused import changed %s", got.Email)
					}
				}
				if got := f.lineManagers(t, f.b); !slices.Equal(got, []string{"a@example.com"}) {
					t.Errorf("b's managers = %v, want a only", got)
				}
				if got := f.lineManagers(t, f.a); len(got) != 0 {
					t.Errorf("a's managers = %v, want none", got)
				}
			})
		}
		if _, err := f.env.App.GetUserByEmail(context.Background(), "new@example.com"); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("a refused import created a user: %v", err)
		}
		status, body := f.do(t, f.gaToken, "POST", v2Single, `{"email": "new@example.com"}`)
		if status != 403 || !strings.Contains(errField(body, "message"), "platform admin") {
			t.Errorf("creation by a group admin: %d %v, want 403 saying a platform admin is needed", status, body)
		}
	})
}

func TestV2ImportBatchOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newV2Fixture(t, engine) // a manages b
		body := fmt.Sprintf(`{"users": [
			{"uid": "hr-1", "email": "one@example.com", "firstname": "One", "manager_uid": "ker1"},
			{"email": "b@example.com", "firstname": "Changed", "manager_id": "%d, 424242"},
			"not an object",
			{"email": "c@example.com", "is_active": "perhaps"},
			{"email": "c@example.com", "manager_id": [%d, %d]},
			{"email": "b@example.com", "login": "bee"}
		]}`, f.k1.ID, f.k2.ID, f.k3.ID)
		status, out := f.do(t, f.gaToken, "POST", "/api/v2/users-import/batch", body)
		if status != 200 {
			t.Fatalf("batch = %d %v", status, out)
		}
		results, _ := out["results"].([]any)
		if len(results) != 6 {
			t.Fatalf("results = %v", out)
		}
		type want struct {
			ok           bool
			code, field  string
			action       string
			detailReason string
		}
		wants := []want{
			{code: "forbidden"}, // a group admin cannot create users
			// To a group admin an unknown id reads as one outside her
			// groups (a platform admin gets 422 unknown, above).
			{code: "forbidden", field: "manager_id", detailReason: "out_of_scope"},
			{code: "invalid"},
			{code: "invalid", field: "is_active"},
			{ok: true, action: "updated"},
			{ok: true, action: "unchanged"},
		}
		for i, w := range wants {
			r, _ := results[i].(map[string]any)
			if r["index"] != float64(i) || r["ok"] != w.ok {
				t.Errorf("result %d = %v, want ok=%v", i, r, w.ok)
				continue
			}
			if w.ok {
				res, _ := r["result"].(map[string]any)
				if res["action"] != w.action {
					t.Errorf("result %d action = %v, want %s", i, res["action"], w.action)
				}
				continue
			}
			e, _ := r["error"].(map[string]any)
			if e["code"] != w.code || e["message"] == "" || (w.field != "" && e["field"] != w.field) {
				t.Errorf("result %d error = %v, want %s on %q", i, e, w.code, w.field)
			}
			if w.detailReason != "" && !hasDetail(map[string]any{"error": e}, w.field, "424242", w.detailReason) {
				t.Errorf("result %d details = %v", i, e["details"])
			}
		}
		if fmt.Sprint(out["counts"]) != "map[created:0 failed:4 unchanged:1 updated:1]" {
			t.Errorf("counts = %v", out["counts"])
		}
		if got := f.lineManagers(t, f.c); !slices.Equal(got, []string{"ker2@example.com", "ker3@example.com"}) {
			t.Errorf("c's managers = %v: the good user must be applied", got)
		}
		if got := f.lineManagers(t, f.b); !slices.Equal(got, []string{"a@example.com"}) {
			t.Errorf("b's managers = %v: the refused user must be untouched", got)
		}
		// A platform admin may create; the batch goes on after a failure.
		status, out = f.do(t, f.paToken, "POST", "/api/v2/users-import/batch", `{"users": [{"email": "bad"}, {"uid": "hr-1", "email": "one@example.com", "manager_uid": "ker1"}]}`)
		results, _ = out["results"].([]any)
		if status != 200 || len(results) != 2 || results[0].(map[string]any)["ok"] != false || results[1].(map[string]any)["ok"] != true {
			t.Errorf("platform admin batch = %d %v", status, out)
		}

		tooMany := `{"users": [` + strings.Repeat(`{"email": "b@example.com"},`, app.MaxUserImportBatch) + `{"email": "b@example.com"}]}`
		for _, tc := range []struct{ name, body, field string }{
			{"more than 1000 users", tooMany, "users"},
			{"no users", `{}`, "users"},
			{"users not a list", `{"users": {"email": "b@example.com"}}`, "users"},
			{"unknown top-level field", `{"users": [], "dry_run": true}`, "dry_run"},
			{"a bare list", `[{"email": "b@example.com"}]`, ""},
			{"trailing data", `{"users": []} {}`, ""},
		} {
			status, out := f.do(t, f.paToken, "POST", "/api/v2/users-import/batch", tc.body)
			if status != 422 || errField(out, "code") != "invalid" || errField(out, "field") != tc.field {
				t.Errorf("%s: %d %v, want 422 on %q", tc.name, status, out, tc.field)
			}
		}
		status, out = f.do(t, "", "POST", "/api/v2/users-import/batch", `{"users": []}`)
		if status != 401 {
			t.Errorf("anonymous batch = %d %v", status, out)
		}
		status, out = f.do(t, f.paToken, "POST", "/api/v2/users-import/batch", `{"users": []}`)
		if status != 200 || fmt.Sprint(out["results"]) != "[]" {
			t.Errorf("empty batch = %d %v", status, out)
		}
	})
}
