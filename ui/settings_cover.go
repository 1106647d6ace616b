package ui

import (
	"net/http"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// registerSettingsCover adds Settings → Organisation → Cover & leavers:
// the settings cover.notify and leaver.sync (docs/absences.md), through
// App.CoverSettings and SetCoverSettings (which call SetCoverNotify and
// SetLeaverSync: policy settings.change, recorded).
func (u *UI) registerSettingsCover(mux *http.ServeMux) {
	mux.Handle("GET /settings/cover", u.signedIn(u.settingsCover))
	mux.Handle("POST /settings/cover", u.signedIn(u.saveSettingsCover))
}

// coverPage is the page: Saved is what applies now, Form what the radio
// buttons show (Saved, or what was posted when refused).
type coverPage struct {
	settingsPage
	Saved, Form app.CoverSettings
	NowCover    string // Saved.CoverNotify in plain words
	NowLeaver   string // Saved.LeaverSync in plain words
}

func (u *UI) coverPage(r *http.Request, v viewer) (*coverPage, error) {
	ctx := r.Context()
	l := u.loc(r)
	saved, err := u.app.CoverSettings(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	p := &coverPage{Saved: saved, Form: saved}
	if p.settingsPage, err = u.orgSettingsBase(r, v, l.T("settings.tab.cover", nil), "cover"); err != nil {
		return nil, err
	}
	p.NowCover = l.T("cover.now.with", nil)
	if saved.CoverNotify == reportline.CoverNotifyInstead {
		p.NowCover = l.T("cover.now.instead", nil)
	}
	p.NowLeaver = l.T("cover.now.flag", nil)
	if saved.LeaverSync == reportline.LeaverToManager {
		p.NowLeaver = l.T("cover.now.manager", nil)
	}
	return p, nil
}

func (u *UI) settingsCover(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.coverPage(r, v)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") == "1" {
		p.Flash = u.loc(r).T("cover.saved", nil)
	}
	u.render(w, r, http.StatusOK, "settings_cover", p)
	return nil
}

func (u *UI) saveSettingsCover(w http.ResponseWriter, r *http.Request, v viewer) error {
	f := app.CoverSettings{CoverNotify: reportline.CoverNotify(r.PostForm.Get("cover_notify")),
		LeaverSync: reportline.LeaverChoice(r.PostForm.Get("leaver_sync"))}
	err := u.app.SetCoverSettings(r.Context(), v.Actor, f)
	if err == nil {
		seeOther(w, r, "/settings/cover?saved=1")
		return nil
	}
	if reportline.ErrorCode(err) != reportline.Invalid {
		return err
	}
	p, perr := u.coverPage(r, v)
	if perr != nil {
		return perr
	}
	p.Form = f
	p.Problem = problemOf(u.loc(r), err)
	p.Problem.Title = u.loc(r).T("settings.not_saved", nil)
	u.render(w, r, web.Status(reportline.Invalid), "settings_cover", p)
	return nil
}
