package api

import (
	"net/http"
	"strconv"
	"time"

	"reportline"
	"reportline/app"
)

// CapabilityMatrix is which capabilities each link kind grants, with what
// every capability means.
type CapabilityMatrix struct {
	Line         map[string]bool  `json:"line"`
	Functional   map[string]bool  `json:"functional"`
	Capabilities []CapabilityInfo `json:"capabilities"`
}

// CapabilityInfo describes a capability.
type CapabilityInfo struct {
	Name       string `json:"name"`
	Label      string `json:"label"`
	Holder     string `json:"holder" enum:"manager,managee" doc:"who holds it, the subject of an access check: the manager, or the managee (see_mbo_goals)"`
	Transitive bool   `json:"transitive" doc:"also held by the managers above in the reporting line (view_reports)"`
	AdminRole  bool   `json:"admin_role" doc:"held by platform admins about everyone, and by group admins about their groups' members"`
	SelfHeld   bool   `json:"self_held" doc:"held by every user about themself"`
	Line       bool   `json:"line"`
	Functional bool   `json:"functional"`
}

// CapabilityCells sets the matrix: capability name → allowed, per kind.
// Cells not listed return to their default.
type CapabilityCells struct {
	Line       map[string]bool `json:"line,omitempty"`
	Functional map[string]bool `json:"functional,omitempty"`
}

func toCapabilityMatrix(m reportline.Matrix) CapabilityMatrix {
	out := CapabilityMatrix{Line: map[string]bool{}, Functional: map[string]bool{}}
	for _, c := range reportline.Capabilities {
		holder := "manager"
		if c.ManageeHolds() {
			holder = "managee"
		}
		line, functional := m.Allows(reportline.Line, c), m.Allows(reportline.Functional, c)
		out.Line[string(c)], out.Functional[string(c)] = line, functional
		out.Capabilities = append(out.Capabilities, CapabilityInfo{Name: string(c), Label: c.Label(), Holder: holder,
			Transitive: c.Transitive(), AdminRole: c.AdminRole(), SelfHeld: c.SelfGranted(), Line: line, Functional: functional})
	}
	return out
}

func (api *API) getCapabilities(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	m, err := api.app.CapabilityMatrix(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	return toCapabilityMatrix(m), nil
}

func (api *API) putCapabilities(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in CapabilityCells
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	m := reportline.Matrix{}
	for kind, cells := range map[reportline.Kind]map[string]bool{reportline.Line: in.Line, reportline.Functional: in.Functional} {
		for c, allowed := range cells {
			m.Set(kind, reportline.Capability(c), allowed)
		}
	}
	m, err := api.app.SetCapabilityMatrix(r.Context(), actor, m)
	if err != nil {
		return nil, err
	}
	return toCapabilityMatrix(m), nil
}

// AccessDecision is the answer to an access check.
type AccessDecision struct {
	Subject    int64        `json:"subject"`
	Capability string       `json:"capability"`
	Resource   int64        `json:"resource"`
	At         time.Time    `json:"at"`
	Allowed    bool         `json:"allowed"`
	Code       string       `json:"code" doc:"what grants it (link, chain, platform_admin, group_admin, self) or why not"`
	Reason     string       `json:"reason"`
	Grant      *AccessGrant `json:"grant,omitempty"`
}

// AccessGrant is what grants an allowed access.
type AccessGrant struct {
	By      string  `json:"by" enum:"link,chain,platform_admin,group_admin,self"`
	Link    *Link   `json:"link,omitempty" doc:"the granting link; for a chain, the subject's own link at its top"`
	Chain   []int64 `json:"chain,omitempty" doc:"the users from the subject down to the resource, each managing the next"`
	GroupID int64   `json:"group_id,omitempty" doc:"the administrated group that holds the resource"`
}

func toAccessDecision(d app.Decision) AccessDecision {
	out := AccessDecision{Subject: int64(d.Subject), Capability: string(d.Capability), Resource: int64(d.Resource), At: d.At,
		Allowed: d.Allowed, Code: d.Code, Reason: d.Reason}
	if d.Allowed {
		g := &AccessGrant{By: string(d.Grant.By), GroupID: int64(d.Grant.Group)}
		if d.Grant.By == app.GrantLink || d.Grant.By == app.GrantChain {
			l := toLink(d.Grant.Link, nil)
			g.Link = &l
		}
		for _, u := range d.Grant.Users() {
			g.Chain = append(g.Chain, int64(u))
		}
		out.Grant = g
	}
	return out
}

func (api *API) checkAccess(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	q := r.URL.Query()
	ids := map[string]int64{}
	for _, name := range []string{"subject", "resource"} {
		s := q.Get(name)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return nil, reportline.FieldError(name, s, "%s must be a user id", name)
		}
		ids[name] = n
	}
	c, err := reportline.ParseCapability(q.Get("capability"))
	if err != nil {
		return nil, err
	}
	at, err := parseDate("at", q.Get("at"))
	if err != nil {
		return nil, err
	}
	d, err := api.app.CheckAccess(r.Context(), actor, reportline.UserID(ids["subject"]), c, reportline.UserID(ids["resource"]), at)
	if err != nil {
		return nil, err
	}
	return toAccessDecision(d), nil
}

