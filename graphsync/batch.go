package graphsync

import (
	"path"
	"slices"
	"strings"

	"reportline"
)

// Batch maps the round to what the directory sync applies: Graph's object
// id is the external id, mail (else an address-shaped userPrincipalName) the
// email, jobTitle the position, department the org unit, accountEnabled the
// status, and the manager's object id the manager. Guests (userType Guest)
// are left out, as if not in the directory: see BatchWith.
func (r Round) Batch() reportline.DirectoryBatch { return r.BatchWith(BatchOptions{}) }

// BatchOptions says which users a batch keeps.
type BatchOptions struct {
	IncludeGuests bool // keep userType Guest (B2B guests are not the company's people)
	// Exclude lists patterns (path.Match globs, any case) of the
	// userPrincipalName or mail of entries that are not people: room and
	// equipment mailboxes, shared and service accounts, which Graph's user
	// object does not tell apart. A malformed pattern matches nothing
	// (config.Graph refuses them at start).
	Exclude []string
}

// excluded reports whether one of the patterns matches the user's
// userPrincipalName or mail.
func (o BatchOptions) excluded(u User) bool {
	for _, p := range o.Exclude {
		p = strings.ToLower(p)
		for _, name := range []string{u.UserPrincipalName, u.Mail} {
			if ok, _ := path.Match(p, strings.ToLower(name)); ok && name != "" {
				return true
			}
		}
	}
	return false
}

// BatchWith is Batch with options. An entry left out of a delta round (a
// guest, an excluded name) is listed as removed, so a member who became a
// guest, or a mailbox excluded after it was synced, is deactivated.
func (r Round) BatchWith(o BatchOptions) reportline.DirectoryBatch {
	b := reportline.DirectoryBatch{Source: reportline.SourceGraph, Full: r.Full, Removed: slices.Clone(r.Removed),
		Users: make([]reportline.DirectoryUser, 0, len(r.Users))}
	for _, u := range r.Users {
		if (!o.IncludeGuests && strings.EqualFold(u.UserType, "Guest")) || o.excluded(u) {
			if !r.Full {
				b.Removed = append(b.Removed, u.ID)
			}
			continue
		}
		b.Users = append(b.Users, u.Directory())
	}
	return b
}

// Directory maps one user.
func (u User) Directory() reportline.DirectoryUser {
	return reportline.DirectoryUser{
		ExternalID: u.ID, Email: u.Email(), FirstName: u.GivenName, LastName: u.Surname,
		Position: u.JobTitle, OrgUnit: u.Department, Active: u.AccountEnabled, ManagerExternalID: u.ManagerID,
	}
}

// Email is the user's mail, else their userPrincipalName when that is an
// address people can receive mail at. A guest's UPN
// (alice_fabrikam.com#EXT#@contoso.onmicrosoft.com) is not; an entry with
// neither gets "" and the sync reports it.
func (u User) Email() string {
	if u.Mail != "" {
		return u.Mail
	}
	if upn := u.UserPrincipalName; !strings.Contains(strings.ToUpper(upn), "#EXT#") {
		if _, err := reportline.NormalizeEmail(upn); err == nil {
			return upn
		}
	}
	return ""
}
