package directory

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// Guard is what keeps a directory (LDAP, Graph, SCIM) from
// changing what it should not: platform admins, and many people at once.
// The zero value is the safe default.
type Guard struct {
	// MayChangePlatformAdmins lets a directory deactivate, re-address or
	// rename a platform admin. Off by default: a directory entry that would
	// change a platform admin is skipped (SCIM: 403) and reported.
	MayChangePlatformAdmins bool
	// HoldPercent and HoldCount: a run (SCIM: the rolling hour) that would
	// deactivate more than HoldPercent % of the source's active users, or
	// more than HoldCount people, is held until a platform admin confirms.
	// 0 means the default (10 %, 50 people); a negative value switches the
	// bound off. The share alone never holds shareFloor deactivations or
	// fewer (in a directory of 20, two leavers are not an accident).
	HoldPercent float64
	HoldCount   int
	// On lists the directory sources switched on by configuration (LDAP,
	// Graph); SCIM is on while a provisioning client exists. A link owned
	// by a source that is on is changed only by that source.
	On []reportline.Source
}

// The guard's defaults and windows.
const (
	DefaultHoldPercent = 10
	DefaultHoldCount   = 50
	// scimHoldWindow is the rolling window over which SCIM deactivations,
	// which arrive one request at a time, are counted.
	scimHoldWindow = time.Hour
	// confirmationTTL is how long a platform admin's confirmation of held
	// deactivations stays usable.
	confirmationTTL = 24 * time.Hour
	// shareFloor is the number of deactivations the share bound allows
	// whatever the directory's size.
	shareFloor = 5
)

// MayChange says whether a directory may change the user: any user
// but a platform admin, unless the guard allows those too. It is the one
// place this rule lives (for the policy package to take over).
func (g Guard) MayChange(u reportline.User) bool {
	return policy.DirectoryMayChange(u, g.MayChangePlatformAdmins)
}

// maxDeactivations is the most deactivations a run (or SCIM's rolling hour)
// may make without a confirmation, for a source with users active users.
func (g Guard) maxDeactivations(users int) int {
	limit := -1
	pct, count := g.HoldPercent, g.HoldCount
	if pct == 0 {
		pct = DefaultHoldPercent
	}
	if count == 0 {
		count = DefaultHoldCount
	}
	if count > 0 {
		limit = count
	}
	if pct > 0 {
		byShare := max(int(float64(users)*pct/100), shareFloor)
		if limit < 0 || byShare < limit {
			limit = byShare
		}
	}
	return limit // -1: no limit
}

// confirmation is a platform admin's go-ahead for held deactivations of one
// source: up to Count of them (for SCIM: any number) until Until.
type confirmation struct {
	Count int
	Until time.Time
	RunID int64 // the held run it confirmed; 0 from the CLI
}

func confirmationKey(source reportline.Source) string {
	return "directory_confirmed_deactivations." + string(source)
}

func readConfirmation(ctx context.Context, tx Tx, source reportline.Source) (confirmation, error) {
	v, err := tx.Setting(ctx, confirmationKey(source))
	if reportline.IsCode(err, reportline.NotFound) || (err == nil && v == "") {
		return confirmation{}, nil
	}
	if err != nil {
		return confirmation{}, err
	}
	f := strings.Fields(v)
	if len(f) != 3 {
		return confirmation{}, nil // unreadable: as if none
	}
	n, _ := strconv.Atoi(f[0])
	until, _ := strconv.ParseInt(f[1], 10, 64)
	run, _ := strconv.ParseInt(f[2], 10, 64)
	return confirmation{Count: n, Until: time.Unix(until, 0), RunID: run}, nil
}

// guardDeactivations says whether the run is held: it would deactivate
// more people than the guard allows and no valid confirmation covers them.
// A dry run is never held, but its report says it would be (Held).
func (s *syncer) guardDeactivations(ctx context.Context, tx Tx) (bool, error) {
	n := s.report.Deactivated
	if n == 0 {
		return false, nil
	}
	source := s.batch.Source
	if source == reportline.SourceSCIM {
		recent, err := tx.CountDirectoryChanges(ctx, source, reportline.SyncDeactivated, s.now.Add(-scimHoldWindow))
		if err != nil {
			return false, err
		}
		n += recent
	}
	users, err := tx.CountDirectoryUsers(ctx, source)
	if err != nil {
		return false, err
	}
	if s.batch.Full {
		// A first sync knows nobody yet: the directory's size is the base.
		users = max(users, len(s.byExt))
	}
	limit := s.guard.maxDeactivations(users)
	if limit < 0 || n <= limit {
		return false, nil
	}
	c, err := readConfirmation(ctx, tx, source)
	if err != nil {
		return false, err
	}
	if s.now.Before(c.Until) && (source == reportline.SourceSCIM || n <= c.Count) {
		// Confirmed. LDAP and Graph use a confirmation once; SCIM's lasts
		// its time, as the client's requests keep coming one by one.
		if source != reportline.SourceSCIM && !s.dryRun {
			return false, tx.PutSetting(ctx, confirmationKey(source), "")
		}
		return false, nil
	}
	s.report.Held = n
	what := fmt.Sprintf("this run would deactivate %d of the %d active users synced from %s", n, users, source)
	if source == reportline.SourceSCIM {
		what = fmt.Sprintf("%s has deactivated or asked to deactivate %d of its %d active users within an hour", source, n, users)
	}
	bounds := "REPORTLINE_DIRECTORY_HOLD_PERCENT, REPORTLINE_DIRECTORY_HOLD_COUNT"
	if Own(ctx) {
		bounds = "the organisation's deactivation guard, Settings → Directories and mail"
	}
	s.heldReason = fmt.Sprintf("held for a platform admin's confirmation: %s, more than the %d allowed without confirmation (%s); nothing was changed: a platform admin confirms it on the directory sync page, by the API or with --confirm-deactivations", what, limit, bounds)
	// The same, named for the pages (SyncRun.ErrorID): the source and
	// the guard's bounds are catalogue terms, the counts numbers.
	s.heldID, s.heldArgs = "error.sync.held", map[string]any{"Count": n, "Users": users, "Limit": limit,
		"Source": reportline.Term("sync.source." + string(source)), "Bounds": reportline.Term("error.sync.held_bounds.env")}
	if source == reportline.SourceSCIM {
		s.heldID = "error.sync.held_scim"
	}
	if Own(ctx) {
		s.heldArgs["Bounds"] = reportline.Term("error.sync.held_bounds.own")
	}
	return !s.dryRun, nil
}

