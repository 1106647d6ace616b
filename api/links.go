package api

import (
	"encoding/json"
	"net/http"
	"time"

	"reportline"
	"reportline/app"
)

// UserLinks lists one side of a user's links.
type UserLinks struct {
	User  UserRef `json:"user"`
	Links []Link  `json:"links"`
}

func (api *API) listLinks(dir reportline.Direction) func(http.ResponseWriter, *http.Request, app.Actor) (any, error) {
	return func(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		var ul app.UserLinks
		if at, asOf, perr := app.ParseAsOf(r.URL.Query().Get("as_of")); perr != nil {
			return nil, perr
		} else if asOf {
			ul, err = api.app.ListLinksAsOf(r.Context(), actor, reportline.UserID(id), dir, at)
		} else {
			ul, err = api.app.ListLinks(r.Context(), actor, reportline.UserID(id), dir)
		}
		if err != nil {
			return nil, err
		}
		side := ul.Managers
		if dir == reportline.Managees {
			side = ul.Managees
		}
		out := UserLinks{User: toUserRef(ul.User), Links: []Link{}}
		for _, lu := range side {
			out.Links = append(out.Links, toLink(lu.Link, &lu.User))
		}
		return out, nil
	}
}

// changeLinks adds (replace false) or replaces (replace true) one side of a
// user's links; with dry_run it only previews.
func (api *API) changeLinks(dir reportline.Direction, replace bool) func(http.ResponseWriter, *http.Request, app.Actor) (any, error) {
	return func(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		var in LinkRequest
		if err := decode(w, r, &in); err != nil {
			return nil, err
		}
		req, err := in.toApp(reportline.UserID(id), dir)
		if err != nil {
			return nil, err
		}
		var plan app.LinkPlan
		switch {
		case in.DryRun && replace:
			plan, err = api.app.PreviewReplace(r.Context(), actor, req)
		case in.DryRun:
			plan, err = api.app.PreviewLinks(r.Context(), actor, req)
		case replace:
			plan, err = api.app.ReplaceLinks(r.Context(), actor, req)
		default:
			plan, err = api.app.AddLinks(r.Context(), actor, req)
		}
		if err != nil {
			return nil, err
		}
		return toPlan(plan, !in.DryRun), nil
	}
}

func (api *API) removeLink(dir reportline.Direction) func(http.ResponseWriter, *http.Request, app.Actor) (any, error) {
	return func(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		other, err := pathID(r, "other")
		if err != nil {
			return nil, err
		}
		p := reportline.Pair{ManagerID: reportline.UserID(other), ManageeID: reportline.UserID(id)}
		if dir == reportline.Managees {
			p = reportline.Pair{ManagerID: reportline.UserID(id), ManageeID: reportline.UserID(other)}
		}
		return nil, api.app.RemoveLink(r.Context(), actor, p)
	}
}

// ChangePage is a page of the change log, newest first.
type ChangePage struct {
	Entries    []ChangeEntry `json:"entries"`
	NextBefore int64         `json:"next_before,omitempty" doc:"pass as before= for the next page"`
}

// ChangeEntry is one change to anything but a link: a user, a membership,
// a group, a setting, a token, a directory write.
type ChangeEntry struct {
	ID      int64          `json:"id"`
	At      string         `json:"at"`
	ActorID int64          `json:"actor_id,omitempty" doc:"0 or absent for the system"`
	Source  string         `json:"source"`
	Action  string         `json:"action" doc:"the policy action that allowed it (user.edit, group.members.change…)"`
	What    string         `json:"what,omitempty"`
	UserID  int64          `json:"user_id,omitempty"`
	GroupID int64          `json:"group_id,omitempty"`
	Before  map[string]any `json:"before"`
	After   map[string]any `json:"after"`
}

// AuditPage is a page of the audit log, newest first.
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextBefore int64        `json:"next_before,omitempty" doc:"pass as before= for the next page"`
}

// AuditEntry is one change to one link.
type AuditEntry struct {
	ID        int64  `json:"id"`
	At        string `json:"at"`
	ActorID   int64  `json:"actor_id,omitempty"`
	Source    string `json:"source"`
	BatchID   int64  `json:"batch_id,omitempty"`
	Action    string `json:"action" enum:"add,remove,update"`
	ManagerID int64  `json:"manager_id"`
	ManageeID int64  `json:"managee_id"`
	Before    *Link  `json:"before,omitempty"`
	After     *Link  `json:"after,omitempty"`
}

