package ui

import (
	"net/http"

	"reportline"
	"reportline/app"
	"reportline/policy"
)

// registerDigest adds the viewer's notification choices (with a preview of
// their weekly digest) and the weekly digest settings of platform admins.
func (u *UI) registerDigest(mux *http.ServeMux) {
	mux.Handle("GET /notifications", u.signedIn(u.notifications))
	mux.Handle("POST /notifications", u.signedIn(u.saveNotifications))
	mux.Handle("GET /settings/digest", u.signedIn(u.digestSettings))
	mux.Handle("POST /settings/digest", u.signedIn(u.saveDigestSettings))
}

// notificationsPage is "My notifications": which emails the viewer gets,
// and their weekly digest as it would be sent now.
type notificationsPage struct {
	page
	Flash   string
	Prefs   []app.NotificationPreference
	Preview *app.DigestPreview // nil for someone who manages nobody
}

func (u *UI) notifications(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	prefs, err := u.app.NotificationPreferences(ctx, v.Actor, v.User.ID)
	if err != nil {
		return err
	}
	p := notificationsPage{Prefs: prefs}
	if p.page, err = u.base(ctx, v, u.loc(r).T("nav.notifications", nil), 0); err != nil {
		return err
	}
	p.Here = "notifications"
	preview, err := u.app.PreviewDigest(ctx, v.Actor, v.User.ID, reportline.ISOWeek{})
	if err != nil {
		return err
	}
	if preview.Members > 0 {
		p.Preview = &preview
	}
	if r.URL.Query().Get("saved") == "1" {
		p.Flash = u.loc(r).T("my_notifications.saved", nil)
	}
	u.render(w, r, http.StatusOK, "digest_notifications", p)
	return nil
}

// saveNotifications turns each notification on when its box is ticked.
func (u *UI) saveNotifications(w http.ResponseWriter, r *http.Request, v viewer) error {
	on := map[string]bool{}
	for _, t := range r.PostForm["receive"] {
		on[t] = true
	}
	prefs, err := u.app.NotificationPreferences(r.Context(), v.Actor, v.User.ID)
	if err != nil {
		return err
	}
	for _, p := range prefs {
		t := p.Notification.Type
		if err := u.app.SetNotificationPreference(r.Context(), v.Actor, v.User.ID, t, on[string(t)]); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/notifications?saved=1", http.StatusSeeOther)
	return nil
}

// digestSettingsPage is Settings → Notifications → Weekly digest.
type digestSettingsPage struct {
	settingsPage
	CanSave  bool
	Settings app.DigestSettings
	Runs     []reportline.ScheduledRun
}

func (u *UI) digestSettings(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	s, err := u.app.DigestSettings(ctx, v.Actor)
	if err != nil {
		return err
	}
	p := digestSettingsPage{Settings: s, CanSave: u.may(r, v, policy.ChangeSettings)}
	if p.CanSave {
		if p.Runs, err = u.app.DigestRuns(ctx, v.Actor, 10); err != nil {
			return err
		}
	}
	if p.settingsPage, err = u.settingsBase(r, v, u.loc(r).T("settings.digest", nil), "digest"); err != nil {
		return err
	}
	if r.URL.Query().Get("saved") == "1" {
		p.Flash = u.loc(r).T("digest.saved", nil)
	}
	u.render(w, r, http.StatusOK, "digest_settings", p)
	return nil
}

func (u *UI) saveDigestSettings(w http.ResponseWriter, r *http.Request, v viewer) error {
	s := app.DigestSettings{SkipEmpty: r.PostForm.Get("skip_empty") == "1"}
	if _, err := u.app.SetDigestSettings(r.Context(), v.Actor, s); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/digest?saved=1", http.StatusSeeOther)
	return nil
}
