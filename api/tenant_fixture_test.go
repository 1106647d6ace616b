package api_test

import (
	"context"
	"encoding/json"
	"testing"

	"reportline"
)

// otherTenant is a second organisation beside the fixture's default one:
// "beta" on its own host, with a platform admin (pa@example.com) and an
// API token of theirs. The organisation settings tests run there, since
// the default organisation's settings are the environment's.
type otherTenant struct {
	f     *fixture
	host  string
	token string
}

// newOtherTenant adds the organisation beta on host b.example to f.
func (f *fixture) newOtherTenant(t *testing.T) *otherTenant {
	t.Helper()
	ctx := context.Background()
	beta, err := f.env.DB.CreateTenantAs(ctx, "test", "beta", "b.example")
	if err != nil {
		t.Fatal(err)
	}
	o := &otherTenant{f: f, host: "b.example"}
	bctx := reportline.WithTenant(ctx, beta)
	if _, err := f.env.App.CreatePlatformAdmin(bctx, "pa@example.com", "a long password"); err != nil {
		t.Fatal(err)
	}
	if o.token, err = f.env.App.CreateToken(bctx, sys, "pa@example.com", "test"); err != nil {
		t.Fatal(err)
	}
	return o
}

// do sends a request on the organisation's host with its admin's token:
// the status, the JSON answer (nil when it is not JSON) and the answer as
// text, to check what it must never carry.
func (o *otherTenant) do(t *testing.T, method, path, body string) (int, map[string]any, string) {
	t.Helper()
	status, _, raw := send(t, o.f.url, o.token, method, path, body, "Host", o.host)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return status, m, string(raw)
}
