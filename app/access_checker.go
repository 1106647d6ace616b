package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"reportline"
	"reportline/orggraph"
	"reportline/policy"
	"reportline/usecase"
)

// checkFactsTx is what the access checker reads beside the links that
// count: the users and their statuses, the caller's and the subjects'
// authority and group admins, the platform admins, the capability matrix,
// a granting link in full, the walks of one query (a user's ancestry with
// AccessFacts, a manager's subtree for My team) and, for the searches, a
// page of everyone.
type checkFactsTx interface {
	usecase.AuthorityTx
	matrixTx
	AccessFacts(ctx context.Context, users [2]reportline.UserID, user reportline.UserID) (map[reportline.UserID]reportline.User, []reportline.Link, map[reportline.UserID]reportline.Status, error)
	FindUsers(ctx context.Context, f reportline.UserFilter) ([]reportline.User, int, error)
	GroupAdmins(ctx context.Context, groups []reportline.GroupID) ([]reportline.Membership, error)
	LineSubtree(ctx context.Context, manager reportline.UserID) ([]reportline.Link, map[reportline.UserID]reportline.Status, error)
	Link(ctx context.Context, p reportline.Pair) (reportline.Link, error)
	PlatformAdmins(ctx context.Context) ([]reportline.User, error)
	UserStatuses(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.Status, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}

// checkTx is one transaction as the access checker reads it, through two
// views of the same transaction: the links that count, which its linkView
// reads (effectiveTx, 17 methods), and the facts its rules read beside them
// (checkFactsTx, 11). Their union is 27 methods; kept apart, each read says
// which side of the decision it serves. A use case that asks the checker
// and reads more in the same transaction holds a checkTx beside its own
// view (statisticsTx, teamTx, messagesTx).
type checkTx struct {
	links effectiveTx
	facts checkFactsTx
	// current is the in-memory index's currency in this transaction:
	// ig's graph when ig was built at the graph_version the transaction
	// reads, else nil (graph_index.go's App.current).
	current func(ctx context.Context, ig *indexedGraph) (*orggraph.Graph, error)
}

// visibility is the check's two views joined as mayView reads them: the
// links that count and the actor's groups.
func (tx checkTx) visibility() visibilityTx {
	return visibleThrough{effectiveTx: tx.links, AuthorityTx: tx.facts}
}

// visibleThrough joins the links that count and the authority's reads of
// one transaction into a visibilityTx.
type visibleThrough struct {
	effectiveTx
	usecase.AuthorityTx
}

// checkStore runs the transactions of the use cases that ask the access
// checker and read nothing else (searches, Contacts, as-of batches).
func (a *App) checkStore() usecase.Store[checkTx] {
	return narrow(a.store, func(tx Tx) checkTx {
		return checkTx{links: tx, facts: tx, current: a.currentIn(tx)}
	})
}

// checkOnceStore is checkStore with its reads run without a transaction
// when the store can (readOnce): withChecker's reads when the index is
// likely current.
func (a *App) checkOnceStore() usecase.Store[checkTx] {
	return narrow(onceReads{a}, func(tx Tx) checkTx {
		return checkTx{links: tx, facts: tx, current: a.currentIn(tx)}
	})
}

// currentIn is graph_index.go's App.current bound to one transaction, as
// a checkTx carries it.
func (a *App) currentIn(tx graphVersionTx) func(context.Context, *indexedGraph) (*orggraph.Graph, error) {
	return func(ctx context.Context, ig *indexedGraph) (*orggraph.Graph, error) { return a.current(ctx, tx, ig) }
}

// onceReads is the store whose reads run without a transaction when it
// can (App.readOnce); its writes are the store's.
type onceReads struct{ a *App }

func (s onceReads) Read(ctx context.Context, fn func(Tx) error) error { return s.a.readOnce(ctx, fn) }

func (s onceReads) Write(ctx context.Context, fn func(Tx) error) error {
	return s.a.store.Write(ctx, fn)
}

func (s onceReads) Ping(ctx context.Context) error { return s.a.store.Ping(ctx) }

// checker answers access queries inside one transaction, remembering the
// users, links and admin scopes it has read, so that a batch about the
// same people reads them once.
type checker struct {
	a      *App
	tx     checkFactsTx       // what the rules read beside the links
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
	// asked is the subject as mayAsk shows it to the policy, reused from
	// one query to the next.
	asked policy.Person
}

// newIndexedChecker is newChecker reading the links from ig when it is
// current in tx (a.graph, asked before the transaction began).
func (a *App) newIndexedChecker(ctx context.Context, tx checkTx, actor Actor, ig *indexedGraph) (*checker, error) {
	g, err := tx.current(ctx, ig)
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
func (a *App) newChecker(ctx context.Context, tx checkTx, actor Actor) (*checker, error) {
	var ig *indexedGraph
	if !a.ix.disabled.Load() {
		ig = a.index(ctx).current.Load()
	}
	return a.newIndexedChecker(ctx, tx, actor, ig)
}

func (a *App) newDBChecker(ctx context.Context, tx checkTx, actor Actor) (*checker, error) {
	ac, err := usecase.LoadAuthority(ctx, tx.facts, actor)
	if err != nil {
		return nil, err
	}
	m, err := a.matrix(ctx, tx.facts)
	if err != nil {
		return nil, err
	}
	v, err := a.linkView(ctx, tx.links)
	if err != nil {
		return nil, err
	}
	return &checker{a: a, tx: tx.facts, view: v, actor: ac, now: a.now(), matrix: m,
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
