package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/web"
)

// registerOrg adds the Policies → Subordinates settings and org structure pages.
func (u *UI) registerOrg(mux *http.ServeMux) {
	mux.Handle("GET /settings", http.RedirectHandler("/settings/subordinates", http.StatusSeeOther))
	mux.Handle("GET /settings/subordinates", u.signedIn(u.subordinates))
	mux.Handle("POST /settings/subordinates", u.signedIn(u.saveSubordinates))
	mux.Handle("GET /settings/org-structure", u.signedIn(u.orgStructure))
	mux.Handle("POST /settings/org-structure/units", u.signedIn(u.createOrgUnit))
	mux.Handle("POST /settings/org-structure/units/{id}/rename", u.signedIn(u.renameOrgUnit))
	mux.Handle("POST /settings/org-structure/units/{id}/move", u.signedIn(u.moveOrgUnit))
	mux.Handle("POST /settings/org-structure/units/{id}/delete", u.signedIn(u.deleteOrgUnit))
	mux.Handle("POST /settings/org-structure/positions", u.signedIn(u.saveManagerPositions))
}

// settingsPage is what every settings page has: the layout, the
// settings' own menu and the frame (settings_frame.go,
// layout/settings.html).
type settingsPage struct {
	page
	Section string // the settings menu's entry: "subordinates" or "org-structure"
	Flash   string
	Problem *problem
	// AlertsIn is the id of the page's section that Flash and Problem are
	// about ("ldap"); "" shows them under the heading.
	AlertsIn string
	// SectionName is the menu's group the page is in (a step of the
	// crumbs), Tabs its tabs if it has some, Crumbs the steps between it
	// and the page.
	SectionName string
	Tabs        []settingsTab
	Crumbs      []crumb
	// Heading is the heading and the crumbs' last step when they are not
	// the Title (an org unit's name).
	Heading string
}

// settingsBase builds the layout of a settings page: section is its entry
// of the settings menu, whose group is the crumbs' step.
func (u *UI) settingsBase(r *http.Request, v viewer, title, section string) (settingsPage, error) {
	p, err := u.base(r.Context(), v, title, 0)
	if err != nil {
		return settingsPage{}, err
	}
	p.Here = "settings"
	s := settingsPage{page: p, Section: section}
	if group := settingsGroups[section]; group != "" {
		s.SectionName = u.loc(r).T(group, nil)
	}
	return s, nil
}

// settingsGroups are the settings menu's groups (layout/org.html) by entry,
// as the crumbs name them. Org structure shows its own path instead.
var settingsGroups = map[string]string{
	"subordinates": "settings.policies", "capabilities": "settings.policies", "statistics": "settings.policies",
	"organisation": "settings.organisation", "sign-in": "settings.organisation", "sources": "settings.organisation",
	"notifications": "settings.notifications", "digest": "settings.notifications",
	"template-messages": "settings.notifications", "delivery-log": "settings.notifications",
}

// subordinatesPage is Settings → Policies → Subordinates: the Assign role
// mode and what each mode means.
type subordinatesPage struct {
	settingsPage
	Mode         reportline.AssignMode
	Modes        []modeOption
	Capabilities []capabilityRow
	OrgUnits     int
	Positions    int
}

// modeOption is one radio button of the Assign role mode.
type modeOption struct {
	Value      reportline.AssignMode
	Label      string
	Help       string
	Checked    bool
	LineColumn string // the capability table's heading for line managers in this mode
}

// capabilityRow is one row of the capability comparison: what a line
// manager (of the mode) and a functional manager get.
type capabilityRow struct {
	Name       string
	Line       bool
	Functional bool
}

// capabilityRows is the comparison of the product article: the same in both
// modes, but for whose line managers they are (orgstructure or imported).
// Name is a message id.
var capabilityRows = []capabilityRow{
	{"subordinates.cap.star", true, false},
	{"subordinates.cap.tasks", true, true},
	{"subordinates.cap.reports", true, true},
	{"subordinates.cap.assessments", true, true},
	{"subordinates.cap.checklists", true, true},
	{"subordinates.cap.mbo", true, true},
	{"subordinates.cap.contacts", true, true},
	{"subordinates.cap.messages", true, true},
	{"subordinates.cap.birthdays", true, true},
}

