package main

import (
	"context"
	"encoding/json"
	"flag"

	"reportline/api"
	"reportline/config"
)

// cmdOpenAPI prints the OpenAPI document the server serves at
// /api/openapi.json, without a database: CI lints it.
func cmdOpenAPI(_ context.Context, e env, args []string) error {
	cfg, fs, err := loadConfig(e, "openapi", args, func(c *config.Config, fs *flag.FlagSet) {
		fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "the `URL` named as the document's server (else \"/\"); env REPORTLINE_PUBLIC_URL")
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	server := "/"
	if u, _ := config.ParsePublicURL(cfg.PublicURL); u != nil { // Validate checked it
		server = u.String()
	}
	out := json.NewEncoder(e.stdout)
	out.SetIndent("", "  ")
	return out.Encode(api.New(nil, nil).OpenAPI(server))
}
