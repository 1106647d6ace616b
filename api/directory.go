package api

import (
	"net/http"
	"strconv"
	"time"

	"reportline"
	"reportline/app"
)

// directoryRoutes are the records of directory syncs (LDAP / Active
// Directory, Microsoft Entra ID, SCIM), for platform admins.
func (api *API) directoryRoutes() []route {
	return []route{
		{id: "listSyncRuns", method: "GET", path: "/api/v1/directory/sync-runs", tag: "directory", summary: "The latest directory sync runs, newest first (platform admins)",
			query:    []param{{"source", "string", "ldap, graph or scim; every source when absent"}, {"limit", "integer", "at most this many runs (default 50, at most 1000)"}},
			response: SyncRunList{}, status: http.StatusOK, handler: api.listSyncRuns},
		{id: "getSyncRun", method: "GET", path: "/api/v1/directory/sync-runs/{id}", tag: "directory", summary: "One sync run with the user changes it recorded (the first 1,000)",
			response: SyncRunDetail{}, status: http.StatusOK, handler: api.getSyncRun},
		{id: "confirmSyncRun", description: "A sync held because it would deactivate many users applies them only once a platform admin confirms.", method: "POST", path: "/api/v1/directory/sync-runs/{id}/confirm", tag: "directory",
			summary:  "Confirm a held run's deactivations (platform admins): the next run of its source applies them if it deactivates no more people (LDAP, Graph: within 24 hours, once; SCIM: every deactivation for the next hour)",
			response: SyncRun{}, status: http.StatusOK, handler: api.confirmSyncRun},
		{id: "listSCIMGroups", method: "GET", path: "/api/v1/directory/scim-groups", tag: "directory",
			summary:  "The groups SCIM clients manage: those they created and those mapped onto an existing group (platform admins)",
			response: SCIMGroupList{}, status: http.StatusOK, handler: api.listSCIMGroups},
		{id: "mapSCIMGroup", method: "POST", path: "/api/v1/directory/scim-groups", tag: "directory",
			summary:     "Map a directory (SCIM) group onto an existing group (platform admins): the IdP's pushes of that group land there instead of in a new one",
			description: "The IdP's group is named by its externalId, its displayName or both. 409 when the group is already a SCIM group, or another SCIM group answers to that externalId or displayName.",
			request:     SCIMGroupMapping{}, response: SCIMGroupView{}, status: http.StatusCreated, handler: api.mapSCIMGroup},
		{id: "unmapSCIMGroup", method: "DELETE", path: "/api/v1/directory/scim-groups/{id}", tag: "directory",
			summary: "End what SCIM clients manage of a group, mapped or created (platform admins): the group and all its memberships stay, changed by hand only from now on",
			status:  http.StatusNoContent, handler: api.unmapSCIMGroup},
	}
}

// SCIMGroupMapping maps the IdP's group onto an existing group.
type SCIMGroupMapping struct {
	GroupID     int64  `json:"group_id" doc:"the existing Reportline group"`
	ExternalID  string `json:"external_id,omitempty" doc:"the IdP group's externalId (Entra: its object id)"`
	DisplayName string `json:"display_name,omitempty" doc:"the IdP group's displayName; matched in any case while the mapping has no externalId"`
}

// SCIMGroupView is a group a SCIM client manages.
type SCIMGroupView struct {
	GroupID     int64      `json:"group_id"`
	Name        string     `json:"name" doc:"the group's name in Reportline"`
	ExternalID  string     `json:"external_id"`
	DisplayName string     `json:"display_name" doc:"the name the SCIM client sees"`
	Mapped      bool       `json:"mapped" doc:"a platform admin mapped an existing group; false: the client created it"`
	MappedBy    int64      `json:"mapped_by,omitempty" doc:"the admin who mapped it; absent for the operator's CLI"`
	MappedAt    *time.Time `json:"mapped_at,omitempty"`
	Members     int        `json:"scim_members" doc:"the memberships the client made"`
}

// SCIMGroupList lists the groups SCIM clients manage.
type SCIMGroupList struct {
	Groups []SCIMGroupView `json:"groups"`
}

func toSCIMGroupView(g reportline.SCIMGroup) SCIMGroupView {
	v := SCIMGroupView{GroupID: int64(g.ID), Name: g.Name, ExternalID: g.ExternalID, DisplayName: g.SCIMName(), Mapped: g.Mapped(), Members: len(g.Members)}
	if g.MappedBy > 0 {
		v.MappedBy = int64(g.MappedBy)
	}
	if !g.MappedAt.IsZero() {
		v.MappedAt = &g.MappedAt
	}
	return v
}

