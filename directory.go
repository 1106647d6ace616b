package reportline

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// DirectoryUser is one user as a directory (LDAP / Active Directory,
// Microsoft Graph, a SCIM client) describes them. Every field is what the
// directory says; a sync overwrites ours with it.
type DirectoryUser struct {
	// ExternalID is the directory's stable id of the entry (entryUUID or
	// objectGUID, Graph id, SCIM externalId). It is how the next sync finds
	// the same user again, whatever else changed.
	ExternalID string
	Email      string
	FirstName  string
	LastName   string
	Position   string
	OrgUnit    string
	Active     bool
	// ManagerExternalID is the manager's ExternalID in the same directory;
	// "" means no manager.
	ManagerExternalID string
	// ManagerID names the manager by our own user id instead (SCIM clients
	// may send it); 0 when not given. It wins over ManagerExternalID.
	ManagerID UserID
}

// DirectoryBatch is what one sync hands to the core service: some or all of
// a directory's users.
type DirectoryBatch struct {
	Source Source // SourceLDAP, SourceGraph or SourceSCIM
	Users  []DirectoryUser
	// Removed lists external ids deleted in the directory (delta syncs,
	// SCIM DELETE). Their users are deactivated, never deleted.
	Removed []string
	// Full says Users is the whole directory: this source's users missing
	// from it are deactivated.
	Full bool
}

// MaxExternalIDLength bounds a directory's external id.
const MaxExternalIDLength = 255

// Validate checks the batch as a whole. A single user's bad fields are not
// an error of the batch: the sync skips that user and reports a problem.
func (b DirectoryBatch) Validate() error {
	if !b.Source.Directory() {
		return FieldError("source", string(b.Source), "source %q is not a directory (want %q, %q or %q)", b.Source, SourceLDAP, SourceGraph, SourceSCIM)
	}
	return nil
}

// Normalize checks one directory user's own fields and returns it with its
// email normalised and its text fields trimmed. The problem it returns names
// the field at fault.
func (d DirectoryUser) Normalize() (DirectoryUser, *SyncProblem) {
	d.ExternalID = strings.TrimSpace(d.ExternalID)
	bad := func(field, reason string, args ...any) (DirectoryUser, *SyncProblem) {
		return d, &SyncProblem{ExternalID: d.ExternalID, Email: d.Email, Field: field, Code: ProblemInvalid, Reason: fmt.Sprintf(reason, args...)}
	}
	if d.ExternalID == "" {
		return bad("external_id", "the directory entry has no external id")
	}
	if len(d.ExternalID) > MaxExternalIDLength {
		return bad("external_id", "external id is longer than %d characters", MaxExternalIDLength)
	}
	email, err := NormalizeEmail(d.Email)
	if err != nil {
		return bad("email", "%s", ErrorMessage(err))
	}
	if onPremisesDomain(email) {
		return bad("email", "%s is an on-premises sign-in name (UPN), not an email address: map the email to the mail attribute, or give these users a routable UPN suffix", email)
	}
	d.Email = email
	d.FirstName = strings.TrimSpace(d.FirstName)
	d.LastName = strings.TrimSpace(d.LastName)
	d.Position = strings.TrimSpace(d.Position)
	d.OrgUnit = strings.TrimSpace(d.OrgUnit)
	d.ManagerExternalID = strings.TrimSpace(d.ManagerExternalID)
	if err := checkFields(
		textField{"external_id", d.ExternalID, MaxExternalIDLength},
		textField{"first_name", d.FirstName, MaxNameLength},
		textField{"last_name", d.LastName, MaxNameLength},
		textField{"position", d.Position, MaxPositionLength},
		textField{"org_unit", d.OrgUnit, MaxPositionLength},
		textField{"manager_external_id", d.ManagerExternalID, MaxExternalIDLength},
	); err != nil {
		e := err.(*Error)
		return bad(e.Field, "%s", e.Message)
	}
	return d, nil
}

// onPremisesDomain reports an address whose domain cannot receive mail
// from outside: Active Directory's on-premises UPN suffixes such as
// corp.local, or a domain without a dot.
func onPremisesDomain(email string) bool {
	_, domain, _ := strings.Cut(email, "@")
	if !strings.Contains(domain, ".") {
		return true
	}
	for _, tld := range []string{".local", ".localdomain", ".lan", ".internal", ".intranet", ".corp", ".home", ".localhost"} {
		if strings.HasSuffix(domain, tld) {
			return true
		}
	}
	return false
}

// DirectoryIdentity says which of our users a directory entry is. A user may
// be known to several directories (one identity per source) and keeps its
// own ExternalUID, which belongs to the LMS.
type DirectoryIdentity struct {
	Source     Source
	ExternalID string
	UserID     UserID
}

// SyncAction is what a sync did to one user.
type SyncAction string

