package ui

import (
	"fmt"
	"net/http"
	"strconv"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/policy"
)

// registerAccess adds the contacts and orphans pages, and the capability
// matrix.
func (u *UI) registerAccess(mux *http.ServeMux) {
	mux.Handle("GET /contacts", u.signedIn(u.myContacts))
	mux.Handle("GET /users/{id}/contacts", u.signedIn(u.contacts))
	mux.Handle("GET /reports/orphans", u.signedIn(u.orphans))
	mux.Handle("GET /reports/health", u.signedIn(u.health)) // health.go
	mux.Handle("GET /settings/capabilities", u.signedIn(u.capabilities))
	mux.Handle("POST /settings/capabilities", u.signedIn(u.saveCapabilities))
}

// contactsPage is a user's Contacts: their managers, with kind and source.
type contactsPage struct {
	page
	User       reportline.User
	Mine       bool // the viewer's own page ("My contacts")
	Managers   []app.Contact
	ProfileURL string // empty on the viewer's own page
}

// myContacts is "My contacts": the signed-in user's own page.
func (u *UI) myContacts(w http.ResponseWriter, r *http.Request, v viewer) error {
	return u.renderContacts(w, r, v, v.User.ID)
}

// contacts shows a user's Contacts page, to them, their managers and their
// admins (app.Contacts decides).
func (u *UI) contacts(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	return u.renderContacts(w, r, v, id)
}

func (u *UI) renderContacts(w http.ResponseWriter, r *http.Request, v viewer, id reportline.UserID) error {
	ctx := r.Context()
	c, err := u.app.Contacts(ctx, v.Actor, id)
	if err != nil {
		return err
	}
	p := contactsPage{User: c.User, Mine: id == v.User.ID, Managers: c.Managers}
	l := u.loc(r)
	title := l.T("contacts.title", map[string]any{"Name": c.User.Name()})
	if p.Mine {
		title = l.T("nav.contacts", nil)
	}
	if p.page, err = u.base(ctx, v, title, contextGroup(r)); err != nil {
		return err
	}
	if p.Mine {
		p.Here = "contacts"
	} else {
		p.ProfileURL = userURL(id, "", p.page)
	}
	u.render(w, r, http.StatusOK, "contacts", p)
	return nil
}

// orphansPage is the report of managees left without a manager.
type orphansPage struct {
	page
	Rows     []orphanRow
	Groups   []groupChoice // the groups the report can be narrowed to
	GroupID  reportline.GroupID
	Reason   app.OrphanReason
	Reasons  []reasonChoice
	Scanned  int
	NextURL  string
	FirstURL string
}

// orphanRow is one managee of the report.
type orphanRow struct {
	Orphan      app.Orphan
	Flag        flag
	ManagersURL string
}

// groupChoice is a group of the report's filter.
type groupChoice struct {
	ID       reportline.GroupID
	Label    string // indented by depth
	Selected bool
}

// reasonChoice is a reason of the report's filter.
type reasonChoice struct {
	Value    app.OrphanReason
	Label    string
	Selected bool
}

// orphanTones are the tones of every reason; the labels are the
// catalogue's orphans.reason.* messages.
var orphanTones = map[app.OrphanReason]string{
	app.OrphanInactive: "bad",
	app.OrphanExpired:  "warn",
	app.OrphanMissing:  "bad",
	app.OrphanMixed:    "warn",
}

// orphanFlag labels a reason in the reader's language.
func orphanFlag(l *i18n.Localizer, r app.OrphanReason) flag {
	return flag{l.T("orphans.reason."+string(r), nil), orphanTones[r]}
}

