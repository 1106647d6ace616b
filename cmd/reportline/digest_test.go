package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestDigestPreviewCommand renders a manager's digest from the command
// line, as text and as HTML, and refuses bad input with a clear message.
func TestDigestPreviewCommand(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		if _, err := program(t, ctx, "", append([]string{"migrate"}, st...)...); err != nil {
			t.Fatal(err)
		}
		// The organisation: boss manages worker.
		url, dir := "", st[1]
		if len(st) > 2 {
			url = st[3]
		}
		db, err := store.Open(ctx, url, dir)
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(app.Adapt(db.Read, db.Write, db.Ping), app.Config{Logger: slog.New(slog.DiscardHandler)})
		sys := app.SystemActor(reportline.SourceCLI)
		boss, err := a.CreateUser(ctx, sys, app.UserInput{Email: "boss@example.com", FirstName: "Bo", LastName: "Ss"})
		if err != nil {
			t.Fatal(err)
		}
		worker, err := a.CreateUser(ctx, sys, app.UserInput{Email: "worker@example.com", FirstName: "Wo", LastName: "Rker"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: worker.ID, Direction: reportline.Managers, IDs: []reportline.UserID{boss.ID}}); err != nil {
			t.Fatal(err)
		}
		db.Close()

		out, err := program(t, ctx, "", append([]string{"digest", "preview", "--manager", "Boss@Example.com", "--week", "2026-W47"}, st...)...)
		if err != nil || !strings.Contains(out, "Subject: Your team's week of 9–16 Nov") || !strings.Contains(out, "Nothing to report for: Wo Rker.") {
			t.Fatalf("preview: %q, %v", out, err)
		}
		out, err = program(t, ctx, "", append([]string{"digest", "preview", "--manager", "boss@example.com", "--html"}, st...)...)
		if err != nil || !strings.HasPrefix(out, "<!DOCTYPE html>") {
			t.Fatalf("preview --html: %.80q, %v", out, err)
		}
		// The brand the operator configured reaches the email.
		brand := map[string]string{"REPORTLINE_MAIL_BRAND": "Acme Learning", "REPORTLINE_MAIL_ACCENT": "#0a7f3f",
			"REPORTLINE_MAIL_LOGO_URL": "https://cdn.example.com/logo.png", "REPORTLINE_DEFAULT_LOCALE": "fr"}
		var branded strings.Builder
		err = run(ctx, append([]string{"digest", "preview", "--manager", "boss@example.com", "--html"}, st...), func(k string) string { return brand[k] },
			strings.NewReader(""), &branded, io.Discard)
		if err != nil || !strings.Contains(branded.String(), "Acme Learning") || !strings.Contains(branded.String(), "#0a7f3f") ||
			!strings.Contains(branded.String(), `src="https://cdn.example.com/logo.png"`) || !strings.Contains(branded.String(), `<html lang="fr">`) {
			t.Errorf("preview --html with a brand and a default language configured: %v\n%s", err, branded.String())
		}
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--manager", "nobody@example.com"}, "not found"},
			{[]string{"--manager", "boss@example.com", "--week", "2026-W60"}, "--week"},
			{nil, "--manager is required"},
		} {
			_, err := program(t, ctx, "", append(append([]string{"digest", "preview"}, tc.args...), st...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("digest preview %v: %v, want an error naming %q", tc.args, err, tc.want)
			}
		}
		if _, err := program(t, ctx, "", "digest"); err != errUsage {
			t.Errorf("digest without a subcommand: %v, want the usage", err)
		}
	})
}
