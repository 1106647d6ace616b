package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/usecase"
)

// syncer is one SyncDirectory run: the batch, what was read for it, and
// the report it builds. Everything is read in bulk into maps first (one
// query per 500 keys, or one scan), so a sync of 100,000 users costs a few
// hundred queries, not one per user.
type syncer struct {
	actor  usecase.Actor
	batch  reportline.DirectoryBatch
	dryRun bool
	now    time.Time
	runID  int64
	guard  Guard

	heldReason string         // why the run was held (guardDeactivations)
	heldID     string         // heldReason's message id (SyncRun.ErrorID)
	heldArgs   map[string]any // and its arguments

	entries []*syncEntry
	byExt   map[string]*syncEntry // the batch's entries that were not skipped
	present map[string]bool       // every external id of the batch, skipped or not: still in the directory

	ident   map[string]reportline.UserID // this source's identities read (all of them for a full batch)
	identOf map[reportline.UserID]string // the same, the other way
	users   map[reportline.UserID]reportline.User
	byEmail map[string]reportline.UserID
	nextTmp reportline.UserID // dry-run ids of users that would be created: -1, -2…

	report reportline.SyncReport
}

// syncEntry is one directory user of the batch and what the sync does to it.
type syncEntry struct {
	in      reportline.DirectoryUser
	user    reportline.User // after the sync; ID < 0 for a user a dry run would create
	before  reportline.User
	action  reportline.SyncAction
	changes []reportline.FieldChange
	newID   bool // the identity must be recorded
	// protected: a platform admin the entry would change, kept as they are
	// (skipped) though their identity is recorded.
	protected bool
}

// reset empties what a previous attempt of the transaction left.
func (s *syncer) reset() {
	s.entries, s.byExt, s.present, s.nextTmp = nil, map[string]*syncEntry{}, map[string]bool{}, 0
	s.report = reportline.SyncReport{}
}

func (s *syncer) problem(d reportline.DirectoryUser, field, code, format string, args ...any) {
	s.report.Problems = append(s.report.Problems, reportline.SyncProblem{ExternalID: d.ExternalID, Email: d.Email,
		Field: field, Code: code, Reason: fmt.Sprintf(format, args...)})
}

func (s *syncer) sync(ctx context.Context, tx Tx) error {
	if !s.dryRun {
		if err := tx.LockLinks(ctx); err != nil {
			return err
		}
	}
	s.admit()
	if err := s.load(ctx, tx); err != nil {
		return err
	}
	if s.batch.Full && len(s.byExt) == 0 && len(s.ident) > 0 {
		// An empty answer is far more often a wrong base DN, filter or
		// account than a company that let everyone go.
		return reportline.Errorf(reportline.Invalid, "the directory gave no usable user, which would deactivate all %d users synced from it; nothing was changed (check the base DN, the filter and the account's rights)", len(s.ident)).
			Say("error.sync.empty_directory", map[string]any{"Count": len(s.ident)})
	}
	s.matchUsers()
	gone := s.goneUsers()
	held, err := s.guardDeactivations(ctx, tx)
	if err != nil {
		return err
	}
	if held {
		// Nothing is written; the report lists the users it would change.
		s.reportUsers(gone)
		return (&reportline.Error{Code: reportline.Conflict, Message: s.heldReason, Err: reportline.ErrHeld}).Say(s.heldID, s.heldArgs)
	}
	if err := s.writeUsers(ctx, tx, gone); err != nil {
		return err
	}
	if err := s.syncLinks(ctx, tx); err != nil {
		return err
	}
	s.reportUsers(gone)
	return nil
}

// reportUsers lists every entry of the batch, then the users gone from it.
func (s *syncer) reportUsers(gone []reportline.SyncedUser) {
	for _, e := range s.entries {
		id := e.user.ID
		if id < 0 || e.action == reportline.SyncSkipped {
			id = 0
		}
		s.report.Users = append(s.report.Users, reportline.SyncedUser{ExternalID: e.in.ExternalID, UserID: id,
			Email: e.in.Email, Action: e.action, Changed: e.changes})
	}
	s.report.Users = append(s.report.Users, gone...)
}

