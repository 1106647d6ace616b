package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"reportline"
)

// peoplePage is the people directory: every user the viewer may list
// (app.FindUsers scopes it: platform admins everyone, including users who
// belong to no group; group and user admins the members of the groups they
// administrate), searchable and filtered.
type peoplePage struct {
	page
	Query     string
	NoGroup   bool
	NoManager bool
	Inactive  bool
	Filtered  bool // a search or a filter is set
	Total     int
	Rows      []memberRow
	NextURL   string
	FirstURL  string
}

// people lists the users the viewer may see.
func (u *UI) people(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	p := peoplePage{
		Query:     strings.TrimSpace(q.Get("q")),
		NoGroup:   q.Get("nogroup") == "1",
		NoManager: q.Get("nomanager") == "1",
		Inactive:  q.Get("inactive") == "1",
	}
	p.Filtered = p.Query != "" || p.NoGroup || p.NoManager || p.Inactive
	f := reportline.UserFilter{Query: p.Query, NoGroup: p.NoGroup, NoManager: p.NoManager,
		AfterID: reportline.UserID(max(after, 0)), Limit: usersPageSize}
	if p.Inactive {
		f.Status = reportline.StatusInactive
	}
	users, err := u.app.FindUsers(ctx, v.Actor, f, 0)
	if err != nil {
		return err
	}
	if p.page, err = u.base(ctx, v, u.loc(r).T("people.title", nil), 0); err != nil {
		return err
	}
	p.Here = "people"
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
		p.Rows = append(p.Rows, memberRow{User: usr, URL: fmt.Sprintf("/users/%d", usr.ID), ManagerStar: stars[usr.ID]})
	}
	params := []string{"q", p.Query}
	for name, on := range map[string]bool{"nogroup": p.NoGroup, "nomanager": p.NoManager, "inactive": p.Inactive} {
		if on {
			params = append(params, name, "1")
		}
	}
	if users.NextID != 0 {
		p.NextURL = withQuery("/people", append(params, "after", strconv.FormatInt(int64(users.NextID), 10))...)
	}
	if f.AfterID != 0 {
		p.FirstURL = withQuery("/people", params...)
	}
	u.render(w, r, http.StatusOK, "people", p)
	return nil
}
