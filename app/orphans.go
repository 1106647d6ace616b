package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// The orphans report lists active managees left without a manager who
// counts: every manager is inactive, every link has ended (a temporary link
// past its end), or they have no link in effect at all (links that start
// later, or every link removed). Both kinds of links count as managers; a
// managee with one active, current functional manager is not an orphan.
// Links are the effective links of effective.go.

// OrphanReason says why a managee is in the report.
type OrphanReason string

// The reasons.
const (
	// OrphanInactive: every manager is inactive.
	OrphanInactive OrphanReason = "inactive"
	// OrphanExpired: every link has ended.
	OrphanExpired OrphanReason = "expired"
	// OrphanMissing: no manager at all: every link was removed, or the
	// links start later.
	OrphanMissing OrphanReason = "missing"
	// OrphanMixed: each link fails for one of the reasons above, not all
	// for the same one.
	OrphanMixed OrphanReason = "mixed"
)

// Valid reports whether r is a known reason.
func (r OrphanReason) Valid() bool {
	return r == OrphanInactive || r == OrphanExpired || r == OrphanMissing || r == OrphanMixed
}

// The problems of one link of an orphan.
const (
	LinkManagerInactive = "manager_inactive"
	LinkEnded           = "ended"
	LinkNotStarted      = "not_started"
)

// OrphanLink is one of an orphan's links and what is wrong with it.
type OrphanLink struct {
	Link    reportline.Link
	Manager reportline.User
	Problem string // LinkManagerInactive, LinkEnded or LinkNotStarted
}

// Orphan is one managee of the report.
type Orphan struct {
	User   reportline.User
	Reason OrphanReason
	Links  []OrphanLink // empty when every link was removed
	// LastRemoval is when their last link was removed, for a managee
	// with no links left.
	LastRemoval time.Time
	Message     string // the reason in one sentence
}

// OrphanFilter selects a page of the report.
type OrphanFilter struct {
	Group   reportline.GroupID // only members of this group and its descendants; 0: every group the actor administrates
	Reason  OrphanReason       // only this reason; "" for all
	AfterID reportline.UserID  // keyset: managees with a larger id
	Limit   int                // 50 when 0, at most 500
}

// OrphanPage is one page of the report, ordered by user id.
type OrphanPage struct {
	Orphans []Orphan
	Next    reportline.UserID // pass as AfterID for the next page; 0 on the last page
	Scanned int               // how many active users this page looked at
}

// orphanScan is how many users one step of the report reads. A page scans
// the members in id order until it has found its orphans, so a page of an
// organisation with few orphans reads it all: about four queries per 500
// users.
const orphanScan = 1000

// Orphans returns a page of the managees whose managers are all inactive,
// expired or missing: all of them for platform admins, the members of the
// groups they administrate for admins and user admins; others are refused.
func (a *App) Orphans(ctx context.Context, actor Actor, f OrphanFilter) (OrphanPage, error) {
	var out OrphanPage
	if f.Reason != "" && !f.Reason.Valid() {
		return out, reportline.FieldError("reason", string(f.Reason), "reason must be one of inactive, expired, missing, mixed")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	err := a.orphansStore().Read(ctx, func(tx orphansTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ReadOrphans, policy.Target{}); err != nil {
			return err
		}
		if f.Group != 0 {
			if _, err := tx.Group(ctx, f.Group); err != nil {
				return err
			}
		}
		groups, err := visibleGroups(ctx, tx, ac, f.Group)
		if err != nil {
			return err
		}
		if groups != nil && len(groups) == 0 {
			return usecase.Forbidden("you do not administrate this group").Say("error.policy.not_group_admin", nil)
		}
		view, err := a.linkView(ctx, tx)
		if err != nil {
			return err
		}
		now := a.now()
		after := f.AfterID
		for {
			users, err := tx.ActiveUsersAfter(ctx, groups, after, orphanScan)
			if err != nil {
				return err
			}
			found, err := a.orphansAmong(ctx, tx, view, users, now)
			if err != nil {
				return err
			}
			for _, o := range found {
				if f.Reason != "" && o.Reason != f.Reason {
					continue
				}
				if len(out.Orphans) == limit {
					// One more was found: the next page starts after
					// the last one shown.
					out.Next = out.Orphans[limit-1].User.ID
					return nil
				}
				out.Orphans = append(out.Orphans, o)
			}
			out.Scanned += len(users)
			if len(users) < orphanScan {
				return nil
			}
			after = users[len(users)-1].ID
		}
	})
	return out, err
}

// orphansAmong returns the orphans among active users, in their order.
func (a *App) orphansAmong(ctx context.Context, tx orphansTx, v *linkView, users []reportline.User, now time.Time) ([]Orphan, error) {
	if len(users) == 0 {
		return nil, nil
	}
	ids := make([]reportline.UserID, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	links, err := v.managersOfMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	var managers, unlinked []reportline.UserID
	for _, id := range ids {
		if len(links[id]) == 0 {
			unlinked = append(unlinked, id)
		}
		for _, l := range links[id] {
			managers = append(managers, l.ManagerID)
		}
	}
	byID, err := tx.UsersByIDs(ctx, managers)
	if err != nil {
		return nil, err
	}
	removed, err := tx.LastLinkRemovals(ctx, unlinked)
	if err != nil {
		return nil, err
	}
	var out []Orphan
	for _, u := range users {
		o := Orphan{User: u}
		ok := false
		for _, l := range links[u.ID] {
			m := byID[l.ManagerID]
			ol := OrphanLink{Link: l, Manager: m}
			switch {
			case !l.ValidUntil.IsZero() && !now.Before(l.ValidUntil):
				ol.Problem = LinkEnded
			case !l.ValidFrom.IsZero() && now.Before(l.ValidFrom):
				ol.Problem = LinkNotStarted
			case !m.Active():
				ol.Problem = LinkManagerInactive
			default:
				ok = true
			}
			o.Links = append(o.Links, ol)
		}
		if ok {
			continue
		}
		if len(o.Links) == 0 {
			at, had := removed[u.ID]
			if !had {
				continue // never a managee
			}
			o.Reason, o.LastRemoval = OrphanMissing, at
			o.Message = fmt.Sprintf("no manager since %s: every link was removed", at.Format(time.DateOnly))
		} else {
			o.Reason, o.Message = describeOrphan(o.Links)
		}
		out = append(out, o)
	}
	return out, nil
}

// describeOrphan gives the reason of a managee whose every link fails.
func describeOrphan(links []OrphanLink) (OrphanReason, string) {
	count := map[string]int{}
	var parts []string
	for _, l := range links {
		count[l.Problem]++
		name := l.Manager.Email
		switch l.Problem {
		case LinkManagerInactive:
			parts = append(parts, name+" is inactive")
		case LinkEnded:
			parts = append(parts, fmt.Sprintf("the link to %s ended on %s", name, l.Link.ValidUntil.Format(time.DateOnly)))
		case LinkNotStarted:
			parts = append(parts, fmt.Sprintf("the link to %s starts on %s", name, l.Link.ValidFrom.Format(time.DateOnly)))
		}
	}
	msg := strings.Join(parts, "; ")
	switch len(links) {
	case count[LinkManagerInactive]:
		return OrphanInactive, "every manager is inactive: " + msg
	case count[LinkEnded]:
		return OrphanExpired, "every link has ended: " + msg
	case count[LinkNotStarted]:
		return OrphanMissing, "no manager yet: " + msg
	}
	return OrphanMixed, "no manager who counts: " + msg
}
