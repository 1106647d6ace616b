package api

import "net/http"

// accessRoutes are the capability, contacts and orphan operations.
func (api *API) accessRoutes() []route {
	return []route{
		{id: "getCapabilities", method: "GET", path: "/api/v1/capabilities", tag: "access", summary: "The capability matrix: what each link kind grants, and what admins hold by role",
			response: CapabilityMatrix{}, status: http.StatusOK, handler: api.getCapabilities},
		{id: "replaceCapabilities", method: "PUT", path: "/api/v1/capabilities", tag: "access", summary: "Replace the capability matrix (platform admins); cells not listed return to their default",
			request: CapabilityCells{}, response: CapabilityMatrix{}, status: http.StatusOK, handler: api.putCapabilities},
		{id: "checkAccess", method: "GET", path: "/api/v1/access/check", tag: "access", summary: "May the subject do the capability about the resource: the decision, what grants it or why not",
			query: []param{{"subject", "integer", "the user who would act (required)"}, {"capability", "string", "a capability name (required)"},
				{"resource", "integer", "the user it is about (required)"}, {"at", "string", "RFC 3339 or YYYY-MM-DD; now when omitted"}},
			response: AccessDecision{}, status: http.StatusOK, handler: api.checkAccess},
		{id: "listContacts", method: "GET", path: "/api/v1/users/{id}/contacts", tag: "access", summary: "The user's Contacts: their managers in effect today, with kind and source",
			response: ContactList{}, status: http.StatusOK, handler: api.contacts},
		{id: "listOrphans", method: "GET", path: "/api/v1/reports/orphans", tag: "access", summary: "Active managees whose managers are all inactive, expired or missing (admins: their groups)",
			query: []param{{"group_id", "integer", "only members of this group and its descendants"}, {"reason", "string", "inactive, expired, missing or mixed"},
				{"after", "integer", "keyset: managees with a larger id"}, {"limit", "integer", "page size, 50 by default, at most 500"}},
			response: OrphanPage{}, status: http.StatusOK, handler: api.orphans},
	}
}
