package app

import (
	"context"
	"slices"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// The hierarchy health centre (issue 19; docs/orgchart.md) extends the
// orphans report: one scan of the active people the caller may list (the
// orphans.read row: platform admins everyone, group and user admins the
// members of the groups they administrate) counts what is wrong with the
// reporting lines today, each problem with a few examples; the directory
// syncs' problems are added for those who may operate the platform. Every
// count is over the caller's scope only: a manager outside it, an inactive
// one included, is counted through the people in scope they manage, and a
// span is the number of reports in scope, so no count reveals anybody the
// caller may not see.

// WideSpan is the number of direct reports in effect from which a
// manager's span counts as very wide. Twelve to fifteen is the common
// ceiling of a manageable team; beyond twenty the manager's one-to-ones
// alone fill the week.
const WideSpan = 20

// healthMaxScan bounds the people one visit of the centre checks; past it
// the page says how many were checked.
const healthMaxScan = 100_000

// healthExamples is how many people each problem names.
const healthExamples = 5

// HealthProblem names a problem of the centre.
type HealthProblem string

// The problems.
const (
	HealthNoManager       HealthProblem = "no_manager"       // active, no manager in effect
	HealthInactiveManager HealthProblem = "inactive_manager" // inactive, still manager of active people in scope
	HealthOnlyInactive    HealthProblem = "only_inactive"    // every manager in effect is inactive
	HealthFunctionalOnly  HealthProblem = "functional_only"  // managers in effect, none of them line
	HealthWideSpan        HealthProblem = "wide_span"        // at least WideSpan direct reports in effect
	// HealthLeaverFlagged: flagged when their manager left (leaver_flags)
	// and still without an active manager in effect. Computed, not
	// cleared: whichever write gives them a manager again (by hand, an
	// import, a plan, a directory sync, a later leaver's move) takes them
	// off the list at once, and deactivating them too.
	HealthLeaverFlagged HealthProblem = "leaver_flagged"
	HealthDirectory     HealthProblem = "directory_problems" // problems of the last run of each directory source
)

// healthProblems are the checks of the scan, in the page's order.
var healthProblems = []HealthProblem{HealthNoManager, HealthInactiveManager, HealthOnlyInactive, HealthFunctionalOnly, HealthWideSpan, HealthLeaverFlagged}

// HealthCheck is one problem: how many, and a few examples.
type HealthCheck struct {
	Problem  HealthProblem
	Count    int
	Examples []HealthExample
}

// HealthExample is one person with the problem (or one sync run).
type HealthExample struct {
	User  reportline.User
	Count int // reports for a wide span, managees in scope for an inactive manager
	Run   reportline.SyncRun
}

// Health is the centre's answer.
type Health struct {
	At      time.Time
	Checks  []HealthCheck // in the order of the problems above
	Scanned int
	Cut     bool // more people than healthMaxScan: the counts are partial
	// Directory says the caller may see the directory syncs (the last
	// check is theirs).
	Directory bool
}

// Check returns the check of a problem.
func (h Health) Check(p HealthProblem) HealthCheck {
	for _, c := range h.Checks {
		if c.Problem == p {
			return c
		}
	}
	return HealthCheck{Problem: p}
}

// HierarchyHealth checks the reporting lines of the people the caller may
// list, today, within group (0: all the caller's).
func (a *App) HierarchyHealth(ctx context.Context, actor Actor, group reportline.GroupID) (Health, error) {
	h := Health{At: a.now()}
	checks := map[HealthProblem]*HealthCheck{}
	for _, p := range healthProblems {
		checks[p] = &HealthCheck{Problem: p}
	}
	example := func(p HealthProblem, e HealthExample) {
		c := checks[p]
		c.Count++
		if len(c.Examples) < healthExamples {
			c.Examples = append(c.Examples, e)
		}
	}
	var platform bool
	err := a.healthStore().Read(ctx, func(tx healthTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ReadOrphans, policy.Target{}); err != nil {
			return err
		}
		platform = ac.Decide(policy.OperatePlatform, policy.Target{}).Allowed
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
		view, err := a.linkView(ctx, tx)
		if err != nil {
			return err
		}
		flags, err := tx.LeaverFlags(ctx, 0)
		if err != nil {
			return err
		}
		flagged := map[reportline.UserID]bool{}
		for _, f := range flags {
			flagged[f.ManageeID] = true
		}
		span := map[reportline.UserID]int{}       // reports in scope, by manager
		inactiveOf := map[reportline.UserID]int{} // managees in scope of inactive managers
		managers := map[reportline.UserID]reportline.User{}
		var after reportline.UserID
		for h.Scanned < healthMaxScan {
			users, err := tx.ActiveUsersAfter(ctx, groups, after, orphanScan)
			if err != nil {
				return err
			}
			if len(users) == 0 {
				break
			}
			h.Scanned += len(users)
			after = users[len(users)-1].ID
			ids := make([]reportline.UserID, len(users))
			for i, u := range users {
				ids[i] = u.ID
			}
			links, err := view.managersOfMany(ctx, ids)
			if err != nil {
				return err
			}
			var need []reportline.UserID
			for _, ls := range links {
				for _, l := range ls {
					if _, ok := managers[l.ManagerID]; !ok {
						need = append(need, l.ManagerID)
					}
				}
			}
			slices.Sort(need)
			found, err := tx.UsersByIDs(ctx, slices.Compact(need))
			if err != nil {
				return err
			}
			for id, u := range found {
				managers[id] = u
			}
			for _, u := range users {
				var inEffect, active, line int
				for _, l := range links[u.ID] {
					if !l.InEffect(h.At) {
						continue
					}
					inEffect++
					m, known := managers[l.ManagerID]
					if !known {
						continue
					}
					if !m.Active() {
						inactiveOf[m.ID]++
						continue
					}
					active++
					span[m.ID]++
					if l.Kind == reportline.Line {
						line++
					}
				}
				if active == 0 && flagged[u.ID] {
					example(HealthLeaverFlagged, HealthExample{User: u})
				}
				switch {
				case inEffect == 0:
					example(HealthNoManager, HealthExample{User: u})
				case active == 0:
					example(HealthOnlyInactive, HealthExample{User: u})
				case line == 0:
					example(HealthFunctionalOnly, HealthExample{User: u})
				}
			}
			if len(users) < orphanScan {
				break
			}
		}
		h.Cut = h.Scanned >= healthMaxScan
		for _, id := range sortedByCount(inactiveOf) {
			example(HealthInactiveManager, HealthExample{User: managers[id], Count: inactiveOf[id]})
		}
		for _, id := range sortedByCount(span) {
			if span[id] >= WideSpan {
				example(HealthWideSpan, HealthExample{User: managers[id], Count: span[id]})
			}
		}
		return nil
	})
	if err != nil {
		return h, err
	}
	for _, p := range healthProblems {
		h.Checks = append(h.Checks, *checks[p])
	}
	if platform && group == 0 {
		runs, err := a.ListSyncRuns(ctx, actor, "", 50)
		if err != nil {
			return h, err
		}
		h.Directory = true
		c := HealthCheck{Problem: HealthDirectory}
		seen := map[reportline.Source]bool{}
		for _, r := range runs { // newest first: the last real run of each source
			if r.DryRun || seen[r.Source] || r.Status == reportline.ImportRunning {
				continue
			}
			seen[r.Source] = true
			n := r.ProblemCount
			if r.Status == reportline.ImportFailed {
				n++
			}
			if n > 0 {
				c.Count += n
				c.Examples = append(c.Examples, HealthExample{Run: r, Count: n})
			}
		}
		h.Checks = append(h.Checks, c)
	}
	return h, nil
}

// sortedByCount returns the keys, largest count first, then by id.
func sortedByCount(m map[reportline.UserID]int) []reportline.UserID {
	ids := make([]reportline.UserID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(x, y reportline.UserID) int {
		if m[x] != m[y] {
			return m[y] - m[x]
		}
		return int(x - y)
	})
	return ids
}