// modeOptions are the two modes, positions first as the product lists them.
func modeOptions(l *i18n.Localizer) []modeOption {
	return []modeOption{
		{Value: reportline.AssignByPositions, Label: l.T("subordinates.positions", nil), LineColumn: l.T("subordinates.positions.column", nil),
			Help: l.T("subordinates.positions.help", nil)},
		{Value: reportline.AssignByImport, Label: l.T("subordinates.import", nil), LineColumn: l.T("subordinates.import.column", nil),
			Help: l.T("subordinates.import.help", nil)},
	}
}

// subordinates shows the Assign role mode.
func (u *UI) subordinates(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.subordinatesPage(r, v)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") == "1" {
		p.Flash = u.loc(r).T("subordinates.saved", nil)
	}
	u.render(w, r, http.StatusOK, "org_subordinates", p)
	return nil
}

func (u *UI) subordinatesPage(r *http.Request, v viewer) (*subordinatesPage, error) {
	ctx, l := r.Context(), u.loc(r)
	pol, err := u.app.SubordinatesPolicy(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	s, err := u.settingsBase(r, v, l.T("settings.subordinates", nil), "subordinates")
	if err != nil {
		return nil, err
	}
	p := &subordinatesPage{settingsPage: s, Mode: pol.Mode, OrgUnits: pol.OrgUnits, Positions: len(pol.ManagerPositions),
		Modes: modeOptions(l), Capabilities: capabilityRows}
	for i := range p.Modes {
		p.Modes[i].Checked = p.Modes[i].Value == pol.Mode
	}
	return p, nil
}

// saveSubordinates switches the Assign role mode.
func (u *UI) saveSubordinates(w http.ResponseWriter, r *http.Request, v viewer) error {
	err := u.app.SetAssignMode(r.Context(), v.Actor, reportline.AssignMode(r.PostFormValue("mode")))
	if reportline.IsCode(err, reportline.Invalid) {
		p, perr := u.subordinatesPage(r, v)
		if perr != nil {
			return perr
		}
		p.Problem = &problem{Title: u.loc(r).T("settings.not_saved", nil), Message: u.loc(r).T("subordinates.choose", nil)}
		u.render(w, r, http.StatusUnprocessableEntity, "org_subordinates", p)
		return nil
	}
	if err != nil {
		return err
	}
	seeOther(w, r, "/settings/subordinates?saved=1")
	return nil
}

// orgStructurePage is Settings → Org structure: the unit tree, one unit's
// details and forms, and the positions mapping.
type orgStructurePage struct {
	settingsPage
	Mode      reportline.AssignMode
	Tree      app.OrgTree
	Unit      *app.OrgUnitInfo // the unit chosen with ?unit=, nil at the top
	UnitURL   string
	Titles    string // the positions mapping, one per line
	Held      []heldPosition
	UnitNames []string // for the move form's suggestions; empty when there are too many
	// Form values kept after a refusal.
	NewName, Rename, MoveTo string
}

// heldPosition is a position users hold, for the positions mapping editor.
type heldPosition struct {
	reportline.PositionCount
	Manager bool
}

// heldPositionsShown is how many positions the mapping editor lists.
const heldPositionsShown = 25

// unitSuggestions bounds the unit names offered in the move form.
const unitSuggestions = 500

// orgTreeDepth is how many levels of units the tree shows at once.
const orgTreeDepth = 4

// orgFlashes are the messages after a change, chosen by ?done=: message
// ids.
var orgFlashes = map[string]string{
	"created":   "orgstructure.done.created",
	"renamed":   "orgstructure.done.renamed",
	"moved":     "orgstructure.done.moved",
	"deleted":   "orgstructure.done.deleted",
	"positions": "orgstructure.done.positions",
}

// orgStructure shows the org structure page.
func (u *UI) orgStructure(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, _ := strconv.ParseInt(r.URL.Query().Get("unit"), 10, 64)
	l := u.loc(r)
	p, err := u.orgStructurePage(r, v, reportline.OrgUnitID(max(id, 0)))
	if err != nil {
		return err
	}
	if done, ok := orgFlashes[r.URL.Query().Get("done")]; ok {
		p.Flash = l.T(done, nil)
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("renamed")); err == nil && n > 0 && p.Flash != "" {
		p.Flash += " " + l.N("orgstructure.done.renamed_users", n, nil)
	}
	u.render(w, r, http.StatusOK, "org_structure", p)
	return nil
}

func (u *UI) orgStructurePage(r *http.Request, v viewer, unit reportline.OrgUnitID) (*orgStructurePage, error) {
	ctx, l := r.Context(), u.loc(r)
	depth := orgTreeDepth
	p := &orgStructurePage{}
	if unit != 0 {
		info, err := u.app.OrgUnitInfo(ctx, v.Actor, unit)
		if err != nil {
			return nil, err
		}
		p.Unit, p.UnitURL = &info, orgUnitURL(unit)
		p.Rename = info.Name
		depth--
	}
	tree, err := u.app.OrgStructure(ctx, v.Actor, unit, depth)
	if err != nil {
		return nil, err
	}
	p.Tree = tree
	pol, err := u.app.SubordinatesPolicy(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	p.Mode = pol.Mode
	p.Titles = strings.Join(pol.ManagerPositions, "\n")
	manager := map[string]bool{}
	for _, t := range pol.ManagerPositions {
		manager[reportline.OrgKey(t)] = true
	}
	held, err := u.app.HeldPositions(ctx, v.Actor, heldPositionsShown)
	if err != nil {
		return nil, err
	}
	for _, h := range held {
		p.Held = append(p.Held, heldPosition{PositionCount: h, Manager: manager[reportline.OrgKey(h.Title)]})
	}
	if tree.Units <= unitSuggestions {
		units, err := u.app.ListOrgUnits(ctx, v.Actor)
		if err != nil {
			return nil, err
		}
		for _, x := range units {
			if p.Unit == nil || x.ID != p.Unit.ID {
				p.UnitNames = append(p.UnitNames, x.Name)
			}
		}
	}
	title := l.T("settings.org_structure", nil)
	if p.Unit != nil {
		title = l.T("orgstructure.title.unit", map[string]any{"Name": p.Unit.Name})
	}
	if p.settingsPage, err = u.settingsBase(r, v, title, "org-structure"); err != nil {
		return nil, err
	}
	if p.Unit != nil {
		// The crumbs go down the tree to the unit, whose name is the heading.
		p.Heading = p.Unit.Name
		p.Crumbs = []crumb{{Href: "/settings/org-structure", Label: l.T("settings.org_structure", nil)}}
		for _, x := range p.Unit.Path {
			p.Crumbs = append(p.Crumbs, crumb{Href: orgUnitURL(x.ID), Label: x.Name})
		}
	}
	return p, nil
}

// orgUnitURL is the org structure page opened at a unit.
func orgUnitURL(id reportline.OrgUnitID) string {
	if id == 0 {
		return "/settings/org-structure"
	}
	return fmt.Sprintf("/settings/org-structure?unit=%d", id)
}

// orgRefused shows the org structure page again with why a change was
// refused, keeping what was typed. Errors that are not the input's go to
// the error page.
func (u *UI) orgRefused(w http.ResponseWriter, r *http.Request, v viewer, unit reportline.OrgUnitID, err error, keep func(*orgStructurePage)) error {
	code := reportline.ErrorCode(err)
	if code != reportline.Invalid && code != reportline.Conflict {
		return err
	}
	p, perr := u.orgStructurePage(r, v, unit)
	if perr != nil {
		return perr
	}
	p.Problem = problemOf(u.loc(r), err)
	p.Problem.Title = u.loc(r).T("orgstructure.not_changed", nil)
	if keep != nil {
		keep(p)
	}
	u.render(w, r, web.Status(code), "org_structure", p)
	return nil
}

// unitParam is a unit's id as a query parameter, "" (left out) for none.
func unitParam(id reportline.OrgUnitID) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(int64(id), 10)
}

// formUnitID reads the {id} path segment of a unit's form.
func formUnitID(r *http.Request) (reportline.OrgUnitID, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, reportline.Errorf(reportline.NotFound, "there is no org unit %q", r.PathValue("id"))
	}
	return reportline.OrgUnitID(id), nil
}

