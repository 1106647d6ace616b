package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"reportline"
	"reportline/directory"
	"reportline/policy"
	"reportline/schedule"
	"reportline/usecase"
)

// Connectors reach what a tenant configures outside Reportline: its
// directories and its mail relay. app may not import the adapters
// (ldapsync, graphsync, mail), so cmd/reportline supplies them; a nil
// function means the installation cannot reach that kind (the sync and the
// test say so).
type Connectors struct {
	// ReadLDAP reads the whole directory (ldapsync.Read).
	ReadLDAP func(ctx context.Context, l TenantLDAP) (reportline.DirectoryBatch, error)
	// CheckLDAP connects, binds and reads one entry under the base DN.
	CheckLDAP func(ctx context.Context, l TenantLDAP) error
	// Graph returns the tenant's Entra ID as a directory read in rounds.
	Graph func(g TenantGraph) (directory.DeltaSource, error)
	// CheckSMTP connects to the relay, says hello, encrypts and signs in
	// as the relay asks, and sends nothing.
	CheckSMTP func(ctx context.Context, r TenantSMTP) error
}

// EnvSource is one of the environment's scheduled directory syncs: the
// implicit tenant's sources (REPORTLINE_LDAP_*, REPORTLINE_GRAPH_*).
type EnvSource struct {
	Source reportline.Source
	Every  time.Duration
	Run    func(ctx context.Context) (reportline.SyncReport, error)
}

// DirectorySyncs is the one home of scheduled directory syncs: every
// tick it goes round the active tenants and starts each source that is
// due — the implicit tenant's from the environment, every other tenant's
// from its settings — in that tenant's context, so each run is recorded,
// reported and guarded in its own tenant. Fairness: at most Parallel
// syncs run at once, a tick does not wait for them (a long sync of one
// tenant does not hold another's back), a (tenant, source) still running
// is not started again, and the round starts where the previous one
// stopped, so tenants left without a slot go first next time. Across
// replicas, a sync is due only when no run of that source started within
// its interval (DirectorySyncDue, read from the runs every replica
// shares), as for the environment's syncs before.
type DirectorySyncs struct {
	a     *App
	env   []EnvSource
	slots chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	busy  map[syncKey]bool
	first reportline.TenantID // the tenant left without a slot: the next round starts with it
}

type syncKey struct {
	tenant reportline.TenantID
	source reportline.Source
}

// DefaultSyncParallel is how many directory syncs one replica runs at once.
const DefaultSyncParallel = 4

// NewDirectorySyncs returns the scheduled syncs of this replica; env are
// the implicit tenant's sources, parallel the syncs at once (0: the
// default).
func (a *App) NewDirectorySyncs(env []EnvSource, parallel int) *DirectorySyncs {
	if parallel <= 0 {
		parallel = DefaultSyncParallel
	}
	return &DirectorySyncs{a: a, env: env, slots: make(chan struct{}, parallel), busy: map[syncKey]bool{}}
}

// Run ticks every check until ctx ends, then waits for the syncs in
// flight (cancelled with ctx: their runs are recorded failed).
func (s *DirectorySyncs) Run(ctx context.Context, check time.Duration) {
	schedule.Every(ctx, check, s.a.log, "directory sync schedule", s.Tick)
	s.Wait()
}

// Wait waits for the syncs started so far.
func (s *DirectorySyncs) Wait() { s.wg.Wait() }

// Tick starts every due sync of every active tenant it has a slot for
// and returns without waiting for them. An error reading a tenant's
// sources or runs is returned (joined, naming the tenant); the others go on.
func (s *DirectorySyncs) Tick(ctx context.Context) error {
	var ids []reportline.TenantID
	if s.a.tenants.list == nil {
		ids = []reportline.TenantID{reportline.ImplicitTenant}
	} else {
		var err error
		if ids, err = s.a.ActiveTenants(ctx); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	// ActiveTenants rotates the order at each call; a tenant that found
	// no free slot last round goes first.
	start := 0
	s.mu.Lock()
	for i, id := range ids {
		if id == s.first {
			start = i
		}
	}
	s.first = 0
	s.mu.Unlock()
	var errs []error
	for i := range ids {
		if ctx.Err() != nil {
			break
		}
		id := ids[(start+i)%len(ids)]
		tctx := ctx
		if s.a.tenants.list != nil {
			tctx = reportline.WithTenant(ctx, id)
		}
		started, err := s.tickTenant(tctx, id)
		if err != nil {
			errs = append(errs, fmt.Errorf("tenant %d: %w", id, err))
		}
		if !started {
			s.mu.Lock()
			s.first = id
			s.mu.Unlock()
			break
		}
	}
	return errors.Join(errs...)
}

// tickTenant starts the due syncs of one tenant; started is false when a
// due sync found no free slot.
func (s *DirectorySyncs) tickTenant(ctx context.Context, id reportline.TenantID) (started bool, err error) {
	sources := s.env
	if directory.Own(ctx) {
		if sources, err = s.a.tenantSyncs(ctx); err != nil {
			return true, err
		}
	}
	for _, src := range sources {
		if src.Every <= 0 {
			continue
		}
		k := syncKey{id, src.Source}
		s.mu.Lock()
		busy := s.busy[k]
		s.mu.Unlock()
		if busy {
			continue
		}
		due, err := s.a.DirectorySyncDue(ctx, src.Source, src.Every)
		if err != nil {
			return true, err
		}
		if !due {
			continue
		}
		select {
		case s.slots <- struct{}{}:
		default:
			return false, nil
		}
		s.mu.Lock()
		s.busy[k] = true
		s.mu.Unlock()
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.busy, k)
				s.mu.Unlock()
				<-s.slots
			}()
			s.run(ctx, id, src)
		})
	}
	return true, nil
}

