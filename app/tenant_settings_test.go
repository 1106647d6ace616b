package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestTenantSettings: a tenant's own time zone, language and branding,
// set by its platform admins alone, checked, recorded, and used by the mail
// rendered in that tenant while the implicit tenant keeps the
// environment's.
func TestTenantSettings(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		admin := func(tctx context.Context, role reportline.PlatformRole) app.Actor {
			t.Helper()
			u, err := w.app.CreateUser(tctx, sys, app.UserInput{Email: "pa" + string(role) + "@example.com", FirstName: "Pat", PlatformRole: role})
			if err != nil {
				t.Fatal(err)
			}
			return app.UserActor(u, reportline.SourceUI)
		}
		pa, plain := admin(w.betaCtx, reportline.PlatformAdminRole), admin(w.betaCtx, reportline.NoPlatformRole)

		v, err := w.app.TenantSettings(w.betaCtx, pa)
		if err != nil {
			t.Fatal(err)
		}
		if v.Settings.DigestTimeZone != "America/New_York" || v.Defaults.BrandName != "Reportline" || v.Defaults.DigestTimeZone != "Europe/Paris" {
			t.Errorf("beta's settings = %+v, want its zone and the product's defaults", v)
		}
		if len(v.TimeZones) < 300 || len(v.Locales) != 2 {
			t.Errorf("offered %d zones and %v languages", len(v.TimeZones), v.Locales)
		}
		if _, err := w.app.TenantSettings(w.betaCtx, plain); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a plain user reads the settings: %v, want forbidden", err)
		}
		if _, err := w.app.SetTenantSettings(w.betaCtx, plain, app.TenantSettingsChange{BrandName: ptr("Mine")}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a plain user changes the settings: %v, want forbidden", err)
		}

		for _, c := range []struct {
			name  string
			ch    app.TenantSettingsChange
			field string
		}{
			{"unknown zone", app.TenantSettingsChange{DigestTimeZone: ptr("Mars/Olympus")}, "digest_time_zone"},
			{"the host's zone", app.TenantSettingsChange{DigestTimeZone: ptr("Local")}, "digest_time_zone"},
			{"a path", app.TenantSettingsChange{DigestTimeZone: ptr("../../etc/passwd")}, "digest_time_zone"},
			{"language", app.TenantSettingsChange{DefaultLocale: ptr("de")}, "default_locale"},
			{"short colour", app.TenantSettingsChange{BrandAccent: ptr("#abc")}, "brand_accent"},
			{"colour name", app.TenantSettingsChange{BrandAccent: ptr("red")}, "brand_accent"},
			{"css injection", app.TenantSettingsChange{BrandAccent: ptr("#000000;background:url(x)")}, "brand_accent"},
			{"http logo", app.TenantSettingsChange{BrandLogoURL: ptr("http://cdn.example.com/l.png")}, "brand_logo_url"},
			{"javascript logo", app.TenantSettingsChange{BrandLogoURL: ptr("javascript:alert(1)")}, "brand_logo_url"},
			{"long name", app.TenantSettingsChange{BrandName: ptr(strings.Repeat("x", 61))}, "brand_name"},
			{"control character", app.TenantSettingsChange{BrandName: ptr("a\x00b")}, "brand_name"},
		} {
			ch := c.ch // with a valid field beside the wrong one, which must not be saved either
			if ch.BrandName == nil {
				ch.BrandName = ptr("Not saved")
			}
			_, err := w.app.SetTenantSettings(w.betaCtx, pa, ch)
			var e *reportline.Error
			if !reportline.IsCode(err, reportline.Invalid) || !errors.As(err, &e) || e.Field != c.field {
				t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
			}
		}
		if v, _ := w.app.TenantSettings(w.betaCtx, pa); v.Settings.BrandName != "" {
			t.Errorf("a refused change saved something: %+v", v.Settings)
		}

		v, err = w.app.SetTenantSettings(w.betaCtx, pa, app.TenantSettingsChange{DigestTimeZone: ptr(" Asia/Tokyo "), DefaultLocale: ptr("FR"),
			BrandName: ptr("  Beta   Learning "), BrandAccent: ptr("#0A7A3B"), BrandLogoURL: ptr("https://cdn.example.com/beta.png")})
		if err != nil {
			t.Fatal(err)
		}
		want := app.TenantSettings{DigestTimeZone: "Asia/Tokyo", DefaultLocale: "fr", BrandName: "Beta Learning", BrandAccent: "#0a7a3b", BrandLogoURL: "https://cdn.example.com/beta.png"}
		if v.Settings != want {
			t.Errorf("saved %+v, want %+v", v.Settings, want)
		}
		changes, err := w.app.Changes(w.betaCtx, pa, reportline.ChangeFilter{Action: "tenant.configure", Limit: 10})
		if err != nil || len(changes) != 1 || !strings.Contains(changes[0].After, "Beta Learning") || !strings.Contains(changes[0].Before, "America/New_York") {
			t.Errorf("change log = %+v, %v; want one entry with before and after", changes, err)
		}
		if other, _ := w.app.Changes(w.implicitCtx, sys, reportline.ChangeFilter{Action: "tenant.configure", Limit: 10}); len(other) != 0 {
			t.Errorf("the implicit tenant's log has %d entries of beta's change", len(other))
		}

		// Mail in beta: its brand, accent and language; the implicit
		// tenant's: the environment's (none here: Reportline, English).
		for _, tctx := range []context.Context{w.betaCtx, w.implicitCtx} {
			if err := w.app.RequestPasswordReset(tctx, "emp@example.com", "test"); err != nil {
				t.Fatal(err)
			}
		}
		beta := queuedIn(t, w.env.DB, w.beta, reportline.NotifyPasswordReset)
		implicit := queuedIn(t, w.env.DB, reportline.ImplicitTenant, reportline.NotifyPasswordReset)
		if len(beta) != 1 || len(implicit) != 1 {
			t.Fatalf("queued %d and %d resets, want one each", len(beta), len(implicit))
		}
		for _, s := range []string{"Beta Learning", "#0a7a3b", `lang="fr"`} {
			if !strings.Contains(beta[0].HTML, s) {
				t.Errorf("beta's reset lacks %q:\n%s", s, beta[0].HTML)
			}
		}
		if strings.Contains(implicit[0].HTML, "Beta") || !strings.Contains(implicit[0].HTML, app.DefaultAccent) || !strings.Contains(implicit[0].HTML, `lang="en"`) {
			t.Errorf("the implicit tenant's reset took beta's branding:\n%s", implicit[0].HTML)
		}
		if b := w.app.Branding(w.betaCtx); b.Name != "Beta Learning" || b.Locale != "fr" || b.LogoURL == "" {
			t.Errorf("Branding(beta) = %+v", b)
		}

		// Clearing a setting brings the default back.
		if v, err = w.app.SetTenantSettings(w.betaCtx, pa, app.TenantSettingsChange{BrandName: ptr("")}); err != nil || v.Settings.BrandName != "" {
			t.Fatalf("clear: %+v, %v", v.Settings, err)
		}
		if b := w.app.Branding(w.betaCtx); b.Name != "Reportline" {
			t.Errorf("after clearing, Branding(beta).Name = %q, want Reportline", b.Name)
		}
	})
}

// TestTenantSettingsEnvironmentDefaults: the environment's branding and
// language are the implicit tenant's defaults only.
func TestTenantSettingsEnvironmentDefaults(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		a := app.New(app.Adapt(w.env.DB.Read, w.env.DB.Write, w.env.DB.Ping), app.Config{Brand: app.MailBrand{Name: "Acme Academy", Accent: "#112233"}, DefaultLocale: "fr-CA"})
		if b := a.Branding(w.implicitCtx); b.Name != "Acme Academy" || b.Accent != "#112233" || b.Locale != "fr" {
			t.Errorf("implicit tenant's branding = %+v, want the environment's", b)
		}
		if b := a.Branding(w.betaCtx); b.Name != "Reportline" || b.Accent != app.DefaultAccent || b.Locale != "en" {
			t.Errorf("beta's branding = %+v, want the product's defaults", b)
		}
	})
}