// The sync actions.
const (
	SyncCreated     SyncAction = "created"
	SyncUpdated     SyncAction = "updated"
	SyncUnchanged   SyncAction = "unchanged"
	SyncDeactivated SyncAction = "deactivated"
	SyncReactivated SyncAction = "reactivated"
	SyncSkipped     SyncAction = "skipped" // a problem kept the user out of this sync
)

// SyncedUser is one user of a sync and what it did to them.
type SyncedUser struct {
	ExternalID string
	UserID     UserID // 0 in a dry run for a user that would be created, and for skipped users
	Email      string
	Action     SyncAction
	Changed    []FieldChange // the user fields that changed (none for unchanged)
}

// FieldChange is one user field changed by a sync.
type FieldChange struct {
	Field  string `json:"field"` // as the /api/v1 user object names it: email, first_name, status…
	Before string `json:"before"`
	After  string `json:"after"`
}

// The codes of sync problems.
const (
	ProblemInvalid        = "invalid"         // the entry's own fields are unusable
	ProblemDuplicate      = "duplicate"       // a second entry with the same external id or email
	ProblemConflict       = "conflict"        // the email belongs to another user known to this directory
	ProblemManagerMissing = "manager_missing" // the manager is not in the directory (or not synced)
	ProblemCycle          = "cycle"           // the manager link would close a reporting-line cycle
	ProblemProtected      = "platform_admin"  // the user is a platform admin, whom directories do not change
)

// SyncHeld is the status of a run that would have deactivated more people
// than the guard allows: nothing of it was applied, and it waits for a
// platform admin's confirmation.
const SyncHeld ImportStatus = "held"

// ErrHeld is wrapped by the error of a sync that was held (SyncHeld).
var ErrHeld = errors.New("held for a platform admin's confirmation")

// SyncProblem is one thing a sync could not do. A user with a problem about
// their own fields is skipped; a manager problem leaves the user synced
// without a manager link.
type SyncProblem struct {
	ExternalID string `json:"external_id"`
	Email      string `json:"email,omitempty"`
	Field      string `json:"field,omitempty"` // email, external_id, manager…
	Code       string `json:"code"`            // one of the Problem* codes
	Reason     string `json:"reason"`          // for people
}

// SyncCounts summarises a sync.
type SyncCounts struct {
	Created        int `json:"created"`
	Updated        int `json:"updated"`
	Unchanged      int `json:"unchanged"`
	Deactivated    int `json:"deactivated"`
	Reactivated    int `json:"reactivated"`
	Skipped        int `json:"skipped"`
	LinksAdded     int `json:"links_added"`
	LinksRemoved   int `json:"links_removed"`
	LinksUpdated   int `json:"links_updated"` // a link of the source whose terms were put back to a plain line link
	LinksUnchanged int `json:"links_unchanged"`
	// Held is the number of deactivations that held the run (SCIM: within
	// the rolling hour); 0 when the run was not held.
	Held int `json:"held,omitempty"`
}

// SyncReport is what one sync did, or would do in a dry run.
type SyncReport struct {
	RunID    int64
	Source   Source
	DryRun   bool
	Started  time.Time
	Finished time.Time
	SyncCounts
	Users    []SyncedUser // one per input user, in input order, then the users deactivated because they are gone
	Links    []SyncLinkChange
	Problems []SyncProblem
}

// SyncLinkChange is one manager link a sync adds, removes or puts back to a
// plain line link.
type SyncLinkChange struct {
	Action       Action // add, remove or update
	ManagerID    UserID // 0 in a dry run for a user that would be created
	ManageeID    UserID
	ManagerEmail string
	ManageeEmail string
}

// SyncRun is the record of one sync, kept whether it succeeded or failed.
type SyncRun struct {
	ID           int64
	Source       Source
	ActorID      UserID // 0 for the system (a scheduled sync)
	DryRun       bool
	Full         bool
	Status       ImportStatus // running, done or failed
	Started      time.Time
	Finished     time.Time // zero while running
	Counts       SyncCounts
	Problems     []SyncProblem // the first MaxRunProblems
	ProblemCount int           // all of them
	Error        string        // why it failed, for people
	// ErrorID and ErrorArgs name Error in the pages' catalogues, as
	// ImportBatch.ErrorID does; the API sends Error.
	ErrorID   string         `json:"-"`
	ErrorArgs map[string]any `json:"-"`
}

// MaxRunProblems bounds the problems kept with a run record; the report of
// the run itself has them all.
const MaxRunProblems = 200

// DirectoryChange is the audit record of one user changed by a sync (link
// changes go to the audit log like any other).
type DirectoryChange struct {
	RunID      int64
	At         time.Time
	Source     Source
	ActorID    UserID
	UserID     UserID
	ExternalID string
	Action     SyncAction
	Changes    []FieldChange
}
