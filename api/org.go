package api

import (
	"net/http"
	"time"

	"reportline"
	"reportline/app"
	"reportline/policy"
)

// AssignModeBody is the Assign role mode.
type AssignModeBody struct {
	Mode              string `json:"mode" enum:"positions,import" doc:"positions: line managers derived from the org structure; import: the imported or assigned line links"`
	LineLinksInEffect bool   `json:"line_links_in_effect" doc:"whether stored line links (imports, hand assignment, directory sync) count, which they do in import mode"`
}

// AssignModeChange switches the Assign role mode.
type AssignModeChange struct {
	Mode string `json:"mode" enum:"positions,import"`
	// LineLinksInEffect is accepted and ignored, so that a GET's answer
	// can be sent back as it is.
	LineLinksInEffect *bool `json:"line_links_in_effect,omitempty" doc:"ignored: it follows from the mode"`
}

// ManagerPositions is the positions mapping.
type ManagerPositions struct {
	Titles []string `json:"titles" doc:"position titles, compared ignoring surrounding spaces and the case of A–Z"`
}

// OrgUnit is a node of the org structure.
type OrgUnit struct {
	ID       int64  `json:"id"`
	ParentID int64  `json:"parent_id,omitempty"`
	Name     string `json:"name"`
}

func toOrgUnit(u reportline.OrgUnit) OrgUnit {
	return OrgUnit{ID: int64(u.ID), ParentID: int64(u.ParentID), Name: u.Name}
}

// OrgUnitList lists org units.
type OrgUnitList struct {
	OrgUnits []OrgUnit `json:"org_units"`
}

// NewOrgUnit creates an org unit.
type NewOrgUnit struct {
	Name     string `json:"name" doc:"unique, compared ignoring surrounding spaces and the case of A–Z; users belong to the unit by naming it in their org_unit"`
	ParentID int64  `json:"parent_id,omitempty" doc:"the parent unit; none for a top unit"`
}

// OrgUnitPatch renames and/or moves an org unit.
type OrgUnitPatch struct {
	Name     *string `json:"name,omitempty"`
	ParentID *int64  `json:"parent_id,omitempty" doc:"the new parent; 0 makes it a top unit"`
}

// OrgUnitChange is what a PATCH did.
type OrgUnitChange struct {
	OrgUnit        OrgUnit `json:"org_unit"`
	MembersRenamed int64   `json:"members_renamed" doc:"users whose org_unit was rewritten to the new name, so that they stay in the unit"`
}

// OrgUnitDetail is one org unit with its place, users and managers.
type OrgUnitDetail struct {
	ID            int64     `json:"id"`
	ParentID      int64     `json:"parent_id,omitempty"`
	Name          string    `json:"name"`
	Path          []OrgUnit `json:"path" doc:"the units above it, from the top down"`
	Children      []OrgUnit `json:"children"`
	Members       int       `json:"members" doc:"users whose org_unit names the unit"`
	ActiveMembers int       `json:"active_members"`
	Managers      []UserRef `json:"managers" doc:"the active holders of a manager position in the unit"`
}

// EffectiveLink is a link as the Assign role mode makes it count; User is
// the other side.
type EffectiveLink struct {
	ManagerID  int64      `json:"manager_id"`
	ManageeID  int64      `json:"managee_id"`
	Kind       string     `json:"kind" enum:"line,functional"`
	Source     string     `json:"source"`
	Derived    bool       `json:"derived" doc:"made by the org structure (source orgstructure): computed, never stored, without dates"`
	InEffect   bool       `json:"in_effect" doc:"within its dates now"`
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	Comment    string     `json:"comment,omitempty"`
	CreatedAt  *time.Time `json:"created_at,omitempty" doc:"absent for a derived link"`
	User       UserRef    `json:"user"`
}

func toEffectiveLink(lu app.LinkedUser, at time.Time) EffectiveLink {
	l := lu.Link
	return EffectiveLink{ManagerID: int64(l.ManagerID), ManageeID: int64(l.ManageeID), Kind: string(l.Kind), Source: string(l.Source),
		Derived: l.Source == reportline.SourceOrgStructure, InEffect: l.InEffect(at), ValidFrom: timePtr(l.ValidFrom),
		ValidUntil: timePtr(l.ValidUntil), Comment: l.Comment, CreatedAt: timePtr(l.CreatedAt), User: toUserRef(lu.User)}
}

