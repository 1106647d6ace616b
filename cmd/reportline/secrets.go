package main

import (
	"context"
	"flag"
	"fmt"

	"reportline/app"
	"reportline/config"
	"reportline/secret"
)

// cmdSecretsReseal runs `reportline secrets reseal`: after a key rotation
// (the new key in REPORTLINE_SECRET_KEY, the old ones in
// REPORTLINE_SECRET_KEYS), every tenant's sealed secrets are sealed again
// under the new key, and webhook signing secrets still in the clear are
// sealed; once it reports nothing left under an old key, that key may be
// dropped. Running it again does nothing (docs/tenants.md).
func cmdSecretsReseal(ctx context.Context, e env, args []string) error {
	cfg, fs, err := loadConfig(e, "secrets reseal", args, func(c *config.Config, fs *flag.FlagSet) { c.StorageFlags(fs) })
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("secrets reseal: unexpected argument %q", fs.Arg(0))
	}
	if cfg.SecretKey == "" {
		return fmt.Errorf("secrets reseal: %s", secret.ErrNoKey)
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		r, err := a.ResealSecrets(ctx)
		fmt.Fprintf(e.stdout, "%d tenants: %d secrets sealed again under the current key, %d already under it; %d webhook signing secrets sealed (were in the clear)\n",
			r.Tenants, r.Resealed, r.Current, r.WebhooksSealed)
		if err != nil {
			return fmt.Errorf("secrets reseal: %w (the others are done; put the missing key back in %s and run it again)",
				err, secret.EnvOldKeys)
		}
		return nil
	})
}
