package app

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // every IANA zone validates, whatever the host has installed

	"reportline"
	"reportline/digest"
	"reportline/i18n"
	"reportline/policy"
	"reportline/usecase"
)

// A tenant's own settings (docs/tenants.md, "Built: step 3, part 2"): the
// digest's time zone, the language of emails to people whose profile names
// none, and the branding of its emails. They live in the tenant's
// settings table; a setting the tenant did not set takes the default, which
// for the implicit tenant is the environment's (REPORTLINE_DEFAULT_LOCALE,
// REPORTLINE_MAIL_BRAND, _ACCENT, _LOGO_URL) and for another tenant the
// product's own: the environment belongs to the implicit tenant, as its
// LDAP, Graph, SMTP and SSO settings do.

// The settings keys (the time zone is digest.SettingTimeZone).
const (
	settingDefaultLocale = "default_locale"
	settingBrandName     = "brand_name"
	settingBrandAccent   = "brand_accent"
	settingBrandLogoURL  = "brand_logo_url"
)

// TenantSettings are a tenant's own settings; "" is "not set".
type TenantSettings struct {
	DigestTimeZone string // an IANA name; Europe/Paris when not set
	DefaultLocale  string // "en" or "fr"
	BrandName      string // at most 60 bytes, one line
	BrandAccent    string // #rrggbb
	BrandLogoURL   string // https only
}

// TenantSettingsView is what Settings → Organisation shows: the tenant's
// own settings, what applies where one is not set, and the time zones to
// offer.
type TenantSettingsView struct {
	Settings  TenantSettings
	Defaults  TenantSettings
	TimeZones []string
	Locales   []string
}

// TenantSettingsChange changes the fields that are not nil; a pointer to
// "" removes the tenant's own setting, so the default applies again.
type TenantSettingsChange struct {
	DigestTimeZone, DefaultLocale, BrandName, BrandAccent, BrandLogoURL *string
}

// tenantSettingKeys pairs each field with its settings key, in the order
// the change record lists them.
func tenantSettingKeys(s *TenantSettings) []struct {
	key string
	v   *string
} {
	return []struct {
		key string
		v   *string
	}{{digest.SettingTimeZone, &s.DigestTimeZone}, {settingDefaultLocale, &s.DefaultLocale},
		{settingBrandName, &s.BrandName}, {settingBrandAccent, &s.BrandAccent}, {settingBrandLogoURL, &s.BrandLogoURL}}
}

// readTenantSettings reads the context's tenant's own settings.
func readTenantSettings(ctx context.Context, tx tenantTx) (TenantSettings, error) {
	var s TenantSettings
	for _, f := range tenantSettingKeys(&s) {
		v, err := tx.Setting(ctx, f.key)
		if err != nil && !reportline.IsCode(err, reportline.NotFound) {
			return s, fmt.Errorf("read the setting %s: %w", f.key, err)
		}
		*f.v = v
	}
	return s, nil
}

// tenantDefaults is what applies where the context's tenant set nothing.
func (a *App) tenantDefaults(ctx context.Context) TenantSettings {
	d := TenantSettings{DigestTimeZone: "Europe/Paris", DefaultLocale: i18n.Default, BrandName: "Reportline", BrandAccent: DefaultAccent}
	if id, ok := reportline.TenantOf(ctx); !ok || id == reportline.ImplicitTenant {
		env := a.brand.Normalized()
		d.BrandName, d.BrandAccent, d.BrandLogoURL = env.Name, env.Accent, env.LogoURL
		if a.locale != "" {
			d.DefaultLocale = i18n.For(a.locale).Lang()
		}
	}
	return d
}

