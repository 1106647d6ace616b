package api

import (
	"net/http"

	"reportline"
	"reportline/app"
)

// sessionRoutes end people's signed-in sessions (a lost laptop, someone
// leaving): the policy's session.manage row decides whose.
func (api *API) sessionRoutes() []route {
	return []route{
		{id: "endUserSessions", description: "Their browsers must sign in again; API tokens are not sessions (revoke them with /api/v1/tokens). Recorded in the change log (session.manage).",
			method: "DELETE", path: "/api/v1/users/{id}/sessions", tag: "users",
			summary:  "End every signed-in session of a user (your own; platform admins: anyone's; group and user admins: the people they administrate)",
			response: EndedSessions{}, status: http.StatusOK, handler: api.endUserSessions},
	}
}

// EndedSessions says how many sessions a request ended.
type EndedSessions struct {
	Ended int `json:"ended" doc:"sessions ended; 0 when the user had none"`
}

func (api *API) endUserSessions(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	n, err := api.app.EndOtherSessions(r.Context(), actor, reportline.UserID(id), "")
	if err != nil {
		return nil, err
	}
	return EndedSessions{Ended: n}, nil
}
