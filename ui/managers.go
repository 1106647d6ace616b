package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/i18n"
)

// managersPage is "Show managers": a user's managers and managees, each
// section with its links, a picker, a box to paste addresses into, and the
// preview of a pending addition.
type managersPage struct {
	page
	User       reportline.User
	ProfileURL string
	Flash      string
	Removed    *removedBanner // after a removal: who, and Undo
	Sections   []*section     // managers, then managees
}

// section is one side of a user's links.
type section struct {
	Direction reportline.Direction
	UserName  string // the page's user
	loc       *i18n.Localizer
	Title     string
	Intro     string
	AddTitle  string
	Empty     string
	Rows      []linkRow

	// The forms, shown when the viewer may change links.
	CanEdit     bool
	GroupID     reportline.GroupID // carried in the forms, 0 for none
	PageURL     string             // the search form's target
	CancelURL   string             // the page without the preview
	PreviewURL  string
	ConfirmURL  string
	RemoveURL   string
	SearchParam string // "mq" or "eq": one search per section
	Query       string
	OtherParam  string // the other section's search, kept across submits
	OtherQuery  string
	Results     []pickRow
	Emails      string          // the pasted text, kept after a preview
	Kind        reportline.Kind // the kind chosen in the form
	Comment     string          // the comment typed in the form, kept after a preview
	Preview     *preview
	Problem     *problem
}

// linkRow is an existing link, seen from the page's user.
type linkRow struct {
	User        reportline.User // the other side
	Link        reportline.Link
	UserURL     string // their profile, "" when the viewer may not open it
	RemoveLabel string
	Removable   bool // the viewer may remove this link (the server checks again)
	// CoveringFor and CoverLastDay: a delegate's link made for an
	// absence ("covering for X until D", docs/absences.md).
	CoveringFor  reportline.User
	CoverLastDay time.Time
}

// pickRow is a user found by a section's search.
type pickRow struct {
	User    reportline.User
	Checked bool
	Self    bool   // the page's user: cannot be picked
	Note    string // e.g. "already a manager"
}

// preview is the outcome of PreviewLinks: each entry flagged, and the ids
// a Confirm would add.
type preview struct {
	Rows     []candidateRow
	IDs      []reportline.UserID // accepted users that would change something
	Kind     reportline.Kind
	Comment  string // stored on every link Confirm adds or updates
	Changes  int
	Accepted int
	Refused  int
}

// candidateRow is one previewed entry.
type candidateRow struct {
	Input   string
	User    reportline.User
	Verdict app.Verdict
	Flag    flag
	Message string
	Raw     bool // Message is app's, in English (errorText)
}

// problem is a refused request, shown in its section.
type problem struct {
	Title   string
	Message string
	Raw     bool // Message is app's, in English (errorText)
	Details []reportline.Detail
}

// pickerSize is how many users a section's search lists.
const pickerSize = 15

// managers shows a user's managers and managees.
func (u *UI) managers(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	p, err := u.managersPage(r.Context(), r, v, id)
	if err != nil {
		return err
	}
	p.Flash = flash(r, p.User, u.loc(r))
	if p.Removed = u.removed(r, v, id, p); p.Removed != nil {
		p.Flash = ""
	}
	u.render(w, r, http.StatusOK, "managers", p)
	return nil
}

