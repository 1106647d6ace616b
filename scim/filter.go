package scim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Filter is a parsed SCIM filter expression (RFC 7644 §3.4.2.2): one of
// And, Or, Not, Compare, Present or ValuePath.
type Filter interface{ isFilter() }

// And matches when both sides match.
type And struct{ Left, Right Filter }

// Or matches when either side matches.
type Or struct{ Left, Right Filter }

// Not matches when X does not.
type Not struct{ X Filter }

// Compare is "attrPath op value", op one of eq ne co sw ew gt lt ge le.
type Compare struct {
	Attr  AttrPath
	Op    string // lower case
	Value any    // string, bool, float64 or nil (null)
}

// Present is "attrPath pr".
type Present struct{ Attr AttrPath }

// ValuePath is "attrPath[filter]": some value of a multi-valued attribute
// matches the inner filter, whose attribute names are relative to it.
type ValuePath struct {
	Attr   AttrPath
	Filter Filter
}

func (And) isFilter()       {}
func (Or) isFilter()        {}
func (Not) isFilter()       {}
func (Compare) isFilter()   {}
func (Present) isFilter()   {}
func (ValuePath) isFilter() {}

// AttrPath names an attribute: an optional schema URN, the attribute and
// an optional sub-attribute, as in
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
type AttrPath struct {
	URN  string // the schema as written, "" for the resource's core schema
	Name string
	Sub  string
}

func (p AttrPath) String() string {
	s := p.Name
	if p.Sub != "" {
		s += "." + p.Sub
	}
	if p.URN != "" {
		s = p.URN + ":" + s
	}
	return s
}

// Limits that keep a hostile filter from costing much: they are far above
// anything a provisioning client sends.
const (
	maxFilterLen   = 4096
	maxFilterDepth = 32
)

// compareOps are the comparison operators of RFC 7644 §3.4.2.2.
var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true, "lt": true, "ge": true, "le": true}

// ParseFilter parses a filter. Attribute names, operators and the words
// and, or, not, true, false, null are case-insensitive. Precedence is not,
// then and, then or; parentheses group. Errors are invalidFilter SCIM
// errors that say where and why.
func ParseFilter(s string) (Filter, error) {
	if len(s) > maxFilterLen {
		return nil, errorf(InvalidFilter, "filter is longer than %d characters", maxFilterLen)
	}
	s = valuePathAttr(s)
	p := &filterParser{src: s}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if len(p.toks) == 0 {
		return nil, errorf(InvalidFilter, "filter is empty")
	}
	f, err := p.or(0, false)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errAt(t, "expected and, or or the end of the filter, found %s", t)
	}
	return f, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
)

type token struct {
	kind tokKind
	text string // the word, or the decoded string
	pos  int    // byte offset in the filter
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "the end of the filter"
	case tokString:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type filterParser struct {
	src  string
	toks []token
	i    int
}

func (p *filterParser) errAt(t token, format string, args ...any) *Error {
	return errorf(InvalidFilter, "filter %q at character %d: %s", p.src, t.pos+1, fmt.Sprintf(format, args...))
}

// lex splits the filter into words, strings and brackets.
func (p *filterParser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '[' || c == ']':
			p.toks = append(p.toks, token{kind: map[byte]tokKind{'(': tokLParen, ')': tokRParen, '[': tokLBracket, ']': tokRBracket}[c], text: string(c), pos: i})
			i++
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return errorf(InvalidFilter, "filter %q at character %d: the string is not closed with \"", p.src, i+1)
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
				return errorf(InvalidFilter, "filter %q at character %d: the string %s is not a valid JSON string", p.src, i+1, s[i:j+1])
			}
			p.toks = append(p.toks, token{kind: tokString, text: v, pos: i})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()[]\"", rune(s[j])) {
				j++
			}
			p.toks = append(p.toks, token{kind: tokWord, text: s[i:j], pos: i})
			i = j
		}
	}
	return nil
}

func (p *filterParser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{kind: tokEOF, pos: len(p.src)}
}

func (p *filterParser) next() token {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

func (p *filterParser) isWord(word string) bool {
	t := p.peek()
	return t.kind == tokWord && strings.EqualFold(t.text, word)
}

// or parses "and-expression *(or and-expression)". inValue is true inside
// the brackets of a value path, where another value path is not allowed.
func (p *filterParser) or(depth int, inValue bool) (Filter, error) {
	l, err := p.and(depth, inValue)
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		p.next()
		r, err := p.and(depth, inValue)
		if err != nil {
			return nil, err
		}
		l = Or{l, r}
	}
	return l, nil
}

func (p *filterParser) and(depth int, inValue bool) (Filter, error) {
	l, err := p.unary(depth, inValue)
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.next()
		r, err := p.unary(depth, inValue)
		if err != nil {
			return nil, err
		}
		l = And{l, r}
	}
	return l, nil
}

