package ui

import (
	"net/http"
	"net/url"

	"reportline/i18n"
)

// The frame of every settings page (templates/layout/settings.html): the
// crumbs, the settings menu, the heading and the alerts; Settings →
// Organisation's pages show its tabs above their heading. Each page's
// template is only its body.

// settingsTab is one tab of a settings section.
type settingsTab struct {
	ID      string // "cover": the link's id is tab-cover
	Href    string
	Label   string
	Current bool
	// Menu is the settings menu's entry the tab's pages light, where the
	// menu has one of their own; "" for Organisation.
	Menu string
}

// crumb is a step of the crumbs between the section and the page.
type crumb struct{ Href, Label string }

// orgTabs are Settings → Organisation's tabs, in order. A tab shows only
// when its page is served (tabsServed).
func orgTabs(l *i18n.Localizer) []settingsTab {
	return []settingsTab{
		{ID: "organisation", Href: "/settings/organisation", Label: l.T("settings.tab.organisation", nil)},
		{ID: "sign-in", Href: "/settings/organisation/sign-in", Label: l.T("settings.tab.sign_in", nil), Menu: "sign-in"},
		{ID: "directory", Href: "/settings/sources", Label: l.T("settings.tab.directory", nil), Menu: "sources"},
		{ID: "cover", Href: "/settings/cover", Label: l.T("settings.tab.cover", nil)},
		{ID: "webhooks", Href: "/settings/webhooks", Label: l.T("settings.tab.webhooks", nil)},
	}
}

// servedTabs notes which of the tabs' addresses mux serves (a page of its
// own, not the catch-all "not found"). Register calls it last.
func servedTabs(mux *http.ServeMux) map[string]bool {
	served := map[string]bool{}
	for _, t := range orgTabs(i18n.For("en")) {
		_, pattern := mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: t.Href}})
		served[t.Href] = pattern != "" && pattern != "/"
	}
	return served
}

// orgSettingsBase builds a page of Settings → Organisation: the settings
// layout, the tabs with tab current, and the sidebar's entry of the tab
// (Organisation for the tabs the menu does not list).
func (u *UI) orgSettingsBase(r *http.Request, v viewer, title, tab string) (settingsPage, error) {
	l := u.loc(r)
	tabs, menu := orgTabs(l), "organisation"
	for _, t := range tabs {
		if t.ID == tab && t.Menu != "" {
			menu = t.Menu
		}
	}
	s, err := u.settingsBase(r, v, title, menu)
	if err != nil {
		return s, err
	}
	for _, t := range tabs {
		if u.tabsServed != nil && !u.tabsServed[t.Href] {
			continue
		}
		t.Current = t.ID == tab
		s.Tabs = append(s.Tabs, t)
	}
	return s, nil
}
