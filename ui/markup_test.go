package ui

import (
	"html/template"
	"strings"
	"testing"

	"reportline/i18n"
)

// TestMarkupMessage: a message whose fields are markup escapes the values
// it is given as text, keeps the markup it is given as such, fills a field
// used twice, and in the pseudo-locale marks every run of its own text.
func TestMarkupMessage(t *testing.T) {
	for _, tc := range []struct {
		lang string
		kv   []any
		want template.HTML
	}{
		{"en", []any{"Notification", "<script>x</script>", "Email", strong("a&b@acme.test", "")},
			"Stop the &lt;script&gt;x&lt;/script&gt; emails to <strong>a&amp;b@acme.test</strong>? Nothing else changes."},
		{"fr", []any{"Notification", "Anniversaires", "Email", strong("ada@acme.test", "who")},
			"Ne plus envoyer les e-mails «\u00a0Anniversaires\u00a0» à <strong id=\"who\">ada@acme.test</strong>\u202f? Rien d’autre ne change."},
		{i18n.Pseudo, []any{"Notification", "Birthdays", "Email", strong("ada@acme.test", "")},
			"⟦Stop the ⟧Birthdays⟦ emails to ⟧<strong>ada@acme.test</strong>⟦? Nothing else changes.⟧"},
	} {
		if got := markup(i18n.For(tc.lang), "unsubscribe.question", tc.kv); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.lang, got, tc.want)
		}
	}
	l := i18n.For("en")
	got := markup(l, "users_import.columns_help", []any{"Uid", "u", "Email", "e", "FirstName", "f", "SecondName", "s", "IsActive", "a",
		"BirthDate", "b", "Position", "p", "Department", "d", "Locale", "l", "Timezone", "z", "ManagerUID", code("manager_uid"), "ManagerID", "m", "Max", "64 MiB"})
	if n := strings.Count(string(got), `<code translate="no">manager_uid</code>`); n != 2 {
		t.Errorf("a field used twice is filled %d times: %s", n, got)
	}
}
