package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"reportline/app"
	"reportline/config"
	"reportline/mail"
	"reportline/outbox"
	"reportline/server"
)

// newSender returns the configured mail sender: SMTP when
// REPORTLINE_SMTP_URL is set, else .eml files in <data>/mail. The second
// value is how many sends the worker may run at once.
func newSender(cfg config.Config) (outbox.Sender, int, func() error, error) {
	if cfg.Mail.SMTPURL == "" {
		s, err := mail.NewFileSender(filepath.Join(cfg.DataDir, "mail"), cfg.Mail.FromAddress())
		return s, 4, func() error { return nil }, err
	}
	u, err := cfg.Mail.SMTP()
	if err != nil {
		return nil, 0, nil, err
	}
	var dk *mail.DKIM
	if cfg.Mail.DKIMKeyFile != "" {
		pemBytes, err := os.ReadFile(cfg.Mail.DKIMKeyFile)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("REPORTLINE_DKIM_KEY_FILE: %w", err)
		}
		key, err := mail.ParseDKIMKey(pemBytes)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("REPORTLINE_DKIM_KEY_FILE: %w", err)
		}
		domain := cfg.Mail.DKIMDomain
		if domain == "" {
			from := cfg.Mail.FromAddress()
			domain = strings.TrimRight(from[strings.LastIndex(from, "@")+1:], ">")
		}
		dk = &mail.DKIM{Domain: domain, Selector: cfg.Mail.DKIMSelector, Signer: key}
	}
	s, err := mail.NewSMTPSender(mail.SMTPConfig{Host: u.Host, Port: u.Port, Username: u.Username, Password: u.Password,
		TLS: mail.TLS(u.TLS), From: cfg.Mail.FromAddress(), Pool: cfg.Mail.PoolSize(), Rate: cfg.Mail.Rate, DKIM: dk})
	if err != nil {
		return nil, 0, nil, err
	}
	return s, cfg.Mail.PoolSize(), s.Close, nil
}

// startOutbox starts the mail delivery worker, whose held-back batches
// metrics counts; stop ends it after the batch in flight is sent and
// recorded, and closes the SMTP connections.
func startOutbox(ctx context.Context, cfg config.Config, a *app.App, metrics *server.Metrics, log *slog.Logger) (stop func(), err error) {
	sender, conc, closeSender, err := newSender(cfg)
	if err != nil {
		return nil, err
	}
	// Each tenant's mail through its own relay when it set one.
	sender, closeRelays := perTenantSender(sender, a)
	w := a.NewOutboxWorker(sender, outbox.Options{Concurrency: conc})
	metrics.WatchOutbox(w) // reportline_outbox_held_back_total: batches held back by tenants' mail rates
	log.Info("mail outbox started", "mail", cfg.Mail, "worker", w.Owner())
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(ctx) })
	return func() {
		cancel()
		wg.Wait()
		// Messages claimed and not finished go to another replica at once,
		// not after the lease.
		hb, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer stop()
		if _, err := w.HandBack(hb); err != nil {
			log.Warn("hand back outbox messages", "err", err)
		}
		if err := closeRelays(); err != nil {
			log.Warn("close the organisations' SMTP connections", "err", err)
		}
		if err := closeSender(); err != nil {
			log.Warn("close the SMTP connections", "err", err)
		}
	}, nil
}
