package ui

import (
	"context"
	"net/http"
	"net/url"

	"reportline/i18n"
)

// The frame of a settings section with tabs (templates/layout/settings.html):
// Settings → Organisation's pages show its tabs above their heading, and
// each page's template is only its body.

// settingsTab is one tab of a settings section.
type settingsTab struct {
	ID      string // "cover": the link's id is tab-cover
	Href    string
	Label   string
	Current bool
}

// crumb is a step of the crumbs between the section and the page.
type crumb struct{ Href, Label string }

// orgTabs are Settings → Organisation's tabs, in order. A tab shows only
// when its page is served (tabsServed): Sign-in and Directory are other
// pages' to add at these addresses.
func orgTabs(l *i18n.Localizer) []settingsTab {
	return []settingsTab{
		{ID: "organisation", Href: "/settings/organisation", Label: l.T("settings.tab.organisation", nil)},
		{ID: "sign-in", Href: "/settings/organisation/sign-in", Label: l.T("settings.tab.sign_in", nil)},
		{ID: "directory", Href: "/settings/sources", Label: l.T("settings.tab.directory", nil)},
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
// layout, the sidebar's Organisation entry current, and the tabs with tab
// current.
func (u *UI) orgSettingsBase(ctx context.Context, r *http.Request, v viewer, title, tab string) (settingsPage, error) {
	s, err := u.settingsBase(ctx, v, title, "organisation")
	if err != nil {
		return s, err
	}
	l := u.loc(r)
	s.SectionName = l.T("settings.organisation", nil)
	for _, t := range orgTabs(l) {
		if u.tabsServed != nil && !u.tabsServed[t.Href] {
			continue
		}
		t.Current = t.ID == tab
		s.Tabs = append(s.Tabs, t)
	}
	return s, nil
}
