package app

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	"time"

	"reportline"
)

// Self-service password reset. "Forgot password?" asks for an address; the
// answer is the same whether or not it belongs to an account, and takes at
// least the same time (authState.resetFloor). For an active account a
// single-use link valid for PasswordResetTTL is mailed through the outbox.
// The link carries 32 random bytes ("rlr_…"), stored only as their SHA-256
// hash: unforgeable like a signature, and unlike one it can be used once
// and voided (a new link or a new password voids the older ones). Using it
// sets the password and ends every session of the account, and optionally
// revokes its API tokens. Requests are throttled per address typed and
// per client address with the sign-in throttle's counters.

// PasswordResetTTL is how long a reset link works.
const PasswordResetTTL = 30 * time.Minute

// ResetPath is the page a reset link opens; the secret travels in the
// query string, which the access log never records.
const ResetPath = "/password/reset"

// RequestPasswordReset mails a reset link to the address if it belongs to
// an active account, and otherwise does nothing; the caller learns
// nothing either way. The only errors are a malformed address, a
// throttled request (429, counted the same for every address) and
// internal failures.
func (a *App) RequestPasswordReset(ctx context.Context, email, client string) error {
	start := time.Now()
	defer func() {
		// Answer no sooner than the floor, so a known address (a write
		// and a mail enqueued) and an unknown one take the same time.
		t := time.NewTimer(a.auth.resetFloor - time.Since(start))
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}()
	email, err := reportline.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if !a.PasswordAllowed(email) {
		return errSSOOnly
	}
	keys := []throttleKey{throttled("reset-account", email, ResetPerAccount)}
	if client != "" {
		keys = append(keys, throttled("reset-client", client, ResetPerClient))
	}
	if err := a.takeAttempts(ctx, "password reset requests", keys); err != nil {
		return err
	}
	secret, hashed := newSecret("rlr_")
	now := a.now()
	return a.store.Write(ctx, func(tx Tx) error {
		u, err := tx.UserByEmail(ctx, email)
		if reportline.IsCode(err, reportline.NotFound) || (err == nil && !u.Active()) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeletePasswordResets(ctx, u.ID, now); err != nil {
			return err
		}
		r := reportline.PasswordReset{Hash: hashed, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(PasswordResetTTL)}
		if err := tx.CreatePasswordReset(ctx, r); err != nil {
			return err
		}
		mail, err := renderPasswordReset(u, a.resetLink(secret), a.auth.publicURL != "", r.ExpiresAt)
		if err != nil {
			return err
		}
		_, err = a.Enqueue(ctx, tx, reportline.OutboxMessage{
			Key: "password_reset:" + hex.EncodeToString(hashed[:12]), Type: reportline.NotifyPasswordReset,
			Recipient: u.ID, To: u.Email, Subject: mail.Subject, Text: mail.Text, HTML: mail.HTML})
		return err
	})
}

// resetLink is the reset page's address for a secret: absolute under the
// public URL when one is configured, else a path.
func (a *App) resetLink(secret string) string {
	return a.auth.publicURL + ResetPath + "?" + url.Values{"token": {secret}}.Encode()
}

// PasswordResetFor checks a reset link's secret and returns the address
// it resets, for the page that asks for the new password.
func (a *App) PasswordResetFor(ctx context.Context, secret string) (string, error) {
	var email string
	err := a.store.Read(ctx, func(tx Tx) error {
		u, err := a.liveReset(ctx, tx, secret)
		email = u.Email
		return err
	})
	return email, err
}

