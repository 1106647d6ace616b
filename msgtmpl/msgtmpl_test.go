package msgtmpl

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var sample = Values{
	"manager.first_name": Text("Camille"),
	"manager.last_name":  Text("Martin"),
	"managees":           List("Léa Bernard", "Hugo <Petit>"),
	"managees.count":     Count(2),
	"group.name":         Text("R&D"),
	"sender.name":        Text(""),
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, plain, html string }{
		{"Hello {{manager.first_name}},", "Hello Camille,", "Hello Camille,"},
		{"{{ manager.last_name }} {{managees.count}}", "Martin 2", "Martin 2"},
		{"People: {{managees}}.", "People: Léa Bernard, Hugo <Petit>.", "People: Léa Bernard, Hugo &lt;Petit&gt;."},
		{"<b>{{group.name}}</b>", "<b>R&D</b>", "<b>R&amp;D</b>"},
		{"{{#if managees}}yes{{/if}}", "yes", "yes"},
		{"{{#if sender.name}}yes{{else}}no{{/if}}!", "no!", "no!"},
		{"{{#if manager.email}}A{{else}}{{#if managees}}B{{#if group.name}}C{{/if}}{{else}}D{{/if}}{{/if}}", "BC", "BC"},
		{"a { b } c }} d { {", "a { b } c }} d { {", "a { b } c }} d { {"},
		{"", "", ""},
		{"{{manager.email}}|", "|", "|"}, // known, without a value
	}
	for _, tt := range tests {
		tpl, err := Parse(tt.src, ManagerMessageFields)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.src, err)
			continue
		}
		if got, err := tpl.Render(sample, Plain, 0); err != nil || got != tt.plain {
			t.Errorf("Render(%q, Plain) = %q, %v; want %q", tt.src, got, err, tt.plain)
		}
		if got, err := tpl.Render(sample, HTML, 0); err != nil || got != tt.html {
			t.Errorf("Render(%q, HTML) = %q, %v; want %q", tt.src, got, err, tt.html)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{"Hello,\n\nDear {{manger.first_name}}", "line 3, column 6: unknown field {{manger.first_name}} (did you mean {{manager.first_name}}?); known fields: manager.first_name, manager.last_name,"},
		{"Hi {{.Manager.FirstName}}", "line 1, column 4: {{.Manager.FirstName}} is not a placeholder (did you mean {{manager.first_name}}?)"},
		{"é{{range 20000}}{{range 1000}}{{end}}{{end}}", "line 1, column 2: {{range 20000}} is not a placeholder: placeholders hold one field name, and there are no loops or functions"},
		{"x\n  {{group.name", `line 2, column 3: "{{" opens a placeholder that is not closed by "}}" on the same line`},
		{"{{group.name\n}}", `line 1, column 1: "{{" opens`},
		{"a {{}} b", "line 1, column 3: empty placeholder {{}}"},
		{"{{#if managees}}\nno end", "line 1, column 1: {{#if managees}} is never closed: add {{/if}}"},
		{"{{#if}}x{{/if}}", "line 1, column 1: write the field a conditional tests"},
		{"{{#ifmanagees}}x{{/if}}", "line 1, column 1: write the field a conditional tests"},
		{"{{#if shoe}}x{{/if}}", "line 1, column 1: unknown field {{shoe}}"},
		{"x{{/if}}", "line 1, column 2: {{/if}} closes no {{#if …}}"},
		{"{{else}}", "line 1, column 1: {{else}} must be inside {{#if …}} … {{/if}}, once"},
		{"{{#if managees}}a{{else}}b{{else}}c{{/if}}", "line 1, column 27: {{else}} must be inside"},
		{strings.Repeat("{{#if managees}}", MaxDepth+1), "line 1, column 129: conditionals nest more than 8 deep"},
		{"{{" + strings.Repeat("x", 100) + "}}", "line 1, column 1: {{" + strings.Repeat("x", 40) + "…}} is not a placeholder"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src, ManagerMessageFields)
		var e *Error
		if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v\nwant an *Error starting %q", tt.src, err, tt.want)
		}
	}
}

