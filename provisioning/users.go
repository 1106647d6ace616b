package provisioning

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"reportline"
	"reportline/directory"
	"reportline/usecase"
)

// User is a user as a SCIM client sees them: the user, their identity
// at the SCIM source (ExternalID, "" when the client never sent one), the
// userName the client gave (the email when it gave none), and the line
// manager the SCIM source set (links from other sources are not the
// client's to manage, and are not shown).
type User = reportline.ProvisionedUser

// UserInput is what a SCIM client says a user is. It is written as a
// one-user directory batch of source scim.
type UserInput struct {
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
	// EmailsSent (JSON) and DisplayName are what the client sent, kept to
	// be shown back as sent.
	EmailsSent  string
	DisplayName string
	// ClearExternalID: the client removed its externalId (the user then
	// keeps a made-up identity, which the client never sees).
	ClearExternalID bool
}

// Lookup narrows a user listing to what an index answers; the zero
// value lists every user.
type Lookup struct {
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
const scimPage = 2000

// scimActor is who SCIM changes are made as: the service, through source
// scim (the audit log and the sync runs say so).
var scimActor = usecase.SystemActor(reportline.SourceSCIM)

// SCIMUser returns one user as the SCIM client sees them.
func (pr *Provisioner) SCIMUser(ctx context.Context, client reportline.ProvisioningClient, id reportline.UserID) (User, error) {
	var out User
	err := pr.store.Read(ctx, func(tx Tx) error {
		users, err := provisioned(ctx, tx, reportline.ProvisionedQuery{ID: id})
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

// SCIMUserPage returns users by id order from a 0-based offset, and how
// many users there are: an unfiltered listing.
func (pr *Provisioner) SCIMUserPage(ctx context.Context, client reportline.ProvisioningClient, offset, limit int) ([]User, int, error) {
	var out []User
	var total int
	err := pr.store.Read(ctx, func(tx Tx) error {
		var err error
		if _, total, err = tx.FindUsers(ctx, reportline.UserFilter{Limit: 1}); err != nil || limit <= 0 {
			return err
		}
		out, err = provisioned(ctx, tx, reportline.ProvisionedQuery{Offset: offset, Limit: limit})
		return err
	})
	return out, total, err
}

// EachSCIMUser calls fn with every user the lookup selects, in id order,
// until fn returns false. Every user of the platform is visible to a
// provisioning client: that is how Entra matches the people it already
// finds here (userName eq "…") before creating anybody.
func (pr *Provisioner) EachSCIMUser(ctx context.Context, client reportline.ProvisioningClient, l Lookup, fn func(User) bool) error {
	return pr.store.Read(ctx, func(tx Tx) error {
		var id reportline.UserID
		switch {
		case l.ID != 0:
			id = l.ID
		case l.ExternalID != "":
			ids, err := tx.DirectoryIdentities(ctx, reportline.SourceSCIM, []string{l.ExternalID})
			if err != nil || strings.HasPrefix(l.ExternalID, generatedPrefix) {
				return err
			}
			if id = ids[l.ExternalID]; id == 0 {
				return nil
			}
		case l.UserName != "":
			var err error
			id, err = tx.UserBySCIMUserName(ctx, l.UserName)
			if reportline.IsCode(err, reportline.NotFound) {
				return nil
			} else if err != nil {
				return err
			}
		}
		q := reportline.ProvisionedQuery{ID: id, Limit: scimPage}
		for {
			page, err := provisioned(ctx, tx, q)
			if err != nil {
				return err
			}
			for _, u := range page {
				if !fn(u) {
					return nil
				}
			}
			if id != 0 || len(page) < scimPage {
				return nil
			}
			q.AfterID = page[len(page)-1].ID
		}
	})
}

// provisioned reads users as the client sees them: a made-up identity is
// hidden, and a user without a userName shows their email.
func provisioned(ctx context.Context, tx Tx, q reportline.ProvisionedQuery) ([]User, error) {
	users, err := tx.ProvisionedUsers(ctx, q)
	for i := range users {
		if strings.HasPrefix(users[i].ExternalID, generatedPrefix) {
			users[i].ExternalID = ""
		}
		if users[i].UserName == "" {
			users[i].UserName = users[i].Email
		}
	}
	return users, err
}

// SCIMCreateUser creates a user from a SCIM client (POST /Users). An email
// or externalId that another user has is a Conflict: a SCIM create never
// adopts an existing person (the client finds them with a filter and
// updates them instead).
func (pr *Provisioner) SCIMCreateUser(ctx context.Context, client reportline.ProvisioningClient, in UserInput) (User, error) {
	d, err := pr.scimPrepare(ctx, 0, in)
	if err != nil {
		return User{}, err
	}
	id, err := pr.scimSync(ctx, client, d)
	if err != nil {
		return User{}, err
	}
	if err := pr.setSCIMUserName(ctx, id, in); err != nil {
		return User{}, err
	}
	return pr.SCIMUser(ctx, client, id)
}

// SCIMReplaceUser makes a user what the SCIM client says (PUT, and PATCH
// once the operations are applied to the user as they were). The client's
// externalId becomes the user's SCIM identity.
func (pr *Provisioner) SCIMReplaceUser(ctx context.Context, client reportline.ProvisioningClient, id reportline.UserID, in UserInput) (User, error) {
	d, err := pr.scimPrepare(ctx, id, in)
	if err != nil {
		return User{}, err
	}
	if _, err := pr.scimSync(ctx, client, d); err != nil {
		return User{}, err
	}
	if err := pr.setSCIMUserName(ctx, id, in); err != nil {
		return User{}, err
	}
	return pr.SCIMUser(ctx, client, id)
}

// SCIMDeactivateUser is DELETE /Users/{id}: the user is deactivated, never
// deleted, and keeps their links, so reactivating restores them.
func (pr *Provisioner) SCIMDeactivateUser(ctx context.Context, client reportline.ProvisioningClient, id reportline.UserID) error {
	u, err := pr.SCIMUser(ctx, client, id)
	if err != nil {
		return err
	}
	in := UserInput{UserName: u.UserName, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Position: u.Position, OrgUnit: u.OrgUnit,
		EmailsSent: u.EmailsSent, DisplayName: u.DisplayName}
	if u.Manager.ID != 0 {
		in.Manager = strconv.FormatInt(int64(u.Manager.ID), 10)
	}
	_, err = pr.SCIMReplaceUser(ctx, client, id, in)
	return err
}

// scimPrepare checks a SCIM write against the users as they are and turns
// it into the directory user to sync: the externalId must not be another
// user's, nor the email; the manager must be a user (by id, else by
// externalId), not the user themself, and not close a reporting-line cycle.
// For an existing user (id != 0) it records the SCIM identity first when it
// changes, so that the sync finds the user by it.
func (pr *Provisioner) scimPrepare(ctx context.Context, id reportline.UserID, in UserInput) (reportline.DirectoryUser, error) {
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
	err = pr.store.Read(ctx, func(tx Tx) error {
		if id != 0 {
			u, err := tx.User(ctx, id)
			if err != nil {
				return err
			}
			if err := pr.scimMayChange(u, d); err != nil {
				return err
			}
			if !pr.dirs.MayChange(u) {
				// A platform admin's userName is their identity at the
				// client: re-addressing it is a change too.
				owner, err := tx.UserBySCIMUserName(ctx, in.UserName)
				if err != nil && !reportline.IsCode(err, reportline.NotFound) {
					return err
				}
				if owner != id && !strings.EqualFold(strings.TrimSpace(in.UserName), u.Email) {
					return &reportline.Error{Code: reportline.Forbidden, Field: "userName",
						Message: fmt.Sprintf("user %d is a platform admin, whom a provisioning client may not change (userName); change them in Reportline, or the operator sets REPORTLINE_DIRECTORY_MAY_CHANGE_PLATFORM_ADMINS=true", u.ID)}
				}
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
		d.ManagerID, d.ManagerExternalID, err = resolveSCIMManager(ctx, tx, in.Manager)
		return err
	})
	if err != nil {
		return d, err
	}
	switch {
	case d.ExternalID == "" && current != "" && (!in.ClearExternalID || strings.HasPrefix(current, generatedPrefix)):
		d.ExternalID = current
	case d.ExternalID == "":
		d.ExternalID = generatedPrefix + randomHex()
	}
	if id != 0 && d.ExternalID != current {
		err = pr.store.Write(ctx, func(tx Tx) error {
			return tx.PutDirectoryIdentities(ctx, []reportline.DirectoryIdentity{{Source: reportline.SourceSCIM, ExternalID: d.ExternalID, UserID: id}})
		})
	}
	return d, err
}

// scimMayChange refuses a SCIM write that would change a platform admin's
// fields or status (unless the guard allows it): platform admins are changed
// only by platform admins. A write that changes nothing of theirs passes.
func (pr *Provisioner) scimMayChange(u reportline.User, d reportline.DirectoryUser) error {
	if pr.dirs.MayChange(u) {
		return nil
	}
	d.ExternalID = "-" // not compared; Normalize wants one
	n, p := d.Normalize()
	if p != nil {
		return nil // the sync reports the entry's own problem
	}
	after := u
	if changes := directory.ApplyFields(&after, n); len(changes) > 0 {
		return &reportline.Error{Code: reportline.Forbidden, Field: changes[0].Field,
			Message: fmt.Sprintf("user %d is a platform admin, whom a provisioning client may not change (%s); change them in Reportline, or the operator sets REPORTLINE_DIRECTORY_MAY_CHANGE_PLATFORM_ADMINS=true", u.ID, directory.FieldNames(changes))}
	}
	return nil
}

// resolveSCIMManager finds the manager a SCIM client names: by our id,
// else by their SCIM externalId. A manager it cannot find is returned as an
// external id, so that the sync reports it missing and keeps the user's
// current link, as LDAP and Graph do; the user themself and a cycle are
// likewise the sync's problems to report, not a refusal of the user.
func resolveSCIMManager(ctx context.Context, tx Tx, value string) (reportline.UserID, string, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, "", nil
	}
	if n, err := strconv.ParseInt(value, 10, 64); err == nil && n > 0 {
		found, err := tx.UsersByIDs(ctx, []reportline.UserID{reportline.UserID(n)})
		if err != nil {
			return 0, "", err
		}
		if _, ok := found[reportline.UserID(n)]; ok {
			return reportline.UserID(n), "", nil
		}
	}
	if !strings.HasPrefix(value, generatedPrefix) {
		owners, err := tx.DirectoryIdentities(ctx, reportline.SourceSCIM, []string{value})
		if err != nil {
			return 0, "", err
		}
		if id := owners[value]; id != 0 {
			return id, "", nil
		}
	}
	return 0, value, nil
}

// scimSync writes one directory user through the directory core, which
// records the run, the user's changes and the audit of its links.
func (pr *Provisioner) scimSync(ctx context.Context, client reportline.ProvisioningClient, d reportline.DirectoryUser) (reportline.UserID, error) {
	rep, err := pr.sync.SyncDirectory(ctx, scimActor, reportline.DirectoryBatch{Source: reportline.SourceSCIM, Users: []reportline.DirectoryUser{d}}, false)
	if err != nil {
		return 0, err
	}
	pr.log.Info("scim write", "client", client.Name, "run", rep.RunID, "external_id", d.ExternalID)
	var id reportline.UserID
	for _, u := range rep.Users {
		if u.ExternalID == d.ExternalID && u.Action != reportline.SyncSkipped {
			id = u.UserID
		}
	}
	var fatal []reportline.SyncProblem
	for _, p := range rep.Problems {
		if p.Field == "manager" && id != 0 {
			// Like LDAP and Graph: the user is synced, the problem is on
			// the run (the directory sync page) and in the log.
			pr.log.Warn("scim manager problem", "client", client.Name, "run", rep.RunID, "user", id, "reason", p.Reason)
			continue
		}
		fatal = append(fatal, p)
	}
	if len(fatal) > 0 {
		p := fatal[0]
		e := &reportline.Error{Code: reportline.Invalid, Field: scimField(p.Field), Message: p.Reason}
		switch p.Code {
		case reportline.ProblemConflict, reportline.ProblemDuplicate:
			e.Code = reportline.Conflict
		case reportline.ProblemProtected:
			e.Code = reportline.Forbidden
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
// The emails and displayName sent are kept with it, to be shown back.
func (pr *Provisioner) setSCIMUserName(ctx context.Context, id reportline.UserID, in UserInput) error {
	return pr.store.Write(ctx, func(tx Tx) error {
		if err := tx.SetSCIMUserName(ctx, id, strings.TrimSpace(in.UserName)); err != nil {
			return err
		}
		return tx.SetSCIMSent(ctx, id, in.EmailsSent, strings.TrimSpace(in.DisplayName))
	})
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
