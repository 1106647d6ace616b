package api

import (
	"net/http"

	"reportline"
	"reportline/app"
)

// coverSettingsRoutes are what cover during absences and leavers do in the
// organisation (docs/absences.md): the same service as Settings → Cover &
// leavers.
func (api *API) coverSettingsRoutes() []route {
	return []route{
		{id: "getCoverSettings", method: "GET", path: "/api/v1/settings/cover", tag: "settings",
			summary:  "Who gets an absent manager's digest and notices, and what a directory sync does with a leaver's reports (platform admins)",
			response: CoverSettings{}, status: http.StatusOK, handler: api.getCoverSettings},
		{id: "updateCoverSettings", method: "PATCH", path: "/api/v1/settings/cover", tag: "settings",
			summary:     "Change the cover and leaver settings (platform admins)",
			description: "Fields not sent keep theirs. Both values are checked before either is written; each change is recorded.",
			request:     CoverSettingsPatch{}, response: CoverSettings{}, status: http.StatusOK, handler: api.patchCoverSettings},
	}
}

// CoverSettings are the organisation's cover and leaver settings.
type CoverSettings struct {
	CoverNotify string `json:"cover_notify" doc:"with: an absent manager's digest and notices go to the delegate too; instead: to the delegate only"`
	LeaverSync  string `json:"leaver_sync" doc:"what a directory sync does with the reports of a manager it deactivates: flag (the health centre lists them), manager (they move to the leaver's own manager)"`
}

// CoverSettingsPatch changes the fields sent.
type CoverSettingsPatch struct {
	CoverNotify *string `json:"cover_notify,omitempty"`
	LeaverSync  *string `json:"leaver_sync,omitempty"`
}

func (api *API) getCoverSettings(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	s, err := api.app.CoverSettings(r.Context(), actor)
	return CoverSettings{CoverNotify: string(s.CoverNotify), LeaverSync: string(s.LeaverSync)}, err
}

func (api *API) patchCoverSettings(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in CoverSettingsPatch
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	s, err := api.app.CoverSettings(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	if in.CoverNotify != nil {
		s.CoverNotify = reportline.CoverNotify(*in.CoverNotify)
	}
	if in.LeaverSync != nil {
		s.LeaverSync = reportline.LeaverChoice(*in.LeaverSync)
	}
	if err := api.app.SetCoverSettings(r.Context(), actor, s); err != nil {
		return nil, err
	}
	return api.getCoverSettings(w, r, actor)
}
