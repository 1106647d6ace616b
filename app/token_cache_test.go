package app_test

import (
	"context"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/store"
)

// TestTokenCache: an API token is answered from a short-lived cache, yet a
// deactivation stops it at once on the replica that made it, and on another
// replica within the cache's lifetime (a second).
func TestTokenCache(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			o := newOrg(t, engine)
			ctx := context.Background()
			a, replica := o.env.App, replicaOf(o.env)
			secret, err := a.CreateToken(ctx, sys, o.x.Email, "lms")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*app.App{a, replica} {
				for range 2 { // the second from the cache
					if u, err := r.TokenUser(ctx, secret); err != nil || u.ID != o.x.ID {
						t.Fatalf("TokenUser = %v, %v", u.ID, err)
					}
				}
			}
			off := reportline.StatusInactive
			if _, err := a.UpdateUser(ctx, sys, o.x.ID, app.UserPatch{Status: &off}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.TokenUser(ctx, secret); !reportline.IsCode(err, reportline.Unauthenticated) {
				t.Errorf("the replica that deactivated still accepts the token: %v", err)
			}
			o.env.Now.Advance(time.Second)
			if _, err := replica.TokenUser(ctx, secret); !reportline.IsCode(err, reportline.Unauthenticated) {
				t.Errorf("another replica still accepts the token after the cache's lifetime: %v", err)
			}
			if _, err := a.TokenUser(ctx, "not a token"); !reportline.IsCode(err, reportline.Unauthenticated) {
				t.Errorf("an unknown token: %v", err)
			}
		})
	}
}
