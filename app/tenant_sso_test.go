package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/store"
)

func keyring(t *testing.T, cur string, old ...string) *secret.Keyring {
	t.Helper()
	k, err := secret.FromEnv(func(v string) string {
		switch v {
		case secret.EnvKey:
			return cur
		case secret.EnvOldKeys:
			return strings.Join(old, ",")
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func b64key(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

// TestTenantOIDCSecrets: a tenant's OpenID provider with its client secret
// sealed at rest: refused without a key (naming the variable), never in
// the clear in the database, an answer, the change log or the logs; a
// sealed value copied to another tenant does not open; a rotated key still
// opens old values and seals new ones under the new key.
func TestTenantOIDCSecrets(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		var logs bytes.Buffer
		newApp := func(k *secret.Keyring) *app.App {
			return app.New(app.Adapt(w.env.DB.Read, w.env.DB.Write, w.env.DB.Ping), app.Config{Now: w.env.Now.Now,
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Secrets: k})
		}
		const plain = "s3cr3t-client-value"
		sec := secret.Value(plain)
		change := app.TenantOIDCChange{Issuer: ptr("https://idp.beta.example/"), ClientID: ptr("reportline"),
			Scopes: &[]string{"email", "profile"}, ClientSecret: &sec}

		noKey := newApp(nil)
		_, err := noKey.SetTenantOIDC(w.betaCtx, sys, change)
		if !reportline.IsCode(err, reportline.Invalid) || !strings.Contains(err.Error(), secret.EnvKey) {
			t.Fatalf("without a key: %v, want invalid naming %s", err, secret.EnvKey)
		}
		if o, _ := noKey.TenantOIDC(w.betaCtx, sys); o.Issuer != "" {
			t.Errorf("a refused change saved the issuer: %+v", o)
		}
		if _, err := noKey.SetTenantOIDC(w.implicitCtx, sys, app.TenantOIDCChange{ClientID: ptr("x")}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("the implicit tenant's provider (the environment's): %v, want invalid", err)
		}

		old := newApp(keyring(t, "2026:"+b64key(1)))
		o, err := old.SetTenantOIDC(w.betaCtx, sys, change)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Enabled() || !o.SecretSet || o.SecretKeyID != "2026" || o.ClientSecret.Reveal() != "" || o.Issuer != "https://idp.beta.example/" {
			t.Errorf("view = %+v, want the secret as set under 2026, not shown", o)
		}
		p, err := old.TenantOIDCProvider(w.betaCtx)
		if err != nil || p.ClientSecret.Reveal() != plain || p.ClientID != "reportline" || strings.Join(p.Scopes, " ") != "email profile" {
			t.Fatalf("provider = %+v, %v", p, err)
		}
		var sealed reportline.SealedSecret
		if err := w.env.DB.Tenant(w.beta).Read(context.Background(), func(tx *store.Tx) error {
			var err error
			sealed, err = tx.Secret(context.Background(), "sso.oidc.client_secret")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(sealed.Box, []byte(plain)) || sealed.KeyID != "2026" {
			t.Errorf("stored %+v: in the clear or under the wrong key", sealed)
		}
		changes, err := old.Changes(w.betaCtx, sys, reportline.ChangeFilter{Action: "tenant.configure", Limit: 5})
		if err != nil || len(changes) != 1 || !strings.Contains(changes[0].After, `"sso.oidc.client_secret":"set"`) {
			t.Errorf("change log = %+v, %v", changes, err)
		}

		// Copied into gamma (which is suspended but still a tenant), it
		// does not open: the seal names beta.
		if err := w.env.DB.Tenant(w.gamma).Write(context.Background(), func(tx *store.Tx) error {
			return tx.PutSecret(context.Background(), sealed)
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := old.TenantOIDCProvider(w.gammaCtx); !errors.Is(err, secret.ErrNotOpened) {
			t.Errorf("beta's secret in gamma: %v, want ErrNotOpened", err)
		}

		// Rotation: the old key moves to REPORTLINE_SECRET_KEYS.
		rotated := newApp(keyring(t, "2027:"+b64key(2), "2026:"+b64key(1)))
		if p, err := rotated.TenantOIDCProvider(w.betaCtx); err != nil || p.ClientSecret.Reveal() != plain {
			t.Fatalf("after rotation: %+v, %v", p, err)
		}
		if o, err := rotated.SetTenantOIDC(w.betaCtx, sys, app.TenantOIDCChange{ClientSecret: &sec}); err != nil || o.SecretKeyID != "2027" {
			t.Errorf("saved again: %+v, %v; want sealed under 2027", o, err)
		}
		if p, err := newApp(keyring(t, "2027:"+b64key(2))).TenantOIDCProvider(w.betaCtx); err != nil || p.ClientSecret.Reveal() != plain {
			t.Errorf("with the old key dropped: %+v, %v", p, err)
		}
		if strings.Contains(logs.String(), plain) {
			t.Errorf("the logs show the secret:\n%s", logs.String())
		}

		// Removing the secret.
		empty := secret.Value("")
		if o, err := rotated.SetTenantOIDC(w.betaCtx, sys, app.TenantOIDCChange{ClientSecret: &empty}); err != nil || o.SecretSet {
			t.Errorf("removed: %+v, %v", o, err)
		}
		for _, c := range []app.TenantOIDCChange{
			{Issuer: ptr("http://idp.example")}, {Issuer: ptr("https://idp.example/?x=1")}, {ClientID: ptr("two words")},
			{Scopes: &[]string{`"quoted"`}}, {EmailClaim: ptr("e mail")}, {Label: ptr(strings.Repeat("x", 81))},
		} {
			if _, err := rotated.SetTenantOIDC(w.betaCtx, sys, c); !reportline.IsCode(err, reportline.Invalid) {
				t.Errorf("%+v: %v, want invalid", c, err)
			}
		}
	})
}