// admit normalises the batch's entries and skips the unusable ones and the
// repeats of an earlier entry's external id or email.
func (s *syncer) admit() {
	emails := map[string]string{}
	for _, d := range s.batch.Users {
		e := &syncEntry{in: d, action: reportline.SyncSkipped}
		s.entries = append(s.entries, e)
		n, p := d.Normalize()
		e.in = n
		if n.ExternalID != "" {
			s.present[n.ExternalID] = true
		}
		switch {
		case p != nil:
			s.report.Problems = append(s.report.Problems, *p)
		case s.byExt[n.ExternalID] != nil:
			s.problem(n, "external_id", reportline.ProblemDuplicate, "external id %q appears twice in the directory; the first entry is used", n.ExternalID)
		case emails[n.Email] != "":
			s.problem(n, "email", reportline.ProblemDuplicate, "email %s is also the email of directory entry %q", n.Email, emails[n.Email])
		default:
			e.action = ""
			s.byExt[n.ExternalID] = e
			emails[n.Email] = n.ExternalID
		}
		if e.action == reportline.SyncSkipped {
			s.report.Skipped++
		}
	}
}

// load reads the identities and users the batch names.
func (s *syncer) load(ctx context.Context, tx Tx) error {
	var err error
	var exts []string // nil: all of the source's identities
	if !s.batch.Full {
		exts = make([]string, 0, len(s.byExt)+len(s.batch.Removed))
		for _, e := range s.entries {
			if e.action == "" {
				exts = append(exts, e.in.ExternalID)
				if e.in.ManagerExternalID != "" {
					exts = append(exts, e.in.ManagerExternalID)
				}
			}
		}
		exts = append(exts, s.batch.Removed...)
		slices.Sort(exts)
		exts = slices.Compact(exts)
	}
	if s.ident, err = tx.DirectoryIdentities(ctx, s.batch.Source, exts); err != nil {
		return err
	}
	s.identOf = make(map[reportline.UserID]string, len(s.ident))
	ids := make([]reportline.UserID, 0, len(s.ident))
	for ext, id := range s.ident {
		s.identOf[id] = ext
		ids = append(ids, id)
	}
	emails := make([]string, 0, len(s.byExt))
	for _, e := range s.entries {
		if e.action == "" {
			emails = append(emails, e.in.Email)
			if e.in.ManagerID != 0 {
				ids = append(ids, e.in.ManagerID)
			}
		}
	}
	if s.users, err = tx.UsersByIDs(ctx, ids); err != nil {
		return err
	}
	byEmail, err := tx.UsersByEmails(ctx, emails)
	if err != nil {
		return err
	}
	s.byEmail = make(map[string]reportline.UserID, len(s.users)+len(byEmail))
	for _, u := range s.users {
		s.byEmail[u.Email] = u.ID
	}
	var unknown []reportline.UserID // users found by email whose identity in this source we have not read
	for _, u := range byEmail {
		s.users[u.ID], s.byEmail[u.Email] = u, u.ID
		if _, ok := s.identOf[u.ID]; !ok && !s.batch.Full {
			unknown = append(unknown, u.ID)
		}
	}
	if len(unknown) > 0 {
		more, err := tx.DirectoryIdentitiesOfUsers(ctx, s.batch.Source, unknown)
		if err != nil {
			return err
		}
		for id, ext := range more {
			s.identOf[id], s.ident[ext] = ext, id
		}
	}
	return nil
}

