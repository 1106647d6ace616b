package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// UserImport is one user as an LMS Collaborator-compatible import sends it
// (POST /api/v2/users-import/single and its batch variant). Nil pointer
// fields were not sent and leave the stored value as it is; an empty string
// clears the field.
//
// The user is matched by UID (external uid) when one is sent and a user has
// it, else by Email; when neither matches, a user is created, which needs an
// Email. A user matched by email whose external uid differs from a sent UID
// is a conflict: the import never merges two directory identities.
type UserImport struct {
	UID       string // external uid; "" when not sent (an import cannot clear it)
	Email     string // "" when not sent (an address cannot be cleared)
	FirstName *string
	LastName  *string
	Active    *bool
	Birthday  *string // YYYY-MM-DD, --MM-DD or DD.MM.YYYY; "" clears
	Position  *string
	OrgUnit   *string
	Locale    *string
	TimeZone  *string // an IANA name such as Europe/Paris

	// ManagerID (internal ids) and ManagerUID (external uids) name the
	// user's line managers. See ManagerField for what each value means and
	// ImportUser for how the two combine.
	ManagerID  ManagerField
	ManagerUID ManagerField
}

// ManagerField is one manager field of an import as it was sent.
//
//   - Sent false: the field was absent.
//   - Null true: the field was JSON null. It counts as an empty value (the
//     user has no managers) unless the other manager field was sent with a
//     value, which then wins: clients that serialise every key, with null
//     for the one they do not use, keep working.
//   - Values: the values as sent, one per string, number or list element.
//     Each is split on commas, so "27816, 27819, 27822" names three users;
//     surrounding spaces and empty pieces are dropped. No values at all is
//     the empty value: it removes every line manager of the user.
type ManagerField struct {
	Sent   bool
	Null   bool
	Values []string
}

// The names of the manager fields, as errors and results spell them.
const (
	FieldManagerID  = "manager_id"
	FieldManagerUID = "manager_uid"
)

// ignoredImportFields are the LMS Collaborator user-import fields that
// Reportline accepts and does not use, so that existing clients and files
// need not change. Any other unknown field is refused, so typos ("emial")
// are caught instead of silently dropped.
var ignoredImportFields = []string{
	"login", "middlename", "patronymic", "password", "gender", "city", "phone", "tags",
	"facebook_id", "google_id", "date_of_employment", "work_contact",
	"date_of_assignment_current_position", "department_code",
}

// userField matches the LMS's numbered additional fields (user_field1…).
var userField = regexp.MustCompile(`^user_field[0-9]+$`)

// IgnoredImportField reports whether name (as the JSON import spells it) is
// a known LMS field that an import accepts and does not use: login,
// middlename, password, user_field1… The API documents the list.
func IgnoredImportField(name string) bool {
	return slices.Contains(ignoredImportFields, name) || userField.MatchString(name)
}

// UserImportAction says what an import did to the user.
type UserImportAction string

// The import actions.
const (
	UserCreated   UserImportAction = "created"
	UserUpdated   UserImportAction = "updated"   // a field or a manager link changed
	UserUnchanged UserImportAction = "unchanged" // the import matched what is stored
)

// UserImportResult says what one import changed.
type UserImportResult struct {
	User   reportline.User // as stored after the import
	Action UserImportAction
	// MatchedBy is "uid" or "email" for an existing user, "" when created.
	MatchedBy string
	// Changed names the user fields that changed, as the /api/v1 user
	// object names them (external_uid, email, first_name, last_name,
	// status, birthday, position, org_unit, locale, time_zone). For a new
	// user: the fields that were set.
	Changed []string
	// Managers is what happened to the user's line managers; nil when no
	// manager field was sent.
	Managers *ManagerChanges
	// InEffect reports whether the imported links count as the user's line
	// managers under the Assign role mode. Imported links are always line
	// links; in the "positions" mode, where line managers are derived from
	// the org structure, they are kept but grant nothing, and InEffect is
	// false.
	InEffect bool
}