// ResetPassword uses a reset link: it sets the new password, ends every
// session of the account and, when asked, revokes its API tokens. A link
// works once; expired, used or unknown links are all refused alike.
func (a *App) ResetPassword(ctx context.Context, secret, password string, revokeTokens bool) (reportline.User, error) {
	if err := checkPasswordStrength(password); err != nil {
		return reportline.User{}, err
	}
	// Check the link before spending a hash on it.
	if _, err := a.PasswordResetFor(ctx, secret); err != nil {
		return reportline.User{}, err
	}
	hash, err := a.hashNew(ctx, password)
	if err != nil {
		return reportline.User{}, err
	}
	var u reportline.User
	err = a.store.Write(ctx, func(tx Tx) error {
		if u, err = a.liveReset(ctx, tx, secret); err != nil {
			return err
		}
		if ok, err := tx.UsePasswordReset(ctx, hashSecret(secret), a.now()); err != nil || !ok {
			return cmp.Or(err, errResetLink)
		}
		return a.replacePassword(ctx, tx, UserActor(u, reportline.SourceUI), PasswordChange{User: u.ID, RevokeTokens: revokeTokens}, hash)
	})
	return u, err
}

var errResetLink error = reportline.FieldError("token", "", "this password reset link has expired or was already used; ask for a new one")

// liveReset returns the active user of an unused, unexpired reset.
func (a *App) liveReset(ctx context.Context, tx Tx, secret string) (reportline.User, error) {
	if !strings.HasPrefix(secret, "rlr_") || len(secret) > 100 {
		return reportline.User{}, errResetLink
	}
	r, err := tx.PasswordReset(ctx, hashSecret(secret))
	if reportline.IsCode(err, reportline.NotFound) || (err == nil && (!r.UsedAt.IsZero() || !a.now().Before(r.ExpiresAt))) {
		return reportline.User{}, errResetLink
	}
	if err != nil {
		return reportline.User{}, err
	}
	u, err := tx.User(ctx, r.UserID)
	if err != nil {
		return u, err
	}
	if !u.Active() {
		return u, errResetLink
	}
	return u, nil
}

// resetHTML is the reset email's HTML body; html/template escapes the name
// and the link.
var resetHTML = htmltemplate.Must(htmltemplate.New("password_reset").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Subject}}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #1f2933; line-height: 1.4;">
<p>Hello {{.Name}},</p>
<p>Someone, hopefully you, asked to reset the password of your Reportline account ({{.Email}}).</p>
{{if .Absolute}}<p><a href="{{.Link}}" style="display: inline-block; padding: 10px 16px; background: #1d4ed8; color: #ffffff; text-decoration: none; border-radius: 6px;">Choose a new password</a></p>
<p style="color: #52606d; font-size: 12px;">Or copy this address into your browser: {{.Link}}</p>
{{else}}<p>Open this address on the Reportline site you use (this server has no public address configured, so only the path is shown): <code>{{.Link}}</code></p>
{{end}}<p>The link works once, until {{.Until}} (UTC). If you did not ask for this, ignore this email: your password stays as it is.</p>
</body>
</html>
`))

// renderPasswordReset renders the reset email.
func renderPasswordReset(u reportline.User, link string, absolute bool, until time.Time) (RenderedMail, error) {
	d := struct {
		Subject, Name, Email, Link, Until string
		Absolute                          bool
	}{"Reset your Reportline password", u.Name(), u.Email, link, until.UTC().Format("2 January 2006 15:04"), absolute}
	var text strings.Builder
	fmt.Fprintf(&text, "Hello %s,\n\nSomeone, hopefully you, asked to reset the password of your Reportline account (%s).\n\n", d.Name, d.Email)
	if absolute {
		fmt.Fprintf(&text, "To choose a new password, open this link:\n\n  %s\n\n", link)
	} else {
		fmt.Fprintf(&text, "To choose a new password, open this address on the Reportline site you use\n(this server has no public address configured, so only the path is shown):\n\n  %s\n\n", link)
	}
	fmt.Fprintf(&text, "The link works once, until %s (UTC). If you did not ask for this,\nignore this email: your password stays as it is.\n", d.Until)
	var html strings.Builder
	if err := resetHTML.Execute(&html, d); err != nil {
		return RenderedMail{}, fmt.Errorf("render password reset: %w", err)
	}
	return RenderedMail{Subject: d.Subject, Text: text.String(), HTML: html.String()}, nil
}