// The template language has no loop: {{range}} and friends are refused, so
// the pathological template of issue 11 costs nothing.
func TestNoLoops(t *testing.T) {
	t.Parallel()
	for _, src := range []string{`{{range 20000}}{{range 1000}}{{end}}{{end}}`, `{{define "x"}}{{template "x"}}{{end}}`, `{{> /etc/hostname}}`, `{{#each managees}}x{{/each}}`} {
		if _, err := Parse(src, ManagerMessageFields); err == nil {
			t.Errorf("Parse(%q) accepted a loop, a partial or a function", src)
		}
	}
}

func TestRenderLimit(t *testing.T) {
	t.Parallel()
	tpl, err := Parse(strings.Repeat("{{managees}}", 1000), ManagerMessageFields)
	if err != nil {
		t.Fatal(err)
	}
	long := Values{"managees": List(strings.Repeat("n", 1000), "m")}
	if _, err := tpl.Render(long, Plain, 100_000); !errors.Is(err, ErrTooLong) {
		t.Errorf("Render over the limit: %v, want ErrTooLong", err)
	}
	if got, err := tpl.Render(long, Plain, 0); err != nil || len(got) != 1000*1003 {
		t.Errorf("Render without a limit: %d bytes, %v", len(got), err)
	}
}

func TestExamples(t *testing.T) {
	t.Parallel()
	tpl, err := Parse("{{manager.name}}: {{managees}} ({{managees.count}})", ManagerMessageFields)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tpl.Render(Examples(ManagerMessageFields), Plain, 0)
	if want := "Camille Martin: Léa Bernard, Hugo Petit (2)"; got != want {
		t.Errorf("examples = %q, want %q", got, want)
	}
	for _, f := range ManagerMessageFields {
		if !isName(f.Name) || f.Description == "" || f.Example == "" {
			t.Errorf("field %+v: a name, a description and an example are needed", f)
		}
	}
}

// FuzzParse checks that parsing never panics, that an error has a position
// inside the text, and that rendering is linear: a template never writes
// more than its own text plus one copy of a value per placeholder.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Hello {{manager.first_name}},\n{{#if managees}}{{managees}}{{else}}none{{/if}}",
		"{{range 20000}}{{range 1000}}{{end}}{{end}}", "{{", "}}{{}}", "{{#if x}}", "{{/if}}{{else}}",
		"é\n{{ group.name }}\r\n{{.Manager.FirstName}}", strings.Repeat("{{#if managees}}", 9),
	} {
		f.Add(s)
	}
	values := Examples(ManagerMessageFields)
	longest := 0
	for _, v := range values {
		longest = max(longest, len(v.text)+len(strings.Join(v.items, ", ")))
	}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src, ManagerMessageFields)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			lines := strings.Split(src, "\n")
			if e.Line < 1 || e.Line > len(lines) || e.Column < 1 || e.Column > utf8.RuneCountInString(lines[e.Line-1])+1 {
				t.Fatalf("error %v points outside the text (%d lines)", err, len(lines))
			}
			return
		}
		if len(tpl.ops) > len(src) {
			t.Fatalf("%d steps for %d bytes", len(tpl.ops), len(src))
		}
		for i, o := range tpl.ops {
			if (o.kind == opIf || o.kind == opJump) && (o.jump <= i || o.jump > len(tpl.ops)) {
				t.Fatalf("step %d jumps to %d: jumps must go forward", i, o.jump)
			}
		}
		for _, mode := range []Mode{Plain, HTML} {
			out, err := tpl.Render(values, mode, 0)
			if err != nil {
				t.Fatal(err)
			}
			if bound := len(src) + strings.Count(src, "{{")*6*longest; len(out) > bound {
				t.Fatalf("%d bytes out of a %d-byte template", len(out), len(src))
			}
		}
		if !strings.Contains(src, "{{") {
			if out, _ := tpl.Render(values, Plain, 0); out != src {
				t.Fatalf("text without placeholders changed: %q", out)
			}
		}
	})
}
