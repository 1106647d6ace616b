package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"reportline"
)

// SCIMUser is a user as a SCIM client sees them: the user, their identity
// at the SCIM source, and the line manager the SCIM source set.
type SCIMUser struct {
	reportline.User
	// UserName is the userName the client gave, or the email when it gave
	// none.
	UserName string
	// ExternalID is the client's id of the person ("" when the client never
	// sent one).
	ExternalID string
	// Manager is the line manager set through SCIM (zero when none). Links
	// from other sources are not shown: they are not the client's to manage.
	Manager reportline.User
}

// SCIMUserInput is what a SCIM client says a user is. It is written as a
// one-user directory batch of source scim.
type SCIMUserInput struct {
	ExternalID string // "" keeps the user's current one
	UserName   string // unique, case-insensitively; need not be an address
	Email      string
	FirstName  string
	LastName   string
	Position   string
	OrgUnit    string
	Active     bool
	// Manager is the manager's id, or their externalId; "" for none.
	Manager string
}

// SCIMLookup narrows a user listing to what an index answers; the zero
// value lists every user.
type SCIMLookup struct {
	ID         reportline.UserID
	UserName   string
	ExternalID string
}

// generatedPrefix marks the identity Reportline makes up for a user whose
// SCIM client sent no externalId: the directory core needs one, the client
// must not see it, and no client may send one that looks like it.
const generatedPrefix = "urn:reportline:scim:"

// maxUserName bounds a userName.
const maxUserName = 255

// scimPage is the number of users read per query when a listing scans.
const scimPage = 500

// scimActor is who SCIM changes are made as: the service, through source
// scim (the audit log and the sync runs say so).
var scimActor = SystemActor(reportline.SourceSCIM)

// SCIMUser returns one user as the SCIM client sees them.
func (a *App) SCIMUser(ctx context.Context, client reportline.ProvisioningClient, id reportline.UserID) (SCIMUser, error) {
	var out SCIMUser
	err := a.store.Read(ctx, func(tx Tx) error {
		users, err := scimUsers(ctx, tx, []reportline.User{{ID: id}}, true)
		if err != nil {
			return err
		}
		if len(users) == 0 {
			return reportline.Errorf(reportline.NotFound, "user %d not found", id)
		}
		out = users[0]
		return nil
	})
	return out, err
}

// EachSCIMUser calls fn with every user the lookup selects, in id order,
// until fn returns false. Every user of the platform is visible to a
// provisioning client: that is how Entra matches the people it already
// finds here (userName eq "…") before creating anybody.
func (a *App) EachSCIMUser(ctx context.Context, client reportline.ProvisioningClient, l SCIMLookup, fn func(SCIMUser) bool) error {
	return a.store.Read(ctx, func(tx Tx) error {
		var seed []reportline.User
		switch {
		case l.ID != 0:
			seed = []reportline.User{{ID: l.ID}}
		case l.ExternalID != "":
			ids, err := tx.DirectoryIdentities(ctx, reportline.SourceSCIM, []string{l.ExternalID})
			if err != nil {
				return err
			}
			if id, ok := ids[l.ExternalID]; ok && !strings.HasPrefix(l.ExternalID, generatedPrefix) {
				seed = []reportline.User{{ID: id}}
			}
		case l.UserName != "":
			id, err := tx.UserBySCIMUserName(ctx, l.UserName)
			if reportline.IsCode(err, reportline.NotFound) {
				return nil
			} else if err != nil {
				return err
			}
			seed = []reportline.User{{ID: id}}
		default:
			for after := reportline.UserID(0); ; {
				page, err := tx.UsersAfter(ctx, after, scimPage)
				if err != nil || len(page) == 0 {
					return err
				}
				users, err := scimUsers(ctx, tx, page, false)
				if err != nil {
					return err
				}
				for _, u := range users {
					if !fn(u) {
						return nil
					}
				}
				after = page[len(page)-1].ID
			}
		}
		users, err := scimUsers(ctx, tx, seed, true)
		if err != nil {
			return err
		}
		for _, u := range users {
			if !fn(u) {
				return nil
			}
		}
		return nil
	})
}

