package digest

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	texttemplate "text/template"

	"reportline/notice"
)

// The weekly digest and the birthday notification are rendered from
// embedded templates, each in plain text and HTML (html/template escapes
// every name, title and address). Times are shown in the tenant's zone,
// the zone of the schedule (Options.Zone).

//go:embed templates
var digestTemplateFS embed.FS

// Mail is a message's subject and bodies.
type Mail = notice.Mail

// mailTemplates holds one notification's two templates.
type mailTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// digestTemplates are parsed once, when the package
// loads: a broken template stops the binary's start, not a run.
var digestTemplates = mustTemplates("weekly_digest")

// templateFuncs are the helpers both template kinds use.
func templateFuncs() map[string]any {
	return map[string]any{
		"score": func(s *float64) string {
			if s == nil {
				return ""
			}
			return strconv.FormatFloat(*s, 'f', -1, 64)
		},
		"plural": func(n int, what string) string {
			if n == 1 {
				return "1 " + what
			}
			return strconv.Itoa(n) + " " + what + "s"
		},
	}
}

func mustTemplates(name string) mailTemplates {
	t := texttemplate.Must(texttemplate.New(name+".txt.tmpl").Funcs(templateFuncs()).
		ParseFS(digestTemplateFS, "templates/"+name+".txt.tmpl"))
	h := htmltemplate.Must(htmltemplate.New(name+".html.tmpl").Funcs(templateFuncs()).
		ParseFS(digestTemplateFS, "templates/"+name+".html.tmpl"))
	return mailTemplates{text: t, html: h}
}

// render executes both templates with data, whose Subject field the HTML
// title shows.
func (m mailTemplates) render(subject string, data any) (Mail, error) {
	out := Mail{Subject: subject}
	var b bytes.Buffer
	if err := m.text.Execute(&b, data); err != nil {
		return out, fmt.Errorf("render %s: %w", m.text.Name(), err)
	}
	out.Text = b.String()
	b.Reset()
	if err := m.html.Execute(&b, data); err != nil {
		return out, fmt.Errorf("render %s: %w", m.html.Name(), err)
	}
	out.HTML = b.String()
	return out, nil
}

// Render renders one manager's weekly digest from their team's week
// (view.go lays it out). A late digest says so, with o.SentAt, in
// both bodies and the subject.
func Render(tw TeamWeek, o Options) (Mail, error) {
	v := newDigestView(tw, o)
	return digestTemplates.render(v.Subject, v)
}
