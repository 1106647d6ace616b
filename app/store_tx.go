package app

import (
	"context"
	"time"

	"reportline"
	"reportline/usecase"
)

// The store interfaces of app's own use cases, by what they own. Tx is
// their union with the feature packages' interfaces; a use case takes the
// narrowest one it needs (docs/architecture.md, "Storage interfaces"), so
// what it touches can be read from its signature.

// userReadTx reads users (store/users.go). Lookups of one user return
// NotFound when it is absent; the maps omit unknown keys.
type userReadTx interface {
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	UserByEmail(ctx context.Context, email string) (reportline.User, error)
	UserByExternalUID(ctx context.Context, uid string) (reportline.User, error)
	UsersByEmails(ctx context.Context, emails []string) (map[string]reportline.User, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
	UsersByExternalUIDs(ctx context.Context, uids []string) (map[string]reportline.User, error)
	FindUsers(ctx context.Context, f reportline.UserFilter) ([]reportline.User, int, error)
}

// usersTx reads and writes users.
type usersTx interface {
	userReadTx
	CreateUser(ctx context.Context, u *reportline.User) error
	UpdateUser(ctx context.Context, u *reportline.User) error
}

// groupsTx is the groups and their memberships (the authority a use case
// loads reads the same).
type groupsTx interface {
	usecase.AuthorityTx
	CreateGroup(ctx context.Context, g *reportline.Group) error
	Group(ctx context.Context, id reportline.GroupID) (reportline.Group, error)
	SetMembership(ctx context.Context, m reportline.Membership) error
	DeleteMembership(ctx context.Context, group reportline.GroupID, user reportline.UserID) error
}

// linkReadTx reads the stored links (in "positions" mode the line links
// that count are derived: effective.go says which links count).
type linkReadTx interface {
	Link(ctx context.Context, p reportline.Pair) (reportline.Link, error)
	Links(ctx context.Context, f reportline.LinkFilter) ([]reportline.Link, error)
	LineManagers(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error)
	LinkedUsers(ctx context.Context, user reportline.UserID, dir reportline.Direction) ([]reportline.LinkedUser, error)
	EachLink(ctx context.Context, fn func(reportline.Link) error) error
	CountLinks(ctx context.Context) (int, error)
	EachLinkRow(ctx context.Context, fn func(reportline.LinkRow) error) error
}

// linksTx reads and changes the stored links. LockLinks serialises the
// writers whose cycle check must see every other writer's links.
type linksTx interface {
	linkReadTx
	InsertLink(ctx context.Context, l reportline.Link) error
	UpdateLink(ctx context.Context, l reportline.Link) error
	DeleteLink(ctx context.Context, p reportline.Pair) error
	LockLinks(ctx context.Context) error
	ApplyLinkChanges(ctx context.Context, c reportline.LinkChanges) error
}

// linkHistoryTx reads the link history (issue 19, docs/orgchart.md): the
// periods of every link, as of an instant.
type linkHistoryTx interface {
	LinksAsOf(ctx context.Context, dir reportline.Direction, users []reportline.UserID, at time.Time) ([]reportline.LinkPeriod, error)
	LinkPeriods(ctx context.Context, user reportline.UserID) ([]reportline.LinkPeriod, error)
	HistoryStart(ctx context.Context) (time.Time, error)
	EachLinkRowAsOf(ctx context.Context, at time.Time, fn func(reportline.LinkRow) error) error
}

// auditTx is the record of what changed: the audit log of link changes and
// the change log of every other mutation (usecase.Record writes it).
type auditTx interface {
	usecase.ChangeTx
	AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error
	Audit(ctx context.Context, f reportline.AuditFilter) ([]reportline.AuditEntry, error)
	Changes(ctx context.Context, f reportline.ChangeFilter) ([]reportline.Change, error)
}

// scimGroupTx is what a provisioning client says of groups: the directory
// groups mapped onto groups, and the members it provisioned.
type scimGroupTx interface {
	PutSCIMGroup(ctx context.Context, g reportline.SCIMGroup) error
	DeleteSCIMGroup(ctx context.Context, id reportline.GroupID) error
	RenameGroup(ctx context.Context, id reportline.GroupID, name string) error
	SetSCIMMembership(ctx context.Context, group reportline.GroupID, user reportline.UserID, on bool) error
	SCIMGroups(ctx context.Context, id reportline.GroupID) ([]reportline.SCIMGroup, error)
	SCIMMemberships(ctx context.Context, group reportline.GroupID) (map[reportline.UserID]bool, error)
}

// credentialTx is passwords and API tokens, tokens found by their hash.
type credentialTx interface {
	SetPasswordHash(ctx context.Context, user reportline.UserID, hash string) error
	PasswordHash(ctx context.Context, user reportline.UserID) (string, error)
	CreateToken(ctx context.Context, t *reportline.APIToken) error
	TokenByHash(ctx context.Context, hash []byte) (reportline.APIToken, error)
	TokenUser(ctx context.Context, hash []byte) (reportline.APIToken, reportline.User, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// sessionTx is the signed-in sessions, found by their hash.
type sessionTx interface {
	CreateSession(ctx context.Context, s reportline.Session) error
	SessionByHash(ctx context.Context, hash []byte) (reportline.Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteExpiredSessions(ctx context.Context, t time.Time) error
}
