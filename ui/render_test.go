package ui

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"reportline"
	"reportline/app"
	"reportline/web"
)

func TestBrokenTemplateStopsStartUp(t *testing.T) {
	t.Parallel()
	good, err := files.ReadFile("templates/layout/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	for name, page := range map[string]string{
		"parse error":    `{{define "content"}}{{if}}{{end}}`,
		"no content":     `<p>hello</p>`,
		"unknown func":   `{{define "content"}}{{frobnicate .}}{{end}}`,
		"escaping error": `{{define "content"}}<a href="{{.}}{{if .}}">{{end}}{{end}}`,
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"templates/layout/layout.html": {Data: good},
				"templates/pages/broken.html":  {Data: []byte(page)},
				"assets/style.css":             {Data: []byte("body{}")},
			}
			if _, err := newUI(nil, nil, fsys); err == nil {
				t.Errorf("newUI accepted a broken page template:\n%s", page)
			}
		})
	}
	if _, err := New(nil, nil); err != nil {
		t.Fatalf("the embedded templates do not parse: %v", err)
	}
}

func TestInternalErrorIsLoggedOnceWithRequestID(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	u, err := New(nil, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/users/3", nil)
	r = r.WithContext(web.WithRequestID(r.Context(), "req-1234"))
	w := httptest.NewRecorder()
	u.fail(w, r, errors.New("database exploded: password=hunter2"))

	if w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, "Something went wrong (request id req-1234)") {
		t.Errorf("page lacks the request id:\n%s", body)
	}
	if strings.Contains(body, "exploded") || strings.Contains(body, "hunter2") {
		t.Errorf("page leaks the internal error:\n%s", body)
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Errorf("logged %d errors, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "request_id=req-1234") || !strings.Contains(logs.String(), "exploded") {
		t.Errorf("log lacks the request id or the cause:\n%s", logs.String())
	}
}

func TestErrorPages(t *testing.T) {
	t.Parallel()
	u, err := New(nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		err    error
		status int
		want   []string
	}{
		{reportline.Errorf(reportline.Forbidden, "you do not administrate this group"), 403, []string{"Access refused", "You do not administrate this group."}},
		{reportline.Errorf(reportline.NotFound, "user 9 not found"), 404, []string{"Not found", "User 9 not found."}},
		{&reportline.Error{Code: reportline.Invalid, Message: "2 rows refused", Details: []reportline.Detail{
			{Value: "x@y.z", Message: "no account has the address x@y.z"}}}, 422, []string{"2 rows refused.", "<code translate=\"no\">x@y.z</code>: No account has the address x@y.z."}},
	} {
		w := httptest.NewRecorder()
		u.fail(w, httptest.NewRequest(http.MethodGet, "/x", nil), tc.err)
		if w.Code != tc.status {
			t.Errorf("%v: status %d, want %d", tc.err, w.Code, tc.status)
		}
		for _, s := range tc.want {
			if !strings.Contains(w.Body.String(), s) {
				t.Errorf("%v: page lacks %q", tc.err, s)
			}
		}
	}
	// Unauthenticated is not an error page: sign in again.
	w := httptest.NewRecorder()
	u.fail(w, httptest.NewRequest(http.MethodGet, "/groups", nil), reportline.Errorf(reportline.Unauthenticated, "session ended"))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Fgroups" {
		t.Errorf("unauthenticated: %d → %q", w.Code, w.Header().Get("Location"))
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/users/1/managers?mq=a", "/users/1/managers?mq=a"},
		{"/groups#top", "/groups"},
		{"", "/groups"},
		{"groups", "/groups"},
		{"http://evil.example/", "/groups"},
		{"//evil.example", "/groups"},
		{"/\\evil.example", "/groups"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"/ok\r\nSet-Cookie: x", "/groups"},
		{"/logout", "/groups"},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBuildNav(t *testing.T) {
	t.Parallel()
	g := func(id, parent int64, name string, adm bool) app.GroupView {
		return app.GroupView{Group: reportline.Group{ID: reportline.GroupID(id), ParentID: reportline.GroupID(parent), Name: name}, Administered: adm}
	}
	nav := buildNav([]app.GroupView{
		g(3, 1, "sales", true), g(1, 0, "Acme", false), g(2, 1, "Finance", false), g(4, 3, "Sales East", true), g(9, 8, "Orphan", true),
	}, 4)
	var got []string
	var walk func([]*navNode)
	walk = func(ns []*navNode) {
		for _, n := range ns {
			got = append(got, strings.Repeat("-", n.Depth)+n.Name)
			walk(n.Children)
		}
	}
	walk(nav)
	if want := "Acme -Finance -sales --Sales East Orphan"; strings.Join(got, " ") != want {
		t.Errorf("tree = %q, want %q", strings.Join(got, " "), want)
	}
	if cur := findNav(nav, 4); cur == nil || !cur.Current || cur.Name != "Sales East" {
		t.Errorf("findNav(4) = %+v", cur)
	}
}

func TestSentence(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"wrong email or password":                "Wrong email or password.",
		"you do not administrate this group.":    "You do not administrate this group.",
		"dave@acme.test is an inactive account":  "dave@acme.test is an inactive account.",
		"éva's account is inactive":              "Éva's account is inactive.",
		"1 of the listed users cannot be linked": "1 of the listed users cannot be linked.",
		"":                                       "",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}