// createOrgUnit adds a unit under parent_id (0: at the top).
func (u *UI) createOrgUnit(w http.ResponseWriter, r *http.Request, v viewer) error {
	parent, _ := strconv.ParseInt(r.PostFormValue("parent_id"), 10, 64)
	name := r.PostFormValue("name")
	unit, err := u.app.CreateOrgUnit(r.Context(), v.Actor, app.OrgUnitInput{Name: name, ParentID: reportline.OrgUnitID(max(parent, 0))})
	if err != nil {
		return u.orgRefused(w, r, v, reportline.OrgUnitID(max(parent, 0)), err, func(p *orgStructurePage) { p.NewName = name })
	}
	seeOther(w, r, withQuery("/settings/org-structure", "unit", unitParam(unit.ID), "done", "created"))
	return nil
}

// renameOrgUnit renames a unit; its users follow.
func (u *UI) renameOrgUnit(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := formUnitID(r)
	if err != nil {
		return err
	}
	name := r.PostFormValue("name")
	ch, err := u.app.UpdateOrgUnit(r.Context(), v.Actor, id, app.OrgUnitPatch{Name: &name})
	if err != nil {
		return u.orgRefused(w, r, v, id, err, func(p *orgStructurePage) { p.Rename = name })
	}
	seeOther(w, r, withQuery("/settings/org-structure", "unit", unitParam(id), "done", "renamed",
		"renamed", strconv.FormatInt(ch.MembersRenamed, 10)))
	return nil
}

