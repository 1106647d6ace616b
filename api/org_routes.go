package api

import "net/http"

// orgRoutes are the Assign role mode and org structure operations.
func (api *API) orgRoutes() []route {
	return []route{
		{id: "getAssignMode", method: "GET", path: "/api/v1/settings/assign-mode", tag: "org", summary: "The Assign role mode (Policies → Subordinates): where line managers come from",
			response: AssignModeBody{}, status: http.StatusOK, handler: api.getAssignMode},
		{id: "setAssignMode", method: "PUT", path: "/api/v1/settings/assign-mode", tag: "org", summary: "Switch the Assign role mode (platform admins); takes effect at once and loses nothing",
			request: AssignModeChange{}, response: AssignModeBody{}, status: http.StatusOK, handler: api.putAssignMode},
		{id: "getManagerPositions", method: "GET", path: "/api/v1/settings/manager-positions", tag: "org", summary: "The positions mapping: the position titles that are manager positions",
			response: ManagerPositions{}, status: http.StatusOK, handler: api.getManagerPositions},
		{id: "replaceManagerPositions", method: "PUT", path: "/api/v1/settings/manager-positions", tag: "org", summary: "Replace the positions mapping (platform admins)",
			request: ManagerPositions{}, response: ManagerPositions{}, status: http.StatusOK, handler: api.putManagerPositions},
		{id: "listOrgUnits", method: "GET", path: "/api/v1/org-units", tag: "org", summary: "Every org unit (platform admins)",
			response: OrgUnitList{}, status: http.StatusOK, handler: api.listOrgUnits},
		{id: "createOrgUnit", method: "POST", path: "/api/v1/org-units", tag: "org", summary: "Create an org unit (platform admins)",
			request: NewOrgUnit{}, response: OrgUnit{}, status: http.StatusCreated, handler: api.createOrgUnit},
		{id: "getOrgUnit", method: "GET", path: "/api/v1/org-units/{id}", tag: "org", summary: "An org unit: where it sits, its users and its managers",
			response: OrgUnitDetail{}, status: http.StatusOK, handler: api.getOrgUnit},
		{id: "updateOrgUnit", method: "PATCH", path: "/api/v1/org-units/{id}", tag: "org", summary: "Rename and/or move an org unit; a rename carries its users along",
			request: OrgUnitPatch{}, response: OrgUnitChange{}, status: http.StatusOK, handler: api.patchOrgUnit},
		{id: "deleteOrgUnit", method: "DELETE", path: "/api/v1/org-units/{id}", tag: "org", summary: "Delete an org unit that has no sub-units",
			status: http.StatusNoContent, handler: api.deleteOrgUnit},
		{id: "getEffectiveManagers", method: "GET", path: "/api/v1/users/{id}/effective-managers", tag: "org", summary: "The user's managers and managees as the Assign role mode makes them, with the manager star",
			response: EffectiveLinks{}, status: http.StatusOK, handler: api.effectiveManagers},
	}
}