func (api *API) listSCIMGroups(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	gs, err := api.app.ListSCIMGroups(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	out := SCIMGroupList{Groups: []SCIMGroupView{}}
	for _, g := range gs {
		out.Groups = append(out.Groups, toSCIMGroupView(g))
	}
	return out, nil
}

func (api *API) mapSCIMGroup(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in SCIMGroupMapping
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	g, err := api.app.MapSCIMGroup(r.Context(), actor, reportline.GroupID(in.GroupID), in.ExternalID, in.DisplayName)
	if err != nil {
		return nil, err
	}
	return toSCIMGroupView(g), nil
}

func (api *API) unmapSCIMGroup(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, api.app.UnmapSCIMGroup(r.Context(), actor, reportline.GroupID(id))
}

// SyncRun is the record of one directory sync.
type SyncRun struct {
	ID           int64                    `json:"id"`
	Source       string                   `json:"source" enum:"ldap,graph,scim"`
	ActorID      int64                    `json:"actor_id,omitempty" doc:"the user who ran it; absent for the service itself"`
	DryRun       bool                     `json:"dry_run"`
	Full         bool                     `json:"full" doc:"the whole directory was read (its users missing from it were deactivated)"`
	Status       string                   `json:"status" enum:"running,done,failed,held" doc:"held: it would have deactivated more people than the guard allows; nothing was applied until a platform admin confirms"`
	Started      time.Time                `json:"started"`
	Finished     *time.Time               `json:"finished,omitempty"`
	Counts       reportline.SyncCounts    `json:"counts"`
	ProblemCount int                      `json:"problem_count"`
	Problems     []reportline.SyncProblem `json:"problems" doc:"the first 200 problems"`
	Error        string                   `json:"error,omitempty" doc:"why the run failed; nothing was changed"`
}

// SyncRunList is a list of runs.
type SyncRunList struct {
	Runs []SyncRun `json:"runs"`
}

// SyncRunDetail is a run and its user changes.
type SyncRunDetail struct {
	Run         SyncRun      `json:"run"`
	ChangeCount int          `json:"change_count"`
	Changes     []UserChange `json:"changes"`
}

// UserChange is one user a sync created, changed, deactivated or reactivated.
type UserChange struct {
	UserID     int64                    `json:"user_id"`
	ExternalID string                   `json:"external_id"`
	Action     string                   `json:"action" enum:"created,updated,deactivated,reactivated"`
	Fields     []reportline.FieldChange `json:"fields"`
}

func toSyncRun(r reportline.SyncRun) SyncRun {
	out := SyncRun{ID: r.ID, Source: string(r.Source), ActorID: int64(r.ActorID), DryRun: r.DryRun, Full: r.Full, Status: string(r.Status),
		Started: r.Started, Counts: r.Counts, ProblemCount: r.ProblemCount, Problems: r.Problems, Error: r.Error}
	if !r.Finished.IsZero() {
		out.Finished = &r.Finished
	}
	if out.Problems == nil {
		out.Problems = []reportline.SyncProblem{}
	}
	return out
}

func (api *API) listSyncRuns(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, reportline.FieldError("limit", v, "limit must be a positive number")
		}
		limit = n
	}
	runs, err := api.app.ListSyncRuns(r.Context(), actor, reportline.Source(q.Get("source")), limit)
	if err != nil {
		return nil, err
	}
	out := SyncRunList{Runs: []SyncRun{}}
	for _, run := range runs {
		out.Runs = append(out.Runs, toSyncRun(run))
	}
	return out, nil
}

func (api *API) getSyncRun(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	run, changes, total, err := api.app.SyncRunChanges(r.Context(), actor, id, 1000)
	if err != nil {
		return nil, err
	}
	out := SyncRunDetail{Run: toSyncRun(run), ChangeCount: total, Changes: []UserChange{}}
	for _, c := range changes {
		out.Changes = append(out.Changes, UserChange{UserID: int64(c.UserID), ExternalID: c.ExternalID, Action: string(c.Action), Fields: c.Changes})
	}
	return out, nil
}

func (api *API) confirmSyncRun(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	run, err := api.app.ConfirmHeldRun(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	return toSyncRun(run), nil
}
