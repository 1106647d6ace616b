// Command reportline runs the Reportline service and its administration
// commands. Run `reportline help` for the list.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "reportline:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

// errHelp marks a help request already answered on standard output: run
// returns nil for it, so every --help exits 0.
var errHelp = errors.New("help")

// isHelp reports whether args ask for help rather than name a subcommand.
func isHelp(args []string) bool {
	return len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help")
}

// usageText answers a command group's misuse: on standard output with errHelp
// when args ask for help, else on standard error with errUsage. Every usage
// text starts with "Usage:" followed by indented "reportline …" lines.
func usageText(e env, args []string, text string) error {
	if isHelp(args) {
		fmt.Fprint(e.stdout, text)
		return errHelp
	}
	fmt.Fprint(e.stderr, text)
	return errUsage
}

func exitCode(err error) int {
	var ee exitError
	switch {
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ee):
		return ee.code
	}
	return 1
}

// env is what a command gets from its surroundings; tests pass their own.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const usage = `Reportline owns who manages whom in a learning platform.

Usage:
  reportline serve [--addr HOST:PORT] [--data DIR] [--database URL] [--demo]
  reportline migrate [--data DIR] [--database URL]
  reportline admin create --email E      create a platform admin (password from stdin, or generated)
  reportline password set --email E [--revoke-tokens]
                                         set a user's password (stdin, or generated); ends their sessions
  reportline token create --email E [--name N] [--expires 90d]
                                         print a new API token for that user (shown once)
  reportline token list [--email E]      list API tokens (everybody's, or that user's)
  reportline token revoke ID             revoke an API token at once
  reportline scim token create --name N  print a new SCIM provisioning token (also list, revoke --name N)
  reportline scim group map --group ID --display-name N   map an IdP group onto an existing group (also list, unmap)
  reportline managers template           print the CSV import template
  reportline managers export [-o FILE] [--group ID] [--excel] [--as EMAIL] [--as-of DATE]
  reportline managers import FILE [--dry-run] [--json] [--as EMAIL]
      replace the managers of every managee in FILE, listing each change
      (+ manager → managee, - removed, ~ terms changed); --json for scripts;
      progress only on a terminal; exit status 0 when all
      lines were accepted, 4 when some were rejected (the rest applied),
      1 when the file was rejected or nothing could be applied
  reportline users import FILE [--dry-run] [--as EMAIL]
      create or update the users of a CSV (the columns of the LMS import API:
      uid, email, firstname, secondname, is_active, manager_uid…), row by
      row; exit status as for managers import
  reportline digest preview --manager EMAIL [--week 2026-W47] [--html]
                                         render a manager's weekly digest without sending it
  reportline learning import FILE [--as EMAIL]
      upsert the learning records of a CSV (reportline learning template),
      all or nothing: every refused line is printed, exit status 1
  reportline bench generate --users N [--csv FILE] [--load]
                                         the seeded reference data set (docs/benchmarks.md)
  reportline sync ldap [--dry-run]       sync users and managers from LDAP / Active Directory
                                         (reportline sync ldap --help)
  reportline sync graph [--dry-run] [--full]
                                         sync users and managers from Microsoft Entra ID
                                         (reportline sync graph --help)
  reportline tenant create|list|suspend|resume
                                         the operator's tenants (organisations on one
                                         installation; reportline tenant --help)
  reportline webhooks add|list|delete|deliveries|replay
                                         change-event subscribers (reportline webhooks --help)
  reportline plans list|create|add|import|move|show|approve|schedule|cancel
                                         planned reorganisations (reportline plans --help)
  reportline openapi [--public-url URL]  print the OpenAPI document served at /api/openapi.json
  reportline version

Every command that reads or writes people, links, tokens or mail takes
--tenant SLUG (before or after the command's name) and then acts in that
tenant alone; without it, in the implicit tenant (an installation's only one).

Environment: REPORTLINE_ADDR, REPORTLINE_DATA, REPORTLINE_DATABASE_URL,
REPORTLINE_LOG_LEVEL (debug, info, warn, error), REPORTLINE_LOG_FORMAT (text, json),
REPORTLINE_WEBHOOK_ALLOW_PRIVATE (webhooks to private addresses; docs/webhooks.md).
`

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}, args)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, e env, args []string) error {
	stdout, stderr := e.stdout, e.stderr
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	// A misused --tenant is a usage error (exit 2), its message printed
	// by main.
	ctx, args, err := withTenantFlag(ctx, tenantCommand(args), args)
	if err != nil {
		return exitError{2, err.Error()}
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, e, rest)
	case "migrate":
		return cmdMigrate(ctx, e, rest)
	case "admin":
		if len(rest) > 0 && rest[0] == "create" {
			return cmdAdminCreate(ctx, e, rest[1:])
		}
	case "token":
		return cmdToken(ctx, e, rest)
	case "password":
		if len(rest) > 0 && rest[0] == "set" {
			return cmdPasswordSet(ctx, e, rest[1:])
		}
	case "managers":
		return cmdManagers(ctx, e, rest)
	case "scim":
		return cmdSCIM(ctx, e, rest)
	case "tenant":
		return cmdTenant(ctx, e, rest)
	case "users":
		return cmdUsers(ctx, e, rest)
	case "bench":
		return cmdBench(ctx, e, rest)
	case "learning":
		return cmdLearning(ctx, e, rest)
	case "digest":
		return cmdDigest(ctx, e, rest)
	case "webhooks":
		return cmdWebhooks(ctx, e, rest)
	case "plans":
		return cmdPlans(ctx, e, rest)
	case "sync":
		if len(rest) > 0 && rest[0] == "graph" {
			return cmdSyncGraph(ctx, e, rest[1:])
		}
		if len(rest) > 0 && rest[0] == "ldap" {
			return cmdSyncLDAP(ctx, e, rest[1:])
		}
	case "openapi":
		return cmdOpenAPI(e, rest)
	case "version":
		fmt.Fprintln(stdout, "reportline", version())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if isHelp(rest) { // "reportline admin --help" and the like
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return errUsage
}