// ManagerChanges is what an import did to a user's line managers.
type ManagerChanges struct {
	Field        string // the manager field that was used: manager_id or manager_uid
	IgnoredField string // the other one, when it was sent too and lost
	Added        []reportline.User
	Updated      []reportline.User // an existing link whose terms changed, e.g. functional → line
	Removed      []reportline.User
	Unchanged    []reportline.User
}

// UserImportOutcome is the result of one user of a batch: Result when Err is
// nil.
type UserImportOutcome struct {
	Result UserImportResult
	Err    error
}

// MaxUserImportBatch bounds ImportUsers.
const MaxUserImportBatch = 1000

// ImportUsers imports users one after the other, each atomic on its own (its
// own transaction): one refused user does not stop the others. The outcomes
// are in the order of the input. The error is for the batch as a whole (more
// than MaxUserImportBatch users).
func (a *App) ImportUsers(ctx context.Context, actor Actor, in []UserImport) ([]UserImportOutcome, error) {
	if len(in) > MaxUserImportBatch {
		return nil, reportline.FieldError("users", strconv.Itoa(len(in)), "at most %d users per call, not %d; split the batch", MaxUserImportBatch, len(in))
	}
	if ok, err := a.May(ctx, actor, policy.ImportUsers, 0); err != nil || !ok {
		// Each row asks again; refusing here makes an empty batch from a
		// caller who may import nothing a refusal too.
		if err == nil {
			err = usecase.Forbidden("only platform admins, group admins and user admins may import users").Say("error.policy.import_users", nil)
		}
		return nil, err
	}
	out := make([]UserImportOutcome, len(in))
	for i, u := range in {
		if err := ctx.Err(); err != nil {
			out[i].Err = err
			continue
		}
		out[i].Result, out[i].Err = a.ImportUser(ctx, actor, u)
	}
	return out, nil
}

