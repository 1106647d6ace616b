package operatorui

import (
	"net/http"
	"strconv"
	"strings"

	"reportline"
	"reportline/i18n"
)

// The people of a tenant, read-only, while the tenant's platform admins
// grant the operator access (App.OperatorPeople, policy
// tenants.people.read); refused otherwise, and every listing is in the
// operator log.

// peoplePageSize is how many people a page lists.
const peoplePageSize = 200

// peopleView is what people.html receives.
type peopleView struct {
	view
	Slug   string
	Until  string
	By     string
	People []reportline.User
	Next   reportline.UserID // the next page starts after this id; 0 when none
}

func (p *Page) people(w http.ResponseWriter, r *http.Request) {
	l := localizer(r)
	slug := strings.ToLower(strings.TrimSpace(r.PathValue("slug")))
	t, ok, err := p.tenantBySlug(r, slug)
	if err != nil {
		p.failed(w, r, "people", err)
		return
	}
	if !ok {
		p.listWith(w, r, http.StatusNotFound, "", l.T("operator.people.no_tenant", map[string]any{"Slug": slug}))
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	users, g, err := p.app.OperatorPeople(r.Context(), operatorOf(r), t.ID, reportline.UserID(after), peoplePageSize)
	if err != nil {
		p.failed(w, r, "people", err)
		return
	}
	v := peopleView{view: view{L: l, Operator: operatorOf(r)}, Slug: t.Slug, Until: l.DateTime(g.Until), By: g.By, People: users}
	if len(users) == peoplePageSize {
		v.Next = users[len(users)-1].ID
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := p.tmpl.ExecuteTemplate(w, "people.html", v); err != nil {
		p.log.Error("operator page", "template", "people.html", "err", err)
	}
}

// tenantBySlug finds a tenant by its slug.
func (p *Page) tenantBySlug(r *http.Request, slug string) (reportline.Tenant, bool, error) {
	ts, err := p.db.Tenants(r.Context())
	if err != nil {
		return reportline.Tenant{}, false, err
	}
	for _, t := range ts {
		if t.Slug == slug {
			return t, true, nil
		}
	}
	return reportline.Tenant{}, false, nil
}

// statusLabel is a person's status in the page's language.
func statusLabel(l *i18n.Localizer, u reportline.User) string {
	if u.Active() {
		return l.T("operator.status.active", nil)
	}
	return l.T("operator.people.inactive", nil)
}
