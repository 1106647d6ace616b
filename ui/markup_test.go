package ui

import (
	"html/template"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/i18n"
)

// TestMarkupMessage: a message whose fields are markup escapes the values
// it is given as text, keeps the markup it is given as such, fills a field
// used twice, and in the pseudo-locale marks every run of its own text.
func TestMarkupMessage(t *testing.T) {
	t.Parallel()
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

// TestErrorText: app's refusals whose code and field say enough are the
// catalogue's words in the reader's language; the others stay app's own
// sentence, marked raw.
func TestErrorText(t *testing.T) {
	t.Parallel()
	fr := i18n.For("fr")
	for _, tc := range []struct {
		err  error
		want string
		raw  bool
	}{
		{reportline.FieldError("token", "", "this password reset link has expired or was already used; ask for a new one"),
			"Ce lien de réinitialisation du mot de passe a expiré ou a déjà servi\u202f; demandez-en un nouveau.", false},
		{reportline.FieldError("current", "", "the current password is wrong"), "Le mot de passe actuel est incorrect.", false},
		{reportline.FieldError("password", "", "password must have at least 10 characters"), "Un mot de passe compte au moins 10 et au plus 256 caractères.", false},
		{reportline.FieldError("email", "x", "%q is not an email address", "x"), `"x" is not an email address`, true},
		{reportline.Errorf(reportline.RateLimited, "too many attempts"), "too many attempts", true},
		{reportline.Errorf(reportline.Forbidden, "only managers may: no link").
			Say("error.stats.refused", map[string]any{"Why": reportline.Term("access.refused." + app.RefusedNotInEffect)}),
			"Vous ne pouvez pas voir les statistiques de cette personne\u00a0: votre lien avec cette personne n’est pas en vigueur aujourd’hui.", false},
	} {
		if got, raw := errorText(fr, tc.err); got != tc.want || raw != tc.raw {
			t.Errorf("errorText(%v) = %q, %v; want %q, %v", tc.err, got, raw, tc.want, tc.raw)
		}
	}
	// Every refusal code of the access check has its words, in both
	// languages (the statistics' refusal names it).
	for _, code := range []string{app.RefusedUnknownSubject, app.RefusedUnknownResource, app.RefusedInactiveSubject,
		app.RefusedInactiveResource, app.RefusedSelf, app.RefusedNotLinked, app.RefusedNotInEffect, app.RefusedKind,
		app.RefusedInactiveChain, app.RefusedInvalid, app.RefusedForbidden} {
		for _, lang := range []string{"en", "fr"} {
			if !i18n.For(lang).Has("access.refused." + code) {
				t.Errorf("%s: no words for the refusal code %q (access.refused.%s)", lang, code, code)
			}
		}
	}
}
