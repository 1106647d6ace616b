package main

import (
	"context"
	"flag"
	"io"
	"strconv"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/internal/testapp"
	"reportline/store"
)

// `scim group map|list|unmap` on the server: the operator maps a directory
// group onto an existing group, a second one onto it is refused with the
// reason, and ending it is said.
func TestSCIMGroupCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		e := env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
		cfg, _, err := loadConfig(e, "test", st, func(c *config.Config, fs *flag.FlagSet) { c.StorageFlags(fs) })
		if err != nil {
			t.Fatal(err)
		}
		db, a, err := openApp(ctx, cfg, newLogger(cfg, io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		g, err := a.CreateGroup(ctx, app.SystemActor(reportline.SourceCLI), "Sales France", 0)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(int64(g.ID), 10)

		if _, err := program(t, ctx, "", append([]string{"scim", "group", "map", "--display-name", "SG"}, st...)...); err == nil || !strings.Contains(err.Error(), "--group is required") {
			t.Errorf("map without --group: %v", err)
		}
		out, err := program(t, ctx, "", append([]string{"scim", "group", "map", "--group", id, "--external-id", "g-1", "--display-name", "SG-Sales"}, st...)...)
		if err != nil || !strings.Contains(out, `"Sales France"`) || !strings.Contains(out, `"SG-Sales"`) {
			t.Fatalf("map: %q, %v", out, err)
		}
		if _, err := program(t, ctx, "", append([]string{"scim", "group", "map", "--group", id, "--display-name", "SG-Other"}, st...)...); err == nil || !strings.Contains(err.Error(), "already mapped to the directory group") {
			t.Errorf("a second directory group onto the group: %v", err)
		}
		out, err = program(t, ctx, "", append([]string{"scim", "group", "list"}, st...)...)
		if err != nil || !strings.Contains(out, "SG-Sales") || !strings.Contains(out, "g-1") || !strings.Contains(out, "mapped ") {
			t.Errorf("list: %q, %v", out, err)
		}
		if out, err := program(t, ctx, "", append([]string{"scim", "group", "unmap", "--group", id}, st...)...); err != nil || !strings.Contains(out, "memberships stay") {
			t.Errorf("unmap: %q, %v", out, err)
		}
		if _, err := program(t, ctx, "", append([]string{"scim", "group", "unmap", "--group", id}, st...)...); err == nil || !strings.Contains(err.Error(), "no SCIM client manages") {
			t.Errorf("unmap again: %v", err)
		}
	})
}
