package directory

import (
	"context"
	"time"

	"reportline"
)

// Tx is the storage the directory sync needs: identities, runs and their
// changes, users in batches, and the line links a sync owns.
type Tx interface {
	OwnerTx

	// DirectoryIdentities returns the user of each of the source's external
	// ids that has one; a nil list returns every identity of the source.
	DirectoryIdentities(ctx context.Context, source reportline.Source, externalIDs []string) (map[string]reportline.UserID, error)
	// DirectoryIdentitiesOfUsers returns the source's external id of each
	// given user that has one.
	DirectoryIdentitiesOfUsers(ctx context.Context, source reportline.Source, users []reportline.UserID) (map[reportline.UserID]string, error)
	// PutDirectoryIdentities records identities, each replacing what its
	// source said before about the same external id or the same user.
	PutDirectoryIdentities(ctx context.Context, ids []reportline.DirectoryIdentity) error

	// CreateUsers and UpdateUsers are the batch forms of CreateUser and
	// UpdateUser.
	CreateUsers(ctx context.Context, users []*reportline.User) error
	UpdateUsers(ctx context.Context, users []*reportline.User) error

	// AppendDirectoryChanges records the user changes of a run (its audit);
	// DirectoryChanges reads back the first limit of them and their number.
	AppendDirectoryChanges(ctx context.Context, changes []reportline.DirectoryChange) error
	DirectoryChanges(ctx context.Context, runID int64, limit int) ([]reportline.DirectoryChange, int, error)

	// CreateSyncRun records a run that starts; FinishSyncRun its outcome.
	// FormerAdminWithEmail returns the platform admin whose email a
	// directory changed away from email, the latest; NotFound when none.
	FormerAdminWithEmail(ctx context.Context, email string) (reportline.UserID, error)
	// CountDirectoryUsers returns how many active users a source knows.
	CountDirectoryUsers(ctx context.Context, source reportline.Source) (int, error)
	// CountDirectoryChanges returns how many user changes of the action a
	// source recorded at or after since.
	CountDirectoryChanges(ctx context.Context, source reportline.Source, action reportline.SyncAction, since time.Time) (int, error)
	CreateSyncRun(ctx context.Context, r *reportline.SyncRun) error
	FinishSyncRun(ctx context.Context, r reportline.SyncRun) error
	SyncRun(ctx context.Context, id int64) (reportline.SyncRun, error)
	// SyncRuns returns the latest runs of a source ("" for all), newest first.
	SyncRuns(ctx context.Context, source reportline.Source, limit int) ([]reportline.SyncRun, error)

	// Setting and PutSetting read and write a system setting (a delta
	// cursor, a confirmation); Setting returns NotFound when it was never
	// set.
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error

	UsersByEmails(ctx context.Context, emails []string) (map[string]reportline.User, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)

	LinksOfManagees(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)
	LineManagers(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error)
	EachLink(ctx context.Context, fn func(reportline.Link) error) error
	LockLinks(ctx context.Context) error
	ApplyLinkChanges(ctx context.Context, c reportline.LinkChanges) error
}

// OwnerTx is the storage that says which links a directory owns
// (SourcesOn, OwnedLinks), for the use cases that change links by hand or
// by import.
type OwnerTx interface {
	// ProvisioningClients lists the SCIM clients (SCIM is on while one
	// exists).
	ProvisioningClients(ctx context.Context) ([]reportline.ProvisioningClient, error)
	Links(ctx context.Context, f reportline.LinkFilter) ([]reportline.Link, error)
	// Setting reads a tenant's setting (its own directory sources are on
	// when its settings name them); NotFound when never written.
	Setting(ctx context.Context, key string) (string, error)
}