// matchUsers finds or plans each admitted entry's user and diffs its fields.
func (s *syncer) matchUsers() {
	for _, e := range s.entries {
		if e.action != "" {
			continue
		}
		d := e.in
		id, known := s.ident[d.ExternalID]
		if !known {
			if owner, ok := s.byEmail[d.Email]; ok {
				// The owner of the address may already be another entry of
				// this directory; if that entry is still in it, this is not
				// the same person and nothing is merged.
				if other, has := s.identOf[owner]; has && other != d.ExternalID && (s.present[other] || !s.batch.Full) {
					s.skip(e, "email", reportline.ProblemConflict, "email %s belongs to the user of directory entry %q", d.Email, other)
					continue
				}
				id, e.newID = owner, true
			}
		}
		if id == 0 {
			s.nextTmp--
			e.user = reportline.User{ID: s.nextTmp, Status: reportline.StatusActive}
			e.action, e.newID = reportline.SyncCreated, true
		} else {
			e.user = s.users[id]
			e.before = e.user
		}
		if owner, ok := s.byEmail[d.Email]; ok && owner != e.user.ID {
			s.skip(e, "email", reportline.ProblemConflict, "email %s belongs to another user (id %d)", d.Email, owner)
			continue
		}
		e.changes = ApplyFields(&e.user, d)
		if e.action != reportline.SyncCreated && len(e.changes) > 0 && !s.guard.MayChange(e.before) {
			// Kept as it is, but still in the batch: their reports keep
			// them as manager.
			s.problem(d, FieldNames(e.changes), reportline.ProblemProtected, "%s is a platform admin, whom a directory does not change (it would change %s); the entry was skipped: change the admin in Reportline, or set REPORTLINE_DIRECTORY_MAY_CHANGE_PLATFORM_ADMINS=true",
				e.before.Email, FieldNames(e.changes))
			e.user, e.changes, e.action, e.protected = e.before, nil, reportline.SyncSkipped, true
			s.report.Skipped++
			continue
		}
		switch {
		case e.action == reportline.SyncCreated:
		case e.before.Active() && !e.user.Active():
			e.action = reportline.SyncDeactivated
		case !e.before.Active() && e.user.Active():
			e.action = reportline.SyncReactivated
		case len(e.changes) > 0:
			e.action = reportline.SyncUpdated
		default:
			e.action = reportline.SyncUnchanged
		}
		if e.user.ID < 0 {
			e.changes = newUserFields(e.user)
		}
		s.byEmail[e.user.Email] = e.user.ID
		if e.before.Email != "" && e.before.Email != e.user.Email {
			delete(s.byEmail, e.before.Email)
		}
		s.count(e.action)
	}
}

func (s *syncer) skip(e *syncEntry, field, code, format string, args ...any) {
	s.problem(e.in, field, code, format, args...)
	e.action = reportline.SyncSkipped
	delete(s.byExt, e.in.ExternalID)
	s.report.Skipped++
}

func (s *syncer) count(a reportline.SyncAction) {
	c := &s.report.SyncCounts
	switch a {
	case reportline.SyncCreated:
		c.Created++
	case reportline.SyncUpdated:
		c.Updated++
	case reportline.SyncUnchanged:
		c.Unchanged++
	case reportline.SyncDeactivated:
		c.Deactivated++
	case reportline.SyncReactivated:
		c.Reactivated++
	case reportline.SyncSkipped:
		c.Skipped++
	}
}

// ApplyFields overwrites u's fields with the directory's and
// returns what changed, named as the /api/v1 user object names them.
func ApplyFields(u *reportline.User, d reportline.DirectoryUser) []reportline.FieldChange {
	var out []reportline.FieldChange
	set := func(field string, dst *string, v string) {
		if *dst != v {
			out = append(out, reportline.FieldChange{Field: field, Before: *dst, After: v})
			*dst = v
		}
	}
	set("email", &u.Email, d.Email)
	set("first_name", &u.FirstName, d.FirstName)
	set("last_name", &u.LastName, d.LastName)
	set("position", &u.Position, d.Position)
	set("org_unit", &u.OrgUnit, d.OrgUnit)
	status := reportline.StatusInactive
	if d.Active {
		status = reportline.StatusActive
	}
	st := string(u.Status)
	set("status", &st, string(status))
	u.Status = reportline.Status(st)
	return out
}

// FieldNames names the changed fields: "email, status".
func FieldNames(c []reportline.FieldChange) string {
	names := make([]string, len(c))
	for i, f := range c {
		names[i] = f.Field
	}
	return strings.Join(names, ", ")
}

// newUserFields lists the fields a created user was given.
func newUserFields(u reportline.User) []reportline.FieldChange {
	var out []reportline.FieldChange
	for _, f := range []struct{ name, v string }{{"email", u.Email}, {"first_name", u.FirstName}, {"last_name", u.LastName},
		{"position", u.Position}, {"org_unit", u.OrgUnit}, {"status", string(u.Status)}} {
		if f.v != "" {
			out = append(out, reportline.FieldChange{Field: f.name, After: f.v})
		}
	}
	return out
}