// ConfirmDeactivations lets the next runs of a source deactivate up to count
// people beyond the guard's thresholds (LDAP, Graph: the next applied run of
// at most count deactivations, within 24 hours; SCIM: every deactivation for
// the next hour). run names the held run confirmed (0 from the CLI).
// Platform admins and the system (the CLI) may confirm.
func (d *Syncer) ConfirmDeactivations(ctx context.Context, actor usecase.Actor, source reportline.Source, count int, run int64) error {
	if !mayConfirmDeactivations(actor) {
		return usecase.Forbidden("only platform admins may confirm held deactivations").Say("error.forbidden.confirm_held", nil)
	}
	if !source.Directory() {
		return reportline.FieldError("source", string(source), "source %q is not a directory", source)
	}
	if count <= 0 {
		return reportline.FieldError("count", strconv.Itoa(count), "the number of deactivations to confirm must be positive")
	}
	ttl := confirmationTTL
	if source == reportline.SourceSCIM {
		ttl = scimHoldWindow
	}
	v := fmt.Sprintf("%d %d %d", count, d.now().Add(ttl).Unix(), run)
	if err := d.store.Write(ctx, func(tx Tx) error { return tx.PutSetting(ctx, confirmationKey(source), v) }); err != nil {
		return err
	}
	d.log.Info("held deactivations confirmed", "source", source, "count", count, "run", run, "actor", actor.ID())
	return nil
}

// ConfirmHeldRun confirms a held run's deactivations (ConfirmDeactivations
// with the run's source and count): the next run of that source (the
// scheduled one included) applies them if it deactivates no more people.
func (d *Syncer) ConfirmHeldRun(ctx context.Context, actor usecase.Actor, id int64) (reportline.SyncRun, error) {
	if !mayConfirmDeactivations(actor) {
		return reportline.SyncRun{}, usecase.Forbidden("only platform admins may confirm held deactivations").Say("error.forbidden.confirm_held", nil)
	}
	var run reportline.SyncRun
	if err := d.store.Read(ctx, func(tx Tx) error {
		var err error
		run, err = tx.SyncRun(ctx, id)
		return err
	}); err != nil {
		return run, err
	}
	if run.Status != reportline.SyncHeld {
		return run, reportline.Errorf(reportline.Conflict, "sync run %d is %s, not held: there is nothing to confirm", id, run.Status).
			Say("error.sync.not_held", map[string]any{"ID": id})
	}
	return run, d.ConfirmDeactivations(ctx, actor, run.Source, run.Counts.Held, run.ID)
}

// mayConfirmDeactivations: platform admins and the system (the CLI).
func mayConfirmDeactivations(actor usecase.Actor) bool {
	return usecase.AuthorizeActor(actor, policy.ConfirmHeldSync) == nil
}

// Owned says which source owns a link, when it is a directory
// source that is on and not the actor's own: such a link is changed only by
// that source (hand edits, the API and CSV imports are refused for it). It
// is the one place this rule lives (for the policy package to take over).
func Owned(l reportline.Link, actor usecase.Actor, on map[reportline.Source]bool) (reportline.Source, bool) {
	if !policy.DirectoryOwns(l.Source, actor.Source, on[l.Source]) {
		return "", false
	}
	return l.Source, true
}

// SourcesOn returns the directory sources that are on.
func (d *Syncer) SourcesOn(ctx context.Context, tx OwnerTx) (map[reportline.Source]bool, error) {
	on := make(map[reportline.Source]bool, 3)
	g, err := d.guardIn(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, s := range g.On {
		on[s] = true
	}
	clients, err := tx.ProvisioningClients(ctx)
	if err != nil {
		return nil, err
	}
	on[reportline.SourceSCIM] = len(clients) > 0
	return on, nil
}

// OwnedMessage says why a directory-owned link cannot be changed here.
func OwnedMessage(other string, source reportline.Source) string {
	return fmt.Sprintf("the link with %s is owned by the %s directory sync, which alone changes it while it is on: change it in the directory", other, source)
}

// OwnedLinks returns the links owned by directory sources that are on (and
// not the actor's), for an import to leave in place.
func (d *Syncer) OwnedLinks(ctx context.Context, tx OwnerTx, actor usecase.Actor) (map[reportline.Pair]reportline.Source, error) {
	on, err := d.SourcesOn(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := map[reportline.Pair]reportline.Source{}
	for source, isOn := range on {
		if !isOn || source == actor.Source {
			continue
		}
		links, err := tx.Links(ctx, reportline.LinkFilter{Source: source})
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			if _, ok := Owned(l, actor, on); ok {
				out[l.Pair()] = source
			}
		}
	}
	return out, nil
}