// managersPage loads a user's links and, for viewers who may change them,
// the results of each section's search ("mq" and "eq" parameters).
func (u *UI) managersPage(ctx context.Context, r *http.Request, v viewer, id reportline.UserID) (*managersPage, error) {
	links, err := u.app.ListUserLinks(ctx, v.Actor, id)
	if err != nil {
		return nil, err
	}
	p := &managersPage{User: links.User}
	tr := u.loc(r)
	if p.page, err = u.base(ctx, v, tr.T("managers.page_title", map[string]any{"Name": links.User.Name()}), contextGroup(r)); err != nil {
		return nil, err
	}
	p.ProfileURL = userURL(id, "", p.page)
	open, err := u.profilesOpenTo(ctx, v, id)
	if err != nil {
		return nil, err
	}
	name := links.User.Name()
	who := map[string]any{"Name": name}
	p.Sections = []*section{
		{Direction: reportline.Managers, Title: tr.T("managers.managers", nil), Intro: tr.T("managers.managers.intro", who),
			AddTitle: tr.T("managers.managers.add", nil), Empty: tr.T("managers.managers.empty", who), SearchParam: "mq", OtherParam: "eq"},
		{Direction: reportline.Managees, Title: tr.T("managers.managees", nil), Intro: tr.T("managers.managees.intro", who),
			AddTitle: tr.T("managers.managees.add", nil), Empty: tr.T("managers.managees.empty", who), SearchParam: "eq", OtherParam: "mq"},
	}
	for _, s := range p.Sections {
		s.CanEdit, s.Kind, s.UserName, s.loc = p.CanEdit, reportline.Line, name, tr
		if p.Group != nil {
			s.GroupID = p.Group.ID
		}
		base := fmt.Sprintf("/users/%d", id)
		s.PageURL = base + "/managers#" + string(s.Direction)
		s.PreviewURL = base + "/managers/preview#" + string(s.Direction)
		s.CancelURL = userURL(id, "/managers", p.page) + "#" + string(s.Direction)
		s.ConfirmURL = base + "/managers/confirm"
		s.RemoveURL = base + "/links/remove"
		s.Query = strings.TrimSpace(r.FormValue(s.SearchParam))
		s.OtherQuery = strings.TrimSpace(r.FormValue(s.OtherParam))
		linked := links.Managers
		if s.Direction == reportline.Managees {
			linked = links.Managees
		}
		already := map[reportline.UserID]bool{}
		for _, l := range linked {
			already[l.User.ID] = true
			row := linkRow{User: l.User, Link: l.Link, Removable: l.Removable, CoveringFor: l.CoveringFor}
			if l.CoveringFor.ID != 0 {
				row.CoverLastDay = l.CoverLastDay()
			}
			if open.may(l) {
				row.UserURL = userURL(l.User.ID, "", p.page)
			}
			if s.Direction == reportline.Managers {
				row.RemoveLabel = tr.T("managers.remove_manager", map[string]any{"Other": l.User.Name(), "Name": name})
			} else {
				row.RemoveLabel = tr.T("managers.remove_managee", map[string]any{"Other": l.User.Name(), "Name": name})
			}
			s.Rows = append(s.Rows, row)
		}
		if !s.CanEdit || s.Query == "" {
			continue
		}
		found, err := u.app.FindUsers(ctx, v.Actor, reportline.UserFilter{Query: s.Query, Status: reportline.StatusActive, Limit: pickerSize}, 0)
		if err != nil {
			return nil, err
		}
		for _, f := range found.Users {
			row := pickRow{User: f, Self: f.ID == id}
			switch {
			case row.Self:
				row.Note = "this user"
			case already[f.ID] && s.Direction == reportline.Managers:
				row.Note = "already a manager"
			case already[f.ID]:
				row.Note = "already a managee"
			}
			s.Results = append(s.Results, row)
		}
	}
	return p, nil
}

// profileAccess says whose profile a managers page may link to, so that no
// name leads to a refusal. It only reads what the page already has, and
// errs on the side of no link; app decides again when the link is followed.
// The policy package is to answer this question once for every page.
type profileAccess struct {
	viewer  reportline.User
	manages map[reportline.UserID]bool // people the viewer manages now, on their own page
}

// may reports whether the viewer may open the profile of the far side of l:
// a platform admin may open any, anyone their own; a link the viewer may
// remove means they administer both people; and on their own page a
// manager may open the people they manage in effect.
func (a profileAccess) may(l app.LinkedUser) bool {
	return a.viewer.IsPlatformAdmin() || l.User.ID == a.viewer.ID || l.Removable || a.manages[l.User.ID]
}

// profilesOpenTo gathers what profileAccess needs for the managers page of
// user: on the viewer's own page, whom they manage in effect under the
// Assign role mode (a stored line link counts for nothing in positions
// mode).
func (u *UI) profilesOpenTo(ctx context.Context, v viewer, user reportline.UserID) (profileAccess, error) {
	a := profileAccess{viewer: v.User, manages: map[reportline.UserID]bool{}}
	if v.User.ID != user || v.User.IsPlatformAdmin() {
		return a, nil
	}
	eff, err := u.app.EffectiveManagers(ctx, v.Actor, user)
	if err != nil {
		return a, err
	}
	for _, l := range eff.Managees {
		if l.Link.InEffect(eff.At) {
			a.manages[l.User.ID] = true
		}
	}
	return a, nil
}

// section returns the section of a direction.
func (p *managersPage) section(d reportline.Direction) *section {
	for _, s := range p.Sections {
		if s.Direction == d {
			return s
		}
	}
	return p.Sections[0]
}

// ConfirmText says what Confirm will do.
func (s *section) ConfirmText() string {
	if s.Preview == nil {
		return ""
	}
	l := s.loc
	if l == nil {
		l = i18n.For(i18n.Default)
	}
	n := s.Preview.Changes
	data := map[string]any{"Kind": l.T("confirm.kind."+string(s.Preview.Kind), nil), "Name": s.UserName,
		"People": l.N("confirm.people", n, nil)}
	if s.Direction == reportline.Managers {
		return l.N("confirm.managers", n, data)
	}
	return l.N("confirm.managees", n, data)
}

// check ticks the picked users among the search results.
func (s *section) check(ids []reportline.UserID) {
	for i := range s.Results {
		for _, id := range ids {
			if s.Results[i].User.ID == id {
				s.Results[i].Checked = true
			}
		}
	}
}