// TenantSettings returns the context's tenant's settings; platform admins
// of the tenant only (policy tenant.configure).
func (a *App) TenantSettings(ctx context.Context, actor Actor) (TenantSettingsView, error) {
	if err := usecase.AuthorizeActor(actor, policy.ConfigureTenant); err != nil {
		return TenantSettingsView{}, err
	}
	v := TenantSettingsView{Defaults: a.tenantDefaults(ctx), TimeZones: timeZoneNames, Locales: i18n.Languages}
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		v.Settings, err = readTenantSettings(ctx, tx)
		return err
	})
	return v, err
}

// SetTenantSettings changes the context's tenant's settings; platform
// admins of the tenant only, every field checked before anything is
// written, one change-log entry with the fields before and after. Mail
// rendered from then on uses them; the digest's zone applies from its
// next tick.
func (a *App) SetTenantSettings(ctx context.Context, actor Actor, c TenantSettingsChange) (TenantSettingsView, error) {
	if err := c.normalize(); err != nil {
		return TenantSettingsView{}, err
	}
	err := a.tenantStore().Write(ctx, func(tx tenantTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ConfigureTenant, policy.Target{}); err != nil {
			return err
		}
		old, err := readTenantSettings(ctx, tx)
		if err != nil {
			return err
		}
		next := old
		ch := c.fields()
		before, after := map[string]string{}, map[string]string{}
		for i, f := range tenantSettingKeys(&next) {
			if ch[i] == nil || *ch[i] == *f.v {
				continue
			}
			before[f.key], after[f.key] = *f.v, *ch[i]
			*f.v = *ch[i]
			if err := tx.PutSetting(ctx, f.key, *f.v); err != nil {
				return err
			}
		}
		if len(after) == 0 {
			return nil
		}
		a.forgetBranding(ctx)
		a.log.InfoContext(ctx, "tenant settings changed", "actor_id", actor.ID(), "settings", slices.Sorted(maps.Keys(after)))
		return a.record(ctx, tx, actor, policy.ConfigureTenant, reportline.Change{What: "tenant settings",
			Before: usecase.JSON(before), After: usecase.JSON(after)})
	})
	if err != nil {
		return TenantSettingsView{}, err
	}
	a.forgetBranding(ctx)
	return a.TenantSettings(ctx, actor)
}

// fields lists the change's fields in tenantSettingKeys' order.
func (c *TenantSettingsChange) fields() []*string {
	return []*string{c.DigestTimeZone, c.DefaultLocale, c.BrandName, c.BrandAccent, c.BrandLogoURL}
}

var accentColour = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// normalize trims the fields and checks them, naming the first wrong one.
func (c *TenantSettingsChange) normalize() error {
	trim := func(p *string) {
		if p != nil {
			*p = strings.TrimSpace(*p)
		}
	}
	for _, p := range c.fields() {
		trim(p)
	}
	if p := c.DigestTimeZone; p != nil && *p != "" {
		if *p == "Local" || strings.ContainsAny(*p, " \\") || strings.HasPrefix(*p, "/") {
			return reportline.FieldError("digest_time_zone", *p, "the time zone must be an IANA name such as Europe/Paris or America/New_York")
		}
		if _, err := time.LoadLocation(*p); err != nil {
			return reportline.FieldError("digest_time_zone", *p, "the time zone %q is not an IANA name known here (such as Europe/Paris or America/New_York)", *p)
		}
	}
	if p := c.DefaultLocale; p != nil && *p != "" {
		*p = strings.ToLower(*p)
		if !slices.Contains(i18n.Languages, *p) {
			return reportline.FieldError("default_locale", *p, "the language must be one of %s", strings.Join(i18n.Languages, ", "))
		}
	}
	if p := c.BrandName; p != nil {
		*p = strings.Join(strings.Fields(*p), " ")
		if len(*p) > 60 {
			return reportline.FieldError("brand_name", *p, "the brand name heads every email: at most 60 bytes, %d given", len(*p))
		}
		if err := reportline.CheckText("brand_name", *p); err != nil {
			return err
		}
	}
	if p := c.BrandAccent; p != nil && *p != "" {
		*p = strings.ToLower(*p)
		if !accentColour.MatchString(*p) {
			return reportline.FieldError("brand_accent", *p, "the accent colour must be #rrggbb (six hexadecimal digits), such as #1d4ed8")
		}
	}
	if p := c.BrandLogoURL; p != nil && *p != "" {
		u, err := url.Parse(*p)
		switch {
		case len(*p) > 2000:
			return reportline.FieldError("brand_logo_url", (*p)[:40]+"…", "the logo's address is too long (at most 2000 bytes)")
		case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil:
			return reportline.FieldError("brand_logo_url", *p, "the logo's address must be an https URL without a user name, such as https://cdn.example.com/logo.png")
		}
	}
	return nil
}

