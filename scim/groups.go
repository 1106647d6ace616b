package scim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/provisioning"
)

// Group is the JSON of a SCIM Group resource (RFC 7643 §4.2): a Reportline
// group a provisioning client manages, with the members it added.
type Group struct {
	Schemas     []string      `json:"schemas"`
	ID          string        `json:"id"`
	ExternalID  string        `json:"externalId,omitempty"`
	DisplayName string        `json:"displayName"`
	Members     []GroupMember `json:"members"`
	Meta        Meta          `json:"meta"`
}

// GroupMember is one member of a group: a user.
type GroupMember struct {
	Value   string `json:"value"`
	Ref     string `json:"$ref,omitempty"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
}

func toGroup(g reportline.SCIMGroup, base string) Group {
	id := strconv.FormatInt(int64(g.ID), 10)
	r := Group{Schemas: []string{GroupSchema}, ID: id, ExternalID: g.ExternalID, DisplayName: g.SCIMName(), Members: []GroupMember{}}
	for _, u := range g.Members {
		uid := strconv.FormatInt(int64(u.ID), 10)
		r.Members = append(r.Members, GroupMember{Value: uid, Ref: base + "/Users/" + uid, Display: u.Name(), Type: "User"})
	}
	r.Meta = Meta{ResourceType: "Group", Created: timestamp(g.CreatedAt), LastModified: timestamp(g.UpdatedAt), Location: base + "/Groups/" + id}
	b, _ := json.Marshal(struct {
		N string
		E string
		M []GroupMember
	}{r.DisplayName, r.ExternalID, r.Members})
	sum := sha256.Sum256(b)
	r.Meta.Version = `W/"` + hex.EncodeToString(sum[:8]) + `"`
	return r
}

func groupMap(r Group) map[string]any {
	b, _ := json.Marshal(r)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func groupID(r *http.Request) (reportline.GroupID, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, &Error{Status: http.StatusNotFound, Detail: "no group has id " + strconv.Quote(r.PathValue("id"))}
	}
	return reportline.GroupID(n), nil
}

func notFoundGroup(err error, id reportline.GroupID) error {
	if reportline.IsCode(err, reportline.NotFound) {
		return &Error{Status: http.StatusNotFound, Detail: "no group has id \"" + strconv.FormatInt(int64(id), 10) + "\""}
	}
	return err
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	q := r.URL.Query()
	start, count, err := pageOf(q)
	if err != nil {
		return err
	}
	proj, err := parseProjection(q)
	if err != nil {
		return err
	}
	var f Filter
	if fs := strings.TrimSpace(q.Get("filter")); fs != "" {
		if f, err = ParseFilter(fs); err != nil {
			return err
		}
	}
	groups, err := s.app.SCIMGroups(r.Context(), app.SCIMActor(), 0)
	if err != nil {
		return err
	}
	base := baseURL(r)
	page := ListResponse{Schemas: []string{ListSchema}, StartIndex: start, Resources: []any{}}
	for _, g := range groups {
		res := groupMap(toGroup(g, base))
		if f != nil && !Matches(f, res) {
			continue
		}
		page.TotalResults++
		if page.TotalResults >= start && len(page.Resources) < count {
			page.Resources = append(page.Resources, proj.applyMap(res))
		}
	}
	page.ItemsPerPage = len(page.Resources)
	writeJSON(w, http.StatusOK, page)
	return nil
}

// currentGroup returns the group of the path and checks If-Match.
func (s *Server) currentGroup(r *http.Request) (reportline.SCIMGroup, Group, error) {
	id, err := groupID(r)
	if err != nil {
		return reportline.SCIMGroup{}, Group{}, err
	}
	gs, err := s.app.SCIMGroups(r.Context(), app.SCIMActor(), id)
	if err != nil {
		return reportline.SCIMGroup{}, Group{}, notFoundGroup(err, id)
	}
	res := toGroup(gs[0], baseURL(r))
	if m := r.Header.Get("If-Match"); m != "" && m != "*" && !etagListHas(m, res.Meta.Version) {
		return gs[0], res, &Error{Status: http.StatusPreconditionFailed,
			Detail: "the group changed since version " + m + "; it is now " + res.Meta.Version + ": read it again"}
	}
	return gs[0], res, nil
}

func writeGroup(w http.ResponseWriter, r *http.Request, status int, res Group) error {
	proj, err := parseProjection(r.URL.Query())
	if err != nil {
		return err
	}
	w.Header().Set("ETag", res.Meta.Version)
	if status == http.StatusCreated {
		w.Header().Set("Location", res.Meta.Location)
	}
	writeJSON(w, status, proj.applyMap(groupMap(res)))
	return nil
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	_, res, err := s.currentGroup(r)
	if err != nil {
		return err
	}
	if m := r.Header.Get("If-None-Match"); m != "" && etagListHas(m, res.Meta.Version) {
		w.Header().Set("ETag", res.Meta.Version)
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return writeGroup(w, r, http.StatusOK, res)
}

// groupInput reads a Group body: displayName, externalId, members.
func groupInput(body map[string]any) (provisioning.GroupInput, error) {
	var in provisioning.GroupInput
	var err error
	if in.DisplayName, err = stringAttr(body, "displayName"); err != nil {
		return in, err
	}
	if in.ExternalID, err = stringAttr(body, "externalId"); err != nil {
		return in, err
	}
	in.Members, err = memberIDs(get(body, "members"))
	return in, err
}

// memberIDs reads members: a list of {"value": id}; only users are members.
func memberIDs(v any) ([]reportline.UserID, error) {
	var out []reportline.UserID
	if v == nil {
		return nil, nil
	}
	for i, el := range asList(v) {
		m, ok := el.(map[string]any)
		if !ok {
			return nil, errorf(InvalidValue, "members[%d] must be an object with a value, not %s", i, jsonKind(el))
		}
		if t, _ := get(m, "type").(string); t != "" && !strings.EqualFold(t, "User") {
			return nil, errorf(InvalidValue, "members[%d] is a %s: only users are members of a group here", i, t)
		}
		id, err := memberValue(get(m, "value"))
		if err != nil {
			return nil, errorf(InvalidValue, "members[%d].value: %s", i, err.(*Error).Detail)
		}
		out = append(out, id)
	}
	return out, nil
}

func memberValue(v any) (reportline.UserID, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = strings.TrimSpace(v)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return 0, errorf(InvalidValue, "must be a user id, not %s", jsonKind(v))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errorf(InvalidValue, "%q is not a user id", s)
	}
	return reportline.UserID(n), nil
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	if _, err := parseProjection(r.URL.Query()); err != nil {
		return err
	}
	var body map[string]any
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	in, err := groupInput(body)
	if err != nil {
		return err
	}
	g, err := s.app.SCIMCreateGroup(r.Context(), app.SCIMActor(), in)
	if err != nil {
		return err
	}
	return writeGroup(w, r, http.StatusCreated, toGroup(g, baseURL(r)))
}

func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	if _, err := parseProjection(r.URL.Query()); err != nil {
		return err
	}
	var body map[string]any
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	cur, _, err := s.currentGroup(r)
	if err != nil {
		return err
	}
	in, err := groupInput(body)
	if err != nil {
		return err
	}
	g, err := s.app.SCIMReplaceGroup(r.Context(), app.SCIMActor(), cur.ID, in)
	if err != nil {
		return notFoundGroup(err, cur.ID)
	}
	return writeGroup(w, r, http.StatusOK, toGroup(g, baseURL(r)))
}

// patchGroup applies the operations to the group as it is and writes the
// result as a replace. Paths: displayName, externalId, members (add, replace,
// remove all) and members[value eq "id"] (remove one: Microsoft Entra's
// form); an operation without a path takes an object of these.
func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	if _, err := parseProjection(r.URL.Query()); err != nil {
		return err
	}
	var req PatchRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if len(req.Schemas) > 0 && !containsFold(req.Schemas, PatchSchema) {
		return errorf(InvalidSyntax, "schemas must be [%q]", PatchSchema)
	}
	if len(req.Operations) == 0 {
		return errorf(InvalidValue, "Operations is empty: send at least one operation")
	}
	if len(req.Operations) > maxOperations {
		return errorf(TooMany, "Operations holds %d operations; at most %d are allowed in one request", len(req.Operations), maxOperations)
	}
	cur, _, err := s.currentGroup(r)
	if err != nil {
		return err
	}
	in := provisioning.GroupInput{DisplayName: cur.SCIMName(), ExternalID: cur.ExternalID}
	for _, u := range cur.Members {
		in.Members = append(in.Members, u.ID)
	}
	for i, op := range req.Operations {
		if err := patchGroupOp(&in, op); err != nil {
			e := asSCIM(err)
			return &Error{Status: e.Status, Type: e.Type, Detail: "Operations[" + strconv.Itoa(i) + "]: " + e.Detail}
		}
	}
	g, err := s.app.SCIMReplaceGroup(r.Context(), app.SCIMActor(), cur.ID, in)
	if err != nil {
		return notFoundGroup(err, cur.ID)
	}
	return writeGroup(w, r, http.StatusOK, toGroup(g, baseURL(r)))
}

func patchGroupOp(in *provisioning.GroupInput, op Operation) error {
	kind := strings.ToLower(strings.TrimSpace(op.Op))
	if kind != "add" && kind != "replace" && kind != "remove" {
		return errorf(InvalidSyntax, "op %q is not add, replace or remove", op.Op)
	}
	if strings.TrimSpace(op.Path) == "" {
		if kind == "remove" {
			return errorf(NoTarget, "remove needs a path")
		}
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return errorf(InvalidValue, "%s without a path needs an object as value, not %s", kind, jsonKind(op.Value))
		}
		for k, v := range obj {
			name := k
			if u, rest, ok := strings.Cut(k, GroupSchema+":"); ok && u == "" {
				name = rest
			}
			if err := patchGroupOp(in, Operation{Op: kind, Path: name, Value: v}); err != nil {
				return err
			}
		}
		return nil
	}
	p, err := ParsePath(op.Path)
	if err != nil {
		return err
	}
	if p.URN != "" && p.URN != GroupSchema {
		return errorf(InvalidPath, "path %q is not an attribute of a group", op.Path)
	}
	switch {
	case strings.EqualFold(p.Name, "displayName") && p.Filter == nil && p.Sub == "":
		if kind == "remove" {
			return &Error{Status: http.StatusBadRequest, Type: Mutability, Detail: "displayName is required and cannot be removed"}
		}
		v, ok := op.Value.(string)
		if !ok {
			return errorf(InvalidValue, "displayName must be a string, not %s", jsonKind(op.Value))
		}
		in.DisplayName = v
	case strings.EqualFold(p.Name, "externalId") && p.Filter == nil && p.Sub == "":
		if kind == "remove" {
			in.ExternalID = ""
			return nil
		}
		v, ok := op.Value.(string)
		if !ok {
			return errorf(InvalidValue, "externalId must be a string, not %s", jsonKind(op.Value))
		}
		in.ExternalID = v
	case strings.EqualFold(p.Name, "members") && p.Sub == "":
		return patchMembers(in, kind, p, op.Value)
	default:
		return errorf(InvalidPath, "path %q is not an attribute of a group (displayName, externalId, members)", op.Path)
	}
	return nil
}

func patchMembers(in *provisioning.GroupInput, kind string, p Path, value any) error {
	if p.Filter != nil {
		if kind != "remove" {
			return errorf(InvalidPath, "a members value filter is supported for remove only")
		}
		keep := in.Members[:0:0]
		for _, id := range in.Members {
			m := map[string]any{"value": strconv.FormatInt(int64(id), 10), "type": "User"}
			if !Matches(p.Filter, m) {
				keep = append(keep, id)
			}
		}
		in.Members = keep
		return nil
	}
	if kind == "remove" && value == nil {
		in.Members = nil
		return nil
	}
	ids, err := memberIDs(value)
	if err != nil {
		return err
	}
	switch kind {
	case "replace":
		in.Members = ids
	case "add":
		for _, id := range ids {
			if !slices.Contains(in.Members, id) {
				in.Members = append(in.Members, id)
			}
		}
	case "remove": // RFC 7644 §3.5.2.2 as Okta sends it: the values to remove
		in.Members = slices.DeleteFunc(in.Members, func(id reportline.UserID) bool { return slices.Contains(ids, id) })
	}
	return nil
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	cur, _, err := s.currentGroup(r)
	if err != nil {
		return err
	}
	if err := s.app.SCIMDeleteGroup(r.Context(), app.SCIMActor(), cur.ID); err != nil {
		return notFoundGroup(err, cur.ID)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
