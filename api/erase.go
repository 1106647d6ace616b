package api

import (
	"net/http"

	"reportline"
	"reportline/app"
)

// eraseRoutes are the GDPR erasure of one person (docs/security.md).
func (api *API) eraseRoutes() []route {
	return []route{
		{id: "eraseUser", method: "POST", path: "/api/v1/users/{id}/erase", tag: "users",
			summary: "Erase a person's personal data for good (GDPR; platform admins, never themself)",
			description: "Their links end (recorded as removals), their account is deactivated under the pseudonym erased-<id>, " +
				"the audit and change-log entries about or naming them carry the pseudonym, and their password, tokens, sessions and mail are deleted. It cannot be undone.",
			response: ErasedUser{}, status: http.StatusOK, handler: api.eraseUser},
	}
}

// ErasedUser is the answer to an erasure: the account as it is now and
// what changed, with none of the erased data.
type ErasedUser struct {
	User       User             `json:"user"`
	Pseudonym  string           `json:"pseudonym" doc:"erased-<id>: the account's names, email and external uid now"`
	LinksEnded int              `json:"links_ended" doc:"links ended, as manager or managee"`
	Rows       map[string]int64 `json:"rows" doc:"rows changed or deleted, by table"`
}

func (api *API) eraseUser(_ http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	e, err := api.app.EraseUser(r.Context(), actor, reportline.UserID(id))
	if err != nil {
		return nil, err
	}
	return ErasedUser{User: toUser(e.User), Pseudonym: e.Pseudonym, LinksEnded: e.Links, Rows: e.Rows}, nil
}