// ImportUser creates or updates one user and, when a manager field was sent,
// sets their line managers, all in one transaction: if anything is refused,
// nothing is stored.
//
// Managers: ManagerID wins when it holds a value (ManagerUID is then not
// looked at, even if it names nobody); else ManagerUID; when neither field
// was sent the user's managers stay as they are. Otherwise the user's line
// managers become exactly the listed set: the unlisted are removed, the
// missing are added with source import_api, and functional links are left
// alone (a listed user who is a functional manager becomes a line manager,
// since a pair has one link). An unknown id, an inactive manager, the user
// themself, a cycle or a pair outside the caller's groups refuses the whole
// import, and the error's details name each offending value.
//
// The links of an inactive user cannot change: importing an inactive user
// with manager fields is accepted only when they list the current line
// managers exactly.
//
// Authorization is the app's: platform admins import anybody; group admins
// and user admins update users of the groups they administrate and link them
// to managers of those groups. Creating a user needs a platform admin, since
// the import names no group to put the new user in.
func (a *App) ImportUser(ctx context.Context, actor Actor, in UserImport) (UserImportResult, error) {
	actor.Source = reportline.SourceImportAPI
	return a.importOne(ctx, actor, in, false)
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run: roll back")

// importOne is ImportUser for any way in (actor.Source says which). A dry run
// does everything, audit included, in a transaction it then rolls back.
func (a *App) importOne(ctx context.Context, actor Actor, in UserImport, dryRun bool) (UserImportResult, error) {
	in.UID = strings.TrimSpace(in.UID)
	if strings.TrimSpace(in.Email) == "" {
		in.Email = ""
	}
	if in.UID == "" && in.Email == "" {
		return UserImportResult{}, reportline.FieldError("uid", "", "send uid or email to say which user to import")
	}
	patch := importPatch(in)
	// Check the fields' formats before touching the store.
	probe := reportline.User{Email: "probe@example.com", Status: reportline.StatusActive}
	if err := patchUser(&probe, patch); err != nil {
		return UserImportResult{}, importFieldError(err)
	}
	refs, err := chooseManagers(in)
	if err != nil {
		return UserImportResult{}, err
	}
	lock := false
	for attempt := 0; ; attempt++ {
		res, err := a.importUser(ctx, actor, in, patch, refs, lock, dryRun)
		var race *createRace
		switch {
		case errors.As(err, &race):
			// Another import created the user in the meantime: match it now.
			if attempt == 0 {
				continue
			}
			return UserImportResult{}, race.err
		case errors.Is(err, errNeedLock) && !lock:
			lock = true
			continue
		}
		return res, err
	}
}

// errNeedLock ends an import attempt made without the link lock that turns
// out to add line links: it is made again, holding the lock from the start.
//
// An LMS sync mostly re-sends managers that are already linked. Such an
// import, or one that only removes links, cannot close a cycle, so it need
// not hold the lock that serialises the cycle checks on PostgreSQL, and
// imports of different users then run in parallel. Reading without the lock
// is safe for them: what they read of the graph they do not change.
var errNeedLock = errors.New("import adds line links: retry holding the link lock")

// createRace is a conflict on creating a user that matched nobody a moment
// before: another request created them concurrently.
type createRace struct{ err error }

func (e *createRace) Error() string { return e.err.Error() }
func (e *createRace) Unwrap() error { return e.err }

// managerRefs is the manager field an import uses, parsed.
type managerRefs struct {
	field, ignored string
	inputs         []string            // the values as sent, one per listed manager
	ids            []reportline.UserID // for manager_id: the parsed inputs
}

// chooseManagers applies the precedence of the manager fields and parses
// manager_id values; nil means "leave the managers as they are".
func chooseManagers(in UserImport) (*managerRefs, error) {
	id, uid := in.ManagerID, in.ManagerUID
	var use ManagerField
	refs := &managerRefs{}
	switch {
	case id.Sent && !id.Null:
		use, refs.field = id, FieldManagerID
		if uid.Sent {
			refs.ignored = FieldManagerUID
		}
	case uid.Sent && !uid.Null:
		use, refs.field = uid, FieldManagerUID
		if id.Sent {
			refs.ignored = FieldManagerID
		}
	case id.Sent:
		refs.field = FieldManagerID
		if uid.Sent {
			refs.ignored = FieldManagerUID
		}
	case uid.Sent:
		refs.field = FieldManagerUID
	default:
		return nil, nil
	}
	for _, v := range use.Values {
		for piece := range strings.SplitSeq(v, ",") {
			if piece = strings.TrimSpace(piece); piece != "" {
				refs.inputs = append(refs.inputs, piece)
			}
		}
	}
	if len(refs.inputs) > MaxLinksPerRequest {
		return nil, reportline.FieldError(refs.field, "", "at most %d managers per user, not %d", MaxLinksPerRequest, len(refs.inputs))
	}
	if refs.field != FieldManagerID {
		return refs, nil
	}
	var details []reportline.Detail
	for _, s := range refs.inputs {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			details = append(details, reportline.Detail{Field: FieldManagerID, Value: s, Reason: "invalid",
				Message: fmt.Sprintf("%q is not a user id (a positive integer)", s)}.
				Say("error.detail.not_an_id", map[string]any{"Value": s}))
			continue
		}
		refs.ids = append(refs.ids, reportline.UserID(n))
	}
	if details != nil {
		return nil, managerError(refs.field, details)
	}
	return refs, nil
}

// importPatch turns the user fields of an import into a patch.
func importPatch(in UserImport) UserPatch {
	p := UserPatch{FirstName: in.FirstName, LastName: in.LastName, Birthday: in.Birthday, Position: in.Position,
		OrgUnit: in.OrgUnit, Locale: in.Locale, TimeZone: in.TimeZone}
	if in.UID != "" {
		p.ExternalUID = &in.UID
	}
	if in.Email != "" {
		p.Email = &in.Email
	}
	if in.Active != nil {
		s := reportline.StatusInactive
		if *in.Active {
			s = reportline.StatusActive
		}
		p.Status = &s
	}
	return p
}

// importFieldError renames the fields of a user validation error to the
// names the import uses.
func importFieldError(err error) error {
	e, ok := errors.AsType[*reportline.Error](err)
	if !ok {
		return err
	}
	names := map[string]string{"external_uid": "uid", "time_zone": "timezone", "birthday": "birth_date", "status": "is_active",
		"first_name": "firstname", "last_name": "secondname", "org_unit": "department"}
	if n, ok := names[e.Field]; ok {
		c := *e
		c.Field = n
		if rest, ok := strings.CutPrefix(c.Message, e.Field+" "); ok {
			c.Message = n + " " + rest // "secondname is longer than 200 characters"
		}
		return &c
	}
	return err
}

