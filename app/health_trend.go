package app

import (
	"context"
	"slices"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// The health centre's counts over time (issue 19; docs/orgchart.md). They
// are replayed from the link history at the end of each of the last weeks,
// over the same scope and by the same rules as HierarchyHealth's counts
// today, rather than kept in a daily snapshot table written by the
// scheduler, because:
//
//   - a snapshot is one tenant-wide set of counts, but the centre's counts
//     are the caller's scope (a group admin sees their groups' members
//     only): a snapshot per scope would have to be one per admin and group,
//     and a tenant-wide one would reveal counts outside the scope;
//   - the history answers from the day it starts (link_history, migration
//     0020), so a new tenant sees twelve weeks at once, not a curve that
//     fills in one day at a time; a snapshot starts the day it is deployed;
//   - no new table, no job, nothing to keep in step with the rules.
//
// Its limits, which the page states: statuses have no history, so the
// counts that depend on them (inactive managers, only inactive managers)
// apply today's statuses to the links of then, and the people counted are
// those in scope today; weeks before the history starts are shown as
// unknown; and the replay reads the history once per week, so it is done
// for scopes up to HealthTrendMax people (the page says when it is not).

// HealthTrendMax bounds the people a replay of the counts covers.
const HealthTrendMax = 20_000

// HealthTrendWeeks is how many weeks the counts over time show.
const HealthTrendWeeks = 12

// HealthPoint is the counts at one instant.
type HealthPoint struct {
	At     time.Time
	Known  bool // false before the link history starts: no counts
	Counts map[HealthProblem]int
}

// HealthTrend is the counts of the link problems over the last weeks.
type HealthTrend struct {
	Points       []HealthPoint // oldest first; the last is now
	HistoryStart time.Time     // zero when every link's history comes from its changes
	TooLarge     bool          // more than HealthTrendMax people in scope: no points
	Problems     []HealthProblem
}

// HierarchyHealthTrend replays the counts of HierarchyHealth (all but the
// directory's) at the end of each of the last weeks days, and now, from
// the link history, over the people the caller may list within group.
func (a *App) HierarchyHealthTrend(ctx context.Context, actor Actor, group reportline.GroupID, weeks int) (HealthTrend, error) {
	out := HealthTrend{Problems: []HealthProblem{HealthNoManager, HealthInactiveManager, HealthOnlyInactive, HealthFunctionalOnly, HealthWideSpan}}
	now := a.now()
	err := a.healthStore().Read(ctx, func(tx healthTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ReadOrphans, policy.Target{}); err != nil {
			return err
		}
		if group != 0 {
			if _, err := tx.Group(ctx, group); err != nil {
				return err
			}
		}
		groups, err := visibleGroups(ctx, tx, ac, group)
		if err != nil {
			return err
		}
		if groups != nil && len(groups) == 0 {
			return usecase.Forbidden("you do not administrate this group").Say("error.policy.not_group_admin", nil)
		}
		var ids []reportline.UserID
		var after reportline.UserID
		for {
			users, err := tx.ActiveUsersAfter(ctx, groups, after, orphanScan)
			if err != nil {
				return err
			}
			for _, u := range users {
				ids = append(ids, u.ID)
			}
			if len(ids) > HealthTrendMax {
				out.TooLarge = true
				return nil
			}
			if len(users) < orphanScan {
				break
			}
			after = users[len(users)-1].ID
		}
		if out.HistoryStart, err = tx.HistoryStart(ctx); err != nil {
			return err
		}
		view, err := a.linkView(ctx, tx)
		if err != nil {
			return err
		}
		active := map[reportline.UserID]bool{} // managers' statuses, today's
		for w := weeks - 1; w >= 0; w-- {
			at := now.AddDate(0, 0, -7*w)
			p := HealthPoint{At: at, Counts: map[HealthProblem]int{}}
			if !out.HistoryStart.IsZero() && at.Before(out.HistoryStart) {
				out.Points = append(out.Points, p)
				continue
			}
			p.Known = true
			links, err := view.historic(at).managersOfMany(ctx, ids)
			if err != nil {
				return err
			}
			if err := managerStatuses(ctx, tx, links, active); err != nil {
				return err
			}
			countHealth(ids, links, at, active, p.Counts)
			out.Points = append(out.Points, p)
		}
		return nil
	})
	return out, err
}

// managerStatuses adds the statuses of the managers not known yet.
func managerStatuses(ctx context.Context, tx healthTx, links map[reportline.UserID][]reportline.Link, active map[reportline.UserID]bool) error {
	var need []reportline.UserID
	for _, ls := range links {
		for _, l := range ls {
			if _, ok := active[l.ManagerID]; !ok {
				need = append(need, l.ManagerID)
			}
		}
	}
	slices.Sort(need)
	need = slices.Compact(need)
	found, err := tx.UsersByIDs(ctx, need)
	if err != nil {
		return err
	}
	for id, u := range found {
		active[id] = u.Active()
	}
	return nil
}

// countHealth counts the link problems of the people ids at instant at by
// HierarchyHealth's rules: a manager unknown to the users table is not
// counted as a manager of either kind.
func countHealth(ids []reportline.UserID, links map[reportline.UserID][]reportline.Link, at time.Time,
	active map[reportline.UserID]bool, counts map[HealthProblem]int) {
	span := map[reportline.UserID]int{}
	inactive := map[reportline.UserID]bool{}
	for _, u := range ids {
		var inEffect, act, line int
		for _, l := range links[u] {
			if !l.InEffect(at) {
				continue
			}
			inEffect++
			on, known := active[l.ManagerID]
			if !known {
				continue
			}
			if !on {
				inactive[l.ManagerID] = true
				continue
			}
			act++
			span[l.ManagerID]++
			if l.Kind == reportline.Line {
				line++
			}
		}
		switch {
		case inEffect == 0:
			counts[HealthNoManager]++
		case act == 0:
			counts[HealthOnlyInactive]++
		case line == 0:
			counts[HealthFunctionalOnly]++
		}
	}
	counts[HealthInactiveManager] = len(inactive)
	for _, n := range span {
		if n >= WideSpan {
			counts[HealthWideSpan]++
		}
	}
}
