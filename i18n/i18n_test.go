package i18n

import (
	"os"
	"regexp"
	"testing"
	"time"
)

func TestLocaleChoice(t *testing.T) {
	for in, want := range map[string]string{"": "en", "fr": "fr", "fr-CA": "fr", "fr-BE,fr;q=0.9,en;q=0.5": "fr", "de": "en", "en-GB": "en", "garbage!!": "en"} {
		if got := For(in).Lang(); got != want {
			t.Errorf("For(%q) = %s, want %s", in, got, want)
		}
	}
}

// French plurals: 0 and 1 are singular, a million is "many"; English 0 is
// plural.
func TestFrenchPlurals(t *testing.T) {
	fr, en := For("fr"), For("en")
	for _, tt := range []struct {
		l    *Localizer
		n    int
		want string
	}{
		{fr, 0, "Anniversaire aujourd'hui : Ada"},
		{fr, 1, "Anniversaire aujourd'hui : Ada"},
		{fr, 2, "Anniversaires aujourd'hui : Ada et 1 autres"},
		{fr, 1000000, "Anniversaires aujourd'hui : Ada et 999999 autres"},
		{en, 1, "Birthday today: Ada"},
		{en, 0, "Birthdays today: Ada and -1 more"},
	} {
		if got := tt.l.N("birthday.subject", tt.n, map[string]any{"Name": "Ada", "More": tt.n - 1}); got != tt.want {
			t.Errorf("%s N(%d) = %q, want %q", tt.l.Lang(), tt.n, got, tt.want)
		}
	}
}

// Every message of the English catalogue is in the French one, with the
// same fields: a translator cannot silently drop one.
func TestCataloguesAgree(t *testing.T) {
	ids := regexp.MustCompile(`(?m)^\["([^"]+)"\]`)
	en, _ := os.ReadFile("active.en.toml")
	fr := For("fr")
	for _, m := range ids.FindAllStringSubmatch(string(en), -1) {
		if !fr.Has(m[1]) {
			t.Errorf("%s is missing from active.fr.toml", m[1])
		}
	}
}

func TestDates(t *testing.T) {
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
