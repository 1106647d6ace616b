package app

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // Europe/Paris whatever the host has installed

	"reportline"
)

// The weekly digest and the birthday notification are rendered from
// embedded templates, each in plain text and HTML (html/template escapes
// every name, title and address). Times are shown in Paris time, the
// zone of the schedule.

//go:embed digest_templates
var digestTemplateFS embed.FS

// RenderedMail is a message's subject and bodies.
type RenderedMail struct {
	Subject, Text, HTML string
}

// mailTemplates holds one notification's two templates.
type mailTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// digestTemplates are parsed once, when the package
// loads: a broken template stops the binary's start, not a run.
var (
	parisZone       = mustParis()
	digestTemplates = mustTemplates("weekly_digest")
)

func mustParis() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(fmt.Sprintf("load Europe/Paris: %v", err)) // embedded by time/tzdata: cannot happen
	}
	return loc
}

// templateFuncs are the helpers both template kinds use.
func templateFuncs() map[string]any {
	return map[string]any{
		"when": func(t time.Time) string { return t.In(parisZone).Format("Monday 2 January 2006 15:04") },
		"day":  func(t time.Time) string { return t.In(parisZone).Format("Mon 2 Jan 2006") },
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
		ParseFS(digestTemplateFS, "digest_templates/"+name+".txt.tmpl"))
	h := htmltemplate.Must(htmltemplate.New(name+".html.tmpl").Funcs(templateFuncs()).
		ParseFS(digestTemplateFS, "digest_templates/"+name+".html.tmpl"))
	return mailTemplates{text: t, html: h}
}

// render executes both templates with data, whose Subject field the HTML
// title shows.
func (m mailTemplates) render(subject string, data any) (RenderedMail, error) {
	out := RenderedMail{Subject: subject}
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

// RenderDigest renders one manager's weekly digest from their team's week
// (digest_view.go lays it out). A late digest says so, with o.SentAt, in
// both bodies and the subject.
func RenderDigest(tw TeamWeek, o DigestOptions) (RenderedMail, error) {
	v := newDigestView(tw, o)
	return digestTemplates.render(v.Subject, v)
}

// BirthdayOptions are what a birthday notification needs besides its
// people: the brand and the public URL (for the button to My team; none
// without it).
type BirthdayOptions struct {
	Brand         MailBrand
	PublicURL     string
	DefaultLocale string // for a manager whose profile names no language
}

// RenderBirthday renders the birthday notification of one manager for the
// people (their managees) whose birthday is on date, in the manager's
// language, as a notice: the brand's band, a greeting by first name, the
// people, a button to My team, and why it came.
func RenderBirthday(manager reportline.User, date time.Time, people []reportline.User, o BirthdayOptions) (RenderedMail, error) {
	n, l := newNoticeFor(manager, o.Brand.normalized(), strings.TrimRight(o.PublicURL, "/"), o.DefaultLocale)
	count := len(people)
	n.Subject = l.T("birthday.subject", map[string]any{"Name": people[0].Name()})
	if count > 1 {
		n.Subject = l.N("birthday.subject.more", count-1, map[string]any{"Name": people[0].Name()})
	}
	n.Paras = []string{l.N("birthday.body", count, map[string]any{"Name": people[0].Name(), "Day": l.Format(date, "Mon 2 Jan 2006")})}
	for _, p := range people {
		n.Items = append(n.Items, p.Name()+" <"+p.Email+">")
	}
	brand := map[string]any{"Brand": n.BrandName}
	n.Footer = []string{l.T("birthday.footer.why", brand), l.T("birthday.footer.stop", brand)}
	return n.render()
}
