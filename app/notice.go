package app

import (
	"bytes"
	"cmp"
	"fmt"
	htmltemplate "html/template"
	"strings"

	"reportline"
	"reportline/i18n"
)

// A notice is a short email in the recipient's language: a greeting, a
// few paragraphs, optionally a list and a button, and a footer that says
// why it came and how to stop it. The notifications of events (temporary
// links, manager changes) are notices; their words are in the catalogues
// of package i18n.

type notice struct {
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
	data      map[string]any // the fields the catalogue's messages name
}

var noticeHTML = htmltemplate.Must(htmltemplate.New("notice").Parse(`<!DOCTYPE html>
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

// render writes the notice's two bodies.
func (n notice) render() (RenderedMail, error) {
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
	if err := noticeHTML.Execute(&h, n); err != nil {
		return RenderedMail{}, fmt.Errorf("render notice: %w", err)
	}
	// A name is its owner's to choose: keep the subject one line.
	return RenderedMail{Subject: strings.Join(strings.Fields(n.Subject), " "), Text: t.String(), HTML: h.String()}, nil
}

// newNoticeFor starts a notice to u in their language (else in
// defaultLocale), under brand b, with a button to My team when there is a
// public URL.
func newNoticeFor(u reportline.User, b MailBrand, public, defaultLocale string) (notice, *i18n.Localizer) {
	l := i18n.For(cmp.Or(u.Locale, defaultLocale))
	n := notice{Lang: l.Lang(), Accent: b.Accent, BrandName: b.Name}
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

// footer says why the notice came: mandatory, or how to stop it.
func (a *App) footer(n *notice, l *i18n.Localizer, t reportline.NotificationType, mandatory bool) {
	b := n.BrandName
	if mandatory {
		n.Footer = append(n.Footer, l.T("mail.footer.mandatory", map[string]any{"Brand": b}))
		return
	}
	n.Footer = append(n.Footer, l.T("mail.footer.optional", map[string]any{"Brand": b, "Notification": notificationName(l, t)}))
}

// notificationName is a notification's name in the reader's language.
func notificationName(l *i18n.Localizer, t reportline.NotificationType) string {
	if s := l.T("notification."+string(t), nil); s != "notification."+string(t) {
		return s
	}
	n, _ := reportline.NotificationByType(t)
	return n.Name
}
