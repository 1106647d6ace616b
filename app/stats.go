package app

import (
	"context"
	"fmt"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// A user's statistics (SPEC §3): their courses and sessions with status,
// progress, score, time spent, due date and lateness.
//
// Who sees them is the access check's answer for view_reports (access.go):
// the user, their managers up the reporting line (a temporary link only
// within its dates), platform admins, and group admins of a group holding
// the user. Everybody else gets 403 with the checker's reason.
//
// What a manager sees is the statistics scope of the kind of link that
// grants it (a chain of line links counts as line): by default everything,
// including courses the manager cannot open themself (the course's groups
// do not matter); shared_courses hides the records of courses the manager
// cannot open; summary shows counts only. Admins and the user see
// everything. Every look at another user's statistics is written to the
// statistics view log in the same transaction as the read, so a view that
// cannot be logged is not shown.

// settingStatisticsScope is the settings key prefix of the scope per kind.
const settingStatisticsScope = "statistics_scope."

// UserStatistics is what a viewer is shown of a user's learning.
type UserStatistics struct {
	User    reportline.User
	Grant   Grant                      // what lets the viewer see it
	Reason  string                     // the access check's sentence
	Scope   reportline.StatisticsScope // what the viewer is shown
	At      time.Time                  // lateness is judged at this instant
	Summary StatsSummary
	// Records are ordered by course, the course's own record before its
	// sessions'; empty in the summary scope.
	Records []StatRecord
	// Hidden is how many records the scope hides (shared_courses,
	// summary).
	Hidden int
}

// StatRecord is a record on the statistics page.
type StatRecord struct {
	RecordView
	// ViewerMayOpen is whether the viewer may open the course themself
	// (it has no groups, or the viewer belongs to one of them or to a
	// group below): a manager sees the record either way.
	ViewerMayOpen bool
}

// StatsSummary counts a user's records (those the scope lets the viewer
// count: all of them but in shared_courses).
type StatsSummary struct {
	Records         int
	Courses         int // distinct courses
	Completed       int
	InProgress      int
	NotStarted      int
	Failed          int
	Late            int
	CompletedLate   int
	AverageProgress int // percent, rounded down; 0 without records
	TimeSpent       time.Duration

	progress int // the sum of the records' progress, for merging
}

// merge adds another summary of other records (of other people: courses
// are counted once each through seen).
func (s *StatsSummary) merge(o StatsSummary) {
	s.Records += o.Records
	s.Completed += o.Completed
	s.InProgress += o.InProgress
	s.NotStarted += o.NotStarted
	s.Failed += o.Failed
	s.Late += o.Late
	s.CompletedLate += o.CompletedLate
	s.TimeSpent += o.TimeSpent
	s.progress += o.progress
	if s.Records > 0 {
		s.AverageProgress = s.progress / s.Records
	}
}

func (s *StatsSummary) add(r RecordView, courses map[reportline.CourseID]bool) {
	s.Records++
	if !courses[r.CourseID] {
		courses[r.CourseID] = true
		s.Courses++
	}
	switch r.Status {
	case reportline.Completed:
		s.Completed++
	case reportline.InProgress:
		s.InProgress++
	case reportline.NotStarted:
		s.NotStarted++
	case reportline.Failed:
		s.Failed++
	}
	if r.Late {
		s.Late++
	}
	if r.CompletedLate {
		s.CompletedLate++
	}
	s.TimeSpent += r.TimeSpent
}

// courseIDs returns the distinct courses of records.
func courseIDs(details []reportline.RecordDetail) []reportline.CourseID {
	var ids []reportline.CourseID
	seen := map[reportline.CourseID]bool{}
	for _, d := range details {
		if !seen[d.Record.CourseID] {
			seen[d.Record.CourseID] = true
			ids = append(ids, d.Record.CourseID)
		}
	}
	return ids
}

// summarise counts records.
func summarise(rs []RecordView) StatsSummary {
	var s StatsSummary
	courses := map[reportline.CourseID]bool{}
	total := 0
	for _, r := range rs {
		s.add(r, courses)
		total += r.Progress
	}
	s.progress = total
	if s.Records > 0 {
		s.AverageProgress = total / s.Records
	}
	return s
}

// statisticsReadTx is what a user's statistics read beside the access
// check, and the record of the view (Statistics).
type statisticsReadTx interface {
	courseOpenerTx
	settingReadTx
	teamViewLogTx
	LearningRecordsOf(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.RecordDetail, error)
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
}

// statisticsTx is the transaction of Statistics: the access checker's
// view of it and the statistics' own.
type statisticsTx struct {
	check checkTx
	stats statisticsReadTx
}

func (a *App) statisticsStore() usecase.Store[statisticsTx] {
	return narrow(a.store, func(tx Tx) statisticsTx {
		return statisticsTx{check: checkTx{links: tx, facts: tx, current: a.currentIn(tx)}, stats: tx}
	})
}

// Statistics returns a user's statistics as the actor may see them, and
// logs the view when the actor is somebody else.
func (a *App) Statistics(ctx context.Context, actor Actor, user reportline.UserID) (UserStatistics, error) {
	st := UserStatistics{At: a.now()}
	err := a.statisticsStore().Write(ctx, func(v statisticsTx) error {
		tx := v.stats // the statistics' own reads; v.check is the access check's
		u, err := tx.User(ctx, user)
		if err != nil {
			return notFoundUser(err, user)
		}
		st.User = u
		st.Scope = reportline.ScopeEverything
		if !actor.System {
			if st.Grant, st.Reason, err = a.mayViewStatistics(ctx, v.check, actor, user, st.At); err != nil {
				return err
			}
			if st.Scope, err = scopeOfGrant(ctx, tx, st.Grant); err != nil {
				return err
			}
		}
		details, err := tx.LearningRecordsOf(ctx, []reportline.UserID{user})
		if err != nil {
			return err
		}
		opens, err := courseOpener(ctx, tx, actor, courseIDs(details[user]))
		if err != nil {
			return err
		}
		var counted []RecordView
		for _, d := range details[user] {
			v := StatRecord{RecordView: recordView(d, st.At), ViewerMayOpen: opens(d.Record.CourseID)}
			if st.Scope == reportline.ScopeSharedCourses && !v.ViewerMayOpen {
				st.Hidden++
				continue
			}
			counted = append(counted, v.RecordView)
			if st.Scope == reportline.ScopeSummary {
				st.Hidden++
				continue
			}
			st.Records = append(st.Records, v)
		}
		st.Summary = summarise(counted)
		sortStatRecords(st.Records)
		if actor.System || actor.User.ID == user {
			return nil
		}
		return tx.AppendStatisticsViews(ctx, []reportline.StatisticsView{{At: st.At, ViewerID: actor.User.ID, UserID: user,
			Grant: string(st.Grant.By), Scope: st.Scope, Source: actor.Source, Page: reportline.StatisticsPageUser}})
	})
	if err != nil {
		return UserStatistics{}, err
	}
	return st, nil
}

func sortStatRecords(rs []StatRecord) {
	views := make([]RecordView, len(rs))
	index := make(map[string]StatRecord, len(rs))
	for i, r := range rs {
		views[i] = r.RecordView
		index[r.LMSID] = r
	}
	sortRecordViews(views)
	for i, v := range views {
		rs[i] = index[v.LMSID]
	}
}

// notFoundUser names the missing user.
func notFoundUser(err error, id reportline.UserID) error {
	if reportline.IsCode(err, reportline.NotFound) {
		return reportline.Errorf(reportline.NotFound, "there is no user %d", id).Say("error.user.none", map[string]any{"ID": id})
	}
	return err
}

// mayViewStatistics asks the access check whether the actor may see the
// user's statistics now; a refusal is Forbidden with the checker's reason.
func (a *App) mayViewStatistics(ctx context.Context, tx checkTx, actor Actor, user reportline.UserID, at time.Time) (Grant, string, error) {
	ch, err := a.newChecker(ctx, tx, actor)
	if err != nil {
		return Grant{}, "", err
	}
	d, err := ch.answer(ctx, AccessQuery{Subject: actor.User.ID, Capability: reportline.ViewReports, Resource: user, At: at})
	if err != nil {
		return Grant{}, "", err
	}
	if d.Err != nil {
		return Grant{}, "", d.Err
	}
	if err := ch.actor.Authorize(policy.ReadStatistics, policy.Target{Granted: d.Allowed}); err != nil {
		return Grant{}, "", reportline.Errorf(reportline.Forbidden, "%s: %s", reportline.ErrorMessage(err), d.Reason).
			Say("error.stats.refused", map[string]any{"Why": reportline.Term("access.refused." + d.Code)})
	}
	return d.Grant, d.Reason, nil
}

// scopeOfGrant is the statistics scope a grant gives: the scope of the
// granting link's kind for managers (line for a chain), everything for the
// user themself and for admins.
func scopeOfGrant(ctx context.Context, tx settingReadTx, g Grant) (reportline.StatisticsScope, error) {
	switch g.By {
	case GrantLink:
		return statisticsScope(ctx, tx, g.Link.Kind)
	case GrantChain:
		return statisticsScope(ctx, tx, reportline.Line)
	}
	return reportline.ScopeEverything, nil
}

// statisticsScope reads the scope of a link kind; everything when never
// set.
func statisticsScope(ctx context.Context, tx settingReadTx, k reportline.Kind) (reportline.StatisticsScope, error) {
	v, err := tx.Setting(ctx, settingStatisticsScope+string(k))
	if reportline.IsCode(err, reportline.NotFound) {
		return reportline.ScopeEverything, nil
	}
	if err != nil {
		return "", fmt.Errorf("read the statistics scope of %s links: %w", k, err)
	}
	s, err := reportline.ParseStatisticsScope(v)
	if err != nil {
		// A value written by a later version: show the least.
		return reportline.ScopeSummary, nil
	}
	return s, nil
}

// courseOpener returns whether the actor may open each of the (distinct)
// courses: a course without groups is open to everyone, and every course
// to platform admins; otherwise the actor must belong to one of its groups
// or to a group below one.
func courseOpener(ctx context.Context, tx courseOpenerTx, actor Actor, ids []reportline.CourseID) (func(reportline.CourseID) bool, error) {
	if len(ids) == 0 || actor.System || actor.User.IsPlatformAdmin() {
		return func(reportline.CourseID) bool { return true }, nil
	}
	groups, err := tx.CourseGroups(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return func(reportline.CourseID) bool { return true }, nil
	}
	ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{actor.User.ID}})
	if err != nil {
		return nil, fmt.Errorf("course access: %w", err)
	}
	all, err := tx.Groups(ctx)
	if err != nil {
		return nil, fmt.Errorf("course access: %w", err)
	}
	tree := reportline.NewGroupTree(all)
	return func(c reportline.CourseID) bool {
		gs, limited := groups[c]
		if !limited {
			return true
		}
		for _, g := range gs {
			for _, m := range ms {
				if tree.IsAncestorOrSelf(g, m.GroupID) {
					return true
				}
			}
		}
		return false
	}, nil
}

