package main

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Every command of the table, every group of commands and the program
// itself answer --help and -h on standard output with exit status 0, in the
// one usage style.
func TestHelpOfEveryCommand(t *testing.T) {
	t.Parallel()
	names := [][]string{{}}
	seen := map[string]bool{}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		for i := 1; i < len(words); i++ { // its groups: "scim", "scim token"
			if g := strings.Join(words[:i], " "); !seen[g] {
				seen[g] = true
				names = append(names, words[:i])
			}
		}
		names = append(names, words)
	}
	for _, name := range names {
		for _, help := range []string{"--help", "-h"} {
			args := append(append([]string{}, name...), help)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var stdout, stderr strings.Builder
				err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
				if code := exitCodeOf(err); code != 0 {
					t.Errorf("exit status %d (%v), want 0", code, err)
				}
				if stderr.Len() > 0 {
					t.Errorf("wrote to standard error: %q", stderr.String())
				}
				checkUsageStyle(t, stdout.String(), strings.Join(name, " "))
			})
		}
	}
}

// checkUsageStyle fails t unless text is a usage text in the one style:
// "Usage:", then for each command "  reportline NAME…" and its description
// indented by six spaces, and every command listed named after prefix.
func checkUsageStyle(t *testing.T, text, prefix string) {
	t.Helper()
	_, body, ok := strings.Cut(text, "Usage:\n")
	if !ok {
		t.Fatalf("no \"Usage:\" line:\n%s", text)
	}
	synopses := 0
	for line := range strings.Lines(body) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			break // the flags and notes follow
		}
		switch {
		case strings.HasPrefix(line, "  reportline "+prefix):
			synopses++
		case strings.HasPrefix(line, "      ") && synopses > 0:
		default:
			t.Errorf("line %q is neither a synopsis of reportline %s nor its description:\n%s", line, prefix, text)
		}
	}
	if synopses == 0 {
		t.Errorf("no synopsis:\n%s", text)
	}
}

// A wrong flag or subcommand is still a usage error: exit status 2, the usage
// on standard error, nothing on standard output.
func TestUsageErrorsStayOnStandardError(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"nonsense"}, {"managers", "export", "--no-such-flag"}, {"managers"}, {"scim", "token", "nonsense"},
		{"digest", "preview", "--week"}, {"sync", "ldap", "stray"}, {"bench", "nonsense"}, {"users", "import"},
		{"admin"}, {"token", "revoke", "x"}, {"webhooks", "nonsense"}, {"tenant"}, {"managers", "template", "--nonsense"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr strings.Builder
			err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
			if code := exitCodeOf(err); code != 2 {
				t.Errorf("exit status %d (%v), want 2", code, err)
			}
			if stdout.Len() > 0 {
				t.Errorf("wrote to standard output: %q", stdout.String())
			}
			if !strings.Contains(stderr.String(), "Usage:\n  reportline ") {
				t.Errorf("standard error has no usage text:\n%s", stderr.String())
			}
		})
	}
}

// exitCodeOf is the status main exits with for err.
func exitCodeOf(err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, errHelp) {
		return -1 // run must never let errHelp out
	}
	return exitCode(err)
}
