package api

import (
	"net/http"
	"time"

	"reportline"
	"reportline/app"
)

// digestRoutes are the weekly digest's settings, runs and preview, and each
// user's choice of notifications.
func (api *API) digestRoutes() []route {
	return []route{
		{id: "listNotificationPreferences", method: "GET", path: "/api/v1/users/{id}/notification-preferences", tag: "digest", summary: "Which notifications the user receives (the user or a platform admin)",
			response: NotificationPreferences{}, status: http.StatusOK, handler: api.getPreferences},
		{id: "setNotificationPreference", method: "PUT", path: "/api/v1/users/{id}/notification-preferences/{type}", tag: "digest", summary: "Turn a notification (weekly_digest, birthday) on or off for the user (the user or a platform admin)",
			request: PreferenceChange{}, response: NotificationPreferences{}, status: http.StatusOK, handler: api.putPreference},
		{id: "previewDigest", method: "GET", path: "/api/v1/users/{id}/digest", tag: "digest", summary: "Render the user's weekly digest of an ISO week without sending it (the user or a platform admin)",
			query:    []param{{"week", "string", "ISO week such as 2026-W47; this week when absent"}},
			response: DigestPreview{}, status: http.StatusOK, handler: api.previewDigest},
		{id: "getDigestSettings", method: "GET", path: "/api/v1/settings/digest", tag: "digest", summary: "The weekly digest settings",
			response: DigestSettings{}, status: http.StatusOK, handler: api.getDigestSettings},
		{id: "replaceDigestSettings", method: "PUT", path: "/api/v1/settings/digest", tag: "digest", summary: "Change the weekly digest settings (platform admins); applies from the next digests sent",
			request: DigestSettings{}, response: DigestSettings{}, status: http.StatusOK, handler: api.putDigestSettings},
		{id: "listDigestRuns", method: "GET", path: "/api/v1/digest/runs", tag: "digest", summary: "The latest weekly digest runs with their counts, newest first (platform admins)",
			query:    []param{{"limit", "integer", "how many, 10 by default, at most 100"}},
			response: DigestRunList{}, status: http.StatusOK, handler: api.digestRuns},
	}
}

// NotificationPreferences says which notifications a user receives.
type NotificationPreferences struct {
	Preferences []NotificationPreference `json:"preferences"`
}

// NotificationPreference is one notification a user may turn off.
type NotificationPreference struct {
	Type    string `json:"type" enum:"weekly_digest,birthday"`
	Name    string `json:"name"`
	Receive bool   `json:"receive"`
}

// PreferenceChange turns a notification on or off.
type PreferenceChange struct {
	Receive bool `json:"receive"`
}

// DigestSettings are the admins' choices about the weekly digest.
type DigestSettings struct {
	SkipEmpty bool `json:"skip_empty" doc:"send no digest to a manager whose team had nothing this week"`
}

// DigestPreview is a rendered digest.
type DigestPreview struct {
	Week    string    `json:"week"`
	From    time.Time `json:"from" doc:"the week summarised: [from, to)"`
	To      time.Time `json:"to"`
	Members int       `json:"members" doc:"the managees it reports on; 0: the manager gets no digest"`
	Empty   bool      `json:"empty" doc:"nothing happened: not sent when admins skip empty digests"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html"`
}

// DigestRun is one week's digest run.
type DigestRun struct {
	Week         string     `json:"week"`
	StartedAt    time.Time  `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at" doc:"null while it runs"`
	Sent         int        `json:"sent"`
	Late         int        `json:"late" doc:"how many of those sent were late (the server was down at 14:00)"`
	OptedOut     int        `json:"opted_out"`
	SkippedEmpty int        `json:"skipped_empty"`
}

// DigestRunList is the latest runs.
type DigestRunList struct {
	Runs []DigestRun `json:"runs"`
}

func (api *API) preferences(r *http.Request, actor app.Actor, user reportline.UserID) (any, error) {
	prefs, err := api.app.NotificationPreferences(r.Context(), actor, user)
	out := NotificationPreferences{Preferences: []NotificationPreference{}}
	for _, p := range prefs {
		out.Preferences = append(out.Preferences, NotificationPreference{Type: string(p.Notification.Type), Name: p.Notification.Name, Receive: p.Receive})
	}
	return out, err
}

func (api *API) getPreferences(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return api.preferences(r, actor, reportline.UserID(id))
}

func (api *API) putPreference(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in PreferenceChange
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	t := reportline.NotificationType(r.PathValue("type"))
	if err := api.app.SetNotificationPreference(r.Context(), actor, reportline.UserID(id), t, in.Receive); err != nil {
		return nil, err
	}
	return api.preferences(r, actor, reportline.UserID(id))
}

func (api *API) previewDigest(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var week reportline.ISOWeek
	if s := r.URL.Query().Get("week"); s != "" {
		if week, err = reportline.ParseISOWeek(s); err != nil {
			return nil, err
		}
	}
	p, err := api.app.PreviewDigest(r.Context(), actor, reportline.UserID(id), week)
	if err != nil {
		return nil, err
	}
	return DigestPreview{Week: p.Slot.Week.String(), From: p.Slot.From.UTC(), To: p.Slot.To.UTC(), Members: p.Members, Empty: p.Empty,
		Subject: p.Mail.Subject, Text: p.Mail.Text, HTML: p.Mail.HTML}, nil
}

func (api *API) getDigestSettings(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	s, err := api.app.DigestSettings(r.Context(), actor)
	return DigestSettings{SkipEmpty: s.SkipEmpty}, err
}

func (api *API) putDigestSettings(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in DigestSettings
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	s, err := api.app.SetDigestSettings(r.Context(), actor, app.DigestSettings{SkipEmpty: in.SkipEmpty})
	return DigestSettings{SkipEmpty: s.SkipEmpty}, err
}

func (api *API) digestRuns(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 10
	}
	runs, err := api.app.DigestRuns(r.Context(), actor, int(limit))
	if err != nil {
		return nil, err
	}
	out := DigestRunList{Runs: []DigestRun{}}
	for _, run := range runs {
		d := DigestRun{Week: run.Period, StartedAt: run.StartedAt, Sent: run.Sent, Late: run.Late, OptedOut: run.OptedOut, SkippedEmpty: run.SkippedEmpty}
		if !run.FinishedAt.IsZero() {
			f := run.FinishedAt
			d.FinishedAt = &f
		}
		out.Runs = append(out.Runs, d)
	}
	return out, nil
}