// orphans shows the report to platform admins (everyone) and admins (their
// groups' members).
func (u *UI) orphans(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := app.OrphanFilter{Group: contextGroup(r), Reason: app.OrphanReason(q.Get("reason"))}
	if after, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil && after > 0 {
		f.AfterID = reportline.UserID(after)
	}
	res, err := u.app.Orphans(ctx, v.Actor, f)
	if err != nil {
		return err
	}
	p := orphansPage{GroupID: f.Group, Reason: f.Reason, Scanned: res.Scanned}
	if p.page, err = u.base(ctx, v, u.loc(r).T("orphans.title", nil), f.Group); err != nil {
		return err
	}
	p.Here = "orphans"
	var walk func(nodes []*navNode)
	walk = func(nodes []*navNode) {
		for _, n := range nodes {
			if n.Administered {
				label := n.Name
				for range n.Depth {
					label = "· " + label
				}
				p.Groups = append(p.Groups, groupChoice{ID: n.ID, Label: label, Selected: n.ID == f.Group})
			}
			walk(n.Children)
		}
	}
	walk(p.Nav)
	l := u.loc(r)
	for _, r := range []app.OrphanReason{app.OrphanInactive, app.OrphanExpired, app.OrphanMissing, app.OrphanMixed} {
		p.Reasons = append(p.Reasons, reasonChoice{Value: r, Label: orphanFlag(l, r).Label, Selected: r == f.Reason})
	}
	for _, o := range res.Orphans {
		p.Rows = append(p.Rows, orphanRow{Orphan: o, Flag: orphanFlag(l, o.Reason), ManagersURL: userURL(o.User.ID, "/managers", p.page)})
	}
	filter := func(after reportline.UserID) string {
		params := []string{"reason", string(f.Reason)}
		if f.Group != 0 {
			params = append(params, "group", fmt.Sprint(f.Group))
		}
		if after != 0 {
			params = append(params, "after", fmt.Sprint(after))
		}
		return withQuery("/reports/orphans", params...)
	}
	if res.Next != 0 {
		p.NextURL = filter(res.Next)
	}
	if f.AfterID != 0 {
		p.FirstURL = filter(0)
	}
	u.render(w, r, http.StatusOK, "orphans", p)
	return nil
}

// capabilitiesPage is Settings → Policies → Capabilities: what each link
// kind grants; platform admins change it.
type capabilitiesPage struct {
	settingsPage
	CanSave  bool
	Rows     []capabilityCells
	IsCustom bool // the matrix differs from the default
}

// capabilityCells is one capability and what each kind grants.
type capabilityCells struct {
	Capability reportline.Capability
	Label      string
	Holder     string
	Notes      []string
	Line       bool
	Functional bool
}

func (u *UI) capabilitiesPage(r *http.Request, v viewer) (*capabilitiesPage, error) {
	ctx := r.Context()
	m, err := u.app.CapabilityMatrix(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	p := &capabilitiesPage{CanSave: u.may(r, v, policy.ChangeSettings)}
	l := u.loc(r)
	if p.settingsPage, err = u.settingsBase(r, v, l.T("settings.capabilities", nil), "capabilities"); err != nil {
		return nil, err
	}
	def := reportline.DefaultMatrix()
	for _, c := range reportline.Capabilities {
		row := capabilityCells{Capability: c, Label: l.T("capability."+string(c), nil), Holder: l.T("capabilities.holder.manager", nil),
			Line: m.Allows(reportline.Line, c), Functional: m.Allows(reportline.Functional, c)}
		if c.ManageeHolds() {
			row.Holder = l.T("capabilities.holder.managee", nil)
		}
		if c.Transitive() {
			row.Notes = append(row.Notes, l.T("capabilities.note.transitive", nil))
		}
		if c.AdminRole() {
			row.Notes = append(row.Notes, l.T("capabilities.note.admin", nil))
		}
		if c.SelfGranted() {
			row.Notes = append(row.Notes, l.T("capabilities.note.self", nil))
		}
		p.IsCustom = p.IsCustom || row.Line != def.Allows(reportline.Line, c) || row.Functional != def.Allows(reportline.Functional, c)
		p.Rows = append(p.Rows, row)
	}
	if r.URL.Query().Get("saved") == "1" {
		p.Flash = l.T("capabilities.saved", nil)
	}
	return p, nil
}

func (u *UI) capabilities(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.capabilitiesPage(r, v)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "access_capabilities", p)
	return nil
}

// saveCapabilities replaces the matrix with the ticked cells, or returns
// it to the default.
func (u *UI) saveCapabilities(w http.ResponseWriter, r *http.Request, v viewer) error {
	m := reportline.Matrix{}
	if r.PostForm.Get("reset") == "" {
		for _, k := range reportline.LinkKinds {
			ticked := map[string]bool{}
			for _, c := range r.PostForm[string(k)] {
				ticked[c] = true
			}
			for _, c := range reportline.Capabilities {
				m.Set(k, c, ticked[string(c)])
			}
		}
	}
	if _, err := u.app.SetCapabilityMatrix(r.Context(), v.Actor, m); err != nil {
		if reportline.ErrorCode(err) != reportline.Invalid {
			return err
		}
		p, perr := u.capabilitiesPage(r, v)
		if perr != nil {
			return perr
		}
		p.Problem = problemOf(u.loc(r), err)
		u.render(w, r, http.StatusUnprocessableEntity, "access_capabilities", p)
		return nil
	}
	seeOther(w, r, "/settings/capabilities?saved=1")
	return nil
}
