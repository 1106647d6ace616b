package ui

import (
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"reportline"
	"reportline/app"
	"reportline/i18n"
)

// funcs are the helpers templates may call: formatting only, no rules.
// l is the language of the template set: "t" and "tn" read its catalogue
// ({{t "nav.team"}}, {{t "people.intro" "Name" .Name}}, {{tn "x" .Count}}),
// "lang" is its code for <html lang>, and numbers and labels follow it.
func (u *UI) funcs(l *i18n.Localizer) template.FuncMap {
	return template.FuncMap{
		"t": func(id string, kv ...any) string { return l.T(id, pairs(kv)) },
		"tn": func(id string, n int, kv ...any) string {
			return l.N(id, n, pairs(kv))
		},
		"th":     func(id string, kv ...any) template.HTML { return markup(l, id, kv) },
		"strong": strong,
		"em":     func(v string) template.HTML { return template.HTML("<em>" + template.HTMLEscapeString(v) + "</em>") },
		// samplevalue is a made-up value (a name, an address), not words to
		// translate.
		"samplevalue": func(v string) template.HTML {
			return template.HTML(`<span translate="no">` + template.HTMLEscapeString(v) + `</span>`)
		},
		"link": link,
		"code": func(s string) template.HTML {
			return template.HTML(`<code translate="no">` + template.HTMLEscapeString(s) + `</code>`)
		},
		"encoding":    func(e string) string { return encodingLabel(l, e) },
		"field":       func(f string) string { return fieldLabel(l, f) },
		"detailWords": func(d reportline.Detail) words { return detailWords(l, d) },
		"syncFields":  func(f string) string { return syncFields(l, f) },
		"syncProblem": func(p reportline.SyncProblem) words { return syncProblemWords(l, p) },
		"lang":        l.Lang,
		"label":       func(kind string, v any) string { return l.T(kind+"."+fmt.Sprint(v), nil) },
		"lnum":        func(n int) string { return l.Number(n) },
		"ldate":       func(t time.Time) string { return l.ShortDate(t) },
		"ldec":        func(f float64) string { return l.Decimal(f) },
		"deref":       func(f *float64) float64 { return *f },
		"duration":    func(d time.Duration) string { return duration(l, d) },
		"asset":       func(name string) string { return "/assets/" + name + "?v=" + u.version },
		"date":        formatDate,
		"kindLabel":   kindLabel,
		"sourceLabel": sourceLabel,
		"roleLabel":   roleLabel,
		"initial":     initial,
		"sentence":    sentence,
		"plural":      plural,
		"num":         num,
		"bytes":       func(n int64) string { return size(l, n) },
		"importKind":  func(b reportline.ImportBatch) string { return importKind(l, b) },
		"removeURL": func(base string, manager, managee reportline.UserID, group reportline.GroupID) string {
			params := []string{"manager_id", fmt.Sprint(manager), "managee_id", fmt.Sprint(managee)}
			if group != 0 {
				params = append(params, "group", fmt.Sprint(group))
			}
			return withQuery(base, params...)
		},
		// args names a partial's data: {{template "secret-field" (args "ID" "x" "Set" .Set)}}.
		"args": func(kv ...any) map[string]any { return pairs(kv) },
		"add": func(ns ...int) int {
			sum := 0
			for _, n := range ns {
				sum += n
			}
			return sum
		},
	}
}

