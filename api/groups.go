package api

import (
	"net/http"

	"reportline"
	"reportline/app"
)

// Group is a node of the group tree.
type Group struct {
	ID           int64  `json:"id"`
	ParentID     int64  `json:"parent_id,omitempty"`
	Name         string `json:"name"`
	Administered bool   `json:"administered" doc:"the caller may assign managers inside this group"`
}

// GroupList lists groups.
type GroupList struct {
	Groups []Group `json:"groups"`
}

// NewGroup is the body that creates a group.
type NewGroup struct {
	Name     string `json:"name"`
	ParentID int64  `json:"parent_id,omitempty"`
}

// Membership is a user's role in a group.
type Membership struct {
	GroupID int64  `json:"group_id"`
	UserID  int64  `json:"user_id"`
	Role    string `json:"role" enum:"member,user_admin,admin"`
}

// MemberList lists a group's members.
type MemberList struct {
	Members []Membership `json:"members"`
}

// RoleBody sets a member's role.
type RoleBody struct {
	Role string `json:"role" enum:"member,user_admin,admin"`
}

func (api *API) listGroups(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	gs, err := api.app.ListGroups(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	out := GroupList{Groups: []Group{}}
	for _, g := range gs {
		out.Groups = append(out.Groups, Group{ID: int64(g.ID), ParentID: int64(g.ParentID), Name: g.Name, Administered: g.Administered})
	}
	return out, nil
}

func (api *API) createGroup(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in NewGroup
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	g, err := api.app.CreateGroup(r.Context(), actor, in.Name, reportline.GroupID(in.ParentID))
	if err != nil {
		return nil, err
	}
	return Group{ID: int64(g.ID), ParentID: int64(g.ParentID), Name: g.Name, Administered: true}, nil
}

func (api *API) listMembers(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	ms, err := api.app.ListMembers(r.Context(), actor, reportline.GroupID(id))
	if err != nil {
		return nil, err
	}
	out := MemberList{Members: []Membership{}}
	for _, m := range ms {
		out.Members = append(out.Members, Membership{GroupID: int64(m.GroupID), UserID: int64(m.UserID), Role: string(m.Role)})
	}
	return out, nil
}

func (api *API) setMember(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	gid, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	uid, err := pathID(r, "user_id")
	if err != nil {
		return nil, err
	}
	var in RoleBody
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	m := reportline.Membership{GroupID: reportline.GroupID(gid), UserID: reportline.UserID(uid), Role: reportline.GroupRole(in.Role)}
	if err := api.app.SetMember(r.Context(), actor, m); err != nil {
		return nil, err
	}
	return Membership{GroupID: gid, UserID: uid, Role: string(m.Role)}, nil
}

func (api *API) removeMember(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	gid, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	uid, err := pathID(r, "user_id")
	if err != nil {
		return nil, err
	}
	return nil, api.app.RemoveMember(r.Context(), actor, reportline.GroupID(gid), reportline.UserID(uid))
}
