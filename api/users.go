package api

import (
	"net/http"

	"reportline"
	"reportline/app"
	"reportline/web"
)

var decode = web.DecodeJSON

// NewUser is the body that creates a user.
type NewUser struct {
	ExternalUID  string `json:"external_uid,omitempty"`
	Email        string `json:"email"`
	FirstName    string `json:"first_name,omitempty"`
	LastName     string `json:"last_name,omitempty"`
	Status       string `json:"status,omitempty" enum:"active,inactive" doc:"active when omitted"`
	Birthday     string `json:"birthday,omitempty" doc:"YYYY-MM-DD, --MM-DD or DD.MM.YYYY"`
	Position     string `json:"position,omitempty"`
	OrgUnit      string `json:"org_unit,omitempty"`
	PlatformRole string `json:"platform_role,omitempty" enum:",platform_admin"`
	Locale       string `json:"locale,omitempty"`
	TimeZone     string `json:"time_zone,omitempty" doc:"an IANA time zone such as Europe/Paris"`
	GroupID      int64  `json:"group_id,omitempty" doc:"add the new user to this group as a member (required for group admins)"`
}

// UserPatch changes the fields it carries and leaves the others.
type UserPatch struct {
	ExternalUID  *string `json:"external_uid,omitempty"`
	Email        *string `json:"email,omitempty"`
	FirstName    *string `json:"first_name,omitempty"`
	LastName     *string `json:"last_name,omitempty"`
	Status       *string `json:"status,omitempty" enum:"active,inactive"`
	Birthday     *string `json:"birthday,omitempty"`
	Position     *string `json:"position,omitempty"`
	OrgUnit      *string `json:"org_unit,omitempty"`
	PlatformRole *string `json:"platform_role,omitempty" enum:",platform_admin"`
	Locale       *string `json:"locale,omitempty"`
	TimeZone     *string `json:"time_zone,omitempty"`
}

// UserList is a page of users.
type UserList struct {
	Users     []User `json:"users"`
	Total     int    `json:"total"`
	NextAfter int64  `json:"next_after,omitempty" doc:"pass as after= for the next page"`
}

func (api *API) me(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	return toUser(actor.User), nil
}

func (api *API) listUsers(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	q := r.URL.Query()
	f := reportline.UserFilter{Query: q.Get("q"), Email: q.Get("email"), ExternalUID: q.Get("external_uid"), Status: reportline.Status(q.Get("status"))}
	if f.Status != "" && !f.Status.Valid() {
		return nil, reportline.FieldError("status", q.Get("status"), "status must be active or inactive")
	}
	after, err := queryInt(r, "after")
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	group, err := queryInt(r, "group_id")
	if err != nil {
		return nil, err
	}
	f.AfterID, f.Limit = reportline.UserID(after), int(min(limit, 1000))
	page, err := api.app.FindUsers(r.Context(), actor, f, reportline.GroupID(group))
	if err != nil {
		return nil, err
	}
	out := UserList{Users: []User{}, Total: page.Total, NextAfter: int64(page.NextID)}
	for _, u := range page.Users {
		out.Users = append(out.Users, toUser(u))
	}
	return out, nil
}

func (api *API) getUser(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	u, err := api.app.GetUser(r.Context(), actor, reportline.UserID(id))
	return toUser(u), err
}

func (api *API) createUser(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in NewUser
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	u, err := api.app.CreateUser(r.Context(), actor, app.UserInput{ExternalUID: in.ExternalUID, Email: in.Email,
		FirstName: in.FirstName, LastName: in.LastName, Status: reportline.Status(in.Status), Birthday: in.Birthday,
		Position: in.Position, OrgUnit: in.OrgUnit, PlatformRole: reportline.PlatformRole(in.PlatformRole),
		Locale: in.Locale, TimeZone: in.TimeZone, GroupID: reportline.GroupID(in.GroupID)})
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

func (api *API) patchUser(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in UserPatch
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	p := app.UserPatch{ExternalUID: in.ExternalUID, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
		Birthday: in.Birthday, Position: in.Position, OrgUnit: in.OrgUnit, Locale: in.Locale, TimeZone: in.TimeZone}
	if in.Status != nil {
		s := reportline.Status(*in.Status)
		p.Status = &s
	}
	if in.PlatformRole != nil {
		pr := reportline.PlatformRole(*in.PlatformRole)
		p.PlatformRole = &pr
	}
	u, err := api.app.UpdateUser(r.Context(), actor, reportline.UserID(id), p)
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

// setStatus activates or deactivates a user; their links are kept.
func (api *API) setStatus(s reportline.Status) func(http.ResponseWriter, *http.Request, app.Actor) (any, error) {
	return func(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		u, err := api.app.UpdateUser(r.Context(), actor, reportline.UserID(id), app.UserPatch{Status: &s})
		if err != nil {
			return nil, err
		}
		return toUser(u), nil
	}
}
