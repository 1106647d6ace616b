package api

import (
	"encoding/json"
	"strconv"

	"reportline"
	"reportline/app"
)

// The decision point's JSON for its common shapes, without reflection: a
// batch of 100 evaluations spent more on encoding/json (decoding each item,
// encoding each decision) than on deciding (docs/benchmarks.md, A4).
//
// Both directions give the bytes or values encoding/json gives, which
// stays the reference: the decoder accepts only the plain shape
// (subject, action, resource, context and options with string values,
// evaluations; strings without escapes) and says when it cannot, and the
// caller then decodes with encoding/json, which also words the errors.
// The encoder writes every string and time it cannot prove plain through
// encoding/json. FuzzAZDecode and FuzzAZEncode compare them.

// decodeAZEvaluations reads raw, an Access Evaluation(s) request, into
// in. ok is false when raw is not in the plain shape (in is then
// partial): the caller decodes it with encoding/json. single: the body of
// /access/v1/evaluation, without evaluations or options.
func decodeAZEvaluations(raw []byte, in *AZEvaluationsRequest, single bool) (ok bool) {
	p := azParser{s: string(raw)} // one copy: every value is a substring of it
	p.space()
	ok = p.request(in, single) && p.space() && p.i == len(p.s)
	return ok
}

// azParser reads the plain shape; each method reports false for anything
// else.
type azParser struct {
	s string
	i int
	// ents and acts are the entities and actions read, allocated in
	// chunks rather than one by one.
	ents []AZEntity
	acts []AZAction
}

// space skips white space; it always reports true, to chain.
func (p *azParser) space() bool {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return true
		}
	}
	return true
}

// byte reads c, after white space.
func (p *azParser) byte(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// peek reports whether c comes next, after white space.
func (p *azParser) peek(c byte) bool {
	p.space()
	return p.i < len(p.s) && p.s[p.i] == c
}

// str reads a string without escapes and of printable ASCII: encoding/json
// would read it as it is written.
func (p *azParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '"':
			p.i++
			return p.s[start : p.i-1], true
		case c < 0x20 || c == '\\' || c >= 0x80:
			return "", false
		}
	}
	return "", false
}

// object reads an object whose keys are among names, at most once each
// (encoding/json merges repeated keys, and matches them case-insensitively:
// both are left to it), calling field for each.
func (p *azParser) object(names []string, field func(k int) bool) bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return true
	}
	var seen uint32
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return false
		}
		k := indexOf(names, key)
		if k < 0 || seen&(1<<k) != 0 {
			return false
		}
		seen |= 1 << k
		if !field(k) {
			return false
		}
		if p.byte('}') {
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}

func indexOf(names []string, s string) int {
	for i, n := range names {
		if n == s {
			return i
		}
	}
	return -1
}

var (
	requestFields    = []string{"subject", "action", "resource", "context", "evaluations", "options"}
	evaluationFields = requestFields[:4]
	entityFields     = []string{"type", "id"}
	actionFields     = []string{"name"}
)

func (p *azParser) request(in *AZEvaluationsRequest, single bool) bool {
	fields := requestFields
	if single {
		fields = evaluationFields
	}
	return p.object(fields, func(k int) bool {
		switch k {
		case 4:
			return p.evaluations(&in.Evaluations)
		case 5:
			return p.strings(&in.Options)
		}
		return p.defaults(k, &in.Subject, &in.Action, &in.Resource, &in.Context)
	})
}

// defaults reads field k of an evaluation: subject, action, resource or
// context.
func (p *azParser) defaults(k int, s **AZEntity, a **AZAction, r **AZEntity, c *map[string]any) bool {
	switch k {
	case 0:
		return p.entity(s)
	case 1:
		return p.action(a)
	case 2:
		return p.entity(r)
	}
	return p.strings(c)
}

