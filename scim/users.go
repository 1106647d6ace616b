package scim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"reportline"
	"reportline/provisioning"
)

// maxResults is the largest page a listing returns (advertised in
// ServiceProviderConfig as filter.maxResults).
const maxResults = 200

// ListResponse is a page of resources (RFC 7644 §3.4.2).
type ListResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

// SearchRequest is the body of POST /Users/.search (RFC 7644 §3.4.3).
type SearchRequest struct {
	Schemas    []string `json:"schemas"`
	Filter     string   `json:"filter"`
	StartIndex *int     `json:"startIndex"`
	Count      *int     `json:"count"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c reportline.ProvisioningClient) error {
	q := r.URL.Query()
	start, count, err := pageOf(q)
	if err != nil {
		return err
	}
	return s.list(w, r, c, q.Get("filter"), start, count)
}

func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request, c reportline.ProvisioningClient) error {
	var req SearchRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	start, count := 1, maxResults
	if req.StartIndex != nil {
		start = *req.StartIndex
	}
	if req.Count != nil {
		count = *req.Count
	}
	return s.list(w, r, c, req.Filter, start, count)
}

// list answers a query: the users matching the filter, from the 1-based
// startIndex, at most count of them (0 gives only the total). Filters on
// id, externalId or userName equality use an index; any other filter is
// evaluated on every user.
func (s *Server) list(w http.ResponseWriter, r *http.Request, c reportline.ProvisioningClient, filter string, start, count int) error {
	start, count = clampPage(start, count)
	proj, err := parseProjection(r.URL.Query())
	if err != nil {
		return err
	}
	var f Filter
	var lookup provisioning.Lookup
	if strings.TrimSpace(filter) != "" {
		var err error
		if f, err = ParseFilter(filter); err != nil {
			return err
		}
		if err := checkFilter(f, nil); err != nil {
			return err
		}
		var none bool
		if lookup, none = indexLookup(f); none {
			writeJSON(w, http.StatusOK, ListResponse{Schemas: []string{ListSchema}, StartIndex: start, Resources: []any{}})
			return nil
		}
	}
	base := baseURL(r)
	page := ListResponse{Schemas: []string{ListSchema}, StartIndex: start, Resources: []any{}}
	if f == nil {
		users, total, err := s.app.SCIMUserPage(r.Context(), c, start-1, count)
		if err != nil {
			return err
		}
		for _, u := range users {
			page.Resources = append(page.Resources, proj.apply(toResource(u, base)))
		}
		page.TotalResults, page.ItemsPerPage = total, len(page.Resources)
		writeJSON(w, http.StatusOK, page)
		return nil
	}
	err = s.app.EachSCIMUser(r.Context(), c, lookup, func(u provisioning.User) bool {
		// Filters are evaluated on the resource as the client sees it.
		res := toResource(u, base)
		if !Matches(f, toMap(res)) {
			return true
		}
		page.TotalResults++
		if page.TotalResults >= start && len(page.Resources) < count {
			page.Resources = append(page.Resources, proj.apply(res))
		}
		return true
	})
	if err != nil {
		return err
	}
	page.ItemsPerPage = len(page.Resources)
	writeJSON(w, http.StatusOK, page)
	return nil
}

// indexLookup finds, in a filter, an equality on id, externalId or
// userName that every match must satisfy (the filter itself or one side
// of an "and"), so that a listing reads one user instead of all. none is
// true when that equality can match nobody (an id that is not a number).
func indexLookup(f Filter) (l provisioning.Lookup, none bool) {
	switch f := f.(type) {
	case And:
		if l, none = indexLookup(f.Left); none || l != (provisioning.Lookup{}) {
			return l, none
		}
		return indexLookup(f.Right)
	case Compare:
		v, ok := f.Value.(string)
		if f.Op != "eq" || !ok || f.Attr.Sub != "" || (f.Attr.URN != "" && !strings.EqualFold(f.Attr.URN, UserSchema)) {
			return l, false
		}
		switch {
		case strings.EqualFold(f.Attr.Name, "id"):
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return l, true
			}
			l.ID = reportline.UserID(n)
		case strings.EqualFold(f.Attr.Name, "externalId"):
			l.ExternalID = v
		case strings.EqualFold(f.Attr.Name, "userName"):
			l.UserName = v
		}
	}
	return l, false
}

// pageOf reads a list's paging from the query: startIndex (1 when absent)
// and count (maxResults when absent), clamped by clampPage.
func pageOf(q url.Values) (start, count int, err error) {
	if start, err = intParam(q.Get("startIndex"), "startIndex", 1); err != nil {
		return 0, 0, err
	}
	if count, err = intParam(q.Get("count"), "count", maxResults); err != nil {
		return 0, 0, err
	}
	start, count = clampPage(start, count)
	return start, count, nil
}

// clampPage brings a list's paging into range (RFC 7644 §3.4.2.4): a
// startIndex below 1 means 1; a count below 0 means 0, above maxResults
// means maxResults.
func clampPage(start, count int) (int, int) {
	return max(start, 1), min(max(count, 0), maxResults)
}

// intParam reads the query parameter name, def when it is absent.
func intParam(s, name string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errorf(InvalidValue, "%s must be an integer, not %q", name, s)
	}
	return n, nil
}

// userID reads the {id} of the path: our user id. Anything else is a 404,
// as no resource has it.
func userID(r *http.Request) (reportline.UserID, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, &Error{Status: http.StatusNotFound, Detail: "no user has id " + strconv.Quote(r.PathValue("id"))}
	}
	return reportline.UserID(n), nil
}

// current returns the user of the path and checks If-Match against its
// version (RFC 7644 §3.14).
func (s *Server) current(r *http.Request, c reportline.ProvisioningClient) (provisioning.User, User, error) {
	id, err := userID(r)
	if err != nil {
		return provisioning.User{}, User{}, err
	}
	u, err := s.app.SCIMUser(r.Context(), c, id)
	if err != nil {
		return u, User{}, notFoundUser(err, id)
	}
	res := toResource(u, baseURL(r))
	if m := r.Header.Get("If-Match"); m != "" && m != "*" && !etagListHas(m, res.Meta.Version) {
		return u, res, &Error{Status: http.StatusPreconditionFailed,
			Detail: "the user changed since version " + m + "; it is now " + res.Meta.Version + ": read it again"}
	}
	return u, res, nil
}

func etagListHas(list, tag string) bool {
	for t := range strings.SplitSeq(list, ",") {
		if strings.TrimSpace(t) == tag {
			return true
		}
	}
	return false
}

func notFoundUser(err error, id reportline.UserID) error {
	if reportline.IsCode(err, reportline.NotFound) {
		return &Error{Status: http.StatusNotFound, Detail: "no user has id \"" + strconv.FormatInt(int64(id), 10) + "\""}
	}
	return err
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c reportline.ProvisioningClient) error {
	_, res, err := s.current(r, c)
	if err != nil {
		return err
	}
	if m := r.Header.Get("If-None-Match"); m != "" && etagListHas(m, res.Meta.Version) {
		w.Header().Set("ETag", res.Meta.Version)
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return writeUser(w, r, http.StatusOK, res)
}

// writeUser writes one resource with its ETag, as the attributes and
// excludedAttributes parameters ask.
func writeUser(w http.ResponseWriter, r *http.Request, status int, res User) error {
	proj, err := parseProjection(r.URL.Query())
	if err != nil {
		return err
	}
	w.Header().Set("ETag", res.Meta.Version)
	if status == http.StatusCreated {
		w.Header().Set("Location", res.Meta.Location)
	}
	writeJSON(w, status, proj.apply(res))
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, c reportline.ProvisioningClient) error {
	if _, err := parseProjection(r.URL.Query()); err != nil {
		return err // before anything is written
	}
	var body map[string]any
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	in, err := fromResource(body, true)
	if err != nil {
		return err
	}
	u, err := s.app.SCIMCreateUser(r.Context(), c, in)
	if err != nil {
		return err
	}
	return writeUser(w, r, http.StatusCreated, toResource(u, baseURL(r)))
}

func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request, c reportline.ProvisioningClient) error {
	if _, err := parseProjection(r.URL.Query()); err != nil {
		return err // before anything is written
	}
	var body map[string]any
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	cur, _, err := s.current(r, c)
	if err != nil {
		return err
	}
	in, err := fromResource(body, cur.Active())
	if err != nil {
		return err
	}
	u, err := s.app.SCIMReplaceUser(r.Context(), c, cur.ID, in)
	if err != nil {
		return notFoundUser(err, cur.ID)
	}
	return writeUser(w, r, http.StatusOK, toResource(u, baseURL(r)))
}

// patchUser applies the operations to the user as they are and writes the
// result as a replace: what the client did not touch stays.
func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, c reportline.ProvisioningClient) error {
	if _, err := parseProjection(r.URL.Query()); err != nil {
		return err // before anything is written
	}
	var req PatchRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if len(req.Schemas) > 0 && !containsFold(req.Schemas, PatchSchema) {
		return errorf(InvalidSyntax, "schemas must be [%q]", PatchSchema)
	}
	if err := checkUserPaths(req.Operations); err != nil {
		return err
	}
	cur, res, err := s.current(r, c)
	if err != nil {
		return err
	}
	m := toMap(res)
	if err := ApplyPatch(m, req.Operations); err != nil {
		return err
	}
	in, err := fromResource(m, cur.Active())
	if err != nil {
		return err
	}
	// An externalId the client removed is cleared, not kept.
	in.ClearExternalID = get(toMap(res), "externalId") != nil && get(m, "externalId") == nil
	u, err := s.app.SCIMReplaceUser(r.Context(), c, cur.ID, in)
	if err != nil {
		return notFoundUser(err, cur.ID)
	}
	return writeUser(w, r, http.StatusOK, toResource(u, baseURL(r)))
}

// deleteUser deactivates: Reportline never deletes a person (their links
// and history stay, and reactivating restores them). A later GET shows
// the user with active false.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, c reportline.ProvisioningClient) error {
	cur, _, err := s.current(r, c)
	if err != nil {
		return err
	}
	if err := s.app.SCIMDeactivateUser(r.Context(), c, cur.ID); err != nil {
		return notFoundUser(err, cur.ID)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
