package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// A command is one leaf of the command tree, such as "token create". The
// table below is the one place that names them: dispatch finds a command
// in it, and every usage text (the whole program's, a group's such as
// `reportline token --help`, a command's own) is printed from it, in one
// style:
//
//	Usage:
//	  reportline NAME ARGS
//	      ABOUT
//
// followed, for a command, by its flags and its notes.
type command struct {
	name  string // the words after "reportline": "token create"
	args  string // its flags and arguments, as a synopsis
	about string // what it does; lines break where written
	notes string // more, printed only by the command's own --help
	// plain marks a command that parses no flags: dispatch answers its
	// --help (the others answer it when they parse their flags).
	plain bool
	run   func(ctx context.Context, e env, args []string) error
}

// commands is the command tree. A function, not a variable: the commands'
// run functions print usage texts made from it.
func commands() []command {
	return []command{
		{name: "serve", args: "[--addr HOST:PORT] [--data DIR] [--database URL] [--demo]",
			about: "serve the pages, the API and SCIM; deliver mail and webhooks; run the\nscheduled digest and directory syncs", run: cmdServe},
		{name: "migrate", args: "[--data DIR] [--database URL]", about: "apply the database migrations", run: cmdMigrate},
		{name: "admin create", args: "--email E", about: "create a platform admin (password from stdin, or generated)", run: cmdAdminCreate},
		{name: "password set", args: "--email E [--revoke-tokens]",
			about: "set a user's password (stdin, or generated); ends their sessions", run: cmdPasswordSet},
		{name: "token create", args: "--email E [--name N] [--expires 90d]",
			about: "print a new API token for that user; it is shown once", run: cmdTokenCreate},
		{name: "token list", args: "[--email E]", about: "list API tokens: everybody's, or that user's", run: cmdTokenList},
		{name: "token revoke", args: "ID", about: "revoke an API token at once", run: cmdTokenRevoke},
		{name: "scim token create", args: "--name NAME", about: "print a new provisioning token (shown once)", run: cmdSCIMTokenCreate},
		{name: "scim token list", about: "list the provisioning clients", run: cmdSCIMTokenList},
		{name: "scim token revoke", args: "--name NAME", about: "revoke a client's token at once", run: cmdSCIMTokenRevoke},
		{name: "scim group list", about: "list the groups SCIM clients manage (created or mapped)", run: cmdSCIMGroupList},
		{name: "scim group map", args: "--group ID [--external-id X] [--display-name N]",
			about: "map the IdP's group (its externalId and/or displayName) onto the existing\ngroup ID: its pushes land there", run: cmdSCIMGroupMap},
		{name: "scim group unmap", args: "--group ID",
			about: "end it: the client no longer sees the group; memberships stay", run: cmdSCIMGroupUnmap},
		{name: "managers template", about: "print the CSV import template", plain: true, run: cmdManagersTemplate},
		{name: "managers export", args: "[-o FILE] [--group ID] [--excel] [--as EMAIL] [--as-of DATE]",
			about: "write the manager links as an import CSV", run: cmdExport},
		{name: "managers import", args: "FILE [--dry-run] [--json] [--as EMAIL]",
			about: "replace the managers of every managee in FILE, listing each change\n(+ manager → managee, - removed, ~ terms changed); --json for scripts;\nprogress only on a terminal; exit status 0 when all lines were accepted,\n4 when some were rejected (the rest applied), 1 when the file was\nrejected or nothing could be applied", run: cmdImport},
		{name: "users import", args: "FILE [--dry-run] [--as EMAIL]",
			about: "create or update the users of a CSV (the columns of the LMS import API:\nuid, email, firstname, secondname, is_active, manager_uid…), row by row;\nexit status as for managers import", run: cmdUsersImport},
		{name: "digest preview", args: "--manager EMAIL [--week 2026-W47] [--html]",
			about: "render a manager's weekly digest without sending it: the plain text\n(or the HTML with --html) of the given ISO week, this week by default", run: cmdDigestPreview},
		{name: "learning template", about: "print the header of the learning records CSV", plain: true, run: cmdLearningTemplate},
		{name: "learning import", args: "FILE [--as EMAIL]",
			about: "upsert the learning records of a CSV (reportline learning template),\nall or nothing: every refused line is printed, exit status 1", run: cmdLearningImport},
		{name: "bench generate", args: "--users N --seed S [--csv FILE] [--load] [--data DIR] [--database URL]",
			about: "generate the seeded reference organisation (docs/benchmarks.md); write its\nmanager–managee pairs as an import CSV (--csv, \"-\" for stdout) and/or\nbulk-load its users and links into the database (--load: it must be\nempty; it is migrated first)", run: cmdBenchGenerate},
		{name: "bench report", args: "[FILE…]", plain: true,
			about: "read 'go test -bench' output (files, or stdin) and print the median of\nevery benchmark over all runs with its ratio to its floor, as Markdown", run: cmdBenchReport},
		{name: "sync ldap", args: "[--dry-run] [--confirm-deactivations N] [--show N] [--data DIR] [--database URL]",
			about: "sync users and managers from LDAP / Active Directory", notes: ldapNotes, run: cmdSyncLDAP},
		{name: "sync graph", args: "[--dry-run] [--full] [--confirm-deactivations N] [--data DIR] [--database URL]",
			about: "sync users and managers from Microsoft Entra ID", notes: graphNotes, run: cmdSyncGraph},
		{name: "tenant create", args: "--slug SLUG [--host HOST] [--admin EMAIL]",
			about: "add a tenant (an organisation) answering on HOST, with its first\nplatform admin (password from stdin, or generated)", run: cmdTenantCreate},
		{name: "tenant list", about: "list the tenants: slug, host, state", run: cmdTenantList},
		{name: "tenant suspend", args: "SLUG", about: "refuse every request of the tenant (503) until resumed", run: tenantSuspend("suspend")},
		{name: "tenant resume", args: "SLUG", about: "serve the tenant again", run: tenantSuspend("resume")},
		{name: "tenant limits", args: "SLUG [--api-rate N] [--api-burst N] [--mail-per-minute N]",
			about: "show or change the tenant's rate limits (API requests, mail)", notes: tenantLimitsNotes, run: cmdTenantLimits},
		{name: "tenant export", args: "SLUG --out DIR|FILE.zip",
			about: "every table of the tenant as CSV, with a manifest (row counts, schema\nversion); secrets left out (docs/tenants.md)", run: cmdTenantExport},
		{name: "tenant import", args: "FILE.zip|DIR --host HOST [--slug SLUG]",
			about: "load what 'reportline tenant export' wrote (from this or another\ninstallation, either engine) as a new tenant, all or nothing; says what\nto re-enter (passwords, tokens, secrets are not in exports)", run: cmdTenantImport},
		{name: "tenant delete", args: "SLUG [--yes]",
			about: "remove every row of the tenant, for good (asks to type the slug again\nunless --yes)", run: cmdTenantDelete},
		{name: "operator create", args: "EMAIL",
			about: "add an operator of the operator page (REPORTLINE_OPERATOR_ADDR), or give\nan existing one a new password (from stdin, or generated)", run: cmdOperatorCreate},
		{name: "users erase", args: "EMAIL|ID [--yes] [--as EMAIL]",
			about: "GDPR erasure: the person's data replaced by the pseudonym erased-ID,\ntheir links ended (docs/security.md)", run: cmdUsersErase},
		{name: "secrets reseal", args: "[--data DIR] [--database URL]",
			about: "after a key rotation, seal every tenant's secrets again under the current\nkey (REPORTLINE_SECRET_KEY), and webhook signing secrets still in the\nclear; prints the counts; a second run has nothing to do", run: cmdSecretsReseal},
		{name: "backup", args: "FILE",
			about: "copy the SQLite database while it runs (PostgreSQL: use pg_dump)", run: cmdBackup},
		{name: "absences set", args: "--manager EMAIL --from DAY --to DAY [--delegate EMAIL]",
			about: "mark a manager's absence (days as 2026-12-07, the last one included);\nthe delegate holds the manager's links to the team on their behalf;\nwithout --delegate the fallback chain chooses (docs/absences.md)", run: absences("set")},
		{name: "absences list", args: "--manager EMAIL", about: "their absences not over yet", run: absences("list")},
		{name: "absences end", args: "ID", about: "end an absence now (cancel one not started)", run: absences("end")},
		{name: "plans list", args: "[--as EMAIL]", about: "the planned reorganisations (docs/plans.md)", run: plans("list")},
		{name: "plans create", args: "NAME [--as EMAIL]", about: "start a draft; prints its id", run: plans("create")},
		{name: "plans add", args: "ID --op add|remove|kind --manager EMAIL --managee EMAIL [--kind line|functional] [--as EMAIL]",
			about: "add one change to a draft", run: plans("add")},
		{name: "plans import", args: "ID FILE [--as EMAIL]", about: "add the changes of a CSV in the import format", run: plans("import")},
		{name: "plans move", args: "ID --from EMAIL --to EMAIL [--as EMAIL]", about: "move a manager's whole team under another manager", run: plans("move")},
		{name: "plans show", args: "ID [--as EMAIL]", about: "the changes, their difference against today, the result", run: plans("show")},
		{name: "plans approve", args: "ID --as EMAIL", about: "approve a draft (not its drafter)", run: plans("approve")},
		{name: "plans schedule", args: "ID --at TIME [--as EMAIL]", about: "apply it then (RFC 3339, or YYYY-MM-DDTHH:MM in UTC)", run: plans("schedule")},
		{name: "plans cancel", args: "ID [--as EMAIL]", about: "cancel a draft or a scheduled plan", run: plans("cancel")},
		{name: "webhooks add", args: "--url https://… [--types T1,T2]",
			about: "register an endpoint for change events (docs/webhooks.md); prints its\nid and its signing secret, shown this once", run: webhooks("add")},
		{name: "webhooks list", about: "the subscribers (never their secrets)", run: webhooks("list")},
		{name: "webhooks delete", args: "ID", about: "remove a subscriber and its undelivered events", run: webhooks("delete")},
		{name: "webhooks deliveries", args: "ID [--limit N]", about: "a subscriber's delivery log, newest first", run: webhooks("deliveries")},
		{name: "webhooks replay", args: "ID DELIVERY", about: "send a delivery that failed for good again", run: webhooks("replay")},
		{name: "openapi", args: "[--public-url URL]", about: "print the OpenAPI document served at /api/openapi.json", run: cmdOpenAPI},
		{name: "version", about: "print the version", plain: true, run: cmdVersion},
	}
}