// scimUsers completes users with their SCIM identity and SCIM manager.
// With load, only the ids are given and the users are read (missing ones
// are left out).
func scimUsers(ctx context.Context, tx Tx, users []reportline.User, load bool) ([]SCIMUser, error) {
	ids := make([]reportline.UserID, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	if load {
		byID, err := tx.UsersByIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		users = users[:0:0]
		for _, id := range ids {
			if u, ok := byID[id]; ok {
				users = append(users, u)
			}
		}
		ids = ids[:0]
		for _, u := range users {
			ids = append(ids, u.ID)
		}
	}
	exts, err := tx.DirectoryIdentitiesOfUsers(ctx, reportline.SourceSCIM, ids)
	if err != nil {
		return nil, err
	}
	names, err := tx.SCIMUserNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	managers, err := tx.SourceLineManagers(ctx, reportline.SourceSCIM, ids)
	if err != nil {
		return nil, err
	}
	var mids []reportline.UserID
	for _, ms := range managers {
		mids = append(mids, ms[0])
	}
	mgr, err := tx.UsersByIDs(ctx, mids)
	if err != nil {
		return nil, err
	}
	out := make([]SCIMUser, len(users))
	for i, u := range users {
		out[i] = SCIMUser{User: u, ExternalID: exts[u.ID], UserName: names[u.ID]}
		if out[i].UserName == "" {
			out[i].UserName = u.Email
		}
		if strings.HasPrefix(out[i].ExternalID, generatedPrefix) {
			out[i].ExternalID = ""
		}
		if ms := managers[u.ID]; len(ms) > 0 {
			// A directory source keeps one manager per user; should an older
			// version have left more, the lowest id is shown.
			out[i].Manager = mgr[ms[0]]
		}
	}
	return out, nil
}

// SCIMCreateUser creates a user from a SCIM client (POST /Users). An email
// or externalId that another user has is a Conflict: a SCIM create never
// adopts an existing person (the client finds them with a filter and
// updates them instead).
func (a *App) SCIMCreateUser(ctx context.Context, client reportline.ProvisioningClient, in SCIMUserInput) (SCIMUser, error) {
	d, err := a.scimPrepare(ctx, 0, in)
	if err != nil {
		return SCIMUser{}, err
	}
	id, err := a.scimSync(ctx, client, d)
	if err != nil {
		return SCIMUser{}, err
	}
	if err := a.setSCIMUserName(ctx, id, in.UserName); err != nil {
		return SCIMUser{}, err
	}
	return a.SCIMUser(ctx, client, id)
}

// SCIMReplaceUser makes a user what the SCIM client says (PUT, and PATCH
// once the operations are applied to the user as they were). The client's
// externalId becomes the user's SCIM identity.
func (a *App) SCIMReplaceUser(ctx context.Context, client reportline.ProvisioningClient, id reportline.UserID, in SCIMUserInput) (SCIMUser, error) {
	d, err := a.scimPrepare(ctx, id, in)
	if err != nil {
		return SCIMUser{}, err
	}
	if _, err := a.scimSync(ctx, client, d); err != nil {
		return SCIMUser{}, err
	}
	if err := a.setSCIMUserName(ctx, id, in.UserName); err != nil {
		return SCIMUser{}, err
	}
	return a.SCIMUser(ctx, client, id)
}

// SCIMDeactivateUser is DELETE /Users/{id}: the user is deactivated, never
// deleted, and keeps their links, so reactivating restores them.
func (a *App) SCIMDeactivateUser(ctx context.Context, client reportline.ProvisioningClient, id reportline.UserID) error {
	u, err := a.SCIMUser(ctx, client, id)
	if err != nil {
		return err
	}
	in := SCIMUserInput{UserName: u.UserName, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Position: u.Position, OrgUnit: u.OrgUnit}
	if u.Manager.ID != 0 {
		in.Manager = strconv.FormatInt(int64(u.Manager.ID), 10)
	}
	_, err = a.SCIMReplaceUser(ctx, client, id, in)
	return err
}

// scimPrepare checks a SCIM write against the users as they are and turns
// it into the directory user to sync: the externalId must not be another
// user's, nor the email; the manager must be a user (by id, else by
// externalId), not the user themself, and not close a reporting-line cycle.
// For an existing user (id != 0) it records the SCIM identity first when it
// changes, so that the sync finds the user by it.
func (a *App) scimPrepare(ctx context.Context, id reportline.UserID, in SCIMUserInput) (reportline.DirectoryUser, error) {
	d := reportline.DirectoryUser{ExternalID: strings.TrimSpace(in.ExternalID), Email: in.Email, FirstName: in.FirstName,
		LastName: in.LastName, Position: in.Position, OrgUnit: in.OrgUnit, Active: in.Active}
	if strings.HasPrefix(strings.ToLower(d.ExternalID), generatedPrefix) {
		return d, reportline.FieldError("externalId", d.ExternalID, "externalId may not start with %q, which Reportline keeps for its own use", generatedPrefix)
	}
	if len(d.ExternalID) > reportline.MaxExternalIDLength {
		return d, reportline.FieldError("externalId", "", "externalId is longer than %d characters", reportline.MaxExternalIDLength)
	}
	in.UserName = strings.TrimSpace(in.UserName)
	if in.UserName == "" {
		return d, reportline.FieldError("userName", "", "userName is required")
	}
	if len(in.UserName) > maxUserName {
		return d, reportline.FieldError("userName", "", "userName is longer than %d characters", maxUserName)
	}
	emailField := "emails"
	if strings.TrimSpace(d.Email) == "" {
		d.Email, emailField = in.UserName, "userName"
	}
	email, err := reportline.NormalizeEmail(d.Email)
	if err != nil {
		if emailField == "userName" {
			return d, reportline.FieldError("userName", d.Email, "userName %q is not an email address and no emails were sent: Reportline needs each person's email", d.Email)
		}
		return d, reportline.FieldError("emails", d.Email, "%s", reportline.ErrorMessage(err))
	}
	d.Email = email
	var current string // the user's SCIM identity now
	err = a.store.Read(ctx, func(tx Tx) error {
		if id != 0 {
			if _, err := tx.User(ctx, id); err != nil {
				return err
			}
			cur, err := tx.DirectoryIdentitiesOfUsers(ctx, reportline.SourceSCIM, []reportline.UserID{id})
			if err != nil {
				return err
			}
			current = cur[id]
		}
		if d.ExternalID != "" {
			owners, err := tx.DirectoryIdentities(ctx, reportline.SourceSCIM, []string{d.ExternalID})
			if err != nil {
				return err
			}
			if owner, ok := owners[d.ExternalID]; ok && owner != id {
				return &reportline.Error{Code: reportline.Conflict, Field: "externalId", Value: d.ExternalID,
					Message: fmt.Sprintf("externalId %q is already user %d's", d.ExternalID, owner)}
			}
		}
		switch owner, err := tx.UserBySCIMUserName(ctx, in.UserName); {
		case reportline.IsCode(err, reportline.NotFound):
		case err != nil:
			return err
		case owner != id:
			return &reportline.Error{Code: reportline.Conflict, Field: "userName", Value: in.UserName,
				Message: fmt.Sprintf("userName %q is already user %d's", in.UserName, owner)}
		}
		switch owner, err := tx.UserByEmail(ctx, d.Email); {
		case reportline.IsCode(err, reportline.NotFound):
		case err != nil:
			return err
		case owner.ID != id:
			e := &reportline.Error{Code: reportline.Conflict, Field: "emails", Value: d.Email,
				Message: fmt.Sprintf("%s is already the email of user %d", d.Email, owner.ID)}
			if emailField == "userName" {
				e.Field = "userName"
			}
			return e
		}
		d.ManagerID, err = resolveSCIMManager(ctx, tx, id, in.Manager)
		return err
	})
	if err != nil {
		return d, err
	}
	switch {
	case d.ExternalID == "" && current != "":
		d.ExternalID = current
	case d.ExternalID == "":
		d.ExternalID = generatedPrefix + randomHex()
	}
	if id != 0 && d.ExternalID != current {
		err = a.store.Write(ctx, func(tx Tx) error {
			return tx.PutDirectoryIdentities(ctx, []reportline.DirectoryIdentity{{Source: reportline.SourceSCIM, ExternalID: d.ExternalID, UserID: id}})
		})
	}
	return d, err
}

// resolveSCIMManager finds the manager a SCIM client names: by our id,
// else by their SCIM externalId.
func resolveSCIMManager(ctx context.Context, tx Tx, user reportline.UserID, value string) (reportline.UserID, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, nil
	}
	var id reportline.UserID
	if n, err := strconv.ParseInt(value, 10, 64); err == nil && n > 0 {
		found, err := tx.UsersByIDs(ctx, []reportline.UserID{reportline.UserID(n)})
		if err != nil {
			return 0, err
		}
		if _, ok := found[reportline.UserID(n)]; ok {
			id = reportline.UserID(n)
		}
	}
	if id == 0 && !strings.HasPrefix(value, generatedPrefix) {
		owners, err := tx.DirectoryIdentities(ctx, reportline.SourceSCIM, []string{value})
		if err != nil {
			return 0, err
		}
		id = owners[value]
	}
	if id == 0 {
		return 0, reportline.FieldError("manager", value, "manager %q is neither the id nor the externalId of a user", value)
	}
	if id == user {
		return 0, reportline.FieldError("manager", value, "a user cannot be their own manager")
	}
	if user != 0 {
		cycle, err := reportline.FindCycle(ctx, id, user, tx.LineManagers)
		if err != nil {
			return 0, err
		}
		if cycle != nil {
			return 0, reportline.FieldError("manager", value, "manager %s would close a reporting-line cycle (%s)", value, chain(cycle))
		}
	}
	return id, nil
}

