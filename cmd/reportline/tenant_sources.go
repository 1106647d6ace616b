package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/directory"
	"reportline/ldapsync"
	"reportline/mail"
	"reportline/outbox"
)

// What tenants configure outside Reportline, reached through the adapters
// (docs/directory-tenants.md): app keeps each tenant's sources and relay,
// these functions connect to them.

// connectors are the App's connectors over ldapsync, graphsync and mail.
// Graph's authority and API addresses are the installation's
// (REPORTLINE_GRAPH_AUTHORITY_URL, _API_URL: another cloud is the
// operator's choice, for every tenant).
func connectors(cfg config.Config, log *slog.Logger) app.Connectors {
	return app.Connectors{
		ReadLDAP: func(ctx context.Context, l app.TenantLDAP) (reportline.DirectoryBatch, error) {
			c, err := tenantLDAPConfig(l)
			if err != nil {
				return reportline.DirectoryBatch{}, err
			}
			b, _, err := ldapsync.Read(ctx, c, log)
			return b, err
		},
		CheckLDAP: func(ctx context.Context, l app.TenantLDAP) error {
			c, err := tenantLDAPConfig(l)
			if err != nil {
				return err
			}
			return ldapsync.Check(ctx, c)
		},
		Graph: func(g app.TenantGraph) (directory.DeltaSource, error) {
			return newGraphDirectory(config.Graph{Tenant: g.Tenant, ClientID: g.ClientID, ClientSecret: g.ClientSecret.Reveal(),
				AuthorityURL: cfg.Graph.AuthorityURL, APIURL: cfg.Graph.APIURL, IncludeGuests: g.IncludeGuests, Exclude: g.Exclude}, log)
		},
		CheckSMTP: func(ctx context.Context, r app.TenantSMTP) error {
			return mail.CheckSMTP(ctx, relayConfig(r))
		},
	}
}

// tenantLDAPConfig is ldapConfig for a tenant's stored directory.
func tenantLDAPConfig(l app.TenantLDAP) (ldapsync.Config, error) {
	attrs, filter, err := ldapsync.Preset(l.Preset)
	if err != nil {
		return ldapsync.Config{}, err
	}
	if attrs, err = ldapsync.ParseAttributeMap(attrs, l.Attributes); err != nil {
		return ldapsync.Config{}, fmt.Errorf("the attribute map: %w", err)
	}
	if l.Filter != "" {
		filter = l.Filter
	}
	c := ldapsync.Config{URL: l.URL, StartTLS: l.StartTLS, CAPEM: l.CA, BindDN: l.BindDN, BindPassword: l.BindPassword.Reveal(),
		BaseDN: l.BaseDN, Filter: filter, Attributes: attrs}
	return c, c.Validate()
}

// relayConfig is a tenant's relay as mail's configuration.
func relayConfig(r app.TenantSMTP) mail.SMTPConfig {
	port := r.Port
	if port == 0 {
		port = 587
		if r.TLS == string(mail.TLSImplicit) {
			port = 465
		}
	}
	return mail.SMTPConfig{Host: r.Host, Port: port, Username: r.Username, Password: r.Password.Reveal(), TLS: mail.TLS(r.TLS),
		From: r.From, Pool: 2}
}

// envSources are the implicit tenant's scheduled syncs, from the
// environment (REPORTLINE_LDAP_*, REPORTLINE_GRAPH_*). A configuration
// that cannot work stops serve from starting.
func envSources(cfg config.Config, a *app.App, log *slog.Logger) ([]app.EnvSource, error) {
	var out []app.EnvSource
	if cfg.LDAP.Enabled() && cfg.LDAP.SyncInterval > 0 {
		dir, err := ldapConfig(cfg.LDAP)
		if err != nil {
			return nil, fmt.Errorf("LDAP sync: %w", err)
		}
		log.Info("scheduled LDAP sync", "ldap", cfg.LDAP)
		out = append(out, app.EnvSource{Source: reportline.SourceLDAP, Every: cfg.LDAP.SyncInterval,
			Run: func(ctx context.Context) (reportline.SyncReport, error) { return syncLDAP(ctx, a, dir, false, log) }})
	}
	if cfg.Graph.Enabled() && cfg.Graph.SyncInterval > 0 {
		dir, err := newGraphDirectory(cfg.Graph, log)
		if err != nil {
			return nil, err
		}
		log.Info("scheduled Microsoft Graph sync", "graph", cfg.Graph)
		out = append(out, app.EnvSource{Source: reportline.SourceGraph, Every: cfg.Graph.SyncInterval,
			Run: func(ctx context.Context) (reportline.SyncReport, error) {
				rep, err := a.SyncDeltaDirectory(ctx, app.SystemActor(reportline.SourceGraph), reportline.SourceGraph, dir, false, false)
				return rep.SyncReport, err
			}})
	}
	return out, nil
}

