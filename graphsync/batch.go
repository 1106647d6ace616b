package graphsync

import (
	"strings"

	"reportline"
)

// Batch maps the round to what the directory sync applies: Graph's object
// id is the external id, mail (else an address-shaped userPrincipalName) the
// email, jobTitle the position, department the org unit, accountEnabled the
// status, and the manager's object id the manager.
func (r Round) Batch() reportline.DirectoryBatch {
	b := reportline.DirectoryBatch{Source: reportline.SourceGraph, Full: r.Full, Removed: r.Removed,
		Users: make([]reportline.DirectoryUser, len(r.Users))}
	for i, u := range r.Users {
		b.Users[i] = u.Directory()
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
