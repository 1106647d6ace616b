// Package i18n holds Reportline's message catalogues and picks a
// language for a reader. The catalogues are TOML files a translator can
// edit (active.en.toml, active.fr.toml: one table per message, with the
// CLDR plural forms "one", "many" and "other" where a count matters),
// embedded in the binary and read with go-i18n, which knows each
// language's plural rules (in French 0 and 1 are singular, 1 000 000 is
// "many").
//
// Emails and pages use it: active.*.toml holds the emails' messages,
// pages.*.toml the pages'. A page asks For(locale) once per request and
// calls T and N like an email does.
//
// Pseudo ("qps-ploc") is a pseudo-locale for tests: English with every
// catalogue string marked ⟦like this⟧, so a test can find visible text
// that did not come from a catalogue.
package i18n

import (
	"embed"
	"fmt"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed active.*.toml pages.*.toml
var catalogues embed.FS

// Pseudo is the pseudo-locale: English, each catalogue string marked with
// PseudoOpen and PseudoClose.
const Pseudo = "qps-ploc"

// The marks of the pseudo-locale.
const (
	PseudoOpen  = "⟦"
	PseudoClose = "⟧"
)

// Default is the language used when a reader's locale is empty or not
// one Reportline speaks.
const Default = "en"

// Languages lists the languages with a catalogue, the default first.
var Languages = []string{"en", "fr"}

var (
	once   sync.Once
	bundle *goi18n.Bundle
	tags   []language.Tag
)

func load() {
	bundle = goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, l := range Languages {
		for _, f := range []string{"active", "pages"} {
			if _, err := bundle.LoadMessageFileFS(catalogues, f+"."+l+".toml"); err != nil {
				panic(fmt.Sprintf("i18n: catalogue %s.%s: %v", f, l, err)) // embedded: found by any test
			}
		}
		tags = append(tags, language.MustParse(l))
	}
}

// Localizer speaks one language.
type Localizer struct {
	lang   string
	pseudo bool // mark every catalogue string (the pseudo-locale)
	l      *goi18n.Localizer
}

// For returns the localizer of a locale ("fr", "fr-CA", "en-GB", a raw
// Accept-Language): the closest language with a catalogue, else Default.
func For(locale string) *Localizer {
	once.Do(load)
	lang := Default
	if first, _, _ := strings.Cut(strings.TrimSpace(locale), ","); strings.EqualFold(strings.TrimSpace(strings.Split(first, ";")[0]), Pseudo) {
		return &Localizer{lang: Default, pseudo: true, l: goi18n.NewLocalizer(bundle, Default)}
	}
	if locale = strings.TrimSpace(locale); locale != "" {
		if prefs, _, err := language.ParseAcceptLanguage(locale); err == nil && len(prefs) > 0 {
			m := language.NewMatcher(tags)
			_, i, conf := m.Match(prefs...)
			if conf != language.No {
				lang = Languages[i]
			}
		}
	}
	return &Localizer{lang: lang, l: goi18n.NewLocalizer(bundle, lang)}
}

// Lang is the language's code ("en", "fr"), for <html lang>.
func (l *Localizer) Lang() string { return l.lang }

// T returns message id filled with data (a map or a struct; its fields are
// named in the message as {{.Name}}). A message missing from the
// language's catalogue falls back to English; one missing from both is a
// programming error, shown as its id.
func (l *Localizer) T(id string, data any) string {
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return l.mark(s)
}

// mark wraps s in the pseudo-locale's marks, when that is the language.
func (l *Localizer) mark(s string) string {
	if l.pseudo {
		return PseudoOpen + s + PseudoClose
	}
	return s
}

// Pseudo reports whether this is the pseudo-locale.
func (l *Localizer) Pseudo() bool { return l.pseudo }

// N is T for a message with plural forms, chosen by count; data also gets
// {{.Count}}, written as Number writes it ("1,000", "1 000").
func (l *Localizer) N(id string, count int, data map[string]any) string {
	d := map[string]any{"Count": l.Number(count)}
	for k, v := range data {
		d[k] = v
	}
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
	if err != nil {
		// A message that has one form for every count (e.g. "en retard").
		return l.T(id, d)
	}
	return l.mark(s)
}

// Has reports whether id is in the language's own catalogue (not a
// fallback): the catalogue tests use it.
func (l *Localizer) Has(id string) bool {
	_, tag, err := l.l.LocalizeWithTag(&goi18n.LocalizeConfig{MessageID: id, PluralCount: 2})
	return err == nil && tag.String() == l.lang
}
