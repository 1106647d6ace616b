package ui

import (
	"net/http"
	"strconv"
	"strings"

	"reportline"
)

// The control on Settings → Organisation that lets the installation's
// operator list the organisation's people for a few hours, or ends that
// (App.GrantOperatorAccess, docs/tenants.md "The operator"); platform
// admins only (policy tenant.operator_grant).

// operatorGrantView fills the page's grant: whether one runs, until when
// and who gave it.
func (u *UI) operatorGrantView(r *http.Request, v viewer, p *tenantSettingsPage) error {
	g, err := u.app.OperatorGrant(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	if !g.Until.IsZero() {
		p.OperatorUntil, p.OperatorBy = u.loc(r).DateTime(g.Until), g.By
	}
	return nil
}

// saveOperatorGrant grants (hours) or revokes (revoke=1) the operator's
// access; a refused number of hours shows the page again with the reason.
func (u *UI) saveOperatorGrant(w http.ResponseWriter, r *http.Request, v viewer) error {
	if r.PostForm.Get("revoke") == "1" {
		if err := u.app.RevokeOperatorAccess(r.Context(), v.Actor); err != nil {
			return err
		}
		seeOther(w, r, "/settings/organisation?operator=revoked")
		return nil
	}
	raw := strings.TrimSpace(r.PostForm.Get("hours"))
	hours, err := strconv.Atoi(raw)
	if err != nil {
		err = reportline.FieldError("hours", raw, "a grant lasts a whole number of hours, from 1 to 72")
	} else {
		_, err = u.app.GrantOperatorAccess(r.Context(), v.Actor, hours)
	}
	if err == nil {
		seeOther(w, r, "/settings/organisation?operator=granted")
		return nil
	}
	return u.tenantSettingsRefused(w, r, v, err, func(p *tenantSettingsPage) { p.OperatorHours = raw })
}
