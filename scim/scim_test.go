package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/scim"
	"reportline/store"
)

func TestMain(m *testing.M) { testapp.Main(m) }

var sys = app.SystemActor(reportline.SourceCLI)

// fixture is a Reportline serving /scim/v2 on a loopback listener, with a
// provisioning client "entra".
type fixture struct {
	env   *testapp.Env
	url   string
	token string
}

func newFixture(t *testing.T, engine store.Engine) *fixture {
	t.Helper()
	env := testapp.New(t, engine)
	token, _, err := env.App.CreateProvisioningClient(context.Background(), sys, "entra")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{env: env, url: env.Serve(t, scim.New(env.App, env.Logger())), token: token}
}

// response is an answer of the endpoint.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// call sends a request with the client's token (or the given one) and
// decodes the JSON answer.
func (f *fixture) call(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(raw) > 0 {
		if ct := res.Header.Get("Content-Type"); ct != scim.ContentType {
			t.Errorf("%s %s: Content-Type %q, want %q", method, path, ct, scim.ContentType)
		}
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

// want checks the status; on a mismatch it shows the body.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.raw)
	}
	return r
}

// wantError checks a SCIM error body: status (as a string), scimType, and
// a detail that contains the given text.
func (r response) wantError(t *testing.T, status int, scimType, detail string) {
	t.Helper()
	r.want(t, status)
	if got := r.body["schemas"]; fmt.Sprint(got) != "["+scim.ErrorSchema+"]" {
		t.Errorf("schemas = %v, want [%s]", got, scim.ErrorSchema)
	}
	if got := r.body["status"]; got != fmt.Sprint(status) {
		t.Errorf("status member = %#v, want the string %q", got, fmt.Sprint(status))
	}
	if got, _ := r.body["scimType"].(string); got != scimType {
		t.Errorf("scimType = %q, want %q", got, scimType)
	}
	if got, _ := r.body["detail"].(string); !strings.Contains(got, detail) {
		t.Errorf("detail = %q, want it to contain %q", got, detail)
	}
}

// str reads a string member by dotted path ("name.givenName"); list
// elements are addressed by index ("emails.0.value").
func (r response) str(path string) string {
	var v any = r.body
	if rest, ok := strings.CutPrefix(path, scim.EnterpriseSchema); ok {
		// The extension's URN holds a dot ("2.0"): it is one member.
		v = r.body[scim.EnterpriseSchema]
		path = strings.TrimPrefix(rest, ".")
	}
	for p := range strings.SplitSeq(path, ".") {
		if p == "" {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			fmt.Sscan(p, &i)
			if i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (r response) ids() []string {
	var out []string
	list, _ := r.body["Resources"].([]any)
	for _, el := range list {
		out = append(out, el.(map[string]any)["id"].(string))
	}
	return out
}

func (f *fixture) user(t *testing.T, id string) reportline.User {
	t.Helper()
	var n int64
	fmt.Sscan(id, &n)
	u, err := f.env.App.GetUser(context.Background(), sys, reportline.UserID(n))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// scimLinks returns the links to a managee, as "manager:source".
func (f *fixture) links(t *testing.T, managee string) []string {
	t.Helper()
	var n int64
	fmt.Sscan(managee, &n)
	var out []string
	err := f.env.DB.Read(context.Background(), func(tx *store.Tx) error {
		ls, err := tx.Links(context.Background(), reportline.LinkFilter{ManageeID: reportline.UserID(n)})
		for _, l := range ls {
			out = append(out, fmt.Sprintf("%d:%s", l.ManagerID, l.Source))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func appUser(email string) app.UserInput { return app.UserInput{Email: email} }

func urlQuery(s string) string { return url.QueryEscape(s) }

func body(v any) string {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(v)
	return b.String()
}