// startDirectorySyncs starts the one scheduler of directory syncs: the
// environment's for the implicit tenant, every other tenant's own, checked
// every minute (app.DirectorySyncs). stop cancels the syncs in progress
// (their runs are recorded failed; the next start finds them due) and
// waits for them.
func startDirectorySyncs(ctx context.Context, cfg config.Config, a *app.App, log *slog.Logger) (stop func(), err error) {
	env, err := envSources(cfg, a, log)
	if err != nil {
		return nil, err
	}
	s := a.NewDirectorySyncs(env, 0)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(ctx, time.Minute) })
	return func() { cancel(); wg.Wait() }, nil
}

// tenantSender sends each message through its tenant's own relay when the
// tenant set one (app.TenantRelay), else through the installation's. The
// relay of a tenant is read again after relayTTL, so a change on the
// settings page takes effect within it; a changed relay gets a new
// connection pool and the old one is closed.
type tenantSender struct {
	base outbox.Sender
	a    *app.App
	now  func() time.Time
	mu   sync.Mutex
	by   map[reportline.TenantID]*relayEntry
}

type relayEntry struct {
	cfg    mail.SMTPConfig // zero: the installation's
	sender *mail.SMTPSender
	read   time.Time
}

// relayTTL is how long a tenant's relay is used before it is read again.
const relayTTL = 30 * time.Second

func newTenantSender(base outbox.Sender, a *app.App) *tenantSender {
	return &tenantSender{base: base, a: a, now: time.Now, by: map[reportline.TenantID]*relayEntry{}}
}

// Send delivers m through its tenant's relay.
func (s *tenantSender) Send(ctx context.Context, m reportline.OutboxMessage) error {
	id, ok := reportline.TenantOf(ctx)
	if !ok || id == reportline.ImplicitTenant {
		return s.base.Send(ctx, m)
	}
	sender, err := s.relay(ctx, id)
	if err != nil {
		return err
	}
	if sender == nil {
		return s.base.Send(ctx, m)
	}
	return sender.Send(ctx, m)
}

// relay is the tenant's own sender, nil for the installation's.
func (s *tenantSender) relay(ctx context.Context, id reportline.TenantID) (*mail.SMTPSender, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.by[id]
	if e != nil && s.now().Sub(e.read) < relayTTL {
		return e.sender, nil
	}
	r, err := s.a.TenantRelay(ctx)
	if err != nil {
		return nil, err
	}
	var cfg mail.SMTPConfig
	if r.Enabled() {
		cfg = relayConfig(r)
	}
	if e != nil && e.cfg == cfg {
		e.read = s.now()
		return e.sender, nil
	}
	if e != nil && e.sender != nil {
		_ = e.sender.Close()
	}
	e = &relayEntry{cfg: cfg, read: s.now()}
	if r.Enabled() {
		if e.sender, err = mail.NewSMTPSender(cfg); err != nil {
			return nil, fmt.Errorf("the organisation's mail relay %s: %w", r.Host, err)
		}
	}
	s.by[id] = e
	return e.sender, nil
}

// Close closes every tenant's relay connections (not the installation's).
func (s *tenantSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, e := range s.by {
		if e.sender != nil {
			errs = append(errs, e.sender.Close())
		}
	}
	return errors.Join(errs...)
}

// batchSyncer is outbox's Sender whose sends are made durable together
// (the .eml folder).
type batchSyncer interface {
	SendUnsynced(ctx context.Context, m reportline.OutboxMessage) error
	SyncBatch(ctx context.Context) error
}

// syncingTenantSender is a tenantSender over a batchSyncer: the
// installation's sends stay batched; a tenant's relay has accepted a
// message once Send returns.
type syncingTenantSender struct {
	*tenantSender
	sync batchSyncer
}

// SendUnsynced is Send, batched for the installation's .eml folder.
func (s syncingTenantSender) SendUnsynced(ctx context.Context, m reportline.OutboxMessage) error {
	id, ok := reportline.TenantOf(ctx)
	if !ok || id == reportline.ImplicitTenant {
		return s.sync.SendUnsynced(ctx, m)
	}
	sender, err := s.relay(ctx, id)
	if err != nil {
		return err
	}
	if sender == nil {
		return s.sync.SendUnsynced(ctx, m)
	}
	return sender.Send(ctx, m)
}

// SyncBatch makes the installation's batch durable.
func (s syncingTenantSender) SyncBatch(ctx context.Context) error { return s.sync.SyncBatch(ctx) }

// perTenantSender wraps the installation's sender so that each tenant's
// mail goes through its own relay when it set one; close closes those.
func perTenantSender(base outbox.Sender, a *app.App) (outbox.Sender, func() error) {
	t := newTenantSender(base, a)
	if bs, ok := base.(batchSyncer); ok {
		return syncingTenantSender{t, bs}, t.Close
	}
	return t, t.Close
}