// StatisticsScopes returns the statistics scope of each link kind. Any
// signed-in user may read them: they are the platform's policy.
func (a *App) StatisticsScopes(ctx context.Context, actor Actor) (map[reportline.Kind]reportline.StatisticsScope, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return nil, err
	}
	out := map[reportline.Kind]reportline.StatisticsScope{}
	err := a.statisticsSettingsStore().Read(ctx, func(tx statisticsSettingsTx) error {
		for _, k := range reportline.LinkKinds {
			s, err := statisticsScope(ctx, tx, k)
			if err != nil {
				return err
			}
			out[k] = s
		}
		return nil
	})
	return out, err
}

// SetStatisticsScopes sets the scope of the kinds listed (platform admins
// only) and returns every kind's scope.
func (a *App) SetStatisticsScopes(ctx context.Context, actor Actor, scopes map[reportline.Kind]reportline.StatisticsScope) (map[reportline.Kind]reportline.StatisticsScope, error) {
	for k, s := range scopes {
		if !k.Valid() {
			return nil, reportline.FieldError("kind", string(k), "kind must be %q or %q", reportline.Line, reportline.Functional)
		}
		if !s.Valid() {
			return nil, reportline.FieldError(string(k), string(s), "statistics scope %q is not one of everything, shared_courses, summary", s)
		}
	}
	err := a.statisticsSettingsStore().Write(ctx, func(tx statisticsSettingsTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ChangeSettings, policy.Target{}); err != nil {
			return err
		}
		for _, k := range reportline.LinkKinds {
			if s, ok := scopes[k]; ok {
				if err := tx.PutSetting(ctx, settingStatisticsScope+string(k), string(s)); err != nil {
					return err
				}
				if err := a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "setting " + settingStatisticsScope + string(k),
					After: usecase.JSON(map[string]string{"scope": string(s)})}); err != nil {
					return err
				}
			}
		}
		a.log.Info("statistics scopes changed", "actor", actor.ID(), "scopes", fmt.Sprint(scopes))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a.StatisticsScopes(ctx, actor)
}

// StatisticsViews returns the log of looks at users' statistics, newest
// first. Platform admins read all of it; group admins and user admins only
// the views of a user they administrate (f.UserID required).
func (a *App) StatisticsViews(ctx context.Context, actor Actor, f reportline.StatisticsViewFilter) ([]reportline.StatisticsView, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var out []reportline.StatisticsView
	err := a.statisticsSettingsStore().Read(ctx, func(tx statisticsSettingsTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if !ac.Scope.All && !ac.Scope.Empty() && f.UserID == 0 {
			return reportline.FieldError("user_id", "", "group admins read the views of one user they administrate: give user_id")
		}
		if err := ac.AuthorizeAbout(ctx, tx, policy.ReadStatisticsLog, f.UserID); err != nil {
			return err
		}
		out, err = tx.StatisticsViews(ctx, f)
		return err
	})
	return out, err
}