func (p *filterParser) unary(depth int, inValue bool) (Filter, error) {
	if depth >= maxFilterDepth {
		return nil, p.errAt(p.peek(), "the filter nests deeper than %d levels", maxFilterDepth)
	}
	t := p.peek()
	switch {
	case t.kind == tokWord && strings.EqualFold(t.text, "not"):
		p.next()
		if p.peek().kind != tokLParen {
			return nil, p.errAt(p.peek(), "expected ( after not, found %s", p.peek())
		}
		x, err := p.group(depth+1, inValue)
		if err != nil {
			return nil, err
		}
		return Not{x}, nil
	case t.kind == tokLParen:
		return p.group(depth+1, inValue)
	case t.kind == tokWord:
		return p.attrExp(depth, inValue)
	}
	return nil, p.errAt(t, "expected an attribute, not or (, found %s", t)
}

// group parses "( filter )".
func (p *filterParser) group(depth int, inValue bool) (Filter, error) {
	p.next() // (
	x, err := p.or(depth, inValue)
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tokRParen {
		return nil, p.errAt(t, "expected ) to close the parenthesis, found %s", t)
	}
	return x, nil
}

// attrExp parses "attrPath pr", "attrPath op value" or "attrPath[filter]".
func (p *filterParser) attrExp(depth int, inValue bool) (Filter, error) {
	at := p.next()
	attr, err := ParseAttrPath(at.text)
	if err != nil {
		return nil, p.errAt(at, "%s", err.(*Error).Detail)
	}
	op := p.next()
	if op.kind == tokLBracket {
		if inValue {
			return nil, p.errAt(op, "a value filter cannot hold another value filter")
		}
		if attr.Sub != "" {
			return nil, p.errAt(op, "a value filter applies to an attribute, not to the sub-attribute %s", attr)
		}
		inner, err := p.or(depth+1, true)
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tokRBracket {
			return nil, p.errAt(t, "expected ] to close the value filter of %s, found %s", attr, t)
		}
		return ValuePath{Attr: attr, Filter: inner}, nil
	}
	if op.kind != tokWord {
		return nil, p.errAt(op, "expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr) after %s, found %s", attr, op)
	}
	name := strings.ToLower(op.text)
	if name == "pr" {
		return Present{attr}, nil
	}
	if !compareOps[name] {
		return nil, p.errAt(op, "%q is not an operator; use eq, ne, co, sw, ew, gt, lt, ge, le or pr", op.text)
	}
	vt := p.next()
	var v any
	switch {
	case vt.kind == tokString:
		v = vt.text
	case vt.kind == tokWord && strings.EqualFold(vt.text, "true"):
		v = true
	case vt.kind == tokWord && strings.EqualFold(vt.text, "false"):
		v = false
	case vt.kind == tokWord && strings.EqualFold(vt.text, "null"):
		v = nil
	case vt.kind == tokWord && isJSONNumber(vt.text):
		f, err := strconv.ParseFloat(vt.text, 64)
		if err != nil {
			return nil, p.errAt(vt, "the number %s is out of range", vt.text)
		}
		v = f
	default:
		return nil, p.errAt(vt, "expected a value after %s %s (a \"quoted string\", true, false, null or a number), found %s", attr, name, vt)
	}
	if v == nil && name != "eq" && name != "ne" {
		return nil, p.errAt(vt, "null can only be compared with eq or ne")
	}
	return Compare{Attr: attr, Op: name, Value: v}, nil
}

func isJSONNumber(s string) bool {
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}

// ParseAttrPath parses "[URN:]name[.sub]". A URN is recognised by its
// "urn:" prefix; the attribute is what follows its last colon (URNs hold
// dots, as in "2.0", so they cannot be split on dots).
func ParseAttrPath(s string) (AttrPath, error) {
	var p AttrPath
	rest := s
	if len(s) >= 4 && strings.EqualFold(s[:4], "urn:") {
		i := strings.LastIndexByte(s, ':')
		p.URN, rest = s[:i], s[i+1:]
	}
	name, sub, hasSub := strings.Cut(rest, ".")
	if !validAttrName(name) {
		return p, errorf(InvalidPath, "%q is not an attribute name (a letter, then letters, digits, - or _)", s)
	}
	if hasSub && !validAttrName(sub) {
		return p, errorf(InvalidPath, "%q is not a sub-attribute name in %q", sub, s)
	}
	p.Name, p.Sub = name, sub
	return p, nil
}

// validAttrName checks ATTRNAME of RFC 7643 §2.1 (plus "$ref").
func validAttrName(s string) bool {
	if s == "$ref" {
		return true
	}
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// entraValuePath matches the filter Microsoft Entra ID sends to match on a
// work email: attr[valueFilter].sub op value, which RFC 7644's grammar
// writes attr[valueFilter and sub op value].
var entraValuePath = regexp.MustCompile(`^\s*([A-Za-z][\w$-]*)\[([^\[\]]+)\]\.([A-Za-z][\w$-]*)\s+([A-Za-z]{2})\s+(.+?)\s*$`)

// valuePathAttr rewrites the whole-filter form attr[f].sub op v as
// attr[(f) and sub op v]; any other filter is returned as it is.
func valuePathAttr(s string) string {
	m := entraValuePath.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	return m[1] + "[(" + m[2] + ") and " + m[3] + " " + m[4] + " " + m[5] + "]"
}
