// Package provisioning is SCIM 2.0 provisioning's use cases: the clients
// and their tokens, users as a SCIM client sees them (created, replaced,
// deactivated, matched by userName and externalId, their manager), and
// groups and their members. Users go through the directory sync (package
// directory), so its rules and its guard hold for SCIM too.
//
// Package scim speaks the protocol; package app embeds the Provisioner, so
// its use cases are App's.
package provisioning

import (
	"context"
	"log/slog"
	"time"

	"reportline"
	"reportline/directory"
	"reportline/policy"
	"reportline/usecase"
)

// ClientTx is the storage of the provisioning clients.
type ClientTx interface {
	CreateProvisioningClient(ctx context.Context, c *reportline.ProvisioningClient) error
	ProvisioningClientByHash(ctx context.Context, hash []byte) (reportline.ProvisioningClient, error)
	ProvisioningClients(ctx context.Context) ([]reportline.ProvisioningClient, error)
	DeleteProvisioningClient(ctx context.Context, name string) error
	TouchProvisioningClient(ctx context.Context, id int64, at time.Time) error
}

// Tx is the storage of SCIM users and groups: users as a client sees them,
// their identities, and the groups a client provisions with their members.
type Tx interface {
	usecase.AuthorityTx
	usecase.ChangeTx

	ProvisionedUsers(ctx context.Context, q reportline.ProvisionedQuery) ([]reportline.ProvisionedUser, error)
	SetSCIMUserName(ctx context.Context, user reportline.UserID, name string) error
	SetSCIMSent(ctx context.Context, user reportline.UserID, emails, displayName string) error
	UserBySCIMUserName(ctx context.Context, name string) (reportline.UserID, error)
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	UserByEmail(ctx context.Context, email string) (reportline.User, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
	FindUsers(ctx context.Context, f reportline.UserFilter) ([]reportline.User, int, error)
	DirectoryIdentities(ctx context.Context, source reportline.Source, externalIDs []string) (map[string]reportline.UserID, error)
	DirectoryIdentitiesOfUsers(ctx context.Context, source reportline.Source, users []reportline.UserID) (map[reportline.UserID]string, error)
	PutDirectoryIdentities(ctx context.Context, ids []reportline.DirectoryIdentity) error

	Group(ctx context.Context, id reportline.GroupID) (reportline.Group, error)
	CreateGroup(ctx context.Context, g *reportline.Group) error
	RenameGroup(ctx context.Context, id reportline.GroupID, name string) error
	PutSCIMGroup(ctx context.Context, g reportline.SCIMGroup) error
	DeleteSCIMGroup(ctx context.Context, id reportline.GroupID) error
	SCIMGroups(ctx context.Context, id reportline.GroupID) ([]reportline.SCIMGroup, error)
	MappedSCIMGroups(ctx context.Context) ([]reportline.SCIMGroup, error)
	SetMembership(ctx context.Context, m reportline.Membership) error
	DeleteMembership(ctx context.Context, group reportline.GroupID, user reportline.UserID) error
	SetSCIMMembership(ctx context.Context, group reportline.GroupID, user reportline.UserID, on bool) error
	SCIMMemberships(ctx context.Context, group reportline.GroupID) (map[reportline.UserID]bool, error)
}

// Provisioner is SCIM provisioning's use cases, ready for concurrent
// callers.
type Provisioner struct {
	store   usecase.Store[Tx]
	clients usecase.Store[ClientTx]
	now     func() time.Time
	log     *slog.Logger
	dirs    directory.Guard
	sync    *directory.Syncer
}

// New returns SCIM provisioning over its stores, with the clock, the
// logger, the directory guard and the directory sync that applies users.
func New(store usecase.Store[Tx], clients usecase.Store[ClientTx], now func() time.Time, log *slog.Logger, guard directory.Guard, sync *directory.Syncer) *Provisioner {
	return &Provisioner{store: store, clients: clients, now: now, log: log, dirs: guard, sync: sync}
}

// record appends a change to the change log for the actor, now.
func (pr *Provisioner) record(ctx context.Context, tx usecase.ChangeTx, actor usecase.Actor, action policy.Action, c reportline.Change) error {
	return usecase.Record(ctx, tx, pr.now(), actor, action, c)
}
