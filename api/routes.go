package api

import (
	"net/http"

	"reportline"
)

// routes is the API's one list of operations.
func (api *API) routes() []route {
	routes := append(append(api.coreRoutes(), api.accessRoutes()...), api.orgRoutes()...)
	routes = append(routes, api.learningRoutes()...)
	routes = append(routes, api.notificationRoutes()...)
	routes = append(routes, api.digestRoutes()...)
	routes = append(routes, api.directoryRoutes()...)
	routes = append(routes, api.tokenRoutes()...)
	routes = append(routes, api.sessionRoutes()...)
	routes = append(routes, api.webhookRoutes()...)
	routes = append(routes, api.eraseRoutes()...)
	routes = append(routes, api.absenceRoutes()...)
	routes = append(routes, api.tenantSettingsRoutes()...)
	routes = append(routes, api.tenantSSORoutes()...)
	routes = append(routes, api.tenantSAMLRoutes()...)
	routes = append(routes, api.tenantDirectoryRoutes()...)
	routes = append(routes, api.coverSettingsRoutes()...)
	routes = append(routes, api.operatorGrantRoutes()...)
	routes = append(routes, api.planRoutes()...)
	return routes
}

// coreRoutes are the users, links, groups, CSV and audit operations.
func (api *API) coreRoutes() []route {
	page := []param{{"after", "integer", "keyset: return users with a larger id"}, {"limit", "integer", "page size, 50 by default, at most 1000"}}
	return []route{
		{id: "getMe", method: "GET", path: "/api/v1/me", tag: "users", summary: "The authenticated user", response: User{}, status: http.StatusOK, handler: api.me},
		{id: "listUsers", method: "GET", path: "/api/v1/users", tag: "users", summary: "Find users (platform admins: all; group admins: their groups' members)",
			query: append([]param{{"q", "string", "search email, names and external uid"}, {"email", "string", "exact email"},
				{"external_uid", "string", "exact external uid"}, {"status", "string", "active or inactive"},
				{"group_id", "integer", "members of this group and its descendants"}}, page...),
			response: UserList{}, status: http.StatusOK, handler: api.listUsers},
		{id: "createUser", method: "POST", path: "/api/v1/users", tag: "users", summary: "Create a user", request: NewUser{}, response: User{}, status: http.StatusCreated, handler: api.createUser},
		{id: "getUser", method: "GET", path: "/api/v1/users/{id}", tag: "users", summary: "Get a user", response: User{}, status: http.StatusOK, handler: api.getUser},
		{id: "updateUser", method: "PATCH", path: "/api/v1/users/{id}", tag: "users", summary: "Change some fields of a user", request: UserPatch{}, response: User{}, status: http.StatusOK, handler: api.patchUser},
		{id: "deactivateUser", method: "POST", path: "/api/v1/users/{id}/deactivate", tag: "users", summary: "Deactivate a user; their links are kept", response: User{}, status: http.StatusOK, handler: api.setStatus(reportline.StatusInactive)},
		{id: "activateUser", method: "POST", path: "/api/v1/users/{id}/activate", tag: "users", summary: "Reactivate a user; their links apply again", response: User{}, status: http.StatusOK, handler: api.setStatus(reportline.StatusActive)},

		{id: "listManagers", method: "GET", path: "/api/v1/users/{id}/managers", tag: "links", summary: "The user's managers",
			query: []param{{"as_of", "string", "a date (YYYY-MM-DD: the end of that day, UTC) or an RFC 3339 time: the links in effect then, from the link history"}}, response: UserLinks{}, status: http.StatusOK, handler: api.listLinks(reportline.Managers)},
		{id: "addManagers", description: "Links already in place are reported as unchanged; one refused link refuses the whole request.", method: "POST", path: "/api/v1/users/{id}/managers", tag: "links", summary: "Add managers to the user (all or none; dry_run previews)", request: LinkRequest{}, response: LinkPlan{}, status: http.StatusOK, handler: api.changeLinks(reportline.Managers, false)},
		{id: "replaceManagers", description: "Managers of other kinds are kept; dry_run=true answers with the plan and changes nothing.", method: "PUT", path: "/api/v1/users/{id}/managers", tag: "links", summary: "Replace the user's managers of the kind with exactly the listed set", request: LinkRequest{}, response: LinkPlan{}, status: http.StatusOK, handler: api.changeLinks(reportline.Managers, true)},
		{id: "removeManager", method: "DELETE", path: "/api/v1/users/{id}/managers/{other}", tag: "links", summary: "Remove a manager from the user", status: http.StatusNoContent, handler: api.removeLink(reportline.Managers)},
		{id: "listManagees", method: "GET", path: "/api/v1/users/{id}/managees", tag: "links", summary: "The users the user manages",
			query: []param{{"as_of", "string", "a date (YYYY-MM-DD: the end of that day, UTC) or an RFC 3339 time: the links in effect then, from the link history"}}, response: UserLinks{}, status: http.StatusOK, handler: api.listLinks(reportline.Managees)},
		{id: "getTeamAsOf", method: "GET", path: "/api/v1/users/{id}/team", tag: "links", summary: "The user's team: direct reports, or everybody below them through line links, now or as of a date",
			description: "Whoever may see the user's managees today may see them as of any date; the subtree opens each member the caller may see today (all of it for the caller's own team).",
			query:       []param{{"scope", "string", "direct (default) or all"}, {"as_of", "string", "a date (YYYY-MM-DD: the end of that day, UTC) or an RFC 3339 time: the links in effect then, from the link history"}},
			response:    TeamAsOf{}, status: http.StatusOK, handler: api.teamAsOf},
		{id: "addManagees", method: "POST", path: "/api/v1/users/{id}/managees", tag: "links", summary: "Make the user the manager of others (all or none; dry_run previews)", request: LinkRequest{}, response: LinkPlan{}, status: http.StatusOK, handler: api.changeLinks(reportline.Managees, false)},
		{id: "replaceManagees", description: "Managees of other kinds are kept; dry_run=true answers with the plan and changes nothing.", method: "PUT", path: "/api/v1/users/{id}/managees", tag: "links", summary: "Replace the user's managees of the kind with exactly the listed set", request: LinkRequest{}, response: LinkPlan{}, status: http.StatusOK, handler: api.changeLinks(reportline.Managees, true)},
		{id: "removeManagee", method: "DELETE", path: "/api/v1/users/{id}/managees/{other}", tag: "links", summary: "Remove a managee from the user", status: http.StatusNoContent, handler: api.removeLink(reportline.Managees)},

		{id: "listGroups", method: "GET", path: "/api/v1/groups", tag: "groups", summary: "Groups the caller administrates or belongs to", response: GroupList{}, status: http.StatusOK, handler: api.listGroups},
		{id: "createGroup", method: "POST", path: "/api/v1/groups", tag: "groups", summary: "Create a group", request: NewGroup{}, response: Group{}, status: http.StatusCreated, handler: api.createGroup},
		{id: "listGroupMembers", method: "GET", path: "/api/v1/groups/{id}/members", tag: "groups", summary: "A group's members and their roles", response: MemberList{}, status: http.StatusOK, handler: api.listMembers},
		{id: "setGroupMember", method: "PUT", path: "/api/v1/groups/{id}/members/{user_id}", tag: "groups", summary: "Add a member or change their role", request: RoleBody{}, response: Membership{}, status: http.StatusOK, handler: api.setMember},
		{id: "removeGroupMember", method: "DELETE", path: "/api/v1/groups/{id}/members/{user_id}", tag: "groups", summary: "Remove a member from a group", status: http.StatusNoContent, handler: api.removeMember},

		{id: "getManagersTemplate", method: "GET", path: "/api/v1/managers/template", tag: "csv", summary: "The CSV import template", response: csvBody{}, status: http.StatusOK, handler: api.template},
		{id: "exportManagers", method: "GET", path: "/api/v1/managers/export", tag: "csv", summary: "Every link the caller may see, as CSV in the import format (streamed)",
			query:    []param{{"group_id", "integer", "only links inside this group and its descendants"}, {"excel", "boolean", "';' separators and a UTF-8 BOM for Excel in European locales"}},
			response: csvBody{}, status: http.StatusOK, handler: api.export},
		{id: "importManagers", description: "Every line is checked as hand assignment would check it; a managee with any refused line keeps their managers.", method: "POST", path: "/api/v1/managers/imports", tag: "csv", summary: "Import a CSV of (manager, managee) lines, replacing each listed managee's managers; dry_run=true previews",
			query:   []param{{"dry_run", "boolean", "check and report only; apply later with /apply"}, {"file_name", "string", "the name to show in the history"}},
			request: csvBody{}, response: ImportResult{}, status: http.StatusOK, handler: api.startImport},
		{id: "applyManagersImport", description: "Only the person who previewed the import, or a platform admin, may apply it.", method: "POST", path: "/api/v1/managers/imports/{id}/apply", tag: "csv", summary: "Apply a preview: check it again against current links and apply it in one transaction", response: ImportResult{}, status: http.StatusOK, handler: api.applyImport},
		{id: "listManagersImports", method: "GET", path: "/api/v1/managers/imports", tag: "csv", summary: "The import history, newest first",
			query: []param{{"before", "integer", "keyset: imports older than this id"}, {"limit", "integer", "page size"}}, response: ImportList{}, status: http.StatusOK, handler: api.listImports},
		{id: "getManagersImport", method: "GET", path: "/api/v1/managers/imports/{id}", tag: "csv", summary: "One import, with its progress while it runs", response: Import{}, status: http.StatusOK, handler: api.getImport},
		{id: "getManagersImportFile", method: "GET", path: "/api/v1/managers/imports/{id}/files/{kind}", tag: "csv", summary: "A file kept with an import: upload, rejected or changes", response: csvBody{}, status: http.StatusOK, handler: api.importFile},

		{id: "listLinkAudit", method: "GET", path: "/api/v1/audit", tag: "audit", summary: "The audit log of link changes, newest first",
			query:    []param{{"user_id", "integer", "entries about this user (required for group admins)"}, {"before", "integer", "keyset: entries older than this id"}, {"limit", "integer", "page size"}},
			response: AuditPage{}, status: http.StatusOK, handler: api.audit},
		{id: "listChanges", method: "GET", path: "/api/v1/audit/changes", tag: "audit", summary: "The change log: users, memberships, groups, settings, tokens and directory writes, newest first",
			query: []param{{"user_id", "integer", "entries about this user (required for group admins)"}, {"action", "string", "only this policy action, e.g. group.members.change"},
				{"before", "integer", "keyset: entries older than this id"}, {"limit", "integer", "page size"}},
			response: ChangePage{}, status: http.StatusOK, handler: api.changes},
	}
}