// branding is how the context's tenant's emails look and speak: its own
// settings, else the defaults (tenantDefaults). It is read at most once
// per brandingTTL per tenant and forgotten at once when this replica
// changes it; on a read error the defaults apply and the error is logged,
// so that a mail is never lost to its decoration.
//
// The digest (being moved to its own package) should take its Brand and
// DefaultLocale from here rather than from Config: MailBrandOf(a.Branding(ctx)).
func (a *App) branding(ctx context.Context) reportline.Branding {
	id, ok := reportline.TenantOf(ctx)
	if !ok {
		id = reportline.ImplicitTenant
	}
	now := a.now()
	a.brands.mu.Lock()
	c, hit := a.brands.m[id]
	a.brands.mu.Unlock()
	if hit && now.Sub(c.at) < brandingTTL && now.Sub(c.at) >= 0 {
		return c.b
	}
	var s TenantSettings
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		s, err = readTenantSettings(ctx, tx)
		return err
	})
	if err != nil {
		a.log.WarnContext(ctx, "read the tenant's branding, using the defaults", "tenant", id, "err", err)
	}
	d := a.tenantDefaults(ctx)
	b := reportline.Branding{Name: cmp.Or(s.BrandName, d.BrandName), Accent: cmp.Or(s.BrandAccent, d.BrandAccent),
		LogoURL: cmp.Or(s.BrandLogoURL, d.BrandLogoURL), Locale: cmp.Or(s.DefaultLocale, d.DefaultLocale)}
	if err == nil {
		a.brands.mu.Lock()
		if a.brands.m == nil {
			a.brands.m = map[reportline.TenantID]brandEntry{}
		}
		a.brands.m[id] = brandEntry{b, now}
		a.brands.mu.Unlock()
	}
	return b
}

// Branding is branding for callers outside this package: the context's
// tenant's email brand and default language.
func (a *App) Branding(ctx context.Context) reportline.Branding { return a.branding(ctx) }

// MailBrandOf is the brand a tenant's emails are rendered under.
func MailBrandOf(b reportline.Branding) MailBrand {
	return MailBrand{Name: b.Name, Accent: b.Accent, LogoURL: b.LogoURL}.Normalized()
}

// brandingTTL bounds how long another replica's change takes to show in
// this replica's mail.
const brandingTTL = 5 * time.Second

type brandEntry struct {
	b  reportline.Branding
	at time.Time
}

type brandCache struct {
	mu sync.Mutex
	m  map[reportline.TenantID]brandEntry
}

func (a *App) forgetBranding(ctx context.Context) {
	id, ok := reportline.TenantOf(ctx)
	if !ok {
		id = reportline.ImplicitTenant
	}
	a.brands.mu.Lock()
	delete(a.brands.m, id)
	a.brands.mu.Unlock()
}

// envBranding is the implicit tenant's branding from the environment
// alone, read from nothing: the golden samples of every email.
func (a *App) envBranding() reportline.Branding {
	d := a.tenantDefaults(context.Background())
	return reportline.Branding{Name: d.BrandName, Accent: d.BrandAccent, LogoURL: d.BrandLogoURL, Locale: d.DefaultLocale}
}
