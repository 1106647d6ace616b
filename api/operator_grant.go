package api

import (
	"net/http"
	"time"

	"reportline/app"
)

// operatorGrantRoutes let the organisation's platform admins give the
// installation's operator a time-boxed look at its people, or end it
// (docs/tenants.md, "The operator"): the same service as the control on
// Settings → Organisation.
func (api *API) operatorGrantRoutes() []route {
	return []route{
		{id: "getOperatorAccess", method: "GET", path: "/api/v1/settings/tenant/operator-access", tag: "settings",
			summary:  "Whether the installation's operator may list the organisation's people now, and until when (platform admins)",
			response: OperatorAccess{}, status: http.StatusOK, handler: api.getOperatorAccess},
		{id: "grantOperatorAccess", method: "PUT", path: "/api/v1/settings/tenant/operator-access", tag: "settings",
			summary:     "Let the operator list the organisation's people, read-only, for 1 to 72 hours from now (platform admins)",
			description: "Replaces a grant that runs. Recorded in the organisation's change log and in the operator's log.",
			request:     OperatorAccessGrant{}, response: OperatorAccess{}, status: http.StatusOK, handler: api.grantOperatorAccess},
		{id: "revokeOperatorAccess", method: "DELETE", path: "/api/v1/settings/tenant/operator-access", tag: "settings",
			summary: "End the operator's access to the organisation's people now (platform admins)",
			status:  http.StatusNoContent, handler: api.revokeOperatorAccess},
	}
}

// OperatorAccess is the organisation's grant to the operator.
type OperatorAccess struct {
	Granted bool       `json:"granted" doc:"true while a grant runs"`
	Until   *time.Time `json:"until,omitempty" doc:"when the grant ends"`
	By      string     `json:"by,omitempty" doc:"the platform admin who granted it"`
}

// OperatorAccessGrant asks for a grant.
type OperatorAccessGrant struct {
	Hours int `json:"hours" doc:"how long, from now: 1 to 72 hours"`
}

func operatorAccess(g app.OperatorGrant) OperatorAccess {
	if g.Until.IsZero() {
		return OperatorAccess{}
	}
	until := g.Until
	return OperatorAccess{Granted: true, Until: &until, By: g.By}
}

func (api *API) getOperatorAccess(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	g, err := api.app.OperatorGrant(r.Context(), actor)
	return operatorAccess(g), err
}

func (api *API) grantOperatorAccess(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in OperatorAccessGrant
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	g, err := api.app.GrantOperatorAccess(r.Context(), actor, in.Hours)
	return operatorAccess(g), err
}

func (api *API) revokeOperatorAccess(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	return nil, api.app.RevokeOperatorAccess(r.Context(), actor)
}
