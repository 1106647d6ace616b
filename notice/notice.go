// Package notice is how Reportline's emails look: the brand every email
// carries (Brand), a rendered message (Mail), and the short email most
// notifications are (Draft: a greeting, a few paragraphs, optionally a
// list and a button, and a footer that says why it came and how to stop
// it), written in the recipient's language from the catalogues of package
// i18n.
package notice

import (
	"bytes"
	"cmp"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"regexp"
	"strings"

	"reportline"
	"reportline/i18n"
)

// Mail is a message's subject and bodies.
type Mail struct {
	Subject, Text, HTML string
}

// Brand is how emails present the product: the hook for a logo and an
// accent colour chosen by the platform (app.Config's Brand; per tenant
// later).
type Brand struct {
	// Name is the product's name in the header and the footer;
	// "Reportline" when empty.
	Name string
	// Accent is a CSS hex colour (#rgb or #rrggbb) for the header band and
	// the buttons, which carry white text; DefaultAccent when empty or not
	// such a colour.
	Accent string
	// LogoURL is the https address of a logo shown before the name. Empty
	// (the default): no image, so the email loads nothing from anywhere.
	LogoURL string
}

// DefaultAccent is the accent colour of the emails when none is set: a
// blue with white text at a contrast ratio above 7:1.
const DefaultAccent = "#1d4ed8"

var hexColour = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// Normalized fills in the defaults and drops what is not safe to show.
func (b Brand) Normalized() Brand {
	b.Name = strings.Join(strings.Fields(b.Name), " ")
	if b.Name == "" {
		b.Name = "Reportline"
	}
	if !hexColour.MatchString(b.Accent) {
		b.Accent = DefaultAccent
	}
	if u, err := url.Parse(b.LogoURL); err != nil || u.Scheme != "https" || u.Host == "" {
		b.LogoURL = ""
	}
	return b
}

// Draft is a notice being written: Start fills in the greeting, the brand
// and the button; the caller adds the rest and calls Render.
type Draft struct {
	Lang      string
	Subject   string
	Greeting  string
	Paras     []string
	Items     []string
	Code      string // an address to copy, on a line of its own
	Button    string // label; shown only with URL
	URL       string
	Footer    []string
	Accent    string
	BrandName string
	Data      map[string]any // the fields the catalogue's messages name (the caller's)
}

var draftHTML = htmltemplate.Must(htmltemplate.New("notice").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin: 0; padding: 0; background-color: #f3f4f6; font-family: Arial, Helvetica, sans-serif; color: #1f2933; line-height: 1.45;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color: #f3f4f6;">
<tr><td align="center" style="padding: 16px 8px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width: 600px; background-color: #ffffff; border: 1px solid #e4e7eb; border-radius: 6px;">
<tr><td style="background-color: {{.Accent}}; border-radius: 6px 6px 0 0; padding: 14px 20px; color: #ffffff; font-size: 18px; font-weight: bold;">{{.BrandName}}</td></tr>
<tr><td style="padding: 20px;">
<p style="margin: 0 0 12px;">{{.Greeting}}</p>
{{- range .Paras}}
<p style="margin: 0 0 12px;">{{.}}</p>
{{- end}}
{{- if .Items}}
<ul>
{{- range .Items}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
{{- if .Code}}
<p style="margin: 0 0 12px;"><code style="word-break: break-all;">{{.Code}}</code></p>
{{- end}}
{{- if .URL}}
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin: 8px 0 0;"><tr><td style="background-color: {{.Accent}}; border-radius: 4px;"><a href="{{.URL}}" style="display: inline-block; padding: 10px 18px; color: #ffffff; font-size: 15px; font-weight: bold; text-decoration: none;">{{.Button}}</a></td></tr></table>
{{- end}}
</td></tr>
<tr><td style="padding: 14px 20px; border-top: 1px solid #e4e7eb; font-size: 12px; color: #52606d;">
{{- range $i, $f := .Footer}}{{if $i}}<br>{{end}}{{$f}}{{end}}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`))

// Render writes the notice's two bodies.
func (n Draft) Render() (Mail, error) {
	var t strings.Builder
	t.WriteString(n.Greeting + "\n\n")
	for _, p := range n.Paras {
		t.WriteString(p + "\n\n")
	}
	for _, it := range n.Items {
		t.WriteString("  - " + it + "\n")
	}
	if len(n.Items) > 0 {
		t.WriteString("\n")
	}
	if n.Code != "" {
		t.WriteString("  " + n.Code + "\n\n")
	}
	if n.URL != "" {
		t.WriteString(n.Button + ": " + n.URL + "\n\n")
	}
	t.WriteString("-- \n")
	for _, f := range n.Footer {
		t.WriteString(f + "\n")
	}
	var h bytes.Buffer
	if err := draftHTML.Execute(&h, n); err != nil {
		return Mail{}, fmt.Errorf("render notice: %w", err)
	}
	// A name is its owner's to choose: keep the subject one line.
	return Mail{Subject: strings.Join(strings.Fields(n.Subject), " "), Text: t.String(), HTML: h.String()}, nil
}

// Start begins a notice to u in their language (else in defaultLocale),
// under brand b (normalised by the caller), with a button to My team when
// there is a public URL (without its trailing slash).
func Start(u reportline.User, b Brand, public, defaultLocale string) (Draft, *i18n.Localizer) {
	l := i18n.For(cmp.Or(u.Locale, defaultLocale))
	n := Draft{Lang: l.Lang(), Accent: b.Accent, BrandName: b.Name}
	if first := strings.TrimSpace(u.FirstName); first != "" {
		n.Greeting = l.T("mail.greeting", map[string]any{"Name": first})
	} else if name := u.Name(); name != "" {
		n.Greeting = l.T("mail.greeting", map[string]any{"Name": name})
	} else {
		n.Greeting = l.T("mail.greeting.anonymous", nil)
	}
	if public != "" {
		n.Button, n.URL = l.T("mail.open", map[string]any{"Brand": b.Name}), public+"/team"
	}
	return n, l
}
