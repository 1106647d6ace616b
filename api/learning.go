package api

import (
	"net/http"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/csvio"
	"reportline/learning"
	"reportline/web"
)

// learningRoutes are learning records, statistics and My team.
func (api *API) learningRoutes() []route {
	return []route{
		{id: "importLearningBatch", method: "POST", path: "/api/v1/learning/batch", tag: "learning",
			summary: "Upsert courses, sessions and records by their LMS ids (platform admins and integration tokens); atomic, idempotent, every refused item named",
			request: LearningBatch{}, response: LearningResult{}, status: http.StatusOK, handler: api.learningBatch},
		{id: "importLearningRecords", method: "POST", path: "/api/v1/learning/records/import", tag: "learning",
			summary: "Upsert learning records from a CSV file (header names in any case; see the template); atomic, every refused line named",
			request: csvBody{}, response: LearningResult{}, status: http.StatusOK, handler: api.learningCSV},
		{id: "getLearningTemplate", method: "GET", path: "/api/v1/learning/records/template", tag: "learning", summary: "The CSV template of learning records",
			response: csvBody{}, status: http.StatusOK, handler: api.learningTemplate},
		{id: "getUserStatistics", method: "GET", path: "/api/v1/users/{id}/statistics", tag: "learning",
			summary:  "A user's learning statistics: the user, their managers (within the statistics scope of the link's kind) and admins within scope; every look by another user is logged",
			response: Statistics{}, status: http.StatusOK, handler: api.statistics},
		{id: "getMyTeam", method: "GET", path: "/api/v1/me/team", tag: "learning", summary: "My team: the caller's direct reports or everybody reporting to them, with completion, late items and today's birthdays",
			query:    []param{{"scope", "string", "direct (default) or all: everybody reporting to you"}},
			response: Team{}, status: http.StatusOK, handler: api.team},
		{id: "listStatisticsViews", method: "GET", path: "/api/v1/statistics-views", tag: "learning", summary: "Who looked at whose statistics, newest first (platform admins; group admins about one user they administrate)",
			query: []param{{"user_id", "integer", "views of this user's statistics (required for group admins)"}, {"viewer_id", "integer", "views by this user"},
				{"before", "integer", "keyset: views older than this id"}, {"limit", "integer", "page size, 100 by default, at most 1000"}},
			response: StatisticsViewList{}, status: http.StatusOK, handler: api.statisticsViews},
		{id: "getStatisticsScopes", method: "GET", path: "/api/v1/settings/statistics-scopes", tag: "learning", summary: "What managers see of their managees' statistics, per link kind",
			response: StatisticsScopes{}, status: http.StatusOK, handler: api.getStatisticsScopes},
		{id: "setStatisticsScopes", method: "PUT", path: "/api/v1/settings/statistics-scopes", tag: "learning", summary: "Set the statistics scope of link kinds (platform admins); kinds not sent keep theirs",
			request: StatisticsScopes{}, response: StatisticsScopes{}, status: http.StatusOK, handler: api.putStatisticsScopes},
	}
}

func (api *API) learningBatch(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in LearningBatch
	if err := web.DecodeJSON(w, r, &in); err != nil {
		return nil, err
	}
	res, err := api.app.ApplyLearning(r.Context(), actor, in.toApp())
	if err != nil {
		return nil, err
	}
	return toLearningResult(res), nil
}

func (api *API) learningCSV(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") && !strings.HasPrefix(ct, "application/octet-stream") {
		return nil, reportline.Errorf(reportline.Invalid, "send the file itself as the body (Content-Type: text/csv), not %s", ct)
	}
	if r.ContentLength > learning.MaxCSVBytes {
		return nil, web.TooLarge("the file", learning.MaxCSVBytes)
	}
	res, err := api.app.ImportLearningCSV(r.Context(), actor, r.Body)
	if err != nil {
		return nil, err
	}
	return toLearningResult(res), nil
}

func (api *API) learningTemplate(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	web.CSVHeaders(w, "learning-records-template.csv")
	cw := csvio.NewWriter(w, csvio.WriterOptions{})
	if err := cw.Write(learning.CSVHeader()); err != nil {
		return written{}, err
	}
	return written{}, cw.Flush()
}

func (api *API) statistics(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	st, err := api.app.Statistics(r.Context(), actor, reportline.UserID(id))
	if err != nil {
		return nil, err
	}
	return toStatistics(st), nil
}

func (api *API) team(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	scope, err := app.ParseTeamScope(r.URL.Query().Get("scope"))
	if err != nil {
		return nil, err
	}
	tv, err := api.app.Team(r.Context(), actor, scope)
	if err != nil {
		return nil, err
	}
	return toTeam(tv), nil
}

func (api *API) statisticsViews(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var f reportline.StatisticsViewFilter
	user, err := queryInt(r, "user_id")
	if err != nil {
		return nil, err
	}
	viewer, err := queryInt(r, "viewer_id")
	if err != nil {
		return nil, err
	}
	if f.BeforeID, err = queryInt(r, "before"); err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	f.UserID, f.ViewerID, f.Limit = reportline.UserID(user), reportline.UserID(viewer), int(limit)
	views, err := api.app.StatisticsViews(r.Context(), actor, f)
	if err != nil {
		return nil, err
	}
	out := StatisticsViewList{Views: []StatisticsViewEntry{}}
	for _, v := range views {
		out.Views = append(out.Views, StatisticsViewEntry{ID: v.ID, At: v.At, ViewerID: int64(v.ViewerID), UserID: int64(v.UserID),
			Grant: v.Grant, Scope: string(v.Scope), Source: string(v.Source), Page: string(v.Page)})
	}
	return out, nil
}

func toStatisticsScopes(m map[reportline.Kind]reportline.StatisticsScope) StatisticsScopes {
	return StatisticsScopes{Line: string(m[reportline.Line]), Functional: string(m[reportline.Functional])}
}

func (api *API) getStatisticsScopes(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	m, err := api.app.StatisticsScopes(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	return toStatisticsScopes(m), nil
}

func (api *API) putStatisticsScopes(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in StatisticsScopes
	if err := web.DecodeJSON(w, r, &in); err != nil {
		return nil, err
	}
	set := map[reportline.Kind]reportline.StatisticsScope{}
	if in.Line != "" {
		set[reportline.Line] = reportline.StatisticsScope(in.Line)
	}
	if in.Functional != "" {
		set[reportline.Functional] = reportline.StatisticsScope(in.Functional)
	}
	if len(set) == 0 {
		return nil, reportline.Errorf(reportline.Invalid, "send the scope of line and/or functional links")
	}
	m, err := api.app.SetStatisticsScopes(r.Context(), actor, set)
	if err != nil {
		return nil, err
	}
	return toStatisticsScopes(m), nil
}