// pairs turns a template's key, value, key, value… into message data.
func pairs(kv []any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

// markup is a catalogue message whose fields are markup (a name in
// <strong>, a link): the message's own text is escaped, the fields are
// escaped unless they are template.HTML, so that a translator can move a
// strong name within the sentence.
func markup(l *i18n.Localizer, id string, kv []any) template.HTML {
	data := pairs(kv)
	fill := map[string]string{}
	for k, v := range data {
		hole := fmt.Sprintf("\x00%d\x00", len(fill))
		if h, ok := v.(template.HTML); ok {
			fill[hole] = string(h)
		} else {
			fill[hole] = template.HTMLEscapeString(fmt.Sprint(v))
		}
		data[k] = hole
	}
	s := l.T(id, data)
	if l.Pseudo() {
		// Mark each run of the message's own text rather than the whole:
		// the fields' markup splits it into several text nodes.
		s = strings.TrimSuffix(strings.TrimPrefix(s, i18n.PseudoOpen), i18n.PseudoClose)
		var b strings.Builder
		mark := func(text string) {
			if strings.TrimSpace(text) != "" {
				text = i18n.PseudoOpen + text + i18n.PseudoClose
			}
			b.WriteString(text)
		}
		last := 0
		for _, m := range holes.FindAllStringIndex(s, -1) {
			mark(s[last:m[0]])
			b.WriteString(s[m[0]:m[1]])
			last = m[1]
		}
		mark(s[last:])
		s = b.String()
	}
	s = template.HTMLEscapeString(s)
	for hole, v := range fill {
		s = strings.ReplaceAll(s, template.HTMLEscapeString(hole), v)
	}
	return template.HTML(s)
}

// code is a literal (a CSV column's name) in <code>, not to translate.
func code(s string) template.HTML {
	return template.HTML(`<code translate="no">` + template.HTMLEscapeString(s) + `</code>`)
}

// holes are the places of markup's fields in a message.
var holes = regexp.MustCompile("\x00[0-9]+\x00")

// strong is a value in <strong>, with an id when one is given.
func strong(v, id string) template.HTML {
	if id != "" {
		return template.HTML(`<strong id="` + template.HTMLEscapeString(id) + `">` + template.HTMLEscapeString(v) + `</strong>`)
	}
	return template.HTML("<strong>" + template.HTMLEscapeString(v) + "</strong>")
}

// link is a link with its text, for a markup message's field.
func link(url, text string) template.HTML {
	return template.HTML(`<a href="` + template.HTMLEscapeString(url) + `">` + template.HTMLEscapeString(text) + `</a>`)
}

// num formats a count with thousands separators: imports run to millions
// of lines.
func num(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// byteSize formats a size for people: "5 MiB" rather than "5242880".
func byteSize(n int64) string {
	const kib, mib, gib = 1 << 10, 1 << 20, 1 << 30
	switch {
	case n >= gib:
		return strconv.FormatFloat(float64(n)/gib, 'g', 3, 64) + " GiB"
	case n >= mib:
		return strconv.FormatFloat(float64(n)/mib, 'g', 3, 64) + " MiB"
	case n >= kib:
		return strconv.FormatFloat(float64(n)/kib, 'g', 3, 64) + " KiB"
	case n == 1:
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// duration writes a time spent as hours and minutes: "1 h 05", "40 min".
func duration(l *i18n.Localizer, d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0 && m == 0:
		return l.T("duration.under_minute", nil)
	case h == 0:
		return l.T("duration.minutes", map[string]any{"M": m})
	}
	return l.T("duration.hours", map[string]any{"H": h, "M": fmt.Sprintf("%02d", m)})
}

// size is byteSize in the reader's language: "5 MiB", "5 Mio".
func size(l *i18n.Localizer, n int64) string {
	const kib, mib, gib = 1 << 10, 1 << 20, 1 << 30
	unit := func(id string, div float64) string {
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(n)/div, 'g', 3, 64), 64)
		return l.T(id, map[string]any{"N": l.Decimal(f)})
	}
	switch {
	case n >= gib:
		return unit("size.gib", gib)
	case n >= mib:
		return unit("size.mib", mib)
	case n >= kib:
		return unit("size.kib", kib)
	}
	return l.N("size.bytes", int(n), map[string]any{"N": l.Number(int(n))})
}

// viewerLocation is the time zone times are shown in: the viewer's, else
// UTC.
func viewerLocation(u reportline.User) *time.Location {
	if u.TimeZone != "" {
		if loc, err := time.LoadLocation(u.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// formatTime formats a moment for people, in loc.
func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2 Jan 2006, 15:04 MST")
}

// initial is the first letter of a name, for an avatar.
func initial(name string) string {
	for _, r := range name {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// sentence capitalises app's messages, which are written lower-case so
// that they can be wrapped ("preview: %w"), and ends them with a full stop.
// A message that starts with a value (an address, an id) keeps it as is.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	first, _, _ := strings.Cut(s, " ")
	if strings.IndexFunc(first, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != ',' }) < 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = string(unicode.ToUpper(r)) + s[size:]
	}
	if !strings.ContainsAny(s[len(s)-1:], ".!?") {
		s += "."
	}
	return s
}

// formatDate formats a date for people, "—" when there is none.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2 Jan 2006")
}

func kindLabel(k reportline.Kind) string {
	switch k {
	case reportline.Line:
		return "Line"
	case reportline.Functional:
		return "Functional"
	}
	return string(k)
}

// sourceLabel names where a link came from, as the spec asks the UI to
// show.
func sourceLabel(s reportline.Source) string {
	switch s {
	case reportline.SourceUI:
		return "Web UI"
	case reportline.SourceAPI:
		return "API"
	case reportline.SourceCLI:
		return "Command line"
	case reportline.SourceCSV:
		return "CSV import"
	case reportline.SourceImportAPI:
		return "Import API"
	case reportline.SourceLDAP:
		return "LDAP"
	case reportline.SourceGraph:
		return "Entra ID"
	case reportline.SourceSCIM:
		return "SCIM"
	case reportline.SourceOrgStructure:
		return "Org structure"
	}
	return string(s)
}

func roleLabel(r reportline.GroupRole) string {
	switch r {
	case reportline.AdminRole:
		return "Admin"
	case reportline.UserAdminRole:
		return "User admin"
	case reportline.MemberRole:
		return "Member"
	}
	return "Subgroup member"
}

// flag is how a preview shows a verdict: a text label and a tone (green,
// amber, red); the tone is never the only cue.
type flag struct {
	Label string
	Tone  string // "ok", "warn" or "bad": a CSS class suffix
}

// ID is the label's message id in the catalogue ("verdict.new"), "" for a
// label the catalogue does not have yet.
func (f flag) ID() string { return verdictIDs[f] }

// verdictIDs are the message ids of verdictFlags' labels.
var verdictIDs = func() map[flag]string {
	m := map[flag]string{}
	for v, f := range verdictFlags {
		m[f] = "verdict." + string(v)
	}
	return m
}()

// verdictFlags labels every verdict of app.Verdict.
var verdictFlags = map[app.Verdict]flag{
	app.VerdictNew:        {"Will be added", "ok"},
	app.VerdictUpdate:     {"Will be updated", "ok"},
	app.VerdictUnchanged:  {"Already linked", "warn"},
	app.VerdictDuplicate:  {"Listed twice", "warn"},
	app.VerdictInvalid:    {"Not an email address", "bad"},
	app.VerdictUnknown:    {"Unknown", "bad"},
	app.VerdictInactive:   {"Inactive", "bad"},
	app.VerdictSelf:       {"Same person", "bad"},
	app.VerdictOutOfScope: {"Out of scope", "bad"},
	app.VerdictCycle:      {"Cycle", "bad"},
}

func verdictFlag(v app.Verdict) flag {
	if f, ok := verdictFlags[v]; ok {
		return f
	}
	if v.Accepted() {
		return flag{string(v), "ok"}
	}
	return flag{string(v), "bad"}
}
