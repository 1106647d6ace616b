package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"reportline"
)

// groupsPage lists the groups the viewer administrates or belongs to.
type groupsPage struct {
	page
}

// groups shows the group tree. It is the same tree as the sidebar's, with
// the viewer's standing in each group and a link to its users.
func (u *UI) groups(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.base(r.Context(), v, u.loc(r).T("nav.groups", nil), 0)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "groups", groupsPage{page: p})
	return nil
}

// usersPageSize is how many users a group's list shows at a time.
const usersPageSize = 25

// groupUsersPage is a group's users ("Current members → All"): the members
// of the group and of its subgroups.
type groupUsersPage struct {
	page
	GroupName string
	Query     string
	After     reportline.UserID
	Total     int
	Rows      []memberRow
	NextURL   string
	FirstURL  string // the first page, when this is not it
}

// memberRow is one user of a group's list.
type memberRow struct {
	User        reportline.User
	Role        reportline.GroupRole // "" when the user is in a subgroup only
	URL         string
	ManagerStar bool // a line manager under the Assign role mode
}

// groupUsers lists a group's users with search and paging.
func (u *UI) groupUsers(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return reportline.Errorf(reportline.NotFound, "there is no group %q", r.PathValue("id"))
	}
	group := reportline.GroupID(id)
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	p := groupUsersPage{Query: strings.TrimSpace(q.Get("q")), After: reportline.UserID(max(after, 0))}
	users, err := u.app.FindUsers(ctx, v.Actor, reportline.UserFilter{Query: p.Query, AfterID: p.After, Limit: usersPageSize}, group)
	if err != nil {
		return err
	}
	members, err := u.app.ListMembers(ctx, v.Actor, group)
	if err != nil {
		return err
	}
	role := map[reportline.UserID]reportline.GroupRole{}
	for _, m := range members {
		role[m.UserID] = m.Role
	}
	if p.page, err = u.base(ctx, v, u.loc(r).T("groups.users", nil), group); err != nil {
		return err
	}
	if p.Group != nil {
		p.GroupName = p.Group.Name
		p.Title = u.loc(r).T("groups.title_users", map[string]any{"Name": p.Group.Name})
	}
	p.Total = users.Total
	ids := make([]reportline.UserID, len(users.Users))
	for i, usr := range users.Users {
		ids[i] = usr.ID
	}
	stars, err := u.app.ManagerStars(ctx, ids)
	if err != nil {
		return err
	}
	for _, usr := range users.Users {
		p.Rows = append(p.Rows, memberRow{User: usr, Role: role[usr.ID], URL: withQuery(fmt.Sprintf("/users/%d", usr.ID), "group", strconv.FormatInt(id, 10)),
			ManagerStar: stars[usr.ID]})
	}
	self := fmt.Sprintf("/groups/%d/users", id)
	if users.NextID != 0 {
		p.NextURL = withQuery(self, "q", p.Query, "after", strconv.FormatInt(int64(users.NextID), 10))
	}
	if p.After != 0 {
		p.FirstURL = withQuery(self, "q", p.Query)
	}
	u.render(w, r, http.StatusOK, "group_users", p)
	return nil
}