// goneUsers returns the source's users that left the directory (missing from
// a full batch, or removed) and are still active: they are deactivated.
func (s *syncer) goneUsers() []reportline.SyncedUser {
	var gone []string
	if s.batch.Full {
		for ext := range s.ident {
			if !s.present[ext] {
				gone = append(gone, ext)
			}
		}
		slices.Sort(gone)
	}
	for _, ext := range s.batch.Removed {
		if !s.present[ext] {
			gone = append(gone, ext)
		}
	}
	var out []reportline.SyncedUser
	// A user matched by this batch is not gone, even if an old identity of
	// theirs is (an entry deleted and created again gets a new id).
	seen := make(map[reportline.UserID]bool, len(s.entries))
	for _, e := range s.entries {
		if e.action != reportline.SyncSkipped {
			seen[e.user.ID] = true
		}
	}
	for _, ext := range gone {
		id, ok := s.ident[ext]
		u, loaded := s.users[id]
		if !ok || !loaded || seen[id] || !u.Active() {
			continue
		}
		if !s.guard.MayChange(u) {
			s.report.Problems = append(s.report.Problems, reportline.SyncProblem{ExternalID: ext, Email: u.Email, Field: "status",
				Code: reportline.ProblemProtected, Reason: fmt.Sprintf("%s is a platform admin and was not deactivated although the directory no longer lists them: a directory does not change platform admins (set REPORTLINE_DIRECTORY_MAY_CHANGE_PLATFORM_ADMINS=true to allow it)", u.Email)})
			s.report.Skipped++
			seen[id] = true
			continue
		}
		seen[id] = true
		out = append(out, reportline.SyncedUser{ExternalID: ext, UserID: id, Email: u.Email, Action: reportline.SyncDeactivated,
			Changed: []reportline.FieldChange{{Field: "status", Before: string(u.Status), After: string(reportline.StatusInactive)}}})
		s.report.Deactivated++
	}
	return out
}

// writeUsers creates and updates users, records the new identities and the
// audit of every user change. A dry run writes nothing.
func (s *syncer) writeUsers(ctx context.Context, tx Tx, gone []reportline.SyncedUser) error {
	if s.dryRun {
		return nil
	}
	var create, update []*reportline.User
	for _, e := range s.entries {
		switch e.action {
		case reportline.SyncCreated:
			create = append(create, &e.user)
		case reportline.SyncUpdated, reportline.SyncDeactivated, reportline.SyncReactivated:
			update = append(update, &e.user)
		}
	}
	for _, g := range gone {
		u := s.users[g.UserID]
		u.Status = reportline.StatusInactive
		update = append(update, &u)
	}
	if err := tx.CreateUsers(ctx, create); err != nil {
		return err
	}
	if err := tx.UpdateUsers(ctx, update); err != nil {
		return err
	}
	var ids []reportline.DirectoryIdentity
	var changes []reportline.DirectoryChange
	change := func(id reportline.UserID, ext string, a reportline.SyncAction, c []reportline.FieldChange) {
		changes = append(changes, reportline.DirectoryChange{RunID: s.runID, At: s.now, Source: s.batch.Source, ActorID: s.actor.ID(),
			UserID: id, ExternalID: ext, Action: a, Changes: c})
	}
	for _, e := range s.entries {
		if e.action == reportline.SyncSkipped && !e.protected {
			continue
		}
		if e.newID {
			ids = append(ids, reportline.DirectoryIdentity{Source: s.batch.Source, ExternalID: e.in.ExternalID, UserID: e.user.ID})
		}
		if e.action != reportline.SyncUnchanged && e.action != reportline.SyncSkipped {
			change(e.user.ID, e.in.ExternalID, e.action, e.changes)
		}
	}
	for _, g := range gone {
		change(g.UserID, g.ExternalID, g.Action, g.Changed)
	}
	if err := tx.PutDirectoryIdentities(ctx, ids); err != nil {
		return err
	}
	return tx.AppendDirectoryChanges(ctx, changes)
}
