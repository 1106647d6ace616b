package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"reportline"
	"reportline/config"
	"reportline/store"
)

// cmdBackup runs `reportline backup FILE`: SQLite's online backup of the
// whole database (every tenant) while `serve` keeps running; on PostgreSQL
// it says to use pg_dump. README: back up before upgrading.
func cmdBackup(ctx context.Context, e env, args []string) error {
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	cfg, _, err := loadConfig(e, "backup", args, func(c *config.Config, fs *flag.FlagSet) { c.StorageFlags(fs) })
	if err != nil {
		return err
	}
	if file == "" {
		return fmt.Errorf("backup: name the file to write (it must not exist)")
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	// No migration first: a backup is what one takes before migrating.
	if err := db.Backup(ctx, file); err != nil {
		return fmt.Errorf("backup: %s", reportline.ErrorMessage(err))
	}
	fmt.Fprintf(e.stdout, "SQLite database copied to %s (restore: stop serve, copy it to DATA/reportline.db)\n", file)
	return nil
}
