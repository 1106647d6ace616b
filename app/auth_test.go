package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestLoginSessionsAndRateLimit(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		secret, u, err := a.Login(ctx, " PA@example.com ", "correct horse battery", "10.0.0.1")
		if err != nil || u.ID != o.pa.ID || !strings.HasPrefix(secret, "rls_") {
			t.Fatalf("Login = %q, %v, %v", secret, u.Email, err)
		}
		if got, err := a.SessionUser(ctx, secret); err != nil || got.ID != o.pa.ID {
			t.Fatalf("SessionUser = %v, %v", got.Email, err)
		}
		o.env.Now.Advance(13 * time.Hour)
		if _, err := a.SessionUser(ctx, secret); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("expired session: %v, want unauthenticated", err)
		}
		for _, pw := range []string{"wrong", ""} {
			if _, _, err := a.Login(ctx, "pa@example.com", pw, "10.0.0.2"); !reportline.IsCode(err, reportline.Unauthenticated) {
				t.Errorf("wrong password %q: %v", pw, err)
			}
		}
		if _, _, err := a.Login(ctx, "nobody@example.com", "whatever12", "10.0.0.2"); reportline.ErrorMessage(err) != "wrong email or password" {
			t.Errorf("unknown address must look like a wrong password, got %v", err)
		}
		for range 3 {
			a.Login(ctx, "pa@example.com", "wrong", "10.0.0.3")
		}
		if _, _, err := a.Login(ctx, "pa@example.com", "correct horse battery", "10.0.0.4"); !reportline.IsCode(err, reportline.RateLimited) {
			t.Errorf("after 5 failures: %v, want rate limited even with the right password", err)
		}
		o.env.Now.Advance(16 * time.Minute)
		if _, _, err := a.Login(ctx, "pa@example.com", "correct horse battery", "10.0.0.4"); err != nil {
			t.Errorf("after the window: %v", err)
		}
		if err := a.Logout(ctx, secret); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTokens(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		token, err := a.CreateToken(ctx, app.SystemActor(reportline.SourceCLI), "ga@example.com", "hris")
		if err != nil || !strings.HasPrefix(token, "rlt_") {
			t.Fatalf("CreateToken = %q, %v", token, err)
		}
		if u, err := a.TokenUser(ctx, token); err != nil || u.ID != o.ga.ID {
			t.Errorf("TokenUser = %v, %v", u.Email, err)
		}
		if _, err := a.TokenUser(ctx, token+"x"); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("wrong token: %v", err)
		}
		if _, err := a.CreateToken(ctx, ui(o.mem), "ga@example.com", "steal"); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("token for someone else: %v, want forbidden", err)
		}
		off := reportline.StatusInactive
		if _, err := a.UpdateUser(ctx, ui(o.pa), o.ga.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.TokenUser(ctx, token); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("token of an inactive user: %v, want unauthenticated", err)
		}
	})
}
