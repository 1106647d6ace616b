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

// programUsage is the usage text of the whole program.
func programUsage() string {
	return "Reportline owns who manages whom in a learning platform.\n\n" + usageOf("")
}

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
		fmt.Fprint(stderr, programUsage())
		return errUsage
	}
	// A misused --tenant is a usage error (exit 2), its message printed
	// by main.
	ctx, args, err := withTenantFlag(ctx, tenantCommand(args), args)
	if err != nil {
		return exitError{2, err.Error()}
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, programUsage())
		return errUsage
	}
	if isHelp(args) {
		fmt.Fprint(stdout, programUsage())
		return nil
	}
	return dispatchCommand(ctx, e, args)
}

// cmdVersion prints the version.
func cmdVersion(_ context.Context, e env, _ []string) error {
	fmt.Fprintln(e.stdout, "reportline", version())
	return nil
}
