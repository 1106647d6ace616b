package app

import (
	"cmp"
	"context"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"reportline"
	"reportline/usecase"
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
	rule, err := a.passwordRule(ctx)
	if err != nil {
		return err
	}
	if !rule.allowsReset(email) {
		return errSSOOnly
	}
	keys := []throttleKey{throttled("reset-account", email, ResetPerAccount)}
	if client != "" {
		keys = append(keys, throttled("reset-client", client, ResetPerClient))
	}
	if err := a.takeAttempts(ctx, "password reset requests", keys); err != nil {
		return err
	}
	secret, hashed := usecase.NewSecret("rlr_")
	now := a.now()
	base, br := a.publicURL(ctx), a.branding(ctx)
	return a.passwordResetStore().Write(ctx, func(tx passwordResetTx) error {
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
		mail, err := a.renderPasswordReset(u, base, br, a.resetLink(base, secret), r.ExpiresAt)
		if err != nil {
			return err
		}
		_, err = a.Enqueue(ctx, tx, reportline.OutboxMessage{
			Key: "password_reset:" + hex.EncodeToString(hashed[:12]), Type: reportline.NotifyPasswordReset,
			Recipient: u.ID, To: u.Email, Subject: mail.Subject, Text: mail.Text, HTML: mail.HTML})
		return err
	})
}

// resetLink is the reset page's address for a secret: absolute under base,
// the tenant's public URL, when there is one, else a path.
func (a *App) resetLink(base, secret string) string {
	return base + ResetPath + "?" + url.Values{"token": {secret}}.Encode()
}

// PasswordResetFor checks a reset link's secret and returns the address
// it resets, for the page that asks for the new password.
func (a *App) PasswordResetFor(ctx context.Context, secret string) (string, error) {
	var email string
	err := a.passwordResetStore().Read(ctx, func(tx passwordResetTx) error {
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
	err = a.passwordResetStore().Write(ctx, func(tx passwordResetTx) error {
		if u, err = a.liveReset(ctx, tx, secret); err != nil {
			return err
		}
		if ok, err := tx.UsePasswordReset(ctx, usecase.HashSecret(secret), a.now()); err != nil || !ok {
			return cmp.Or(err, errResetLink)
		}
		return a.replacePassword(ctx, tx, UserActor(u, reportline.SourceUI), PasswordChange{User: u.ID, RevokeTokens: revokeTokens}, hash)
	})
	return u, err
}

var errResetLink error = reportline.FieldError("token", "", "this password reset link has expired or was already used; ask for a new one")

// liveReset returns the active user of an unused, unexpired reset.
func (a *App) liveReset(ctx context.Context, tx passwordResetTx, secret string) (reportline.User, error) {
	if !strings.HasPrefix(secret, "rlr_") || len(secret) > 100 {
		return reportline.User{}, errResetLink
	}
	r, err := tx.PasswordReset(ctx, usecase.HashSecret(secret))
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

// renderPasswordReset renders the reset email in the user's language.
// base is the public URL of u's tenant: the link is absolute when it is
// not "".
func (a *App) renderPasswordReset(u reportline.User, base string, br reportline.Branding, link string, until time.Time) (RenderedMail, error) {
	absolute := base != ""
	n, l := noticeAt(u, base, br)
	d := map[string]any{"Brand": n.BrandName, "Email": u.Email, "Link": link, "Until": l.DateTime(until.UTC())}
	n.Subject = l.T("password_reset.subject", d)
	n.Paras = append(n.Paras, l.T("password_reset.body", d))
	n.Button, n.URL = "", ""
	if absolute {
		n.Button, n.URL = l.T("password_reset.button", d), link
	} else {
		n.Paras = append(n.Paras, l.T("password_reset.path", d))
		n.Code = link
	}
	n.Footer = append(n.Footer, l.T("password_reset.until", d))
	return n.Render()
}