// EffectiveLinks is what a user's links amount to under the Assign role mode.
type EffectiveLinks struct {
	User         UserRef         `json:"user"`
	Mode         string          `json:"mode" enum:"positions,import"`
	ManagerStar  bool            `json:"manager_star" doc:"the user is, today, the line manager of at least one active user"`
	Managers     []EffectiveLink `json:"managers"`
	Managees     []EffectiveLink `json:"managees"`
	KeptManagers []EffectiveLink `json:"kept_managers" doc:"stored line links that count for nothing in positions mode; they count again in import mode"`
	KeptManagees []EffectiveLink `json:"kept_managees"`
}

func (api *API) assignMode(r *http.Request) (AssignModeBody, error) {
	m, err := api.app.AssignMode(r.Context())
	return AssignModeBody{Mode: string(m), LineLinksInEffect: m == reportline.AssignByImport}, err
}

func (api *API) getAssignMode(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	if ok, err := api.app.May(r.Context(), actor, policy.ReadAssignMode, 0); err != nil || !ok {
		if err == nil {
			err = reportline.Errorf(reportline.Forbidden, "only platform admins, group admins and user admins may read the assign role mode")
		}
		return nil, err
	}
	return api.assignMode(r)
}

func (api *API) putAssignMode(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in AssignModeChange
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	if err := api.app.SetAssignMode(r.Context(), actor, reportline.AssignMode(in.Mode)); err != nil {
		return nil, err
	}
	return api.assignMode(r)
}

func (api *API) getManagerPositions(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	titles, err := api.app.ManagerPositions(r.Context(), actor)
	return ManagerPositions{Titles: nonNil(titles)}, err
}

func (api *API) putManagerPositions(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in ManagerPositions
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	titles, err := api.app.SetManagerPositions(r.Context(), actor, in.Titles)
	return ManagerPositions{Titles: nonNil(titles)}, err
}

func (api *API) listOrgUnits(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	units, err := api.app.ListOrgUnits(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	out := OrgUnitList{OrgUnits: []OrgUnit{}}
	for _, u := range units {
		out.OrgUnits = append(out.OrgUnits, toOrgUnit(u))
	}
	return out, nil
}

func (api *API) createOrgUnit(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in NewOrgUnit
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	u, err := api.app.CreateOrgUnit(r.Context(), actor, app.OrgUnitInput{Name: in.Name, ParentID: reportline.OrgUnitID(in.ParentID)})
	return toOrgUnit(u), err
}

func (api *API) getOrgUnit(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	info, err := api.app.OrgUnitInfo(r.Context(), actor, reportline.OrgUnitID(id))
	if err != nil {
		return nil, err
	}
	out := OrgUnitDetail{ID: int64(info.ID), ParentID: int64(info.ParentID), Name: info.Name, Path: []OrgUnit{}, Children: []OrgUnit{}, Managers: []UserRef{},
		Members: info.Counts.Members, ActiveMembers: info.Counts.Active}
	for _, u := range info.Path {
		out.Path = append(out.Path, toOrgUnit(u))
	}
	for _, u := range info.Children {
		out.Children = append(out.Children, toOrgUnit(u))
	}
	for _, m := range info.Managers {
		out.Managers = append(out.Managers, toUserRef(m))
	}
	return out, nil
}

func (api *API) patchOrgUnit(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in OrgUnitPatch
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	p := app.OrgUnitPatch{Name: in.Name}
	if in.ParentID != nil {
		parent := reportline.OrgUnitID(*in.ParentID)
		p.ParentID = &parent
	}
	ch, err := api.app.UpdateOrgUnit(r.Context(), actor, reportline.OrgUnitID(id), p)
	return OrgUnitChange{OrgUnit: toOrgUnit(ch.Unit), MembersRenamed: ch.MembersRenamed}, err
}

func (api *API) deleteOrgUnit(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, api.app.DeleteOrgUnit(r.Context(), actor, reportline.OrgUnitID(id))
}

func (api *API) effectiveManagers(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	e, err := api.app.EffectiveManagers(r.Context(), actor, reportline.UserID(id))
	if err != nil {
		return nil, err
	}
	side := func(lus []app.LinkedUser) []EffectiveLink {
		out := []EffectiveLink{}
		for _, lu := range lus {
			out = append(out, toEffectiveLink(lu, e.At))
		}
		return out
	}
	return EffectiveLinks{User: toUserRef(e.User), Mode: string(e.Mode), ManagerStar: e.ManagerStar,
		Managers: side(e.Managers), Managees: side(e.Managees), KeptManagers: side(e.KeptManagers), KeptManagees: side(e.KeptManagees)}, nil
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
