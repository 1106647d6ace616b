package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"reportline"
	"reportline/orggraph"
	"reportline/usecase"
)

// checker answers access queries inside one transaction, remembering the
// users, links and admin scopes it has read, so that a batch about the
// same people reads them once.
type checker struct {
	a      *App
	tx     Tx
	view   *linkView          // the effective links (effective.go), read once
	actor  *usecase.Authority // the caller's authority, to decide who they may ask about
	now    time.Time
	matrix reportline.Matrix
	users  map[reportline.UserID]*reportline.User // nil value: no such user
	status map[reportline.UserID]bool             // whether a user is active; false for unknown users
	up     map[reportline.UserID][]reportline.Link
	down   map[reportline.UserID][]reportline.Link
	admins map[reportline.UserID]*usecase.Authority // subjects' scopes, loaded on demand
	// ancestries are the walks up the line already read, by user.
	ancestries map[reportline.UserID]*ancestry
	// g is the reporting graph in memory when it is current (graph_index.go):
	// links, statuses and walks are read there; nil: from the database.
	g *orggraph.Graph
}

// newIndexedChecker is newChecker reading the links from ig when it is
// current in tx (a.graph, asked before the transaction began).
func (a *App) newIndexedChecker(ctx context.Context, tx Tx, actor Actor, ig *indexedGraph) (*checker, error) {
	g, err := a.current(ctx, tx, ig)
	if err != nil {
		return nil, err
	}
	ch, err := a.newDBChecker(ctx, tx, actor)
	if err != nil || g == nil {
		return ch, err
	}
	ch.g, ch.matrix = g, g.Matrix()
	return ch, nil
}

// newChecker returns a checker in tx that reads the index in memory when
// there is one and it is current in tx (statistics, contacts, messages,
// searches: the callers inside a transaction of their own), else the
// database. It never builds the index (the decision point does).
func (a *App) newChecker(ctx context.Context, tx Tx, actor Actor) (*checker, error) {
	var ig *indexedGraph
	if !a.ix.disabled.Load() {
		ig = a.index(ctx).current.Load()
	}
	return a.newIndexedChecker(ctx, tx, actor, ig)
}

func (a *App) newDBChecker(ctx context.Context, tx Tx, actor Actor) (*checker, error) {
	ac, err := usecase.LoadAuthority(ctx, tx, actor)
	if err != nil {
		return nil, err
	}
	m, err := a.matrix(ctx, tx)
	if err != nil {
		return nil, err
	}
	v, err := a.linkView(ctx, tx)
	if err != nil {
		return nil, err
	}
	return &checker{a: a, tx: tx, view: v, actor: ac, now: a.now(), matrix: m,
		users: map[reportline.UserID]*reportline.User{}, status: map[reportline.UserID]bool{},
		up: map[reportline.UserID][]reportline.Link{}, down: map[reportline.UserID][]reportline.Link{},
		admins: map[reportline.UserID]*usecase.Authority{}, ancestries: map[reportline.UserID]*ancestry{}}, nil
}

// administeringGroup returns a group the subject administrates that holds
// the resource (itself or through a descendant), 0 when there is none.
func (ch *checker) administeringGroup(ctx context.Context, s *reportline.User, resource reportline.UserID) (reportline.GroupID, error) {
	if ch.tx == nil { // the index alone (evaluateInMemory)
		if !ch.g.GroupAdmin(s.ID) {
			return 0, nil
		}
		return 0, errNeedDB
	}
	ac, ok := ch.admins[s.ID]
	if !ok {
		var err error
		if ac, err = usecase.LoadAuthority(ctx, ch.tx, UserActor(*s, "")); err != nil {
			return 0, err
		}
		ch.admins[s.ID] = ac
	}
	if ac.Scope.Empty() {
		return 0, nil
	}
	if err := ac.NeedGroups(ctx, ch.tx, resource); err != nil {
		return 0, err
	}
	covering := ac.Scope.Covering(ac.Tree, ac.Groups[resource])
	if len(covering) == 0 {
		return 0, nil
	}
	return slices.Min(slices.Collect(maps.Keys(covering))), nil
}

