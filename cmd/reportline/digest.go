package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"reportline"
	"reportline/app"
	"reportline/config"
)

// startScheduler runs this replica's scheduler (the weekly digest and the
// birthday notifications) until ctx ends; stop waits for it to finish the
// chunk in flight.
func startScheduler(ctx context.Context, a *app.App, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	s := a.NewScheduler(app.SchedulerConfig{})
	wg.Go(func() { s.Run(ctx) })
	log.Info("scheduler started", "digest", "Mondays 14:00 in each tenant's time zone (Europe/Paris by default)", "birthdays", fmt.Sprintf("daily from %02d:00 Europe/Paris", reportline.BirthdayHour))
	return func() {
		cancel()
		wg.Wait()
		// What this replica held goes to another at once, not after the
		// lease.
		hb, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer stop()
		if _, err := s.HandBack(hb); err != nil {
			log.Warn("hand back scheduled runs", "err", err)
		}
	}
}

// cmdDigestPreview renders a manager's digest without sending it.
func cmdDigestPreview(ctx context.Context, e env, args []string) error {
	var email, week string
	var html bool
	cfg, _, err := loadConfig(e, "digest preview", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&email, "manager", "", "the manager's email `address`")
		fs.StringVar(&week, "week", "", "the ISO `week`, e.g. 2026-W47 (default: this week)")
		fs.BoolVar(&html, "html", false, "print the HTML body instead of the plain text")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return fmt.Errorf("digest preview: --manager is required")
	}
	var w reportline.ISOWeek
	if week != "" {
		if w, err = reportline.ParseISOWeek(week); err != nil {
			return fmt.Errorf("digest preview: --week: %s", reportline.ErrorMessage(err))
		}
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		sys := app.SystemActor(reportline.SourceCLI)
		u, err := a.GetUserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("digest preview: %s", reportline.ErrorMessage(err))
		}
		p, err := a.PreviewDigest(ctx, sys, u.ID, w)
		if err != nil {
			return fmt.Errorf("digest preview: %s", reportline.ErrorMessage(err))
		}
		if html {
			fmt.Fprint(e.stdout, p.Mail.HTML)
			return nil
		}
		fmt.Fprintf(e.stdout, "To: %s\nSubject: %s\n\n%s", p.Manager.Email, p.Mail.Subject, p.Mail.Text)
		return nil
	})
}
