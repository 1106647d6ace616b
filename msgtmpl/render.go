package msgtmpl

import (
	"html"
	"strconv"
	"strings"
)

// Mode says how values are written.
type Mode uint8

const (
	// Plain writes values as they are.
	Plain Mode = iota
	// HTML escapes every value for HTML text and attributes.
	HTML
)

// Render fills the template in with v. It returns ErrTooLong as soon as
// the output would pass limit bytes (limit ≤ 0: no limit). Its time is
// linear in the size of the template and of the values it writes.
func (t *Template) Render(v Values, mode Mode, limit int) (string, error) {
	w := writer{mode: mode, limit: limit}
	for pc := 0; pc < len(t.ops); pc++ {
		o := t.ops[pc]
		switch o.kind {
		case opText:
			if !w.write(o.text, false) {
				return "", ErrTooLong
			}
		case opField:
			val := v[o.text]
			if !val.isList {
				if !w.write(val.text, true) {
					return "", ErrTooLong
				}
				continue
			}
			for i, item := range val.items {
				if i > 0 && !w.write(", ", false) || !w.write(item, true) {
					return "", ErrTooLong
				}
			}
		case opIf:
			if v[o.text].empty() {
				pc = o.jump - 1
			}
		case opJump:
			pc = o.jump - 1
		}
	}
	return w.b.String(), nil
}

// Uses reports whether the template names the field, in a placeholder or
// a conditional.
func (t *Template) Uses(name string) bool {
	for _, o := range t.ops {
		if (o.kind == opField || o.kind == opIf) && o.text == name {
			return true
		}
	}
	return false
}

type writer struct {
	b     strings.Builder
	mode  Mode
	limit int
}

// write appends s, escaped when it is a value in HTML mode, and reports
// whether it fit.
func (w *writer) write(s string, value bool) bool {
	if value && w.mode == HTML {
		s = html.EscapeString(s)
	}
	if w.limit > 0 && w.b.Len()+len(s) > w.limit {
		return false
	}
	w.b.WriteString(s)
	return true
}

// Count is the value of a count field: a list's length as text.
func Count(n int) Value { return Text(strconv.Itoa(n)) }
