package app

import (
	"context"
	"time"

	"reportline"
)

// accessTx is the storage the capability checks need (see access.go).
type accessTx interface {
	// CapabilityMatrix returns the cells that were set; the others take
	// their default.
	CapabilityMatrix(ctx context.Context) (reportline.Matrix, error)
	// PutCapabilityMatrix writes every cell of m, recording who did.
	PutCapabilityMatrix(ctx context.Context, m reportline.Matrix, by reportline.UserID) error

	// LinksOfManagees and LinksOfManagers are the batch forms of Links
	// filtered by managee or by manager: the stored links of each user,
	// whatever their dates, with one query per level of a walk. Only the
	// effective links' batch forms (effective.go) may call them.
	LinksOfManagees(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)
	LinksOfManagers(ctx context.Context, managers []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)

	// LineAncestry returns, in one query, every stored link of user (any
	// kind) and every line link above them, reached through line links,
	// whatever the links' dates, and the status of every manager they name;
	// the links carry their pair, kind, source and dates only. Only
	// lineAncestry and prefetch (access_walk.go, access_checker.go) may
	// call it.
	LineAncestry(ctx context.Context, user reportline.UserID) ([]reportline.Link, map[reportline.UserID]reportline.Status, error)

	// AccessFacts returns the given users (those that exist) and what
	// LineAncestry returns for user: what a transitive access check needs,
	// in one round trip.
	AccessFacts(ctx context.Context, users [2]reportline.UserID, user reportline.UserID) (map[reportline.UserID]reportline.User, []reportline.Link, map[reportline.UserID]reportline.Status, error)

	// GraphVersion returns the reporting graph's version (graph_index.go).
	GraphVersion(ctx context.Context) (int64, error)
	// EachGraphUser calls fn with every user's id, email, status and
	// platform role; EachGroupAdmin with every user who administrates a
	// group (graph_index.go).
	EachGraphUser(ctx context.Context, fn func(reportline.User) error) error
	EachGroupAdmin(ctx context.Context, fn func(reportline.UserID) error) error

	// UserStatuses returns the status of each given user; unknown users
	// are absent.
	UserStatuses(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.Status, error)
	// ActiveUsersAfter returns up to limit active users with an id above
	// after, ordered by id, members of one of groups (exactly those groups)
	// unless groups is nil; FindUsers without its count.
	ActiveUsersAfter(ctx context.Context, groups []reportline.GroupID, after reportline.UserID, limit int) ([]reportline.User, error)
	// PlatformAdmins returns the active platform admins.
	PlatformAdmins(ctx context.Context) ([]reportline.User, error)
	// GroupAdmins returns the admin and user admin memberships of the
	// groups (not of their descendants).
	GroupAdmins(ctx context.Context, groups []reportline.GroupID) ([]reportline.Membership, error)
	// LastLinkRemovals says when each user last lost a manager (the last
	// removal of a link where they were the managee); users who never did
	// are absent.
	LastLinkRemovals(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID]time.Time, error)
}
