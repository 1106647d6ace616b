package i18n

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLocaleChoice(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "en", "fr": "fr", "fr-CA": "fr", "fr-BE,fr;q=0.9,en;q=0.5": "fr", "de": "en", "en-GB": "en", "garbage!!": "en"} {
		if got := For(in).Lang(); got != want {
			t.Errorf("For(%q) = %s, want %s", in, got, want)
		}
	}
}

// French plurals: 0 and 1 are singular, a million is "many"; English 0 is
// plural.
func TestFrenchPlurals(t *testing.T) {
	t.Parallel()
	fr, en := For("fr"), For("en")
	for _, tt := range []struct {
		l    *Localizer
		n    int
		want string
	}{
		{fr, 0, "Anniversaires aujourd'hui : Ada et 0 autre"},
		{fr, 1, "Anniversaires aujourd'hui : Ada et 1 autre"},
		{fr, 2, "Anniversaires aujourd'hui : Ada et 2 autres"},
		{fr, 1000000, "Anniversaires aujourd'hui : Ada et 1\u202f000\u202f000 autres"},
		{en, 1, "Birthdays today: Ada and 1 more"},
	} {
		if got := tt.l.N("birthday.subject.more", tt.n, map[string]any{"Name": "Ada"}); got != tt.want {
			t.Errorf("%s N(%d) = %q, want %q", tt.l.Lang(), tt.n, got, tt.want)
		}
	}
	// "many" is its own form in French (1 000 000 de jours), not in English.
	if got := fr.N("digest.late.days", 1000000, nil); got != "1\u202f000\u202f000 jours de retard" {
		t.Errorf("fr many = %q", got)
	}
	if got := fr.N("digest.late.days", 1, nil) + " / " + fr.N("digest.late.days", 0, nil); got != "1 jour de retard / 0 jour de retard" {
		t.Errorf("fr one = %q", got)
	}
}

// Every message of the English catalogue is in the French one, with the
// same fields: a translator cannot silently drop one.
func TestCataloguesAgree(t *testing.T) {
	t.Parallel()
	ids := regexp.MustCompile(`(?m)^\["([^"]+)"\]`)
	fr := For("fr")
	for _, file := range []string{"active", "pages"} {
		en, err := os.ReadFile(file + ".en.toml")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ids.FindAllStringSubmatch(string(en), -1) {
			if !fr.Has(m[1]) {
				t.Errorf("%s is missing from %s.fr.toml", m[1], file)
			}
		}
	}
}

// The two catalogues are loaded into one bundle, so an id in both would
// let the pages' text replace an email's (a settings column heading once
// turned the late digest's warning into "Of which late"): ids are unique
// across files, in every language.
func TestCataloguesShareNoID(t *testing.T) {
	t.Parallel()
	ids := regexp.MustCompile(`(?m)^\["([^"]+)"\]`)
	for _, lang := range []string{"en", "fr"} {
		seen := map[string]string{}
		for _, file := range []string{"active", "pages"} {
			name := file + "." + lang + ".toml"
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ids.FindAllStringSubmatch(string(b), -1) {
				if other, ok := seen[m[1]]; ok {
					t.Errorf("%s is in both %s and %s", m[1], other, name)
				}
				seen[m[1]] = name
			}
		}
	}
}

func TestDates(t *testing.T) {
	t.Parallel()
	d := time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC)
	if got := For("fr").DateTime(d); got != "mardi 1er décembre 2026 à 09:05" {
		t.Errorf("fr = %q", got)
	}
	if got := For("en").Date(d); got != "Tuesday 1 December 2026" {
		t.Errorf("en = %q", got)
	}
	if got := For("fr").List([]string{"A", "B", "C"}); got != "A, B et C" {
		t.Errorf("list = %q", got)
	}
}

func TestNumbersAndMoments(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 9, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang, number, moment, date, decimal string
	}{
		{"en", "1,234,567", "6 Dec 2026, 10:05 CET", "6 Dec 2026", "8.5"},
		{"fr", "1\u202f234\u202f567", "6 déc. 2026, 10:05 CET", "6 déc. 2026", "8,5"},
	} {
		l := For(tc.lang)
		if got := l.Number(1234567); got != tc.number {
			t.Errorf("%s: Number = %q, want %q", tc.lang, got, tc.number)
		}
		if got, want := l.Decimal(1234567.25), strings.Replace(tc.number, "567", "567"+map[string]string{"en": ".25", "fr": ",25"}[tc.lang], 1); got != want {
			t.Errorf("%s: Decimal = %q, want %q", tc.lang, got, want)
		}
		if got, want := l.N("digest.late.days", 1000, nil), map[string]string{"en": "1,000 days late", "fr": "1\u202f000 jours de retard"}[tc.lang]; got != want {
			t.Errorf("%s: a count in a message = %q, want %q", tc.lang, got, want)
		}
		if got := l.Moment(at, paris); got != tc.moment {
			t.Errorf("%s: Moment = %q, want %q", tc.lang, got, tc.moment)
		}
		if got := l.Decimal(8.5); got != tc.decimal {
			t.Errorf("%s: Decimal = %q, want %q", tc.lang, got, tc.decimal)
		}
		if got := l.ShortDate(at); got != tc.date {
			t.Errorf("%s: ShortDate = %q, want %q", tc.lang, got, tc.date)
		}
	}
}

// The pseudo-locale marks every catalogue string, as the pages' test needs,
// whether asked for by a profile or by Accept-Language.
func TestPseudoLocale(t *testing.T) {
	for _, locale := range []string{Pseudo, "qps-ploc;q=1, fr;q=0.5"} {
		l := For(locale)
		if !l.Pseudo() || l.Lang() != "en" {
			t.Errorf("For(%q) is %s, pseudo %v", locale, l.Lang(), l.Pseudo())
		}
		if got, want := l.T("nav.team", nil), PseudoOpen+"My team"+PseudoClose; got != want {
			t.Errorf("For(%q).T = %q, want %q", locale, got, want)
		}
	}
	if For("fr").Pseudo() || For("").Pseudo() {
		t.Error("a real language is marked")
	}
}
