package msgtmpl

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDepth is how deep conditionals may nest.
const MaxDepth = 8

// maxName bounds a field name; longer text between braces is not a name.
const maxName = 64

// Error is a mistake in a template, where it is.
type Error struct {
	Line, Column int    // 1-based; the column counts characters
	Message      string // in plain words, without the position
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// ErrTooLong is returned by Render when the output would pass its limit.
var ErrTooLong = errors.New("the filled-in message is too long")

// Template is a parsed template, safe for concurrent use.
type Template struct {
	ops    []op
	fields map[string]Field
	list   []Field // the fields in the order given
}

type opKind uint8

const (
	opText  opKind = iota
	opField        // write the value of name
	opIf           // when name is empty, go to jump
	opJump         // go to jump (the end of an {{else}} branch)
)

// op is one step of a template. Jumps only go forward, so rendering visits
// each op at most once.
type op struct {
	kind opKind
	text string // opText: the text; opField, opIf: the field name
	jump int
}

// open is a conditional whose {{/if}} is still to come.
type open struct {
	at         int // the index of its opIf
	elseJump   int // the index of the opJump of its {{else}}, -1 before one
	line, col  int
	fieldLabel string
}

// Parse parses src, allowing the fields listed. It returns an *Error for
// the first mistake found.
func Parse(src string, fields []Field) (*Template, error) {
	t := &Template{fields: make(map[string]Field, len(fields)), list: fields}
	for _, f := range fields {
		t.fields[f.Name] = f
	}
	p := parser{src: src, t: t, line: 1, col: 1}
	return t, p.parse()
}

type parser struct {
	src   string
	t     *Template
	pos   int // bytes of src consumed
	line  int // the position of pos, for errors
	col   int
	stack []open
}

// advance moves pos to end, keeping line and column up to date.
func (p *parser) advance(end int) {
	s := p.src[p.pos:end]
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		p.line += strings.Count(s, "\n")
		p.col = 1
		s = s[i+1:]
	}
	p.col += utf8.RuneCountInString(s)
	p.pos = end
}

func (p *parser) errorf(line, col int, format string, args ...any) error {
	return &Error{Line: line, Column: col, Message: fmt.Sprintf(format, args...)}
}

func (p *parser) parse() error {
	for {
		i := strings.Index(p.src[p.pos:], "{{")
		if i < 0 {
			p.text(p.src[p.pos:])
			break
		}
		p.text(p.src[p.pos : p.pos+i])
		p.advance(p.pos + i)
		if err := p.placeholder(); err != nil {
			return err
		}
	}
	if n := len(p.stack); n > 0 {
		o := p.stack[n-1]
		return p.errorf(o.line, o.col, "{{#if %s}} is never closed: add {{/if}} where its text ends", o.fieldLabel)
	}
	return nil
}

func (p *parser) text(s string) {
	if s != "" {
		p.t.ops = append(p.t.ops, op{kind: opText, text: s})
	}
}

// placeholder reads the placeholder at pos, which starts with "{{".
func (p *parser) placeholder() error {
	line, col := p.line, p.col
	rest := p.src[p.pos+2:]
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	end := strings.Index(rest, "}}")
	if end < 0 {
		return p.errorf(line, col, `"{{" opens a placeholder that is not closed by "}}" on the same line (to write two braces as text, put a space between them: "{ {")`)
	}
	inner := strings.TrimSpace(rest[:end])
	p.advance(p.pos + 2 + end + 2)
	switch {
	case inner == "else":
		n := len(p.stack)
		if n == 0 || p.stack[n-1].elseJump >= 0 {
			return p.errorf(line, col, "{{else}} must be inside {{#if …}} … {{/if}}, once")
		}
		p.stack[n-1].elseJump = len(p.t.ops)
		p.t.ops = append(p.t.ops, op{kind: opJump})
		p.t.ops[p.stack[n-1].at].jump = len(p.t.ops)
		return nil
	case inner == "/if":
		n := len(p.stack)
		if n == 0 {
			return p.errorf(line, col, "{{/if}} closes no {{#if …}}")
		}
		o := p.stack[n-1]
		p.stack = p.stack[:n-1]
		if o.elseJump >= 0 {
			p.t.ops[o.elseJump].jump = len(p.t.ops)
		} else {
			p.t.ops[o.at].jump = len(p.t.ops)
		}
		return nil
	case strings.HasPrefix(inner, "#if"):
		name := strings.TrimSpace(inner[3:])
		if name == "" || inner[3] != ' ' && inner[3] != '\t' {
			return p.errorf(line, col, "write the field a conditional tests, as in {{#if managees}}")
		}
		if err := p.field(name, line, col); err != nil {
			return err
		}
		if len(p.stack) == MaxDepth {
			return p.errorf(line, col, "conditionals nest more than %d deep", MaxDepth)
		}
		p.stack = append(p.stack, open{at: len(p.t.ops), elseJump: -1, line: line, col: col, fieldLabel: name})
		p.t.ops = append(p.t.ops, op{kind: opIf, text: name})
		return nil
	}
	if err := p.field(inner, line, col); err != nil {
		return err
	}
	p.t.ops = append(p.t.ops, op{kind: opField, text: inner})
	return nil
}

// field checks that name is a known field.
func (p *parser) field(name string, line, col int) error {
	if _, ok := p.t.fields[name]; ok {
		return nil
	}
	shown := name
	if utf8.RuneCountInString(shown) > 40 {
		shown = string([]rune(shown)[:40]) + "…"
	}
	if name == "" {
		return p.errorf(line, col, "empty placeholder {{}}; write a field between the braces: %s", p.known())
	}
	hint := ""
	if s := p.suggest(name); s != "" {
		hint = fmt.Sprintf(" (did you mean {{%s}}?)", s)
	}
	if !isName(name) {
		return p.errorf(line, col, "{{%s}} is not a placeholder%s: placeholders hold one field name, and there are no loops or functions; known fields: %s", shown, hint, p.known())
	}
	return p.errorf(line, col, "unknown field {{%s}}%s; known fields: %s", shown, hint, p.known())
}

// known lists the field names, in their given order.
func (p *parser) known() string {
	names := make([]string, 0, len(p.t.fields))
	for _, f := range p.t.list {
		names = append(names, f.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// isName reports whether s is written like a field name: lower-case words
// of letters, digits and "_" joined by ".".
func isName(s string) bool {
	if s == "" || len(s) > maxName {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || !(part[0] >= 'a' && part[0] <= 'z') {
			return false
		}
		for i := 0; i < len(part); i++ {
			if c := part[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				return false
			}
		}
	}
	return true
}

// suggest returns the known field closest to what the author wrote: the
// same name in another spelling ("{{.Manager.FirstName}}", "{{Group.Name}}"),
// else one within two typing mistakes.
func (p *parser) suggest(written string) string {
	if len(written) > maxName {
		return ""
	}
	norm := snake(strings.TrimPrefix(written, "."))
	if _, ok := p.t.fields[norm]; ok {
		return norm
	}
	best, bestD := "", 3
	for _, f := range p.t.list {
		if d := distance(norm, f.Name); d < bestD {
			best, bestD = f.Name, d
		}
	}
	return best
}

// snake turns "Manager.FirstName" into "manager.first_name".
func snake(s string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range s {
		if unicode.IsUpper(r) {
			if prev != 0 && prev != '.' && prev != '_' {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// distance is the edit distance of two short strings.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	row := make([]int, len(rb)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		diag := row[0]
		row[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			up := row[j]
			row[j] = min(row[j]+1, row[j-1]+1, diag+cost)
			diag = up
		}
	}
	return row[len(rb)]
}