// userImportTx is the transaction of one user imported, in three views of
// it: the user as the caller may see, create and change them (with the
// change logged); the user the import's uid or email names; and, when the
// import names managers, their links changed under the link lock.
type userImportTx struct {
	user interface {
		userViewTx
		CreateUser(ctx context.Context, u *reportline.User) error
	}
	match importMatchTx
	links linkChangeTx
}

func (a *App) userImportStore() usecase.Store[userImportTx] {
	return narrow(a.store, func(tx Tx) userImportTx { return userImportTx{user: tx, match: tx, links: tx} })
}

// importUser is one attempt of ImportUser, in one transaction.
func (a *App) importUser(ctx context.Context, actor Actor, in UserImport, patch UserPatch, refs *managerRefs, lock, dryRun bool) (UserImportResult, error) {
	var out UserImportResult
	err := a.userImportStore().Write(ctx, func(tx userImportTx) error {
		if refs != nil && lock {
			// Taken before anything is read, so the cycle check sees every
			// committed line link (as applyLinks does).
			if err := tx.links.LockLinks(ctx); err != nil {
				return err
			}
		}
		ac, err := usecase.LoadAuthority(ctx, tx.user, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ImportUsers, policy.Target{}); err != nil {
			return err
		}
		inEffect, err := a.lineLinksInEffect(ctx, tx.user)
		if err != nil {
			return err
		}
		res := UserImportResult{InEffect: inEffect}
		u, matchedBy, err := matchImport(ctx, tx.match, in)
		if err != nil {
			if !ac.Scope.All && reportline.IsCode(err, reportline.Conflict) {
				// The conflict names another user's uid: say only what an
				// unknown user would get.
				return importUnknown(in)
			}
			return err
		}
		if matchedBy != "" && !ac.Scope.All {
			// A user outside the caller's scope is answered as if unknown:
			// nothing tells them the uid or the address exists.
			if err := ac.NeedGroups(ctx, tx.user, u.ID); err != nil {
				return err
			}
			if !ac.Administers(u.ID) {
				return importUnknown(in)
			}
		}
		res.MatchedBy = matchedBy
		if matchedBy == "" {
			if in.Email == "" || !ac.Scope.All {
				return importUnknown(in)
			}
			u = reportline.User{Status: reportline.StatusActive}
			if err := patchUser(&u, patch); err != nil {
				return importFieldError(err)
			}
			if err := tx.user.CreateUser(ctx, &u); err != nil {
				if reportline.IsCode(err, reportline.Conflict) {
					return &createRace{err: importFieldError(err)}
				}
				return err
			}
			res.Action, res.Changed = UserCreated, changedFields(reportline.User{Status: reportline.StatusActive}, u)
			if !dryRun {
				if err := a.record(ctx, tx.user, actor, policy.CreateUser, reportline.Change{UserID: u.ID, After: usecase.JSON(userDoc(u))}); err != nil {
					return err
				}
			}
		} else {
			if err := a.authorizeUserPatch(ctx, tx.user, ac, u, patch); err != nil {
				return err
			}
			before := u
			if err := patchUser(&u, patch); err != nil {
				return importFieldError(err)
			}
			if res.Changed = changedFields(before, u); len(res.Changed) > 0 {
				if err := tx.user.UpdateUser(ctx, &u); err != nil {
					return importFieldError(err)
				}
				if !dryRun {
					if err := a.recordUserChange(ctx, tx.user, actor, u.ID, userDoc(before), userDoc(u)); err != nil {
						return err
					}
				}
			}
			res.Action = UserUnchanged
			if len(res.Changed) > 0 {
				res.Action = UserUpdated
			}
		}
		res.User = u
		if refs != nil {
			if res.Managers, err = a.importManagers(ctx, tx.links, actor, u, refs, lock); err != nil {
				return err
			}
			m := res.Managers
			if res.Action == UserUnchanged && len(m.Added)+len(m.Updated)+len(m.Removed) > 0 {
				res.Action = UserUpdated
			}
		}
		out = res
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if dryRun && errors.Is(err, errDryRun) {
		err = nil
	}
	return out, err
}

// importUnknown is the refusal of an import naming a user the caller may
// not create or see: the same whether the user exists elsewhere or not.
func importUnknown(in UserImport) error {
	if in.Email == "" {
		return reportline.FieldError("email", "", "no user has uid %q; send email to create one", in.UID)
	}
	return usecase.Forbidden("only platform admins may create users through the import API, and you may only import users of the groups you administrate: no such user is in them")
}

// matchImport finds the imported user: by uid, else by email. matchedBy is
// "" when nobody matches.
func matchImport(ctx context.Context, tx importMatchTx, in UserImport) (u reportline.User, matchedBy string, err error) {
	if in.UID != "" {
		u, err = tx.UserByExternalUID(ctx, in.UID)
		if err == nil {
			return u, "uid", nil
		}
		if !reportline.IsCode(err, reportline.NotFound) {
			return u, "", err
		}
	}
	if in.Email == "" {
		return reportline.User{}, "", nil
	}
	email, err := reportline.NormalizeEmail(in.Email)
	if err != nil {
		return u, "", err
	}
	u, err = tx.UserByEmail(ctx, email)
	if reportline.IsCode(err, reportline.NotFound) {
		return reportline.User{}, "", nil
	}
	if err != nil {
		return u, "", err
	}
	if in.UID != "" && u.ExternalUID != "" && u.ExternalUID != in.UID {
		return u, "", (&reportline.Error{Code: reportline.Conflict, Field: "uid", Value: in.UID,
			Message: fmt.Sprintf("no user has uid %q, and %s belongs to the user with uid %q; an import does not change a user's uid", in.UID, email, u.ExternalUID)}).
			Say("error.users_import.uid_taken", map[string]any{"UID": in.UID, "Email": email, "Other": u.ExternalUID})
	}
	return u, "email", nil
}

// changedFields names the fields that differ, as the /api/v1 user object
// names them.
func changedFields(before, after reportline.User) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("external_uid", before.ExternalUID != after.ExternalUID)
	add("email", before.Email != after.Email)
	add("first_name", before.FirstName != after.FirstName)
	add("last_name", before.LastName != after.LastName)
	add("status", before.Status != after.Status)
	add("birthday", before.Birthday != after.Birthday)
	add("position", before.Position != after.Position)
	add("org_unit", before.OrgUnit != after.OrgUnit)
	add("locale", before.Locale != after.Locale)
	add("time_zone", before.TimeZone != after.TimeZone)
	return out
}

// importManagers makes the user's line managers the listed set, through the
// hand-assignment plan, inside the import's transaction.
func (a *App) importManagers(ctx context.Context, tx linkChangeTx, actor Actor, u reportline.User, refs *managerRefs, locked bool) (*ManagerChanges, error) {
	ch := &ManagerChanges{Field: refs.field, IgnoredField: refs.ignored}
	req := LinkRequest{User: u.ID, Direction: reportline.Managers, Kind: reportline.Line}
	var inputs []string // inputs[i] was sent for req.IDs[i]
	var details []reportline.Detail
	if refs.field == FieldManagerID {
		req.IDs, inputs = refs.ids, refs.inputs
	} else {
		users, err := tx.UsersByExternalUIDs(ctx, refs.inputs)
		if err != nil {
			return nil, err
		}
		for _, uid := range refs.inputs {
			m, ok := users[uid]
			if !ok {
				d := reportline.Detail{Field: refs.field, Value: uid, Reason: string(VerdictUnknown), Message: fmt.Sprintf("no user has external uid %q", uid)}.
					Say("error.detail.unknown_uid", map[string]any{"Value": uid})
				if !actor.System && !actor.User.IsPlatformAdmin() {
					// As in a hand assignment: unknown reads as out of
					// scope, so no answer tells which uids exist.
					d.Reason, d.Message = string(VerdictOutOfScope), outOfScope(uid, u.Email)
					d = d.Say("error.link.out_of_scope", map[string]any{"User": u.Email, "Input": uid})
				}
				details = append(details, d)
				continue
			}
			req.IDs, inputs = append(req.IDs, m.ID), append(inputs, uid)
		}
	}
	if !u.Active() {
		return inactiveManagers(ctx, tx, u, refs, req.IDs, details, ch)
	}
	plan, err := a.plan(ctx, tx, actor, req, true)
	if err != nil {
		return nil, err
	}
	for i, c := range plan.Candidates {
		switch c.Verdict {
		case VerdictNew:
			ch.Added = append(ch.Added, c.User)
		case VerdictUpdate:
			ch.Updated = append(ch.Updated, c.User)
		case VerdictUnchanged:
			ch.Unchanged = append(ch.Unchanged, c.User)
		case VerdictDuplicate:
		default:
			details = append(details, reportline.Detail{Field: refs.field, Value: inputs[i], Reason: string(c.Verdict), Message: c.Message}.Say(c.MsgID, c.MsgArgs))
		}
	}
	for _, r := range plan.Removals {
		if !r.Allowed {
			details = append(details, reportline.Detail{Field: refs.field, Value: managerValue(refs.field, r.User), Reason: string(VerdictOutOfScope),
				Message: fmt.Sprintf("the existing link with %s is outside the groups you administrate, so it cannot be removed", r.User.Email)}.
				Say("error.detail.removal_out_of_scope", map[string]any{"Email": r.User.Email}))
			continue
		}
		ch.Removed = append(ch.Removed, r.User)
	}
	if details != nil {
		return nil, managerError(refs.field, details)
	}
	if !locked && len(ch.Added)+len(ch.Updated) > 0 {
		return nil, errNeedLock
	}
	if err := a.apply(ctx, tx, actor, plan, req); err != nil {
		return nil, err
	}
	return ch, nil
}

// inactiveManagers handles the manager fields of an inactive user, whose
// links cannot change: the import passes only when it lists exactly the
// current line managers, so re-sending a leaver's record stays harmless.
func inactiveManagers(ctx context.Context, tx linkedUsersTx, u reportline.User, refs *managerRefs, ids []reportline.UserID, details []reportline.Detail, ch *ManagerChanges) (*ManagerChanges, error) {
	all, err := linkedUsers(ctx, tx, u.ID, reportline.Managers)
	if err != nil {
		return nil, err
	}
	var current []LinkedUser
	for _, l := range all {
		if l.Link.Kind == reportline.Line {
			current = append(current, l)
		}
	}
	have := make([]reportline.UserID, len(current))
	for i, c := range current {
		have[i] = c.User.ID
	}
	want := slices.Clone(ids)
	slices.Sort(have)
	slices.Sort(want)
	if details == nil && slices.Equal(have, slices.Compact(want)) {
		for _, c := range current {
			ch.Unchanged = append(ch.Unchanged, c.User)
		}
		return ch, nil
	}
	return nil, (&reportline.Error{Code: reportline.Invalid, Field: "is_active", Value: "0", Details: details,
		Message: fmt.Sprintf("%s is inactive, so their managers cannot change; send is_active 1, leave %s out, or send their current managers", u.Email, refs.field)}).
		Say("error.users_import.inactive", map[string]any{"Email": u.Email, "Field": refs.field})
}

// managerValue names a user the way the manager field does.
func managerValue(field string, u reportline.User) string {
	if field == FieldManagerUID && u.ExternalUID != "" {
		return u.ExternalUID
	}
	if field == FieldManagerUID {
		return u.Email
	}
	return strconv.FormatInt(int64(u.ID), 10)
}

// managerError refuses an import for the listed managers: 403 when every
// refusal is about the caller's scope, 422 otherwise.
func managerError(field string, details []reportline.Detail) error {
	code := reportline.Forbidden
	for _, d := range details {
		if d.Reason != string(VerdictOutOfScope) {
			code = reportline.Invalid
		}
	}
	noun := "managers"
	if len(details) == 1 {
		noun = "manager"
	}
	return (&reportline.Error{Code: code, Field: field, Details: details,
		Message: fmt.Sprintf("%d listed %s cannot be linked; nothing was imported", len(details), noun)}).
		Say("error.users_import.managers_refused", map[string]any{"Count": len(details)})
}