// moveOrgUnit moves a unit under the unit named in "parent" (blank: to the
// top).
func (u *UI) moveOrgUnit(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := formUnitID(r)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("parent"))
	var parent reportline.OrgUnitID
	if name != "" {
		p, err := u.app.FindOrgUnit(r.Context(), v.Actor, name)
		if reportline.IsCode(err, reportline.NotFound) {
			err = reportline.FieldError("parent", name, "there is no org unit named %q", name)
			return u.orgRefused(w, r, v, id, err, func(p *orgStructurePage) {
				p.MoveTo = name
				p.Problem.Message, p.Problem.Details = u.loc(r).T("orgstructure.move.no_unit", map[string]any{"Name": name}), nil
			})
		}
		if err != nil {
			return u.orgRefused(w, r, v, id, err, func(p *orgStructurePage) { p.MoveTo = name })
		}
		parent = p.ID
	}
	if _, err := u.app.UpdateOrgUnit(r.Context(), v.Actor, id, app.OrgUnitPatch{ParentID: &parent}); err != nil {
		return u.orgRefused(w, r, v, id, err, func(p *orgStructurePage) { p.MoveTo = name })
	}
	seeOther(w, r, withQuery("/settings/org-structure", "unit", unitParam(id), "done", "moved"))
	return nil
}

// deleteOrgUnit deletes a unit and shows its parent.
func (u *UI) deleteOrgUnit(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := formUnitID(r)
	if err != nil {
		return err
	}
	info, err := u.app.OrgUnitInfo(r.Context(), v.Actor, id)
	if err != nil {
		return err
	}
	if err := u.app.DeleteOrgUnit(r.Context(), v.Actor, id); err != nil {
		return u.orgRefused(w, r, v, id, err, nil)
	}
	seeOther(w, r, withQuery("/settings/org-structure", "unit", unitParam(info.ParentID), "done", "deleted"))
	return nil
}

// saveManagerPositions replaces the positions mapping with the lines of
// "titles".
func (u *UI) saveManagerPositions(w http.ResponseWriter, r *http.Request, v viewer) error {
	text := r.PostFormValue("titles")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	unit, _ := strconv.ParseInt(r.PostFormValue("unit"), 10, 64)
	back := reportline.OrgUnitID(max(unit, 0))
	if _, err := u.app.SetManagerPositions(r.Context(), v.Actor, lines); err != nil {
		return u.orgRefused(w, r, v, back, err, func(p *orgStructurePage) { p.Titles = text })
	}
	seeOther(w, r, withQuery("/settings/org-structure", "unit", unitParam(back), "done", "positions")+"#positions")
	return nil
}
