package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestTenantSettingsPage: platform admins set the organisation's time
// zone, language and branding; a wrong field shows the page again with the
// reason and what was typed; group admins neither read nor post it.
func TestTenantSettingsPage(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		if r := ada.get("/settings/organisation"); r.Status != http.StatusForbidden {
			t.Errorf("a group admin reads the organisation's settings: %d, want 403", r.Status)
		}
		if r := ada.post("/settings/organisation", url.Values{"brand_name": {"Mine"}}); r.Status != http.StatusForbidden {
			t.Errorf("a group admin's save: %d, want 403", r.Status)
		}
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r := root.get("/settings/organisation")
		checkHTML(t, "/settings/organisation", r.Body)
		has(t, r.Body, `id="settings-organisation" aria-current="page"`, `<datalist id="time-zones">`, `<option value="America/New_York">`,
			`placeholder="Europe/Paris"`, `id="tenant-save"`)

		form := url.Values{"digest_time_zone": {"America/Nowhere"}, "default_locale": {"fr"}, "brand_name": {"Acme Learning"},
			"brand_accent": {"#0a7a3b"}, "brand_logo_url": {""}}
		r = root.post("/settings/organisation", form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a wrong zone: %d, want 422", r.Status)
		}
		has(t, r.Body, `id="problem"`, "America/Nowhere", `value="Acme Learning"`)
		form.Set("digest_time_zone", "America/New_York")
		if r = root.post("/settings/organisation", form); r.Status != http.StatusSeeOther || r.Location() != "/settings/organisation?saved=1" {
			t.Fatalf("save: %d %s", r.Status, r.Location())
		}
		has(t, root.get("/settings/organisation?saved=1").Body, `id="flash"`, `value="America/New_York"`, `value="Acme Learning"`, `<option value="fr" selected>`)
		b := w.env.App.Branding(context.Background())
		if b.Name != "Acme Learning" || b.Accent != "#0a7a3b" || b.Locale != "fr" {
			t.Errorf("Branding after saving = %+v", b)
		}
	})
}

// TestBrowserTenantSettings: in a real browser at a phone's width, a
// platform admin picks a time zone and an accent colour; the page fits.
func TestBrowserTenantSettings(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "root@acme.test")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(w.url+"/settings/organisation"),
			chromedp.SendKeys(chromedp.CSS("#digest-time-zone"), "Asia/Tokyo"), chromedp.SendKeys(chromedp.CSS("#brand-accent"), "#7a1f0a")); err != nil {
			t.Fatal(err)
		}
		scroll, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if scroll > 0 {
			t.Errorf("at 390 px the page is %d px wider than the screen: it scrolls sideways", scroll)
		}
		browser.Screenshot(t, ctx, "tenant-settings-390")
		click(t, ctx, "#tenant-save")
		if flash := texts(t, ctx, "#flash"); len(flash) != 1 || !strings.Contains(flash[0], "saved") {
			t.Errorf("flash = %q", flash)
		}
		v, err := w.env.App.TenantSettings(context.Background(), app.SystemActor(reportline.SourceUI))
		if err != nil || v.Settings.DigestTimeZone != "Asia/Tokyo" || v.Settings.BrandAccent != "#7a1f0a" {
			t.Errorf("after saving: %+v, %v", v.Settings, err)
		}
	})
}

// TestOperatorAccessControl: on Settings → Organisation a platform admin
// lets the operator see the people for some hours (1 to 72: 0 is refused
// with the reason), sees until when and by whom, and ends it; a group
// admin may not.
func TestOperatorAccessControl(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		if r := ada.post("/settings/organisation/operator-access", url.Values{"hours": {"4"}}); r.Status != http.StatusForbidden {
			t.Errorf("a group admin's grant: %d, want 403", r.Status)
		}
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r := root.get("/settings/organisation")
		has(t, r.Body, `id="operator-access-state"`, "The operator cannot see your people.", `id="operator-grant"`)
		if strings.Contains(r.Body, `id="operator-revoke"`) {
			t.Error("a revoke button without a grant")
		}
		r = root.post("/settings/organisation/operator-access", url.Values{"hours": {"0"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("0 hours: %d, want 422", r.Status)
		}
		has(t, r.Body, `id="problem"`, "1 to 72")
		if r = root.post("/settings/organisation/operator-access", url.Values{"hours": {"6"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("grant: %d", r.Status)
		}
		r = root.get(r.Location())
		checkHTML(t, "/settings/organisation", r.Body)
		has(t, r.Body, `id="flash"`, "The operator may list your people until", "root@acme.test", `id="operator-revoke"`)
		if r = root.post("/settings/organisation/operator-access", url.Values{"revoke": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.Status)
		}
		has(t, root.get(r.Location()).Body, "The operator can no longer see your people.", "The operator cannot see your people.")
	})
}
