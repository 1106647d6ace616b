package main

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Every command answers --help on standard output with exit status 0, in
// one usage style: "Usage:" and then the "reportline …" lines.
func TestHelpOfEveryCommand(t *testing.T) {
	t.Parallel()
	commands := [][]string{
		{}, {"serve"}, {"migrate"}, {"version"},
		{"admin"}, {"admin", "create"}, {"token"}, {"token", "create"},
		{"scim"}, {"scim", "token"}, {"scim", "token", "create"}, {"scim", "token", "list"}, {"scim", "token", "revoke"},
		{"scim", "group"}, {"scim", "group", "list"}, {"scim", "group", "map"}, {"scim", "group", "unmap"},
		{"managers"}, {"managers", "template"}, {"managers", "export"}, {"managers", "import"},
		{"users"}, {"users", "import"},
		{"digest"}, {"digest", "preview"},
		{"learning"}, {"learning", "template"}, {"learning", "import"},
		{"bench"}, {"bench", "generate"}, {"bench", "report"},
		{"sync"}, {"sync", "ldap"}, {"sync", "graph"}, {"openapi"}, {"plans"},
	}
	for _, cmd := range commands {
		for _, help := range []string{"--help", "-h"} {
			args := append(append([]string{}, cmd...), help)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var stdout, stderr strings.Builder
				err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
				if code := exitCodeOf(err); code != 0 {
					t.Errorf("exit status %d (%v), want 0", code, err)
				}
				if stderr.Len() > 0 {
					t.Errorf("wrote to standard error: %q", stderr.String())
				}
				if args[0] == "version" {
					if !strings.HasPrefix(stdout.String(), "reportline ") {
						t.Errorf("version --help printed %q", stdout.String())
					}
					return
				}
				if !strings.Contains(stdout.String(), "Usage:\n  reportline ") {
					t.Errorf("standard output is not a usage text:\n%s", stdout.String())
				}
			})
		}
	}
}

// A wrong flag or subcommand is still a usage error: exit status 2, the usage
// on standard error, nothing on standard output.
func TestUsageErrorsStayOnStandardError(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"nonsense"}, {"managers", "export", "--no-such-flag"}, {"managers"}, {"scim", "token", "nonsense"},
		{"digest", "preview", "--week"}, {"sync", "ldap", "stray"}, {"bench", "nonsense"}, {"users", "import"},
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