// loadUsers reads the users not read yet.
func (ch *checker) loadUsers(ctx context.Context, ids ...reportline.UserID) error {
	var missing []reportline.UserID
	for _, id := range ids {
		if _, ok := ch.users[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	found, err := ch.tx.UsersByIDs(ctx, missing)
	if err != nil {
		return fmt.Errorf("access check: %w", err)
	}
	for _, id := range missing {
		if u, ok := found[id]; ok {
			ch.users[id] = &u
			ch.status[id] = u.Active()
		} else {
			ch.users[id] = nil
			ch.status[id] = false
		}
	}
	return nil
}

// ancestryOf returns a user's ancestry, reading it once per transaction.
func (ch *checker) ancestryOf(ctx context.Context, user reportline.UserID) (*ancestry, error) {
	if an, ok := ch.ancestries[user]; ok {
		return an, nil
	}
	an, err := ch.a.lineAncestry(ctx, ch.view, user)
	if err != nil {
		return nil, fmt.Errorf("access check: %w", err)
	}
	ch.remember(an)
	return an, nil
}

// remember keeps an ancestry and the statuses it carries.
func (ch *checker) remember(an *ancestry) {
	for id, st := range an.status {
		ch.status[id] = st == reportline.StatusActive
	}
	ch.ancestries[an.user] = an
}

// prefetch reads, when it can in one round trip, the two users and the
// resource's ancestry a transitive check needs: in the "import" Assign role
// mode, where the effective links are the stored ones.
func (ch *checker) prefetch(ctx context.Context, subject, resource reportline.UserID) error {
	_, haveS := ch.users[subject]
	_, haveR := ch.users[resource]
	if _, ok := ch.ancestries[resource]; ch.view.derives() || !ch.view.asOf.IsZero() || ok || haveS && haveR {
		return nil
	}
	found, links, status, err := ch.tx.AccessFacts(ctx, [2]reportline.UserID{subject, resource}, resource)
	if err != nil {
		return fmt.Errorf("access check: %w", err)
	}
	for _, id := range []reportline.UserID{subject, resource} {
		if u, ok := found[id]; ok {
			ch.users[id], ch.status[id] = &u, u.Active()
		} else {
			ch.users[id], ch.status[id] = nil, false
		}
	}
	ch.remember(newAncestry(resource, links, status))
	return nil
}

// managersOf returns the effective links of each managee, reading only
// those not read yet in this transaction.
func (ch *checker) managersOf(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	return ch.memo(ctx, ch.up, managees, ch.view.managersOfMany)
}

// manageesOf returns the effective links of each manager, reading only
// those not read yet in this transaction.
func (ch *checker) manageesOf(ctx context.Context, managers []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	return ch.memo(ctx, ch.down, managers, ch.view.manageesOfMany)
}

func (ch *checker) memo(ctx context.Context, cache map[reportline.UserID][]reportline.Link, ids []reportline.UserID,
	read func(context.Context, []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)) (map[reportline.UserID][]reportline.Link, error) {
	var missing []reportline.UserID
	for _, id := range ids {
		if _, ok := cache[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		got, err := read(ctx, missing)
		if err != nil {
			return nil, fmt.Errorf("access check: %w", err)
		}
		for _, id := range missing {
			cache[id] = got[id]
		}
	}
	out := make(map[reportline.UserID][]reportline.Link, len(ids))
	for _, id := range ids {
		out[id] = cache[id]
	}
	return out, nil
}

// verb phrases a capability for reasons: "may <verb> someone".
func verb(c reportline.Capability) string {
	switch c {
	case reportline.ManagerStar:
		return "carry the manager star for"
	case reportline.ManageTasks:
		return "manage the tasks of"
	case reportline.ViewReports:
		return "view the reports and statistics of"
	case reportline.AppointAssessments:
		return "appoint assessments to"
	case reportline.AppointChecklists:
		return "appoint checklists to"
	case reportline.SeeMBOGoals:
		return "see the MBO goals of"
	case reportline.Contacts:
		return "see the Contacts page of"
	case reportline.ReceiveMessages:
		return "receive the messages about"
	case reportline.Birthdays:
		return "be told of the birthday of"
	}
	return string(c) + " about"
}

// period describes a temporary link's dates.
func period(l reportline.Link) string {
	from, until := "no start", "no end"
	if !l.ValidFrom.IsZero() {
		from = "from " + l.ValidFrom.UTC().Format(time.RFC3339)
	}
	if !l.ValidUntil.IsZero() {
		until = "until " + l.ValidUntil.UTC().Format(time.RFC3339)
	}
	return from + ", " + until
}