// groupNotes follow the usage text of a group of commands ("" is the
// whole program).
var groupNotes = map[string]string{
	"": `Every command that reads or writes people, links, tokens or mail takes
--tenant SLUG (before or after the command's name) and then acts in that
tenant alone; without it, in the implicit tenant (an installation's only one).
Every command answers --help.

Environment: REPORTLINE_ADDR, REPORTLINE_DATA, REPORTLINE_DATABASE_URL,
REPORTLINE_OPERATOR_ADDR (the operator page's HOST:PORT; off when empty),
REPORTLINE_LOG_LEVEL (debug, info, warn, error), REPORTLINE_LOG_FORMAT (text, json),
REPORTLINE_WEBHOOK_ALLOW_PRIVATE (webhooks to private addresses; docs/webhooks.md),
REPORTLINE_SECRET_KEY and REPORTLINE_SECRET_KEYS (secrets at rest; docs/security.md).
`,
	"tenant": `The operator acts above tenants: these commands read and change the tenants
table alone, never a tenant's people, and are recorded in the operator log
as the operating-system user who ran them (docs/tenants.md).
`,
}

// findCommand returns the command args name and the arguments after its
// name, or nil and the longest prefix of args that names a group.
func findCommand(args []string) (c *command, rest []string, group []string) {
	all := commands()
	for i := range all {
		name := strings.Fields(all[i].name)
		if len(args) >= len(name) && slices.Equal(args[:len(name)], name) {
			return &all[i], args[len(name):], nil
		}
	}
	for n := min(len(args), 2); n > 0; n-- {
		prefix := strings.Join(args[:n], " ") + " "
		for _, c := range all {
			if strings.HasPrefix(c.name, prefix) {
				return nil, args[n:], args[:n]
			}
		}
	}
	return nil, args, nil
}

