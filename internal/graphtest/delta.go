package graphtest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// round is the rest of one delta round: the items still to page through and
// the version its final deltaLink stands for.
type round struct {
	items   []map[string]any
	version int64
}

// SplitManagers, when set before an initial round, sends each user's
// manager@delta annotation as a separate entry (just id and the annotation)
// after all the users, as Graph may: the same entity can appear several
// times in one round.
func (s *Server) SplitManagers(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.split = on
}

// delta is GET /v1.0/users/delta.
func (s *Server) delta(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Has("$skiptoken"):
		rd, ok := s.rounds[q.Get("$skiptoken")]
		if !ok {
			graphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid skip token.")
			return
		}
		delete(s.rounds, q.Get("$skiptoken"))
		s.page(w, rd)
	case q.Has("$deltatoken"):
		since, ok := s.deltas[q.Get("$deltatoken")]
		if !ok && s.expired == http.StatusGone {
			w.Header().Set("Location", s.URL+"/v1.0/users/delta")
			graphError(w, http.StatusGone, "syncStateNotFound", "The sync state could not be found. Restart the synchronization.")
			return
		}
		if !ok {
			code := s.expiredCode
			if code == "" {
				code = "syncStateNotFound"
			}
			graphError(w, http.StatusBadRequest, code, "The sync state is not found or has expired.")
			return
		}
		s.page(w, &round{items: s.changes(since, selected(q.Get("$select"))), version: s.version})
	default:
		sel := selected(q.Get("$select"))
		s.selects = sel
		s.page(w, &round{items: s.initial(sel), version: s.version})
	}
}

// selects is remembered from the initial request: the state tokens encode it.
func selected(list string) []string {
	if list == "" {
		return nil
	}
	return strings.Split(list, ",")
}

// page writes the next page of a round and keeps the rest under a new
// skiptoken, or ends the round with a deltaLink.
func (s *Server) page(w http.ResponseWriter, rd *round) {
	n := min(max(s.PageSize, 1), len(rd.items))
	body := map[string]any{"@odata.context": s.URL + "/v1.0/$metadata#users", "value": rd.items[:n]}
	if rest := rd.items[n:]; len(rest) > 0 {
		tok := randomToken()
		s.rounds[tok] = &round{items: rest, version: rd.version}
		body["@odata.nextLink"] = s.URL + "/v1.0/users/delta?$skiptoken=" + tok
	} else {
		tok := randomToken()
		s.deltas[tok] = rd.version
		body["@odata.deltaLink"] = s.URL + "/v1.0/users/delta?$deltatoken=" + tok
	}
	writeJSON(w, http.StatusOK, body)
}

// initial lists every user in the directory now.
func (s *Server) initial(sel []string) []map[string]any {
	var items, managers []map[string]any
	for _, e := range s.sorted() {
		if e.removed != "" {
			continue
		}
		item := e.properties(sel)
		if e.ManagerID != "" && wants(sel, "manager") {
			ann := managerDelta(e.ManagerID, "")
			if s.split {
				managers = append(managers, map[string]any{"id": e.ID, "manager@delta": ann})
			} else {
				item["manager@delta"] = ann
			}
		}
		items = append(items, item)
	}
	return append(items, managers...)
}

// changes lists what changed after version since: removed users with
// @removed, changed users with their properties (manager@delta only when
// the manager changed), and users whose only change is their manager as
// their id and the annotation.
func (s *Server) changes(since int64, sel []string) []map[string]any {
	if sel == nil {
		sel = s.selects
	}
	var items []map[string]any
	for _, e := range s.sorted() {
		switch {
		case e.removed != "" && e.removedV > since:
			items = append(items, map[string]any{"id": e.ID, "@removed": map[string]string{"reason": e.removed}})
		case e.removed != "":
		case e.propsV > since:
			item := e.properties(sel)
			if e.managerV > since && wants(sel, "manager") {
				item["manager@delta"] = managerDelta(e.ManagerID, e.prevManager)
			}
			items = append(items, item)
		case e.managerV > since && wants(sel, "manager"):
			items = append(items, map[string]any{"id": e.ID, "manager@delta": managerDelta(e.ManagerID, e.prevManager)})
		}
	}
	return items
}

// managerDelta is the manager@delta annotation: the new manager, or the
// former one marked @removed when the manager was taken away.
func managerDelta(id, prev string) []map[string]any {
	if id != "" {
		return []map[string]any{{"@odata.type": "#microsoft.graph.user", "id": id}}
	}
	if prev == "" {
		return []map[string]any{}
	}
	return []map[string]any{{"@odata.type": "#microsoft.graph.user", "id": prev, "@removed": map[string]string{"reason": "deleted"}}}
}

// user is GET /v1.0/users/{id} with $select and $expand=manager.
func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	e, ok := s.users[id]
	if s.hidden[id] > 0 {
		s.hidden[id]--
		ok = false
	}
	if !ok || e.removed != "" {
		graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	q := r.URL.Query()
	body := e.properties(selected(q.Get("$select")))
	body["@odata.context"] = s.URL + "/v1.0/$metadata#users/$entity"
	if strings.HasPrefix(q.Get("$expand"), "manager") && e.ManagerID != "" {
		body["manager"] = map[string]any{"@odata.type": "#microsoft.graph.user", "id": e.ManagerID}
	}
	writeJSON(w, http.StatusOK, body)
}

// properties is the user's representation limited to the selected
// properties (all of them when nothing is selected); id always. Properties
// never set are left out, as Graph does.
func (e *entry) properties(sel []string) map[string]any {
	all := map[string]any{
		"mail": e.Mail, "userPrincipalName": e.UserPrincipalName, "givenName": e.GivenName,
		"surname": e.Surname, "jobTitle": e.JobTitle, "department": e.Department, "userType": e.UserType,
	}
	m := map[string]any{"id": e.ID, "accountEnabled": e.AccountEnabled}
	for k, v := range all {
		if v != "" {
			m[k] = v
		} else if wants(sel, k) {
			m[k] = nil
		}
	}
	for k := range m {
		if k != "id" && !wants(sel, k) {
			delete(m, k)
		}
	}
	return m
}

func wants(sel []string, prop string) bool { return sel == nil || slices.Contains(sel, prop) }

func (s *Server) sorted() []*entry {
	ids := make([]string, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]*entry, len(ids))
	for i, id := range ids {
		out[i] = s.users[id]
	}
	return out
}

// ID returns a stable GUID-shaped object id for n, for generated fixtures.
func ID(n int) string {
	s := strconv.Itoa(n)
	return "00000000-0000-4000-8000-" + strings.Repeat("0", 12-len(s)) + s
}