func (p *azParser) evaluations(out *[]AZEvaluationRequest) bool {
	if !p.byte('[') {
		return false
	}
	*out = []AZEvaluationRequest{}
	if p.byte(']') {
		return true
	}
	for {
		var e AZEvaluationRequest
		if !p.object(evaluationFields, func(k int) bool { return p.defaults(k, &e.Subject, &e.Action, &e.Resource, &e.Context) }) {
			return false
		}
		*out = append(*out, e)
		if p.byte(']') {
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}

func (p *azParser) entity(out **AZEntity) bool {
	if !p.peek('{') { // null, or not an object
		return false
	}
	if len(p.ents) == cap(p.ents) {
		p.ents = make([]AZEntity, 0, min(2*cap(p.ents)+8, 1024))
	}
	p.ents = p.ents[:len(p.ents)+1]
	e := &p.ents[len(p.ents)-1]
	*out = e
	return p.object(entityFields, func(k int) bool {
		var ok bool
		if k == 0 {
			e.Type, ok = p.str()
		} else {
			e.ID, ok = p.str()
		}
		return ok
	})
}

func (p *azParser) action(out **AZAction) bool {
	if !p.peek('{') {
		return false
	}
	if len(p.acts) == cap(p.acts) {
		p.acts = make([]AZAction, 0, min(2*cap(p.acts)+4, 1024))
	}
	p.acts = p.acts[:len(p.acts)+1]
	a := &p.acts[len(p.acts)-1]
	*out = a
	return p.object(actionFields, func(int) bool {
		var ok bool
		a.Name, ok = p.str()
		return ok
	})
}

// strings reads an object of plain strings (a context, the options).
func (p *azParser) strings(out *map[string]any) bool {
	if !p.byte('{') {
		return false
	}
	m := map[string]any{}
	*out = m
	if p.byte('}') {
		return true
	}
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return false
		}
		if _, dup := m[key]; dup {
			return false
		}
		v, ok := p.str()
		if !ok {
			return false
		}
		m[key] = v
		if p.byte('}') {
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}

// azWriter appends the decision point's answers as encoding/json encodes
// them (compact, HTML characters escaped). err is set when a value does
// not encode (a time outside the years 0–9999): the caller then encodes
// the answer with encoding/json, which fails as it always did.
type azWriter struct {
	b   []byte
	err error
}

func (w *azWriter) raw(s string) { w.b = append(w.b, s...) }

func (w *azWriter) decision(d AZDecision) {
	w.raw(`{"decision":`)
	w.b = strconv.AppendBool(w.b, d.Decision)
	if c := d.Context; c != nil {
		w.raw(`,"context":{"id":`)
		w.string(c.ID)
		if c.ReasonAdmin != nil {
			w.raw(`,"reason_admin":{"en":`)
			w.string(c.ReasonAdmin.EN)
			w.raw(`}`)
		}
		if c.ReasonUser != nil {
			w.raw(`,"reason_user":{"en":`)
			w.string(c.ReasonUser.EN)
			w.raw(`}`)
		}
		if c.Grant != nil {
			w.raw(`,"grant":`)
			w.grant(c.Grant)
		}
		if c.Error != nil {
			w.raw(`,"error":{"status":`)
			w.b = strconv.AppendInt(w.b, int64(c.Error.Status), 10)
			w.raw(`,"message":`)
			w.string(c.Error.Message)
			w.raw(`}`)
		}
		w.raw(`}`)
	}
	w.raw(`}`)
}

// answer appends a's AuthZEN shape, a.az(), as decision would, but from
// the decision itself: ids are appended as numbers are, the chain from the
// grant's links (TestWriteAnswer compares the two).
func (w *azWriter) answer(a azAnswer) {
	d := a.d
	if d == nil {
		var p azDecisionParts
		w.decision(a.az(&p))
		return
	}
	w.raw(`{"decision":`)
	w.b = strconv.AppendBool(w.b, d.Allowed)
	w.raw(`,"context":{"id":`)
	w.string(d.Code)
	w.raw(`,"reason_admin":{"en":`)
	w.string(d.Reason)
	w.raw(`},"reason_user":{"en":`)
	w.string(userReason(d))
	w.raw(`}`)
	if d.Allowed {
		w.raw(`,"grant":`)
		w.grantOf(&d.Grant)
	}
	w.raw(`}}`)
}

// grantOf appends toAZGrant(*g) as grant would.
func (w *azWriter) grantOf(g *app.Grant) {
	w.raw(`{"by":`)
	w.string(string(g.By))
	switch g.By {
	case app.GrantLink, app.GrantChain:
		l := &g.Link
		w.raw(`,"manager":`)
		w.id(l.ManagerID)
		w.raw(`,"managee":`)
		w.id(l.ManageeID)
		if l.Kind != "" {
			w.raw(`,"kind":`)
			w.string(string(l.Kind))
		}
		if l.Source != "" {
			w.raw(`,"source":`)
			w.string(string(l.Source))
		}
		if !l.ValidFrom.IsZero() {
			w.raw(`,"valid_from":`)
			w.marshal(l.ValidFrom)
		}
		if !l.ValidUntil.IsZero() {
			w.raw(`,"valid_until":`)
			w.marshal(l.ValidUntil)
		}
		if g.By == app.GrantChain && len(g.Chain) > 0 { // Grant.Users
			w.raw(`,"chain":[`)
			w.id(g.Chain[0].ManagerID)
			for _, c := range g.Chain {
				w.raw(`,`)
				w.id(c.ManageeID)
			}
			w.raw(`]`)
		}
	case app.GrantGroupAdmin:
		w.raw(`,"group":"`)
		w.b = strconv.AppendInt(w.b, int64(g.Group), 10)
		w.raw(`"`)
	}
	w.raw(`}`)
}

// id appends a user's id as userIDString's string.
func (w *azWriter) id(u reportline.UserID) {
	w.b = append(w.b, '"')
	w.b = strconv.AppendInt(w.b, int64(u), 10)
	w.b = append(w.b, '"')
}

func (w *azWriter) grant(g *AZGrant) {
	w.raw(`{"by":`)
	w.string(g.By)
	for _, f := range [...]struct{ name, v string }{
		{`,"manager":`, g.Manager}, {`,"managee":`, g.Managee}, {`,"kind":`, g.Kind}, {`,"source":`, g.Source},
	} {
		if f.v != "" {
			w.raw(f.name)
			w.string(f.v)
		}
	}
	if g.ValidFrom != nil {
		w.raw(`,"valid_from":`)
		w.marshal(g.ValidFrom)
	}
	if g.ValidUntil != nil {
		w.raw(`,"valid_until":`)
		w.marshal(g.ValidUntil)
	}
	if len(g.Chain) > 0 {
		w.raw(`,"chain":[`)
		for i, u := range g.Chain {
			if i > 0 {
				w.raw(`,`)
			}
			w.string(u)
		}
		w.raw(`]`)
	}
	if g.Group != "" {
		w.raw(`,"group":`)
		w.string(g.Group)
	}
	w.raw(`}`)
}

// string appends s quoted; a string with anything to escape (HTML
// characters and non-ASCII included) is quoted by encoding/json.
func (w *azWriter) string(s string) {
	for i := 0; i < len(s); i++ {
		if !plain[s[i]] {
			w.marshal(s)
			return
		}
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
}

// plain[c] says that encoding/json writes byte c of a string as it is:
// printable ASCII but for the quote, the backslash and HTML's <, > and &.
// A table, since a batch's answers are ~30 KB of strings to check.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// marshal appends encoding/json's encoding of v.
func (w *azWriter) marshal(v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		w.err = err
		return
	}
	w.b = append(w.b, raw...)
}