// run runs one scheduled sync and logs its failure or its problems.
func (s *DirectorySyncs) run(ctx context.Context, id reportline.TenantID, src EnvSource) {
	rep, err := src.Run(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.a.log.Error("scheduled directory sync failed", "tenant", id, "source", src.Source, "run", rep.RunID, "err", err) // the connectors' errors carry no secret
	case err == nil && len(rep.Problems) > 0:
		s.a.log.Warn("scheduled directory sync had problems", "tenant", id, "source", src.Source, "run", rep.RunID, "problems", len(rep.Problems))
	}
}

// tenantSyncs are the context's tenant's own sources as scheduled syncs.
func (a *App) tenantSyncs(ctx context.Context) ([]EnvSource, error) {
	d, err := a.tenantSources(ctx)
	if err != nil {
		return nil, err
	}
	var out []EnvSource
	if d.LDAP.Enabled() {
		l := d.LDAP
		out = append(out, EnvSource{Source: reportline.SourceLDAP, Every: l.Interval, Run: func(ctx context.Context) (reportline.SyncReport, error) {
			return a.SyncDirectoryFrom(ctx, SystemActor(reportline.SourceLDAP), reportline.SourceLDAP, false, func(ctx context.Context) (reportline.DirectoryBatch, error) {
				return a.readLDAP(ctx, l)
			})
		}})
	}
	if d.Graph.Enabled() {
		g := d.Graph
		out = append(out, EnvSource{Source: reportline.SourceGraph, Every: g.Interval, Run: func(ctx context.Context) (reportline.SyncReport, error) {
			if a.connect.Graph == nil {
				return reportline.SyncReport{}, errors.New("this installation cannot reach Microsoft Graph")
			}
			dir, err := a.connect.Graph(g)
			if err != nil {
				return reportline.SyncReport{}, err
			}
			rep, err := a.SyncDeltaDirectory(ctx, SystemActor(reportline.SourceGraph), reportline.SourceGraph, dir, false, false)
			return rep.SyncReport, err
		}})
	}
	return out, nil
}

func (a *App) readLDAP(ctx context.Context, l TenantLDAP) (reportline.DirectoryBatch, error) {
	if a.connect.ReadLDAP == nil {
		return reportline.DirectoryBatch{}, errors.New("this installation cannot reach LDAP directories")
	}
	return a.connect.ReadLDAP(ctx, l)
}

// SyncTenantLDAP syncs the context's tenant's own LDAP directory now, as
// actor (a platform admin: the page's "sync now", or the system).
func (a *App) SyncTenantLDAP(ctx context.Context, actor Actor, dryRun bool) (reportline.SyncReport, error) {
	if !directory.Own(ctx) {
		return reportline.SyncReport{}, errEnvironmentDirectory()
	}
	d, err := a.tenantSources(ctx)
	if err != nil {
		return reportline.SyncReport{}, err
	}
	if !d.LDAP.Enabled() {
		return reportline.SyncReport{}, reportline.Errorf(reportline.Invalid, "this organisation has no LDAP directory: set its address first").
			Say("error.directory.no_ldap", nil)
	}
	return a.SyncDirectoryFrom(ctx, actor, reportline.SourceLDAP, dryRun, func(ctx context.Context) (reportline.DirectoryBatch, error) {
		return a.readLDAP(ctx, d.LDAP)
	})
}

// TestTenantConnection tries the context's tenant's stored LDAP directory
// ("ldap") or mail relay ("smtp") and says in plain words what failed;
// nil when it answered. Platform admins of the tenant; nothing is changed,
// nothing recorded. The message never carries a secret: the connectors'
// errors name the address and the step, and the secret is removed from
// the text in case a server echoed it.
func (a *App) TestTenantConnection(ctx context.Context, actor Actor, what string) error {
	if err := usecase.AuthorizeActor(actor, policy.ConfigureTenant); err != nil {
		return err
	}
	if !directory.Own(ctx) {
		return errEnvironmentDirectory()
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var err error
	var hide string
	switch what {
	case "ldap":
		var d TenantDirectory
		if d, err = a.tenantSources(ctx); err != nil {
			return err
		}
		if !d.LDAP.Enabled() {
			return reportline.Errorf(reportline.Invalid, "there is no LDAP directory to test: set its address and save first").
				Say("error.directory.no_ldap_to_test", nil)
		}
		if a.connect.CheckLDAP == nil {
			return reportline.Errorf(reportline.Invalid, "this installation cannot reach LDAP directories").
				Say("error.directory.ldap_unsupported", nil)
		}
		hide = d.LDAP.BindPassword.Reveal()
		err = a.connect.CheckLDAP(ctx, d.LDAP)
	case "smtp":
		var r TenantSMTP
		if r, err = a.tenantRelay(ctx); err != nil {
			return err
		}
		if !r.Enabled() {
			return reportline.Errorf(reportline.Invalid, "there is no mail relay to test: set its host and save first").
				Say("error.directory.no_relay_to_test", nil)
		}
		if a.connect.CheckSMTP == nil {
			return reportline.Errorf(reportline.Invalid, "this installation cannot reach mail relays").
				Say("error.directory.relay_unsupported", nil)
		}
		hide = r.Password.Reveal()
		err = a.connect.CheckSMTP(ctx, r)
	default:
		return reportline.FieldError("what", what, "a connection test is of ldap or smtp")
	}
	if err == nil {
		return nil
	}
	msg := err.Error()
	if hide != "" {
		msg = strings.ReplaceAll(msg, hide, "[secret]")
	}
	return &reportline.Error{Code: reportline.Invalid, Message: "the connection failed: " + msg}
}
