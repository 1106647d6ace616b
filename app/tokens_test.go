package app_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestTokenLifecycle: tokens have a name, an optional expiry and can be
// listed and revoked; an expired or revoked token stops working at once.
func TestTokenLifecycle(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		now := o.env.Now.Now()
		short, err := a.CreateAPIToken(ctx, ui(o.mem), app.NewToken{Email: "mem@example.com", Name: "nightly", ExpiresAt: now.Add(time.Hour)})
		if err != nil || !strings.HasPrefix(short.Secret, "rlt_") || short.Token.Name != "nightly" {
			t.Fatalf("CreateAPIToken = %+v, %v", short, err)
		}
		long, err := a.CreateAPIToken(ctx, ui(o.mem), app.NewToken{Email: "mem@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := a.CreateAPIToken(ctx, app.SystemActor(reportline.SourceCLI), app.NewToken{Email: "ga@example.com", Name: "hris"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateAPIToken(ctx, ui(o.mem), app.NewToken{Email: "ga@example.com"}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a token for someone else: %v, want forbidden", err)
		}
		if _, err := a.CreateAPIToken(ctx, ui(o.mem), app.NewToken{Email: "mem@example.com", ExpiresAt: now.Add(-time.Minute)}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("an expiry in the past: %v, want invalid", err)
		}
		if u, err := a.TokenUser(ctx, short.Secret); err != nil || u.ID != o.mem.ID {
			t.Fatalf("TokenUser = %v, %v", u.Email, err)
		}

		mine, err := a.ListTokens(ctx, ui(o.mem), app.TokenFilter{})
		if err != nil || len(mine) != 2 || mine[0].ID != long.Token.ID || mine[1].Name != "nightly" || mine[1].LastUsedAt.IsZero() {
			t.Fatalf("own tokens = %+v, %v", mine, err)
		}
		if len(mine[0].Hash) != 0 {
			t.Errorf("a listed token carries its hash")
		}
		if _, err := a.ListTokens(ctx, ui(o.mem), app.TokenFilter{All: true}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a member listing everybody's tokens: %v, want forbidden", err)
		}
		if _, err := a.ListTokens(ctx, ui(o.mem), app.TokenFilter{Email: "ga@example.com"}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a member listing another's tokens: %v, want forbidden", err)
		}
		if _, err := a.RevokeToken(ctx, ui(o.mem), other.Token.ID); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("a member revoking another's token: %v, want not found", err)
		}
		all, err := a.ListTokens(ctx, ui(o.pa), app.TokenFilter{All: true})
		if err != nil || len(all) != 3 || all[0].Owner.Email != "ga@example.com" {
			t.Errorf("a platform admin's list = %+v, %v", all, err)
		}

		// Expiry: the token stops working the moment it expires.
		o.env.Now.Advance(time.Hour)
		if _, err := a.TokenUser(ctx, short.Secret); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("an expired token: %v, want unauthenticated", err)
		}
		// Revocation by the owner, and by a platform admin.
		if v, err := a.RevokeToken(ctx, ui(o.mem), long.Token.ID); err != nil || v.Status != reportline.TokenRevoked {
			t.Errorf("RevokeToken = %+v, %v", v, err)
		}
		if _, err := a.TokenUser(ctx, long.Secret); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("a revoked token: %v, want unauthenticated", err)
		}
		if _, err := a.RevokeToken(ctx, ui(o.pa), other.Token.ID); err != nil {
			t.Errorf("a platform admin revoking: %v", err)
		}
		if _, err := a.TokenUser(ctx, other.Secret); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("a token revoked by an admin: %v", err)
		}
		mine, _ = a.ListTokens(ctx, ui(o.mem), app.TokenFilter{})
		if mine[0].Status != reportline.TokenRevoked || mine[1].Status != reportline.TokenExpired {
			t.Errorf("statuses = %s, %s; want revoked, expired", mine[0].Status, mine[1].Status)
		}
	})
}

// TestPasswordChangeEndsSessions: a new password ends the user's other
// sessions and, when asked, revokes their tokens.
func TestPasswordChangeEndsSessions(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		const pw = "correct horse battery"
		here, _, err := a.Login(ctx, "pa@example.com", pw, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		elsewhere, _, _ := a.Login(ctx, "pa@example.com", pw, "10.0.0.2")
		token, _ := a.CreateToken(ctx, ui(o.pa), "pa@example.com", "ci")
		if err := a.ChangePassword(ctx, ui(o.pa), app.PasswordChange{User: o.pa.ID, Password: "a new long secret", KeepSession: here}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.SessionUser(ctx, here); err != nil {
			t.Errorf("the session that changed the password: %v, want kept", err)
		}
		if _, err := a.SessionUser(ctx, elsewhere); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("another session: %v, want ended", err)
		}
		if _, err := a.TokenUser(ctx, token); err != nil {
			t.Errorf("tokens are kept unless asked: %v", err)
		}
		if err := a.ChangePassword(ctx, ui(o.mem), app.PasswordChange{User: o.pa.ID, Password: "a new long secret"}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a member setting another's password: %v", err)
		}
		if err := a.ChangePassword(ctx, app.SystemActor(reportline.SourceCLI), app.PasswordChange{User: o.pa.ID, Password: "another long secret", RevokeTokens: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.SessionUser(ctx, here); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("after a reset by the operator: %v, want every session ended", err)
		}
		if _, err := a.TokenUser(ctx, token); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("after a reset that revokes tokens: %v", err)
		}
	})
}

var resetLink = regexp.MustCompile(`/password/reset\?token=(rlr_[A-Za-z0-9_-]+)`)