// ContactList is a user's Contacts page: their managers, each as a link
// whose user is the manager.
type ContactList struct {
	User     UserRef `json:"user"`
	Managers []Link  `json:"managers"`
}

func (api *API) contacts(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := api.app.Contacts(r.Context(), actor, reportline.UserID(id))
	if err != nil {
		return nil, err
	}
	out := ContactList{User: toUserRef(v.User), Managers: []Link{}}
	for _, c := range v.Managers {
		out.Managers = append(out.Managers, toLink(c.Link, &c.User))
	}
	return out, nil
}

// OrphanPage is a page of the orphaned managees report.
type OrphanPage struct {
	Orphans   []Orphan `json:"orphans"`
	NextAfter int64    `json:"next_after,omitempty" doc:"pass as after= for the next page"`
	Scanned   int      `json:"scanned" doc:"active users this page looked at"`
}

// Orphan is a managee whose managers are all inactive, expired or missing.
type Orphan struct {
	User        UserRef      `json:"user"`
	Reason      string       `json:"reason" enum:"inactive,expired,missing,mixed"`
	Message     string       `json:"message"`
	LastRemoval *time.Time   `json:"last_removal,omitempty" doc:"when their last link was removed, for a managee with no link left"`
	Links       []OrphanLink `json:"links"`
}

// OrphanLink is one of an orphan's links (its user is the manager) and
// what is wrong with it.
type OrphanLink struct {
	Link    Link   `json:"link"`
	Problem string `json:"problem" enum:"manager_inactive,ended,not_started"`
}

func (api *API) orphans(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var f app.OrphanFilter
	group, err := queryInt(r, "group_id")
	if err != nil {
		return nil, err
	}
	after, err := queryInt(r, "after")
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	f.Group, f.AfterID, f.Limit, f.Reason = reportline.GroupID(group), reportline.UserID(after), int(limit), app.OrphanReason(r.URL.Query().Get("reason"))
	p, err := api.app.Orphans(r.Context(), actor, f)
	if err != nil {
		return nil, err
	}
	out := OrphanPage{Orphans: []Orphan{}, NextAfter: int64(p.Next), Scanned: p.Scanned}
	for _, o := range p.Orphans {
		oo := Orphan{User: toUserRef(o.User), Reason: string(o.Reason), Message: o.Message, LastRemoval: timePtr(o.LastRemoval), Links: []OrphanLink{}}
		for _, l := range o.Links {
			oo.Links = append(oo.Links, OrphanLink{Link: toLink(l.Link, &l.Manager), Problem: l.Problem})
		}
		out.Orphans = append(out.Orphans, oo)
	}
	return out, nil
}