// usageOf is the usage text of the commands whose names start with prefix
// (all of them for ""), then the group's notes.
func usageOf(prefix string) string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, c := range commands() {
		if prefix == "" || c.name == prefix || strings.HasPrefix(c.name, prefix+" ") {
			writeSynopsis(&b, c)
		}
	}
	if notes := groupNotes[prefix]; notes != "" {
		b.WriteString("\n" + notes)
	}
	return b.String()
}

// writeSynopsis writes a command's lines of a usage text.
func writeSynopsis(b *strings.Builder, c command) {
	b.WriteString("  reportline " + c.name)
	if c.args != "" {
		b.WriteString(" " + c.args)
	}
	b.WriteString("\n")
	for line := range strings.Lines(c.about) {
		b.WriteString("      " + strings.TrimRight(line, "\n") + "\n")
	}
}

// commandUsage is the usage text of the command named name alone, without
// its flags: "Usage:" and its synopsis.
func commandUsage(name string) string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, c := range commands() {
		if c.name == name {
			writeSynopsis(&b, c)
		}
	}
	return b.String()
}

// commandNotes are the notes of the command named name.
func commandNotes(name string) string {
	for _, c := range commands() {
		if c.name == name {
			return c.notes
		}
	}
	return ""
}

// dispatchCommand runs the command args name; a group name or an unknown
// word gets the usage text, on standard output when help was asked for.
func dispatchCommand(ctx context.Context, e env, args []string) error {
	c, rest, group := findCommand(args)
	if c != nil {
		// A plain command answers its --help here and refuses the
		// arguments it does not take.
		if c.plain && (isHelp(rest) || len(rest) > 0 && c.args == "") {
			return usageText(e, rest, commandUsage(c.name))
		}
		return c.run(ctx, e, rest)
	}
	if group != nil {
		// "reportline token", "reportline token --help", "reportline token nonsense"
		if len(rest) > 0 && !isHelp(rest) {
			fmt.Fprintf(e.stderr, "unknown command %q\n\n", strings.Join(append(slices.Clone(group), rest[0]), " "))
		}
		return usageText(e, rest, usageOf(strings.Join(group, " ")))
	}
	fmt.Fprintf(e.stderr, "unknown command %q\n\n", args[0])
	return usageText(e, nil, programUsage())
}