// resetMails returns the password reset mails in the outbox, newest first.
func resetMails(t *testing.T, env *testapp.Env) []reportline.OutboxMessage {
	t.Helper()
	var out []reportline.OutboxMessage
	if err := env.DB.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.OutboxMessages(context.Background(), reportline.DeliveryFilter{Type: reportline.NotifyPasswordReset, Limit: 100})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPasswordResetByEmail: the same answer for known and unknown
// addresses; a single-use, expiring link; using it ends every session.
func TestPasswordResetByEmail(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := authReplica(o.env, app.Config{PublicURL: "https://reportline.example.com/"})
		a.SetResetFloor(0)
		session, _, err := a.Login(ctx, "pa@example.com", "correct horse battery", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		token, _ := a.CreateToken(ctx, ui(o.pa), "pa@example.com", "ci")
		for _, email := range []string{"nobody@example.com", "off@example.com"} {
			if err := a.RequestPasswordReset(ctx, email, "10.0.0.1"); err != nil {
				t.Errorf("unknown or inactive %s: %v, want the same answer as a known one", email, err)
			}
		}
		if got := resetMails(t, o.env); len(got) != 0 {
			t.Fatalf("mails for unknown or inactive addresses: %v", got)
		}
		if err := a.RequestPasswordReset(ctx, " PA@example.com ", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		mails := resetMails(t, o.env)
		if len(mails) != 1 || mails[0].To != "pa@example.com" {
			t.Fatalf("reset mails = %+v", mails)
		}
		m := resetLink.FindStringSubmatch(mails[0].Text)
		if m == nil || !strings.Contains(mails[0].Text, "https://reportline.example.com/password/reset?token=") || !strings.Contains(mails[0].HTML, `href="https://reportline.example.com/password/reset?token=`) {
			t.Fatalf("no absolute link in the mail:\n%s\n%s", mails[0].Text, mails[0].HTML)
		}
		secret := m[1]
		if d, err := a.Delivery(ctx, ui(o.pa), mails[0].ID); err != nil || strings.Contains(d.Message.Text, secret) || strings.Contains(d.Message.HTML, secret) {
			t.Errorf("the delivery log shows the reset secret: %v %q", err, d.Message.Text)
		}
		if email, err := a.PasswordResetFor(ctx, secret); err != nil || email != "pa@example.com" {
			t.Errorf("PasswordResetFor = %q, %v", email, err)
		}
		if _, err := a.ResetPassword(ctx, secret, "short", false); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("a short password: %v", err)
		}
		if _, err := a.ResetPassword(ctx, secret+"x", "a brand new secret", false); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("a wrong link: %v", err)
		}
		if u, err := a.ResetPassword(ctx, secret, "a brand new secret", true); err != nil || u.ID != o.pa.ID {
			t.Fatalf("ResetPassword = %v, %v", u.Email, err)
		}
		if _, err := a.SessionUser(ctx, session); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("a session after the reset: %v, want ended", err)
		}
		if _, err := a.TokenUser(ctx, token); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("a token after a reset that revokes them: %v", err)
		}
		if _, err := a.ResetPassword(ctx, secret, "yet another secret", false); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("the link used twice: %v, want refused", err)
		}
		if _, _, err := a.Login(ctx, "pa@example.com", "a brand new secret", "10.0.0.2"); err != nil {
			t.Errorf("signing in with the new password: %v", err)
		}

		// A link expires after 30 minutes.
		o.env.Now.Advance(2 * time.Hour) // the request throttle forgets
		if err := a.RequestPasswordReset(ctx, "pa@example.com", "10.0.0.3"); err != nil {
			t.Fatal(err)
		}
		secret = resetLink.FindStringSubmatch(resetMails(t, o.env)[0].Text)[1]
		o.env.Now.Advance(app.PasswordResetTTL)
		if _, err := a.ResetPassword(ctx, secret, "a brand new secret 2", false); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("an expired link: %v, want refused", err)
		}
	})
}

// TestPasswordResetRequestsAreThrottled: per address typed (known or not,
// alike) and per client address.
func TestPasswordResetRequestsAreThrottled(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		a.SetResetFloor(0)
		for _, email := range []string{"pa@example.com", "nobody@example.com"} {
			for i := range app.ResetPerAccount.Free {
				if err := a.RequestPasswordReset(ctx, email, "10.0.0."+string(rune('1'+i))); err != nil {
					t.Fatalf("%s request %d: %v", email, i+1, err)
				}
			}
			err := a.RequestPasswordReset(ctx, email, "10.0.0.9")
			if !reportline.IsCode(err, reportline.RateLimited) || !strings.HasSuffix(reportline.ErrorMessage(err), "try again in 1m0s") {
				t.Errorf("%s, one more request: %v, want refused for a minute", email, err)
			}
		}
		mails := resetMails(t, o.env)
		if len(mails) != app.ResetPerAccount.Free {
			t.Fatalf("%d mails, want %d", len(mails), app.ResetPerAccount.Free)
		}
		// Without a public URL the link is a path, and the mail says so.
		if text := mails[0].Text; !strings.Contains(text, "no public address configured") || !strings.Contains(text, "\n  /password/reset?token=rlr_") {
			t.Errorf("a mail without a public URL:\n%s", text)
		}
		for i := range app.ResetPerClient.Free {
			a.RequestPasswordReset(ctx, "someone"+string(rune('a'+i))+"@example.com", "198.51.100.7")
		}
		if err := a.RequestPasswordReset(ctx, "ga@example.com", "198.51.100.7"); !reportline.IsCode(err, reportline.RateLimited) {
			t.Errorf("one client asking for many addresses: %v, want refused", err)
		}
	})
}