func (api *API) audit(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var f reportline.AuditFilter
	uid, err := queryInt(r, "user_id")
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
	f.UserID, f.Limit = reportline.UserID(uid), int(limit)
	entries, err := api.app.Audit(r.Context(), actor, f)
	if err != nil {
		return nil, err
	}
	out := AuditPage{Entries: []AuditEntry{}}
	for _, e := range entries {
		ae := AuditEntry{ID: e.ID, At: e.At.Format("2006-01-02T15:04:05.000000Z07:00"), ActorID: int64(e.ActorID), Source: string(e.Source), BatchID: e.BatchID,
			Action: string(e.Action), ManagerID: int64(e.ManagerID), ManageeID: int64(e.ManageeID)}
		if e.Before != nil {
			l := toLink(*e.Before, nil)
			ae.Before = &l
		}
		if e.After != nil {
			l := toLink(*e.After, nil)
			ae.After = &l
		}
		out.Entries = append(out.Entries, ae)
	}
	if n := len(entries); n > 0 && (f.Limit == 0 && n == 50 || n == f.Limit) {
		out.NextBefore = entries[n-1].ID
	}
	return out, nil
}

// changes is GET /api/v1/audit/changes: the change log.
func (api *API) changes(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var f reportline.ChangeFilter
	uid, err := queryInt(r, "user_id")
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
	f.UserID, f.Limit, f.Action = reportline.UserID(uid), int(limit), r.URL.Query().Get("action")
	entries, err := api.app.Changes(r.Context(), actor, f)
	if err != nil {
		return nil, err
	}
	out := ChangePage{Entries: []ChangeEntry{}}
	for _, e := range entries {
		out.Entries = append(out.Entries, ChangeEntry{ID: e.ID, At: e.At.Format("2006-01-02T15:04:05.000000Z07:00"), ActorID: int64(e.ActorID),
			Source: string(e.Source), Action: e.Action, What: e.What, UserID: int64(e.UserID), GroupID: int64(e.GroupID),
			Before: doc(e.Before), After: doc(e.After)})
	}
	if n := len(entries); n > 0 && (f.Limit == 0 && n == 50 || n == f.Limit) {
		out.NextBefore = entries[n-1].ID
	}
	return out, nil
}

// doc decodes a change's before or after document; nil when empty.
func doc(s string) map[string]any {
	var m map[string]any
	if s != "" {
		_ = json.Unmarshal([]byte(s), &m) // written by the store as JSON objects
	}
	return m
}

// TeamAsOf is a manager's team at an instant.
type TeamAsOf struct {
	Manager UserRef          `json:"manager"`
	At      time.Time        `json:"at" doc:"the instant answered: the end of the as_of day (UTC), or now"`
	Scope   string           `json:"scope" enum:"direct,all"`
	Members []TeamAsOfMember `json:"members" doc:"breadth first, by name within a level"`
	Cut     bool             `json:"cut,omitempty" doc:"the team was cut to its first 2,000 members"`
}

// TeamAsOfMember is one member of a team at an instant.
type TeamAsOfMember struct {
	User      UserRef `json:"user"`
	Depth     int     `json:"depth" doc:"1 for direct reports"`
	ManagerID int64   `json:"manager_id" doc:"through whom they were a member"`
	Link      Link    `json:"link"`
}

func (api *API) teamAsOf(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	scope, err := app.ParseTeamScope(r.URL.Query().Get("scope"))
	if err != nil {
		return nil, err
	}
	at, _, err := app.ParseAsOf(r.URL.Query().Get("as_of")) // zero: now
	if err != nil {
		return nil, err
	}
	tv, err := api.app.ListTeamAsOf(r.Context(), actor, reportline.UserID(id), scope, at)
	if err != nil {
		return nil, err
	}
	out := TeamAsOf{Manager: toUserRef(tv.Manager), At: tv.At, Scope: string(tv.Scope), Members: []TeamAsOfMember{}, Cut: tv.Cut}
	for _, m := range tv.Members {
		out.Members = append(out.Members, TeamAsOfMember{User: toUserRef(m.User), Depth: m.Depth, ManagerID: int64(m.Manager), Link: toLink(m.Link, nil)})
	}
	return out, nil
}