func chain(ids []reportline.UserID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(int64(id), 10)
	}
	return "users " + strings.Join(parts, " → ")
}

// scimSync writes one directory user through the directory core, which
// records the run, the user's changes and the audit of its links.
func (a *App) scimSync(ctx context.Context, client reportline.ProvisioningClient, d reportline.DirectoryUser) (reportline.UserID, error) {
	rep, err := a.SyncDirectory(ctx, scimActor, reportline.DirectoryBatch{Source: reportline.SourceSCIM, Users: []reportline.DirectoryUser{d}}, false)
	if err != nil {
		return 0, err
	}
	a.log.Info("scim write", "client", client.Name, "run", rep.RunID, "external_id", d.ExternalID)
	var id reportline.UserID
	for _, u := range rep.Users {
		if u.ExternalID == d.ExternalID && u.Action != reportline.SyncSkipped {
			id = u.UserID
		}
	}
	if len(rep.Problems) > 0 {
		p := rep.Problems[0]
		e := &reportline.Error{Code: reportline.Invalid, Field: scimField(p.Field), Message: p.Reason}
		if p.Code == reportline.ProblemConflict || p.Code == reportline.ProblemDuplicate {
			e.Code = reportline.Conflict
		}
		if id != 0 {
			// Only a concurrent change can get here (scimPrepare checked the
			// same things): say what was kept.
			e.Message += fmt.Sprintf(" (user %d was saved without this change)", id)
		}
		return id, e
	}
	if id == 0 {
		return 0, fmt.Errorf("scim sync of %q: the report names no user", d.ExternalID)
	}
	return id, nil
}

// setSCIMUserName records the userName the client gave (a separate write
// after the sync: the directory core knows nothing of userNames).
func (a *App) setSCIMUserName(ctx context.Context, id reportline.UserID, name string) error {
	return a.store.Write(ctx, func(tx Tx) error { return tx.SetSCIMUserName(ctx, id, strings.TrimSpace(name)) })
}

// scimField names a sync problem's field as the SCIM client knows it.
func scimField(f string) string {
	switch f {
	case "email":
		return "userName"
	case "external_id":
		return "externalId"
	}
	return f
}

func randomHex() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
