package app

import (
	"context"
	"time"

	"reportline"
)

// orgTx is the storage the Assign role mode and the org structure need
// (see org.go and effective.go). Units and positions are matched to users
// by reportline.OrgKey; the store computes that key in SQL with the very
// same rule.
type orgTx interface {
	settingsTx

	OrgUnit(ctx context.Context, id reportline.OrgUnitID) (reportline.OrgUnit, error)
	OrgUnitByKey(ctx context.Context, key string) (reportline.OrgUnit, error)
	OrgUnits(ctx context.Context) ([]reportline.OrgUnit, error)
	// OrgUnitChildren and OrgUnitChildCounts take 0 for the top.
	OrgUnitChildren(ctx context.Context, parents []reportline.OrgUnitID) ([]reportline.OrgUnit, error)
	OrgUnitChildCounts(ctx context.Context, parents []reportline.OrgUnitID) (map[reportline.OrgUnitID]int, error)
	CountOrgUnits(ctx context.Context) (int, error)
	// OrgUnitAncestors returns the unit, its parent, …, the root.
	OrgUnitAncestors(ctx context.Context, id reportline.OrgUnitID) ([]reportline.OrgUnit, error)
	// OrgUnitChainsByKeys is OrgUnitAncestors of the units whose names
	// have the keys; keys that name no unit are absent.
	OrgUnitChainsByKeys(ctx context.Context, keys []string) (map[string][]reportline.OrgUnit, error)
	CreateOrgUnit(ctx context.Context, u *reportline.OrgUnit) error
	UpdateOrgUnit(ctx context.Context, u reportline.OrgUnit) error
	DeleteOrgUnit(ctx context.Context, id reportline.OrgUnitID) error
	RenameOrgUnitMembers(ctx context.Context, oldKey, name string) (int64, error)

	ManagerPositions(ctx context.Context) ([]string, error)
	SetManagerPositions(ctx context.Context, titles []string) error
	HeldPositions(ctx context.Context, limit int) ([]reportline.PositionCount, error)

	OrgMembers(ctx context.Context, f reportline.OrgMemberFilter) ([]reportline.OrgMember, error)
	EachOrgMember(ctx context.Context, fn func(reportline.OrgMember) error) error
	OrgCounts(ctx context.Context, unitKeys []string) (map[string]reportline.OrgCounts, error)

	// ManagersWithLineManagees returns which of managers are, at instant
	// at, the active manager of an active user through a stored line link
	// in effect.
	ManagersWithLineManagees(ctx context.Context, managers []reportline.UserID, at time.Time) (map[reportline.UserID]bool, error)
}
